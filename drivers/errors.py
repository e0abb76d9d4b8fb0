"""One error hierarchy for every device; each message says what a technician can do about it."""

from __future__ import annotations


class DriverError(Exception):
    """A device could not do what was asked."""

    def __init__(self, message: str, *, device: str = "") -> None:
        super().__init__(message)
        self.device = device

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.device}: {base}" if self.device else base


class InvalidDeviceUri(DriverError):
    """A device URI is malformed or names a scheme this kind of device does not support."""


class DeviceNotFound(DriverError):
    """Nothing answers at the configured address (unplugged, wrong path, wrong VID:PID)."""


class DeviceBusy(DriverError):
    """Another user (a session or a self-test) has claimed the device."""


class DeviceTimeout(DriverError):
    """The device did not answer in time."""


class ProtocolError(DriverError):
    """The device answered with bytes that do not follow its protocol."""


class NotPresent(DriverError):
    """Nothing to read: no card on the reader, no document on the plate."""


class PaperOut(DriverError):
    """The printer has no paper; the job waits until paper is loaded."""


class CoverOpen(DriverError):
    """The printer's cover is open."""


class LifecycleError(DriverError):
    """A device method was called in the wrong lifecycle state (a programming error)."""


def summarize_bytes(data: bytes, limit: int = 24) -> str:
    """A short hex summary of bytes for error messages: length and the first bytes."""
    head = data[:limit].hex(" ")
    more = f" … (+{len(data) - limit} bytes)" if len(data) > limit else ""
    return f"{len(data)} bytes: {head}{more}" if data else "0 bytes"
