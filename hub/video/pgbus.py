"""The call bus over PostgreSQL: LISTEN/NOTIFY carries the messages, advisory locks tell who is alive.

Each node listens on one channel with its own connection and holds a session advisory lock named by
its node id on that connection for as long as it lives. PostgreSQL drops the lock when the
connection ends, also when the process is killed, so ``dead`` is exact: a node whose lock can be
taken is gone. Messages are sent on a second connection (a listening connection is busy waiting);
NOTIFY payloads stay under 8000 bytes by ``bus.frames``. PostgreSQL was chosen over a message
broker because the hub already depends on it for several nodes: nothing new to run or secure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from hub.video.bus import Handler, Reassembly, frames, new_node_id

log = logging.getLogger(__name__)
CHANNEL = "kioskhub_calls"
_LOCK_CLASS = 0x6B68  # the first key of every node's liveness lock; the second is the node id
RECONNECT_SECONDS = 1.0


def conninfo(sqlalchemy_url: str) -> str:
    """A libpq URI for psycopg from the hub's SQLAlchemy URL (postgresql+psycopg://...)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _lock_key(node: str) -> int:
    value = int(node, 16)
    return value - (1 << 32) if value >= 1 << 31 else value  # int4, signed


class PgBus:
    shared = True

    def __init__(self, sqlalchemy_url: str) -> None:
        self.node = new_node_id()
        self._conninfo = conninfo(sqlalchemy_url)
        self._sender: psycopg.AsyncConnection[Any] | None = None
        self._send_lock = asyncio.Lock()
        self._counter = itertools.count()
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()

    async def start(self, handler: Handler) -> None:
        """Listen (and hold this node's liveness lock) before the node creates any call."""
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._dispatch(handler))]
        await asyncio.wait_for(self._listening.wait(), 30)

    async def _listen(self) -> None:
        reassembly = Reassembly()
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    await conn.execute("SELECT pg_advisory_lock(%s, %s)", (_LOCK_CLASS, _lock_key(self.node)))
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    async for note in conn.notifies():
                        message = reassembly.add(note.payload)
                        if message is not None and message.get("from") != self.node:
                            self._inbox.put_nowait(message)
            except psycopg.Error as exc:
                log.warning("call bus: lost the PostgreSQL listener (%s); reconnecting", type(exc).__name__)
                reassembly = Reassembly()
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _dispatch(self, handler: Handler) -> None:
        while True:
            message = await self._inbox.get()
            to = message.get("to")
            if to is not None and to != self.node:
                continue
            try:
                await handler(message)
            except Exception:
                log.exception("call bus: handling a %r message failed", message.get("op"))

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._sender is None or self._sender.closed:
            self._sender = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        return self._sender

    async def publish(self, message: dict[str, Any]) -> None:
        message = {**message, "from": self.node}
        message_id = f"{self.node}{next(self._counter):x}"
        async with self._send_lock:
            for attempt in (1, 2):
                try:
                    conn = await self._connection()
                    for payload in frames(message, message_id):
                        await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except psycopg.OperationalError:
                    self._sender = None
                    if attempt == 2:
                        raise

    async def dead(self, nodes: set[str]) -> set[str]:
        """Which of these nodes no longer hold their liveness lock."""
        gone = set()
        async with self._send_lock:
            conn = await self._connection()
            for node in sorted(nodes):
                args = (_LOCK_CLASS, _lock_key(node))
                row = await (await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", args)).fetchone()
                if row and row[0]:
                    await conn.execute("SELECT pg_advisory_unlock(%s, %s)", args)
                    gone.add(node)
        return gone

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._sender is not None:
            await self._sender.close()
