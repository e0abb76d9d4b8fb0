"""A request body limited before and while it is read, for kioskd's and the hub's ASGI gates.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body (or one
that lies about its length) is cut off as soon as what has arrived goes over it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


def declared_over(headers: dict[bytes, bytes], limit: int) -> bool:
    """True when the request's ``Content-Length`` says more than ``limit`` bytes."""
    declared = headers.get(b"content-length")
    return declared is not None and declared.isdigit() and int(declared) > limit


def counting(receive: Receive, limit: int, too_large: Callable[[], Exception]) -> Receive:
    """``receive`` that raises ``too_large()`` once the body read so far is over ``limit`` bytes."""
    seen = 0

    async def counting_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large()
        return message

    return counting_receive
