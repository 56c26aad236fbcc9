"""The Settings page's API (issue 12, item 6): settings an admin changes while
the desk runs, over the config's values; each applies to the next message
without a restart, survives one, reaches `postdesk ingest`, and a bad value is
a 422 naming the key with nothing changed."""
import json
import subprocess

from conftest import BIN, DOMAIN, SUPPORT
from test_outbound import mail_to, send_mail


def call(desk, method, path, payload=None):
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    status, _, raw = desk.request(method, path, body=body, headers=headers)
    return status, json.loads(raw) if raw else None


def test_settings_start_from_the_config_and_win_once_saved(desk_factory, sink):
    desk = desk_factory("--relay", sink.relay, "--name", "Config Desk",
                        "--inbound-authentication", "suspend")
    status, got = call(desk, "GET", "/api/v2/settings")
    assert status == 200
    assert got["settings"]["desk_name"] == "Config Desk"
    assert got["settings"]["inbound_authentication"] == "suspend"
    assert got["settings"]["spam_refuse_at"] == 0.99
    assert got["settings"]["suspended_retention_days"] == 14
    assert got["settings"]["language"] == "en"
    assert got["config"]["desk_name"] == "Config Desk" and got["changed"] == []

    send_mail(desk, "ann@customer.test", "Before the change", "hello")
    _, before = mail_to(sink, "ann@customer.test")
    assert before["From"].startswith('"Config Desk"') or before["From"].startswith("Config Desk")

    status, got = call(desk, "PUT", "/api/v2/settings",
                       {"settings": {"desk_name": "Acme サポート", "spam_refuse_at": None,
                                     "suspended_retention_days": 30}})
    assert status == 200, got
    assert got["settings"]["desk_name"] == "Acme サポート"
    assert got["settings"]["spam_refuse_at"] is None
    assert sorted(got["changed"]) == ["desk_name", "spam_refuse_at", "suspended_retention_days"]
    assert got["config"]["desk_name"] == "Config Desk"

    # The next notification carries the new name (encoded), no restart.
    send_mail(desk, "bob@customer.test", "After the change", "hello")
    raw, after = mail_to(sink, "bob@customer.test")
    assert "Acme サポート" in str(after["From"]), after["From"]
    assert b"=?UTF-8?" in raw["bytes"].split(b"\r\n\r\n")[0].upper() or \
        b"=?utf-8?" in raw["bytes"].split(b"\r\n\r\n")[0]

    # Kept across a restart, and `postdesk ingest` (its own process) uses it.
    desk.stop()
    desk.start()
    assert call(desk, "GET", "/api/v2/settings")[1]["settings"]["desk_name"] == "Acme サポート"
    piped = (b"From: Cat <cat@customer.test>\r\nTo: " + SUPPORT.encode() +
             b"\r\nSubject: Piped\r\nMessage-ID: <piped-settings@customer.test>\r\n\r\nhi\r\n")
    r = subprocess.run([BIN, "ingest", "--data", str(desk.data), "--domain", DOMAIN,
                        "--hostname", "desk.test", "--sender", "cat@customer.test",
                        "--recipient", SUPPORT], input=piped, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    _, piped_reply = mail_to(sink, "cat@customer.test")
    assert "Acme サポート" in str(piped_reply["From"])

    # Reset: back to the config's value.
    status, got = call(desk, "PUT", "/api/v2/settings", {"reset": ["desk_name"]})
    assert status == 200, got
    assert got["settings"]["desk_name"] == "Config Desk"
    assert "desk_name" not in got["changed"]
    send_mail(desk, "dan@customer.test", "After the reset", "hello")
    _, reset = mail_to(sink, "dan@customer.test")
    assert "Config Desk" in str(reset["From"])


def test_bad_values_are_422_naming_the_key_and_change_nothing(desk):
    _, before = call(desk, "GET", "/api/v2/settings")
    cases = [
        ({"settings": {"spam_suspend_at": 1.5}},
         "settings.spam_suspend_at: must be a number above 0 and at most 1"),
        ({"settings": {"spam_suspend_at": 0.95, "spam_refuse_at": 0.9}},
         "settings.spam_refuse_at: must not be below spam_suspend_at (0.95)"),
        ({"settings": {"inbound_authentication": "strict"}},
         'settings.inbound_authentication: must be "off", "flag" or "suspend"'),
        ({"settings": {"desk_name": "Help\r\nBcc: all@evil.test"}},
         "settings.desk_name: must not contain control characters"),
        ({"settings": {"suspended_retention_days": "forever"}},
         "settings.suspended_retention_days: must be a whole number of days from 0 "
         "(keep forever) to 3650"),
        ({"settings": {"language": "fr"}}, 'settings.language: must be "en" or "ja"'),
        ({"settings": {"colour": "blue"}}, "settings.colour: is not a setting"),
        ({"reset": ["colour"]}, "reset: colour is not a setting"),
        # A valid key beside a bad one: nothing is written.
        ({"settings": {"desk_name": "Half", "spam_suspend_at": 0}},
         "settings.spam_suspend_at: must be a number above 0 and at most 1"),
    ]
    for payload, message in cases:
        status, body = call(desk, "PUT", "/api/v2/settings", payload)
        assert status == 422, (payload, body)
        assert body == {"error": "RecordInvalid", "description": message}, payload
    for raw in (b"[]", b"{", b'{"settings": []}'):
        status, _, _ = desk.request("PUT", "/api/v2/settings", body=raw,
                                    headers={"Content-Type": "application/json"})
        assert status == 400, raw
    assert call(desk, "GET", "/api/v2/settings")[1] == before


def test_language_and_retention_apply_at_once(desk):
    status, got = call(desk, "PUT", "/api/v2/settings",
                       {"settings": {"language": "ja", "suspended_retention_days": 0}})
    assert status == 200, got
    assert got["settings"]["language"] == "ja"
    # The standard triggers are now compared with their Japanese versions.
    defaults = call(desk, "GET", "/api/v2/triggers/defaults")[1]["defaults"]
    assert any(d["title"].startswith("リクエスタへの通知") for d in defaults), defaults
    # Suspended mail kept forever: no purge time is shown.
    gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    desk.swaks("--from", "spam@customer.test", "--to", SUPPORT, "--header", "Subject: spam",
               "--body", gtube)
    [item] = desk.suspended()
    explain = f"/api/v2/suspended_tickets/{item['id']}/explain"
    assert "purge_at" not in desk.get_json(explain)["explanation"]["raw_message"]
    call(desk, "PUT", "/api/v2/settings", {"settings": {"suspended_retention_days": 7}})
    assert "purge_at" in desk.get_json(explain)["explanation"]["raw_message"]


def test_a_saved_value_that_no_longer_applies_is_reported_not_fatal(desk_factory):
    """A value saved earlier that no longer fits (a key a later version
    dropped, a threshold the config's other threshold now contradicts) costs
    only that key: the page still loads, says which and why, and can reset it."""
    desk = desk_factory()
    status, _ = call(desk, "PUT", "/api/v2/settings",
                     {"settings": {"desk_name": "Kept", "spam_refuse_at": 0.92}})
    assert status == 200
    desk.stop()
    db = desk.data / "postdesk.db"
    subprocess.run(["sqlite3", str(db),
                    "UPDATE settings SET value = json_set(value, '$.colour', 'blue') "
                    "WHERE name = 'desk_settings'"], check=True)
    # The config now suspends above the saved refusal threshold.
    conf = desk.data / "late.toml"
    conf.write_text("spam_suspend_at = 0.95\n")
    desk.extra_args += ["--config", str(conf)]
    desk.start()
    status, got = call(desk, "GET", "/api/v2/settings")
    assert status == 200, got
    assert got["settings"]["desk_name"] == "Kept"
    assert got["settings"]["spam_refuse_at"] == 0.99  # the config's, in force
    assert got["problems"] == {
        "colour": "colour: is not a setting",
        "spam_refuse_at": "spam_refuse_at: must not be below spam_suspend_at (0.95)"}
    assert "not apply" in (desk.data / "serve.log").read_text()
    status, got = call(desk, "PUT", "/api/v2/settings", {"reset": ["colour", "spam_refuse_at"]})
    assert status == 200, got
    assert got["problems"] == {} and got["changed"] == ["desk_name"]
