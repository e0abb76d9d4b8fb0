"""Benchmark: the HTTP round trip of one session event through a running kioskd.

Run: .venv/bin/python tests/bench/bench_sessions.py [--events 1000]
Posts ``still_here`` (accepted at every step, goes through the engine, the audit trail and the
push to the UI) and reports median and p99; the baseline in the same run is GET /v1/health on the
same connection, so the ratio is what a session event costs over a bare request.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.daemon import kioskd


def timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        kioskd(Path(tmp), KIOSK_DEVICES="real", KIOSK_VOICE="none:") as d,
        d.client() as c,
    ):
        sid = c.post("/sessions", json={"item_code": "queue_ticket"}).json()["id"]
        event = {"type": "still_here", "data": {}}

        def post() -> None:
            assert c.post(f"/sessions/{sid}/events", json=event).status_code == 200

        def health() -> None:
            assert c.get("/health").status_code == 200

        timed(post, 50)  # warm-up
        base = timed(health, args.events)
        ev = timed(post, args.events)
    for label, values in (("GET /v1/health (baseline)", base), ("POST event still_here", ev)):
        print(f"{label:>28}: median {statistics.median(values) * 1000:.2f} ms, p99 {p99(values) * 1000:.2f} ms")
    print(f"{'ratio event/baseline':>28}: median {statistics.median(ev) / statistics.median(base):.2f}x")


if __name__ == "__main__":
    main()
