"""``GET /v1/health``: open to anyone on the machine, so supervisors and the UI can poll it."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from drivers.base import Health
from local_api.schemas import HealthView
from local_api.state import DaemonDep

router = APIRouter()

try:
    VERSION = version("gov-kiosk")
except PackageNotFoundError:  # running from a source tree that was not installed
    VERSION = "0+unknown"


@router.get("/health", response_model=HealthView)
def health(daemon: DaemonDep) -> HealthView:
    devices = {name: slot.device.status.health.value for name, slot in daemon.devices.slots.items()}
    degraded = any(h != Health.ONLINE.value for h in devices.values()) or bool(daemon.catalog_problems)
    return HealthView(
        status="degraded" if degraded else "ok",
        version=VERSION,
        kiosk_id=daemon.settings.kiosk_id,
        uptime_s=round(time.monotonic() - daemon.started, 3),
        devices=devices,
        items_offered=len(daemon.sessions.catalog),
        catalog_problems=daemon.catalog_problems,
    )
