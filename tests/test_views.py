"""Views (issue 18, item 4) through the API: the standard views every desk
starts with, a view an admin saves with conditions, columns and sort, the
same conditions on a personal view, counts, and every wrong payload a
precise 4xx that changes nothing. (The calls of a real Zendesk client are
in test_zendesk_client.py; the workspace's use in the browser tests.)"""
import pytest

from test_outbound import send_mail, ticket_by_subject, update
from test_roles import call, make_agent


def view_by_key(desk, key):
    views = call(desk, "GET", "/api/v2/views")[1]["views"]
    [v] = [v for v in views if v["default_key"] == key]
    return v


def test_standard_views_exist_and_list_what_they_say(desk):
    views = call(desk, "GET", "/api/v2/views")[1]["views"]
    assert [v["default_key"] for v in views] == [
        "my_open", "unassigned", "all_open", "recently_solved", "delivery_failures"]
    assert all(v["default"] and v["active"] for v in views)
    send_mail(desk, "alice@customer.test", "Printer", "It is broken.")
    send_mail(desk, "bob@customer.test", "Scanner", "It is broken too.")
    scanner = ticket_by_subject(desk, "Scanner")
    update(desk, scanner["id"], {"status": "solved"})
    unassigned = view_by_key(desk, "unassigned")
    ids = lambda path: [t["subject"] for t in call(desk, "GET", path)[1]["tickets"]]
    assert ids(f"/api/v2/views/{unassigned['id']}/tickets") == ["Printer"]
    assert ids("/api/v2/views/unassigned/tickets") == ["Printer"]  # by key, as before
    assert ids("/api/v2/views/recently_solved/tickets") == ["Scanner"]
    status, count = call(desk, "GET", f"/api/v2/views/{unassigned['id']}/count")
    assert status == 200 and count["view_count"]["value"] == 1, count
    compact = call(desk, "GET", "/api/v2/views/compact")[1]
    assert {v["default_key"]: v["count"] for v in compact["views"]} == {
        "my_open": 0, "unassigned": 1, "all_open": 1, "recently_solved": 1, "delivery_failures": 0}


def test_a_saved_view_filters_sorts_and_counts(desk):
    for who, subject in (("a@vip.test", "Alpha"), ("b@vip.test", "Beta"), ("c@x.test", "Gamma")):
        send_mail(desk, who, subject, "Hi.")
    for subject, fields in (("Alpha", {"priority": "urgent", "tags": ["vip"]}),
                            ("Beta", {"priority": "high", "tags": ["vip"]}),
                            ("Gamma", {"priority": "urgent"})):
        update(desk, ticket_by_subject(desk, subject)["id"], fields)
    status, made = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "VIP, urgent or high",
        "all": [{"field": "current_tags", "operator": "includes", "value": "vip"}],
        "any": [{"field": "priority", "operator": "is", "value": "urgent"},
                {"field": "priority", "operator": "is", "value": "high"}],
        "output": {"columns": ["subject", "priority", "requester"], "sort_by": "subject",
                   "sort_order": "desc"}}})
    assert status == 201, made
    view = made["view"]
    assert view["execution"]["columns"] == [
        {"id": "subject", "title": "Subject"}, {"id": "priority", "title": "Priority"},
        {"id": "requester", "title": "Requester"}]
    assert view["restriction"] is None and view["default"] is False
    status, r = call(desk, "GET", f"/api/v2/views/{view['id']}/execute")
    assert status == 200, r
    assert [t["subject"] for t in r["rows"]] == ["Beta", "Alpha"]  # the view's own sort
    assert r["columns"][1]["id"] == "priority"
    status, r = call(desk, "GET", f"/api/v2/views/{view['id']}/tickets?sort_by=subject&sort_order=asc")
    assert [t["subject"] for t in r["tickets"]] == ["Alpha", "Beta"]
    counts = call(desk, "GET", f"/api/v2/views/count_many?ids={view['id']},99999")[1]["view_counts"]
    assert [(c["view_id"], c["value"]) for c in counts] == [(view["id"], 2)]
    # Changed: only urgent ones.
    status, r = call(desk, "PUT", f"/api/v2/views/{view['id']}", {"view": {
        "any": [{"field": "priority", "operator": "is", "value": "urgent"}]}})
    assert status == 200, r
    assert r["view"]["title"] == "VIP, urgent or high"  # kept
    assert call(desk, "GET", f"/api/v2/views/{view['id']}/count")[1]["view_count"]["value"] == 1
    # A preview needs no saving.
    status, r = call(desk, "POST", "/api/v2/views/preview", {"view": {
        "all": [{"field": "priority", "operator": "is", "value": "urgent"}]}})
    assert status == 200 and sorted(t["subject"] for t in r["rows"]) == ["Alpha", "Gamma"], r
    assert call(desk, "DELETE", f"/api/v2/views/{view['id']}")[0] == 204
    assert call(desk, "GET", f"/api/v2/views/{view['id']}")[0] == 404


