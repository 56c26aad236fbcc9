"""Support addresses and forwarding verification, black-box.

A real `postdesk serve` whose outbound mail goes to a real SMTP sink
(tests/sink.py) given as --relay, with the forwarding timeout shortened
through the config file. The test plays the customer's mailbox: it takes the
verification email from the sink and forwards it, as a forwarding mailbox
does (original header and body kept, a Received and an X-Forwarded-To field
added), to the desk's SMTP port for the external address -> verified. An
address whose email is never forwarded fails with "never forwarded back"
after the timeout; one whose mail server refuses the test email (550) fails
with "not delivered: 550 ...". Also: the Zendesk shapes and every refusal
of the API, and that mail is not sent as an external address until it is
verified.
"""
import json
import os
import time

import pytest

from conftest import DOMAIN, SUPPORT
from nsd import NSD, start_nsd, stop_nsd

EXTERNAL = "support@customer.example"
TIMEOUT = 4  # forwarding_timeout_seconds of the desk under test
FIELDS = {"id", "url", "name", "email", "default", "forwarding_status", "spf_status",
          "cname_status", "domain_verification_status", "dns_results", "created_at",
          "updated_at", "checks"}


@pytest.fixture
def out(sink, desk_factory, tmp_path):
    config = tmp_path / "postdesk.toml"
    config.write_text(f"forwarding_timeout_seconds = {TIMEOUT}\n")
    desk = desk_factory("--relay", sink.relay, "--config", str(config))
    return desk, sink


# --------------------------------------------------------------------------- helpers

