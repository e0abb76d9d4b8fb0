"""A small in-process publish/subscribe hub feeding the ``/v1/events`` WebSocket.

Publishers may be driver threads; subscribers are asyncio queues on the server's loop, so
messages cross over with ``call_soon_threadsafe``. A slow subscriber loses old messages, never
blocks a device thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

from local_api.schemas import PushMessage


class EventBus:
    def __init__(self, max_queue: int = 100) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self.max_queue = max_queue

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self.max_queue)
        with self._lock:
            self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers.discard(queue)

    def publish(self, message: PushMessage) -> None:
        """Thread-safe: deliver ``message`` to every subscriber, as the JSON the UI validates."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        data = message.model_dump(mode="json")
        with self._lock:
            queues = list(self._subscribers)
        for queue in queues:
            loop.call_soon_threadsafe(self._put, queue, data)

    @staticmethod
    def _put(queue: asyncio.Queue[dict[str, Any]], message: dict[str, Any]) -> None:
        if queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
        queue.put_nowait(message)
