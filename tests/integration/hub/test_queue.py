"""取号: letters per service, per-site per-day numbers, position and estimated wait."""

from __future__ import annotations

import pytest

from hub.queue import QueueError, add_service

TICKETS = "/api/v1/queue/tickets"


@pytest.fixture
def services(hub):
    with hub.state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
        add_service(db, "hall-1", "residence", "B", "户籍业务", 10, 1)
    return hub


def take(hub, service: str, token: str | None = None, key: str | None = None):
    headers = hub.auth(token) | ({"Idempotency-Key": key} if key else {})
    return hub.client.post(TICKETS, headers=headers, json={"service": service})


def test_numbers_count_up_per_letter_with_position_and_wait(services):
    hub = services
    first, second, third = (take(hub, "social_security").json() for _ in range(3))
    other = take(hub, "residence").json()
    assert [t["number"] for t in (first, second, third, other)] == ["A001", "A002", "A003", "B001"]
    assert (third["position"], third["people_ahead"], third["estimated_wait_minutes"]) == (3, 2, 6)
    assert (other["position"], other["estimated_wait_minutes"]) == (1, 0)
    assert third["service_name"] == "社保业务"


def test_called_tickets_no_longer_count_as_ahead(services):
    hub = services
    take(hub, "social_security")
    take(hub, "social_security")
    staff = ("staff", hub.state.staff_token)
    called = hub.client.post("/staff/queue/call", data={"site": "hall-1", "service": "social_security"}, auth=staff)
    assert called.json() == {"called": "A001"}
    listed = {s["code"]: s for s in hub.client.get("/api/v1/queue/services", headers=hub.auth()).json()}
    assert listed["social_security"]["waiting"] == 1 and listed["residence"]["waiting"] == 0
    ticket = take(hub, "social_security").json()
    assert (ticket["number"], ticket["people_ahead"]) == ("A003", 1)


def test_each_site_has_its_own_counter(services):
    hub = services
    elsewhere = hub.register("bank-kiosk", "bank-9")
    with hub.state.db.write() as db, db.begin():
        add_service(db, "bank-9", "social_security", "A", "社保业务", 5, 1)
    assert take(hub, "social_security").json()["number"] == "A001"
    assert take(hub, "social_security", elsewhere).json()["number"] == "A001"


def test_retry_with_the_same_key_is_the_same_ticket(services):
    hub = services
    first = take(hub, "residence", key="t-1")
    again = take(hub, "residence", key="t-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"] == "B001"
    assert take(hub, "residence").json()["number"] == "B002"


def test_unknown_service_is_422_on_the_field(services):
    r = take(services, "fishing_licence")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "service"]


def test_service_setup_is_checked(hub):
    with hub.state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
        with pytest.raises(QueueError, match="already used"):
            add_service(db, "hall-1", "tax", "A", "税务", 6, 1)
        with pytest.raises(QueueError, match="capital letter"):
            add_service(db, "hall-1", "tax", "ab", "税务", 6, 1)
        with pytest.raises(QueueError, match="no site"):
            add_service(db, "nowhere", "tax", "T", "税务", 6, 1)
