"""Inbound screening against a real `postdesk serve`: GTUBE, out-of-office
replies, the per-sender rate (accept, suspend as loop, refuse with 4xx), the
allowlist and blocklist with their API (reject: -> 550, nothing stored), for
SMTP, LMTP and the pipe door."""
import json
import subprocess
import time

from conftest import BIN, DOMAIN, SUPPORT, SmtpClient, code

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def msg(subject, body, frm="Alice <alice@customer.test>", extra=""):
    mid = f"<{time.time_ns()}@customer.test>"
    return (f"From: {frm}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n{extra}\r\n{body}\r\n").encode()


def put_lists(desk, allowlist=None, blocklist=None, token="default"):
    lists = {}
    if allowlist is not None:
        lists["allowlist"] = allowlist
    if blocklist is not None:
        lists["blocklist"] = blocklist
    status, _, body = desk.request("PUT", "/api/v2/email_lists", token=token,
                                   body=json.dumps({"email_lists": lists}).encode(),
                                   headers={"Content-Type": "application/json"})
    return status, json.loads(body) if body else None


def smtp_send(client, mail_from, rcpts, data: bytes):
    """One transaction on an open session; returns the DATA reply codes (one per recipient for LMTP)."""
    assert code(client.cmd(f"MAIL FROM:<{mail_from}>")) == 250
    for r in rcpts:
        assert code(client.cmd(f"RCPT TO:<{r}>")) == 250
    assert code(client.cmd("DATA")) == 354
    client.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    return client.reply()


def test_gtube_is_suspended_as_spam_with_its_evidence(desk):
    r = desk.swaks("--from", "tester@customer.test", "--to", SUPPORT,
                   "--header", "Subject: spam test", "--body", f"This is a test.\n{GTUBE}\n")
    assert "250 2.0.0" in r.stdout and "held for review (spam)" in r.stdout
    assert desk.tickets() == []
    [s] = desk.suspended()
    assert s["cause"] == "spam" and s["cause_id"] == 0
    assert s["author"]["email"] == "tester@customer.test"
    ev = s["evidence"]
    assert ev["cause"] == "spam"
    assert ev["evidence"]["pattern"] == "gtube"
    assert "GTUBE" in ev["reason"]


def test_out_of_office_reply_is_suspended_as_auto_vacation(desk):
    desk.send_raw(msg("Automatic reply: Your request", "I am out of the office until Monday.",
                      extra="Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"))
    # Japanese, with no automated header at all: the subject says it.
    desk.send_raw(msg("【不在】お問い合わせについて", "本日は不在にしております。", frm="山田 <yamada@customer.test>"))
    # Other automated mail is auto_mailer.
    desk.send_raw(msg("Weekly digest", "news", frm="news@lists.test", extra="Precedence: bulk\r\n"))
    assert desk.tickets() == []
    by_author = {s["author"]["email"]: s for s in desk.suspended()}
    ooo = by_author["alice@customer.test"]
    assert ooo["cause"] == "auto_vacation" and ooo["cause_id"] == 8
    assert ooo["evidence"]["evidence"]["out_of_office_phrase"] == "automatic reply"
    assert by_author["yamada@customer.test"]["cause"] == "auto_vacation"
    assert by_author["news@lists.test"]["cause"] == "auto_mailer"
    assert by_author["news@lists.test"]["cause_id"] == 3


def test_forty_five_from_one_sender_in_an_hour(desk):
    c = SmtpClient(desk.smtp_port)
    assert code(c.cmd("EHLO client.test")) == 250
    replies = []
    for i in range(45):
        data = msg(f"Report number {i}", f"body {i}", frm="Flood <flood@customer.test>")
        replies.append(smtp_send(c, "flood@customer.test", [SUPPORT], data)[-1])
    c.cmd("QUIT")
    c.close()
    created = [r for r in replies if r.startswith("250") and "ticket" in r]
    held = [r for r in replies if r.startswith("250") and "held for review (loop)" in r]
    refused = [r for r in replies if r.startswith("451 4.7.1")]
    assert len(created) == 20, replies
    assert len(held) == 20, replies
    assert len(refused) == 5, replies
    assert replies[40:] == refused  # the order is accept, suspend, refuse
    assert len(desk.tickets()) == 20
    suspended = desk.suspended()
    assert len(suspended) == 20
    assert {s["cause"] for s in suspended} == {"loop"}
    counts = sorted(s["evidence"]["evidence"]["admitted_in_window"] for s in suspended)
    assert counts == list(range(21, 41))
    assert suspended[0]["evidence"]["evidence"]["accept_limit"] == 20
    # Another sender is not affected.
    r = desk.swaks("--from", "calm@customer.test", "--to", SUPPORT, "--header", "Subject: calm")
    assert "created" in r.stdout, r.stdout


