"""The kiosk's side of the queue: what it sends the hub, how refusals come back, and the Z block's report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from local_api.db.engine import make_engine, migrate, session_factory
from local_api.hub_client import HubClient, HubUnreachable
from local_api.queue import LocalTicketBook, QueueDesk, TicketRefused, follow_url

NOW = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)  # 09:30 in the hall


class FakeHub:
    """Answers like kioskhub's queue API; ``down`` makes every request fail to connect."""

    def __init__(self) -> None:
        self.down = False
        self.requests: list[tuple[str, dict, dict]] = []
        self.answer: tuple[int, dict] = (201, {"number": "A001", "people_ahead": 2, "estimated_wait_minutes": 9,
                                               "service": "social_security", "service_name": "社保医保",
                                               "priority": True, "priority_category": "elderly"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content or b"{}")
        self.requests.append((request.url.path, body, dict(request.headers)))
        if request.url.path.endswith("/queue/services"):
            return httpx.Response(200, json=[{"code": "social_security", "prefix": "A", "name": "社保医保"}])
        if request.url.path.endswith("/queue/local-tickets"):
            return httpx.Response(200, json={"accepted": len(body["tickets"]), "duplicates": 0})
        status, answer = self.answer
        return httpx.Response(status, json=answer)


def Desk(tmp: Path, hub: FakeHub | None, book: LocalTicketBook | None = None) -> QueueDesk:
    client = HubClient("http://hub.test", "t", transport=httpx.MockTransport(hub)) if hub else None
    return QueueDesk(lambda: client, tmp / "queue-block.json", book, clock=lambda: NOW, timezone="Asia/Shanghai")


@pytest.fixture
def book(tmp_path):
    engine = make_engine(tmp_path / "k.sqlite3")
    migrate(engine)
    yield LocalTicketBook(session_factory(engine), lambda: "k1", clock=lambda: NOW)
    engine.dispose()


def test_the_hub_gets_the_birth_date_and_the_declaration_never_the_id_number(tmp_path):
    hub = FakeHub()
    result = Desk(tmp_path, hub).take_ticket("social_security", key="s1-issue", birth_date="19520312")
    path, body, headers = hub.requests[0]
    assert path == "/api/v1/queue/tickets" and headers["idempotency-key"] == "s1-issue"
    assert body == {"service": "social_security", "priority": None, "birth_date": "1952-03-12"}
    assert result.items() >= {"number": "A001", "priority": True, "priority_category": "elderly",
                               "priority_label": "老年人优先", "source": "hub", "estimated_wait_min": 9}.items()
    Desk(tmp_path, hub).take_ticket("social_security", key="s2-issue", priority="pregnant")
    assert hub.requests[1][1] == {"service": "social_security", "priority": "pregnant", "birth_date": None}


@pytest.mark.parametrize(("status", "answer", "code", "extra"), [
    (409, {"detail": "closed", "code": "service_closed", "opens": "08:30", "closes": "17:30"}, "service_closed",
     {"opens": "08:30", "closes": "17:30"}),
    (409, {"detail": "full", "code": "day_full"}, "day_full", {}),
    (404, {"detail": "no such service", "code": "unknown_service"}, "unknown_service", {}),
])
def test_refusals_carry_the_hub_code_and_what_the_citizen_needs(tmp_path, book, status, answer, code, extra):
    hub = FakeHub()
    hub.answer = (status, answer)
    with pytest.raises(TicketRefused) as caught:
        Desk(tmp_path, hub, book).take_ticket("social_security", key="k")
    result = caught.value.result()
    assert result["refused"] == code and result["message"] and result.items() >= extra.items()
    assert book.status()["pending"] == 0  # a refusal is not an outage: no number from the block


def test_check_in_refusals_and_a_ticket(tmp_path):
    hub = FakeHub()
    hub.answer = (409, {"detail": "early", "code": "too_early", "window_opens": "09:30"})
    with pytest.raises(TicketRefused) as caught:
        Desk(tmp_path, hub).check_in(key="c1", qr="KIOSKAPPT:x")
    assert caught.value.result().items() >= {"refused": "too_early", "window_opens": "09:30"}.items()
    assert hub.requests[-1][1] == {"qr": "KIOSKAPPT:x"}
    hub.answer = (201, {"number": "A012", "people_ahead": 0, "estimated_wait_minutes": 0, "service": "s",
                        "service_name": "社保", "priority": True, "priority_category": "appointment",
                        "appointment_no": "YY20261122-0001"})
    result = Desk(tmp_path, hub).check_in(key="c2", id_type="111", id_number="640104195203121244")
    assert hub.requests[-1][1] == {"id_type": "111", "id_number": "640104195203121244"}
    assert (result["number"], result["appointment_no"], result["priority_label"]) == ("A012", "YY20261122-0001",
                                                                                       "预约优先")


def test_without_the_hub_numbers_come_from_the_block_and_are_reported_once_it_answers(tmp_path, book):
    hub = FakeHub()
    hub.down = True
    desk = Desk(tmp_path, hub, book)
    first = desk.take_ticket("social_security", key="a", birth_date="1952-03-12")
    second = desk.take_ticket("tax", key="b", priority="disability")
    third = desk.take_ticket("tax", key="c", birth_date="1990-01-01")
    assert [t["number"] for t in (first, second, third)] == ["Z001", "Z002", "Z003"]
    assert [t["priority_category"] for t in (first, second, third)] == ["elderly", "disability", None]
    assert book.status() == {"pending": 3, "reported": 0, "rejected": 0}
    with pytest.raises(HubUnreachable):
        book.report(desk.hub())
    assert book.status()["pending"] == 3  # nothing lost while the hub is away
    hub.down = False
    assert book.report(desk.hub()) == 3
    path, body, headers = hub.requests[-1]
    assert path == "/api/v1/queue/local-tickets" and headers["idempotency-key"].startswith("k1-local-20261122-Z001")
    assert body["tickets"] == [
        {"number": "Z001", "service": "social_security", "issued_at": "2026-11-22T09:30:00+08:00",
         "priority_category": "elderly"},
        {"number": "Z002", "service": "tax", "issued_at": "2026-11-22T09:30:00+08:00",
         "priority_category": "disability"},
        {"number": "Z003", "service": "tax", "issued_at": "2026-11-22T09:30:00+08:00", "priority_category": None},
    ]
    assert book.status() == {"pending": 0, "reported": 3, "rejected": 0}
    assert book.report(desk.hub()) == 0 and len(hub.requests) == 1  # nothing sent twice
    assert book.purge(timedelta(days=7)) == 0 and book.purge(timedelta(0)) == 0  # reported at NOW: not older
    book.clock = lambda: NOW + timedelta(days=8)
    assert book.purge() == 3 and book.status() == {"pending": 0, "reported": 0, "rejected": 0}


def test_a_ticket_letter_taken_while_the_hub_is_away_is_reported_by_its_service_code(tmp_path, book):
    hub = FakeHub()
    desk = Desk(tmp_path, hub, book)
    assert desk.take_ticket("A", key="a")["service"] == "social_security"  # the hub lists its letters
    hub.down = True
    assert desk.take_ticket("A", key="b")["number"] == "Z001"
    hub.down = False
    book.report(desk.hub())
    assert hub.requests[-1][1]["tickets"][0]["service"] == "social_security"


def test_a_kiosk_given_its_own_letter_hands_it_out_and_warns_when_a_service_has_it(tmp_path, book, caplog):
    hub = FakeHub()
    desk = Desk(tmp_path, hub, book)
    desk.take_ticket("A", key="a")  # the hub's list teaches the kiosk that A is a service letter
    hub.down = True
    desk.local_prefix = "Y"
    assert desk.take_ticket("A", key="b")["number"] == "Y001"
    assert "service letter" not in caplog.text
    desk.local_prefix = "A"  # misconfigured: the hall would see two different A002s
    assert desk.take_ticket("A", key="c")["number"] == "A002"
    assert "KIOSK_QUEUE_LOCAL_PREFIX is also a service letter" in caplog.text


def test_an_id_number_typed_by_hand_checks_in_as_a_resident_card(tmp_path):
    from flows import effects as fx
    from local_api.queries import QueryService

    hub = FakeHub()
    hub.answer = (409, {"detail": "late", "code": "too_late"})
    effect = fx.SubmitApplication(idempotency_key="s1-r1-e3-checkin", item_code="appointment_checkin",
                                  purpose="appointment_checkin", form={"method": "card"}, submitted_at=NOW,
                                  applicant={"card_type": "manual", "id_number": "640104195203121244", "name": "王"})
    desk = Desk(tmp_path, hub)
    queries = QueryService(desk.hub, desk, None, None, {}, lambda sid: tmp_path / sid,  # type: ignore[arg-type]
                           clock=lambda: NOW, timezone="Asia/Shanghai")
    event = queries.answer("s1", effect)
    assert hub.requests[-1][1] == {"id_type": "111", "id_number": "640104195203121244"}
    assert event.type == "submitted" and event.case_no is None and event.result["refused"] == "too_late"


def test_the_follow_url_of_the_hub_answer_is_kept_and_a_local_number_has_none(tmp_path, book):
    hub = FakeHub()
    link = "https://hall.example.gov.cn/q/3.Xq3v0tq6dLZbB2x6yFQk"
    hub.answer = (201, {**hub.answer[1], "follow_url": link})
    assert Desk(tmp_path, hub).take_ticket("social_security", key="f1")["follow_url"] == link
    hub.answer = (201, {**hub.answer[1], "appointment_no": "YY20261122-0001", "priority_category": "appointment"})
    assert Desk(tmp_path, hub).check_in(key="f2", qr="KIOSKAPPT:x")["follow_url"] == link
    hub.down = True
    assert Desk(tmp_path, hub, book).take_ticket("social_security", key="f3")["follow_url"] is None


@pytest.mark.parametrize("value", [None, 17, "", "javascript:alert(1)", "ftp://hall/q/1", "https://h/q/1 2",
                                   "https://h/" + "x" * 200, "https://大厅/q/1"])
def test_a_follow_url_that_is_not_a_short_web_address_is_dropped(value):
    assert follow_url(value) is None


def test_a_hub_busy_with_this_kiosks_check_ins_tells_the_citizen_to_try_later_or_go_to_a_window(tmp_path):
    from flows import effects as fx
    from local_api.errors import HubBusy
    from local_api.queries import QueryService

    hub = FakeHub()
    hub.answer = (429, {"detail": "this kiosk has made too many lookups by ID number", "code": "lookup_rate_limited"})
    with pytest.raises(HubBusy) as caught:
        Desk(tmp_path, hub).check_in(key="b1", id_type="111", id_number="640104195203121244")
    said = caught.value.body()
    assert said["code"] == "hub_busy" and said["message"] == "服务繁忙，请稍后再试，或到窗口办理"
    effect = fx.SubmitApplication(idempotency_key="s1-r1-e3-checkin", item_code="appointment_checkin",
                                  purpose="appointment_checkin", form={"method": "card"}, submitted_at=NOW,
                                  applicant={"card_type": "111", "id_number": "640104195203121244", "name": "王"})
    desk = Desk(tmp_path, hub)
    queries = QueryService(desk.hub, desk, None, None, {}, lambda sid: tmp_path / sid,  # type: ignore[arg-type]
                           clock=lambda: NOW, timezone="Asia/Shanghai")
    event = queries.answer("s1", effect)
    assert event.type == "submit_failed" and event.reason == "服务繁忙，请稍后再试，或到窗口办理"
