"""`postdesk doctor ticket` and `doctor sender` (with --fix), black-box.

A real `postdesk serve` sends its mail through a real SMTP sink (tests/sink.py,
aiosmtpd on loopback, given as --relay): recipients whose local part starts
with "reject" get `550 5.1.1 ... User unknown`. A real DNS server on loopback
(nsd, tests/nsd.py) serves the desk's domain with a good SPF/DMARC setup and
the customer's domain with an MX, so a healthy ticket is all ok (exit 0).
The doctor runs as its own process on the same data directory while the
server runs, as an operator would run it:

  (a) a requester refused with 550 -> step 1 names the 550 reply, step 5 the
      bounce class and the undeliverable flag; the API says the same;
  (b) the default "Notify requester and CCs of comment update" trigger is
      deactivated through the API and an agent replies -> step 2 names that
      trigger as inactive; --fix without a terminal or --yes changes nothing,
      "n" at the prompt changes nothing, --fix --yes re-activates it, and the
      next reply reaches the sink (the doctor then exits 0);
  (c) a DSN for our message (mailbox full) -> step 5 names mailbox_full;
  (d) `doctor sender` for a sender with a suspended message and a refused
      one names both, with the blocklist entry.
"""
import json
import os
import pty
import re
import subprocess
import time

import pytest

from conftest import BIN, DOMAIN, SUPPORT
from nsd import NSD, start_nsd, stop_nsd
from dsn import mailbox_full_report

HOSTNAME = "desk.test"
COMMENT_UPDATE = "Notify requester and CCs of comment update"
LINE = re.compile(r"(ok|warning|problem) +([a-z0-9._-]+): (.*)$")


# --------------------------------------------------------------------------- DNS, sink, desk

def txt(value):
    return '"' + value + '"'


