"""The help desk through a real Zendesk API client: node-zendesk (pinned in
web/package.json) drives a running serve through everyday calls and the
groups and organizations resources (tests/zendesk_client/calls.mjs)."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import DOMAIN

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "zendesk_client" / "calls.mjs"
CLIENT = ROOT / "web" / "node_modules" / "node-zendesk"


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    if shutil.which("node") is None or not CLIENT.exists():
        pytest.fail("node and web/node_modules (make web) are needed for the Zendesk client test")
    from conftest import Desk
    desk = Desk(tmp_path_factory.mktemp("zd")).start()
    try:
        endpoint = f"http://127.0.0.1:{desk.http_port}/api/v2"
        run = subprocess.run(["node", str(SCRIPT), endpoint, "admin@" + DOMAIN, desk.token],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        yield json.loads(run.stdout)
    finally:
        desk.stop()


def ok(calls, name):
    r = calls[name]
    assert r["ok"], f"{name}: {r['error']}"
    return r["value"]


def test_users(calls):
    me = ok(calls, "users.me")
    bob = ok(calls, "users.create")
    assert me["email"] == "admin@" + DOMAIN and me["role"] == "admin"
    assert bob["role"] == "end-user" and ok(calls, "users.show") == "bob@customer.example"
    assert bob["id"] in ok(calls, "users.list") and me["id"] in ok(calls, "users.list")
    # Searched by a part of the email, and by email: (Zendesk's syntax).
    assert ok(calls, "users.search") == [bob["id"]]  # before Carol was made
    assert ok(calls, "users.search.email") == [bob["id"]]
    assert sorted(ok(calls, "users.showMany")) == sorted([bob["id"], me["id"]])


def test_tickets(calls):
    t = ok(calls, "tickets.create")
    second = ok(calls, "tickets.create.second")
    me = ok(calls, "users.me")
    assert t["subject"] == "Printer on fire" and sorted(t["tags"]) == ["fire", "printer"]
    assert t["id"] in ok(calls, "tickets.list")
    assert ok(calls, "tickets.show") == "Printer on fire"
    assert ok(calls, "tickets.update") == {"status": "open", "assignee_id": me["id"]}
    assert sorted(ok(calls, "tickets.showMany")) == sorted([t["id"], second])
    assert sorted(ok(calls, "tickets.listByUserRequested")) == sorted([t["id"], second])
    assert ok(calls, "tickets.listAssigned") == [t["id"]]
    assert ok(calls, "tickets.listByUserCCD") == [second]  # the admin is CC'd there
    assert ok(calls, "tickets.listByUserCCD.none") == []
    assert ok(calls, "tickets.getComments") == ["It is on fire."]
    assert len(ok(calls, "tickets.exportAudit")) >= 2
    assert t["id"] in ok(calls, "search.query")


def test_tags_with_counts(calls):
    tags = {x["name"]: x["count"] for x in ok(calls, "tags.list")}
    assert tags["printer"] == 2 and tags["fire"] == 1


def test_admin_lists(calls):
    assert ok(calls, "triggers.list") >= 1  # the standard triggers
    assert ok(calls, "suspendedtickets.list") == 0


def test_groups_and_memberships(calls):
    g = ok(calls, "groups.create")
    me = ok(calls, "users.me")
    assert g["name"] == "Billing" and g["deleted"] is False
    assert ok(calls, "groups.update") == "Invoices" and ok(calls, "groups.show") == "Billing"
    m = ok(calls, "groupmemberships.create")
    assert (m["user_id"], m["group_id"]) == (me["id"], g["id"])
    assert ok(calls, "groupmemberships.listByGroup") == [me["id"]]
    assert g["id"] in ok(calls, "groupmemberships.listByUser")
    assert ok(calls, "tickets.update.group") == g["id"]
    listed = ok(calls, "groups.list")
    assert {"Billing", "Team 0", "Team 1", "Team 2"} <= set(listed)
    ok(calls, "groupmemberships.delete")
    ok(calls, "groups.delete")
    assert "Billing" not in ok(calls, "groups.list.after_delete")


def test_organizations(calls):
    org = ok(calls, "organizations.create")
    assert org["name"] == "Customer Inc" and org["domain_names"] == ["customer.example"]
    assert ok(calls, "organizations.show") == ["customer.example"]
    assert ok(calls, "organizations.update") == ["customer.example", "customer.test"]
    # A new user whose address is in the organization's domain joins it; their
    # tickets carry it.
    assert ok(calls, "users.create.in_domain")["organization_id"] == org["id"]
    assert ok(calls, "tickets.create.by_member") == org["id"]
    assert "Customer Inc" in ok(calls, "organizations.list")
    dup = calls["organizations.duplicate"]
    assert not dup["ok"] and "422" in dup["error"]
    ok(calls, "organizations.delete")


def test_macros(calls):
    made = ok(calls, "macros.create")
    assert made["title"] == "Ask for the model" and made["restriction"] is None
    assert ok(calls, "macros.show") == "Ask for the model"
    assert ok(calls, "macros.update") == "Ask for the printer model"
    assert "Ask for the printer model" in ok(calls, "macros.list")
    assert ok(calls, "macros.listActive") == ["Ask for the printer model"]
    assert ok(calls, "macros.search") == ["Ask for the printer model"]
    plain = ok(calls, "macros.apply")["ticket"]
    assert plain["status"] == "pending"
    assert plain["comment"]["body"] == "Hi {{ticket.requester.first_name}}, which model is it?"
    on_ticket = ok(calls, "macros.applyTicket")["ticket"]
    assert on_ticket["subject"] == "Printer on fire" and on_ticket["status"] == "pending"
    assert on_ticket["comment"]["body"] == "Hi Bob, which model is it?"
    invalid = calls["macros.invalid"]
    assert not invalid["ok"] and "422" in invalid["error"], invalid
    assert ok(calls, "macros.delete") is True


def test_views(calls):
    made = ok(calls, "views.create")
    assert made["title"] == "Printer tickets" and made["restriction"] is None
    assert made["execution"]["sort_by"] == "created" and made["execution"]["sort_order"] == "asc"
    assert ok(calls, "views.show") == "Printer tickets"
    assert ok(calls, "views.update") == "Printer"
    assert ok(calls, "views.list")[:5] == ["Your open tickets", "Unassigned tickets",
                                          "All open tickets", "Recently solved tickets",
                                          "Delivery failures"]
    assert "Printer" in ok(calls, "views.listActive")
    # Both tickets carry the "printer" tag; the view sorts oldest first.
    assert ok(calls, "views.tickets") == ["Printer on fire", "Toner"]
    assert ok(calls, "views.execute") == [["subject", "status"]]
    assert ok(calls, "views.showCount") == 2 and ok(calls, "views.showCounts") == [2]
    assert ok(calls, "views.preview") == ["Printer on fire"]  # the open one
    invalid = calls["views.invalid"]
    assert not invalid["ok"] and "422" in invalid["error"], invalid
    assert ok(calls, "views.delete") is True


def test_ticket_fields(calls):
    assert ok(calls, "ticketfields.list") == [
        "subject", "description", "status", "tickettype", "priority", "group", "assignee"]
    made = ok(calls, "ticketfields.create")
    assert made["type"] == "tagger" and made["removable"] is True
    assert ok(calls, "ticketfields.show") == "Product"
    assert ok(calls, "ticketfields.update") == "Product line"
    assert ok(calls, "ticketfields.createOrUpdateOption")["value"] == "scanner_product"
    assert ok(calls, "ticketfields.listOptions") == ["printer_product", "scanner_product"]
    on_ticket = ok(calls, "tickets.update.customFields")
    assert on_ticket["fields"] == [{"id": made["id"], "value": "scanner_product"}]
    assert "scanner_product" in on_ticket["tags"]
    assert ok(calls, "ticketfields.deleteOption") is True
    invalid = calls["ticketfields.invalid"]
    assert not invalid["ok"] and "422" in invalid["error"], invalid
    assert ok(calls, "ticketfields.delete") is True
