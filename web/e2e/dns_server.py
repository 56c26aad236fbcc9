"""A real DNS server for the browser tests: the project's nsd helper
(tests/nsd.py) serving the zone `example.` from ZONE_DIR: the desk's own
domain support.example set up as postdesk asks, and customer domains with the
usual mistakes. Prints its port on stdout; runs until stdin closes.

Usage: /usr/bin/python3 dns_server.py ZONE_DIR
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from nsd import start_nsd, stop_nsd  # noqa: E402

RECORDS = [
    # The desk's domain: its include lists our servers; DMARC p=reject.
    ("_spf.support.example.", "TXT", '"v=spf1 ip4:127.0.0.1 -all"'),
    ("support.example.", "TXT", '"v=spf1 include:_spf.support.example -all"'),
    ("support.example.", "MX", "10 desk.test."),
    ("_dmarc.support.example.", "TXT", '"v=DMARC1; p=reject"'),
    # A customer whose SPF lacks our include and who has no DMARC record.
    ("noinclude.example.", "TXT", '"v=spf1 include:other.example ~all"'),
    ("noinclude.example.", "MX", "10 mx.noinclude.example."),
    ("mx.noinclude.example.", "A", "192.0.2.25"),
    ("other.example.", "TXT", '"v=spf1 ip4:203.0.113.0/24 -all"'),
]


def main():
    d = Path(sys.argv[1])
    d.mkdir(parents=True, exist_ok=True)
    lines = ["$ORIGIN example.", "$TTL 300",
             "@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 60",
             "@ IN NS ns.example.", "ns.example. IN A 127.0.0.1"]
    lines += [f"{owner} IN {rtype} {rdata}" for owner, rtype, rdata in RECORDS]
    (d / "example.zone").write_text("\n".join(lines) + "\n")
    proc, port, _ = start_nsd(d, {"example": "example.zone"}, [("noinclude.example", "TXT")])
    print(port, flush=True)
    sys.stdin.read()
    stop_nsd(proc)


if __name__ == "__main__":
    main()
