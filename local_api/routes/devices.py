"""``/v1/devices``: each configured device with its URI, kind and status."""

from __future__ import annotations

from fastapi import APIRouter

from local_api.devices import Slot
from local_api.errors import NoDevice
from local_api.schemas import DeviceView
from local_api.state import DaemonDep

router = APIRouter()


def device_view(slot: Slot) -> DeviceView:
    return DeviceView(
        name=slot.name,
        kind=slot.device.kind,
        uri=slot.uri,
        simulated=slot.simulated,
        status=slot.device.status.to_dict() | {"stage": slot.device.stage.value, "owner": slot.device.owner},
    )


@router.get("/devices", response_model=list[DeviceView])
def list_devices(daemon: DaemonDep) -> list[DeviceView]:
    return [device_view(slot) for slot in daemon.devices.slots.values()]


@router.post("/devices/{name}/probe", response_model=DeviceView)
def probe_device(name: str, daemon: DaemonDep) -> DeviceView:
    """Refresh one device's status now (the technician's "test" button)."""
    slot = daemon.devices.slots.get(name)
    if slot is None:
        raise NoDevice(f"no device named {name!r}; configured: {', '.join(daemon.devices.slots)}")
    daemon.devices.probe_all()
    return device_view(slot)
