"""What every request passes before its body is read: the size limit of its route, and the kiosk's token.

FastAPI reads and parses a route's body before it runs the route's dependencies, so a token checked
there comes too late: an unauthenticated 60 MB POST used to be read whole first (the hub went from 135
to 340 MB). This gate answers 413 on a declared size over the route's limit and 401/403 on kiosk
routes without a good token (and ``X-Kiosk-Id`` matching it) before one byte of the body is taken,
and cuts off a chunked body at the limit. Only the routes that take files have a large limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import HTTPException
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.body_limit import counting, declared_over
from hub.certificates.routes import MAX_UPLOAD
from hub.settings import HubSettings
from hub.staff.auth import basic_user
from hub.state import HubState, authenticate_kiosk
from hub.video.recordings import MAX_PIECE_BYTES

UPLOAD_SLACK = 64 * 1024  # multipart framing around a file
_RECORDING = re.compile(r"/helper/calls/[^/]+/recording")
_PUBLIC = frozenset({"/api/v1/health", "/api/v1/enrol", "/api/v1/openapi.json"})


def body_limit(method: str, path: str, settings: HubSettings) -> tuple[int, str]:
    """The largest body this route takes, and what to tell a sender who went over it."""
    if method == "POST" and path == "/api/v1/cases":
        return settings.max_request_bytes, "send fewer or smaller files"
    if method == "POST" and _RECORDING.fullmatch(path):
        return MAX_PIECE_BYTES + UPLOAD_SLACK, "send the recording in smaller pieces"
    if method == "POST" and path.startswith("/verify/"):
        return MAX_UPLOAD + UPLOAD_SLACK, "an issued certificate is well under 1 MiB; check the file"
    mib = settings.max_json_bytes / (1024 * 1024)
    return settings.max_json_bytes, f"this route takes at most {mib:g} MiB; files go with POST /api/v1/cases"


def kiosk_route(path: str) -> bool:
    """Routes a kiosk calls with its token (the rest: public, staff accounts, helper session)."""
    return path.startswith("/api/v1/") and path not in _PUBLIC and not path.startswith("/api/v1/staff/")


class RequestGate:
    """ASGI middleware: route size limits and the kiosk token, before the body (see the module's docstring)."""

    def __init__(self, app: ASGIApp, settings: HubSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, advice = body_limit(scope["method"], scope["path"], self.settings)
        detail = f"request body over {limit} bytes; {advice}"
        headers = dict(scope["headers"])
        if declared_over(headers, limit):
            await _refuse(send, 413, detail)
            return
        if kiosk_route(scope["path"]):
            refusal = await self._kiosk(scope, headers)
            if refusal is not None:
                await _refuse(send, refusal.status_code, str(refusal.detail), refusal.headers)
                return
        started = False
        # An HTTPException, not a private error: FastAPI turns anything else raised while it reads a
        # body into "400 error parsing the body"; this one becomes the 413 as it is.
        counting_receive = counting(receive, limit, lambda: _TooLarge(413, detail))

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _refuse(send, 413, detail)

    async def _kiosk(self, scope: Scope, headers: dict[bytes, bytes]) -> HTTPException | None:
        """None when the request carries a good kiosk token (or a staff account's password); else the refusal."""
        state: HubState | None = getattr(scope["app"].state, "hub", None)
        if state is None:
            return HTTPException(503, "the hub is starting; try again in a moment", {"Retry-After": "1"})
        authorization = headers.get(b"authorization", b"").decode("latin-1") or None
        scheme = (authorization or "").partition(" ")[0]
        if scheme.lower() == "basic":
            # Staff may book and cancel appointments on these routes; the route checks the role.
            try:
                who = await run_in_threadpool(basic_user, state, HTTPConnection(scope), authorization or "")
            except HTTPException as exc:
                return exc
            scope.setdefault("state", {})["staff"] = who  # hub.staff.auth.identify takes it from here
            return None
        kiosk_id = headers.get(b"x-kiosk-id", b"").decode("latin-1") or None
        try:
            caller = await run_in_threadpool(authenticate_kiosk, state, authorization, kiosk_id)
        except HTTPException as exc:
            return exc
        scope.setdefault("state", {})["kiosk"] = caller  # current_caller takes it from here
        return None


async def _refuse(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body: dict[str, Any] = {"detail": detail}
    raw = [(b"content-type", b"application/json")]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": json.dumps(body, ensure_ascii=False).encode()})


class _TooLarge(StarletteHTTPException):
    pass
