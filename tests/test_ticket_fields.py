"""Ticket fields (issue 18, item 5) through the API: the system fields every
desk has, custom dropdown, checkbox, number, date and text fields an admin
adds, their values on tickets (typed in the ticket's custom_fields, tags
following dropdowns and checkboxes, changes in the audit), triggers, views
and macros that name them, required fields before solving, the options
API, and every wrong payload a precise 4xx that changes nothing. (The
calls of a real Zendesk client are in test_zendesk_client.py; the
workspace's use in the browser tests.)"""
from test_outbound import send_mail, ticket_by_subject, update
from test_roles import call, make_agent


def make_field(desk, **field):
    status, made = call(desk, "POST", "/api/v2/ticket_fields", {"ticket_field": field})
    assert status == 201, made
    return made["ticket_field"]


def product_field(desk):
    return make_field(desk, type="tagger", title="Product", custom_field_options=[
        {"name": "Hardware", "value": "hardware"}, {"name": "Software", "value": "software"}])


def values(ticket):
    return {f["id"]: f["value"] for f in ticket["custom_fields"]}


def test_system_fields_are_listed_and_stay(desk):
    status, r = call(desk, "GET", "/api/v2/ticket_fields")
    assert status == 200, r
    assert [f["type"] for f in r["ticket_fields"]] == [
        "subject", "description", "status", "tickettype", "priority", "group", "assignee"]
    assert r["count"] == 7 and not any(f["removable"] for f in r["ticket_fields"])
    status_field = r["ticket_fields"][2]
    status, e = call(desk, "DELETE", f"/api/v2/ticket_fields/{status_field['id']}")
    assert status == 403 and e["description"] == '"Status" is a system field: it cannot be deleted', e
    status, e = call(desk, "PUT", f"/api/v2/ticket_fields/{status_field['id']}",
                     {"ticket_field": {"active": False}})
    assert status == 422 and e["description"] == "active: a system field's active cannot change", e
    status, renamed = call(desk, "PUT", f"/api/v2/ticket_fields/{status_field['id']}",
                           {"ticket_field": {"title": "State"}})
    assert status == 200 and renamed["ticket_field"]["title"] == "State", renamed


def test_values_are_typed_tagged_and_audited(desk):
    product = product_field(desk)
    vip = make_field(desk, type="checkbox", title="VIP", tag="vip_customer")
    seats = make_field(desk, type="integer", title="Seats")
    renewal = make_field(desk, type="date", title="Renewal")
    assert [o["value"] for o in product["custom_field_options"]] == ["hardware", "software"]
    assert all(o["id"] > 0 for o in product["custom_field_options"])
    send_mail(desk, "alice@customer.test", "Printer", "It is broken.")
    t = ticket_by_subject(desk, "Printer")
    assert values(t) == {product["id"]: None, vip["id"]: False, seats["id"]: None,
                         renewal["id"]: None}
    r = update(desk, t["id"], {"custom_fields": [
        {"id": product["id"], "value": "hardware"}, {"id": vip["id"], "value": True},
        {"id": seats["id"], "value": "025"}, {"id": renewal["id"], "value": "2027-03-31"}]})
    got = r["ticket"]
    assert values(got) == {product["id"]: "hardware", vip["id"]: True, seats["id"]: "25",
                           renewal["id"]: "2027-03-31"}
    assert got["fields"] == got["custom_fields"]
    assert set(got["tags"]) >= {"hardware", "vip_customer"}
    # Another option replaces its tag; unchecking takes the checkbox's off.
    got = update(desk, t["id"], {"custom_fields": {str(product["id"]): "software",
                                                   str(vip["id"]): False}})["ticket"]
    assert "software" in got["tags"] and "hardware" not in got["tags"]
    assert "vip_customer" not in got["tags"]
    audits = call(desk, "GET", f"/api/v2/tickets/{t['id']}/audits")[1]["audits"]
    changes = [(e["field_name"], e["value"], e.get("previous_value")) for a in audits
               for e in a["events"] if e["type"] == "Change"
               and e["field_name"].startswith("custom_fields_")]
    assert (f"custom_fields_{product['id']}", "software", "hardware") in changes, changes
    assert (f"custom_fields_{vip['id']}", False, True) in changes, changes


