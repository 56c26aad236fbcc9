"""Inbound email becomes tickets: SMTP (swaks and raw sockets), threading,
limits, idempotency and durability, against a real `postdesk serve`."""
import os
import signal
import time
from email.header import Header

from conftest import SUPPORT, DOMAIN, SmtpClient, code


def msg(subject, body, frm="Alice <alice@customer.test>", extra="", message_id=None):
    mid = message_id or f"<{time.time_ns()}@customer.test>"
    return (f"From: {frm}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n{extra}\r\n{body}\r\n").encode()


def test_plain_mail_becomes_ticket(desk):
    r = desk.swaks("--from", "alice@customer.test", "--to", SUPPORT,
                   "--header", "Subject: Printer on fire", "--body", "Please help, it is smoking.")
    assert "250 2.0.0" in r.stdout
    [t] = desk.tickets()
    assert t["subject"] == "Printer on fire"
    assert t["status"] == "new"
    assert t["recipient"] == SUPPORT
    [c] = desk.comments(t["id"])
    assert "Please help, it is smoking." in c["body"]
    user = desk.get_json(f"/api/v2/users/{t['requester_id']}.json")["user"]
    assert user["email"] == "alice@customer.test"
    assert user["role"] == "end-user"


def test_pipelined_transaction(desk):
    r = desk.swaks("--pipeline", "--from", "bob@customer.test", "--to", SUPPORT,
                   "--header", "Subject: pipelined", "--body", "in one go")
    assert "PIPELINING" in r.stdout
    assert [t["subject"] for t in desk.tickets()] == ["pipelined"]


def test_attachment_is_stored_and_downloadable(desk, tmp_path):
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    desk.swaks("--from", "carol@customer.test", "--to", SUPPORT, "--header", "Subject: invoice",
               "--body", "attached", "--attach-type", "application/pdf",
               "--attach-name", "invoice.pdf", "--attach", f"@{pdf}")
    [t] = desk.tickets()
    [c] = desk.comments(t["id"])
    [a] = c["attachments"]
    assert a["file_name"] == "invoice.pdf"
    assert a["content_type"] == "application/pdf"
    assert a["size"] == pdf.stat().st_size
    status, headers, body = desk.request("GET", a["content_url"])
    assert status == 200
    assert body == pdf.read_bytes()
    assert "attachment" in headers["Content-Disposition"]


def test_japanese_mail_in_iso_2022_jp(desk):
    subject = Header("プリンターが動きません", "iso-2022-jp").encode()
    body = "お世話になっております。\r\n印刷ができません。".encode("iso-2022-jp")
    raw = (f"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@customer.test>\r\nTo: {SUPPORT}\r\n"
           f"Subject: {subject}\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
           "Content-Transfer-Encoding: 7bit\r\n\r\n").encode() + body + b"\r\n"
    desk.send_raw(raw, mail_from="yamada@customer.test")
    [t] = desk.tickets()
    assert t["subject"] == "プリンターが動きません"
    [c] = desk.comments(t["id"])
    assert "印刷ができません。" in c["body"]
    user = desk.get_json(f"/api/v2/users/{t['requester_id']}.json")["user"]
    assert user["name"] == "山田"


def test_reply_threads_by_header_encoded_id_and_plus_address(desk):
    desk.send_raw(msg("Help", "first", message_id="<first@customer.test>"))
    [t] = desk.tickets()
    desk.send_raw(msg("Re: Help", "by header", extra="In-Reply-To: <first@customer.test>\r\n"))
    desk.send_raw(msg("something else", f"by id [{t['encoded_id']}]"))
    desk.send_raw(msg("x", "by plus"), rcpts=(f"support+id{t['encoded_id']}@{DOMAIN}",))
    assert len(desk.tickets()) == 1
    bodies = [c["body"] for c in desk.comments(t["id"])]
    assert len(bodies) == 4
    assert any("by header" in b for b in bodies)
    assert any("by id" in b for b in bodies)
    assert any("by plus" in b for b in bodies)


def test_stranger_cannot_update_someone_elses_ticket(desk):
    desk.send_raw(msg("Private", "mine", message_id="<priv@customer.test>"))
    [t] = desk.tickets()
    desk.send_raw(msg("Re: Private", "let me in", frm="mallory@evil.test",
                      extra="In-Reply-To: <priv@customer.test>\r\n"), mail_from="mallory@evil.test")
    desk.send_raw(msg(f"Re: ticket #{t['id']}", f"ticket {t['id']}", frm="eve@evil.test"),
                  mail_from="eve@evil.test")
    assert len(desk.comments(t["id"])) == 1
    [s] = desk.suspended()
    assert s["cause"] == "unknown_user_update" and s["cause_id"] == 5
    assert s["ticket_id"] == t["id"]
    # The bare number made a ticket of its own, not a comment on ticket 1.
    assert len(desk.tickets()) == 2


