"""Macros (issue 18, item 3) through the API and the mail: an agent previews
a macro on a ticket, sends what it gives as the ticket's update, and the
customer gets the reply with its placeholders filled; who may see, apply
and change a macro; every wrong payload is a precise 4xx and changes
nothing. (The calls of a real Zendesk client are in test_zendesk_client.py.)"""
import pytest

from test_outbound import mail_to, send_mail, ticket_by_subject
from test_roles import call, make_agent


@pytest.fixture
def out(sink, desk_factory):
    return desk_factory("--relay", sink.relay), sink


ESCALATE = {"macro": {
    "title": "Escalate to billing",
    "actions": [
        {"field": "priority", "value": "urgent"},
        {"field": "status", "value": "pending"},
        {"field": "current_tags", "value": "escalated"},
        {"field": "comment_value",
         "value": "Hello {{ticket.requester.first_name}}, {{current_user.first_name}} here: "
                  "ticket #{{ticket.id}} is now {{ticket.priority}}."},
    ]}}


def test_an_applied_macro_reaches_the_customer_with_its_placeholders_filled(out):
    desk, sink = out
    ann, ann_token = make_agent(desk, "ann@desk.example")
    status, made = call(desk, "POST", "/api/v2/macros", ESCALATE)
    assert status == 201, made
    macro = made["macro"]
    assert macro["restriction"] is None and macro["active"] is True
    send_mail(desk, "alice.smith@customer.test", "Charged twice", "Please refund one.")
    t = ticket_by_subject(desk, "Charged twice")

    # Without a ticket: the changes as written.
    status, plain = call(desk, "GET", f"/api/v2/macros/{macro['id']}/apply", token=ann_token)
    assert status == 200, plain
    assert plain["result"]["ticket"]["priority"] == "urgent"
    assert "{{ticket.requester.first_name}}" in plain["result"]["ticket"]["comment"]["body"]

    # On the ticket: filled in; nothing is written yet.
    status, preview = call(desk, "GET", f"/api/v2/tickets/{t['id']}/macros/{macro['id']}/apply",
                           token=ann_token)
    assert status == 200, preview
    result = preview["result"]["ticket"]
    assert result["comment"]["body"] == (
        f"Hello alice.smith, Ann here: ticket #{t['id']} is now Urgent.")
    assert result["comment"]["public"] is True
    assert result["priority"] == "urgent" and result["status"] == "pending"
    assert "escalated" in result["tags"]
    assert desk.get_json(f"/api/v2/tickets/{t['id']}.json")["ticket"]["priority"] != "urgent"

    # The agent sends it as the update: the customer gets that text.
    status, updated = call(desk, "PUT", f"/api/v2/tickets/{t['id']}", {"ticket": {
        "priority": result["priority"], "status": result["status"], "tags": result["tags"],
        "comment": {"body": result["comment"]["body"], "public": True}}}, token=ann_token)
    assert status == 200, updated
    _, msg = mail_to(sink, "alice.smith@customer.test", after=1)  # 0: the receipt
    body = msg.get_body(("plain",)).get_content()
    assert f"Hello alice.smith, Ann here: ticket #{t['id']} is now Urgent." in body, body


def test_personal_group_and_shared_macros_are_seen_by_the_right_agents(desk):
    ann, ann_token = make_agent(desk, "ann@desk.example")
    bo, bo_token = make_agent(desk, "bo@desk.example")
    status, group = call(desk, "POST", "/api/v2/groups", {"group": {"name": "Billing"}})
    assert status == 201
    gid = group["group"]["id"]
    call(desk, "POST", "/api/v2/group_memberships",
         {"group_membership": {"user_id": bo["id"], "group_id": gid}})
    # An agent's macro without a restriction is their own.
    status, mine = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Ann's sign-off", "actions": [{"field": "comment_value", "value": "Ann"}]}},
        token=ann_token)
    assert status == 201, mine
    assert mine["macro"]["restriction"] == {"type": "User", "id": ann["id"]}
    # An agent may not make a shared or group macro.
    status, r = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Shared", "restriction": None,
        "actions": [{"field": "status", "value": "solved"}]}}, token=ann_token)
    assert status == 403 and "personal macros only" in r["description"], r
    status, billing = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Billing refund", "restriction": {"type": "Group", "ids": [gid]},
        "actions": [{"field": "group_id", "value": str(gid)}]}})
    assert status == 201, billing
    status, shared = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Close", "actions": [{"field": "status", "value": "solved"}]}})
    assert status == 201, shared

    def titles(token, path="/api/v2/macros"):
        status, r = call(desk, "GET", path, token=token)
        assert status == 200, r
        return sorted(m["title"] for m in r["macros"])

    assert titles(ann_token) == ["Ann's sign-off", "Close"]
    assert titles(bo_token) == ["Billing refund", "Close"]
    assert titles("default") == ["Ann's sign-off", "Billing refund", "Close"]
    assert titles(ann_token, "/api/v2/macros?access=personal") == ["Ann's sign-off"]
    assert titles("default", "/api/v2/macros/search?query=REFUND") == ["Billing refund"]
    # Someone else's macro is not there for Bo, and he cannot change it.
    mid = mine["macro"]["id"]
    assert call(desk, "GET", f"/api/v2/macros/{mid}", token=bo_token)[0] == 404
    assert call(desk, "DELETE", f"/api/v2/macros/{mid}", token=bo_token)[0] == 404
    # Bo may use the shared one but not change it.
    status, r = call(desk, "PUT", f"/api/v2/macros/{shared['macro']['id']}",
                     {"macro": {"title": "Mine now"}}, token=bo_token)
    assert status == 403, r
    # Ann edits and deletes her own.
    status, r = call(desk, "PUT", f"/api/v2/macros/{mid}", {"macro": {"active": False}},
                     token=ann_token)
    assert status == 200 and r["macro"]["active"] is False, r
    assert titles(ann_token, "/api/v2/macros/active") == ["Close"]
    assert call(desk, "DELETE", f"/api/v2/macros/{mid}", token=ann_token)[0] == 204
    assert call(desk, "GET", f"/api/v2/macros/{mid}")[0] == 404


