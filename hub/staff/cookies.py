"""Signed session cookies that name the key they were signed with, so a retired key's cookies stop and a new
key's start without logging everyone out at a rotation."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping


def sign(key_id: str, key: bytes, claims: dict[str, object], now: dt.datetime) -> str:
    """``key_id.payload.mac``: the claims and the issue time, HMAC-SHA256 over the key id and payload."""
    payload = _b64(json.dumps({**claims, "t": int(now.timestamp())}, separators=(",", ":")).encode())
    return f"{key_id}.{payload}.{_mac(key, key_id, payload)}"


def verify(keys: Mapping[str, bytes], cookie: str | None, now: dt.datetime, max_age: dt.timedelta) -> dict | None:
    """The claims of a cookie signed with one of ``keys`` (id → key) and younger than ``max_age``, else None."""
    if not cookie or cookie.count(".") != 2:
        return None
    key_id, payload, mac = cookie.split(".")
    key = keys.get(key_id)
    if key is None or not hmac.compare_digest(mac.encode(), _mac(key, key_id, payload).encode()):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        issued = dt.datetime.fromtimestamp(int(claims["t"]), dt.UTC)
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(claims, dict) or not dt.timedelta(0) <= now - issued <= max_age:
        return None
    return claims


def _mac(key: bytes, key_id: str, payload: str) -> str:
    return _b64(hmac.new(key, f"{key_id}.{payload}".encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class SigningKeys:
    """The keys session cookies are signed with: the active one signs, every one not retired verifies."""

    def __init__(self, active_id: str, keys: Mapping[str, bytes]) -> None:
        if active_id not in keys:
            raise ValueError(f"active key {active_id} is not among the keys")
        self.active_id = active_id
        self.keys = dict(keys)

    def sign(self, claims: dict[str, object], now: dt.datetime) -> str:
        return sign(self.active_id, self.keys[self.active_id], claims, now)

    def verify(self, cookie: str | None, now: dt.datetime, max_age: dt.timedelta) -> dict | None:
        return verify(self.keys, cookie, now, max_age)
