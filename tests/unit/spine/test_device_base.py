"""The lifecycle every device follows, claims, status events and URIs."""

from __future__ import annotations

import pytest

from drivers import registry
from drivers.base import Device, DeviceStatus, Health, Stage
from drivers.errors import DeviceBusy, InvalidDeviceUri, LifecycleError
from drivers.uri import parse_uri


class Recorder(Device):
    kind = "test"

    def __init__(self) -> None:
        super().__init__("test:")
        self.calls: list[str] = []

    def _open(self) -> None:
        self.calls.append("open")

    def _enable(self) -> None:
        self.calls.append("enable")

    def _disable(self) -> None:
        self.calls.append("disable")

    def _close(self) -> None:
        self.calls.append("close")


def test_full_lifecycle_in_order_and_close_releases_everything():
    d = Recorder()
    d.open()
    d.claim("session-1")
    d.enable()
    assert d.stage is Stage.ENABLED and d.owner == "session-1"
    d.close()
    assert d.calls == ["open", "enable", "disable", "close"]
    assert d.stage is Stage.CLOSED and d.owner is None


def test_a_self_test_cannot_take_a_device_a_session_holds():
    d = Recorder()
    d.open()
    d.claim("session-1")
    with pytest.raises(DeviceBusy, match="session-1"):
        d.claim("selftest")
    with pytest.raises(DeviceBusy):
        d.release("selftest")
    d.release("session-1")
    d.claim("selftest")
    assert d.owner == "selftest"


def test_enable_before_claim_is_refused():
    d = Recorder()
    d.open()
    with pytest.raises(LifecycleError, match="cannot enable while open"):
        d.enable()


def test_status_listeners_hear_changes_only():
    d = Recorder()
    heard: list[str] = []
    unsubscribe = d.on_status(lambda dev, st: heard.append(st.health.value))
    d.set_status(DeviceStatus(Health.ONLINE))
    d.set_status(DeviceStatus(Health.ONLINE))
    d.set_status(DeviceStatus(Health.ERROR, "paper out", {"paper": "out"}))
    unsubscribe()
    d.set_status(DeviceStatus(Health.ONLINE))
    assert heard == ["online", "error"]


def test_uri_parsing():
    uri = parse_uri("serial:///dev/ttyUSB0?baud=9600")
    assert (uri.scheme, uri.path, uri.option_int("baud", 115200)) == ("serial", "/dev/ttyUSB0", 9600)
    assert parse_uri("tcp://10.1.2.3:9100").port == 9100
    with pytest.raises(InvalidDeviceUri, match="no scheme"):
        parse_uri("/dev/ttyUSB0")
    with pytest.raises(InvalidDeviceUri, match="whole number"):
        parse_uri("serial:///dev/ttyS0?baud=fast").option_int("baud", 1)
    with pytest.raises(InvalidDeviceUri, match="port"):
        parse_uri("tcp://host:notaport")


def test_registry_names_the_allowed_schemes():
    with pytest.raises(InvalidDeviceUri, match="espeak:, none:, sim:"):
        registry.check_uri("voice", "alsa:default")
    with pytest.raises(InvalidDeviceUri, match="unknown device kind"):
        registry.check_uri("fax", "sim:")
