"""``/v1/outbox``: how much is waiting to reach the hub, and case numbers by provisional number."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from local_api.errors import Conflict, NotFound
from local_api.state import DaemonDep

router = APIRouter(prefix="/outbox")


@router.get("/status")
def status(daemon: DaemonDep) -> dict[str, Any]:
    return daemon.outbox.status() | {"hub_configured": daemon.hub.access() is not None}


@router.get("/provisional/{provisional_no}")
def by_provisional(provisional_no: str, daemon: DaemonDep) -> dict[str, Any]:
    found = daemon.outbox.find(provisional_no)
    if found is None:
        raise NotFound(f"no submission with provisional number {provisional_no!r} on this kiosk "
                       "(acknowledged ones are kept for the retention period only)", code="no_submission")
    return {"provisional_no": provisional_no, **found}


@router.post("/flush")
def flush(daemon: DaemonDep) -> dict[str, Any]:
    """Send everything waiting now, backoff or not (a technician after fixing the network)."""
    if daemon.forwarder is None or daemon.hub.access() is None:
        raise Conflict("no hub configured; enrol this kiosk (kioskctl enroll --hub URL --code CODE) "
                       "or set KIOSK_HUB_URL and KIOSK_HUB_TOKEN", code="no_hub")
    daemon.outbox.retry_now()
    daemon.forwarder.wake()
    return daemon.outbox.status()
