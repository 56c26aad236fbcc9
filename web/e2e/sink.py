"""SMTP sink for the browser tests: the project's aiosmtpd Sink (tests/sink.py;
recipients whose local part starts with `reject` get 550, `defer` a 451 first),
writing every accepted message to OUT_DIR as NNNN.eml (with a .rcpt file beside
it) and printing its port on stdout. Runs until stdin closes.

Usage: /usr/bin/python3 sink.py OUT_DIR
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from sink import Sink  # noqa: E402


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    sink = Sink().start()
    print(sink.port, flush=True)
    written = 0
    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    while not stop.is_set():
        with sink.lock:
            new = sink.messages[written:]
        for m in new:
            written += 1
            base = os.path.join(out, "%04d" % written)
            with open(base + ".rcpt", "w") as f:
                f.write(m["rcpt"])
            with open(base + ".eml.tmp", "wb") as f:
                f.write(m["bytes"])
            os.rename(base + ".eml.tmp", base + ".eml")
        time.sleep(0.05)
    sink.stop()


if __name__ == "__main__":
    main()
