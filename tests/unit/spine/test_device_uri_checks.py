"""registry.check_uri reads a URI as the kind's driver would, without building or opening the device."""

from __future__ import annotations

import pytest

from drivers import registry
from drivers.errors import InvalidDeviceUri


@pytest.mark.parametrize(
    ("kind", "uri", "says"),
    [
        ("printer", "usb://0416", "usb://VID:PID"),
        ("printer", "usb://0416:zz11", "hexadecimal"),
        ("printer", "tcp://", "needs a host"),
        ("printer", "serial:///dev/ttyS0?baud=fast", "whole number"),
        ("printer", "file:", "needs a path"),
        ("printer", "sim:?paper=90", "paper profile"),
        ("printer", "lpt://1", "does not support lpt:"),
        ("id_reader", "usb://0416", "VID:PID"),
        ("id_reader", "serial:", "device path"),
        ("id_reader", "sim:?card=passport", "sample card"),
        ("camera", "uvc://front", "device index"),
        ("camera", "uvc://0?width=wide", "whole number"),
        ("camera", "images:", "folder"),
        ("voice", "speaker:", "does not support"),
    ],
)
def test_a_uri_the_driver_could_not_use_is_refused_with_the_reason(kind, uri, says):
    with pytest.raises(InvalidDeviceUri, match=says):
        registry.check_uri(kind, uri)


@pytest.mark.parametrize(
    ("kind", "uri"),
    [
        ("printer", "usb://0416:5011"),
        ("printer", "tcp://192.168.1.50:9100?paper=58mm"),
        ("printer", "serial:///dev/ttyS0?baud=115200"),
        ("id_reader", "serial:///dev/ttyUSB0?baud=115200"),
        ("id_reader", "usb://0400:C35A?pipes=split"),
        ("id_reader", "sim:?card=resident"),
        ("camera", "uvc://0?width=3264&height=2448"),
        ("voice", "none:"),
    ],
)
def test_good_uris_pass(kind, uri):
    assert registry.check_uri(kind, uri).raw == uri


def test_checking_builds_and_opens_nothing(tmp_path):
    out = tmp_path / "printed"
    registry.check_uri("printer", out.as_uri().replace("file:", "sim:", 1))
    registry.check_uri("printer", "serial:///dev/does-not-exist")  # opening would fail: nothing tries
    assert not out.exists()  # the simulator makes its folder when built; a check builds nothing
