"""China 2nd-generation ID card readers (GA 467 SAM frame protocol) over serial, USB bulk or a simulator.

URIs: ``serial:///dev/ttyUSB0?baud=115200`` (any tty or pty), ``usb://VID:PID`` (``?pipes=split``
for readers with separate header/body pipes), ``sim:`` (``?card=resident&scenario=normal``).
Every form takes ``fingerprint=1`` (read 30 10) and ``address=1`` (read the appended address).
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import Device
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


def _serial(uri: DeviceUri) -> Device:
    from drivers.id_card.transport import SerialTransport

    path = uri.path or uri.host
    baud = uri.option_int("baud", 115200)
    return IdCardReader(uri.raw, lambda: SerialTransport(path, baud),
                        fingerprint=_flag(uri, "fingerprint"), appended_address=_flag(uri, "address"))


def _usb(uri: DeviceUri) -> Device:
    from drivers.id_card.transport import UsbTransport, parse_vid_pid

    vid, pid = parse_vid_pid(uri.raw.split("//", 1)[-1].split("?", 1)[0].strip("/"))
    split = uri.query.get("pipes", "whole") == "split"
    return IdCardReader(uri.raw, lambda: UsbTransport(vid, pid, split=split),
                        fingerprint=_flag(uri, "fingerprint"), appended_address=_flag(uri, "address"))


def _sim(uri: DeviceUri) -> Device:
    from drivers.id_card.sim import SimIdCardReader

    return SimIdCardReader(uri)


SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {"serial": _serial, "usb": _usb, "sim": _sim}
