"""``GET /v1/health``: open to anyone on the machine, so supervisors and the UI can poll it."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from drivers.base import Health
from local_api.catalogue_updates import load_state
from local_api.schemas import HealthView, HubHealth, OutboxBacklog
from local_api.state import Daemon, DaemonDep

router = APIRouter()

try:
    VERSION = version("gov-kiosk")
except PackageNotFoundError:  # running from a source tree that was not installed
    VERSION = "0+unknown"


@router.get("/health", response_model=HealthView)
def health(daemon: DaemonDep) -> HealthView:
    """``degraded`` when a device is not online, a definition was left out, or the hub has been out of reach
    (refusing, wrong, failing its handshake) for ``KIOSK_HUB_DEGRADED_AFTER_S`` or longer."""
    devices = {name: slot.device.status.health.value for name, slot in daemon.devices.slots.items()}
    hub_down = daemon.hub.status.degraded(daemon.settings.hub_degraded_after_s)
    # A bundle refused or rolled back says why here too; the kiosk serves what it had meanwhile.
    bundle_problem = load_state(daemon.settings.data_dir).problem
    problems = ([bundle_problem] if bundle_problem else []) + daemon.catalog_problems
    degraded = any(h != Health.ONLINE.value for h in devices.values()) or bool(problems) or hub_down
    backlog = daemon.outbox.status()
    return HealthView(
        status="degraded" if degraded else "ok",
        version=VERSION,
        kiosk_id=daemon.hub.kiosk_id,
        uptime_s=round(time.monotonic() - daemon.started, 3),
        devices=devices,
        items_offered=len(daemon.sessions.catalog),
        catalog_problems=problems,
        hub=hub_health(daemon),
        outbox=OutboxBacklog(pending=backlog["pending"], oldest_pending_age_s=backlog["oldest_pending_age_s"],
                             failed=backlog["failed"]),
        maintenance=daemon.maintenance is not None and daemon.maintenance.on,
    )


def hub_health(daemon: Daemon) -> HubHealth:
    access = daemon.hub.access()
    return HubHealth(**daemon.hub.status.view(), url=access.url if access else None,
                     credentials=daemon.hub.source())
