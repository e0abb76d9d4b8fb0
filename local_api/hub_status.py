"""What kioskd knows about its link to the hub: a state, since when, the last success, and why.

Fed by the hub probe (``local_api.hub_probe``) and by every real request (``HubClient``'s observer),
so ``/v1/health`` follows reality within a probe interval. Before, a wrong port, a wrong address or a
revoked token left health at ``ok`` while citizens were given provisional receipts and nobody knew why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

STATES = ("ok", "unreachable", "unauthorised", "wrong_url", "tls_error", "not_configured")
# States in which nothing reaches the hub although a hub is configured: long enough, and kioskd is degraded.
BAD = frozenset({"unreachable", "unauthorised", "wrong_url", "tls_error"})
NOT_CONFIGURED_DETAIL = ("no hub configured: enrol this kiosk with a pairing code (kioskctl enroll --hub URL --code "
                         "CODE, or on the maintenance screen), or set KIOSK_HUB_URL and KIOSK_HUB_TOKEN")
NOT_YET_DETAIL = "not reached yet since kioskd started; checking"

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HubStatus:
    """Thread-safe: the probe, the forwarder and the effect workers all report here."""

    def __init__(self, configured: bool, *, clock: Clock = _utcnow) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        now = clock()
        self.version = 0  # of the credentials; reports made with older ones are stale
        self.state = "unreachable" if configured else "not_configured"
        self.detail = NOT_YET_DETAIL if configured else NOT_CONFIGURED_DETAIL
        self.since = now
        # Counted from the start: a hub that was never reached is as bad as one that went away.
        self.bad_since: datetime | None = now if configured else None
        self.last_ok_at: datetime | None = None
        self.checked_at: datetime | None = None

    def report(self, state: str, detail: str = "", *, version: int | None = None) -> None:
        """What a probe or a request found; ``version`` is that of the credentials it used."""
        if state not in STATES:
            raise ValueError(f"unknown hub state {state!r}")
        with self._lock:
            if version is not None and version < self.version:
                return  # a request still under way with the credentials an enrolment just replaced
            now = self.clock()
            if state != self.state:
                self.since = now
            if state in BAD:
                self.bad_since = self.bad_since or now
            else:
                self.bad_since = None
            if state == "ok":
                self.last_ok_at = now
            self.state, self.detail, self.checked_at = state, detail[:500], now

    def new_credentials(self, version: int, configured: bool) -> None:
        """The credentials changed (an enrolment): older reports no longer count; the probe runs next."""
        with self._lock:
            self.version = max(self.version, version)
        if not configured:
            self.report("not_configured", NOT_CONFIGURED_DETAIL)

    def observer(self, version: int) -> Callable[[str, str], None]:
        """For a HubClient built with credentials of ``version``."""
        return lambda state, detail: self.report(state, detail, version=version)

    def degraded(self, after_s: float) -> bool:
        """True once the hub has been out of reach (or refusing, or wrong) for ``after_s`` seconds or more."""
        with self._lock:
            return self.bad_since is not None and (self.clock() - self.bad_since).total_seconds() >= after_s

    def view(self) -> dict[str, Any]:
        with self._lock:
            return {"state": self.state, "last_ok_at": self.last_ok_at, "detail": self.detail,
                    "since": self.since, "checked_at": self.checked_at}
