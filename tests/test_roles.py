"""Admins and agents (issue 12, item 5): every admin route answers an agent
403 with a JSON message and an admin 2xx; agents manage nothing of the
desk's setup; deactivated agents lose sign-in and their tokens; named API
tokens are shown once and revocable."""
import json
import subprocess

from conftest import BIN, DOMAIN, SUPPORT


def call(desk, method, path, payload=None, token="default"):
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    status, _, raw = desk.request(method, path, token=token, body=body, headers=headers)
    return status, (json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw)


def make_agent(desk, email="ann@desk.example", role="agent"):
    r = subprocess.run([BIN, "agent", "add", "--data", str(desk.data), "--email", email,
                        "--name", "Ann", "--role", role], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    [user] = [u for u in call(desk, "GET", "/api/v2/users?role=" + role)[1]["users"]
              if u["email"] == email]
    status, made = call(desk, "POST", "/api/v2/api_tokens",
                        {"api_token": {"description": "tests", "user_id": user["id"]}})
    assert status == 201, made
    return user, made["api_token"]["token"]


def admin_routes(desk):
    """(method, path, payload) of every admin route, each valid for an admin."""
    triggers = call(desk, "GET", "/api/v2/triggers")[1]["triggers"]
    first = triggers[0]["id"]
    status, made = call(desk, "POST", "/api/v2/triggers", {"trigger": {
        "title": "Tag VIP", "conditions": {"all": [{"field": "update_type", "operator": "is",
                                                    "value": "Create"}]},
        "actions": [{"field": "set_tags", "value": "vip"}]}})
    assert status == 201, made
    scratch = made["trigger"]["id"]
    status, address = call(desk, "POST", "/api/v2/recipient_addresses",
                           {"recipient_address": {"email": "help@" + DOMAIN, "name": "Help"}})
    assert status == 201, address
    address_id = address["recipient_address"]["id"]
    status, token = call(desk, "POST", "/api/v2/api_tokens", {"api_token": {"description": "x"}})
    assert status == 201
    admin_id = call(desk, "GET", "/api/v2/users/me")[1]["user"]["id"]
    return [
        ("PUT", f"/api/v2/users/{admin_id}/password", {"password": "a long new password"}),
        ("POST", "/api/v2/doctor/fixes", {"fix": {"fix": "clear_undeliverable", "id": admin_id},
                                          "subject": "ticket 1"}),
        ("GET", "/api/v2/doctor/domain/" + DOMAIN, None),
        ("POST", "/api/v2/recipient_addresses", {"recipient_address": {
            "email": "sales@" + DOMAIN, "name": "Sales"}}),
        ("PUT", f"/api/v2/recipient_addresses/{address_id}/verify", {"type": "dns"}),
        ("GET", "/api/v2/triggers", None),
        ("GET", "/api/v2/triggers/active", None),
        ("GET", "/api/v2/triggers/search?query=Notify", None),
        ("GET", f"/api/v2/triggers/{first}", None),
        ("GET", f"/api/v2/triggers/{first}/revisions", None),
        ("GET", "/api/v2/triggers/defaults", None),
        ("POST", "/api/v2/triggers", {"trigger": {"title": "Another", "conditions": {"all": [
            {"field": "update_type", "operator": "is", "value": "Create"}]},
            "actions": [{"field": "set_tags", "value": "x"}]}}),
        ("PUT", "/api/v2/triggers/update_many", {"triggers": [{"id": scratch, "active": False}]}),
        ("PUT", f"/api/v2/triggers/{scratch}", {"trigger": {"title": "Tag VIPs"}}),
        ("POST", "/api/v2/triggers/defaults/notify_requester_comment_update/restore", None),
        ("GET", "/api/v2/recipient_addresses", None),
        ("GET", f"/api/v2/recipient_addresses/{address_id}", None),
        ("PUT", f"/api/v2/recipient_addresses/{address_id}", {"recipient_address": {"name": "Help!"}}),
        ("GET", "/api/v2/email_lists", None),
        ("PUT", "/api/v2/email_lists", {"email_lists": {"blocklist": "spam.example"}}),
        ("GET", "/api/v2/doctor/address/" + SUPPORT, None),
        ("GET", "/api/v2/settings", None),
        ("PUT", "/api/v2/settings", {"settings": {"desk_name": "Acme Support"}}),
        ("GET", "/api/v2/dkim_keys", None),
        ("POST", "/api/v2/dkim_keys", {"dkim_key": {"domain": DOMAIN, "algorithm": "ed25519"}}),
        # The desk asks a closed DNS port: only a forced enable goes through.
        ("PUT", f"/api/v2/dkim_keys/{DOMAIN}/postdesk/enable", {"force": True}),
        ("PUT", f"/api/v2/dkim_keys/{DOMAIN}/postdesk/disable", None),
        ("GET", "/api/v2/api_tokens", None),
        ("POST", "/api/v2/api_tokens", {"api_token": {"description": "y"}}),
        ("DELETE", f"/api/v2/api_tokens/{token['api_token']['id']}", None),
        ("DELETE", f"/api/v2/triggers/{scratch}", None),
        ("DELETE", f"/api/v2/recipient_addresses/{address_id}", None),
    ]


def test_every_admin_route_refuses_agents_and_serves_admins(desk):
    _, agent_token = make_agent(desk)
    routes = admin_routes(desk)
    for method, path, payload in routes:
        status, body = call(desk, method, path, payload, token=agent_token)
        assert status == 403, (method, path, status, body)
        assert body["error"] == "Forbidden" and "admin" in body["description"]
    for method, path, payload in routes:
        status, body = call(desk, method, path, payload)
        assert 200 <= status < 300, (method, path, status, body)
    # Agents still do an agent's work.
    desk.swaks("--from", "c@customer.test", "--to", SUPPORT, "--header", "Subject: hi",
               "--body", "x")
    assert call(desk, "GET", "/api/v2/views", token=agent_token)[0] == 200
    assert call(desk, "GET", "/api/v2/doctor/ticket/1", token=agent_token)[0] == 200


def test_trigger_changes_have_a_history_with_who_and_what(desk):
    [notify] = [t for t in call(desk, "GET", "/api/v2/triggers")[1]["triggers"]
                if t["title"] == "Notify requester and CCs of comment update"]
    assert call(desk, "PUT", "/api/v2/triggers/update_many",
                {"triggers": [{"id": notify["id"], "active": False}]})[0] == 200
    assert call(desk, "PUT", "/api/v2/triggers/update_many",
                {"triggers": [{"id": notify["id"], "position": 40}]})[0] == 200
    status, body = call(desk, "GET", f"/api/v2/triggers/{notify['id']}/revisions")
    assert status == 200
    [deactivated, moved] = body["trigger_revisions"]
    assert deactivated["action"] == "deactivate" and moved["action"] == "reorder"
    assert deactivated["author_name"] == "Admin"
    assert deactivated["before"]["active"] is True and deactivated["after"]["active"] is False
    assert moved["after"]["position"] == 40
    status, defaults = call(desk, "GET", "/api/v2/triggers/defaults")
    [entry] = [d for d in defaults["defaults"] if d["key"] == "notify_requester_comment_update"]
    assert entry["state"] == "inactive"


def test_roles_and_deactivation(desk):
    agent, agent_token = make_agent(desk)
    admin_id = call(desk, "GET", "/api/v2/users/me")[1]["user"]["id"]
    # An agent cannot promote itself, nor anyone.
    status, body = call(desk, "PUT", f"/api/v2/users/{agent['id']}",
                        {"user": {"role": "admin"}}, token=agent_token)
    assert status == 403
    # The last admin stays one, and nobody changes their own access.
    status, body = call(desk, "PUT", f"/api/v2/users/{admin_id}", {"user": {"suspended": True}})
    assert status == 422 and "own" in body["description"]
    status, body = call(desk, "PUT", f"/api/v2/users/{agent['id']}", {"user": {"role": "admin"}})
    assert status == 200 and body["user"]["role"] == "admin"
    status, body = call(desk, "PUT", f"/api/v2/users/{agent['id']}", {"user": {"role": "agent"}})
    assert status == 200
    # Password set by an admin; sign-in works; deactivation ends it all.
    status, _ = call(desk, "PUT", f"/api/v2/users/{agent['id']}/password", {"password": "short"})
    assert status == 422
    assert call(desk, "PUT", f"/api/v2/users/{agent['id']}/password",
                {"password": "a good long one"})[0] == 204
    login = json.dumps({"email": agent["email"], "password": "a good long one"}).encode()
    status, headers, _ = desk.request("POST", "/api/v2/session", token=None, body=login,
                                      headers={"Content-Type": "application/json"})
    assert status == 200
    jar = {"Cookie": headers["Set-Cookie"].split(";")[0]}
    status, body = call(desk, "PUT", f"/api/v2/users/{agent['id']}", {"user": {"suspended": True}})
    assert status == 200 and body["user"]["suspended"] is True
    assert desk.request("GET", "/api/v2/views", token=None, headers=jar)[0] == 401
    assert call(desk, "GET", "/api/v2/views", token=agent_token)[0] == 401
    status, _, _ = desk.request("POST", "/api/v2/session", token=None, body=login,
                                headers={"Content-Type": "application/json"})
    assert status == 401
    listed = call(desk, "GET", "/api/v2/users?role[]=agent&role[]=admin")[1]["users"]
    assert {u["email"] for u in listed} == {"admin@" + DOMAIN, agent["email"]}


def test_a_deactivated_agent_writes_as_anyone_else(desk):
    """A deactivated agent's email updates only their own tickets, and they
    get no agents' notifications."""
    agent, _ = make_agent(desk, email="dee@desk.example")
    desk.swaks("--from", "carol@customer.test", "--to", SUPPORT,
               "--header", "Subject: help", "--body", "please")
    [ticket] = desk.tickets()
    status, _ = call(desk, "PUT", f"/api/v2/users/{agent['id']}", {"user": {"suspended": True}})
    assert status == 200
    desk.swaks("--from", agent["email"], "--to", SUPPORT,
               "--header", f"Subject: Re: help [{ticket['encoded_id']}]", "--body", "as agent")
    assert len(desk.comments(ticket["id"])) == 1
    [held] = desk.suspended()
    assert held["cause"] == "other_user_update"


def test_named_tokens_are_shown_once_and_revocable(desk):
    status, made = call(desk, "POST", "/api/v2/api_tokens", {"api_token": {"description": "CI"}})
    assert status == 201
    token = made["api_token"]["token"]
    assert call(desk, "GET", "/api/v2/tickets", token=token)[0] == 200
    listed = call(desk, "GET", "/api/v2/api_tokens")[1]["api_tokens"]
    # The first admin's token (DIR/admin-token) is one of them, and revocable.
    assert [t["description"] for t in listed] == ["first admin (DIR/admin-token)", "CI"]
    assert all("token" not in t for t in listed)
    assert call(desk, "DELETE", f"/api/v2/api_tokens/{made['api_token']['id']}")[0] == 204
    assert call(desk, "GET", "/api/v2/tickets", token=token)[0] == 401
