"""取号 at the hub: numbers, opening hours and limits, priority calling order, counters, estimates, local tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hub.db.staff_models import AuditEvent
from hub.queue.errors import QueueError
from hub.queue.services import add_service
from tests.integration.hub.conftest import FIXED_NOW
from tests.integration.hub.queue_helpers import HALL, SQLITE_ONLY, call_all, staff, take


def test_numbers_count_up_per_letter_with_position_and_wait(qhub):
    first, second, third = (take(qhub).json() for _ in range(3))
    other = take(qhub, "residence").json()
    assert [t["number"] for t in (first, second, third, other)] == ["A001", "A002", "A003", "B001"]
    assert (third["position"], third["people_ahead"], third["estimated_wait_minutes"]) == (3, 2, 6)
    assert (other["position"], other["estimated_wait_minutes"]) == (1, 0)
    assert third["service_name"] == "社保业务"
    assert (third["priority"], third["priority_category"]) == (False, None)


def test_called_tickets_no_longer_count_as_ahead(qhub):
    take(qhub)
    take(qhub)
    called = qhub.client.post(
        "/staff/queue/call", data={"site": "hall-1", "service": "social_security"}, auth=qhub.staff()
    )
    assert called.json() == {"called": "A001"}
    listed = {s["code"]: s for s in qhub.client.get("/api/v1/queue/services", headers=qhub.auth()).json()}
    assert listed["social_security"]["waiting"] == 1 and listed["residence"]["waiting"] == 0
    ticket = take(qhub).json()
    assert (ticket["number"], ticket["people_ahead"]) == ("A003", 1)


def test_each_site_has_its_own_counter(qhub):
    elsewhere = qhub.register("bank-kiosk", "bank-9")
    with qhub.state.db.write() as db, db.begin():
        add_service(db, "bank-9", "social_security", "A", "社保业务", 5, 1)
    assert take(qhub).json()["number"] == "A001"
    assert take(qhub, token=elsewhere).json()["number"] == "A001"


def test_retry_with_the_same_key_is_the_same_ticket(qhub):
    first = take(qhub, "residence", key="t-1")
    again = take(qhub, "residence", key="t-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"] == "B001"
    assert take(qhub, "residence").json()["number"] == "B002"


@SQLITE_ONLY
def test_unknown_service_is_404_with_its_code(qhub):
    r = take(qhub, "fishing_licence")
    assert r.status_code == 404 and r.json()["code"] == "unknown_service"
    assert "fishing_licence" in r.json()["detail"]


def test_service_setup_is_checked(hub):
    with hub.state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
        with pytest.raises(QueueError, match="already used"):
            add_service(db, "hall-1", "tax", "A", "税务", 6, 1)
        with pytest.raises(QueueError, match="capital letter"):
            add_service(db, "hall-1", "tax", "ab", "税务", 6, 1)
        with pytest.raises(QueueError, match="no site"):
            add_service(db, "nowhere", "tax", "T", "税务", 6, 1)
        with pytest.raises(QueueError, match="both --opens and --closes"):
            add_service(db, "hall-1", "tax", "T", "税务", 6, 1, opens="08:30")
        with pytest.raises(QueueError, match="HH:MM"):
            add_service(db, "hall-1", "tax", "T", "税务", 6, 1, opens="8:30", closes="17:30")
        with pytest.raises(QueueError, match="later than"):
            add_service(db, "hall-1", "tax", "T", "税务", 6, 1, opens="17:30", closes="08:30")
        with pytest.raises(QueueError, match="--end"):
            add_service(db, "hall-1", "tax", "T", "税务", 6, 1, start=50, end=10)


@SQLITE_ONLY
def test_outside_opening_hours_is_refused_with_the_hours(qhub, clock):
    with qhub.state.db.write() as db, db.begin():
        add_service(db, "hall-1", "residence", "B", "户籍业务", 10, 1, opens="08:30", closes="17:30")
    clock.hall("08:29")
    r = take(qhub, "residence")
    assert r.status_code == 409
    assert r.json() | {"detail": ""} == {"detail": "", "code": "service_closed", "opens": "08:30", "closes": "17:30"}
    clock.hall("08:30")
    assert take(qhub, "residence").json()["number"] == "B001"
    clock.hall("17:30")
    assert take(qhub, "residence").json()["code"] == "service_closed"
    clock.hall("17:29")
    assert take(qhub, "residence").json()["number"] == "B002"  # the refusals took no number
    listed = {s["code"]: s for s in qhub.client.get("/api/v1/queue/services", headers=qhub.auth()).json()}
    assert (listed["residence"]["opens"], listed["residence"]["open"]) == ("08:30", True)


def test_daily_limit_and_end_of_range_make_the_day_full(qhub):
    with qhub.state.db.write() as db, db.begin():
        add_service(db, "hall-1", "residence", "B", "户籍业务", 10, 1, daily_limit=2)
        add_service(db, "hall-1", "tax", "C", "税务", 5, 1, start=998, end=999)
    assert [take(qhub, "residence").json()["number"] for _ in range(2)] == ["B001", "B002"]
    full = take(qhub, "residence")
    assert full.status_code == 409 and full.json()["code"] == "day_full"
    assert [take(qhub, "tax").json()["number"] for _ in range(2)] == ["C998", "C999"]
    assert take(qhub, "tax").json()["code"] == "day_full"  # never wraps to C001: numbers do not repeat in a day


@SQLITE_ONLY
def test_without_an_end_the_number_grows_a_digit(qhub):
    with qhub.state.db.write() as db, db.begin():
        add_service(db, "hall-1", "tax", "C", "税务", 5, 1, start=999)
    assert [take(qhub, "tax").json()["number"] for _ in range(2)] == ["C999", "C1000"]


@SQLITE_ONLY
def test_priority_tickets_are_called_ahead_by_weight(qhub):
    plain = take(qhub).json()
    elderly = take(qhub, birth_date="1950-03-01").json()
    pregnant = take(qhub, priority="pregnant").json()
    assert (elderly["priority"], elderly["priority_category"]) == (True, "elderly")
    assert pregnant["priority_category"] == "pregnant"
    # pregnant (weight 3) before elderly (2) before the earlier normal ticket
    assert (pregnant["people_ahead"], elderly["people_ahead"]) == (0, 0)
    late_normal = take(qhub).json()
    assert late_normal["people_ahead"] == 3
    assert call_all(qhub) == [pregnant["number"], elderly["number"], plain["number"], late_normal["number"]]


@SQLITE_ONLY
@pytest.mark.parametrize("settings_overrides", [{"queue_priority_streak": 2}])
def test_a_stream_of_priority_tickets_does_not_starve_normal_ones(qhub):
    normal = [take(qhub).json()["number"] for _ in range(2)]
    priority = [take(qhub, priority="disability").json() for _ in range(5)]
    # after 2 priority calls in a row the longest-waiting normal ticket goes next
    expected = [priority[0]["number"], priority[1]["number"], normal[0], priority[2]["number"],
                priority[3]["number"], normal[1], priority[4]["number"]]  # fmt: skip
    assert priority[-1]["people_ahead"] == 6  # people_ahead follows the calling order
    assert call_all(qhub) == expected


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("birth", "elderly"),
    [("1966-11-21", True), ("1966-11-22", False), ("1966-11-20", True), ("1967-01-01", False)],
    ids=["60th-birthday", "day-before", "day-after", "59"],
)
def test_elderly_from_the_60th_birthday_on_the_hall_date(qhub, birth, elderly):
    ticket = take(qhub, birth_date=birth).json()
    assert ticket["priority"] is elderly
    assert ticket["priority_category"] == ("elderly" if elderly else None)


@SQLITE_ONLY
def test_the_hall_date_not_the_utc_date_decides_age(qhub, clock):
    clock.hall("00:30", dt.date(2026, 11, 22))  # still 21 November in UTC
    assert take(qhub, birth_date="1966-11-22").json()["priority_category"] == "elderly"


@SQLITE_ONLY
def test_bad_priority_fields_are_422(qhub):
    future = take(qhub, birth_date="2027-01-01")
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "birth_date"]
    assert take(qhub, priority="vip").status_code == 422


@SQLITE_ONLY
@pytest.mark.parametrize("settings_overrides", [{"queue_estimate_samples": 3}])
def test_estimate_follows_recent_service_times(qhub, clock):
    for _ in range(6):
        take(qhub, "residence")
    # fewer than 3 finished: the configured 10 min per person, 1 window
    assert take(qhub, "residence").json()["estimated_wait_minutes"] == 6 * 10 + 0
    for _ in range(3):
        assert staff(qhub, "next", 1, "residence").status_code == 200
        clock.advance(4)
    assert staff(qhub, "done", 1).status_code == 200
    ticket = take(qhub, "residence").json()
    assert ticket["people_ahead"] == 4
    assert ticket["estimated_wait_minutes"] == 4 * 4  # median of 4, 4, 4 minutes, one window open
    clock.advance(1)
    staff(qhub, "next", 2, "residence")  # a second window opens
    listed = {s["code"]: s for s in qhub.client.get("/api/v1/queue/services", headers=qhub.auth()).json()}
    assert listed["residence"]["estimated_wait_minutes"] == 4 * 4 // 2


@SQLITE_ONLY
def test_recall_no_show_done_and_transfer(qhub, clock):
    a1, a2 = (take(qhub).json()["number"] for _ in range(2))
    b1 = take(qhub, "residence").json()["number"]
    called = staff(qhub, "next", 3, "social_security").json()
    assert (called["number"], called["window"], called["status"]) == (a1, 3, "called")
    clock.advance(1)
    recalled = staff(qhub, "recall", 3).json()
    assert recalled["recalls"] == 1
    assert staff(qhub, "no-show", 3).json()["status"] == "no_show"
    assert staff(qhub, "recall", 3).json()["code"] == "no_current_ticket"
    assert staff(qhub, "next", 3, "social_security").json()["number"] == a2
    moved = staff(qhub, "transfer", 3, "residence").json()
    assert (moved["number"], moved["service"], moved["status"]) == (a2, "residence", "waiting")
    # a2 was issued before B001, so it keeps its place ahead of it in 户籍's line
    assert staff(qhub, "next", 4, "residence").json()["number"] == a2
    assert staff(qhub, "next", 4, "residence").json()["number"] == b1  # 下一位 also finishes a2
    assert staff(qhub, "done", 4).json()["status"] == "done"
    window = qhub.client.get("/api/v1/staff/queue/hall-1/windows/4", auth=qhub.staff()).json()
    assert window["current"] is None and {s["code"] for s in window["services"]} == {"social_security", "residence"}


@SQLITE_ONLY
def test_transfer_keeps_the_priority(qhub):
    take(qhub, "residence")
    take(qhub, priority="pregnant")
    staff(qhub, "next", 1, "social_security")
    staff(qhub, "transfer", 1, "residence")
    assert staff(qhub, "next", 2, "residence").json()["priority_category"] == "pregnant"


@SQLITE_ONLY
def test_staff_api_needs_the_staff_password(qhub):
    r = qhub.client.post("/api/v1/staff/queue/hall-1/windows/1/next", json={"service": "social_security"})
    assert r.status_code == 401
    r = qhub.client.post("/api/v1/staff/queue/hall-1/windows/1/next", headers=qhub.auth(), json={"service": "x"})
    assert r.status_code == 401
    assert staff(qhub, "next", 1, "nope").json()["code"] == "unknown_service"
    assert staff(qhub, "explode").status_code == 404
    assert staff(qhub, "next").status_code == 422  # which service?
    assert staff(qhub, "next", 1, site="nowhere", service="social_security").status_code == 404


@SQLITE_ONLY
def test_an_unknown_site_is_404_on_every_window_route(qhub):
    auth = qhub.staff()
    missing = "no site nowhere; sites are created by 'kioskhub kiosks add'"
    for r in (
        qhub.client.get("/api/v1/staff/queue/nowhere/windows/1", auth=auth),
        staff(qhub, "recall", 1, site="nowhere"),
        qhub.client.get("/api/v1/staff/appointments", params={"site": "nowhere"}, auth=auth),
        qhub.client.get("/staff/queue/nowhere/windows/1", auth=auth),
        qhub.client.post("/staff/queue/nowhere/windows/1/recall", auth=auth, follow_redirects=False),
        qhub.client.post("/staff/queue/call", data={"site": "nowhere", "service": "social_security"}, auth=auth),
    ):
        assert (r.status_code, r.json()) == (404, {"detail": missing}), r.request.url


@SQLITE_ONLY
def test_staff_window_page_calls_and_shows_the_ticket(qhub):
    take(qhub, priority="disability")
    auth = qhub.staff()
    r = qhub.client.post("/staff/queue/hall-1/windows/2/next", data={"service": "social_security"}, auth=auth)
    assert r.status_code == 200 and "A001" in r.text and "残疾人优先" in r.text
    assert "请 A001 到 2 号窗口" in r.text
    r = qhub.client.post("/staff/queue/hall-1/windows/2/recall", auth=auth)
    assert "重呼 A001" in r.text
    r = qhub.client.post("/staff/queue/hall-1/windows/5/done", auth=auth)
    assert "本窗口当前没有叫到的号" in r.text
    assert staff(qhub, "done", 2).status_code == 200  # the JSON route, the same counter
    with qhub.state.db.read() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.action.startswith("ticket.")).order_by(AuditEvent.id))
        said = [(r.actor, r.action, r.target) for r in rows]
    assert said == [("supervisor1", "ticket.next", "hall-1 窗口2 A001"), ("supervisor1", "ticket.recall",
                    "hall-1 窗口2 A001"), ("supervisor1", "ticket.done", "hall-1 窗口2 A001")]  # not the refused one


def test_local_tickets_join_the_line_once(qhub, clock):
    issued = (FIXED_NOW - dt.timedelta(minutes=20)).astimezone(HALL).isoformat()
    take(qhub)  # A001, issued after the kiosk's offline Z001
    batch = {
        "tickets": [
            {"number": "Z001", "service": "social_security", "issued_at": issued, "priority_category": None},
            {"number": "Z002", "service": "social_security", "issued_at": issued, "priority_category": "elderly"},
            {"number": "Z003", "service": "fishing", "issued_at": issued},
        ]
    }
    headers = qhub.auth() | {"Idempotency-Key": "z-batch-1"}
    first = qhub.client.post("/api/v1/queue/local-tickets", headers=headers, json=batch)
    assert first.status_code == 200
    assert first.json()["accepted"] == 2 and first.json()["duplicates"] == 0
    assert [r["number"] for r in first.json()["rejected"]] == ["Z003"]
    again = qhub.client.post("/api/v1/queue/local-tickets", headers=qhub.auth(), json=batch).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    other_kiosk = qhub.register("k2")
    same_number = qhub.client.post("/api/v1/queue/local-tickets", headers=qhub.auth(other_kiosk), json=batch).json()
    assert same_number["accepted"] == 2  # another kiosk's Z001 is another ticket
    assert take(qhub).json()["people_ahead"] == 5
    assert call_all(qhub)[:3] == ["Z002", "Z002", "Z001"]


@SQLITE_ONLY
def test_bad_local_tickets_are_422(qhub):
    bad = {"tickets": [{"number": "Z001", "service": "social_security", "issued_at": "2026-11-21T10:00:00"}]}
    r = qhub.client.post("/api/v1/queue/local-tickets", headers=qhub.auth(), json=bad)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "issued_at"


@SQLITE_ONLY
def test_a_site_can_have_its_own_weights_without_changing_anothers(qhub):
    from hub.queue.policy import set_site_weights

    other = qhub.register("k2", site="town-2")
    with qhub.state.db.write() as db, db.begin():
        add_service(db, "town-2", "social_security", "A", "社保业务", 6, 1)
        set_site_weights(db, "hall-1", {"elderly": 0, "appointment": 4})  # this hall calls 60+ in turn
    elderly_here = take(qhub, birth_date="1950-03-01").json()
    elderly_there = take(qhub, token=other, birth_date="1950-03-01").json()
    assert (elderly_here["priority"], elderly_here["priority_category"]) == (False, None)
    assert (elderly_there["priority"], elderly_there["priority_category"]) == (True, "elderly")
    pregnant_here = take(qhub, priority="pregnant").json()  # not overridden: the hub's weight 3
    assert pregnant_here["priority"] and pregnant_here["people_ahead"] == 0
    with qhub.state.db.write() as db, db.begin():
        set_site_weights(db, "hall-1", None)  # back to the hub's
    assert take(qhub, birth_date="1950-03-01").json()["priority_category"] == "elderly"


def test_weights_are_checked_and_a_damaged_row_falls_back_to_the_hubs():
    from hub.queue.errors import BadWeights
    from hub.queue.rules import parse_weights, site_weights

    defaults = {"elderly": 2, "pregnant": 3, "disability": 3, "appointment": 1}
    assert parse_weights({"elderly": 0, "pregnant": 9}) == {"elderly": 0, "pregnant": 9}
    for bad, says in (({"vip": 5}, "unknown priority category"), ({"elderly": 10}, r"0 \(off\) to 9"),
                      ({"elderly": -1}, r"not -1"), ({"elderly": "2"}, "whole number"),
                      ({"elderly": True}, "whole number")):
        with pytest.raises(BadWeights, match=says):
            parse_weights(bad)
    assert site_weights(defaults, '{"elderly": 0}') == defaults | {"elderly": 0}
    assert site_weights(defaults, None) == defaults
    assert site_weights(defaults, "{not json") == defaults
    assert site_weights(defaults, '{"vip": 5}') == defaults
