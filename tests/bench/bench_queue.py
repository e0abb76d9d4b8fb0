"""Queue ticket throughput: tickets per second from 50 concurrent kiosks against a served hub, SQLite and PostgreSQL.

Run: .venv/bin/python tests/bench/bench_queue.py [--kiosks 50] [--tickets 400] [--rounds 3]
The hub is a real ``kioskhub serve`` process on 127.0.0.1; each kiosk is a thread with its own HTTP client
and kiosk token, and sends an Idempotency-Key as kiosks do. A quarter of the tickets carry an elderly birth
date and an eighth a declared priority, so the calling order is computed with priorities mixed in. Each round
uses a fresh service (its own letter) and checks that its numbers came out gapless. The baseline is
GET /api/v1/health from the same clients in the same process: the ceiling this client and server reach here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.db.session import Database  # noqa: E402
from hub.queue.services import add_service  # noqa: E402
from tests.bench.bench_hub import ServedHub  # noqa: E402
from tests.hub_pg import PgServer, find_bindir  # noqa: E402

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"


def _bodies(n: int, service: str) -> list[dict[str, str]]:
    bodies = []
    for i in range(n):
        body = {"service": service}
        if i % 4 == 1:
            body["birth_date"] = "1950-06-01"
        elif i % 8 == 2:
            body["priority"] = "pregnant"
        bodies.append(body)
    return bodies


def _drive(hub: ServedHub, clients: list[httpx.Client], total: int, call) -> float:  # type: ignore[no-untyped-def]
    """Requests per second for `total` requests shared by the kiosks, each kiosk a thread."""
    counter = iter(range(total))
    lock = threading.Lock()

    def kiosk(n: int) -> int:
        done = 0
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return done
            call(clients[n], hub.tokens[n], i)
            done += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        assert sum(pool.map(kiosk, range(len(clients)))) == total
    return total / (time.perf_counter() - start)


def ticket_round(hub: ServedHub, clients: list[httpx.Client], total: int, service: str, letter: str) -> float:
    bodies = _bodies(total, service)
    numbers: list[str] = []

    def take(client: httpx.Client, token: str, i: int) -> None:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{service}-{i}"}
        r = client.post("/api/v1/queue/tickets", headers=headers, json=bodies[i])
        if r.status_code != 201:
            raise RuntimeError(f"unexpected {r.status_code}: {r.text[:200]}")
        numbers.append(r.json()["number"])

    rate = _drive(hub, clients, total, take)
    if sorted(numbers) != sorted(f"{letter}{n:03d}" for n in range(1, total + 1)):
        raise RuntimeError("numbers repeated or skipped")
    return rate


def health_round(hub: ServedHub, clients: list[httpx.Client], total: int) -> float:
    def ping(client: httpx.Client, _token: str, _i: int) -> None:
        if client.get("/api/v1/health").status_code != 200:
            raise RuntimeError("health failed")

    return _drive(hub, clients, total, ping)


def measure(label: str, database_url: str | None, args: argparse.Namespace, workers: int = 1) -> tuple[float, float]:
    """(median tickets/s, median health requests/s)."""
    with tempfile.TemporaryDirectory(prefix="queuebench-") as tmp:
        hub = ServedHub(Path(tmp), database_url, args.kiosks, workers)
        db = Database(database_url or f"sqlite:///{Path(tmp) / 'kioskhub.sqlite3'}", 1)
        with db.write() as session, session.begin():
            for n in range(args.rounds + 1):
                add_service(session, "hall-1", f"service_{n}", LETTERS[n], f"业务{n}", 5, 3)
        db.dispose()
        clients = [httpx.Client(base_url=hub.base, timeout=120) for _ in range(args.kiosks)]
        try:
            ticket_round(hub, clients, 50, "service_0", LETTERS[0])  # warm-up: connections, caches
            health, tickets = [], []
            for r in range(1, args.rounds + 1):
                health.append(health_round(hub, clients, args.tickets))
                tickets.append(ticket_round(hub, clients, args.tickets, f"service_{r}", LETTERS[r]))
        finally:
            for c in clients:
                c.close()
            hub.stop()
    t, h = statistics.median(tickets), statistics.median(health)
    print(
        f"{label:14s} tickets median {t:7.1f}/s (rounds: {', '.join(f'{x:.1f}' for x in tickets)})  "
        f"health median {h:7.1f}/s  ratio {t / h:4.2f}",
        flush=True,
    )
    return t, h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=50, help="concurrent kiosks (threads with own clients)")
    parser.add_argument("--tickets", type=int, default=400, help="tickets per round (one service per round)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-workers", type=int, default=2, help="also measure PostgreSQL with this many workers")
    args = parser.parse_args()
    shape = f"{args.kiosks} kiosks, {args.tickets} tickets/round, {args.rounds} rounds"
    print(f"queue tickets, {shape}, {os.cpu_count()} CPUs")
    measure("sqlite", None, args)
    bindir = find_bindir()
    if bindir is None:
        print("postgresql: skipped (no server binaries found)")
        return
    server = PgServer(bindir).start()
    try:
        measure("postgresql", server.create_database(), args)
        measure(f"pg x{args.pg_workers} workers", server.create_database(), args, args.pg_workers)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
