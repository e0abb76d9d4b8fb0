"""What every request to kioskd passes first: its ``Host`` (DNS rebinding), a WebSocket's ``Origin``, the body size.

kioskd listens on loopback, but a web page the kiosk's browser (or a technician's laptop) opens can
point its own host name at 127.0.0.1 and talk to kioskd as a same-origin site: that request carries
the page's name in ``Host``, so only loopback names and the configured ones are answered (400 else).
Browsers send ``Origin`` on WebSockets and nothing stops a foreign page from opening one; one with a
foreign origin is refused before it is accepted (the UI and kioskctl send none). Bodies are limited
before they are read: the largest thing a client sends is a shared-screen frame.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from common.body_limit import counting, declared_over

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def host_name(value: str) -> str:
    """The name in a ``Host`` header or URL authority, without the port or IPv6 brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(api_host: str, extra: str | None) -> frozenset[str]:
    """Loopback names, the address kioskd binds, and KIOSK_API_ALLOWED_HOSTS."""
    names = set(LOOPBACK_NAMES) | {host_name(api_host)}  # a wildcard too: the UI then asks for 0.0.0.0
    names |= {host_name(n) for n in (extra or "").split(",") if n.strip()}
    return frozenset(names)


def is_allowed(name: str, allowed: frozenset[str]) -> bool:
    if name in allowed:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class LocalGate:
    """ASGI middleware: Host and Origin checks and the body limit (see the module's docstring)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str], max_body: int, large: dict[str, int]) -> None:
        self.app = app
        self.allowed = allowed
        self.max_body = max_body
        self.large = large  # path -> limit, for the few routes that take more

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if not is_allowed(host, self.allowed):
            shown = host[:80] or "(none)"
            await self._refuse(scope, send, 400, f"kioskd answers only to its own names (localhost, 127.0.0.1 or "
                                                 f"KIOSK_API_ALLOWED_HOSTS), not to Host {shown!r}")
            return
        if scope["type"] == "websocket":
            origin = headers.get(b"origin")
            if origin is not None and not is_allowed(host_name(urlsplit(origin.decode("latin-1")).netloc),
                                                     self.allowed):
                await send({"type": "websocket.close", "code": 1008})  # before accept: the client sees a 403
                return
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send, headers)

    async def _http(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
        limit = self.large.get(scope["path"], self.max_body)
        detail = f"request body over {limit} bytes; kioskd takes small JSON bodies (and screen frames) only"
        if declared_over(headers, limit):
            await self._refuse(scope, send, 413, detail)
            return
        # An HTTPException: FastAPI passes one raised while it reads a body on as it is.
        await self.app(scope, counting(receive, limit, lambda: HTTPException(413, detail)), send)

    async def _refuse(self, scope: Scope, send: Send, status: int, detail: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