ZONES = {
    "example": [
        (f"{DOMAIN}.", "TXT", txt(f"v=spf1 include:_spf.{DOMAIN} ~all")),
        (f"_spf.{DOMAIN}.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
        (f"_dmarc.{DOMAIN}.", "TXT", txt("v=DMARC1; p=none")),
        (f"{DOMAIN}.", "MX", f"10 {HOSTNAME}."),
    ],
    "test": [
        ("customer.test.", "MX", "10 mx.customer.test."),
        ("mx.customer.test.", "A", "127.0.0.1"),
        ("customer.test.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
        ("_dmarc.customer.test.", "TXT", txt("v=DMARC1; p=none")),
        (f"{HOSTNAME}.", "A", "127.0.0.1"),
        ("client.test.", "A", "127.0.0.1"),
    ],
}


@pytest.fixture(scope="module")
def dns(tmp_path_factory):
    if not os.path.exists(NSD):
        pytest.skip("nsd is not installed (Debian package nsd)")
    assert os.access(BIN, os.X_OK), f"postdesk not built at {BIN} (set POSTDESK_BIN)"
    d = tmp_path_factory.mktemp("doctorticketdns")
    files = {}
    for name, records in ZONES.items():
        lines = [f"$ORIGIN {name}.", "$TTL 300",
                 f"@ IN SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 60",
                 f"@ IN NS ns.{name}.", f"ns.{name}. IN A 127.0.0.1"]
        lines += [f"{owner} IN {rtype} {rdata}" for owner, rtype, rdata in records]
        (d / f"{name}.zone").write_text("\n".join(lines) + "\n")
        files[name] = f"{name}.zone"
    proc, port, _ = start_nsd(d, files, [(DOMAIN, "TXT"), ("customer.test", "MX")])
    yield f"127.0.0.1:{port}"
    stop_nsd(proc)


@pytest.fixture
def out(dns, sink, desk_factory):
    desk = desk_factory("--relay", sink.relay, "--dns", dns)
    return desk, sink, dns


# --------------------------------------------------------------------------- helpers

def doctor(desk, dns, relay, kind, target, *extra, stdin=subprocess.DEVNULL):
    return subprocess.run(
        [BIN, "doctor", kind, str(target), "--data", str(desk.data), "--domain", DOMAIN,
         "--hostname", HOSTNAME, "--dns", dns, *(["--relay", relay] if kind == "ticket" else []),
         *extra],
        capture_output=True, text=True, timeout=120, stdin=stdin)


def findings(stdout):
    """[(level, step, rest)] of the doctor's text output; every line is one."""
    out = []
    for line in stdout.splitlines():
        m = LINE.match(line)
        assert m, f"not a doctor line: {line!r}"
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


def step(found, name):
    return [(level, rest) for level, s, rest in found if s == name]


def send_mail(desk, frm, subject, body):
    desk.swaks("--from", frm, "--to", SUPPORT, "--header", f"Subject: {subject}", "--body", body)


def ticket_by_subject(desk, subject, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [t for t in desk.tickets() if t["subject"] == subject]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no ticket {subject!r}")


def call(desk, method, path, payload=None):
    body = None if payload is None else json.dumps(payload).encode()
    status, _, raw = desk.request(method, path, body=body,
                                  headers={"Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def recipients(desk, tid):
    d = desk.get_json(f"/api/v2/tickets/{tid}/deliveries.json")
    return [r for m in d["deliveries"] for r in m["recipients"]]


def wait_state(desk, tid, address, states, timeout=15):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        rows = [r for r in recipients(desk, tid) if r["address"] == address]
        if rows:
            last = rows[-1]
            if last["state"] in states and all(r["state"] not in ("queued", "sending")
                                               for r in recipients(desk, tid)):
                return last
        time.sleep(0.1)
    raise AssertionError(f"{address} never reached {states}; last: {last}")


def mail_to(sink, rcpt, after=0, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sink.lock:
            found = [m for m in sink.messages if m["rcpt"] == rcpt]
        if len(found) > after:
            return found[after], sink.parsed(found[after])
        time.sleep(0.05)
    raise AssertionError(f"no message #{after + 1} to {rcpt}")


def comment_update_trigger(desk):
    [d] = [x for x in desk.get_json("/api/v2/triggers/defaults.json")["defaults"]
           if x["key"] == "notify_requester_comment_update"]
    return d


# --------------------------------------------------------------------------- (a)

def test_a_550_recipient_is_step_one_with_the_reply(out):
    desk, sink, dns = out
    send_mail(desk, "reject-bob@customer.test", "Bounce me please", "Hello.")
    t = ticket_by_subject(desk, "Bounce me please")
    wait_state(desk, t["id"], "reject-bob@customer.test", {"failed"})

    r = doctor(desk, dns, sink.relay, "ticket", t["id"])
    assert r.returncode == 1, r.stdout + r.stderr
    found = findings(r.stdout)
    # Steps come in order.
    numbers = [int(s.split(".")[0]) for _, s, _ in found]
    assert numbers == sorted(numbers), numbers
    [delivery] = [(lvl, rest) for lvl, rest in step(found, "1.delivery")
                  if rest.startswith("reject-bob@customer.test")]
    assert delivery[0] == "problem", delivery
    assert "failed" in delivery[1] and "550 5.1.1" in delivery[1], delivery
    assert "User unknown" in delivery[1] and "fix:" in delivery[1], delivery
    [bounce] = step(found, "5.bounce")
    assert bounce[0] == "problem" and "user_unknown" in bounce[1], bounce
    [flag] = step(found, "5.undeliverable")
    assert flag[0] == "problem" and "flagged undeliverable" in flag[1], flag
    # The setup itself is sound: DNS, forwarding, relay.
    assert step(found, "4.spf.include")[0][0] == "ok"
    assert step(found, "3.forwarding")[0][0] == "ok"
    assert step(found, "5.relay")[0][0] == "ok"
    assert step(found, "5.mx")[0][0] == "ok"
    assert "fix is ours to make" in r.stderr  # the undeliverable flag

    js = doctor(desk, dns, sink.relay, "ticket", t["id"], "--json")
    assert js.returncode == 1, js.stderr
    report = json.loads(js.stdout)
    assert report["subject"] == f"ticket {t['id']}" and report["status"] == "problem"
    [row] = [f for f in report["findings"]
             if f["step"] == "1.delivery" and f["details"]["address"] == "reject-bob@customer.test"]
    assert row["level"] == "problem" and row["details"]["smtp_code"] == 550
    assert [f["fix"] for f in report["fixes"]] == ["clear_undeliverable"]

    # --recipient narrows step 1 to one address.
    only = findings(doctor(desk, dns, sink.relay, "ticket", t["id"], "--recipient",
                           "reject-bob@customer.test").stdout)
    assert [rest.split(":")[0] for _, rest in step(only, "1.delivery")] == \
        ["reject-bob@customer.test"]

    # The API gives the same findings.
    api = desk.get_json(f"/api/v2/doctor/ticket/{t['id']}")
    assert [(f["step"], f["level"]) for f in api["findings"]] == \
        [(f["step"], f["level"]) for f in report["findings"]]
    status, body = call(desk, "GET", "/api/v2/doctor/ticket/99999")
    assert status == 404, body
    status, body = call(desk, "GET", "/api/v2/doctor/ticket/abc")
    assert status == 422, body

    # Bad arguments.
    assert doctor(desk, dns, sink.relay, "ticket", "99999").returncode == 66
    assert doctor(desk, dns, sink.relay, "ticket", "x1").returncode == 64


# --------------------------------------------------------------------------- (b)

def test_b_deactivated_trigger_is_named_and_fixed(out):
    desk, sink, dns = out
    send_mail(desk, "alice@customer.test", "Quiet please", "Hi.")
    t = ticket_by_subject(desk, "Quiet please")
    mail_to(sink, "alice@customer.test")
    trig = comment_update_trigger(desk)
    status, body = call(desk, "PUT", f"/api/v2/triggers/{trig['id']}.json",
                        {"trigger": {"active": False}})
    assert status == 200, body
    status, body = call(desk, "PUT", f"/api/v2/tickets/{t['id']}.json",
                        {"ticket": {"comment": {"body": "First answer, trigger off.",
                                                "public": True}}})
    assert status == 200, body
    wait_state(desk, t["id"], "alice@customer.test", {"sent"})

    r = doctor(desk, dns, sink.relay, "ticket", t["id"])
    assert r.returncode == 1, r.stdout + r.stderr
    [trigger] = step(findings(r.stdout), "2.trigger")
    assert trigger[0] == "problem", trigger
    assert f'"{COMMENT_UPDATE}" (trigger {trig["id"]})' in trigger[1], trigger
    assert "inactive" in trigger[1] and "alice@customer.test" in trigger[1], trigger

    # No terminal, no --yes: the fix is only listed.
    r = doctor(desk, dns, sink.relay, "ticket", t["id"], "--fix")
    assert r.returncode == 1
    assert "re-activate" in r.stderr and "not applied" in r.stderr, r.stderr
    assert comment_update_trigger(desk)["active"] is False

    # On a terminal, "n" keeps it off.
    master, slave = pty.openpty()
    os.write(master, b"n\n")
    r = doctor(desk, dns, sink.relay, "ticket", t["id"], "--fix", stdin=slave)
    os.close(slave)
    os.close(master)
    assert "Apply? [y/N]" in r.stderr and "not applied" in r.stderr, r.stderr
    assert comment_update_trigger(desk)["active"] is False

    # --yes applies it and says so in the JSON too.
    r = doctor(desk, dns, sink.relay, "ticket", t["id"], "--fix", "--yes", "--json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    [applied] = report["applied"]
    assert applied["fix"] == "activate_trigger" and applied["id"] == trig["id"]
    assert applied["result"].startswith("re-activated"), applied
    assert comment_update_trigger(desk)["active"] is True

    # Mail flows again.
    before = sum(1 for m in sink.messages if m["rcpt"] == "alice@customer.test")
    status, body = call(desk, "PUT", f"/api/v2/tickets/{t['id']}.json",
                        {"ticket": {"comment": {"body": "Second answer, trigger on.",
                                                "public": True}}})
    assert status == 200, body
    _, msg = mail_to(sink, "alice@customer.test", after=before)
    assert "Second answer" in msg.get_body(preferencelist=("plain",)).get_content()
    wait_state(desk, t["id"], "alice@customer.test", {"sent"})

    # And the doctor finds nothing wrong any more.
    r = doctor(desk, dns, sink.relay, "ticket", t["id"])
    found = findings(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    [trigger] = step(found, "2.trigger")
    assert trigger[0] == "ok" and f'by trigger "{COMMENT_UPDATE}"' in trigger[1], trigger
    assert not [f for f in found if f[0] == "problem"]
    # Applying again has nothing to do.
    r = doctor(desk, dns, sink.relay, "ticket", t["id"], "--fix", "--yes")
    assert r.returncode == 0 and "nothing to fix" in r.stderr, r.stderr


# --------------------------------------------------------------------------- (c)

def test_c_dsn_mailbox_full_is_the_bounce_class(out):
    desk, sink, dns = out
    send_mail(desk, "carol@customer.test", "Bounce later", "hello")
    t = ticket_by_subject(desk, "Bounce later")
    raw, msg = mail_to(sink, "carol@customer.test")
    wait_state(desk, t["id"], "carol@customer.test", {"sent"})
    verp = raw["mail_from"]
    dsn = mailbox_full_report(verp, "carol@customer.test", msg["Message-ID"])
    desk.send_raw(dsn, mail_from="", rcpts=(verp,))
    wait_state(desk, t["id"], "carol@customer.test", {"bounced"})

    r = doctor(desk, dns, sink.relay, "ticket", t["id"])
    assert r.returncode == 1, r.stdout + r.stderr
    found = findings(r.stdout)
    [bounce] = step(found, "5.bounce")
    assert bounce[0] == "problem", bounce
    assert "mailbox_full" in bounce[1] and "5.2.2" in bounce[1], bounce
    [delivery] = [x for x in step(found, "1.delivery") if x[1].startswith("carol@")]
    assert delivery[0] == "problem" and "bounced" in delivery[1], delivery
    # Mailbox full is not a reason to stop mailing the address.
    [flag] = step(found, "5.undeliverable")
    assert flag[0] == "ok", flag


# --------------------------------------------------------------------------- (d)

def test_d_sender_with_a_suspended_and_a_refused_message(out):
    desk, sink, dns = out
    sender = "bob@customer.test"
    # Blank: suspended.
    desk.send_raw(f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: Nothing\r\n"
                  "Message-ID: <blank1@customer.test>\r\n\r\n".encode(), mail_from=sender)
    # Then the blocklist refuses them at SMTP time.
    status, body = call(desk, "PUT", "/api/v2/email_lists.json",
                        {"email_lists": {"blocklist": f"reject:{sender}"}})
    assert status == 200, body
    refused = desk.swaks("--from", sender, "--to", SUPPORT, "--header", "Subject: Again",
                         "--body", "Let me in.", check=False)
    assert "550" in refused.stdout, refused.stdout

    r = doctor(desk, dns, sink.relay, "sender", sender)
    assert r.returncode == 1, r.stdout + r.stderr
    found = findings(r.stdout)
    [address] = step(found, "1.address")
    assert address[0] == "ok" and SUPPORT in address[1], address
    assert "1 suspended message" in address[1] and "1 refused message" in address[1], address
    [suspended] = step(found, "3.suspended")
    assert suspended[0] == "problem" and "cause blank" in suspended[1], suspended
    [refusal] = step(found, "5.refused")
    assert refusal[0] == "problem", refusal
    assert "550 5.7.1" in refusal[1] and "(blocklist)" in refusal[1], refusal
    assert f"reject:{sender}" in refusal[1], refusal
    [lists] = step(found, "5.lists")
    assert lists[0] == "problem" and "reject:" in lists[1], lists
    assert step(found, "4.spf")[0][0] == "ok"
    assert step(found, "4.dmarc")[0][0] == "ok"

    api = desk.get_json(f"/api/v2/doctor/sender/{sender}")
    assert api["subject"] == f"sender {sender}"
    assert [f["step"] for f in api["findings"]] == [s for _, s, _ in found]

    # Someone we never heard from: a warning, nothing wrong on our side.
    r = doctor(desk, dns, sink.relay, "sender", "stranger@customer.test")
    assert r.returncode == 0, r.stdout + r.stderr
    [address] = step(findings(r.stdout), "1.address")
    assert address[0] == "warning" and "ever reached the desk" in address[1]
    assert doctor(desk, dns, sink.relay, "sender", "not-an-address").returncode == 64
