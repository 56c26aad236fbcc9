"""Groups and organizations (issue 18, items 1-2) through the API and the
mail: a ticket routed to a group mails its agents ("Notify group of
assignment"); a customer mailing from an organization's domain joins it and
so does the ticket; every wrong payload is a precise 4xx and changes
nothing. (The happy paths through a real Zendesk client are in
test_zendesk_client.py.)"""
import json

import pytest

from conftest import DOMAIN
from test_outbound import mail_to, send_mail, ticket_by_subject
from test_roles import call, make_agent


@pytest.fixture
def out(sink, desk_factory):
    return desk_factory("--relay", sink.relay), sink


def test_a_ticket_routed_to_a_group_mails_its_agents(out):
    desk, sink = out
    ann, _ = make_agent(desk, "ann@desk.example")
    bo, _ = make_agent(desk, "bo@desk.example")
    status, made = call(desk, "POST", "/api/v2/groups", {"group": {"name": "Billing"}})
    assert status == 201, made
    group = made["group"]["id"]
    for agent in (ann, bo):
        status, m = call(desk, "POST", "/api/v2/group_memberships",
                         {"group_membership": {"user_id": agent["id"], "group_id": group}})
        assert status == 201, m
    send_mail(desk, "alice@customer.test", "Wrong invoice", "Please fix it.")
    t = ticket_by_subject(desk, "Wrong invoice")
    status, updated = call(desk, "PUT", f"/api/v2/tickets/{t['id']}", {"ticket": {"group_id": group}})
    assert status == 200, updated
    assert updated["ticket"]["group_id"] == group
    for agent in (ann, bo):
        _, msg = mail_to(sink, agent["email"], subject_has="Assignment")
        body = msg.get_body(("plain",)).get_content()
        assert "'Billing'" in body, body
    # The audit names the change and the notification's trigger.
    audits = desk.get_json(f"/api/v2/tickets/{t['id']}/audits.json")["audits"]
    events = [e for a in audits for e in a["events"]]
    assert {"type": "Change", "field_name": "group_id", "value": group,
            "previous_value": None} in [{k: e.get(k) for k in ("type", "field_name", "value",
                                                               "previous_value")} for e in events]
    # An agent and a group named together must match; Ann alone (her
    # default group is Billing) keeps the ticket in Billing; Cy, of Sales
    # only, assigned alone takes it to Sales.
    status, other = call(desk, "POST", "/api/v2/groups", {"group": {"name": "Sales"}})
    status, r = call(desk, "PUT", f"/api/v2/tickets/{t['id']}",
                     {"ticket": {"assignee_id": ann["id"], "group_id": other["group"]["id"]}})
    assert status == 422 and "not a member of group" in r["description"], r
    status, r = call(desk, "PUT", f"/api/v2/tickets/{t['id']}", {"ticket": {"assignee_id": ann["id"]}})
    assert status == 200 and r["ticket"]["group_id"] == group, r
    cy, _ = make_agent(desk, "cy@desk.example")
    status, m = call(desk, "POST", "/api/v2/group_memberships",
                     {"group_membership": {"user_id": cy["id"], "group_id": other["group"]["id"]}})
    assert status == 201, m
    status, r = call(desk, "PUT", f"/api/v2/tickets/{t['id']}", {"ticket": {"assignee_id": cy["id"]}})
    assert status == 200 and r["ticket"]["group_id"] == other["group"]["id"], r
    # Made an end user, Cy leaves his groups.
    status, r = call(desk, "PUT", f"/api/v2/users/{cy['id']}", {"user": {"role": "end-user"}})
    assert status == 200, r
    assert desk.get_json(f"/api/v2/users/{cy['id']}/group_memberships.json")["group_memberships"] == []


