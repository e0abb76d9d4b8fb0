"""Kiosks kept in their lane: cases read and rated only at their own site, lookups by ID number limited and audited."""

from __future__ import annotations

import logging

from sqlalchemy import select

from hub.db.lookup_models import IdLookup, KioskAlert
from tests.integration.hub.helpers import PERSON, id_number, multipart

RATINGS = "/api/v1/ratings"
FUND = "/api/v1/queries/housing-fund-query"


def new_case(hub, key: str = "c1", token: str | None = None) -> str:
    r = hub.client.post("/api/v1/cases", headers={**hub.auth(token), "Idempotency-Key": key}, **multipart())
    assert r.status_code == 201, r.text
    return r.json()["case_no"]


def guesses(n: int) -> list[str]:
    """n valid, distinct ID numbers, as someone enumerating birth dates and sequence numbers would send."""
    return [id_number(f"640104199001{day:02d}{seq:03d}") for day in range(1, 29) for seq in range(100, 103)][:n]


def test_a_kiosk_of_another_site_cannot_read_a_case_by_number(hub):
    case_no = new_case(hub)
    neighbour = hub.register("k2", site="hall-1")
    stranger = hub.register("x1", site="hall-9")

    own = hub.client.get(f"/api/v1/cases/{case_no}", headers=hub.auth())
    assert own.status_code == 200 and own.json()["applicant_id_number"] == "6401**********" + PERSON[-4:]
    assert hub.client.get(f"/api/v1/cases/{case_no}", headers=hub.auth(neighbour)).status_code == 200

    foreign = hub.client.get(f"/api/v1/cases/{case_no}", headers=hub.auth(stranger))
    missing = hub.client.get(f"/api/v1/cases/{case_no[:-1]}9", headers=hub.auth(stranger))
    # 404 like a number that does not exist, so counting numbers tells the other site nothing.
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].endswith("at this kiosk's site")
    assert "applicant" not in foreign.text


def test_the_citizen_finds_their_case_by_card_and_number_at_any_site(hub):
    case_no = new_case(hub)
    stranger = hub.register("x1", site="hall-9")
    body = {"id_type": "111", "id_number": PERSON, "form": {"case_no": case_no}}
    r = hub.client.post("/api/v1/queries/case-progress-query", headers=hub.auth(stranger), json=body)
    assert r.status_code == 200, r.text
    assert r.json()["fields"]["办件编号"] == case_no
    other = {"id_type": "111", "id_number": id_number("64010419850505123"), "form": {"case_no": case_no}}
    r = hub.client.post("/api/v1/queries/case-progress-query", headers=hub.auth(stranger), json=other)
    assert case_no not in r.text  # the number alone, with someone else's card, shows nothing


def test_a_case_takes_one_rating_and_a_retry_gets_the_first_answer(hub):
    case_no = new_case(hub)
    first = hub.client.post(RATINGS, headers={**hub.auth(), "Idempotency-Key": "r1"},
                            json={"case_no": case_no, "level": "dissatisfied", "reasons": ["等候时间长"]})
    assert first.status_code == 201, first.text
    retry = hub.client.post(RATINGS, headers={**hub.auth(), "Idempotency-Key": "r1"},
                            json={"case_no": case_no, "level": "dissatisfied", "reasons": ["等候时间长"]})
    assert retry.status_code == 200 and retry.json() == first.json()

    for headers in ({"Idempotency-Key": "r2"}, {}):
        again = hub.client.post(RATINGS, headers={**hub.auth(), **headers},
                                json={"case_no": case_no, "level": "very_dissatisfied", "reasons": ["差"]})
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "already_rated" and again.json()["case_no"] == case_no
    auth = hub.staff()
    assert hub.client.get("/staff", auth=auth).text.count("待回访 ·") == 1  # one follow-up, not three


