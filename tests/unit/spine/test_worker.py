"""The one background loop: it stops promptly, survives a failing step, and logs a failure streak once."""

from __future__ import annotations

import logging
import threading
import time

from local_api.worker import Worker


def test_it_stops_promptly_even_in_a_long_wait():
    ran = threading.Event()

    def step() -> None:
        ran.set()

    worker = Worker("probe", step, interval_s=3600)
    worker.start()
    assert ran.wait(2)
    t0 = time.monotonic()
    worker.stop()
    assert time.monotonic() - t0 < 1.0
    assert not worker._thread.is_alive()


def test_it_survives_exceptions_and_logs_each_streak_once(caplog):
    runs: list[int] = []
    recovered = threading.Event()

    def step() -> float:
        runs.append(1)
        if len(runs) <= 5:
            raise OSError("disk full")
        recovered.set()
        return 3600

    worker = Worker("outbox drain", step, interval_s=3600, failure_wait=lambda failures: 0.01)
    with caplog.at_level(logging.INFO, logger="local_api.worker"):
        worker.start()
        assert recovered.wait(5), "the worker died with its step"
        worker.stop()
    assert len(runs) == 6
    assert caplog.text.count("outbox drain failed") == 1  # one line for five failures in a row
    assert "outbox drain works again" in caplog.text


def test_wake_runs_the_step_at_once_and_the_interval_is_jittered():
    runs = threading.Semaphore(0)
    worker = Worker("heartbeat", lambda: runs.release(), interval_s=3600)  # type: ignore[arg-type, func-returns-value]
    worker.start()
    try:
        assert runs.acquire(timeout=2)
        worker.wake()
        assert runs.acquire(timeout=2), "wake did not run the step"
    finally:
        worker.stop()

    waits = [Worker("x", lambda: None, interval_s=100, jitter=0.1, rng=lambda r=r: r).wait_after(None)
             for r in (0.0, 0.5, 1.0)]
    # kiosks of a hall do not all call the hub in the same second
    assert [round(w, 6) for w in waits] == [90.0, 100.0, 110.0]
    assert Worker("x", lambda: None, interval_s=100, jitter=0.1).wait_after(2.5) == 2.5  # a step's own wait


def test_first_wait_delays_the_first_run_until_it_passes_or_a_wake():
    ran = threading.Event()
    worker = Worker("device probe", ran.set, interval_s=3600, first_wait=3600)  # type: ignore[arg-type]
    worker.start()
    try:
        assert not ran.wait(0.2), "the step ran before its first wait"
        worker.wake()
        assert ran.wait(2), "wake did not end the first wait"
    finally:
        worker.stop()
