"""Outbound mail, black-box: triggers queue notifications, the delivery queue
sends them through a real SMTP sink (tests/sink.py, aiosmtpd on loopback) given
as `--relay`, and every per-recipient outcome shows in /deliveries, the audits,
the ticket's tags and the user's delivery health. Also: replies by email thread
back, the triggers API switches mail off and on, and bad API payloads change
nothing."""
import json
import re
import subprocess
import time
from email.utils import make_msgid

import pytest

from conftest import BIN, DOMAIN, SUPPORT, closed_port
from dsn import mailbox_full_report

ENCODED = r"[0-9A-Z]{4}-[0-9A-Z]{4}"
DELIMITER = "##- Please type your reply above this line -##"
RECEIVED = "Notify requester and CCs of received request"
COMMENT_UPDATE = "Notify requester and CCs of comment update"
PROACTIVE = "Notify requester of new proactive ticket"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def out(sink, desk_factory):
    """A desk whose outbound mail goes to the sink (the desk stops first, then the sink)."""
    desk = desk_factory("--relay", sink.relay)
    return desk, sink


def serve_supports(flag):
    r = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=10)
    return flag in r.stdout + r.stderr


# --------------------------------------------------------------------------- helpers

def send_mail(desk, frm, subject, body, cc=(), message_id=None, to=SUPPORT):
    """Sends a new email with swaks; returns its Message-ID (with brackets)."""
    mid = message_id or make_msgid(domain="customer.test")
    args = ["--from", frm, "--to", to, "--header", f"Subject: {subject}",
            "--header", f"Message-Id: {mid}", "--body", body]
    if cc:  # header only: the desk accepts nothing but its own addresses at RCPT
        args += ["--header", "Cc: " + ", ".join(cc)]
    desk.swaks(*args)
    return mid


def ticket_by_subject(desk, subject):
    found = [t for t in desk.tickets() if t["subject"] == subject]
    assert len(found) == 1, (subject, [t["subject"] for t in desk.tickets()])
    return found[0]


def put_json(desk, method, path, payload):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    status, headers, raw = desk.request(method, path, body=body,
                                        headers={"Content-Type": "application/json"})
    return status, headers, raw


def update(desk, tid, ticket):
    status, _, raw = put_json(desk, "PUT", f"/api/v2/tickets/{tid}.json", {"ticket": ticket})
    assert status == 200, (status, raw)
    return json.loads(raw)


def create_user(desk, name, email, role="agent"):
    status, _, raw = put_json(desk, "POST", "/api/v2/users.json",
                              {"user": {"name": name, "email": email, "role": role}})
    assert status == 201, (status, raw)
    return json.loads(raw)["user"]


def audits(desk, tid):
    return desk.get_json(f"/api/v2/tickets/{tid}/audits.json")["audits"]


def events(desk, tid, type_):
    return [e for a in audits(desk, tid) for e in a["events"] if e["type"] == type_]


def deliveries(desk, tid):
    return desk.get_json(f"/api/v2/tickets/{tid}/deliveries.json")


def recipients(desk, tid):
    return [r for m in deliveries(desk, tid)["deliveries"] for r in m["recipients"]]


