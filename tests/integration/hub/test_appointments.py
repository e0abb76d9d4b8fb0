"""预约 at the hub: booking, check-in by ID card or QR within the window, no-shows, and the hall display."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.integration.hub.queue_helpers import SQLITE_ONLY, Clock, staff, take

PERSON = {"id_type": "111", "id_number": "64010419900101123X", "name": "张三丰"}
OTHER = {"id_type": "111", "id_number": "11010519491231002X", "name": "李四"}


@pytest.fixture
def clock() -> Clock:
    c = Clock(dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC))
    c.hall("09:00")
    return c


def book(hub, start: str = "10:00", person: dict[str, str] = PERSON, service: str = "social_security", **auth):
    body = {"service": service, "start": f"2026-11-21T{start}:00+08:00", **person}
    headers = auth.get("headers", hub.auth())
    return hub.client.post("/api/v1/appointments", json=body, headers=headers, auth=auth.get("auth"))


def check_in(hub, key: str | None = None, **body: str):
    headers = hub.auth() | ({"Idempotency-Key": key} if key else {})
    return hub.client.post("/api/v1/appointments/check-in", json=body, headers=headers)


def by_id(hub, person: dict[str, str] = PERSON, key: str | None = None):
    return check_in(hub, key, id_type=person["id_type"], id_number=person["id_number"])


def test_booking_answers_number_masked_name_and_qr(qhub):
    r = book(qhub)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["appointment_no"] == "YY20261121-0001"
    assert (body["service"], body["name_masked"], body["status"]) == ("social_security", "张*丰", "booked")
    assert body["start"] == "2026-11-21T10:00:00+08:00"
    assert body["qr"].startswith("KIOSKAPPT:") and len(body["qr"]) > 30
    assert book(qhub, person=OTHER).json()["appointment_no"] == "YY20261121-0002"


@SQLITE_ONLY
def test_check_in_by_id_card_inside_the_window_gives_an_appointment_ticket(qhub, clock):
    take(qhub)  # a walk-in already waiting
    book(qhub)
    clock.hall("09:30")  # the window opens 30 minutes before 10:00
    r = by_id(qhub)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert (ticket["number"], ticket["appointment_no"]) == ("A002", "YY20261121-0001")
    assert (ticket["priority"], ticket["priority_category"], ticket["people_ahead"]) == (True, "appointment", 0)
    again = by_id(qhub)
    assert again.status_code == 409
    assert again.json() | {"detail": ""} == {"detail": "", "code": "already_checked_in", "number": "A002"}


@SQLITE_ONLY
def test_check_in_by_qr_code(qhub, clock):
    qr = book(qhub, "09:20").json()["qr"]
    r = check_in(qhub, qr=qr)
    assert r.status_code == 201 and r.json()["appointment_no"] == "YY20261121-0001"
    assert check_in(qhub, qr=qr).json()["code"] == "already_checked_in"
    unknown = check_in(qhub, qr="KIOSKAPPT:not-a-real-token")
    assert unknown.status_code == 404 and unknown.json()["code"] == "no_appointment"
    foreign = check_in(qhub, qr="https://example.com/ticket")
    assert foreign.status_code == 404 and foreign.json()["code"] == "no_appointment"


@SQLITE_ONLY
def test_a_retried_check_in_with_the_same_key_is_the_same_ticket(qhub, clock):
    book(qhub, "09:20")
    first, again = by_id(qhub, key="ci-1"), by_id(qhub, key="ci-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["appointment_no"] == "YY20261121-0001"


@SQLITE_ONLY
def test_too_early_says_when_the_window_opens(qhub, clock):
    book(qhub, "10:00")
    clock.hall("09:29")
    r = by_id(qhub)
    assert r.status_code == 409
    assert r.json() | {"detail": ""} == {"detail": "", "code": "too_early", "window_opens": "09:30"}


@SQLITE_ONLY
def test_too_late_is_a_no_show(qhub, clock):
    book(qhub, "10:00")
    book(qhub, "10:00", OTHER)
    clock.hall("10:15")
    assert by_id(qhub).status_code == 201  # 15 minutes late is still in time
    clock.hall("10:16")
    r = by_id(qhub, OTHER)
    assert r.status_code == 409 and r.json()["code"] == "too_late"
    listed = qhub.client.get(
        "/api/v1/staff/appointments", params={"site": "hall-1"}, auth=qhub.staff()
    )
    assert {a["name_masked"]: a["status"] for a in listed.json()} == {"张*丰": "checked_in", "李*": "no_show"}
    assert by_id(qhub, OTHER).json()["code"] == "too_late"


@SQLITE_ONLY
def test_listing_turns_overdue_appointments_into_no_shows(qhub, clock):
    book(qhub, "10:00")
    auth = qhub.staff()
    listed = qhub.client.get("/api/v1/staff/appointments", params={"site": "hall-1"}, auth=auth).json()
    assert [a["status"] for a in listed] == ["booked"]
    assert listed[0]["id_masked"] == "6401**********123X"
    clock.hall("10:16")
    listed = qhub.client.get("/api/v1/staff/appointments", params={"site": "hall-1"}, auth=auth).json()
    assert [a["status"] for a in listed] == ["no_show"]


@SQLITE_ONLY
def test_no_appointment_today(qhub, clock):
    r = by_id(qhub)
    assert r.status_code == 404 and r.json()["code"] == "no_appointment"
    body = {"service": "social_security", "start": "2026-11-22T10:00:00+08:00", **PERSON}
    assert qhub.client.post("/api/v1/appointments", json=body, headers=qhub.auth()).status_code == 201
    assert by_id(qhub).json()["code"] == "no_appointment"  # tomorrow's is not today's


@SQLITE_ONLY
def test_bad_bookings(qhub, clock):
    assert book(qhub, "08:00").status_code == 422  # in the past
    bad_id = book(qhub, person=PERSON | {"id_number": "640104199001011230"})
    assert bad_id.status_code == 422 and bad_id.json()["detail"][0]["loc"] == ["body", "id_number"]
    assert "640104199001011230" not in bad_id.text
    assert book(qhub, service="fishing").json()["code"] == "unknown_service"
    naive = {"service": "social_security", "start": "2026-11-21T10:00:00", **PERSON}
    assert qhub.client.post("/api/v1/appointments", json=naive, headers=qhub.auth()).status_code == 422
    assert book(qhub).status_code == 201
    assert book(qhub, "11:00").json()["code"] == "already_booked"
    both = check_in(qhub, qr="KIOSKAPPT:x", id_type="111", id_number=PERSON["id_number"])
    assert both.status_code == 422


@SQLITE_ONLY
def test_staff_can_book_for_a_site(qhub, clock):
    no_site = book(qhub, headers={}, auth=qhub.staff())
    assert no_site.status_code == 422
    body = {"service": "social_security", "start": "2026-11-21T10:00:00+08:00", "site": "hall-1", **PERSON}
    r = qhub.client.post("/api/v1/appointments", json=body, auth=qhub.staff())
    assert r.status_code == 201
    assert qhub.client.post("/api/v1/appointments", json=body, auth=("s", "wrong")).status_code == 401
    assert qhub.client.post("/api/v1/appointments", json=body).status_code == 401


@SQLITE_ONLY
def test_hall_display_shows_called_numbers_with_masked_names_only(qhub, clock):
    book(qhub, "09:20")
    by_id(qhub)
    take(qhub, "residence")
    assert staff(qhub, "next", 2, "social_security").json()["name_masked"] == "张*丰"
    clock.advance(1)
    staff(qhub, "next", 5, "residence")
    page = qhub.client.get("/display/hall-1")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text and "cdn" not in page.text.lower()
    html = page.text
    assert "A001" in html and "张*丰" in html and "2 号窗口" in html and "B001" in html and "5 号窗口" in html
    assert "三丰" not in html and PERSON["id_number"] not in html and "6401" not in html
    assert html.index("B001") < html.index("A001")  # the latest call first
    clock.advance(1)
    staff(qhub, "recall", 2)
    html = qhub.client.get("/display/hall-1").text
    assert html.index("A001") < html.index("B001")  # a recall brings it back to the top
    assert qhub.client.get("/display/nowhere").status_code == 404


def cancel(hub, number: str, *, staff_auth: bool = False, **proof: str):
    if staff_auth:
        return hub.client.post(f"/api/v1/appointments/{number}/cancel", auth=hub.staff())
    return hub.client.post(f"/api/v1/appointments/{number}/cancel", json=proof or None, headers=hub.auth())


@SQLITE_ONLY
def test_a_citizen_cancels_with_the_qr_code_and_can_book_that_day_again(qhub, clock):
    booked = book(qhub).json()
    number, qr = booked["appointment_no"], booked["qr"]
    assert book(qhub, "11:00").json()["code"] == "already_booked"
    r = cancel(qhub, number, qr=qr)
    assert r.status_code == 200, r.text
    assert r.json() == {"appointment_no": number, "service": "social_security",
                        "start": "2026-11-21T10:00:00+08:00", "status": "cancelled"}
    assert cancel(qhub, number, qr=qr).json()["status"] == "cancelled"  # a repeated cancel is no error
    clock.hall("09:40")
    assert by_id(qhub).json()["code"] == "no_appointment"  # a cancelled appointment does not check in
    assert check_in(qhub, qr=qr).json()["code"] == "no_appointment"
    assert book(qhub, "11:00").status_code == 201  # the day is free to book again


@SQLITE_ONLY
def test_a_kiosk_needs_the_persons_proof_and_a_wrong_one_reveals_nothing(qhub, clock):
    number = book(qhub).json()["appointment_no"]
    no_proof = cancel(qhub, number)
    assert no_proof.status_code == 422 and "id_type and id_number, or the appointment's qr" in no_proof.text
    wrong_person = cancel(qhub, number, id_type=OTHER["id_type"], id_number=OTHER["id_number"])
    unknown = cancel(qhub, "YY20261121-0099", id_type=PERSON["id_type"], id_number=PERSON["id_number"])
    assert wrong_person.status_code == unknown.status_code == 404
    assert wrong_person.json()["code"] == unknown.json()["code"] == "no_appointment"
    assert cancel(qhub, number, qr="KIOSKAPPT:someone-elses").status_code == 404
    mine = cancel(qhub, number, id_type=PERSON["id_type"], id_number=PERSON["id_number"].lower())
    assert mine.status_code == 200 and mine.json()["status"] == "cancelled"
    assert qhub.client.post(f"/api/v1/appointments/{number}/cancel").status_code == 401
    assert qhub.client.post("/api/v1/appointments/not-a-number/cancel", headers=qhub.auth()).status_code == 422


@SQLITE_ONLY
def test_staff_cancel_without_proof_but_not_once_checked_in_or_missed(qhub, clock):
    first = book(qhub, "09:20").json()["appointment_no"]
    by_id(qhub)
    checked_in = cancel(qhub, first, staff_auth=True)
    assert checked_in.status_code == 409 and checked_in.json()["code"] == "not_cancellable"
    late = book(qhub, "09:30", person=OTHER).json()["appointment_no"]
    clock.hall("10:00")  # 30 minutes after the start: past the 15-minute late window
    missed = cancel(qhub, late, staff_auth=True)
    assert missed.status_code == 409 and "no show" in missed.json()["detail"]


@SQLITE_ONLY
@pytest.mark.parametrize("settings_overrides", [{"id_lookups_per_window": 3}])
def test_check_ins_by_id_card_count_as_lookups_limited_per_kiosk_and_audited(qhub, clock):
    from sqlalchemy import select

    from hub.db.lookup_models import IdLookup

    book(qhub)
    clock.hall("09:30")
    strangers = [{"id_type": "111", "id_number": n} for n in ("11010519491231002X", "110101199003070011")]
    answers = [by_id(qhub, person).status_code for person in (*strangers, PERSON, OTHER)]
    assert answers == [404, 404, 201, 429]  # two guesses with no appointment, the right person, then the limit
    refused = by_id(qhub, OTHER)
    assert refused.json()["code"] == "lookup_rate_limited" and int(refused.headers["retry-after"]) > 0
    with qhub.state.db.read() as db:
        rows = db.scalars(select(IdLookup).where(IdLookup.what == "appointment-check-in").order_by(IdLookup.id))
        outcomes = [(r.kiosk_id, r.outcome) for r in rows]
    assert outcomes == [("k1", "none"), ("k1", "none"), ("k1", "found"), ("k1", "refused"), ("k1", "refused")]
    assert check_in(qhub, qr="KIOSKAPPT:nothing-like-it").status_code == 404  # by QR: no lookup by ID, no limit
    page = qhub.client.get("/staff/lookups?kiosk=k1", auth=qhub.staff()).text
    assert "预约签到（刷身份证）" in page and "超出频次，已拒绝" in page
