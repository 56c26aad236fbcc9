"""A real SMTP sink (aiosmtpd) on loopback for black-box tests of outbound mail.

Recipients steer its answers: a local part starting with `reject` gets
`550 5.1.1 user unknown` at RCPT, `defer` gets `451 4.3.0` the first time and
`250` afterwards; everyone else is accepted. Every accepted message is kept.
"""
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("defer"):
            with self.sink.lock:
                seen = self.sink.deferred.get(address, 0)
                self.sink.deferred[address] = seen + 1
            if seen == 0:
                return "451 4.3.0 Temporary lookup failure, try again"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            for rcpt in envelope.rcpt_tos:
                self.sink.messages.append({
                    "mail_from": envelope.mail_from,
                    "rcpt": rcpt,
                    "bytes": envelope.original_content or envelope.content,
                })
        return "250 2.0.0 Ok: queued"


class Sink:
    def __init__(self):
        self.messages = []
        self.deferred = {}
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     decode_data=False)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def relay(self):
        return f"127.0.0.1:{self.port}"

    def wait_for(self, predicate, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(0.05)
        return []

    def parsed(self, m):
        return email.message_from_bytes(m["bytes"], policy=email.policy.default)