def test_mail_from_an_organizations_domain_joins_it(desk):
    status, made = call(desk, "POST", "/api/v2/organizations",
                        {"organization": {"name": "Customer Inc", "domain_names": ["Customer.Test"]}})
    assert status == 201, made
    org = made["organization"]
    assert org["domain_names"] == ["customer.test"]
    send_mail(desk, "alice@customer.test", "Hello from a member", "Hi.")
    send_mail(desk, "zed@other.test", "Hello from elsewhere", "Hi.")
    member = ticket_by_subject(desk, "Hello from a member")
    outsider = ticket_by_subject(desk, "Hello from elsewhere")
    assert member["organization_id"] == org["id"]
    assert outsider["organization_id"] is None
    users = desk.get_json(f"/api/v2/organizations/{org['id']}/users.json")["users"]
    assert [u["email"] for u in users] == ["alice@customer.test"]
    listed = desk.get_json(f"/api/v2/organizations/{org['id']}/tickets.json")["tickets"]
    assert [t["id"] for t in listed] == [member["id"]]
    found = desk.get_json("/api/v2/organizations/search.json?name=customer%20inc")["organizations"]
    assert [o["id"] for o in found] == [org["id"]]
    assert desk.get_json("/api/v2/organizations/autocomplete.json?name=cus")["organizations"][0]["id"] == org["id"]


