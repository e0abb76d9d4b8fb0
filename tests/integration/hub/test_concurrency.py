"""Many kiosks at once against a real uvicorn server: one case per key, unique gapless numbers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from hub.app import create_app
from hub.registry import add_kiosk
from tests.integration.hub.conftest import FIXED_NOW
from tests.integration.hub.helpers import ITEM, multipart

THREADS = 12


@pytest.fixture
def served(hub_settings) -> Iterator[tuple[httpx.Client, list[str], object]]:
    """(HTTP client, tokens of 4 kiosks, hub state) for a hub served by uvicorn on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(hub_settings, clock=lambda: FIXED_NOW)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "hub did not start"
        time.sleep(0.02)
    state = app.state.hub
    tokens = []
    for n in range(4):
        with state.db.write() as db, db.begin():
            tokens.append(add_kiosk(db, f"k{n}", "hall-1", FIXED_NOW))
    # One shared client: building an httpx.Client costs ~0.1 s (TLS context), which would swamp the race.
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=httpx.Limits(max_connections=64)) as c:
        yield c, tokens, state
    server.should_exit = True
    thread.join(timeout=30)


def _race(calls: list) -> list[httpx.Response]:
    """Run calls in threads released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _post(client: httpx.Client, token: str, key: str):
    def call() -> httpx.Response:
        return client.post(
            "/api/v1/cases", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}, **multipart()
        )

    return call


def test_racing_retries_of_one_submission_make_exactly_one_case(served):
    client, tokens, state = served
    responses = _race([_post(client, tokens[0], "same-key") for _ in range(THREADS)])
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert {r.json()["case_no"] for r in responses} == {f"{ITEM}202611210001"}
    with state.db.read() as db:
        assert db.execute(text("SELECT count(*) FROM cases")).scalar_one() == 1
    assert len(state.store.published()) == 1 and state.store.staged() == []


def test_concurrent_kiosks_get_unique_gapless_numbers(served):
    client, tokens, state = served
    per_kiosk = 6
    calls = [_post(client, tokens[i % 4], f"key-{i}") for i in range(4 * per_kiosk)]
    responses = _race(calls)
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    numbers = sorted(r.json()["case_no"] for r in responses)
    assert numbers == [f"{ITEM}20261121{seq:04d}" for seq in range(1, 4 * per_kiosk + 1)]
    with state.db.read() as db:
        assert db.execute(text("SELECT last FROM case_counters")).scalar_one() == 4 * per_kiosk


def test_concurrent_queue_tickets_never_repeat_or_skip(served):
    from hub.queue.services import add_service

    client, tokens, state = served
    with state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)

    def take(token: str):
        return lambda: client.post(
            "/api/v1/queue/tickets", headers={"Authorization": f"Bearer {token}"}, json={"service": "social_security"}
        )

    responses = _race([take(tokens[i % 4]) for i in range(20)])
    assert all(r.status_code == 201 for r in responses)
    assert sorted(r.json()["number"] for r in responses) == [f"A{n:03d}" for n in range(1, 21)]
    assert sorted(r.json()["people_ahead"] for r in responses) == list(range(20))


def test_concurrent_tickets_with_priorities_mixed_in_stay_gapless(served):
    from hub.queue.services import add_service

    client, tokens, state = served
    with state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
    kinds = [{}, {"priority": "pregnant"}, {"birth_date": "1950-01-01"}, {"birth_date": "1990-01-01"}]

    def take(n: int):
        body = {"service": "social_security", **kinds[n % 4]}
        return lambda: client.post(
            "/api/v1/queue/tickets", headers={"Authorization": f"Bearer {tokens[n % 4]}"}, json=body
        )

    responses = _race([take(n) for n in range(24)])
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    assert sorted(r.json()["number"] for r in responses) == [f"A{n:03d}" for n in range(1, 25)]
    categories = [r.json()["priority_category"] for r in responses]
    assert categories == [None, "pregnant", "elderly", None] * 6


def test_racing_copies_of_a_local_ticket_batch_count_once(served):
    from hub.queue.services import add_service

    client, tokens, state = served
    with state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
    batch = {
        "tickets": [
            {"number": f"Z{n:03d}", "service": "social_security", "issued_at": f"2026-11-21T10:0{n}:00+08:00"}
            for n in range(1, 6)
        ]
    }

    def post():
        return client.post("/api/v1/queue/local-tickets", headers={"Authorization": f"Bearer {tokens[0]}"}, json=batch)

    responses = _race([post for _ in range(6)])
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sum(r.json()["accepted"] for r in responses) == 5
    assert sum(r.json()["duplicates"] for r in responses) == 5 * 5
    with state.db.read() as db:
        assert db.execute(text("SELECT count(*) FROM queue_tickets WHERE source = 'local'")).scalar_one() == 5


def test_racing_copies_of_a_keyed_local_batch_all_get_the_first_answer(served):
    from hub.queue.services import add_service

    client, tokens, state = served
    with state.db.write() as db, db.begin():
        add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
    batch = {
        "tickets": [
            {"number": f"Z{n:03d}", "service": "social_security", "issued_at": f"2026-11-21T10:0{n}:00+08:00"}
            for n in range(1, 6)
        ]
    }
    headers = {"Authorization": f"Bearer {tokens[0]}", "Idempotency-Key": "z-001-005"}

    def post():
        return client.post("/api/v1/queue/local-tickets", headers=headers, json=batch)

    responses = _race([post for _ in range(6)])
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert [r.json() for r in responses] == [{"accepted": 5, "duplicates": 0, "rejected": []}] * 6
    with state.db.read() as db:
        assert db.execute(text("SELECT count(*) FROM queue_tickets WHERE source = 'local'")).scalar_one() == 5
        assert db.execute(text("SELECT count(*) FROM kiosk_replies")).scalar_one() == 1
