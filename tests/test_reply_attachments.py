"""An agent's reply with files: uploads (POST /api/v2/uploads), the comment
that takes them, and the notification that carries them to the customer
through a real SMTP sink."""
import json
from urllib.parse import urlparse

from conftest import SUPPORT


def upload(desk, name, data, ctype):
    status, _, body = desk.request(
        "POST", "/api/v2/uploads?filename=" + name, body=data,
        headers={"Content-Type": ctype})
    assert status == 201, body
    return json.loads(body)["upload"]


def put_ticket(desk, ticket_id, payload):
    return desk.request("PUT", f"/api/v2/tickets/{ticket_id}",
                        body=json.dumps({"ticket": payload}).encode(),
                        headers={"Content-Type": "application/json"})


def test_reply_with_uploads_reaches_the_customer_with_its_files(desk_factory, sink):
    desk = desk_factory("--relay", sink.relay)
    desk.swaks("--from", "carol@customer.test", "--to", SUPPORT,
               "--header", "Subject: need the invoice", "--body", "please")
    [ticket] = desk.tickets()
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    a = upload(desk, "invoice.pdf", pdf, "application/pdf")
    b = upload(desk, "%E8%AB%8B%E6%B1%82.txt", "請求書です".encode(), "text/plain; charset=utf-8")
    assert a["attachment"]["size"] == len(pdf)

    # An unknown token is refused and nothing is written.
    status, _, body = put_ticket(desk, ticket["id"], {"comment": {
        "body": "here", "uploads": [a["token"], "nope"]}})
    assert status == 422 and "upload" in json.loads(body)["description"]
    assert len(desk.comments(ticket["id"])) == 1

    status, _, body = put_ticket(desk, ticket["id"], {"comment": {
        "body": "Here is your invoice.", "uploads": [a["token"], b["token"]]}})
    assert status == 200, body
    comments = desk.comments(ticket["id"])
    files = {f["file_name"]: f for f in comments[-1]["attachments"]}
    assert set(files) == {"invoice.pdf", "請求.txt"}
    status, _, got = desk.request("GET", urlparse(files["invoice.pdf"]["content_url"]).path)
    assert status == 200 and got == pdf

    # A token works once.
    status, _, _ = put_ticket(desk, ticket["id"], {"comment": {"body": "again",
                                                              "uploads": [a["token"]]}})
    assert status == 422

    [mail] = sink.wait_for(lambda m: m["rcpt"] == "carol@customer.test"
                           and b"invoice.pdf" in m["bytes"])
    msg = sink.parsed(mail)
    assert msg.get_content_type() == "multipart/mixed"
    parts = {p.get_filename(): p for p in msg.iter_attachments()}
    assert parts["invoice.pdf"].get_payload(decode=True) == pdf
    assert parts["請求.txt"].get_payload(decode=True) == "請求書です".encode()


def test_internal_notes_keep_their_files_to_themselves(desk_factory, sink):
    desk = desk_factory("--relay", sink.relay)
    desk.swaks("--from", "dave@customer.test", "--to", SUPPORT,
               "--header", "Subject: secret", "--body", "hi")
    [ticket] = desk.tickets()
    a = upload(desk, "notes.txt", b"internal only", "text/plain")
    status, _, body = put_ticket(desk, ticket["id"], {"comment": {
        "body": "note to self", "public": False, "uploads": [a["token"]]}})
    assert status == 200, body
    assert desk.comments(ticket["id"])[-1]["attachments"][0]["file_name"] == "notes.txt"
    sink.wait_for(lambda m: False, timeout=1)
    assert not any(b"internal only" in m["bytes"] for m in sink.messages)