def test_wrong_values_are_refused_and_change_nothing(desk):
    product = product_field(desk)
    seats = make_field(desk, type="integer", title="Seats")
    send_mail(desk, "alice@customer.test", "Printer", "It is broken.")
    t = ticket_by_subject(desk, "Printer")
    t = update(desk, t["id"], {"custom_fields": [{"id": seats["id"], "value": 3}]})["ticket"]
    cases = [
        ([{"id": product["id"], "value": "tablet"}],
         'ticket.custom_fields[0].value: "tablet" is not an option for the tagger field '
         '"Product" (options: hardware, software)'),
        ([{"id": seats["id"], "value": "many"}],
         'ticket.custom_fields[0].value: "many" is not a whole number for the integer field "Seats"'),
        ([{"id": 999999, "value": "x"}],
         "ticket.custom_fields[0].id: there is no custom ticket field 999999"),
        ([{"value": "x"}], "ticket.custom_fields[0]: must be an object {id, value}"),
        ("hardware", "ticket.custom_fields: must be an array of {id, value}, got a string"),
    ]
    for payload, message in cases:
        status, e = call(desk, "PUT", f"/api/v2/tickets/{t['id']}",
                         {"ticket": {"status": "pending", "custom_fields": payload}})
        assert status == 422 and e["description"] == message, (payload, e)
    after = call(desk, "GET", f"/api/v2/tickets/{t['id']}")[1]["ticket"]
    assert after["status"] == t["status"] and values(after)[seats["id"]] == "3"
    bad_definitions = [
        ({"title": "x"}, "type: is required"),
        ({"type": "tagger", "title": "x"}, "custom_field_options: a dropdown needs at least one option"),
        ({"type": "tagger", "title": "x", "custom_field_options": [{"name": "A", "value": "a b"}]},
         'custom_field_options[0].value: "a b" is a tag: no spaces or commas'),
        ({"type": "lookup", "title": "x"},
         'type: "lookup" is not one of text, textarea, tagger (dropdown), checkbox, date, integer, decimal'),
    ]
    for field, message in bad_definitions:
        status, e = call(desk, "POST", "/api/v2/ticket_fields", {"ticket_field": field})
        assert status == 422 and e["description"] == message, (field, e)
    status, e = call(desk, "PUT", f"/api/v2/ticket_fields/{seats['id']}",
                     {"ticket_field": {"type": "text"}})
    assert status == 422 and e["description"] == "type: a field's type cannot change", e
    assert len(call(desk, "GET", "/api/v2/ticket_fields")[1]["ticket_fields"]) == 9


def test_triggers_views_and_macros_use_custom_fields(desk):
    product = product_field(desk)
    urgent = make_field(desk, type="checkbox", title="Urgent contract")
    # A trigger that routes hardware tickets: checks the field as it saves.
    status, e = call(desk, "POST", "/api/v2/triggers", {"trigger": {
        "title": "Hardware is urgent",
        "conditions": {"all": [{"field": f"custom_fields_{product['id']}", "operator": "is",
                                "value": "tablet"}]},
        "actions": [{"field": "priority", "value": "urgent"}]}})
    assert status == 422 and e["description"].startswith(
        'conditions.all[0]: "tablet" is not an option for the tagger field "Product"'), e
    status, made = call(desk, "POST", "/api/v2/triggers", {"trigger": {
        "title": "Hardware is urgent",
        "conditions": {"all": [{"field": f"custom_fields_{product['id']}", "operator": "value",
                                "value": "HARDWARE"}]},
        "actions": [{"field": "priority", "value": "urgent"},
                    {"field": f"custom_fields_{urgent['id']}", "value": "true"}]}})
    assert status == 201, made
    assert made["trigger"]["conditions"]["all"][0]["value"] == "hardware"
    for who, subject in (("a@c.test", "Alpha"), ("b@c.test", "Beta")):
        send_mail(desk, who, subject, "Hi.")
    alpha = ticket_by_subject(desk, "Alpha")
    got = update(desk, alpha["id"], {"custom_fields": [{"id": product["id"], "value": "hardware"}]})
    assert got["ticket"]["priority"] == "urgent" and values(got["ticket"])[urgent["id"]] is True
    # A view on the checkbox and one on the dropdown's absence.
    status, view = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "Urgent contracts",
        "all": [{"field": f"custom_fields_{urgent['id']}", "operator": "is", "value": True}]}})
    assert status == 201, view
    subjects = lambda vid: [t["subject"] for t in
                            call(desk, "GET", f"/api/v2/views/{vid}/tickets")[1]["tickets"]]
    assert subjects(view["view"]["id"]) == ["Alpha"]
    status, none = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "No product",
        "all": [{"field": f"custom_fields_{product['id']}", "operator": "not_present"}]}})
    assert status == 201, none
    assert subjects(none["view"]["id"]) == ["Beta"]
    status, e = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "Bad", "all": [{"field": f"custom_fields_{urgent['id']}", "operator": "present"}]}})
    assert status == 422 and "does not suit the checkbox field" in e["description"], e
    # A macro sets the dropdown; its preview shows the value, typed.
    status, macro = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Software", "actions": [{"field": f"custom_fields_{product['id']}",
                                          "value": "software"}]}})
    assert status == 201, macro
    beta = ticket_by_subject(desk, "Beta")
    status, applied = call(desk, "GET",
                           f"/api/v2/tickets/{beta['id']}/macros/{macro['macro']['id']}/apply")
    assert status == 200, applied
    assert values(applied["result"]["ticket"])[product["id"]] == "software"


