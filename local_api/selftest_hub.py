"""The hub's state for the self-test when kioskd's health does not report one: one look at the hub now.

States are those of ``kioskctl health --json``: ok, unreachable, unauthorised, wrong_url, tls_error,
not_configured. Only the hub's health (no token) and one small kiosk-authenticated read are asked.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx


def probe_hub(hub_url: str | None, token: str | None, *, timeout: float = 5.0,
              transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    if not hub_url:
        return {"state": "not_configured", "detail": "KIOSK_HUB_URL is not set"}
    base = hub_url.rstrip("/")
    view: dict[str, Any] = {"url": base}
    try:
        with httpx.Client(base_url=f"{base}/api/v1", timeout=timeout, transport=transport) as http:
            health = http.get("/health")
            try:
                looks_like_hub = health.status_code == 200 and isinstance(health.json(), dict)
            except ValueError:
                looks_like_hub = False
            if not looks_like_hub:
                return {**view, "state": "wrong_url",
                        "detail": f"{base}/api/v1/health answered {health.status_code}, not as kioskhub does; "
                                  "check KIOSK_HUB_URL"}
            mine = http.get("/queue/services", headers={"Authorization": f"Bearer {token or ''}"})
    except httpx.ConnectError as exc:
        if isinstance(exc.__cause__, ssl.SSLError) or "CERTIFICATE" in str(exc).upper() or "SSL" in str(exc).upper():
            return {**view, "state": "tls_error", "detail": f"TLS failed: {exc}; check the hub's certificate"}
        return {**view, "state": "unreachable", "detail": f"cannot connect: {exc}; check the network"}
    except httpx.HTTPError as exc:
        return {**view, "state": "unreachable", "detail": f"{type(exc).__name__}: {exc}"}
    if mine.status_code == 401:
        return {**view, "state": "unauthorised",
                "detail": "the hub refused this kiosk's token; enrol the kiosk again (kioskctl enroll)"}
    return {**view, "state": "ok", "detail": ""}
