"""Security headers on the hub's answers: CSP and framing on pages, HSTS over https, no caching of personal pages.

The staff, helper and kiosk answers carry personal data (names and numbers, masked or not, scans), so
no browser or proxy may keep them (``no-store``). Pages load scripts and styles from the hub only
(inline ``<style>`` blocks are allowed; no inline script exists) and may not be framed anywhere, so a
foreign site cannot overlay the helper console or the staff pages. HSTS goes out when the request
came over https, as uvicorn sees it: directly, or through a proxy listed in ``FORWARDED_ALLOW_IPS``
whose ``X-Forwarded-Proto`` it believes.
"""

from __future__ import annotations

import ipaddress

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HSTS = "max-age=63072000"  # two years, as the shipped nginx configuration says
_PRIVATE = ("/staff", "/helper", "/api/v1/")
_PUBLIC_FILES = ("/helper/static/",)


def private(path: str) -> bool:
    """Answers that may hold personal data or a session: never cached."""
    return path.startswith(_PRIVATE) and not path.startswith(_PUBLIC_FILES)


class SecurityHeaders:
    """ASGI middleware adding the headers above; a header a route set itself is left as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        no_store = private(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
                    # not no-referrer: under it Chromium sends "Origin: null" with a page's own form posts,
                    # and the helper and staff pages refuse posts from any other origin (CSRF)
                    headers.setdefault("Referrer-Policy", "same-origin")
                if secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def secure_cookie(scheme: str, host_header: str) -> bool:
    """A session cookie is ``Secure`` unless the page is plain http on this machine (a developer's laptop).

    Off loopback it is Secure even over plain http: the browser then keeps no session, and the helper
    must use the https address, rather than a session that travels the hall's network in clear.
    """
    if scheme == "https":
        return True
    name = host_header.strip().lower()
    name = name[1:].split("]", 1)[0] if name.startswith("[") else name.rsplit(":", 1)[0]
    if name == "localhost":
        return False
    try:
        return not ipaddress.ip_address(name).is_loopback
    except ValueError:
        return True
