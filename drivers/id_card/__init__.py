"""China 2nd-generation ID card readers (GA 467 SAM frame protocol) over serial, USB bulk or a simulator.

URIs: ``serial:///dev/ttyUSB0?baud=115200`` (any tty or pty), ``usb://VID:PID`` (``?pipes=split``
for readers with separate header/body pipes), ``sim:`` (``?card=resident&scenario=normal``).
Every form takes ``fingerprint=1`` (read 30 10) and ``address=1`` (read the appended address).
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import Device
from drivers.errors import InvalidDeviceUri
from drivers.id_card.errors import CardRemoved, CardUnreadable, ReaderFault
from drivers.id_card.reader import IdCardReader, Timings
from drivers.id_card.records import CardType, IdCardRecord
from drivers.uri import DeviceUri

__all__ = [
    "SCHEMES", "CardRemoved", "CardType", "CardUnreadable", "IdCardReader", "IdCardRecord",
    "ReaderFault", "Timings",
]


def _flag(uri: DeviceUri, name: str) -> bool:
    return uri.query.get(name, "0").lower() in ("1", "true", "yes")


def _serial_parts(uri: DeviceUri) -> tuple[str, int]:
    path = uri.path or uri.host
    if not path:
        raise InvalidDeviceUri(f"{uri.raw!r} needs a device path, e.g. serial:///dev/ttyUSB0?baud=115200")
    return path, uri.option_int("baud", 115200)


def _serial(uri: DeviceUri) -> Device:
    from drivers.id_card.transport import SerialTransport

    path, baud = _serial_parts(uri)
    return IdCardReader(uri.raw, lambda: SerialTransport(path, baud),
                        fingerprint=_flag(uri, "fingerprint"), appended_address=_flag(uri, "address"))


def _usb_parts(uri: DeviceUri) -> tuple[int, int]:
    from drivers.id_card.transport import parse_vid_pid

    return parse_vid_pid(uri.raw.split("//", 1)[-1].split("?", 1)[0].strip("/"))


def _usb(uri: DeviceUri) -> Device:
    from drivers.id_card.transport import UsbTransport

    vid, pid = _usb_parts(uri)
    split = uri.query.get("pipes", "whole") == "split"
    return IdCardReader(uri.raw, lambda: UsbTransport(vid, pid, split=split),
                        fingerprint=_flag(uri, "fingerprint"), appended_address=_flag(uri, "address"))


def _sim_parts(uri: DeviceUri) -> None:
    from drivers.id_card.sim import sample_card, scenario_named

    uri.option_int("baud", 115200)
    scenario_named(uri.query.get("scenario", "normal"))
    if "card" in uri.query:
        sample_card(uri.query["card"])


def _sim(uri: DeviceUri) -> Device:
    from drivers.id_card.sim import SimIdCardReader

    return SimIdCardReader(uri)


SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {"serial": _serial, "usb": _usb, "sim": _sim}
# What each factory reads from the URI, without building or opening anything (registry.check_uri).
CHECKS: dict[str, Callable[[DeviceUri], object]] = {"serial": _serial_parts, "usb": _usb_parts, "sim": _sim_parts}