def test_unknown_recipient_is_refused_with_550(desk):
    r = desk.swaks("--from", "alice@customer.test", "--to", "someone@elsewhere.test", check=False)
    assert r.returncode != 0
    assert "550 5.1.1" in r.stdout
    r = desk.swaks("--from", "alice@customer.test", "--to", f"sales@{DOMAIN}", check=False)
    assert "550 5.1.1" in r.stdout
    assert desk.tickets() == []


def test_oversize_message_gets_552(desk_factory):
    desk = desk_factory("--max-message-bytes", "20000")
    r = desk.swaks("--from", "alice@customer.test", "--to", SUPPORT, "--body", "x" * 30000,
                   check=False)
    assert "552 5.3.4" in r.stdout
    assert desk.tickets() == []
    # Still serving.
    desk.swaks("--from", "alice@customer.test", "--to", SUPPORT, "--body", "small")
    assert len(desk.tickets()) == 1


def test_bare_lf_smuggling_stores_exactly_one_message(desk):
    c = SmtpClient(desk.smtp_port)
    assert code(c.cmd("EHLO client.test")) == 250
    assert code(c.cmd("MAIL FROM:<alice@customer.test>")) == 250
    assert code(c.cmd(f"RCPT TO:<{SUPPORT}>")) == 250
    assert code(c.cmd("DATA")) == 354
    c.send(b"From: alice@customer.test\r\nSubject: smuggle\r\n\r\nbefore\r\n"
           b"\n.\nMAIL FROM:<evil@evil.test>\nRCPT TO:<" + SUPPORT.encode() +
           b">\nDATA\nFrom: evil@evil.test\nSubject: smuggled\n\nsmuggled body\n"
           b"\r\n.\nafter\r\n.\r\n")
    reply = c.reply()
    assert code(reply) == 250, reply
    assert code(c.cmd("QUIT")) == 221
    c.close()
    tickets = desk.tickets()
    assert [t["subject"] for t in tickets] == ["smuggle"]
    [comment] = desk.comments(tickets[0]["id"])
    assert "smuggled body" in comment["body"]


def test_identical_redelivery_makes_one_ticket(desk):
    raw = msg("Twice", "same bytes", message_id="<same@customer.test>")
    desk.send_raw(raw)
    r = desk.send_raw(raw)
    assert "already received" in r.stdout
    [t] = desk.tickets()
    assert len(desk.comments(t["id"])) == 1


def test_ticket_survives_kill_9_right_after_250(desk):
    c = SmtpClient(desk.smtp_port)
    c.cmd("EHLO client.test")
    c.cmd("MAIL FROM:<alice@customer.test>")
    c.cmd(f"RCPT TO:<{SUPPORT}>")
    c.cmd("DATA")
    c.send(msg("Durable", "must survive") + b".\r\n")
    reply = c.reply()
    assert code(reply) == 250
    os.kill(desk.proc.pid, signal.SIGKILL)
    desk.proc.wait()
    c.close()
    desk.start()
    assert [t["subject"] for t in desk.tickets()] == ["Durable"]


def test_hostile_input_is_stored_or_refused_and_server_keeps_serving(desk):
    hostile = [
        b"From: a@customer.test\r\nSubject: nul\r\n\r\nbefore\x00after\r\n",
        b"From: a@customer.test\r\nSubject: \xff\xfe bad utf8 \xc3\r\n\r\n\xff\xfe\xfd body\r\n",
        (b"From: a@customer.test\r\nSubject: b64\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
         b"Content-Type: text/plain\r\n\r\ntext part\r\n--zz\r\nContent-Type: image/png\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUgAA\r\n"),
        b"no headers at all, just text\r\n",
        b"From: a@customer.test\r\nSubject: long line\r\n\r\n" + b"y" * (10 * 1024 * 1024) + b"\r\n",
    ]
    for raw in hostile:
        desk.send_raw(raw, mail_from="a@customer.test")
    subjects = sorted(t["subject"] for t in desk.tickets())
    assert len(subjects) == len(hostile)
    for t in desk.tickets():
        for c in desk.comments(t["id"]):
            c["body"].encode("utf-8")  # the API always gives valid UTF-8
    desk.swaks("--from", "alice@customer.test", "--to", SUPPORT, "--body", "still alive")


def test_blank_and_own_address_are_suspended(desk):
    desk.send_raw(msg("Empty", ""))
    desk.send_raw(msg("From us", "hi", frm=SUPPORT))
    causes = sorted(s["cause"] for s in desk.suspended())
    assert causes == ["blank", "from_support_address"]
    assert desk.tickets() == []
