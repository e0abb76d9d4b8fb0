"""A kiosk request repeated with its Idempotency-Key gets the first answer and never makes a second record.

kioskd's outbox sends again whatever it has no answer for (a lost reply, a hub killed after its
commit), so every kind of message it sends is checked here: the same key twice gives the same body
and one row. Cases have their own tests in test_intake.py and callbacks in video/test_console.py.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from hub.queue.services import add_service
from tests.integration.hub.conftest import FIXED_NOW
from tests.integration.hub.helpers import multipart
from tests.integration.hub.queue_helpers import HALL, staff, take

LOCAL = "/api/v1/queue/local-tickets"


def count(hub, sql: str) -> int:
    with hub.state.db.read() as db:
        return db.execute(text(sql)).scalar_one()


def test_a_repeated_rating_gets_the_identical_answer_and_is_one_rating(hub):
    case_no = hub.client.post("/api/v1/cases", headers={**hub.auth(), "Idempotency-Key": "c"}, **multipart()).json()[
        "case_no"
    ]
    headers = {**hub.auth(), "Idempotency-Key": "rate-1"}
    body = {"case_no": case_no, "level": "dissatisfied", "reasons": ["等候时间长"], "comment": "排队太久"}
    first = hub.client.post("/api/v1/ratings", headers=headers, json=body)
    again = hub.client.post("/api/v1/ratings", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and first.json()["needs_followup"] is True
    assert count(hub, "SELECT count(*) FROM ratings") == 1


def batch(*tickets: tuple[str, str]) -> dict:
    issued = (FIXED_NOW - dt.timedelta(minutes=20)).astimezone(HALL).isoformat()
    return {"tickets": [{"number": number, "service": service, "issued_at": issued} for number, service in tickets]}


def test_a_repeated_local_batch_gets_its_first_answer_with_the_same_rejected_list(qhub):
    sent = batch(("Z001", "social_security"), ("Z002", "passports"))
    headers = qhub.auth() | {"Idempotency-Key": "local-Z001-Z002"}
    first = qhub.client.post(LOCAL, headers=headers, json=sent)
    assert first.status_code == 200
    assert first.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [{"number": "Z002", "reason": "no service 'passports' here"}],
    }
    with qhub.state.db.write() as db, db.begin():  # the hall adds the service before the repeat arrives
        add_service(db, "hall-1", "passports", "P", "出入境业务", 10, 1)
    again = qhub.client.post(LOCAL, headers=headers, json=sent)
    assert again.status_code == 200 and again.content == first.content  # the answer the kiosk acted on, not a new one
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert count(qhub, "SELECT count(*) FROM queue_tickets WHERE source = 'local'") == 1
    assert count(qhub, "SELECT count(*) FROM kiosk_replies") == 1


def test_a_local_batch_key_is_per_kiosk_and_not_for_another_batch(qhub):
    headers = qhub.auth() | {"Idempotency-Key": "local-1"}
    assert qhub.client.post(LOCAL, headers=headers, json=batch(("Z001", "social_security"))).json()["accepted"] == 1
    other = qhub.client.post(LOCAL, headers=headers, json=batch(("Z009", "social_security")))
    assert other.status_code == 409 and other.json()["code"] == "key_reused"
    k2 = qhub.register("k2")
    elsewhere = qhub.client.post(LOCAL, headers=qhub.auth(k2) | {"Idempotency-Key": "local-1"},
                                 json=batch(("Z009", "social_security")))  # fmt: skip
    assert elsewhere.json()["accepted"] == 1
    assert count(qhub, "SELECT count(*) FROM queue_tickets WHERE source = 'local'") == 2


def test_a_local_batch_without_a_key_still_counts_each_number_once(qhub):
    sent = batch(("Z001", "social_security"))
    assert qhub.client.post(LOCAL, headers=qhub.auth(), json=sent).json()["accepted"] == 1
    assert qhub.client.post(LOCAL, headers=qhub.auth(), json=sent).json() == {
        "accepted": 0,
        "duplicates": 1,
        "rejected": [],
    }
    assert count(qhub, "SELECT count(*) FROM kiosk_replies") == 0


def test_a_repeated_ticket_request_gets_the_same_ticket_and_takes_no_number(qhub):
    first = take(qhub, key="t-1")
    again = take(qhub, key="t-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    take(qhub)  # A002 for someone else
    staff(qhub, "next", service="social_security")  # A001 is called: the line has moved on
    late = take(qhub, key="t-1").json()
    same = ("number", "service", "issued_at", "priority_category", "follow_url")
    assert {k: late[k] for k in same} == {k: first.json()[k] for k in same}
    assert count(qhub, "SELECT count(*) FROM queue_tickets") == 2
    assert take(qhub).json()["number"] == "A003"


def test_a_repeated_check_in_gets_the_same_ticket_and_issues_one(qhub, clock):
    clock.hall("09:00")
    booked = qhub.client.post(
        "/api/v1/appointments",
        headers=qhub.auth(),
        json={"service": "social_security", "start": "2026-11-21T09:20:00+08:00", "id_type": "111",
              "id_number": "64010419900101123X", "name": "张三丰"},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    headers = qhub.auth() | {"Idempotency-Key": "ci-1"}
    first = qhub.client.post("/api/v1/appointments/check-in", headers=headers, json={"qr": booked.json()["qr"]})
    again = qhub.client.post("/api/v1/appointments/check-in", headers=headers, json={"qr": booked.json()["qr"]})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and first.json()["appointment_no"] == "YY20261121-0001"
    assert count(qhub, "SELECT count(*) FROM queue_tickets WHERE source = 'appointment'") == 1


def test_a_receipt_not_shown_notice_goes_into_the_cases_history_once_and_only_from_its_own_kiosk(hub):
    case_no = hub.client.post("/api/v1/cases", headers={**hub.auth(), "Idempotency-Key": "c"}, **multipart()).json()[
        "case_no"
    ]
    headers = {**hub.auth(), "Idempotency-Key": "c-receipt_not_shown"}
    url = f"/api/v1/cases/{case_no}/notices"
    first = hub.client.post(url, headers=headers, json={"notice": "receipt_not_shown"})
    again = hub.client.post(url, headers=headers, json={"notice": "receipt_not_shown"})
    assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    history = hub.client.get(f"/api/v1/cases/{case_no}", headers=hub.auth()).json()["history"]
    notes = [event["note"] for event in history if "未能出示受理编号" in (event.get("note") or "")]
    assert len(notes) == 1, history
    other = hub.register("k2")
    stranger = hub.client.post(url, headers={**hub.auth(other), "Idempotency-Key": "x"},
                               json={"notice": "receipt_not_shown"})
    assert stranger.status_code == 404
    assert hub.client.post(url, headers=hub.auth(), json={"notice": "anything"}).status_code == 422
