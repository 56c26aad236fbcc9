"""Hostile HTML in customer mail (issue 13, defect 4): what only an attack
needs suspends the mail as malicious_pattern_detected, however it is
spelled; everything else becomes a ticket whose html_body is sanitized by an
HTML5 parser, while the raw mail stays byte for byte behind the raw route."""
import time

from conftest import SUPPORT


def html_mail(desk, subject, html, frm="carol@customer.test"):
    mid = f"<{time.time_ns()}@customer.test>"
    raw = (f"From: Carol <{frm}>\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\n"
           f"Message-ID: {mid}\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n")
    path = desk.data / f"{time.time_ns()}.eml"
    path.write_text(raw)
    r = desk.swaks("--from", frm, "--to", SUPPORT, "--data", str(path))
    assert "250 2.0.0" in r.stdout, r.stdout


SUSPENDED = {
    "script": ("<p>hi</p><script>window.__xss=1</script>", "script_element"),
    "tab-split scheme": ('<a href="java&#x09;script:alert(1)">invoice</a>', "script_url"),
    "newline entity": ('<a href="java&NewLine;script:alert(1)">invoice</a>', "script_url"),
    "svg onload": ("<svg onload=alert(1)></svg>", "event_handler"),
    "img onerror": ("<img src=x onerror=alert(1)>", "event_handler"),
    "password with spaces": ('<form><input type = "password" name=p></form>', "password_field"),
}

SANITIZED = {
    "iframe srcdoc": '<iframe srcdoc="<b>x</b>"></iframe>',
    "object data": '<object data="https://evil.example/x"></object>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base": '<base href="https://evil.example/">',
    "form action": '<form action="https://evil.example/"><b>fill me</b></form>',
    "css url": '<div style="background:url(https://evil.example/t.gif)">styled</div>',
    "css expression": '<div style="width:expression(alert(1))">styled</div>',
    "noscript mutation": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
}


def test_attack_markup_is_suspended_however_spelled(desk):
    for subject, (html, pattern) in SUSPENDED.items():
        html_mail(desk, subject, html)
    suspended = {s["subject"]: s for s in desk.suspended()}
    assert desk.tickets() == []
    for subject, (_, pattern) in SUSPENDED.items():
        s = suspended[subject]
        assert s["cause"] == "malicious_pattern_detected", subject
        assert s["evidence"]["evidence"]["pattern"] == pattern, (subject, s["evidence"])


def test_other_dangerous_markup_becomes_an_inert_ticket(desk):
    for subject, html in SANITIZED.items():
        html_mail(desk, subject, "<p>Hello</p>" + html)
    assert desk.suspended() == []
    tickets = {t["subject"]: t for t in desk.tickets()}
    for subject in SANITIZED:
        [comment] = desk.comments(tickets[subject]["id"])
        body = comment["html_body"]
        assert "<p>Hello</p>" in body, (subject, body)
        for bad in ("<iframe", "<object", "<meta", "<base", "<form", "evil.example",
                    "expression", "<noscript", "<img"):
            assert bad not in body, (subject, bad, body)
        # The raw mail is kept as it came.
        status, _, raw = desk.request(
            "GET", f"/api/v2/tickets/{tickets[subject]['id']}/comments/{comment['id']}/raw")
        assert status == 200 and SANITIZED[subject].encode() in raw
