"""The kiosk's side of the hub's video-help API: HTTP to open and close a call, a WebSocket to signal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from local_api.errors import HubUnreachable
from local_api.video import protocol


class CallRefused(Exception):
    """The hub closed the call's socket for good (ended, unknown, another kiosk's call, or replaced)."""


class SignalingLost(Exception):
    """The call's socket dropped without the hub ending the call."""


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    detail = body.get("detail") if isinstance(body, dict) else body
    return (detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False))[:300]


class HubCalls:
    """``/api/v1/calls`` with the kiosk's bearer token."""

    def __init__(self, base_url: str, token: str, *, kiosk_id: str | None = None, timeout: float = 8.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.kiosk_id = kiosk_id
        headers = {"Authorization": f"Bearer {token}"} | ({"X-Kiosk-Id": kiosk_id} if kiosk_id else {})
        self.http = httpx.AsyncClient(base_url=self.base + "/api/v1", timeout=timeout, transport=transport,
                                      headers=headers)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise HubUnreachable(f"the hub at {self.base} cannot be reached ({type(exc).__name__}); "
                                 "check the network and KIOSK_HUB_URL") from None
        if response.status_code in (401, 403):
            raise HubUnreachable(f"the hub refused this kiosk's credentials ({response.status_code}: "
                                 f"{_detail(response)}); a technician must enrol the kiosk again")
        if response.status_code == 404 and path == "/calls":
            raise HubUnreachable("the hub offers no video help (404 on /api/v1/calls); update the hub")
        if response.status_code >= 400:
            raise HubUnreachable(f"the hub answered {response.status_code}: {_detail(response)}")
        try:
            body = response.json()
        except ValueError:
            raise HubUnreachable(f"the hub answered {response.status_code} with a body that is not JSON") from None
        return body if isinstance(body, dict) else {}

    async def create(self, item: dict[str, Any]) -> dict[str, Any]:
        """POST /calls: a ringing call with its id, ring timeout, ICE servers and recording policy."""
        answer = await self._call("POST", "/calls", json=item)
        if not isinstance(answer.get("call_id"), str) or not answer["call_id"]:
            raise HubUnreachable("the hub's answer to POST /calls carried no call_id")
        return answer

    async def policy(self) -> dict[str, Any]:
        """GET /calls/policy: whether this site records calls, asked before the citizen agrees to one."""
        return await self._call("GET", "/calls/policy")

    async def cancel(self, call_id: str) -> None:
        """DELETE /calls/{id}; a call the hub already ended (404/409) is fine."""
        try:
            await self._call("DELETE", f"/calls/{call_id}")
        except HubUnreachable as exc:
            if " 404" not in str(exc) and " 409" not in str(exc):
                raise

    async def callback(self, call_id: str, phone: str, *, key: str) -> None:
        """POST /calls/{id}/callback with an Idempotency-Key: a repeat gets the first ack, never a second row."""
        await self._call("POST", f"/calls/{call_id}/callback", json={"phone": phone},
                         headers={"Idempotency-Key": key})

    def socket_url(self, call_id: str) -> str:
        scheme, rest = self.base.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/api/v1/calls/{call_id}/kiosk"


class Signaling:
    """The call's WebSocket: send kiosk messages, iterate over the hub's raw text frames."""

    def __init__(self, url: str, token: str, *, kiosk_id: str | None = None) -> None:
        self.url = url
        self.token = token
        self.kiosk_id = kiosk_id
        self.ws: ClientConnection | None = None

    async def connect(self, timeout: float = 8.0) -> None:
        try:
            headers = {"Authorization": f"Bearer {self.token}"}
            if self.kiosk_id:
                headers["X-Kiosk-Id"] = self.kiosk_id
            self.ws = await connect(self.url, additional_headers=headers,
                                    open_timeout=timeout, max_size=protocol.MAX_SDP * 2, ping_interval=5,
                                    ping_timeout=10)
        except InvalidStatus as exc:
            code = exc.response.status_code
            if code in (401, 403, 404):
                raise CallRefused(f"the hub refused the call's socket ({code})") from None
            raise SignalingLost(f"the hub answered {code} to the call's socket") from None
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            raise SignalingLost(f"the call's socket cannot be opened ({type(exc).__name__})") from None

    async def send(self, text: str) -> bool:
        """Send one message; False when the socket is down (the caller decides what that means)."""
        if self.ws is None:
            return False
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            return False
        return True

    async def messages(self) -> AsyncIterator[str | bytes]:
        """The hub's frames until the socket closes: CallRefused for 4403/4404, SignalingLost otherwise."""
        assert self.ws is not None
        try:
            async for frame in self.ws:
                yield frame
        except ConnectionClosed:
            pass
        rcvd = self.ws.close_code
        reason = self.ws.close_reason or ""
        if rcvd in (4401, 4403, 4404, 4409):  # 4409: a newer socket of this kiosk replaced this one
            raise CallRefused(f"the hub closed the call ({rcvd} {reason})".strip())
        raise SignalingLost(f"the call's socket closed ({rcvd} {reason})".strip())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