def call(desk, method, path, payload=None, token="default"):
    body = None if payload is None else json.dumps(payload).encode()
    status, headers, raw = desk.request(method, path, body=body, token=token,
                                        headers={"Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def create(desk, email, name="Customer support"):
    status, body = call(desk, "POST", "/api/v2/recipient_addresses.json",
                        {"recipient_address": {"name": name, "email": email}})
    assert status == 201, (status, body)
    return body["recipient_address"]


def get(desk, address_id):
    return desk.get_json(f"/api/v2/recipient_addresses/{address_id}.json")["recipient_address"]


def verify(desk, address_id, type_="forwarding"):
    return call(desk, "PUT", f"/api/v2/recipient_addresses/{address_id}/verify.json",
                {"type": type_})


def wait_status(desk, address_id, status, timeout=20):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = get(desk, address_id)
        if last["forwarding_status"] == status:
            return last
        time.sleep(0.2)
    raise AssertionError(f"address {address_id} never became {status}; last: {last}")


def mail_to(sink, rcpt, timeout=15, subject_has=None, after=0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sink.lock:
            found = [m for m in sink.messages if m["rcpt"] == rcpt and
                     (subject_has is None or subject_has in str(sink.parsed(m)["Subject"]))]
        if len(found) > after:
            return found[after], sink.parsed(found[after])
        time.sleep(0.05)
    raise AssertionError(f"no message #{after + 1} to {rcpt}; sink has "
                         f"{[(m['rcpt'], str(sink.parsed(m)['Subject'])) for m in sink.messages]}")


def forward(desk, raw, to):
    """What a forwarding mailbox does: the message as it is, plus its own trace
    fields, sent on to the help desk with an SRS-style envelope sender."""
    added = (b"Received: from mx.customer.example (mx.customer.example [192.0.2.25])\r\n"
             b"\tby forwarder.customer.example with ESMTP; Tue, 1 Oct 2024 10:00:00 +0000\r\n"
             b"X-Forwarded-To: " + SUPPORT.encode() + b"\r\n"
             b"X-Forwarded-For: " + to.encode() + b" " + SUPPORT.encode() + b"\r\n")
    return desk.send_raw(added + raw["bytes"],
                         mail_from="SRS0=abcd=XY=support.example=support@customer.example",
                         rcpts=(to,))


def send_mail(desk, frm, to, subject, body):
    desk.swaks("--from", frm, "--to", to, "--header", f"Subject: {subject}", "--body", body)


def ticket_by_subject(desk, subject):
    found = [t for t in desk.tickets() if t["subject"] == subject]
    assert len(found) == 1, (subject, [t["subject"] for t in desk.tickets()])
    return found[0]


# --------------------------------------------------------------------------- tests

def test_defaults_and_shapes(out):
    desk, _ = out
    body = desk.get_json("/api/v2/recipient_addresses.json")
    assert body["count"] == 1 and body["next_page"] is None
    [default] = body["recipient_addresses"]
    assert FIELDS <= set(default), set(default)
    assert default["email"] == SUPPORT and default["default"] is True
    # Our own domain receives directly: verified from the start, and says why.
    assert default["forwarding_status"] == "verified"
    assert "own domain" in default["checks"]["forwarding"]["reason"]
    assert default["url"].endswith(f"/api/v2/recipient_addresses/{default['id']}.json")
    assert default["created_at"].endswith("Z")
    # Without ".json" too, and only with credentials.
    assert desk.get_json("/api/v2/recipient_addresses")["count"] == 1
    status, _ = call(desk, "GET", "/api/v2/recipient_addresses.json", token=None)
    assert status == 401

    ext = create(desk, "Support@Customer.Example")
    assert ext["email"] == EXTERNAL
    assert ext["default"] is False and ext["forwarding_status"] == "unknown"
    assert "forward all mail of support@customer.example to support@support.example" in \
        ext["checks"]["forwarding"]["fix"]
    assert f"/api/v2/recipient_addresses/{ext['id']}/verify" in ext["checks"]["forwarding"]["fix"]
    page = desk.get_json("/api/v2/recipient_addresses.json?per_page=1")
    assert page["count"] == 2 and page["next_page"] and len(page["recipient_addresses"]) == 1
    assert get(desk, ext["id"])["email"] == EXTERNAL


def test_refusals(out):
    desk, _ = out
    ext = create(desk, EXTERNAL)
    default = [a for a in desk.get_json("/api/v2/recipient_addresses")["recipient_addresses"]
               if a["default"]][0]

    def refused(method, path, payload, expected, words):
        status, body = call(desk, method, path, payload)
        assert status == expected, (status, body)
        assert words in body["description"], body
        return body

    base = "/api/v2/recipient_addresses"
    refused("POST", base, {"recipient_address": {"email": "not-an-address"}}, 422,
            "not a valid email address")
    refused("POST", base, {"recipient_address": {"email": EXTERNAL.upper()}}, 422,
            "already a support address")
    refused("POST", base, {"recipient_address": {"email": "help+x@customer.example"}}, 422,
            "cannot contain '+'")
    refused("POST", base, {"recipient_address": {"email": "admin@" + DOMAIN}}, 422,
            "is the email of user")
    refused("POST", base, {"recipient_address": {}}, 422, "email: required")
    refused("POST", base, {"email": EXTERNAL}, 400, "recipient_address")
    refused("PUT", f"{base}/{ext['id']}", {"recipient_address": {"email": "x@customer.example"}},
            422, "cannot change")
    refused("PUT", f"{base}/{ext['id']}", {"recipient_address": {"default": True}}, 422,
            "verify forwarding first")
    refused("PUT", f"{base}/{default['id']}", {"recipient_address": {"default": False}}, 422,
            "make another address the default")
    refused("DELETE", f"{base}/{default['id']}", None, 422, "cannot be deleted")
    refused("PUT", f"{base}/{default['id']}/verify", {"type": "forwarding"}, 422, "own domain")
    refused("PUT", f"{base}/{ext['id']}/verify", {"type": "carrier-pigeon"}, 422,
            "forwarding, spf, dns")
    refused("GET", f"{base}/99999", None, 404, "")
    # No user may have a support address as their email (plus-addresses included).
    for email in (EXTERNAL, "support+sales@customer.example"):
        refused("POST", "/api/v2/users.json",
                {"user": {"name": "Mallory", "email": email, "role": "end-user"}}, 422,
                "is a support address")
    # Nothing changed; a rename works and keeps the email.
    status, body = call(desk, "PUT", f"{base}/{ext['id']}.json",
                        {"recipient_address": {"name": "Customer desk", "email": EXTERNAL}})
    assert status == 200 and body["recipient_address"]["name"] == "Customer desk"
    assert body["recipient_address"]["email"] == EXTERNAL
    assert desk.get_json(base)["count"] == 2
    # An external address that is not the default can go; then it is gone.
    status, _ = call(desk, "DELETE", f"{base}/{ext['id']}.json")
    assert status == 204
    assert call(desk, "GET", f"{base}/{ext['id']}")[0] == 404


def test_forwarding_verified_end_to_end(out):
    desk, sink = out
    ext = create(desk, EXTERNAL)

    # Received at once, but replies are not sent as the unverified address.
    send_mail(desk, "alice@customer.test", EXTERNAL, "Before verification", "Hello?")
    t = ticket_by_subject(desk, "Before verification")
    assert t["recipient"] == EXTERNAL
    _, msg = mail_to(sink, "alice@customer.test", subject_has="Before verification")
    assert msg["From"].addresses[0].addr_spec == SUPPORT
    assert msg["Reply-To"].addresses[0].addr_spec.endswith("@" + DOMAIN)
    # The reason is in the audit and in the delivery history.
    notes = [e for a in desk.get_json(f"/api/v2/tickets/{t['id']}/audits.json")["audits"]
             for e in a["events"] if e["type"] == "Notification"]
    assert notes and all("not verified for sending" in e["from_note"] for e in notes), notes
    history = [h for m in desk.get_json(f"/api/v2/tickets/{t['id']}/deliveries.json")["deliveries"]
               for r in m["recipients"] for h in r["history"] if h["state"] == "queued"]
    assert history and all(f"sent as {SUPPORT}" in h["detail"] for h in history), history

    status, body = verify(desk, ext["id"])
    assert status == 200, body
    assert body["recipient_address"]["forwarding_status"] == "waiting"
    raw, msg = mail_to(sink, EXTERNAL)
    token = msg["X-Postdesk-Forwarding-Check"]
    assert token and len(token) == 64
    assert token in msg.get_body(preferencelist=("plain",)).get_content()
    assert msg["From"].addresses[0].addr_spec == SUPPORT
    assert raw["mail_from"].startswith("bounces+") and raw["mail_from"].endswith("@" + DOMAIN)

    tickets_before = len(desk.tickets())
    forward(desk, raw, EXTERNAL)
    verified = wait_status(desk, ext["id"], "verified")
    assert "came back by forwarding" in verified["checks"]["forwarding"]["reason"]
    # The test email became neither a ticket nor a suspended ticket.
    assert len(desk.tickets()) == tickets_before
    assert not [s for s in desk.suspended() if "Forwarding verification" in (s["subject"] or "")]

    # Now replies go out as the verified address.
    send_mail(desk, "bob@customer.test", EXTERNAL, "After verification", "Hello again")
    _, msg = mail_to(sink, "bob@customer.test", subject_has="After verification")
    assert msg["From"].addresses[0].addr_spec == EXTERNAL
    # And it may become the default.
    status, body = call(desk, "PUT", f"/api/v2/recipient_addresses/{ext['id']}",
                        {"recipient_address": {"default": True}})
    assert status == 200 and body["recipient_address"]["default"] is True


def test_never_forwarded_fails_after_the_timeout(out):
    desk, sink = out
    ext = create(desk, "help@customer.example")
    assert verify(desk, ext["id"])[0] == 200
    mail_to(sink, "help@customer.example")  # delivered, and the customer does nothing
    assert get(desk, ext["id"])["forwarding_status"] == "waiting"
    failed = wait_status(desk, ext["id"], "failed", timeout=TIMEOUT + 15)
    check = failed["checks"]["forwarding"]
    assert "but never forwarded back" in check["reason"], check
    assert check["reason"].startswith("delivered to "), check
    assert "forwarding of help@customer.example to support@support.example" in check["fix"]
    # Verifying again sends a new email and waits again.
    assert verify(desk, ext["id"])[1]["recipient_address"]["forwarding_status"] == "waiting"
    mail_to(sink, "help@customer.example", after=1)


def test_refused_test_email_fails_with_the_smtp_reason(out):
    desk, sink = out
    ext = create(desk, "reject-support@customer.example")  # the sink answers 550 at RCPT
    assert verify(desk, ext["id"])[0] == 200
    failed = wait_status(desk, ext["id"], "failed", timeout=TIMEOUT + 15)
    reason = failed["checks"]["forwarding"]["reason"]
    assert reason.startswith("not delivered: 550"), reason
    assert "User unknown" in reason, reason


def test_unknown_token_is_not_verification(out):
    desk, sink = out
    ext = create(desk, EXTERNAL)
    assert verify(desk, ext["id"])[0] == 200
    raw, _ = mail_to(sink, EXTERNAL)
    forged = raw["bytes"].replace(b"X-Postdesk-Forwarding-Check: ",
                                  b"X-Postdesk-Forwarding-Check: 00", 1)
    forward(desk, {"bytes": forged}, EXTERNAL)
    time.sleep(1)
    a = get(desk, ext["id"])
    # Still waiting (or, on a slow machine, already timed out): never verified by it.
    assert a["forwarding_status"] in ("waiting", "failed"), a
    assert "came back" not in a["checks"]["forwarding"]["reason"], a


def test_dns_verification_records_statuses_with_reasons(out):
    """No DNS server answers (conftest points --dns at a closed port): the
    checks cannot be made, which is "unknown" with the reason, not "failed"."""
    desk, _ = out
    ext = create(desk, EXTERNAL)
    status, body = verify(desk, ext["id"], "spf")
    assert status == 200, body
    a = body["recipient_address"]
    assert a["spf_status"] == "unknown"
    assert "temperror" in a["checks"]["spf"]["reason"], a["checks"]["spf"]
    assert a["checks"]["spf"]["fix"]


# --------------------------------------------------------------------------- DNS checks

ZONES = {
    # A customer domain set up as asked: our include, a DMARC record.
    "customer.example": [
        ("@", "MX", "10 mx.customer.example."),
        ("mx", "A", "192.0.2.25"),
        ("@", "TXT", '"v=spf1 include:_spf.support.example ~all"'),
        ("_dmarc", "TXT", '"v=DMARC1; p=none"'),
    ],
    # Two SPF records: a permerror for every receiver.
    "broken.example": [
        ("@", "MX", "10 mx.broken.example."),
        ("mx", "A", "192.0.2.26"),
        ("@", "TXT", '"v=spf1 include:_spf.support.example ~all"'),
        ("@", "TXT", '"v=spf1 ip4:192.0.2.0/24 -all"'),
    ],
    # Good SPF, but DMARC p=reject that our mail (no DKIM key of ours) cannot align with.
    "strict.example": [
        ("@", "MX", "10 mx.strict.example."),
        ("mx", "A", "192.0.2.27"),
        ("@", "TXT", '"v=spf1 include:_spf.support.example -all"'),
        ("_dmarc", "TXT", '"v=DMARC1; p=reject"'),
    ],
    "support.example": [
        ("_spf", "TXT", '"v=spf1 ip4:127.0.0.1 -all"'),
    ],
}


@pytest.fixture
def dns_desk(desk_factory, tmp_path):
    if not os.path.exists(NSD):
        pytest.skip("nsd is not installed (Debian package nsd)")
    d = tmp_path / "dns"
    d.mkdir()
    files = {}
    for name, records in ZONES.items():
        lines = [f"$ORIGIN {name}.", "$TTL 300",
                 f"@ IN SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 60",
                 f"@ IN NS ns.{name}.", f"ns.{name}. IN A 127.0.0.1"]
        lines += [f"{owner} IN {rtype} {rdata}" for owner, rtype, rdata in records]
        (d / f"{name}.zone").write_text("\n".join(lines) + "\n")
        files[name] = f"{name}.zone"
    proc, port, _ = start_nsd(d, files, [(n, "TXT") for n in ("customer.example", "broken.example")])
    try:
        yield desk_factory("--dns", f"127.0.0.1:{port}")
    finally:
        stop_nsd(proc)


def test_dns_checks_set_statuses_with_reason_and_fix(dns_desk):
    desk = dns_desk
    good = create(desk, EXTERNAL)
    status, body = verify(desk, good["id"], "dns")
    assert status == 200, body
    a = body["recipient_address"]
    assert a["spf_status"] == "verified", a["checks"]["spf"]
    assert "passed" in a["checks"]["spf"]["reason"]
    assert [f["step"] for f in a["dns_findings"]["spf"]][:2] == ["spf.record", "spf.include"]
    # No DKIM key of ours for customer.example: nothing verified, and the fix says how.
    assert a["cname_status"] == "unknown", a["checks"]["cname"]
    assert a["checks"]["cname"]["fix"]
    # DMARC p=none with our mail not aligned: nothing verified, nothing refused either.
    assert a["domain_verification_status"] == "unknown", a["checks"]["domain_verification"]
    assert "p=none" in a["checks"]["domain_verification"]["reason"]
    assert get(desk, good["id"])["spf_status"] == "verified"  # stored

    bad = create(desk, "support@broken.example")
    status, body = verify(desk, bad["id"], "spf")
    assert status == 200, body
    a = body["recipient_address"]
    assert a["spf_status"] == "failed", a["checks"]["spf"]
    assert a["dns_results"] == "failed"
    assert a["checks"]["spf"]["reason"].startswith("spf.record"), a["checks"]["spf"]
    assert a["checks"]["spf"]["fix"]
    # {"type":"spf"} checks SPF only.
    assert a["cname_status"] == "unknown" and "cname" not in a["dns_findings"]

    strict = create(desk, "help@strict.example")
    status, body = verify(desk, strict["id"], "dns")
    assert status == 200, body
    a = body["recipient_address"]
    assert a["spf_status"] == "verified", a["checks"]["spf"]
    assert a["domain_verification_status"] == "failed", a["checks"]["domain_verification"]
    assert a["checks"]["domain_verification"]["reason"].startswith("dmarc.alignment")
    assert "dkim keygen --domain strict.example" in a["checks"]["domain_verification"]["fix"]
    assert a["dns_results"] == "failed"
