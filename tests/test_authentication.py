"""Inbound sender authentication end to end: `postdesk serve` asking a real DNS
server (nsd, on 127.0.0.1 and a free port) for SPF, DKIM keys, DMARC and ARC
keys, with mail signed by third-party signers (dkimpy's `dkimsign`, OpenDKIM's
`opendkim-genkey`/`opendkim-testmsg`) and sent with swaks from 127.0.0.1.

What each domain in the zone stands for:
  sender.test     the honest sender: SPF allows 127.0.0.1, DKIM keys (RSA from
                  openssl, Ed25519 from openssl, RSA from opendkim-genkey),
                  DMARC p=reject
  spoof.test      a forger's bounce domain: SPF -all, DMARC p=reject
  relay.test      a relay allowed to send (SPF pass) but not aligned with anyone
  sender.example  the ARC fixture's original sender (tests/data/arc/forwarded),
  lists.example   and the list that broke its DKIM and ARC-sealed the result
  evil.forger     a forger's domain whose DMARC tree walk fails (DNS error)

The two tests at the end pin product bugs found while writing this file: a
forger's own failing DNS must not turn a DMARC fail into a temperror, and mode
off must still strip forged results and record ours.

Keys are made in the test; nothing is fetched. Run with Debian's interpreter:
    POSTDESK_BIN=$PWD/build/postdesk /usr/bin/python3 -m pytest tests/test_authentication.py
"""
import base64
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, SUPPORT, closed_port
from nsd import NSD, start_nsd, stop_nsd

dns_resolver = pytest.importorskip("dns.resolver")

ROOT = Path(__file__).resolve().parent.parent
ARC_DATA = ROOT / "tests" / "data" / "arc" / "forwarded"
OPENDKIM_GENKEY = shutil.which("opendkim-genkey") or "/usr/sbin/opendkim-genkey"
OPENDKIM_TESTMSG = shutil.which("opendkim-testmsg") or "/usr/sbin/opendkim-testmsg"
AUTHSERV = "desk.test"  # conftest starts every desk with --hostname desk.test
SPOOFING_CAUSE_ID = 26


# --------------------------------------------------------------------------- keys and zone

def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True,
                          check=True).stdout


