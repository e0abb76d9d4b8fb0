"""Timing for the benchmarks: medians of calls interleaved with their baseline, so both see the same load."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median ms of each function, run in turn (A B A B …) so that both see the same load on a shared machine."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(t) * 1000 for t in times]


def median_ms(fn: Callable[[], object], runs: int) -> float:
    return interleaved([fn], runs)[0]