@pytest.mark.parametrize("payload, status, says", [
    ({"macro": {"actions": [{"field": "status", "value": "open"}]}}, 422, "title: is required"),
    ({"macro": {"title": "x", "actions": [{"field": "status", "value": "shut"}]}}, 422,
     "value \"shut\" is not valid for action \"status\""),
    ({"macro": {"title": "x", "actions": [{"field": "notification_user",
                                            "value": ["requester_id", "s", "b"]}]}}, 422,
     "belongs to triggers"),
    ({"macro": {"title": "x", "actions": [{"field": "comment_value",
                                            "value": "Hi {{ticket.nope}}"}]}}, 422,
     "unknown placeholder: actions[0]: ticket.nope"),
    ({"macro": {"title": "x", "restriction": {"type": "Group", "ids": [999]},
                "actions": [{"field": "status", "value": "open"}]}}, 422,
     "restriction.ids: there is no group 999"),
    ({"title": "no root"}, 400, "macro"),
    (b"{not json", 400, "JSON"),
])
def test_bad_macros_are_refused_precisely_and_change_nothing(desk, payload, status, says):
    before = call(desk, "GET", "/api/v2/macros")[1]["count"]
    if isinstance(payload, bytes):
        got, _, raw = desk.request("POST", "/api/v2/macros", body=payload,
                                   headers={"Content-Type": "application/json"})
        r = {"description": raw.decode()}
    else:
        got, r = call(desk, "POST", "/api/v2/macros", payload)
    assert got == status, r
    assert says in str(r), r
    assert call(desk, "GET", "/api/v2/macros")[1]["count"] == before


def test_applying_to_a_missing_ticket_or_macro_is_404(desk):
    status, made = call(desk, "POST", "/api/v2/macros", ESCALATE)
    assert status == 201
    assert call(desk, "GET", f"/api/v2/tickets/999/macros/{made['macro']['id']}/apply")[0] == 404
    assert call(desk, "GET", "/api/v2/tickets/1/macros/999/apply")[0] == 404
    assert call(desk, "GET", "/api/v2/macros/abc/apply")[0] == 400


def test_apply_resolves_current_user_and_gives_text_for_an_html_reply(desk):
    ann, ann_token = make_agent(desk, "ann@desk.example")
    status, made = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Take it", "actions": [
            {"field": "assignee_id", "value": "current_user"},
            {"field": "comment_value_html", "value": "<p>I have <b>taken</b> it.</p>"}]}})
    assert status == 201, made
    mid = made["macro"]["id"]
    status, plain = call(desk, "GET", f"/api/v2/macros/{mid}/apply", token=ann_token)
    assert status == 200 and plain["result"]["ticket"]["assignee_id"] == ann["id"], plain
    send_mail(desk, "alice@customer.test", "Take me", "Hi.")
    t = ticket_by_subject(desk, "Take me")
    status, r = call(desk, "GET", f"/api/v2/tickets/{t['id']}/macros/{mid}/apply", token=ann_token)
    assert status == 200, r
    comment = r["result"]["ticket"]["comment"]
    assert comment["html_body"] == "<p>I have <b>taken</b> it.</p>"
    assert "I have taken it." in comment["body"], comment
