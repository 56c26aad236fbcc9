"""The workspace's health bar (GET /api/v2/health): quiet when mail flows,
a warning with the backlog when the relay cannot be reached."""
import time

from conftest import SUPPORT


def test_health_reports_the_backlog_when_the_relay_is_down(desk):
    # conftest's desk relays to a closed loopback port: deliveries defer.
    health = desk.get_json("/api/v2/health")["health"]
    assert health["status"] == "ok"
    desk.swaks("--from", "carol@customer.test", "--to", SUPPORT,
               "--header", "Subject: anyone there?", "--body", "hello")
    deadline = time.time() + 15
    while time.time() < deadline:
        health = desk.get_json("/api/v2/health")["health"]
        if health["status"] != "ok":
            break
        time.sleep(0.2)
    items = {i["key"]: i for i in health["items"]}
    assert health["status"] == "warning", health
    assert items["outbound_backlog"]["level"] == "warning"
    assert items["outbound_backlog"]["count"] >= 1
    assert items["outbound_backlog"]["oldest_at"]
    assert items["failed_forwarding"]["level"] == "ok"