def test_required_fields_before_solving_and_options_api(desk):
    seats = make_field(desk, type="integer", title="Seats", required=True)
    send_mail(desk, "alice@customer.test", "Printer", "It is broken.")
    t = ticket_by_subject(desk, "Printer")
    status, e = call(desk, "PUT", f"/api/v2/tickets/{t['id']}", {"ticket": {"status": "solved"}})
    assert status == 422, e
    assert e["description"] == "ticket.status: a solved ticket needs its required fields: Seats"
    got = update(desk, t["id"], {"status": "solved",
                                 "custom_fields": [{"id": seats["id"], "value": 4}]})
    assert got["ticket"]["status"] == "solved"

    product = product_field(desk)
    base = f"/api/v2/ticket_fields/{product['id']}/options"
    status, added = call(desk, "POST", base, {"custom_field_option": {"name": "Cloud", "value": "cloud"}})
    assert status == 201, added
    option = added["custom_field_option"]
    status, changed = call(desk, "POST", base, {"custom_field_option": {
        "id": option["id"], "name": "Cloud service", "value": "cloud"}})
    assert status == 200 and changed["custom_field_option"]["name"] == "Cloud service", changed
    status, listed = call(desk, "GET", base)
    assert [o["value"] for o in listed["custom_field_options"]] == ["hardware", "software", "cloud"]
    status, _ = call(desk, "DELETE", f"{base}/{option['id']}")
    assert status == 204
    status, e = call(desk, "GET", f"{base}/{option['id']}")
    assert status == 404, e
    status, e = call(desk, "POST", base, {"custom_field_option": {"name": "Dup", "value": "hardware"}})
    assert status == 422 and "is used by another option" in e["description"], e
    # Deleting the field takes its values off every ticket.
    status, _ = call(desk, "DELETE", f"/api/v2/ticket_fields/{seats['id']}")
    assert status == 204
    after = call(desk, "GET", f"/api/v2/tickets/{t['id']}")[1]["ticket"]
    assert seats["id"] not in values(after)


def test_agents_read_fields_but_only_admins_change_them(desk):
    _, token = make_agent(desk)
    status, r = call(desk, "GET", "/api/v2/ticket_fields", token=token)
    assert status == 200 and r["count"] == 7, r
    status, e = call(desk, "POST", "/api/v2/ticket_fields",
                     {"ticket_field": {"type": "text", "title": "x"}}, token=token)
    assert status == 403, e


def test_a_field_or_option_that_rules_name_is_not_deleted(desk):
    product = product_field(desk)
    hardware = product["custom_field_options"][0]
    status, view = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "Hardware", "all": [{"field": f"custom_fields_{product['id']}", "operator": "is",
                                      "value": "hardware"}]}})
    assert status == 201, view
    status, macro = call(desk, "POST", "/api/v2/macros", {"macro": {
        "title": "Software", "actions": [{"field": f"custom_fields_{product['id']}", "value": "software"}]}})
    assert status == 201, macro
    status, e = call(desk, "DELETE", f"/api/v2/ticket_fields/{product['id']}")
    assert status == 422, e
    assert e["description"] == '"Product" is used by macro "Software", view "Hardware": change them first'
    status, e = call(desk, "DELETE", f"/api/v2/ticket_fields/{product['id']}/options/{hardware['id']}")
    assert status == 422 and e["description"] == (
        'option "hardware" is used by view "Hardware": change them first'), e
    # A decimal compares as a number: 2.50 is 2.5.
    price = make_field(desk, type="decimal", title="Price")
    send_mail(desk, "alice@customer.test", "Invoice", "Wrong amount.")
    t = ticket_by_subject(desk, "Invoice")
    got = update(desk, t["id"], {"custom_fields": [{"id": price["id"], "value": "2.50"}]})["ticket"]
    assert values(got)[price["id"]] == "2.5"
    status, v = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "Price 2.5", "all": [{"field": f"custom_fields_{price['id']}", "operator": "is", "value": 2.5}]}})
    assert status == 201, v
    found = call(desk, "GET", f"/api/v2/views/{v['view']['id']}/tickets")[1]["tickets"]
    assert [x["subject"] for x in found] == ["Invoice"]
    # Once nothing names them, they go.
    assert call(desk, "DELETE", f"/api/v2/views/{view['view']['id']}")[0] == 204
    assert call(desk, "DELETE", f"/api/v2/macros/{macro['macro']['id']}")[0] == 204
    assert call(desk, "DELETE", f"/api/v2/ticket_fields/{product['id']}")[0] == 204
