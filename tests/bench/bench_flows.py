"""Benchmark of the flow engine: transitions per second over the shipped items' happy paths.

Run: .venv/bin/python tests/bench/bench_flows.py
Prints medians of several rounds and ratios against one ``Snapshot.model_copy`` (the floor any
transition pays), measured in the same process.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import start, transition
from flows.view import session_view
from flows.walk import happy_path_events

ROUNDS = 7
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def median_time(fn, repeat: int) -> float:
    """Median seconds per call of ``fn`` over ROUNDS rounds of ``repeat`` calls."""
    samples = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for _ in range(repeat):
            fn()
        samples.append((time.perf_counter() - began) / repeat)
    return statistics.median(samples)


def main() -> None:
    began = time.perf_counter()
    catalog = load_catalog()
    load_s = time.perf_counter() - began
    paths = {code: happy_path_events(item, start_at=T0) for code, item in catalog.items()}
    total_events = sum(len(p) for p in paths.values())

    def replay_all() -> None:
        for code, item in catalog.items():
            snap, _ = start(item, session_id="walk-1", at=T0)
            for event in paths[code]:
                snap, _ = transition(item, snap, event)

    item = catalog["residence_permit"]
    snap0, _ = start(item, session_id="walk-1", at=T0)
    quiet_tick = ev.Tick(at=T0 + timedelta(seconds=1))
    snap_form = snap0
    for event in paths["residence_permit"][:3]:
        snap_form, _ = transition(item, snap_form, event)
    form_event = paths["residence_permit"][3]
    assert form_event.type == "form_submit"

    baseline = median_time(lambda: snap0.model_copy(update={"notice": None}), 20_000)
    per_walk = median_time(replay_all, 20) / (total_events + len(catalog))
    per_tick = median_time(lambda: transition(item, snap0, quiet_tick), 20_000)
    per_form = median_time(lambda: transition(item, snap_form, form_event), 2_000)
    per_view = median_time(lambda: session_view(item, snap_form), 2_000)

    print(f"catalog: {len(catalog)} items loaded and validated in {load_s * 1000:.1f} ms (one run)")
    print(f"baseline Snapshot.model_copy: {baseline * 1e6:8.2f} us")
    rows = [
        ("happy-path transition (all items)", per_walk),
        ("idle tick, nothing due", per_tick),
        ("form_submit with 7 fields", per_form),
        ("session_view", per_view),
    ]
    for name, seconds in rows:
        print(f"{name:<36} {seconds * 1e6:8.2f} us  {1 / seconds:10,.0f}/s  x{seconds / baseline:6.1f} baseline")


if __name__ == "__main__":
    main()