def wait_recipient(desk, tid, address, states, timeout=15):
    """Polls /deliveries until `address` reaches one of `states`; returns its row."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        rows = [r for r in recipients(desk, tid) if r["address"] == address]
        if rows:
            last = rows[-1]
            if last["state"] in states:
                return last
        time.sleep(0.1)
    raise AssertionError(f"{address} never reached {states}; last: {last}")


def mail_to(sink, rcpt, timeout=15, after=0, subject_has=None):
    """Waits for a message to `rcpt` (beyond the first `after` ones); returns it parsed."""
    def match(m):
        if m["rcpt"] != rcpt:
            return False
        if subject_has is not None and subject_has not in str(sink.parsed(m)["Subject"]):
            return False
        return True

    deadline = time.time() + timeout
    while time.time() < deadline:
        with sink.lock:
            found = [m for m in sink.messages if match(m)]
        if len(found) > after:
            return found[after], sink.parsed(found[after])
        time.sleep(0.05)
    raise AssertionError(f"no message #{after + 1} to {rcpt}; sink has "
                         f"{[(m['rcpt'], str(sink.parsed(m)['Subject'])) for m in sink.messages]}")


def count_to(sink, rcpt):
    with sink.lock:
        return sum(1 for m in sink.messages if m["rcpt"] == rcpt)


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_of(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def assert_json_error(status, headers, raw, expected):
    assert status == expected, (status, raw)
    assert headers["Content-Type"].startswith("application/json")
    err = json.loads(raw)
    assert err["error"] and err["description"], err
    return err


# --------------------------------------------------------------------------- 1

def test_received_request_notification(out):
    desk, sink = out
    mid = send_mail(desk, "alice@customer.test", "Printer on fire", "It is smoking.")
    t = ticket_by_subject(desk, "Printer on fire")
    encoded = t["encoded_id"]
    assert re.fullmatch(ENCODED, encoded), encoded

    raw, msg = mail_to(sink, "alice@customer.test")
    # Envelope: VERP at our domain.
    assert re.fullmatch(rf"bounces\+[A-Za-z0-9_-]+@{re.escape(DOMAIN)}", raw["mail_from"]), \
        raw["mail_from"]
    # Threading.
    assert msg["In-Reply-To"].strip() == mid
    assert mid in msg["References"]
    assert msg["Message-ID"] and msg["Message-ID"] != mid
    assert msg["Reply-To"].addresses[0].addr_spec == f"support+id{encoded}@{DOMAIN}"
    assert msg["From"].addresses[0].addr_spec == SUPPORT
    assert msg["To"].addresses[0].addr_spec == "alice@customer.test"
    assert "Printer on fire" in str(msg["Subject"])
    assert msg["Auto-Submitted"] == "auto-generated"
    # Body: multipart/alternative with the delimiter and the encoded id.
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text = text_of(msg)
    assert text.lstrip().startswith(DELIMITER)
    assert f"[{encoded}]" in text
    assert "It is smoking." in text
    assert DELIMITER in html_of(msg) and f"[{encoded}]" in html_of(msg)

    # Audits: the Notification (rel trigger, the trigger's title) and the delivery.
    [note] = [e for e in events(desk, t["id"], "Notification")
              if e["via"]["source"]["from"]["title"] == RECEIVED]
    assert note["via"]["source"]["rel"] == "trigger"
    assert note["message_id"] == msg["Message-ID"].strip("<> ")
    row = wait_recipient(desk, t["id"], "alice@customer.test", {"sent"})
    assert row["attempts"] == 1 and row["smtp_code"] == 250
    assert [h["state"] for h in row["history"]] == ["queued", "sending", "sent"]
    sent = [e for e in events(desk, t["id"], "EmailDelivery")
            if e["recipient"] == "alice@customer.test" and e["state"] == "sent"]
    assert len(sent) == 1, sent
    assert sent[0]["message_id"] == note["message_id"]
    [m] = [m for m in deliveries(desk, t["id"])["deliveries"] if m["trigger"]["title"] == RECEIVED]
    assert m["message_id"] == note["message_id"]
    assert deliveries(desk, t["id"])["delivery_failures"] == []
    assert "system_email_notification_failure" not in desk.get_json(
        f"/api/v2/tickets/{t['id']}.json")["ticket"].get("tags", [])


# --------------------------------------------------------------------------- 2

def test_public_reply_mails_requester_and_ccs_private_does_not(out):
    desk, sink = out
    agent = create_user(desk, "Agnes Agent", "agnes@staff.test")
    assert agent["role"] == "agent"
    send_mail(desk, "alice@customer.test", "Screen flickers", "Every five seconds.",
              cc=["bob@customer.test"])
    t = ticket_by_subject(desk, "Screen flickers")
    _, first_alice = mail_to(sink, "alice@customer.test")  # the received-request notices
    mail_to(sink, "bob@customer.test")
    mail_to(sink, "agnes@staff.test")  # Notify all agents of received request

    # Assign to the agent (no comment): the agent hears of it, the customer does not.
    update(desk, t["id"], {"assignee_id": agent["id"]})
    mail_to(sink, "agnes@staff.test", subject_has="Assignment")
    assert count_to(sink, "alice@customer.test") == 1

    # A public reply: requester and CC get it, threaded into the conversation.
    agent_seen = count_to(sink, "agnes@staff.test")
    body = "Please update the driver and tell us if it helps."
    res = update(desk, t["id"], {"comment": {"body": body, "public": True}})
    assert res["ticket"]["status"] == "open"
    _, to_alice = mail_to(sink, "alice@customer.test", after=1)
    _, to_bob = mail_to(sink, "bob@customer.test", after=1)
    for msg in (to_alice, to_bob):
        assert body in text_of(msg)
        assert f"[{t['encoded_id']}]" in text_of(msg)
        assert first_alice["Message-ID"] in msg["References"]
        assert msg["Reply-To"].addresses[0].addr_spec == f"support+id{t['encoded_id']}@{DOMAIN}"
    assert to_alice["Message-ID"] == to_bob["Message-ID"]  # one email, two recipients
    [note] = [e for e in res["audit"]["events"] if e["type"] == "Notification"
              and e["via"]["source"]["from"]["title"] == COMMENT_UPDATE]
    assert note["via"]["source"]["rel"] == "trigger"
    assert sorted(note["recipients"]) == sorted([t["requester_id"], t["collaborator_ids"][0]])
    # The assignee hears of the comment too (Notify assignee of comment update).
    mail_to(sink, "agnes@staff.test", after=agent_seen)
    wait_recipient(desk, t["id"], "bob@customer.test", {"sent"})

    # A private comment: the assignee is told, the requester and CC are not.
    agent_seen = count_to(sink, "agnes@staff.test")
    queued_before = len(recipients(desk, t["id"]))
    private = "Internal: driver 4.2 is known to be broken."
    res = update(desk, t["id"], {"comment": {"body": private, "public": False}})
    notes = [e for e in res["audit"]["events"] if e["type"] == "Notification"]
    assert [n["via"]["source"]["from"]["title"] for n in notes] == \
        ["Notify assignee of comment update"]
    _, to_agent = mail_to(sink, "agnes@staff.test", after=agent_seen)
    assert private in text_of(to_agent)
    # Only the agent's email was queued, and nothing more reached the customers.
    new_rows = recipients(desk, t["id"])[queued_before:]
    assert [r["address"] for r in new_rows] == ["agnes@staff.test"]
    time.sleep(0.8)  # the queue polls every 250 ms; anything queued would be out by now
    assert count_to(sink, "alice@customer.test") == 2
    assert count_to(sink, "bob@customer.test") == 2


# --------------------------------------------------------------------------- 3

def test_rejected_recipient_fails_and_is_flagged(out):
    desk, sink = out
    send_mail(desk, "alice@customer.test", "Bounce me", "Hello.", cc=["reject-carol@customer.test"])
    t = ticket_by_subject(desk, "Bounce me")

    failed = wait_recipient(desk, t["id"], "reject-carol@customer.test", {"failed"})
    assert failed["smtp_code"] == 550
    assert failed["status"] == "5.1.1"
    assert "User unknown" in failed["reply"]
    assert failed["reason"] == "user_unknown"
    assert [h["state"] for h in failed["history"]] == ["queued", "sending", "failed"]
    ok = wait_recipient(desk, t["id"], "alice@customer.test", {"sent"})
    assert ok["state"] == "sent"
    mail_to(sink, "alice@customer.test")
    assert count_to(sink, "reject-carol@customer.test") == 0

    d = deliveries(desk, t["id"])
    [failure] = d["delivery_failures"]
    assert failure["address"] == "reject-carol@customer.test"
    assert failure["reason"] == "user_unknown" and "User unknown" in failure["reply"]

    [ev] = [e for e in events(desk, t["id"], "EmailDelivery")
            if e["recipient"] == "reject-carol@customer.test" and e["state"] == "failed"]
    assert ev["smtp_code"] == 550 and ev["reason"] == "user_unknown"
    assert "User unknown" in ev["reply"]
    assert ev["via"]["source"]["rel"] == "trigger"

    ticket = desk.get_json(f"/api/v2/tickets/{t['id']}.json")["ticket"]
    assert "system_email_notification_failure" in ticket["tags"]

    uid = failed["user_id"]
    assert uid
    user = desk.get_json(f"/api/v2/users/{uid}.json")["user"]
    assert user["email"] == "reject-carol@customer.test"
    assert user["undeliverable"] is True
    status, _, raw = put_json(desk, "PUT", f"/api/v2/users/{uid}.json",
                              {"user": {"undeliverable": False}})
    assert status == 200, raw
    assert json.loads(raw)["user"]["undeliverable"] is False
    assert desk.get_json(f"/api/v2/users/{uid}.json")["user"]["undeliverable"] is False
    # Only clearing is allowed.
    status, headers, raw = put_json(desk, "PUT", f"/api/v2/users/{uid}.json",
                                    {"user": {"undeliverable": True}})
    assert_json_error(status, headers, raw, 422)


def test_undeliverable_user_gets_no_more_mail(out):
    desk, sink = out
    send_mail(desk, "alice@customer.test", "Skip flagged", "Hi.", cc=["reject-dan@customer.test"])
    t = ticket_by_subject(desk, "Skip flagged")
    wait_recipient(desk, t["id"], "reject-dan@customer.test", {"failed"})
    update(desk, t["id"], {"comment": {"body": "Thanks, looking.", "public": True}})
    mail_to(sink, "alice@customer.test", after=1)
    rows = [r for r in recipients(desk, t["id"]) if r["address"] == "reject-dan@customer.test"]
    assert len(rows) == 1, rows  # the flagged CC was not tried again


# --------------------------------------------------------------------------- 4

def test_deferred_recipient_is_recorded(out):
    desk, sink = out
    send_mail(desk, "defer-erin@customer.test", "Greylisted", "Try again.")
    t = ticket_by_subject(desk, "Greylisted")
    row = wait_recipient(desk, t["id"], "defer-erin@customer.test", {"deferred", "sent", "failed"})
    assert row["state"] == "deferred", row
    assert row["smtp_code"] == 451 and row["status"] == "4.3.0"
    assert row["next_attempt_at"]
    assert row["attempts"] == 1
    [ev] = [e for e in events(desk, t["id"], "EmailDelivery")
            if e["recipient"] == "defer-erin@customer.test"]
    assert ev["state"] == "deferred" and ev["smtp_code"] == 451 and ev["next_attempt_at"]
    ticket = desk.get_json(f"/api/v2/tickets/{t['id']}.json")["ticket"]
    assert "system_email_notification_failure" not in ticket["tags"]


def test_deferred_then_sent(sink, desk_factory):
    if not serve_supports("--retry-first-delay"):
        pytest.skip("`postdesk serve` has no way to shorten the first retry delay "
                    "(RetryPolicy.first_delay_seconds is fixed at 60 s: no config key, no flag); "
                    "needs `--retry-first-delay SECONDS` / config `retry_first_delay_seconds` "
                    "wired into QueueOptions.retry")
    desk = desk_factory("--relay", sink.relay, "--retry-first-delay", "1")
    send_mail(desk, "defer-frank@customer.test", "Greylisted twice", "Try again.")
    t = ticket_by_subject(desk, "Greylisted twice")
    wait_recipient(desk, t["id"], "defer-frank@customer.test", {"deferred", "sent"})
    row = wait_recipient(desk, t["id"], "defer-frank@customer.test", {"sent"}, timeout=20)
    assert row["attempts"] == 2
    assert [h["state"] for h in row["history"]] == \
        ["queued", "sending", "deferred", "sending", "sent"]
    assert row["history"][2]["smtp_code"] == 451
    mail_to(sink, "defer-frank@customer.test")
    delivery = [e["state"] for e in events(desk, t["id"], "EmailDelivery")
                if e["recipient"] == "defer-frank@customer.test"]
    assert "deferred" in delivery and delivery[-1] == "sent"


# --------------------------------------------------------------------------- 5

def test_deactivated_trigger_sends_nothing_until_restored(out):
    desk, sink = out
    send_mail(desk, "alice@customer.test", "Quiet please", "Hi.")
    t = ticket_by_subject(desk, "Quiet please")
    mail_to(sink, "alice@customer.test")

    found = desk.get_json("/api/v2/triggers/search.json?query=comment%20update&active=true")
    [trig] = [x for x in found["triggers"] if x["title"] == COMMENT_UPDATE]
    status, _, raw = put_json(desk, "PUT", f"/api/v2/triggers/{trig['id']}.json",
                              {"trigger": {"active": False}})
    assert status == 200, raw
    assert json.loads(raw)["trigger"]["active"] is False
    active = desk.get_json("/api/v2/triggers/search.json?query=comment%20update&active=true")
    assert COMMENT_UPDATE not in [x["title"] for x in active["triggers"]]
    [d] = [x for x in desk.get_json("/api/v2/triggers/defaults.json")["defaults"]
           if x["key"] == "notify_requester_comment_update"]
    assert d["active"] is False and d["id"] == trig["id"]

    def reply(text):
        before = len(deliveries(desk, t["id"])["deliveries"])
        res = update(desk, t["id"], {"comment": {"body": text, "public": True}})
        return before, res["audit"]

    before, audit = reply("First answer, while the trigger is off.")
    assert [e for e in audit["events"] if e["type"] == "Notification"] == []
    assert len(deliveries(desk, t["id"])["deliveries"]) == before
    time.sleep(0.8)
    assert count_to(sink, "alice@customer.test") == 1

    # Reactivate with update_many: mail is back.
    status, _, raw = put_json(desk, "PUT", "/api/v2/triggers/update_many.json",
                              {"triggers": [{"id": trig["id"], "active": True}]})
    assert status == 200, raw
    before, audit = reply("Second answer, trigger on.")
    [note] = [e for e in audit["events"] if e["type"] == "Notification"]
    assert note["via"]["source"]["from"]["title"] == COMMENT_UPDATE
    _, msg = mail_to(sink, "alice@customer.test", after=1)
    assert "Second answer" in text_of(msg)

    # Deleted: no mail; restored from the defaults: mail again.
    status, _, _ = desk.request("DELETE", f"/api/v2/triggers/{trig['id']}.json")
    assert status == 204
    [d] = [x for x in desk.get_json("/api/v2/triggers/defaults.json")["defaults"]
           if x["key"] == "notify_requester_comment_update"]
    assert d["state"] == "missing"
    before, audit = reply("Third answer, trigger deleted.")
    assert [e for e in audit["events"] if e["type"] == "Notification"] == []
    assert len(deliveries(desk, t["id"])["deliveries"]) == before
    status, _, raw = put_json(desk, "POST",
                              "/api/v2/triggers/defaults/notify_requester_comment_update/restore.json",
                              b"")
    assert status == 200, raw
    restored = json.loads(raw)["trigger"]
    assert restored["title"] == COMMENT_UPDATE and restored["active"] is True
    before, audit = reply("Fourth answer, trigger restored.")
    assert [e["type"] for e in audit["events"]].count("Notification") == 1
    _, msg = mail_to(sink, "alice@customer.test", after=2)
    assert "Fourth answer" in text_of(msg)
    assert count_to(sink, "alice@customer.test") == 3


# --------------------------------------------------------------------------- 6

def test_customer_reply_threads_and_keeps_only_new_text(out):
    desk, sink = out
    send_mail(desk, "alice@customer.test", "Wifi drops", "Since Monday.")
    t = ticket_by_subject(desk, "Wifi drops")
    _, notice = mail_to(sink, "alice@customer.test")

    quoted = "\r\n".join("> " + line for line in text_of(notice).splitlines())
    new_text = "It still drops, now every hour."
    reply = (
        f"From: Alice <alice@customer.test>\r\n"
        f"To: {notice['Reply-To']}\r\n"
        f"Subject: Re: {notice['Subject']}\r\n"
        f"Message-ID: {make_msgid(domain='customer.test')}\r\n"
        f"In-Reply-To: {notice['Message-ID']}\r\n"
        f"References: {notice['References']} {notice['Message-ID']}\r\n"
        f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"{new_text}\r\n"
        f"\r\n"
        f"On Fri, 27 Nov 2026 at 09:00, Support <{SUPPORT}> wrote:\r\n"
        f"{quoted}\r\n"
    ).encode()
    reply_to = notice["Reply-To"].addresses[0].addr_spec
    desk.send_raw(reply, rcpts=(reply_to,))

    assert len(desk.tickets()) == 1
    comments = desk.comments(t["id"])
    assert len(comments) == 2
    assert comments[1]["body"] == new_text
    assert comments[1]["author_id"] == t["requester_id"]
    assert desk.suspended() == []


# --------------------------------------------------------------------------- 7

def test_proactive_ticket_notifies_requester(out):
    desk, sink = out
    status, _, raw = put_json(desk, "POST", "/api/v2/tickets.json", {"ticket": {
        "subject": "Your renewal", "comment": {"body": "Your plan renews next week."},
        "requester": {"email": "gina@customer.test", "name": "Gina"}}})
    assert status == 201, raw
    t = json.loads(raw)["ticket"]
    raw_msg, msg = mail_to(sink, "gina@customer.test")
    assert "Your renewal" in str(msg["Subject"])
    assert "Your plan renews next week." in text_of(msg)
    assert f"[{t['encoded_id']}]" in text_of(msg)
    assert msg["Reply-To"].addresses[0].addr_spec == f"support+id{t['encoded_id']}@{DOMAIN}"
    assert raw_msg["mail_from"].startswith("bounces+")
    notes = events(desk, t["id"], "Notification")
    [note] = [n for n in notes if n["via"]["source"]["from"]["title"] == PROACTIVE]
    assert note["recipients"] == [t["requester_id"]]
    # The desk's own received-request notice is for mail from end users only.
    assert RECEIVED not in [n["via"]["source"]["from"]["title"] for n in notes]
    wait_recipient(desk, t["id"], "gina@customer.test", {"sent"})
    assert count_to(sink, "gina@customer.test") == 1


def test_outbound_headers_are_clean_and_utf8(out):
    desk, sink = out
    subject = "Réunion demain \u2014 日本語の件名\r\nBcc: evil@attacker.test"
    status, _, raw = put_json(desk, "POST", "/api/v2/tickets.json", {"ticket": {
        "subject": subject, "comment": {"body": "Ligne 1\n.\nLigne 3 — ok"},
        "requester": {"email": "hana@customer.test", "name": "Hana \"Q\" 山田\r\nX-Evil: 1"}}})
    assert status == 201, raw
    raw_msg, msg = mail_to(sink, "hana@customer.test")
    head = raw_msg["bytes"].split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nX-Evil:" not in head
    assert all(len(line) <= 998 for line in raw_msg["bytes"].split(b"\r\n"))
    assert max(raw_msg["bytes"]) < 128  # 7-bit on the wire: RFC 2047 and quoted-printable
    assert "Réunion demain — 日本語の件名" in str(msg["Subject"])
    assert "Bcc" not in msg and "X-Evil" not in msg
    assert msg["To"].addresses[0].addr_spec == "hana@customer.test"
    assert "山田" in msg["To"].addresses[0].display_name
    text = text_of(msg)
    assert "Ligne 1\n.\nLigne 3 — ok" in text.replace("\r\n", "\n")


# --------------------------------------------------------------------------- 8

def test_bad_payloads_are_refused_and_change_nothing(out):
    desk, sink = out
    agent_id = create_user(desk, "Agnes Agent", "agnes@staff.test")["id"]
    end_user = create_user(desk, "Eve End", "eve@customer.test", role="end-user")
    send_mail(desk, "alice@customer.test", "Validate me", "Hi.")
    t = ticket_by_subject(desk, "Validate me")
    mail_to(sink, "alice@customer.test")
    path = f"/api/v2/tickets/{t['id']}.json"

    def snapshot():
        return (desk.get_json(path)["ticket"], desk.comments(t["id"]), len(audits(desk, t["id"])),
                len(deliveries(desk, t["id"])["deliveries"]),
                desk.get_json("/api/v2/triggers.json")["triggers"])

    before = snapshot()
    users_before = [desk.request("GET", f"/api/v2/users/{i}.json")[0] for i in range(1, 12)]

    cases = [
        ("PUT", path, b'{"ticket": {"status": "open",', 400),
        ("PUT", path, {"comment": {"body": "no ticket object"}}, 400),
        ("PUT", path, {"ticket": "open"}, 400),
        ("PUT", path, {"ticket": {"status": "exploded"}}, 422),
        ("PUT", path, {"ticket": {"assignee_id": end_user["id"]}}, 422),
        ("PUT", path, {"ticket": {"assignee_id": 999999}}, 422),
        ("PUT", path, {"ticket": {"comment": {"body": "   ", "public": True}}}, 422),
        ("PUT", path, {"ticket": {"comment": {"body": ""}, "status": "pending"}}, 422),
        ("PUT", path, {"ticket": {"status": "pending", "assignee_id": end_user["id"],
                                  "comment": {"body": "half"}}}, 422),
        # A CC that would be created as a new user, then a bad comment: all rolled back.
        ("PUT", path, {"ticket": {"email_ccs": [{"user_email": "new-cc@customer.test"}],
                                  "comment": {"body": ""}}}, 422),
        ("PUT", path, {"ticket": {"email_ccs": [{"user_email": SUPPORT}],
                                  "comment": {"body": "cc the desk itself"}}}, 422),
        ("PUT", "/api/v2/tickets/99999.json", {"ticket": {"comment": {"body": "x"}}}, 404),
        ("POST", "/api/v2/tickets.json", b"not json", 400),
        ("POST", "/api/v2/tickets.json", {"subject": "no wrapper"}, 400),
        ("POST", "/api/v2/tickets.json", {"ticket": {"subject": "s", "comment": {"body": ""},
                                                     "requester": {"email": "h@customer.test"}}}, 422),
        ("POST", "/api/v2/triggers.json", {"trigger": {
            "title": "Bad field", "conditions": {"all": [
                {"field": "no_such_field", "operator": "is", "value": "x"}]},
            "actions": [{"field": "status", "value": "open"}]}}, 422),
        ("PUT", "/api/v2/triggers/1.json", {"trigger": {"conditions": {"all": [
            {"field": "no_such_field", "operator": "is", "value": "x"}]}}}, 422),
        ("POST", "/api/v2/users.json", {"user": {"name": "Sneaky", "email": SUPPORT,
                                                 "role": "agent"}}, 422),
        ("POST", "/api/v2/users.json", {"user": {"name": "Sneaky",
                                                 "email": f"support+x@{DOMAIN}"}}, 422),
        ("POST", "/api/v2/users.json", {"user": {"name": "Twice", "email": "agnes@staff.test",
                                                 "role": "agent"}}, 422),
    ]
    for method, p, payload, expected in cases:
        status, headers, raw = put_json(desk, method, p, payload)
        assert_json_error(status, headers, raw, expected)

    assert snapshot() == before
    assert [desk.request("GET", f"/api/v2/users/{i}.json")[0] for i in range(1, 12)] == users_before
    assert len(desk.tickets()) == 1
    assert agent_id
    time.sleep(0.5)
    assert count_to(sink, "alice@customer.test") == 1


def test_dsn_for_a_delivered_message_marks_it_bounced(out):
    """A delivery report sent back to our VERP address names the exact recipient."""
    desk, sink = out
    send_mail(desk, "carol@customer.test", "Bounce me", "hello")
    t = ticket_by_subject(desk, "Bounce me")
    raw, msg = mail_to(sink, "carol@customer.test")
    wait_recipient(desk, t["id"], "carol@customer.test", {"sent"})
    verp = raw["mail_from"]
    dsn = mailbox_full_report(verp, "carol@customer.test", msg["Message-ID"])
    r = desk.send_raw(dsn, mail_from="", rcpts=(verp,))
    assert "delivery report recorded" in r.stdout
    row = wait_recipient(desk, t["id"], "carol@customer.test", {"bounced"})
    assert row["status"] == "5.2.2"
    assert row["reason"] == "mailbox_full"
    assert "mailbox full" in row["reply"]
    assert [h["state"] for h in row["history"]][-1] == "bounced"
    # Neither a ticket nor a comment; the ticket shows the failure.
    assert len(desk.tickets()) == 1
    assert len(desk.comments(t["id"])) == 1
    ticket = desk.get_json(f"/api/v2/tickets/{t['id']}.json")["ticket"]
    assert "system_email_notification_failure" in ticket["tags"]
    bounced = [e for e in events(desk, t["id"], "EmailDelivery") if e["state"] == "bounced"]
    assert bounced and bounced[0]["reason"] == "mailbox_full"


def test_outbound_mail_is_dkim_signed_when_a_key_is_enabled(sink, desk_factory, tmp_path):
    import dkim
    data = tmp_path / "signed"
    data.mkdir()
    keygen = subprocess.run([BIN, "dkim", "keygen", "--data", str(data), "--domain", DOMAIN,
                             "--algorithm", "ed25519"], capture_output=True, text=True)
    assert keygen.returncode == 0, keygen.stderr
    record = "".join(re.findall(r'"([^"]*)"', keygen.stdout))
    assert record.startswith("v=DKIM1")
    # A new key does not sign until it is enabled.
    desk = desk_factory("--relay", sink.relay, subdir="signed")
    send_mail(desk, "erin@customer.test", "Not signed yet", "hello")
    raw, _ = mail_to(sink, "erin@customer.test")
    assert b"DKIM-Signature:" not in raw["bytes"].split(b"\r\n\r\n")[0]
    desk.stop()
    # With no DNS server here the record cannot be checked, so signing is
    # forced on (test_doctor_domain.py enables a key whose record a real DNS
    # server publishes).
    enable = subprocess.run([BIN, "dkim", "enable", "--data", str(data), "--domain", DOMAIN,
                             "--dns", f"127.0.0.1:{closed_port()}", "--force"],
                            capture_output=True, text=True)
    assert enable.returncode == 0, enable.stderr
    desk.start()
    send_mail(desk, "dora@customer.test", "Signed please", "hello")
    raw, _ = mail_to(sink, "dora@customer.test")
    assert raw["bytes"].startswith(b"DKIM-Signature:")

    def dnsfunc(name, timeout=5):
        assert name == f"postdesk._domainkey.{DOMAIN}.".encode()
        return record.encode()

    assert dkim.verify(raw["bytes"], dnsfunc=dnsfunc)
