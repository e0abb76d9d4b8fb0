"""Benchmark: validating a session's view as the typed snapshot (one model per step kind).

Run: .venv/bin/python tests/bench/bench_step_views.py [--rounds 200]
For every step of every shipped item, builds the view (``flows.view.session_view``, the baseline) and
then validates it as ``SessionSnapshot`` (what kioskd does before every answer and push); reports the
medians per view and their ratio, measured in the same process.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from flows.catalog import load_catalog
from flows.engine import start
from flows.view import session_view
from local_api.schemas import SessionSnapshot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    cases = []
    for item in load_catalog().values():
        first, _ = start(item, session_id="bench", at=datetime(2026, 5, 1, 9, tzinfo=UTC))
        cases += [(item, first.model_copy(update={"step": step.id})) for step in item.steps]
    build, validated = [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        views = [session_view(item, snap) for item, snap in cases]
        t1 = time.perf_counter()
        for view in views:
            SessionSnapshot.model_validate(view)
        t2 = time.perf_counter()
        build.append((t1 - t0) / len(cases))
        validated.append((t2 - t1) / len(cases))
    b, v = statistics.median(build), statistics.median(validated)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {len(cases)} steps")
    print(f"view built:      median {b * 1e6:8.1f} µs")
    print(f"view validated:  median {v * 1e6:8.1f} µs  ({v / b:.2f}× the build)")


if __name__ == "__main__":
    main()