def test_a_kiosk_of_another_site_cannot_rate_a_case(hub):
    case_no = new_case(hub)
    stranger = hub.register("x1", site="hall-9")
    r = hub.client.post(RATINGS, headers=hub.auth(stranger),
                        json={"case_no": case_no, "level": "very_dissatisfied", "reasons": ["差"]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "no case with this number at this kiosk's site"
    # the case can still be rated at its own site
    own = hub.client.post(RATINGS, headers=hub.auth(), json={"case_no": case_no, "level": "satisfied"})
    assert own.status_code == 201


def test_sixty_id_guesses_are_cut_off_audited_and_raise_an_alert(hub, caplog):
    limit = hub.state.settings.id_lookups_per_window
    numbers = guesses(60)
    with caplog.at_level(logging.INFO):
        answers = [hub.client.post(FUND, headers=hub.auth(), json={"id_type": "111", "id_number": n, "form": {}})
                   for n in numbers]
    codes = [a.status_code for a in answers]
    assert codes[:limit] == [404] * limit  # no record for these people: asked and answered
    assert codes[limit:] == [429] * (60 - limit)
    refusal = answers[-1]
    assert refusal.json()["code"] == "lookup_rate_limited"
    assert 1 <= int(refusal.headers["Retry-After"]) <= hub.state.settings.id_lookup_window_seconds

    with hub.state.db.read() as db:
        rows = list(db.scalars(select(IdLookup).order_by(IdLookup.id)))
        alerts = list(db.scalars(select(KioskAlert)))
    assert len(rows) == 60
    assert [r.outcome for r in rows] == ["none"] * limit + ["refused"] * (60 - limit)
    assert {r.kiosk_id for r in rows} == {"k1"} and {r.what for r in rows} == {"housing-fund-query"}
    assert rows[0].person_index == hub.state.keys.id_index("111", numbers[0])
    assert not any(n in (r.person_index, r.what) for r in rows for n in numbers)
    assert [(a.kiosk_id, a.kind) for a in alerts] == [("k1", "id_lookup_burst")]  # one alert, not forty

    warnings = [r.getMessage() for r in caplog.records if r.name == "hub.lookups"]
    assert len(warnings) == 1 and "k1" in warnings[0]
    assert not any(n[:10] in caplog.text or n[-8:] in caplog.text for n in numbers)

    # another kiosk is not held up by k1's burst
    other = hub.register("k2")
    assert hub.client.post(FUND, headers=hub.auth(other),
                           json={"id_type": "111", "id_number": PERSON, "form": {}}).status_code == 404


def test_the_burst_shows_on_the_fleet_view_until_staff_clear_it(hub):
    for n in guesses(hub.state.settings.id_lookups_per_window + 1):
        hub.client.post(FUND, headers=hub.auth(), json={"id_type": "111", "id_number": n, "form": {}})
    auth = hub.staff()
    page = hub.client.get("/staff", auth=auth).text
    assert "短时间内大量按证件号码查询" in page and 'href="/staff/lookups?kiosk=k1"' in page
    with hub.state.db.read() as db:
        alert_id = db.scalar(select(KioskAlert.id))
    assert hub.client.post(f"/staff/alerts/{alert_id}/clear", auth=auth).status_code == 200
    assert "短时间内大量按证件号码查询" not in hub.client.get("/staff", auth=auth).text
    with hub.state.db.read() as db:
        assert db.scalar(select(KioskAlert.cleared_by)) == "supervisor1"  # the person, not a shared "staff"


def test_staff_search_the_lookups_by_kiosk_and_by_the_persons_number(hub):
    numbers = guesses(3)
    for n in numbers:
        hub.client.post(FUND, headers=hub.auth(), json={"id_type": "111", "id_number": n, "form": {}})
    hub.client.post("/api/v1/cases/lookup", headers=hub.auth(), json={"id_type": "111", "id_number": numbers[1]})
    auth = hub.staff()
    assert hub.client.get("/staff/lookups", auth=("staff", "wrong")).status_code == 401

    by_kiosk = hub.client.get("/staff/lookups?kiosk=k1", auth=auth)
    assert by_kiosk.status_code == 200
    assert by_kiosk.text.count("住房公积金查询") == 3 and "本人办件列表" in by_kiosk.text

    person = hub.client.post("/staff/lookups", auth=auth, data={"id_type": "111", "id_number": numbers[1]})
    assert person.status_code == 200
    assert person.text.count("<td>k1</td>") == 0  # kiosk cells are links
    assert person.text.count('href="/staff/lookups?kiosk=k1"') == 2  # the fund query and the case lookup
    assert not any(n in person.text for n in numbers)  # the number typed in is not shown back
    bad = hub.client.post("/staff/lookups", auth=auth, data={"id_type": "111", "id_number": "640104199001011231"})
    assert bad.status_code == 422 and "证件号码有误" in bad.text


def test_a_lookup_by_card_for_the_citizens_own_cases_counts_too(hub):
    settings = hub.state.settings
    for n in guesses(settings.id_lookups_per_window):
        r = hub.client.post("/api/v1/cases/lookup", headers=hub.auth(), json={"id_type": "111", "id_number": n})
        assert r.status_code == 200
    r = hub.client.post("/api/v1/cases/lookup", headers=hub.auth(), json={"id_type": "111", "id_number": PERSON})
    assert r.status_code == 429 and r.json()["code"] == "lookup_rate_limited"
