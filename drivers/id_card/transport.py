"""Byte pipes to the reader's SAM: a serial port (any tty or pty, via pyserial) or USB bulk (pyusb)."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Protocol

import serial

from drivers.errors import DeviceBusy, DeviceNotFound, InvalidDeviceUri


class Transport(Protocol):
    """What the reader needs from a link: write a frame, read bytes with a deadline."""

    description: str

    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes; returns early once ``size`` arrived, or what came before ``timeout``."""
        ...

    def flush_input(self) -> None: ...

    def close(self) -> None: ...


class SerialTransport:
    """A UART (ttyS/ttyUSB/ttyACM) or a pseudo-terminal, 8N1 at the given baud rate."""

    def __init__(self, path: str, baud: int = 115200) -> None:
        if not path:
            raise InvalidDeviceUri("serial URI needs a path, like 'serial:///dev/ttyUSB0?baud=115200'")
        if baud <= 0:
            raise InvalidDeviceUri(f"baud rate {baud} must be positive")
        self.description = f"{path} at {baud} baud"
        try:
            self._port = serial.serial_for_url(path, baudrate=baud, timeout=0.1, write_timeout=2.0,
                                               exclusive=True)
        except serial.SerialException as exc:
            text = str(exc)
            if "lock" in text.lower() or "busy" in text.lower():
                raise DeviceBusy(f"{path} is open in another program; close it first") from None
            if "permission" in text.lower():
                raise DeviceNotFound(
                    f"no permission to open {path}; add the service user to the dialout group"
                ) from None
            raise DeviceNotFound(f"cannot open {path} ({text}); check the cable and the path") from None

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise DeviceNotFound(f"writing to {self.description} failed ({exc}); is it unplugged?") from None

    def read(self, size: int, timeout: float) -> bytes:
        try:
            self._port.timeout = max(timeout, 0.0)
            return self._port.read(size)
        except (serial.SerialException, OSError) as exc:
            raise DeviceNotFound(f"reading from {self.description} failed ({exc}); is it unplugged?") from None

    def flush_input(self) -> None:
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DeviceNotFound(f"{self.description} went away ({exc})") from None

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):  # already gone
            self._port.close()


def parse_vid_pid(text: str) -> tuple[int, int]:
    """``0400:C35A`` → (0x0400, 0xC35A)."""
    try:
        vid, pid = text.split(":")
        values = int(vid, 16), int(pid, 16)
    except ValueError:
        raise InvalidDeviceUri(f"USB address {text!r} must be VID:PID in hex, like 'usb://0400:C35A'") from None
    if not all(0 <= v <= 0xFFFF for v in values):
        raise InvalidDeviceUri(f"USB address {text!r}: VID and PID are 4 hex digits each")
    return values


class UsbTransport:
    """Vendor-class USB bulk. Most readers take whole frames on one OUT/IN pair; ``split`` uses the
    protocol text's pipes instead: OUT 0x02 preamble+LEN, 0x06 the rest; IN 0x81 / 0x85 likewise."""

    def __init__(self, vid: int, pid: int, *, split: bool = False, interface: int = 0,
                 find: Any = None) -> None:
        import usb.core
        import usb.util

        self._usb = usb
        self.description = f"USB {vid:04X}:{pid:04X}"
        self._buf = bytearray()
        self._split = split
        try:
            dev = (find or usb.core.find)(idVendor=vid, idProduct=pid)
        except usb.core.NoBackendError:
            raise DeviceNotFound("no libusb backend found; install libusb-1.0") from None
        if dev is None:
            raise DeviceNotFound(f"no USB device {vid:04X}:{pid:04X}; check `lsusb` and the cable")
        self._dev = dev
        try:
            if dev.is_kernel_driver_active(interface):
                dev.detach_kernel_driver(interface)
            with contextlib.suppress(usb.core.USBError):  # already configured by the system
                dev.set_configuration()
            usb.util.claim_interface(dev, interface)
        except usb.core.USBError as exc:
            if getattr(exc, "errno", None) == 16:
                raise DeviceBusy(f"{self.description} is claimed by another program") from None
            raise DeviceNotFound(f"cannot claim {self.description} ({exc}); check udev permissions") from None
        self._interface = interface
        if split:
            self._out = (0x02, 0x06)
            self._in = (0x81, 0x85)
        else:
            cfg = dev.get_active_configuration()
            intf = cfg[(interface, 0)]
            out_ep = usb.util.find_descriptor(intf, custom_match=lambda e: not e.bEndpointAddress & 0x80)
            in_ep = usb.util.find_descriptor(intf, custom_match=lambda e: e.bEndpointAddress & 0x80)
            if out_ep is None or in_ep is None:
                raise DeviceNotFound(f"{self.description} has no bulk endpoint pair; try ?pipes=split")
            self._out = (out_ep.bEndpointAddress,)
            self._in = (in_ep.bEndpointAddress,)
        self._next_in = 0

    def write(self, data: bytes) -> None:
        try:
            if self._split:
                self._dev.write(self._out[0], data[:7], 1000)
                self._dev.write(self._out[1], data[7:], 1000)
            else:
                self._dev.write(self._out[0], data, 1000)
        except self._usb.core.USBError as exc:
            raise DeviceNotFound(f"writing to {self.description} failed ({exc}); is it unplugged?") from None

    def read(self, size: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buf) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ep = self._in[self._next_in % len(self._in)]
            try:
                chunk = self._dev.read(ep, 4096, max(1, int(remaining * 1000)))
            except self._usb.core.USBTimeoutError:
                break
            except self._usb.core.USBError as exc:
                raise DeviceNotFound(f"reading from {self.description} failed ({exc})") from None
            self._next_in += 1
            self._buf += bytes(chunk)
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out

    def flush_input(self) -> None:
        self._buf.clear()
        self._next_in = 0

    def close(self) -> None:
        try:
            self._usb.util.release_interface(self._dev, self._interface)
            self._usb.util.dispose_resources(self._dev)
        except self._usb.core.USBError:
            pass  # already gone
