"""The hub probe: every ``KIOSK_HUB_PROBE_S`` seconds (and at once after an enrolment), ask the hub who we are.

Two requests tell the states apart:

1. ``GET /api/v1/health`` (no token) must be kioskhub's JSON (``"service": "kioskhub"``). Nothing
   answering is ``unreachable``; a failed handshake or certificate is ``tls_error``; a 404, an HTML
   page or another service's JSON is ``wrong_url``.
2. ``GET /api/v1/kiosk`` with the token and the kiosk id: 401/403 is ``unauthorised`` (unknown,
   rotated or revoked token, or a token of another kiosk id); 200 is ``ok``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx

from local_api.hub_client import transport_failure
from local_api.hub_link import HubAccess, HubLink
from local_api.hub_status import NOT_CONFIGURED_DETAIL
from local_api.worker import Worker

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 5.0


def probe(access: HubAccess, *, timeout: float = PROBE_TIMEOUT_S,
          transport: httpx.BaseTransport | None = None) -> tuple[str, str]:
    """The hub's state as seen now with ``access``, and a line saying why."""
    url = access.url
    with httpx.Client(base_url=f"{url}/api/v1", timeout=timeout, transport=transport) as http:
        try:
            health = http.get("/health")
        except httpx.HTTPError as exc:
            return _transport(exc, url, timeout)
        if health.status_code >= 500:  # the hub without its database, or a proxy in front of a hub that is down
            return "unreachable", (f"{url} answers {health.status_code} ({_detail(health)}): the hub, or a proxy "
                                   "in front of it, is not working; see the hub's log")
        problem = _not_kioskhub(health, url)
        if problem is not None:
            return "wrong_url", problem
        if not access.token:
            return "unauthorised", ("this kiosk has no token for the hub yet; enrol it (kioskctl enroll --hub URL "
                                    "--code CODE, or on the maintenance screen) or set KIOSK_HUB_TOKEN")
        try:
            who = http.get("/kiosk", headers={"Authorization": f"Bearer {access.token}",
                                              "X-Kiosk-Id": access.kiosk_id})
        except httpx.HTTPError as exc:
            return _transport(exc, url, timeout)
    if who.status_code in (401, 403):
        return "unauthorised", f"the hub refused this kiosk's credentials ({who.status_code}): {_detail(who)}"
    if who.status_code >= 500:
        return "unreachable", f"the hub at {url} answers but is not working ({who.status_code}); see the hub's log"
    body = _json(who)
    if who.status_code != 200 or not isinstance(body, dict) or body.get("service") != "kioskhub":
        return "wrong_url", (f"{url} answered {who.status_code} to GET /api/v1/kiosk, which kioskhub answers "
                             "with the kiosk's id; update the hub or check the address")
    return "ok", f"kiosk {body.get('kiosk_id')} at site {body.get('site_id')} on {url}"


def _transport(exc: httpx.HTTPError, url: str, timeout: float) -> tuple[str, str]:
    if isinstance(exc, httpx.TimeoutException):
        return "unreachable", f"no answer from {url} within {timeout:g} s; check the network and the address"
    return transport_failure(exc, url)


def _not_kioskhub(response: httpx.Response, url: str) -> str | None:
    """Why this answer to /api/v1/health is not kioskhub's, or None when it is."""
    body = _json(response)
    if isinstance(body, dict) and body.get("service") == "kioskhub":
        return None
    if response.status_code == 404:
        return (f"{url} has no /api/v1/health (404): this is not the hub's address; use scheme, host and "
                "port of kioskhub, without a path")
    if body is None:
        kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
        return (f"{url} answered {response.status_code} with {kind}, not the hub's JSON (a login page, a proxy "
                "or another service); check the address")
    return f"{url} answers {response.status_code}, but it is not kioskhub (another service on that port?)"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    body = _json(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    return (detail if isinstance(detail, str) else response.reason_phrase or "no detail")[:300]


class HubProbe(Worker):
    """Probes on an interval and whenever woken (new credentials)."""

    def __init__(self, link: HubLink, interval_s: float, *, timeout: float = PROBE_TIMEOUT_S) -> None:
        super().__init__("hub probe", self.check_now, interval_s=interval_s, jitter=0.1, join_s=timeout * 2 + 5)
        self.link = link
        self.timeout = timeout
        self._lock = threading.Lock()  # one probe at a time: the thread's and an enrolment's

    def check_now(self) -> None:
        """Probe once on the caller's thread and record the result."""
        with self._lock:
            access = self.link.access()
            if access is None:
                self.link.status.report("not_configured", NOT_CONFIGURED_DETAIL)
                return
            try:
                state, detail = probe(access, timeout=self.timeout)
            except Exception as exc:  # a bug here must not stop the probing
                log.exception("hub probe failed")
                state, detail = "unreachable", f"the probe failed ({type(exc).__name__}); see kioskd's log"
            before = self.link.status.state
            self.link.status.report(state, detail, version=access.version)
            if state == before:
                return  # a line per change, not one a probe
            if state == "ok":
                log.info("hub state changed", extra={"from": before, "to": state})
            else:
                log.warning("hub state changed", extra={"from": before, "to": state, "detail": detail[:300]})
