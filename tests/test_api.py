"""The read API: authentication, Zendesk shapes, JSON errors."""
import json

from conftest import SUPPORT, basic_auth


def send(desk, subject, body="hello"):
    desk.swaks("--from", "alice@customer.test", "--to", SUPPORT, "--header",
               f"Subject: {subject}", "--body", body)


def test_auth_required_everywhere(desk):
    for path in ["/api/v2/tickets.json", "/api/v2/tickets/1", "/api/v2/suspended_tickets",
                 "/api/v2/users/1.json"]:
        status, headers, body = desk.request("GET", path, token=None)
        assert status == 401, path
        assert json.loads(body)["error"]
        status, _, _ = desk.request("GET", path, token="wrong")
        assert status == 401


def test_bearer_and_basic_auth(desk):
    send(desk, "auth")
    assert desk.get_json("/api/v2/tickets")["count"] == 1
    admin_email = f"admin@{SUPPORT.split('@')[1]}"
    status, _, body = desk.request("GET", "/api/v2/tickets.json", token=None,
                                   headers={"Authorization": basic_auth(admin_email, desk.token)})
    assert status == 200, body
    status, _, _ = desk.request("GET", "/api/v2/tickets.json", token=None,
                                headers={"Authorization": basic_auth("x@y.test", desk.token)})
    assert status == 401


def test_ticket_comment_audit_shapes(desk):
    send(desk, "shape", "body text")
    [t] = desk.tickets()
    for key in ["id", "url", "subject", "description", "status", "requester_id", "submitter_id",
                "assignee_id", "collaborator_ids", "recipient", "via", "created_at", "updated_at",
                "encoded_id"]:
        assert key in t, key
    assert t["via"]["channel"] == "email"
    one = desk.get_json(f"/api/v2/tickets/{t['id']}.json")["ticket"]
    assert one["id"] == t["id"]
    [c] = desk.comments(t["id"])
    assert c["type"] == "Comment" and c["public"] is True and c["author_id"] == t["requester_id"]
    audits = desk.get_json(f"/api/v2/tickets/{t['id']}/audits.json")["audits"]
    types = [e["type"] for e in audits[0]["events"]]
    assert "Create" in types and "Comment" in types
    status, headers, raw = desk.request("GET", f"/api/v2/tickets/{t['id']}/comments/{c['id']}/raw")
    assert status == 200
    assert headers["Content-Type"].startswith("message/rfc822")
    assert b"Subject: shape" in raw


def test_json_errors_for_bad_paths_and_ids(desk):
    for path, expected in [("/api/v2/tickets/999", 404), ("/api/v2/tickets/abc", 400),
                           ("/api/v2/tickets/-1", 400), ("/api/v2/nothing", 404),
                           ("/api/v2/tickets/99999999999999999999999", 400)]:
        status, headers, body = desk.request("GET", path)
        assert status == expected, (path, status)
        assert headers["Content-Type"].startswith("application/json")
        assert "error" in json.loads(body)


def test_pagination(desk):
    for i in range(3):
        send(desk, f"page {i}")
    page = desk.get_json("/api/v2/tickets.json?per_page=2")
    assert page["count"] == 3 and len(page["tickets"]) == 2 and page["next_page"]
    nxt = desk.get_json(page["next_page"])
    assert len(nxt["tickets"]) == 1 and nxt["next_page"] is None


def test_admin_email_is_configurable(desk_factory):
    desk = desk_factory("--admin-email", "Boss@Example.test")
    me = desk.get_json("/api/v2/users/me.json")["user"]
    assert me["email"] == "boss@example.test" and me["role"] == "admin"


def test_deeply_nested_json_is_refused_and_the_server_lives(desk):
    """Issue 13, defect 1: 30,000 levels crashed the server (SMTP included)."""
    deep = '{"a":' * 30000 + "1" + "}" * 30000
    for method, path in [("POST", "/api/v2/triggers"), ("PUT", "/api/v2/triggers/1"),
                         ("PUT", "/api/v2/tickets/1"), ("PUT", "/api/v2/email_lists")]:
        status, _, body = desk.request(method, path, body=deep.encode(),
                                       headers={"Content-Type": "application/json"})
        assert status == 400, (path, body)
        assert json.loads(body)["error"] == "InvalidJSON"
    send(desk, "still alive")
    assert desk.get_json("/api/v2/tickets")["count"] == 1
