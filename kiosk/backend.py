"""Runs client calls off Kivy's main thread and hands their results back on it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock

from local_api.schemas import PushMessage

from .client import KioskdClient, KioskdError

log = logging.getLogger(__name__)


class Backend:
    """One ordered worker for requests, one thread for pushed messages."""

    def __init__(self, client: KioskdClient) -> None:
        self.client = client
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kioskd-call")
        self._side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kioskd-preview")
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self.pending = 0

    def call(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[KioskdError], None] | None = None,
        side: bool = False,
    ) -> None:
        """Run ``fn(*args)`` on a worker; call ``on_done``/``on_error`` on the main thread."""
        self.pending += 1

        def work() -> None:
            try:
                result = fn(*args)
            except KioskdError as exc:
                err = exc
                Clock.schedule_once(lambda dt: self._finish(on_error, err), 0)
            except Exception:  # a bug must not kill the worker; the user sees the calm screen
                log.exception("client call %s failed", getattr(fn, "__name__", fn))
                err2 = KioskdError("internal error")
                Clock.schedule_once(lambda dt: self._finish(on_error, err2), 0)
            else:
                Clock.schedule_once(lambda dt: self._finish(on_done, result), 0)

        (self._side if side else self._pool).submit(work)

    def _finish(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        self.pending -= 1
        if callback is not None:
            callback(value)

    def listen(self, on_message: Callable[[PushMessage], None]) -> None:
        """Start the push listener; messages arrive on the main thread."""

        def deliver(message: PushMessage) -> None:
            Clock.schedule_once(lambda dt: on_message(message), 0)

        self._listener = threading.Thread(
            target=self.client.listen, args=(deliver, self._stop), name="kioskd-push", daemon=True
        )
        self._listener.start()

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._side.shutdown(wait=False, cancel_futures=True)
        if self._listener is not None:
            self._listener.join(timeout=2)
        self.client.close()
