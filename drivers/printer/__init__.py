"""Receipt printer (ESC/POS thermal): document model, renderer, status, transports and a simulator.

URIs (ARCHITECTURE.md, contract): ``tcp://HOST:PORT``, ``serial:///dev/ttyS0?baud=115200``,
``usb://VID:PID``, ``file:///path/out.bin``, ``sim:///path/dir``. Options on any of them:
``paper=58mm|80mm``, ``timeout`` (seconds for writes, default 5), ``status_timeout`` (seconds per
status reply, default 1), ``speed`` (mm/s the printer prints, default the paper profile's: the
status is watched that long after a job, so paper running out mid-ticket is caught);
``usb`` also takes ``in_ep``/``out_ep`` (hex).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from drivers.base import Device
from drivers.errors import InvalidDeviceUri
from drivers.uri import DeviceUri


def _common(uri: DeviceUri):
    from dataclasses import replace

    from drivers.printer.profiles import profile_named

    profile = profile_named(uri.query.get("paper"))
    if "speed" in uri.query:
        value = uri.query["speed"]
        try:
            speed = float(value)
        except ValueError:
            speed = -1.0
        if not 10 <= speed <= 1000:
            raise InvalidDeviceUri(f"option speed={value!r} in {uri.raw!r} must be the print speed in mm/s, 10 to 1000")
        profile = replace(profile, speed_mm_s=speed)
    return profile, uri.option_seconds("timeout", 5.0, 600), uri.option_seconds("status_timeout", 1.0, 600)


def _tcp_parts(uri: DeviceUri):
    if not uri.host:
        raise InvalidDeviceUri(f"{uri.raw!r} needs a host, e.g. tcp://192.168.1.50:9100")
    return uri.host, uri.port or 9100, _common(uri)


def _tcp(uri: DeviceUri) -> Device:
    from drivers.printer.connection import NetworkConnection
    from drivers.printer.device import ReceiptPrinter

    host, port, (profile, timeout, reply) = _tcp_parts(uri)
    conn = NetworkConnection(host, port, timeout=timeout)
    return ReceiptPrinter(uri.raw, conn, profile, reply_timeout=reply)


def _serial_parts(uri: DeviceUri):
    if not uri.path:
        raise InvalidDeviceUri(f"{uri.raw!r} needs a device path, e.g. serial:///dev/ttyS0?baud=115200")
    return uri.path, uri.option_int("baud", 9600), _common(uri)


def _serial(uri: DeviceUri) -> Device:
    from drivers.printer.connection import SerialConnection
    from drivers.printer.device import ReceiptPrinter

    path, baud, (profile, timeout, reply) = _serial_parts(uri)
    conn = SerialConnection(path, baud, timeout=timeout)
    return ReceiptPrinter(uri.raw, conn, profile, reply_timeout=reply)


def _hex(text: str, what: str, raw: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise InvalidDeviceUri(f"{what} {text!r} in {raw!r} must be hexadecimal, e.g. usb://04b8:0e28") from None


def _usb_parts(uri: DeviceUri):
    ids = uri.raw.split("://", 1)[-1].split("?", 1)[0].strip("/")
    if ids.count(":") != 1:
        raise InvalidDeviceUri(f"{uri.raw!r} must name the printer as usb://VID:PID, e.g. usb://04b8:0e28")
    vid, pid = (_hex(part, "id", uri.raw) for part in ids.split(":"))
    in_ep = _hex(uri.query.get("in_ep", "82"), "in_ep", uri.raw)
    out_ep = _hex(uri.query.get("out_ep", "01"), "out_ep", uri.raw)
    return vid, pid, in_ep, out_ep, _common(uri)


def _usb(uri: DeviceUri) -> Device:
    from drivers.printer.connection import UsbConnection
    from drivers.printer.device import ReceiptPrinter

    vid, pid, in_ep, out_ep, (profile, timeout, reply) = _usb_parts(uri)
    conn = UsbConnection(vid, pid, timeout=timeout, in_ep=in_ep, out_ep=out_ep)
    return ReceiptPrinter(uri.raw, conn, profile, reply_timeout=reply)


def _file_parts(uri: DeviceUri):
    if not uri.path:
        raise InvalidDeviceUri(f"{uri.raw!r} needs a path, e.g. file:///tmp/out.bin")
    return uri.path, _common(uri)


def _file(uri: DeviceUri) -> Device:
    from drivers.printer.connection import FileConnection
    from drivers.printer.device import ReceiptPrinter

    path, (profile, _, _) = _file_parts(uri)
    return ReceiptPrinter(uri.raw, FileConnection(path), profile)


def _sim(uri: DeviceUri) -> Device:
    from dataclasses import replace

    from drivers.printer.sim import SimReceiptPrinter

    profile, _, _ = _common(uri)
    if "speed" not in uri.query:  # the in-process printer prints the moment the bytes arrive
        profile = replace(profile, speed_mm_s=0.0)
    out_dir = uri.path or tempfile.mkdtemp(prefix="kiosk-printer-")
    return SimReceiptPrinter(uri.raw, out_dir, profile)


SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {
    "tcp": _tcp,
    "serial": _serial,
    "usb": _usb,
    "file": _file,
    "sim": _sim,
}
# What each factory reads from the URI, without building or opening anything (registry.check_uri):
# a settings check catches usb://0416 before the daemon starts, not when the printer is first used.
CHECKS: dict[str, Callable[[DeviceUri], object]] = {
    "tcp": _tcp_parts,
    "serial": _serial_parts,
    "usb": _usb_parts,
    "file": _file_parts,
    "sim": _common,
}