def test_personal_views_and_current_user(desk):
    ann, ann_token = make_agent(desk, "ann@desk.example")
    bo, bo_token = make_agent(desk, "bo@desk.example")
    send_mail(desk, "alice@customer.test", "Mine", "Hi.")
    update(desk, ticket_by_subject(desk, "Mine")["id"], {"assignee_id": ann["id"]})
    status, made = call(desk, "POST", "/api/v2/views", {"view": {
        "title": "Assigned to me",
        "all": [{"field": "assignee_id", "operator": "is", "value": "current_user"}]}},
        token=ann_token)
    assert status == 201, made
    assert made["view"]["restriction"] == {"type": "User", "id": ann["id"]}
    vid = made["view"]["id"]
    assert call(desk, "GET", f"/api/v2/views/{vid}/count", token=ann_token)[1]["view_count"]["value"] == 1
    assert call(desk, "GET", f"/api/v2/views/{vid}", token=bo_token)[0] == 404
    assert vid not in [v["id"] for v in call(desk, "GET", "/api/v2/views", token=bo_token)[1]["views"]]
    # Agents cannot change shared views.
    unassigned = view_by_key(desk, "unassigned")
    status, r = call(desk, "PUT", f"/api/v2/views/{unassigned['id']}", {"view": {"title": "Mine"}},
                     token=bo_token)
    assert status == 403 and "personal views only" in r["description"], r
    # The admin sees it, and "current_user" is the admin for them.
    assert call(desk, "GET", f"/api/v2/views/{vid}/count")[1]["view_count"]["value"] == 0


@pytest.mark.parametrize("payload, says", [
    ({"view": {"all": [{"field": "status", "operator": "is", "value": "open"}]}}, "title: is required"),
    ({"view": {"title": "x"}}, "conditions: are required"),
    ({"view": {"title": "x", "all": [{"field": "comment_is_public", "operator": "is",
                                      "value": "true"}]}}, "is about an update"),
    ({"view": {"title": "x", "all": [{"field": "status", "operator": "changed", "value": None}]}},
     "is about a change"),
    ({"view": {"title": "x", "all": [{"field": "assignee_id", "operator": "is",
                                      "value": "requester_id"}]}}, "compares two fields"),
    ({"view": {"title": "x", "all": [{"field": "status", "operator": "is", "value": "open"}],
               "output": {"columns": ["mood"]}}}, "unknown column \"mood\""),
    ({"view": {"title": "x", "all": [{"field": "status", "operator": "is", "value": "open"}],
               "restriction": {"type": "Group", "ids": [999]}}}, "there is no group 999"),
])
def test_bad_views_are_refused_precisely_and_change_nothing(desk, payload, says):
    before = call(desk, "GET", "/api/v2/views")[1]["count"]
    status, r = call(desk, "POST", "/api/v2/views", payload)
    assert status == 422, r
    assert says in r["description"], r
    assert call(desk, "GET", "/api/v2/views")[1]["count"] == before


def test_views_page_by_cursor_forward_and_back(desk):
    # Five standard views: pages of two by cursor, as Zendesk's page[size].
    status, first = call(desk, "GET", "/api/v2/views?page[size]=2")
    assert status == 200, first
    keys = lambda r: [v["default_key"] for v in r["views"]]
    assert keys(first) == ["my_open", "unassigned"] and first["meta"]["has_more"] is True
    assert first["links"]["prev"] is None
    path = first["links"]["next"].split("/api/v2/", 1)[1]
    status, second = call(desk, "GET", "/api/v2/" + path)
    assert keys(second) == ["all_open", "recently_solved"], second
    status, last = call(desk, "GET", "/api/v2/" + second["links"]["next"].split("/api/v2/", 1)[1])
    assert keys(last) == ["delivery_failures"] and last["meta"]["has_more"] is False
    assert last["links"]["next"] is None
    status, back = call(desk, "GET", "/api/v2/" + last["links"]["prev"].split("/api/v2/", 1)[1])
    assert keys(back) == ["all_open", "recently_solved"], back
    # Refused: both kinds of paging, both directions, a cursor not given out.
    for query, says in (("page[size]=2&per_page=2", "not both"),
                        ("page[after]=1&page[before]=2", "not both"),
                        ("page[size]=0", "page[size] must be"),
                        ("page[after]=abc", "is not a cursor"),
                        ("page[after]=99999", "no longer in this list")):
        status, r = call(desk, "GET", "/api/v2/views?" + query)
        assert status == 400 and says in r["description"], (query, r)
