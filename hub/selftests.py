"""The last self-test of each kiosk: what a kiosk may report of it, and keeping it between heartbeats.

It arrives inside the heartbeat (``selftest``) and is kept with the kiosk's last status. Its model,
``wire.heartbeat.SelfTestReport``, is closed (unknown fields are refused) and bounded, so nothing but
the time, the verdicts and the device checks' own words can be stored — never a name, a number or an
image from a citizen.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.db.models import Kiosk


def carry_forward(previous: dict[str, Any] | None, report: dict[str, Any]) -> dict[str, Any]:
    """The report to keep: a heartbeat without a self-test keeps the one the kiosk sent before.

    kioskd sends its last self-test with every heartbeat, but one restored from an old backup, or a
    kioskd older than this hub, may not; the last one known is still the last one there was.
    """
    if report.get("selftest") is None and previous and previous.get("selftest"):
        return {**report, "selftest": previous["selftest"]}
    return report


def previous_status(db: Session, kiosk_id: str) -> dict[str, Any] | None:
    kiosk = db.get(Kiosk, kiosk_id)
    return kiosk.last_status if kiosk is not None else None


def last_selftest(status: dict[str, Any] | None) -> dict[str, Any] | None:
    """The last self-test in a kept status, for the staff pages (None when the kiosk never sent one)."""
    found = (status or {}).get("selftest")
    return found if isinstance(found, dict) else None
