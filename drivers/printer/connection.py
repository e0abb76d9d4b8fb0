"""Transports to the printer, over python-escpos's printer classes (used for opening and writing).

We go around python-escpos in three places: its ``_read()`` asks for 16 bytes, which on a serial
port waits the whole timeout for every status query, so we read one byte and then what is waiting;
``Serial`` has no write timeout, so a printer holding flow control would hang us; ``Network``
defaults to a 60 s timeout. Each connection here bounds every write and read.
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from typing import Protocol

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial

from drivers.errors import DeviceNotFound, DeviceTimeout


class Connection(Protocol):
    """Opens, writes, reads with a bound; knows nothing of what the bytes mean."""

    can_read: bool
    lost: bool  # the link broke (peer closed, reset, write timed out): reopen before the next use

    def open(self) -> None: ...
    def close(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def read(self, timeout: float) -> bytes: ...
    def drain(self) -> None: ...


class NetworkConnection:
    """Raw TCP (port 9100) through ``escpos.printer.Network``."""

    can_read = True
    lost = False

    def __init__(self, host: str, port: int, *, timeout: float = 5.0) -> None:
        self.where = f"tcp://{host}:{port}"
        self.timeout = timeout
        self._printer = Network(host=host, port=port, timeout=timeout)

    def open(self) -> None:
        self.lost = False
        try:
            self._printer.open()
        except DeviceNotFoundError:
            raise DeviceNotFound(
                "no printer answers at this address; check it is on, cabled and the IP/port are right",
                device=self.where,
            ) from None

    @property
    def _sock(self) -> socket.socket:
        sock = self._printer.device
        if not sock:
            raise DeviceNotFound("the printer connection is not open", device=self.where)
        return sock

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._printer.close()

    def write(self, data: bytes) -> None:
        sock = self._sock
        sock.settimeout(self.timeout)  # since Python 3.5 this bounds the whole sendall
        try:
            self._printer._raw(data)
        except TimeoutError:
            self.lost = True  # part of a command may be on the wire: start the next job on a fresh link
            raise DeviceTimeout(
                f"the printer stopped accepting data for {self.timeout:g} s; check paper, cover and cable",
                device=self.where,
            ) from None
        except OSError as exc:
            self.lost = True
            raise DeviceNotFound(f"connection to the printer was lost ({exc.strerror or exc})",
                                 device=self.where) from None

    def read(self, timeout: float) -> bytes:
        sock = self._sock
        sock.settimeout(timeout)
        try:
            data = self._printer._read()
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError:
            self.lost = True
            return b""
        finally:
            sock.settimeout(self.timeout)
        if not data:
            self.lost = True  # orderly close by the printer (power-cycled, network reset)
        return data

    def drain(self) -> None:
        sock = self._sock
        while select.select([sock], [], [], 0)[0]:
            try:
                if not sock.recv(256):
                    return
            except OSError:
                return


class SerialConnection:
    """RS-232 through ``escpos.printer.Serial`` (pyserial)."""

    can_read = True
    lost = False

    def __init__(self, path: str, baudrate: int = 9600, *, timeout: float = 5.0) -> None:
        self.where = f"serial://{path}"
        self.baudrate = baudrate
        self.timeout = timeout
        self._printer = Serial(devfile=path, baudrate=baudrate, timeout=timeout, dsrdtr=False)

    def open(self) -> None:
        try:
            self._printer.open()
        except DeviceNotFoundError:
            raise DeviceNotFound(
                "cannot open the serial port; check the path, the cable and that the user is in group dialout",
                device=self.where,
            ) from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._printer.close()

    def write(self, data: bytes) -> None:
        import serial

        port = self._printer.device
        # 10 bits per byte on the wire, plus the configured slack for the printer to catch up.
        port.write_timeout = self.timeout + len(data) * 10 / self.baudrate
        try:
            self._printer._raw(data)
            port.flush()
        except serial.SerialTimeoutException:
            raise DeviceTimeout(
                "the printer stopped accepting data (flow control held); check paper, cover and cable",
                device=self.where,
            ) from None
        except serial.SerialException as exc:
            raise DeviceNotFound(f"serial port failed: {exc}", device=self.where) from None

    def read(self, timeout: float) -> bytes:
        port = self._printer.device
        port.timeout = timeout
        first = port.read(1)
        if not first:
            return b""
        return first + port.read(port.in_waiting) if port.in_waiting else first

    def drain(self) -> None:
        self._printer.device.reset_input_buffer()


class UsbConnection:
    """USB bulk endpoints through ``escpos.printer.Usb`` (pyusb)."""

    can_read = True
    lost = False

    def __init__(self, vid: int, pid: int, *, timeout: float = 5.0, in_ep: int = 0x82, out_ep: int = 0x01) -> None:
        from escpos.printer import Usb

        self.where = f"usb://{vid:04x}:{pid:04x}"
        self.timeout = timeout
        self.in_ep = in_ep
        # pyusb timeouts are milliseconds; python-escpos's default 0 means "wait forever".
        self._printer = Usb(vid, pid, timeout=int(timeout * 1000), in_ep=in_ep, out_ep=out_ep)

    def open(self) -> None:
        try:
            self._printer.open()
        except (DeviceNotFoundError, Exception) as exc:
            raise DeviceNotFound(
                f"USB printer not found or not accessible ({type(exc).__name__}); check the cable, "
                "the VID:PID and the udev rule",
                device=self.where,
            ) from None

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a lost device must not fail close()
            self._printer.close()

    def write(self, data: bytes) -> None:
        import usb.core

        try:
            self._printer._raw(data)
        except usb.core.USBTimeoutError:
            raise DeviceTimeout("the printer stopped accepting data; check paper and cover",
                                device=self.where) from None
        except usb.core.USBError as exc:
            raise DeviceNotFound(f"USB transfer failed: {exc}", device=self.where) from None

    def read(self, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self._printer.device.read(self.in_ep, 16, int(timeout * 1000)))
        except usb.core.USBError:
            return b""

    def drain(self) -> None:
        while self.read(0.01):
            pass


class FileConnection:
    """Bytes appended to a file (or a character device such as ``/dev/usb/lp0``); no status."""

    can_read = False
    lost = False

    def __init__(self, path: str) -> None:
        self.where = f"file://{path}"
        self._printer = File(devfile=path, auto_flush=True)

    def open(self) -> None:
        try:
            self._printer.open()
        except DeviceNotFoundError:
            raise DeviceNotFound("cannot open the output file; check the folder exists and is writable",
                                 device=self.where) from None

    def close(self) -> None:
        self._printer.close()

    def write(self, data: bytes) -> None:
        self._printer._raw(data)

    def read(self, timeout: float) -> bytes:
        return b""

    def drain(self) -> None:
        return None


def wait_reply(conn: Connection, timeout: float, accept) -> int | None:
    """Read until a byte passing ``accept`` arrives or ``timeout`` runs out; returns the last such byte."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        chunk = conn.read(left)
        if not chunk:
            return None
        matches = [b for b in chunk if accept(b)]
        if matches:
            return matches[-1]
    return None
