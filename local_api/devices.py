"""The daemon's devices: built from settings, opened at start, probed in the background, closed at stop.

A device that cannot be opened does not stop the daemon: it is reported offline with the driver's
message, and opening is retried on every probe, so a reader plugged in later comes online by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from drivers import registry
from drivers.base import Device, DeviceStatus, Health, Stage
from drivers.errors import DriverError, InvalidDeviceUri
from local_api.settings import DEVICE_KINDS, ConfigError, Settings
from local_api.worker import Worker

log = logging.getLogger(__name__)

StatusCallback = Callable[[str, Device, DeviceStatus], None]


@dataclass
class Slot:
    """One configured device: its name (kind), URI and driver."""

    name: str
    uri: str
    device: Device

    @property
    def simulated(self) -> bool:
        return self.uri.startswith("sim:")


def check_device_settings(settings: Settings) -> dict[str, str]:
    """Validate every configured URI against its kind without opening anything (ConfigError if wrong)."""
    uris: dict[str, str] = {}
    for kind in DEVICE_KINDS:
        uri = settings.device_uri(kind)
        if uri is None:
            continue
        try:
            registry.check_uri(kind, uri)
        except InvalidDeviceUri as exc:
            raise ConfigError(f"KIOSK_{kind.upper()}: {exc}") from None
        uris[kind] = uri
    return uris


class DeviceManager:
    """Owns every device of the kiosk for the daemon's lifetime."""

    def __init__(self, settings: Settings, on_status: StatusCallback | None = None) -> None:
        self.settings = settings
        self.slots: dict[str, Slot] = {}
        self._on_status = on_status
        # start() has just opened and probed every device: the first probe is one interval later.
        self.worker = Worker("device probe", self.probe_all, interval_s=settings.device_probe_s,
                             first_wait=settings.device_probe_s, join_s=5.0)
        for kind, uri in check_device_settings(settings).items():
            device = registry.create(kind, uri)
            device.on_status(lambda dev, status, kind=kind: self._status_changed(kind, dev, status))
            self.slots[kind] = Slot(kind, uri, device)

    def get(self, kind: str) -> Device | None:
        slot = self.slots.get(kind)
        return slot.device if slot else None

    def start(self) -> None:
        """Open every device (failures become an offline status) and start the probe loop."""
        for slot in self.slots.values():
            self._try_open(slot)
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        for slot in self.slots.values():
            try:
                slot.device.close()
            except Exception:  # a lost device must not block shutdown
                log.warning("closing device failed", extra={"device": slot.name}, exc_info=True)

    def probe_all(self) -> None:
        for slot in self.slots.values():
            if slot.device.stage is Stage.CLOSED:
                self._try_open(slot)
            else:
                self._guarded(slot, "probe", slot.device.probe, Health.ERROR)

    def _try_open(self, slot: Slot) -> None:
        def open_and_probe() -> None:
            slot.device.open()
            slot.device.probe()

        self._guarded(slot, "open", open_and_probe, Health.OFFLINE)

    @staticmethod
    def _guarded(slot: Slot, what: str, step: Callable[[], object], on_driver_error: Health) -> None:
        """Run ``step``; a driver's error becomes the device's status, anything else is logged as a crash too."""
        try:
            step()
        except DriverError as exc:
            slot.device.set_status(DeviceStatus(on_driver_error, str(exc)))
        except Exception as exc:
            log.exception(f"device {what} crashed", extra={"device": slot.name})
            slot.device.set_status(DeviceStatus(Health.ERROR, f"{what} failed: {type(exc).__name__}"))

    def _status_changed(self, kind: str, device: Device, status: DeviceStatus) -> None:
        log.info(
            "device status changed",
            extra={"device": kind, "health": status.health.value, "detail": status.message},
        )
        if self._on_status:
            self._on_status(kind, device, status)
