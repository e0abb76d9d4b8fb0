"""ICE servers for a call: STUN URLs, and TURN with coturn REST (use-auth-secret) or static credentials."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from hub.settings import HubSettings


def split_urls(value: str | None) -> list[str]:
    """``"stun:a:3478, stun:b:3478"`` → the URLs, in order."""
    return [u.strip() for u in (value or "").split(",") if u.strip()]


def turn_rest_credentials(secret: str, user: str, now: dt.datetime, ttl_seconds: int) -> tuple[str, str]:
    """coturn REST credentials: username "<expiry-unix>:<user>", password base64(HMAC-SHA1(secret, username))."""
    username = f"{int(now.timestamp()) + ttl_seconds}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(
    *,
    stun_urls: str | None,
    turn_urls: str | None,
    turn_secret: str | None,
    turn_user: str | None,
    turn_password: str | None,
    call_id: str,
    now: dt.datetime,
    ttl_seconds: int,
) -> list[dict[str, Any]]:
    """The RTCIceServer list both peers of ``call_id`` use (the same shape for aiortc and browsers)."""
    servers: list[dict[str, Any]] = []
    stun = split_urls(stun_urls)
    if stun:
        servers.append({"urls": stun})
    turn = split_urls(turn_urls)
    if turn:
        if turn_secret:
            username, credential = turn_rest_credentials(turn_secret, call_id, now, ttl_seconds)
        else:
            username, credential = turn_user or "", turn_password or ""
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers


def for_call(settings: HubSettings, call_id: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The ICE servers of ``call_id`` from the hub's settings (KIOSKHUB_STUN_URLS, KIOSKHUB_TURN_*)."""
    return ice_servers(
        stun_urls=settings.stun_urls,
        turn_urls=settings.turn_urls,
        turn_secret=settings.turn_secret,
        turn_user=settings.turn_user,
        turn_password=settings.turn_password,
        call_id=call_id,
        now=now,
        ttl_seconds=settings.turn_ttl_seconds,
    )