def test_wrong_payloads_get_precise_errors_and_change_nothing(desk):
    _, agent_token = make_agent(desk, "ann@desk.example")
    status, g = call(desk, "POST", "/api/v2/groups", {"group": {"name": "Billing"}})
    assert status == 201
    group = g["group"]["id"]
    status, o = call(desk, "POST", "/api/v2/organizations",
                     {"organization": {"name": "Acme", "domain_names": ["acme.test"]}})
    assert status == 201
    customer = call(desk, "POST", "/api/v2/users", {"user": {"name": "C", "email": "c@x.test"}})[1]["user"]
    cases = [
        ("POST", "/api/v2/groups", {"group": {"name": "billing "}}, 201, None),  # names are case-sensitive
        ("POST", "/api/v2/groups", {"group": {"name": "Billing"}}, 422, "already taken"),
        ("POST", "/api/v2/groups", {"group": {"name": ""}}, 422, "group.name: required"),
        ("POST", "/api/v2/groups", {"group": {"name": 7}}, 422, "group.name: must be a string"),
        ("POST", "/api/v2/groups", {"name": "x"}, 400, None),
        ("PUT", "/api/v2/groups/999999", {"group": {"name": "x"}}, 404, None),
        ("PUT", "/api/v2/groups/abc", {"group": {"name": "x"}}, 400, "not a valid group id"),
        ("DELETE", "/api/v2/groups/999999", None, 404, None),
        ("POST", "/api/v2/group_memberships", {"group_membership": {"user_id": customer["id"],
                                                                    "group_id": group}}, 422, "not an agent"),
        ("POST", "/api/v2/group_memberships", {"group_membership": {"user_id": customer["id"]}},
         422, "group_id: required"),
        ("POST", "/api/v2/group_memberships", {"group_membership": {"user_id": 999999,
                                                                    "group_id": group}}, 422, "not found"),
        ("POST", "/api/v2/organizations", {"organization": {"name": "ACME"}}, 422, "already taken"),
        ("POST", "/api/v2/organizations", {"organization": {"name": "B", "domain_names": ["acme.test"]}},
         422, "already belongs to organization"),
        ("POST", "/api/v2/organizations", {"organization": {"name": "B", "domain_names": ["not a domain"]}},
         422, "is not a domain name"),
        ("POST", "/api/v2/organizations", {"organization": {"name": "B", "group_id": 999999}},
         422, "is not a group"),
        ("POST", "/api/v2/organizations", {"organization": {"name": "B", "domain_names": "acme.test"}},
         422, "must be an array"),
        ("GET", "/api/v2/organizations/show_many.json?ids=1,abc", None, 400, "is not an id"),
        ("GET", "/api/v2/users/show_many.json?ids=" + ",".join(["1"] * 101), None, 400, "at most 100"),
        ("GET", "/api/v2/tickets/show_many.json", None, 400, "give 1 to 100 ids"),
        ("GET", "/api/v2/users/search.json?query=", None, 400, "query"),
        ("GET", "/api/v2/organizations/autocomplete.json?name=a", None, 400, "at least 2"),
        ("GET", "/api/v2/users/999999/tickets/ccd.json", None, 404, None),
    ]
    for method, path, payload, expected, message in cases:
        status, body = call(desk, method, path, payload)
        assert status == expected, (method, path, payload, status, body)
        if message:
            assert message in body["description"], (path, body)
    # A body that is not JSON, and agents changing the directory.
    status, _, raw = desk.request("POST", "/api/v2/groups", body=b"{not json",
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and json.loads(raw)["error"] == "InvalidJSON"
    for method, path, payload in [("POST", "/api/v2/groups", {"group": {"name": "Mine"}}),
                                  ("DELETE", f"/api/v2/groups/{group}", None),
                                  ("POST", "/api/v2/organizations", {"organization": {"name": "Mine"}})]:
        status, body = call(desk, method, path, payload, token=agent_token)
        assert status == 403, (path, body)
    # Agents read them.
    status, body = call(desk, "GET", "/api/v2/groups", token=agent_token)
    assert status == 200
    # Nothing changed but the one valid group.
    names = sorted(g["name"] for g in desk.get_json("/api/v2/groups.json")["groups"])
    assert names == ["Billing", "billing"]
    assert [o["name"] for o in desk.get_json("/api/v2/organizations.json")["organizations"]] == ["Acme"]
    assert desk.get_json(f"/api/v2/groups/{group}/memberships.json")["group_memberships"] == []


def test_groups_organizations_and_memberships_page_by_cursor(desk):
    user, _ = make_agent(desk)
    groups = []
    for name in ("Billing", "Hardware", "Software"):
        status, made = call(desk, "POST", "/api/v2/groups", {"group": {"name": name}})
        assert status == 201, made
        groups.append(made["group"]["id"])
        status, m = call(desk, "POST", "/api/v2/group_memberships",
                         {"group_membership": {"user_id": user["id"], "group_id": made["group"]["id"]}})
        assert status == 201, m
    for name in ("Acme", "Globex", "Initech"):
        status, made = call(desk, "POST", "/api/v2/organizations", {"organization": {"name": name}})
        assert status == 201, made

    def walk(path, key):
        seen, url = [], f"/api/v2/{path}?page[size]=2"
        while url:
            status, r = call(desk, "GET", url)
            assert status == 200, r
            seen.append([x.get("name", x.get("group_id")) for x in r[key]])
            nxt = r["links"]["next"]
            assert (nxt is not None) == r["meta"]["has_more"], r
            url = "/api/v2/" + nxt.split("/api/v2/", 1)[1] if nxt else None
        return seen

    assert walk("groups", "groups") == [["Billing", "Hardware"], ["Software"]]
    assert walk("organizations", "organizations") == [["Acme", "Globex"], ["Initech"]]
    assert walk(f"users/{user['id']}/group_memberships", "group_memberships") == [groups[:2], groups[2:]]
    # Offset paging stays as it was; a cursor not given out is refused.
    status, r = call(desk, "GET", "/api/v2/groups?per_page=2&page=2")
    assert status == 200 and [g["name"] for g in r["groups"]] == ["Software"] and r["count"] == 3, r
    status, r = call(desk, "GET", "/api/v2/organizations?page[after]=99999")
    assert status == 400 and "no longer in this list" in r["description"], r


def test_cursor_links_of_an_organization_search_keep_the_search(desk):
    for name in ("Acme East", "Acme West", "Acme North", "Globex"):
        status, made = call(desk, "POST", "/api/v2/organizations", {"organization": {"name": name}})
        assert status == 201, made
    status, r = call(desk, "GET", "/api/v2/organizations/autocomplete?name=acme&page[size]=2")
    assert status == 200 and len(r["organizations"]) == 2, r
    nxt = r["links"]["next"]
    assert "name=acme" in nxt, nxt
    status, rest = call(desk, "GET", "/api/v2/" + nxt.split("/api/v2/", 1)[1])
    # The third Acme, whichever order the search gives them in; never Globex.
    assert status == 200 and len(rest["organizations"]) == 1, rest
    assert rest["organizations"][0]["name"].startswith("Acme"), rest
    assert rest["meta"]["has_more"] is False, rest
