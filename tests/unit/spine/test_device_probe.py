"""The device manager's probe loop: a device that could not be opened at start comes online by itself."""

from __future__ import annotations

import threading
import time

from drivers.base import Device, DeviceStatus, Health
from drivers.errors import DeviceNotFound
from local_api.devices import DeviceManager, Slot
from local_api.settings import Settings


class LateReader(Device):
    """Not plugged in until ``plugged`` is set; then it opens and reports itself online."""

    def __init__(self) -> None:
        super().__init__("test:late")
        self.plugged = threading.Event()
        self.online = threading.Event()

    def _open(self) -> None:
        if not self.plugged.is_set():
            raise DeviceNotFound("not plugged in; check the cable", device=self.uri)

    def probe(self) -> DeviceStatus:
        self.set_status(DeviceStatus(Health.ONLINE, "ready"))
        self.online.set()
        return self.status


def test_a_device_plugged_in_later_comes_online_and_stop_is_prompt(tmp_path):
    manager = DeviceManager(Settings(data_dir=tmp_path, device_probe_s=0.05))
    reader = LateReader()
    manager.slots["id_reader"] = Slot("id_reader", reader.uri, reader)
    manager.start()
    try:
        assert reader.status.health is Health.OFFLINE
        assert "check the cable" in reader.status.message
        reader.plugged.set()
        assert reader.online.wait(5), "the probe loop never opened the device"
    finally:
        t0 = time.monotonic()
        manager.stop()
    assert time.monotonic() - t0 < 2.0
    assert not manager.worker._thread.is_alive()


class CrashingReader(Device):
    def probe(self) -> DeviceStatus:
        raise RuntimeError("a bug in the driver")


def test_a_driver_bug_in_a_probe_reports_the_device_in_error_and_logs_it(tmp_path, caplog):
    manager = DeviceManager(Settings(data_dir=tmp_path))
    reader = CrashingReader("test:crash")
    manager.slots["id_reader"] = Slot("id_reader", reader.uri, reader)
    manager.start()
    try:
        assert (reader.status.health, reader.status.message) == (Health.ERROR, "open failed: RuntimeError")
        manager.probe_all()  # it is open now: the probe alone crashes
        assert reader.status.message == "probe failed: RuntimeError"
    finally:
        manager.stop()
    assert "device open crashed" in caplog.text and "device probe crashed" in caplog.text
