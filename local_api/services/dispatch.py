"""The table from an effect's class to the service method that performs it.

Slow work (reading a card, waiting for pages, printing, talking to the hub) runs on a small pool so an
HTTP request never waits for a device; quick bookkeeping (stopping a reader, wiping, consent rows) runs
at once, in order, on the caller's thread. A handler that raises is logged and the session goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pydantic import BaseModel

log = logging.getLogger(__name__)

E = TypeVar("E", bound=BaseModel)
Handler = Callable[[str, Any], None]


class EffectDispatcher:
    def __init__(self, workers: int = 4) -> None:
        self._table: dict[type[BaseModel], tuple[Handler, bool]] = {}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="effects")
        self.stopping = threading.Event()  # set at shutdown: services waiting inside a handler give up

    def on(self, kind: type[E], handler: Callable[[str, E], None], *, inline: bool = False) -> None:
        """Perform effects of class ``kind`` with ``handler(session_id, effect)``; ``inline``: at once, in order."""
        if kind in self._table:
            raise ValueError(f"{kind.__name__} already has a handler")
        self._table[kind] = (handler, inline)

    def handles(self) -> set[type[BaseModel]]:
        return set(self._table)

    def run(self, session_id: str, effects: Sequence[BaseModel]) -> None:
        """Carry out the effects of one transition, in order (the slow ones each on the pool)."""
        for effect in effects:
            entry = self._table.get(type(effect))
            if entry is None:
                log.error("no handler for effect", extra={"effect": type(effect).__name__})
                continue
            handler, inline = entry
            if inline:
                self._guarded(handler, session_id, effect)
            else:
                self.background(self._guarded, handler, session_id, effect)

    def background(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the pool, its exceptions logged (for work that is not an effect)."""
        if not self.stopping.is_set():
            self.pool.submit(self._logged, fn, *args)

    def stop(self) -> None:
        self.stopping.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _guarded(handler: Handler, session_id: str, effect: BaseModel) -> None:
        try:
            handler(session_id, effect)
        except Exception:
            log.exception("effect failed", extra={"effect": getattr(effect, "type", type(effect).__name__)})

    @staticmethod
    def _logged(fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("background work failed", extra={"work": getattr(fn, "__qualname__", "?")})