def make_keys(d: Path):
    """RSA-2048 and Ed25519 keys in the formats dkimsign reads, with their DKIM records."""
    keys = {}
    rsa = d / "rsa.pem"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", str(rsa))
    der = openssl("pkey", "-in", str(rsa), "-pubout", "-outform", "DER")
    keys["rsa"] = (rsa, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    # dkimpy's Ed25519 private key is the base64 of the 32-byte seed, which is
    # the tail of the PKCS#8 DER; the record's p= is the raw 32-byte public key.
    ed_der = openssl("genpkey", "-algorithm", "ED25519", "-outform", "DER")
    ed_pub = openssl("pkey", "-inform", "DER", "-pubout", "-outform", "DER", stdin=ed_der)
    ed = d / "ed25519.key"
    ed.write_text(base64.b64encode(ed_der[-32:]).decode() + "\n")
    keys["ed25519"] = (ed, "v=DKIM1; k=ed25519; p=" + base64.b64encode(ed_pub[-32:]).decode())
    # OpenDKIM's own key generator; its record goes into the zone as it wrote it.
    subprocess.run([OPENDKIM_GENKEY, "-b", "2048", "-d", "sender.test", "-s", "odk",
                    "-D", str(d)], check=True)
    odk_txt = "".join(re.findall(r'"([^"]*)"', (d / "odk.txt").read_text()))
    keys["opendkim"] = (d / "odk.private", odk_txt)
    return keys


def txt(value: str) -> str:
    """A TXT rdata: the value cut into quoted strings of at most 255 bytes."""
    return " ".join(f'"{value[i:i + 250]}"' for i in range(0, len(value), 250))


def zones(keys):
    """{zone: [(owner, type, rdata)]}. The server is authoritative for the whole
    `test` and `example` trees, so every name under them (the DMARC tree walk
    asks _dmarc.test too) gets an answer or NXDOMAIN, as from a recursive
    resolver. `evil.forger` is served alone: its parent `forger` is REFUSED,
    which the resolver sees as a DNS failure (see the forger test)."""
    arc_sender = (ARC_DATA / "sender.dns").read_text().strip()
    arc_lists = (ARC_DATA / "lists.dns").read_text().strip()
    return {
        "test": [
            # The honest sender.
            ("sender.test.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
            ("_dmarc.sender.test.", "TXT", txt("v=DMARC1; p=reject")),
            ("rsa._domainkey.sender.test.", "TXT", txt(keys["rsa"][1])),
            ("ed._domainkey.sender.test.", "TXT", txt(keys["ed25519"][1])),
            ("odk._domainkey.sender.test.", "TXT", txt(keys["opendkim"][1])),
            # A forger's own bounce domain.
            ("spoof.test.", "TXT", txt("v=spf1 -all")),
            ("_dmarc.spoof.test.", "TXT", txt("v=DMARC1; p=reject")),
            # A relay allowed to send from 127.0.0.1, aligned with nobody.
            ("relay.test.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
            # swaks's HELO name.
            ("client.test.", "A", "127.0.0.1"),
        ],
        "example": [
            # The ARC fixture: the original sender and the list that sealed.
            ("sender.example.", "TXT", txt("v=spf1 -all")),
            ("_dmarc.sender.example.", "TXT", txt("v=DMARC1; p=reject")),
            ("s1._domainkey.sender.example.", "TXT", txt(arc_sender)),
            ("lists.example.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
            ("arc._domainkey.lists.example.", "TXT", txt(arc_lists)),
        ],
        "evil.forger": [
            # SPF lets 127.0.0.1 send for it; asking _dmarc.forger fails.
            ("evil.forger.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
        ],
    }


@pytest.fixture(scope="module")
def dns(tmp_path_factory):
    """nsd on 127.0.0.1:PORT serving the zones; yields (port, keys)."""
    if not os.path.exists(NSD):
        pytest.skip("nsd is not installed (Debian package nsd)")
    assert os.access(BIN, os.X_OK), f"postdesk not built at {BIN} (set POSTDESK_BIN)"
    d = tmp_path_factory.mktemp("authdns")
    keys = make_keys(d)
    zone_files = {}
    for name, records in zones(keys).items():
        lines = [f"$ORIGIN {name}.", "$TTL 300",
                 f"@ IN SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 60",
                 f"@ IN NS ns.{name}.", f"ns.{name}. IN A 127.0.0.1"]
        lines += [f"{owner} IN {rtype} {rdata}" for owner, rtype, rdata in records]
        (d / f"{name}.zone").write_text("\n".join(lines) + "\n")
        zone_files[name] = f"{name}.zone"
    proc, port, res = start_nsd(
        d, zone_files,
        [(n, "TXT") for n in ("sender.test", "arc._domainkey.lists.example", "evil.forger")])
    # The long records came through whole (more than one TXT string).
    answer = res.resolve("rsa._domainkey.sender.test", "TXT", lifetime=2)
    assert b"".join(answer[0].strings).decode() == keys["rsa"][1]
    yield port, keys
    stop_nsd(proc)


@pytest.fixture
def make_desk(dns, desk_factory):
    """A desk asking our nsd: make_desk("--inbound-authentication", "suspend", ...)."""
    port, _ = dns
    count = [0]

    def make(*args):
        count[0] += 1
        return desk_factory("--dns", f"127.0.0.1:{port}", *args, subdir=f"desk{count[0]}")
    return make


# --------------------------------------------------------------------------- helpers

def message(frm, subject, body="Hello, the printer on floor 2 is on fire.\r\n", extra=b""):
    mid = f"<{time.time_ns()}.{abs(hash(subject))}@{frm.split('@')[1]}>"
    return (f"From: Customer <{frm}>\r\n"
            f"To: Support <{SUPPORT}>\r\n"
            f"Subject: {subject}\r\n"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: {mid}\r\n"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n").encode() + extra + b"\r\n" + \
        body.encode()


def as_sent(msg: bytes) -> bytes:
    """swaks --data ends the message with one more CRLF before the final dot."""
    return msg + b"\r\n"


def dkimsign(msg, selector, domain, key, *opts):
    out = subprocess.run(["dkimsign", *opts, selector, domain, str(key)], input=msg,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.startswith(b"DKIM-Signature:")
    return out.stdout


def only_ticket(desk):
    tickets = desk.tickets()
    assert len(tickets) == 1, tickets
    assert desk.suspended() == []
    return tickets[0]


def first_comment(desk, ticket_id):
    comments = desk.comments(ticket_id)
    assert comments, ticket_id
    return comments[0]


def raw_of(desk, ticket_id, comment_id):
    status, headers, body = desk.request(
        "GET", f"/api/v2/tickets/{ticket_id}/comments/{comment_id}/raw")
    assert status == 200, (status, body)
    return body


def header_fields(raw: bytes):
    """[(name, unfolded value)] of the header section, in order."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0].decode("utf-8", "replace")
    fields = []
    for line in re.split(r"\r?\n", head):
        if line[:1] in (" ", "\t") and fields:
            fields[-1][1] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            fields.append([name.strip(), value.strip()])
    return [(n, v) for n, v in fields]


def auth_results(raw: bytes):
    return [v for n, v in header_fields(raw) if n.lower() == "authentication-results"]


def ours(raw: bytes):
    """The raw message starts with our Received and then our Authentication-Results."""
    fields = header_fields(raw)
    assert fields[0][0] == "Received", fields[:3]
    assert fields[1][0] == "Authentication-Results", fields[:3]
    assert fields[1][1].startswith(AUTHSERV + ";"), fields[1]
    return fields[1][1]


def audits(desk, ticket_id):
    return desk.get_json(f"/api/v2/tickets/{ticket_id}/audits.json")["audits"]


def flags_of(desk, ticket_id):
    out = []
    for a in audits(desk, ticket_id):
        out += (a.get("metadata") or {}).get("flags", [])
    return out


def only_suspended(desk):
    assert desk.tickets() == []
    [s] = desk.suspended()
    full = desk.get_json(f"/api/v2/suspended_tickets/{s['id']}.json")["suspended_ticket"]
    return full


def evidence_of(suspended):
    ev = suspended.get("evidence")
    return json.loads(ev) if isinstance(ev, str) else ev


# --------------------------------------------------------------------------- 1-3 good signatures

def test_dkimpy_rsa_signed_mail_passes_everything(dns, make_desk):
    _, keys = dns
    desk = make_desk("--inbound-authentication", "suspend")
    signed = dkimsign(message("alice@sender.test", "RSA signed"), "rsa", "sender.test",
                      keys["rsa"][0], "--hcanon", "relaxed", "--bcanon", "relaxed")
    desk.send_raw(signed, mail_from="alice@sender.test")

    t = only_ticket(desk)
    c = first_comment(desk, t["id"])
    a = c["authentication"]
    assert a["spf"]["result"] == "pass", a["spf"]
    assert a["spf"]["client_ip"] == "127.0.0.1" and a["spf"]["domain"] == "sender.test"
    [k] = a["dkim"]
    assert (k["result"], k["domain"], k["selector"], k["algorithm"]) == \
        ("pass", "sender.test", "rsa", "rsa-sha256"), k
    assert k["key_bits"] == 2048 and k["aligned"] is True
    assert a["dmarc"]["result"] == "pass", a["dmarc"]
    assert a["dmarc"]["spf_aligned"] and a["dmarc"]["dkim_aligned"]
    assert a["action"] == "accept", a
    assert "DMARC pass for sender.test" in a["reason"]
    assert "spoofing_warning" not in flags_of(desk, t["id"])

    raw = raw_of(desk, t["id"], c["id"])
    ar = ours(raw)
    assert re.search(r"; spf=pass\b.*smtp\.mailfrom=alice@sender\.test", ar), ar
    assert re.search(r"; dkim=pass \(2048-bit key\) header\.d=sender\.test\b.*header\.s=rsa", ar), ar
    assert "header.a=rsa-sha256" in ar
    assert re.search(r"; dmarc=pass \(p=reject dis=none\).*header\.from=sender\.test", ar), ar
    assert "; arc=none" in ar
    assert raw.endswith(as_sent(signed))  # the message itself is kept byte for byte


def test_dkimpy_ed25519_signature_alone_carries_dmarc(dns, make_desk):
    # Sent through relay.test: SPF passes for a domain not aligned with From,
    # so DMARC passes only because the Ed25519 signature verifies.
    _, keys = dns
    desk = make_desk("--inbound-authentication", "suspend")
    signed = dkimsign(message("bob@sender.test", "Ed25519 signed"), "ed", "sender.test",
                      keys["ed25519"][0], "--signalg", "ed25519-sha256")
    assert b"a=ed25519-sha256" in signed
    desk.send_raw(signed, mail_from="bounce@relay.test")

    t = only_ticket(desk)
    c = first_comment(desk, t["id"])
    a = c["authentication"]
    assert (a["spf"]["result"], a["spf"]["domain"]) == ("pass", "relay.test"), a["spf"]
    [k] = a["dkim"]
    assert (k["result"], k["domain"], k["selector"], k["algorithm"]) == \
        ("pass", "sender.test", "ed", "ed25519-sha256"), k
    assert k["aligned"] is True
    assert a["dmarc"]["result"] == "pass"
    assert (a["dmarc"]["spf_aligned"], a["dmarc"]["dkim_aligned"]) == (False, True)
    assert a["action"] == "accept"

    ar = ours(raw_of(desk, t["id"], c["id"]))
    assert re.search(r"; dkim=pass \(256-bit key\) header\.d=sender\.test\b.*header\.s=ed\b.*"
                     r"header\.a=ed25519-sha256", ar), ar
    assert "; dmarc=pass" in ar and "smtp.mailfrom=bounce@relay.test" in ar


def test_opendkim_key_and_signer(dns, make_desk):
    # The key comes from opendkim-genkey and its record is published as written.
    # dkimpy signing with it must pass; opendkim-testmsg signs only rsa-sha1
    # (libopendkim's default), which RFC 8301 retired: refused as policy, so
    # with an unaligned, failing SPF the message fails DMARC and is flagged.
    _, keys = dns
    key = keys["opendkim"][0]
    desk = make_desk("--inbound-authentication", "flag")

    good = dkimsign(message("carol@sender.test", "OpenDKIM key, dkimpy signer"), "odk",
                    "sender.test", key)
    desk.send_raw(good, mail_from="bounce@spoof.test")
    sha1 = subprocess.run([OPENDKIM_TESTMSG, "-C", "-d", "sender.test", "-s", "odk",
                           "-k", str(key)],
                          input=message("carol@sender.test", "OpenDKIM signer"),
                          capture_output=True, timeout=60)
    assert sha1.returncode == 0, sha1.stderr.decode()
    assert sha1.stdout.startswith(b"DKIM-Signature:")
    signed_alg = re.search(rb"\ba=([\w-]+)", sha1.stdout).group(1).decode()
    desk.send_raw(sha1.stdout, mail_from="bounce@spoof.test")

    by_subject = {t["subject"]: t for t in desk.tickets()}
    assert set(by_subject) == {"OpenDKIM key, dkimpy signer", "OpenDKIM signer"}
    assert desk.suspended() == []

    t = by_subject["OpenDKIM key, dkimpy signer"]
    a = first_comment(desk, t["id"])["authentication"]
    assert a["spf"]["result"] == "fail"
    [k] = a["dkim"]
    assert (k["result"], k["domain"], k["selector"], k["key_bits"]) == \
        ("pass", "sender.test", "odk", 2048), k
    assert a["dmarc"]["result"] == "pass" and a["action"] == "accept", a
    assert "spoofing_warning" not in flags_of(desk, t["id"])

    t = by_subject["OpenDKIM signer"]
    c = first_comment(desk, t["id"])
    a = c["authentication"]
    [k] = a["dkim"]
    assert (k["domain"], k["selector"], k["algorithm"]) == ("sender.test", "odk", signed_alg)
    if signed_alg == "rsa-sha1":
        assert (k["result"], k["reason"]) == ("policy", "rsa-sha1 not accepted"), k
        assert a["dmarc"]["result"] == "fail"
        assert a["action"] == "flag"
        assert "DKIM policy for d=sender.test (rsa-sha1 not accepted)" in a["reason"]
        assert "spoofing_warning" in flags_of(desk, t["id"])
        ar = ours(raw_of(desk, t["id"], c["id"]))
        assert re.search(r'; dkim=policy reason="rsa-sha1 not accepted[^"]*" '
                         r'header\.d=sender\.test', ar), ar
        assert "; dmarc=fail (p=reject dis=reject)" in ar
    else:  # a newer OpenDKIM that signs rsa-sha256
        assert k["result"] == "pass" and a["action"] == "accept", a


# --------------------------------------------------------------------------- 4-6 failures

def test_body_changed_after_signing_is_suspended(dns, make_desk):
    _, keys = dns
    desk = make_desk("--inbound-authentication", "suspend")
    signed = dkimsign(message("alice@sender.test", "Invoice", body="Pay 100 EUR to us.\r\n"),
                      "rsa", "sender.test", keys["rsa"][0])
    tampered = signed.replace(b"Pay 100 EUR", b"Pay 900 EUR")
    assert tampered != signed
    r = desk.send_raw(tampered, mail_from="bounce@spoof.test")
    assert "held for review (failed_email_authentication)" in r.stdout, r.stdout

    s = only_suspended(desk)
    assert (s["cause"], s["cause_id"]) == ("failed_email_authentication", SPOOFING_CAUSE_ID)
    ev = evidence_of(s)
    assert ev["cause_id"] == SPOOFING_CAUSE_ID
    a = ev["authentication"]
    assert a["spf"]["result"] == "fail" and a["spf"]["domain"] == "spoof.test"
    [k] = a["dkim"]
    assert (k["result"], k["reason"], k["domain"]) == \
        ("fail", "body hash mismatch", "sender.test"), k
    assert a["dmarc"]["result"] == "fail" and a["dmarc"]["policy"] == "reject"
    assert a["action"] == "suspend"
    for text in (ev["reason"], a["reason"]):
        assert "DMARC fail for sender.test (p=reject)" in text, text
        assert "SPF fail" in text and "body hash mismatch" in text, text
    assert s["subject"] == "Invoice"


def test_spoofed_from_suspended_in_suspend_mode(dns, make_desk):
    desk = make_desk("--inbound-authentication", "suspend")
    r = desk.send_raw(message("ceo@sender.test", "Urgent wire transfer"),
                      mail_from="bounce@spoof.test")
    assert "250" in r.stdout
    s = only_suspended(desk)
    assert (s["cause"], s["cause_id"]) == ("failed_email_authentication", SPOOFING_CAUSE_ID)
    ev = evidence_of(s)
    assert "DMARC" in ev["reason"] and "p=reject" in ev["reason"], ev["reason"]
    assert "no DKIM signature" in ev["reason"], ev["reason"]
    a = ev["authentication"]
    assert a["dkim"] == [] and a["spf"]["result"] == "fail"
    assert (a["dmarc"]["result"], a["dmarc"]["from_domain"]) == ("fail", "sender.test")


def test_spoofed_from_flagged_in_flag_mode(dns, make_desk):
    desk = make_desk()  # the default mode is flag
    desk.send_raw(message("ceo@sender.test", "Urgent wire transfer"),
                  mail_from="bounce@spoof.test")
    t = only_ticket(desk)
    c = first_comment(desk, t["id"])
    assert c["authentication"]["action"] == "flag"
    assert "spoofing_warning" in flags_of(desk, t["id"])
    meta = [a["metadata"] for a in audits(desk, t["id"])
            if "spoofing_warning" in (a.get("metadata") or {}).get("flags", [])]
    message_text = meta[0]["flags_options"]["spoofing_warning"]["message"]
    assert "ceo@sender.test" in message_text and "DMARC fail" in message_text
    ar = ours(raw_of(desk, t["id"], c["id"]))
    assert "; spf=fail" in ar and "; dkim=none" in ar and "; dmarc=fail" in ar


def test_spoofed_from_refused_with_reject_on_dmarc_reject(dns, make_desk):
    desk = make_desk("--reject-on-dmarc-reject")
    path = desk.data / "spoof.eml"
    path.write_bytes(message("ceo@sender.test", "Urgent wire transfer"))
    r = desk.swaks("--from", "bounce@spoof.test", "--to", SUPPORT, "--data", str(path),
                   check=False)
    assert r.returncode != 0
    assert re.search(r"<\*\* +550[ -]5\.7\.1 ", r.stdout), r.stdout
    assert "sender.test" in r.stdout
    assert desk.tickets() == [] and desk.suspended() == []
    # The honest sender still gets through on the same desk.
    desk.send_raw(message("alice@sender.test", "Honest"), mail_from="alice@sender.test")
    assert [t["subject"] for t in desk.tickets()] == ["Honest"]


def test_forged_authentication_results_are_stripped(dns, make_desk):
    desk = make_desk("--inbound-authentication", "flag")
    forged = (b"Authentication-Results: desk.test; dkim=pass header.d=sender.test;\r\n"
              b"\tdmarc=pass header.from=sender.test\r\n"
              b"Authentication-Results: DESK.TEST; spf=pass smtp.mailfrom=ceo@sender.test\r\n"
              b"Authentication-Results: (looks official) desk.test; dmarc=pass\r\n"
              b"Authentication-Results: mx.other.test; spf=pass smtp.mailfrom=x@other.test\r\n"
              b"Authentication-Results: desk.test.evil.test; dkim=pass\r\n")
    msg = message("ceo@sender.test", "Forged results", extra=forged)
    desk.send_raw(msg, mail_from="bounce@spoof.test")

    t = only_ticket(desk)
    c = first_comment(desk, t["id"])
    a = c["authentication"]
    assert a["dkim"] == [] and a["dmarc"]["result"] == "fail" and a["action"] == "flag"
    raw = raw_of(desk, t["id"], c["id"])
    ar = ours(raw)
    assert "; dkim=none" in ar and "; dmarc=fail" in ar
    results = auth_results(raw)
    claiming_ours = [v for v in results if re.match(r"(\([^)]*\)\s*)?desk\.test;", v, re.I)]
    assert claiming_ours == [ar], results
    assert "mx.other.test; spf=pass smtp.mailfrom=x@other.test" in results
    assert "desk.test.evil.test; dkim=pass" in results
    assert b"looks official" not in raw and b"DESK.TEST" not in raw
    assert b"dmarc=pass header.from=sender.test" not in raw
    # Every other byte is kept as it came: the message minus the three forged fields.
    kept = msg.replace(forged, forged[forged.index(b"Authentication-Results: mx.other"):])
    assert raw.endswith(as_sent(kept))


# --------------------------------------------------------------------------- 7 ARC

def send_list_mail(desk, name="list-forwarded.eml"):
    return desk.send_raw((ARC_DATA / name).read_bytes(), mail_from="help-bounces@lists.example")


def test_arc_trusted_sealer_overrides_dmarc_failure(dns, make_desk):
    desk = make_desk("--inbound-authentication", "suspend", "--reject-on-dmarc-reject",
                     "--trusted-arc-sealer", "lists.example")
    send_list_mail(desk)
    t = only_ticket(desk)
    c = first_comment(desk, t["id"])
    a = c["authentication"]
    [k] = a["dkim"]
    assert (k["result"], k["reason"], k["domain"]) == \
        ("fail", "body hash mismatch", "sender.example"), k
    assert (a["spf"]["result"], a["spf"]["domain"]) == ("pass", "lists.example")
    assert a["dmarc"]["result"] == "fail"
    arc = a["arc"]
    assert arc["result"] == "pass" and arc["instances"] == 1, arc
    assert arc["trusted"] is True and arc["trusted_sealer"] == "lists.example"
    assert arc["sealers"][0]["domain"] == "lists.example"
    assert a["action"] == "accept"
    assert "trusted ARC sealer lists.example" in a["reason"], a["reason"]
    assert "dmarc=pass header.from=sender.example" in a["reason"]
    assert "spoofing_warning" not in flags_of(desk, t["id"])
    ar = ours(raw_of(desk, t["id"], c["id"]))
    assert re.search(r"; arc=pass \(sealed by lists\.example; trusted sealer lists\.example "
                     r"vouches\) header\.oldest-pass=", ar), ar
    # The list's own Authentication-Results (another authserv-id) is kept.
    assert any(v.startswith("lists.example;") for v in auth_results(raw_of(desk, t["id"], c["id"])))


def test_arc_without_trusted_sealer_is_suspended(dns, make_desk):
    desk = make_desk("--inbound-authentication", "suspend")
    send_list_mail(desk)
    s = only_suspended(desk)
    assert s["cause_id"] == SPOOFING_CAUSE_ID
    a = evidence_of(s)["authentication"]
    assert a["arc"]["result"] == "pass" and a["arc"]["trusted"] is False
    assert a["action"] == "suspend"
    assert "DMARC fail for sender.example (p=reject)" in a["reason"]


def test_arc_trusted_sealer_that_saw_failure_does_not_vouch(dns, make_desk):
    desk = make_desk("--inbound-authentication", "suspend",
                     "--trusted-arc-sealer", "lists.example")
    send_list_mail(desk, "list-forwarded-aar-fail.eml")
    s = only_suspended(desk)
    a = evidence_of(s)["authentication"]
    assert a["arc"]["result"] == "pass" and a["arc"]["trusted"] is False
    assert a["action"] == "suspend"


# --------------------------------------------------------------------------- 8 DNS down

def test_dns_down_is_temperror_and_mail_is_accepted(dns, desk_factory):
    _, keys = dns
    desk = desk_factory("--dns", f"127.0.0.1:{closed_port()}",
                        "--inbound-authentication", "suspend", subdir="nodns")
    signed = dkimsign(message("alice@sender.test", "While DNS is down"), "rsa", "sender.test",
                      keys["rsa"][0])
    started = time.time()
    desk.send_raw(signed, mail_from="alice@sender.test")
    desk.send_raw(message("ceo@sender.test", "Unsigned while DNS is down"),
                  mail_from="bounce@spoof.test")
    assert time.time() - started < 30

    assert desk.suspended() == []
    by_subject = {t["subject"]: t for t in desk.tickets()}
    assert set(by_subject) == {"While DNS is down", "Unsigned while DNS is down"}
    for subject, t in by_subject.items():
        c = first_comment(desk, t["id"])
        a = c["authentication"]
        assert a["spf"]["result"] == "temperror", a["spf"]
        assert a["dmarc"]["result"] == "temperror", a["dmarc"]
        assert a["action"] == "accept" and a.get("temporary") is True, a
        assert "DMARC could not be checked (DNS)" in a["reason"]
        assert "spoofing_warning" not in flags_of(desk, t["id"])
        ar = ours(raw_of(desk, t["id"], c["id"]))
        assert "; spf=temperror" in ar and "; dmarc=temperror" in ar
        if subject == "While DNS is down":
            [k] = a["dkim"]
            assert (k["result"], k["reason"]) == ("temperror", "DNS temporary error"), k
            assert "; dkim=temperror" in ar


# --------------------------------------------------------------------------- found while writing these

def test_forger_cannot_turn_dmarc_fail_into_temperror(dns, make_desk):
    # SPF passes for evil.forger (the forger's own domain), which is not
    # aligned with sender.test whatever its organizational domain is; the
    # forger's name server fails the _dmarc.forger query of the tree walk.
    desk = make_desk("--inbound-authentication", "suspend")
    desk.send_raw(message("ceo@sender.test", "Wire transfer via forger DNS"),
                  mail_from="bounce@evil.forger")
    tickets = desk.tickets()
    assert tickets == [], "a forged From must not become an unflagged ticket"
    s = only_suspended(desk)
    a = evidence_of(s)["authentication"]
    assert a["spf"]["result"] == "pass" and a["spf"]["domain"] == "evil.forger"
    assert a["dmarc"]["result"] == "fail" and a["action"] == "suspend"


def test_mode_off_still_strips_forged_results(dns, make_desk):
    # authenticate.h: mode "off" accepts, "the results are still recorded";
    # and a field claiming our authserv-id is forged whatever the mode.
    desk = make_desk("--inbound-authentication", "off")
    forged = b"Authentication-Results: desk.test; dkim=pass header.d=sender.test\r\n"
    desk.send_raw(message("ceo@sender.test", "Forged, mode off", extra=forged),
                  mail_from="bounce@spoof.test")
    t = only_ticket(desk)
    c = first_comment(desk, t["id"])
    raw = raw_of(desk, t["id"], c["id"])
    assert b"dkim=pass header.d=sender.test" not in raw, raw.decode()[:600]
    assert c.get("authentication"), c
    assert c["authentication"]["action"] == "accept"
    assert "spoofing_warning" not in flags_of(desk, t["id"])