def test_lists_api_reject_domain_gets_550_and_nothing_is_stored(desk):
    assert desk.get_json("/api/v2/email_lists") == {"email_lists": {"allowlist": "", "blocklist": ""}}
    status, body = put_lists(desk, blocklist="reject:spam.test  suspend:bob@maybe.test")
    assert status == 200, body
    assert body["email_lists"]["blocklist"] == "reject:spam.test suspend:bob@maybe.test"
    assert desk.get_json("/api/v2/email_lists.json")["email_lists"]["blocklist"] == \
        "reject:spam.test suspend:bob@maybe.test"

    r = desk.swaks("--from", "seller@spam.test", "--to", SUPPORT, "--header", "Subject: buy",
                   check=False)
    assert "550 5.7.1" in r.stdout and "reject:spam.test" in r.stdout
    r = desk.swaks("--from", "x@mail.spam.test", "--to", SUPPORT, "--header", "Subject: buy",
                   check=False)
    assert "550 5.7.1" in r.stdout  # subdomains too
    assert desk.tickets() == [] and desk.suspended() == []

    desk.swaks("--from", "bob@maybe.test", "--to", SUPPORT, "--header", "Subject: hi")
    [s] = desk.suspended()
    assert s["cause"] == "blocklisted" and s["cause_id"] == 13
    assert s["evidence"]["list"]["entry"] == "suspend:bob@maybe.test"

    # A field left out keeps its value; invalid entries are named, nothing changes.
    status, body = put_lists(desk, allowlist="partner.test")
    assert status == 200 and body["email_lists"]["blocklist"].startswith("reject:spam.test")
    status, body = put_lists(desk, blocklist="reject:spam.test @bad.test")
    assert status == 422 and "@bad.test" in body["description"], body
    status, body = put_lists(desk, allowlist="*")
    assert status == 422 and "blocklist" in body["description"], body
    assert desk.get_json("/api/v2/email_lists")["email_lists"] == {
        "allowlist": "partner.test", "blocklist": "reject:spam.test suspend:bob@maybe.test"}
    status, _, _ = desk.request("PUT", "/api/v2/email_lists", body=b"{not json")
    assert status == 400
    status, _, _ = desk.request("GET", "/api/v2/email_lists", token=None)
    assert status == 401


def test_allowlisted_sender_passes_and_everyone_else_waits(desk):
    status, _ = put_lists(desk, allowlist="partner.test", blocklist="* reject:partner.test")
    assert status == 200
    r = desk.swaks("--from", "dana@partner.test", "--to", SUPPORT, "--header", "Subject: partner")
    assert "created" in r.stdout, r.stdout
    r = desk.swaks("--from", "eve@sub.partner.test", "--to", SUPPORT, "--header", "Subject: sub")
    assert "created" in r.stdout, r.stdout
    desk.swaks("--from", "stranger@elsewhere.test", "--to", SUPPORT, "--header", "Subject: hi")
    assert sorted(t["subject"] for t in desk.tickets()) == ["partner", "sub"]
    [s] = desk.suspended()
    assert s["cause"] == "not_on_whitelist" and s["cause_id"] == 1


