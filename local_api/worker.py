"""One background loop: a thread that runs a step, waits, and runs it again until stopped.

The step returns how long to wait before the next run (``None``: the worker's interval, with its
jitter, so kiosks of a hall do not all call the hub in the same second; ``math.inf``: until woken).
The first run is at once, or after ``first_wait`` for a loop whose owner has just done the work itself.
A step that raises is logged once per streak of failures, as the outbox logs failed sends, and a line
says when it works again; the worker then waits ``failure_wait(failures in a row)`` and tries again.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, what: str, step: Callable[[], float | None], *, interval_s: float, jitter: float = 0.0,
                 failure_wait: Callable[[int], float] | None = None, join_s: float = 10.0,
                 first_wait: float = 0.0, rng: Callable[[], float] = random.random) -> None:
        self.what = what  # "outbox drain": the log says "outbox drain failed"
        self.step = step
        self.interval_s = interval_s
        self.jitter = jitter  # a fraction of the interval, either way
        self.failure_wait = failure_wait or (lambda failures: self.interval_s)
        self.join_s = join_s
        self.first_wait = first_wait
        self.rng = rng
        self.failures = 0  # runs in a row that raised
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=what.replace(" ", "-"), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Run the step now rather than at the end of the wait."""
        self._wake.set()

    def stop(self) -> None:
        """Stop and wait for the step in progress to end (at most ``join_s``)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.join_s)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def sleep(self, seconds: float) -> bool:
        """Wait inside a step; True when the worker is being stopped meanwhile."""
        return self._stop.wait(seconds)

    def wait_after(self, asked: float | None) -> float:
        """The wait after a step that asked for ``asked`` seconds (None: the jittered interval)."""
        if asked is not None:
            return asked
        return self.interval_s * (1 + self.jitter * (2 * self.rng() - 1))

    def _run(self) -> None:
        if self.first_wait > 0:
            self._wake.wait(self.first_wait)
            self._wake.clear()
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:
                self.failures += 1
                if self.failures == 1:
                    log.exception(f"{self.what} failed; retrying", extra={"worker": self.what})
                wait = self.failure_wait(self.failures)
            else:
                if self.failures:
                    log.info(f"{self.what} works again", extra={"worker": self.what, "failed_runs": self.failures})
                    self.failures = 0
            wait = self.wait_after(wait)
            if wait <= 0:
                continue
            self._wake.wait(None if math.isinf(wait) else wait)
            self._wake.clear()
