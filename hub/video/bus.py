"""How the hub's nodes tell each other about calls: one interface, a single-process one and its framing.

A call lives on the node that created it (its home, named by the first 8 hex digits of the call id).
A kiosk's or a helper's socket may land on any node behind the balancer; that node forwards what the
socket says to the home and delivers what the home sends back. With one node (SQLite, or one
PostgreSQL process) nothing needs forwarding and ``LocalBus`` carries nothing.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Handler = Callable[[dict[str, Any]], Awaitable[None]]
FRAME_BYTES = 7900  # PostgreSQL's NOTIFY payload must stay under 8000 bytes
NODE_HEX = 8


def new_node_id() -> str:
    return secrets.token_hex(NODE_HEX // 2)


def home_of(call_id: str) -> str:
    """The node a call was created on (its id starts with the node's id)."""
    return call_id[:NODE_HEX]


class CallBus(Protocol):
    """Messages between nodes about calls; ``shared`` is False when this process is the only node."""

    node: str
    shared: bool

    async def start(self, handler: Handler) -> None: ...
    async def publish(self, message: dict[str, Any]) -> None: ...
    async def dead(self, nodes: set[str]) -> set[str]: ...
    async def close(self) -> None: ...


class LocalBus:
    """One node: every call's two sockets meet in this process, so nothing is ever sent."""

    shared = False

    def __init__(self) -> None:
        self.node = new_node_id()

    async def start(self, handler: Handler) -> None:
        return None

    async def publish(self, message: dict[str, Any]) -> None:
        return None

    async def dead(self, nodes: set[str]) -> set[str]:
        return set()

    async def close(self) -> None:
        return None


def frames(message: dict[str, Any], message_id: str, limit: int = FRAME_BYTES) -> list[str]:
    """The message as payloads of at most ``limit`` bytes: ``id:index:count:`` then a piece of its JSON.

    The JSON is ASCII (non-ASCII escaped), so a character is a byte and pieces split anywhere. An SDP
    offer may be 64 KB, far over one NOTIFY's 8000 bytes.
    """
    text = json.dumps(message, ensure_ascii=True, separators=(",", ":"))
    room = limit - len(message_id) - 16
    pieces = [text[i:i + room] for i in range(0, len(text), room)] or [""]
    return [f"{message_id}:{n}:{len(pieces)}:{piece}" for n, piece in enumerate(pieces)]


class Reassembly:
    """Joins the payloads of ``frames`` back into messages; the pieces of one message arrive in order."""

    def __init__(self) -> None:
        self._partial: dict[str, list[str]] = {}

    def add(self, payload: str) -> dict[str, Any] | None:
        """The whole message once its last piece has come, else None; malformed payloads are dropped."""
        try:
            message_id, index, count, piece = payload.split(":", 3)
            n, total = int(index), int(count)
        except ValueError:
            return None
        if total == 1:
            return _load(piece)
        parts = self._partial.setdefault(message_id, [])
        if n != len(parts):  # a piece was lost (e.g. a reconnection): drop the message
            self._partial.pop(message_id, None)
            return None
        parts.append(piece)
        if len(parts) < total:
            return None
        del self._partial[message_id]
        return _load("".join(parts))


def _load(text: str) -> dict[str, Any] | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
