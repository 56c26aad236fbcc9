"""The doors an existing MTA uses: `postdesk ingest` (pipe, sysexits codes)
and LMTP (per-recipient replies after DATA)."""
import subprocess

from conftest import BIN, DOMAIN, SUPPORT, SmtpClient, code


def ingest(data_dir, message: bytes, *recipients, sender="alice@customer.test"):
    args = [BIN, "ingest", "--data", str(data_dir), "--domain", DOMAIN, "--hostname", "desk.test",
            "--sender", sender]
    for r in recipients:
        args += ["--recipient", r]
    return subprocess.run(args, input=message, capture_output=True, timeout=60)


MESSAGE = (b"From: Alice <alice@customer.test>\r\nTo: " + SUPPORT.encode() +
           b"\r\nSubject: piped\r\nMessage-ID: <piped@customer.test>\r\n\r\nvia the pipe\r\n")


def test_ingest_exit_codes(tmp_path):
    data = tmp_path / "d"
    r = ingest(data, MESSAGE, SUPPORT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"ticket ")
    # Redelivery: acknowledged again, nothing new.
    r = ingest(data, MESSAGE, SUPPORT)
    assert r.returncode == 0 and b"duplicate" in r.stdout
    # Not a support address: EX_NOUSER.
    assert ingest(data, MESSAGE, "billing@elsewhere.test").returncode == 67
    # Empty input: EX_DATAERR.
    assert ingest(data, b"", SUPPORT).returncode == 65
    assert ingest(data, b"\r\n\r\n", SUPPORT).returncode == 65
    # Unusable data directory: EX_TEMPFAIL, so the MTA keeps the mail.
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert ingest(blocker / "sub", MESSAGE, SUPPORT).returncode == 75
    # Missing --recipient: EX_USAGE.
    r = subprocess.run([BIN, "ingest", "--data", str(data)], input=MESSAGE, capture_output=True)
    assert r.returncode == 64


def test_ingest_beside_a_running_server(desk):
    r = ingest(desk.data, MESSAGE, SUPPORT)
    assert r.returncode == 0, r.stderr
    [t] = desk.tickets()
    assert t["subject"] == "piped"
    [c] = desk.comments(t["id"])
    assert "via the pipe" in c["body"]


def test_lmtp_replies_per_recipient(desk_factory):
    desk = desk_factory("--lmtp", "127.0.0.1:0")
    assert desk.lmtp_port
    c = SmtpClient(desk.lmtp_port)
    assert "LMTP" in c.greeting[0]
    assert code(c.cmd("EHLO mta.test")) >= 500  # LMTP speaks LHLO only
    assert code(c.cmd("LHLO mta.test")) == 250
    assert code(c.cmd("MAIL FROM:<alice@customer.test>")) == 250
    assert code(c.cmd(f"RCPT TO:<{SUPPORT}>")) == 250
    assert code(c.cmd(f"RCPT TO:<support+sales@{DOMAIN}>")) == 250
    assert code(c.cmd("RCPT TO:<nobody@elsewhere.test>")) == 550
    assert code(c.cmd("DATA")) == 354
    c.send(b"From: alice@customer.test\r\nSubject: over lmtp\r\n\r\nhello\r\n.\r\n")
    first, second = c.reply(), c.reply()
    assert code(first) == 250 and code(second) == 250
    c.cmd("QUIT")
    c.close()
    assert [t["subject"] for t in desk.tickets()] == ["over lmtp"]
    # swaks speaks LMTP too.
    r = desk.swaks("--protocol", "LMTP", "--from", "bob@customer.test", "--to", SUPPORT,
                   "--header", "Subject: by swaks", port=desk.lmtp_port)
    assert "250" in r.stdout
    assert len(desk.tickets()) == 2
