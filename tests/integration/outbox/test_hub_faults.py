"""The hub answers 500, hangs, or cuts its answer off (a proxy in front of a real kioskhub): entries wait with
backoff, and arrive exactly once when the hub behaves again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local_api.hub_client import HubClient
from tests.integration.outbox.faulty_proxy import FaultyProxy
from tests.integration.outbox.helpers import application, open_outbox, page

pytestmark = pytest.mark.timeout(120)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def proxy(kiosk):
    kiosk.hub_up()
    proxy = FaultyProxy(kiosk.hub.port)
    yield proxy
    proxy.close()


def test_faulty_hub_keeps_entries_waiting_then_each_arrives_once(kiosk, proxy, tmp_path):
    clock = Clock()
    outbox = open_outbox(tmp_path / "kiosk", kiosk.id, clock=clock, min_free_bytes=0)
    client = HubClient(proxy.url, kiosk.token, timeout=1.0)
    receipts = [outbox.store_case(f"fault-{n}", "elderly_card", application(n), page(n)) for n in range(3)]

    for fault in ("500", "hang", "cut"):
        proxy.mode = fault
        assert outbox.drain(client) == 0, fault
        status = outbox.status()
        assert status["pending"] == 3 and status["last_error"], (fault, status)
        assert outbox.next_due() > clock(), f"{fault}: entries must wait before the next try"
        tried = len(proxy.seen)
        assert outbox.drain(client) == 0 and len(proxy.seen) == tried, f"{fault}: retried before its time"
        clock.now += timedelta(seconds=301)  # past the longest backoff
    assert {mode: proxy.seen.count(mode) for mode in ("500", "hang", "cut")} == {"500": 3, "hang": 3, "cut": 3}
    assert sorted(kiosk.case_keys()) == ["fault-0", "fault-1", "fault-2"]  # the cut answers' cases were made

    proxy.mode = "pass"
    assert outbox.drain(client) == 3
    for receipt in receipts:
        case_no = outbox.find(receipt.provisional_no)["case_no"]
        assert [case["case_no"] for case in kiosk.cases(receipt.provisional_no)] == [case_no]
    assert sorted(kiosk.case_keys()) == ["fault-0", "fault-1", "fault-2"]
    assert outbox.status()["pending"] == 0
    client.close()