def test_lmtp_refusal_is_per_recipient_and_the_pipe_door_bounces(desk_factory):
    desk = desk_factory("--lmtp", "127.0.0.1:0")
    assert put_lists(desk, blocklist="reject:spam.test")[0] == 200
    c = SmtpClient(desk.lmtp_port)
    assert code(c.cmd("LHLO mta.test")) == 250
    replies = smtp_send(c, "seller@spam.test", [SUPPORT, f"support+sales@{DOMAIN}"],
                        msg("buy", "cheap", frm="seller@spam.test"))
    second = c.reply()
    assert code(replies) == 550 and code(second) == 550
    assert "5.7.1" in replies[-1] and "5.7.1" in second[-1]
    c.cmd("QUIT")
    c.close()
    assert desk.tickets() == [] and desk.suspended() == []

    # `ingest` reads the same stored lists (the server may keep running).
    args = [BIN, "ingest", "--data", str(desk.data), "--domain", DOMAIN, "--hostname", "desk.test",
            "--sender", "seller@spam.test", "--recipient", SUPPORT]
    r = subprocess.run(args, input=msg("buy", "cheap", frm="seller@spam.test"), capture_output=True,
                       timeout=60)
    assert r.returncode == 77, r.stderr  # EX_NOPERM: the MTA bounces it
    r = subprocess.run(args[:-4] + ["--sender", "ok@customer.test", "--recipient", SUPPORT],
                       input=msg("fine", "hello", frm="ok@customer.test"), capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert [t["subject"] for t in desk.tickets()] == ["fine"]


def test_limits_come_from_the_config_file(desk_factory, tmp_path):
    cfg = tmp_path / "postdesk.toml"
    cfg.write_text("rate_accept_per_hour = 2\nrate_suspend_per_hour = 1\n"
                   "allowlist_rate_multiplier = 2\nmax_header_recipients = 3\n")
    desk = desk_factory("--config", str(cfg))
    c = SmtpClient(desk.smtp_port)
    assert code(c.cmd("EHLO client.test")) == 250
    replies = [smtp_send(c, "few@customer.test", [SUPPORT],
                         msg(f"note {i}", "hello", frm="few@customer.test"))[-1] for i in range(4)]
    assert [r[:3] for r in replies] == ["250", "250", "250", "451"], replies
    assert "held for review (loop)" in replies[2]
    # An allowlisted sender gets twice the limits here.
    assert put_lists(desk, allowlist="partner.test")[0] == 200
    replies = [smtp_send(c, "p@partner.test", [SUPPORT],
                         msg(f"partner {i}", "hello", frm="p@partner.test"))[-1] for i in range(7)]
    assert [r[:3] for r in replies] == ["250"] * 6 + ["451"], replies
    assert sum("created" in r for r in replies) == 4
    # Four people in To/Cc is one too many.
    r = smtp_send(c, "cc@customer.test", [SUPPORT],
                  msg("all of you", "hi", frm="cc@customer.test",
                      extra="Cc: a@x.test, b@x.test, c@x.test\r\n"))[-1]
    assert "held for review (number_recipients_exceeded)" in r, r
    c.cmd("QUIT")
    c.close()


def test_scanner_verdicts_count_only_from_trusted_relays(desk_factory, tmp_path):
    """SpamAssassin's and Rspamd's header fields decide only when the message
    came from a relay listed in trusted_relays; from anyone else they are
    noted in the audit and ignored."""
    flagged = msg("Quarterly numbers", "Please see the figures.",
                  extra="X-Spam-Flag: YES\r\n"
                        "X-Spam-Status: Yes, score=9.1 required=5.0 tests=BAYES_99,URIBL_BLACK "
                        "autolearn=no version=3.4.6\r\n")
    rspamd = msg("Invoice", "Open the attachment.", frm="Bob <bob@customer.test>",
                 extra="X-Spamd-Result: default: True [16.20 / 15.00]; BAYES_SPAM(5.10)[99.9%]\r\n")
    clean = msg("Printer question", "It jams.", frm="Carol <carol@customer.test>",
                extra="X-Spam-Status: No, score=-1.9 required=5.0 tests=BAYES_00\r\n")

    trusted = desk_factory("--trusted-relay", "127.0.0.0/8", subdir="trusted")
    r = trusted.send_raw(flagged)
    assert "held for review (spam)" in r.stdout, r.stdout
    trusted.send_raw(rspamd, mail_from="bob@customer.test")
    trusted.send_raw(clean, mail_from="carol@customer.test")
    assert [t["subject"] for t in trusted.tickets()] == ["Printer question"]
    by_author = {s["author"]["email"]: s for s in trusted.suspended()}
    sa = by_author["alice@customer.test"]["evidence"]
    assert sa["cause"] == "spam"
    assert "the trusted relay 127.0.0.1 marked it spam: SpamAssassin X-Spam-Status" in sa["reason"]
    assert sa["evidence"]["score"] == 9.1 and sa["evidence"]["tests"] == ["BAYES_99", "URIBL_BLACK"]
    rs = by_author["bob@customer.test"]["evidence"]["evidence"]
    assert rs["scanner"] == "rspamd" and rs["score"] == 16.2 and rs["threshold"] == 15.0

    # Without trusted_relays the same fields are anyone's claim: a ticket,
    # with the claim and the reason it did not count in the audit.
    plain = desk_factory(subdir="plain")
    r = plain.send_raw(flagged)
    assert "held for review" not in r.stdout
    [t] = plain.tickets()
    audits = plain.get_json(f"/api/v2/tickets/{t['id']}/audits.json")["audits"]
    claim = audits[0]["metadata"]["relay_spam"]
    assert claim["spam"] is True and claim["honoured"] is False
    assert "127.0.0.1 is not a trusted relay" in claim["reason"]

    # The pipe door is trusted by the entry "pipe" (the local MTA calls it).
    cfg = tmp_path / "pipe.toml"
    cfg.write_text('trusted_relays = ["pipe"]\n')
    args = [BIN, "ingest", "--data", str(plain.data), "--domain", DOMAIN, "--hostname", "desk.test",
            "--config", str(cfg), "--sender", "bob@customer.test", "--recipient", SUPPORT]
    r = subprocess.run(args, input=rspamd, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    [s] = plain.suspended()
    assert s["cause"] == "spam" and "the local MTA (pipe)" in s["evidence"]["reason"]

    # A malformed entry is a configuration error that names it.
    cfg.write_text('trusted_relays = ["mx.example"]\n')
    r = subprocess.run(args, input=clean, capture_output=True, timeout=60)
    assert r.returncode == 78
    assert b'"mx.example" is neither an IP address' in r.stdout + r.stderr


def test_loop_guard_counts_across_ingest_processes_and_restarts(desk_factory, tmp_path):
    """Each `postdesk ingest` is a new process and a restarted serve starts
    with empty memory: the per-sender count comes from the store."""
    cfg = tmp_path / "limits.toml"
    cfg.write_text("rate_accept_per_hour = 2\nrate_suspend_per_hour = 1\n")
    desk = desk_factory("--config", str(cfg))
    args = [BIN, "ingest", "--data", str(desk.data), "--domain", DOMAIN, "--hostname", "desk.test",
            "--config", str(cfg), "--sender", "bot@customer.test", "--recipient", SUPPORT]
    codes = []
    for i in range(4):
        r = subprocess.run(args, input=msg(f"alert {i}", "disk full", frm="bot@customer.test"),
                           capture_output=True, timeout=60)
        codes.append(r.returncode)
    assert codes == [0, 0, 0, 75], codes  # 2 tickets, 1 suspended (loop), then EX_TEMPFAIL
    assert len(desk.tickets()) == 2
    [s] = desk.suspended()
    assert s["cause"] == "loop" and s["evidence"]["evidence"]["admitted_in_window"] == 3

    # serve counts what ingest admitted, and so does a restarted serve.
    c = SmtpClient(desk.smtp_port)
    assert code(c.cmd("EHLO client.test")) == 250
    assert smtp_send(c, "bot@customer.test", [SUPPORT],
                     msg("alert 5", "x", frm="bot@customer.test"))[-1].startswith("451 4.7.1")
    c.cmd("QUIT")
    c.close()
    for sender in ("new@customer.test", "new@customer.test"):
        desk.send_raw(msg("first", "x", frm=sender), mail_from=sender)
    desk.stop()
    desk.start()
    r = desk.send_raw(msg("third", "x", frm="new@customer.test"), mail_from="new@customer.test")
    assert "held for review (loop)" in r.stdout, r.stdout
