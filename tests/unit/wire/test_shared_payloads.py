"""kioskd and the hub share one definition of each payload a kiosk sends, and kioskd checks it first."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sqlite3
from pathlib import Path
from typing import get_type_hints

import pytest
from pydantic import BaseModel

import hub
import wire
from hub.routes import kiosks, queue, ratings
from local_api.outbox import Outbox
from tests.unit.outbox.fakes import ID_NUMBER, SCAN, Clock, application, make_outbox
from wire.application import CaseApplication
from wire.errors import PayloadInvalid
from wire.heartbeat import Heartbeat
from wire.rating import RatingIn
from wire.ticket import TicketRequest


def _models(package) -> dict[str, type[BaseModel]]:
    """Every pydantic model declared in ``package``'s modules, by module and name."""
    found = {}
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if ".migrations" in info.name:  # alembic scripts, run only by alembic
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


def test_no_hub_module_declares_a_payload_model_of_its_own():
    shared = {cls.__name__ for cls in _models(wire).values()}
    again = [where for where in _models(hub) if where.rpartition(".")[2] in shared]
    assert not again, f"declared again in the hub instead of imported from wire/: {again}"


def test_the_hubs_routes_parse_the_very_models_kioskd_checks_against():
    assert get_type_hints(ratings.rate)["rating"] is RatingIn
    assert get_type_hints(kiosks.heartbeat)["report"] is Heartbeat
    assert get_type_hints(queue.take_ticket)["request"] is TicketRequest
    from hub.routes import cases
    assert inspect.signature(cases._parse_application).return_annotation in ("CaseApplication", CaseApplication)
    assert cases.CaseApplication is CaseApplication


def _rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "kioskd.sqlite3") as db:
        return db.execute("SELECT count(*) FROM outbox").fetchone()[0]


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return make_outbox(tmp_path, Clock())


@pytest.mark.parametrize(("change", "field"), [
    ({"item_code": "elderly card"}, "item_code"),  # a space: the hub's codes are 实施编码 characters only
    ({"applicant": {"name": "张三", "id_type": "111", "id_number": ID_NUMBER[:-1] + "0"}}, "applicant.id_number"),
    ({"applicant": {"name": "", "id_type": "111", "id_number": ID_NUMBER}}, "applicant.name"),
    ({"submitted_at": "2026-11-21T09:30:00"}, "submitted_at"),  # no UTC offset
    ({"case_no": "C0001"}, "case_no is assigned by the hub"),
    ({"materials": [{"file": "hukou.jpg"}]}, "materials.0.label"),
])
def test_a_malformed_application_is_refused_at_the_kiosk_and_nothing_is_stored(outbox, tmp_path, change, field):
    with pytest.raises(PayloadInvalid) as refused:
        outbox.store_case("key-1", "elderly_card", {**application(1), **change},
                          [outbox_file()])
    message = str(refused.value)
    assert message.startswith("the application does not fit the hub's contract: ") and field in message
    assert ID_NUMBER not in message and "张三" not in message  # says where, never the personal value
    assert _rows(tmp_path) == 0 and not any((tmp_path / "outbox").rglob("*.jpg"))
    assert outbox.store_case("key-1", "elderly_card", application(1), [outbox_file()]).created  # the good one goes


def test_a_rating_the_hub_would_refuse_is_not_stored(outbox, tmp_path):
    with pytest.raises(PayloadInvalid, match="reasons"):
        outbox.store_rating("rate-1", "elderly_card", {"level": "dissatisfied", "reasons": []},
                            case_no="C0001", provisional_no=None)
    with pytest.raises(PayloadInvalid, match="level"):
        outbox.store_rating("rate-2", "elderly_card", {"level": 5}, case_no="C0001", provisional_no=None)
    assert _rows(tmp_path) == 0


def test_a_ticket_request_is_built_by_the_shared_model_and_a_bad_one_never_leaves():
    from local_api.hub_client import HubClient

    sent = []

    def hub_answer(request):
        import httpx
        sent.append(request.content)
        return httpx.Response(201, json={"number": "A001"})

    import httpx
    client = HubClient("http://hub.test", "token", transport=httpx.MockTransport(hub_answer))
    client.take_ticket("tax", key="t1", priority=None, birth_date="1950-03-07")
    assert TicketRequest.model_validate_json(sent[0]).birth_date.isoformat() == "1950-03-07"
    with pytest.raises(PayloadInvalid, match="priority"):
        client.take_ticket("tax", key="t2", priority="vip")
    assert len(sent) == 1


def outbox_file():
    from local_api.outbox import MaterialFile

    return MaterialFile("hukou.jpg", "image/jpeg", "户口簿", SCAN)


def test_the_hub_parses_local_tickets_and_case_notices_with_the_shared_models():
    from hub.routes import case_notices
    from wire.notice import CaseNotice
    from wire.ticket import LocalTicketBatch

    assert get_type_hints(queue.local_tickets)["request"] is LocalTicketBatch
    assert get_type_hints(case_notices.add_notice)["body"] is CaseNotice


def test_a_local_ticket_the_hub_would_refuse_is_not_stored_and_a_batch_is_built_by_the_model(tmp_path):
    import httpx

    from local_api.db.engine import make_engine, migrate, session_factory
    from local_api.hub_client import HubClient
    from local_api.queue import LocalTicketBook
    from wire.ticket import LocalTicketBatch

    engine = make_engine(tmp_path / "k.sqlite3")
    migrate(engine)
    book = LocalTicketBook(session_factory(engine), lambda: "k1")
    with pytest.raises(PayloadInvalid, match="issued_at"):  # no UTC offset: the hub could not place it in its day
        book.record("Z001", "20261208", "tax", "2026-12-08T09:30:00", None)
    with pytest.raises(PayloadInvalid, match="number"):
        book.record("Z1", "20261208", "tax", "2026-12-08T09:30:00+08:00", None)
    assert book.pending_count() == 0
    book.record("Z001", "20261208", "tax", "2026-12-08T09:30:00+08:00", "elderly")
    sent = []

    def hub(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json={"accepted": 1, "duplicates": 0, "rejected": []})

    assert book.report(HubClient("http://hub.test", "t", transport=httpx.MockTransport(hub))) == 1
    (ticket,) = LocalTicketBatch.model_validate_json(sent[0]).tickets
    assert (ticket.number, ticket.service, ticket.priority_category) == ("Z001", "tax", "elderly")
    assert book.pending_count() == 0
    engine.dispose()


def test_a_case_notice_the_hub_would_refuse_is_neither_stored_nor_sent(outbox, tmp_path):
    import httpx

    from local_api.hub_client import HubClient

    outbox.store_case("key-1", "elderly_card", application(1), [outbox_file()])
    with pytest.raises(PayloadInvalid, match="notice"):
        outbox.store_notice("key-1", "citizen_left_early")
    assert _rows(tmp_path) == 1  # the case only
    assert outbox.store_notice("key-1", "receipt_not_shown")
    sent = []
    client = HubClient("http://hub.test", "t", transport=httpx.MockTransport(
        lambda request: sent.append(request) or httpx.Response(201, json={})))
    with pytest.raises(PayloadInvalid, match="notice"):
        client.case_notice("C0001", "citizen_left_early", key="n1")
    assert not sent
