"""Black-box test fixtures: a real `postdesk serve` on loopback, port 0.

Every server a test needs is started here, on 127.0.0.1, and stopped after.
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests
"""
import base64
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sink import Sink

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("POSTDESK_BIN", str(ROOT / "build" / "postdesk"))
DOMAIN = "support.example"
SUPPORT = f"support@{DOMAIN}"


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_dns_port():
    """A loopback port free for both UDP and TCP (a DNS server listens on both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue  # the TCP side is taken: try another
    raise RuntimeError("no loopback port is free for both UDP and TCP")


class Desk:
    """A running `postdesk serve` and helpers to talk to it."""

    def __init__(self, data_dir: Path, extra_args=()):
        self.data = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.smtp_port = self.http_port = self.lmtp_port = None
        self.token = None

    def start(self):
        # Outbound mail and DNS never leave loopback: without a test's own
        # relay, mail goes to a closed loopback port (and is deferred).
        args = list(self.extra_args)
        if "--relay" not in args:
            args += ["--relay", f"127.0.0.1:{closed_port()}"]
        if "--dns" not in args:
            args += ["--dns", f"127.0.0.1:{closed_port()}"]
        ports = self.data / "ports.json"
        if ports.exists():
            ports.unlink()
        self.log = open(self.data / "serve.log", "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data", str(self.data), "--smtp", "127.0.0.1:0",
             "--http", "127.0.0.1:0", "--domain", DOMAIN, "--hostname", "desk.test",
             *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not ports.exists():
            if self.proc.poll() is not None:
                raise RuntimeError("postdesk serve exited: " + (self.data / "serve.log").read_text())
            if time.time() > deadline:
                raise RuntimeError("postdesk serve did not write ports.json")
            time.sleep(0.05)
        p = json.loads(ports.read_text())
        self.smtp_port, self.http_port = p["smtp"], p["http"]
        self.lmtp_port = p.get("lmtp")
        self.token = (self.data / "admin-token").read_text().strip()
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        # With a sanitizer build (make sanitize), a report in the log fails the test.
        log = (self.data / "serve.log").read_text(errors="replace")
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert mark not in log, "sanitizer report in serve.log:\n" + log[log.index(mark) - 200:][:6000]

    # --- HTTP ---
    def request(self, method, path, token="default", body=None, headers=None):
        url = path if path.startswith("http") else f"http://127.0.0.1:{self.http_port}{path}"
        req = urllib.request.Request(url, method=method, data=body)
        if token == "default":
            token = self.token
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            # Generous for the sanitizer build (make sanitize), which serves a
            # 10 MB comment in seconds, not milliseconds.
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get_json(self, path, **kw):
        status, _, body = self.request("GET", path, **kw)
        assert status == 200, (path, status, body)
        return json.loads(body)

    def tickets(self):
        return self.get_json("/api/v2/tickets.json")["tickets"]

    def comments(self, ticket_id):
        return self.get_json(f"/api/v2/tickets/{ticket_id}/comments.json")["comments"]

    def suspended(self):
        return self.get_json("/api/v2/suspended_tickets.json")["suspended_tickets"]

    # --- SMTP ---
    def swaks(self, *args, check=True, port=None):
        cmd = ["swaks", "--server", "127.0.0.1", "--port", str(port or self.smtp_port),
               "--helo", "client.test", "--timeout", "20", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=60)
        if check:
            assert r.returncode == 0, r.stdout + r.stderr
        return r

    def send_raw(self, message: bytes, mail_from="alice@customer.test", rcpts=(SUPPORT,)):
        """Sends a message file verbatim with swaks (--data), returns swaks's result."""
        path = self.data / f"msg-{time.time_ns()}.eml"
        path.write_bytes(message)
        args = ["--from", mail_from, "--data", str(path)]
        for r in rcpts:
            args += ["--to", r]
        return self.swaks(*args)


class SmtpClient:
    """A bare-socket SMTP client for what swaks cannot send (raw bytes, smuggling)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.greeting = self.reply()

    def reply(self):
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed; got " + repr(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return lines

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


def code(lines):
    return int(lines[-1][:3])


@pytest.fixture
def desk(tmp_path):
    d = Desk(tmp_path).start()
    yield d
    d.stop()


@pytest.fixture
def sink():
    """A real SMTP sink (aiosmtpd) on loopback for a desk's --relay."""
    s = Sink().start()
    yield s
    s.stop()


@pytest.fixture
def desk_factory(tmp_path):
    made = []

    def make(*extra_args, subdir="desk"):
        path = tmp_path / subdir
        path.mkdir(exist_ok=True)
        d = Desk(path, extra_args).start()
        made.append(d)
        return d

    yield make
    for d in made:
        d.stop()


def basic_auth(email, token):
    return "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()
