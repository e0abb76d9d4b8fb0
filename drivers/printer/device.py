"""The receipt printer as a Device: status checks around every job, bytes from the renderer."""

from __future__ import annotations

import time
from typing import ClassVar

from drivers.base import Device, DeviceStatus, Health, Stage
from drivers.errors import CoverOpen, DeviceTimeout, DriverError, PaperOut
from drivers.printer.connection import Connection, wait_reply
from drivers.printer.document import Document
from drivers.printer.profiles import DEFAULT_PROFILE, Profile
from drivers.printer.raster import paper_length_mm
from drivers.printer.render import render
from drivers.printer.status import UNKNOWN, PrinterStatus, decode_status, is_status_byte, status_query


class ReceiptPrinter(Device):
    """An ESC/POS thermal printer; ``print_document`` refuses to start without paper."""

    kind: ClassVar[str] = "printer"

    def __init__(self, uri: str, connection: Connection, profile: Profile = DEFAULT_PROFILE,
                 *, reply_timeout: float = 1.0) -> None:
        super().__init__(uri)
        self.connection = connection
        self.profile = profile
        self.reply_timeout = reply_timeout
        self.last_status: PrinterStatus = UNKNOWN

    def _open(self) -> None:
        self.connection.open()

    def _close(self) -> None:
        self.connection.close()

    def _ensure_open(self) -> None:
        if self.stage is Stage.CLOSED:
            self.open()
        elif getattr(self.connection, "lost", False):
            # a network printer that was power-cycled: its old socket is dead, dial again
            self.connection.close()
            self.connection.open()

    def probe(self) -> DeviceStatus:
        self.check()
        return self.status

    # -- status --------------------------------------------------------------------------------
    def check(self) -> PrinterStatus:
        """Ask DLE EOT 1..4; no reply within ``reply_timeout`` gives unknown fields, never "OK"."""
        with self._lock:
            self._ensure_open()
            status = self._query() if self.connection.can_read else UNKNOWN
            self.last_status = status
            self.set_status(_device_status(status, self.connection.can_read))
            return status

    def _query(self) -> PrinterStatus:
        replies: dict[int, int | None] = {}
        for n in (1, 2, 3, 4):
            self.connection.drain()
            self.connection.write(status_query(n))
            replies[n] = wait_reply(self.connection, self.reply_timeout, is_status_byte)
            if replies[n] is None:
                break  # a silent printer costs one timeout, not four
        return decode_status(replies)

    # -- printing ------------------------------------------------------------------------------
    def print_document(self, doc: Document) -> None:
        """Render and print one job; raises PaperOut, CoverOpen, DeviceTimeout or DeviceNotFound."""
        self.print_bytes(render(doc, self.profile))

    def print_bytes(self, data: bytes) -> None:
        """Send one already-rendered job, checking the printer before and after.

        Errors raised before any byte was sent carry ``job_sent = False``.
        """
        with self._lock:
            self._ensure_open()
            if self.connection.can_read:
                try:
                    _raise_unless_ready(self.check(), before=True, device=self.uri)
                except DriverError as exc:
                    exc.job_sent = False  # nothing left the host: safe to retry
                    raise
            self.connection.write(data)
            if self.connection.can_read:
                self._settle(data)
                _raise_unless_ready(self.check(), before=False, device=self.uri)

    settle_poll_s = 0.2

    def _settle(self, data: bytes) -> None:
        """Watch the status while the job is still printing.

        The host is done once the bytes sit in the printer's buffer (a ticket is far smaller than
        it), but the paper moves for another second or so: paper that runs out then would go
        unseen by a check made at once, and a half ticket would count as printed.
        """
        deadline = time.monotonic() + self.print_seconds(data)
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self.settle_poll_s, left))
            status = self.check()
            if not status.ready or status.paper == "out":
                return  # the caller's check reports it

    def print_seconds(self, data: bytes) -> float:
        """How long the paper moves for ``data`` at the profile's speed (0 for an instant printer)."""
        if not self.profile.speed_mm_s:
            return 0.0
        return paper_length_mm(data, self.profile) / self.profile.speed_mm_s


def _raise_unless_ready(status: PrinterStatus, *, before: bool, device: str) -> None:
    when = "before printing" if before else "after the job was sent"
    if not status.answered:
        tail = "" if before else "; check whether the ticket came out before printing it again"
        raise DeviceTimeout(f"the printer did not answer a status query {when}{tail}", device=device)
    if status.cover_open:
        raise CoverOpen(f"the printer cover is open ({when}); close it and resume", device=device)
    if status.paper == "out":
        what = "there is no paper" if before else "paper ran out during the job"
        raise PaperOut(f"{what}; load a new roll and resume (the job prints again from the start)", device=device)
    if status.error:
        raise DriverError(f"the printer reports an error ({when}); check the cutter and the head, then "
                          "switch it off and on", device=device)
    if status.online is False:
        raise DriverError(f"the printer is offline ({when}); check the panel", device=device)


def _device_status(status: PrinterStatus, can_read: bool) -> DeviceStatus:
    if not can_read:
        return DeviceStatus(Health.UNKNOWN, "this connection cannot report status", status.to_dict())
    if not status.answered:
        return DeviceStatus(Health.UNKNOWN, "no answer to status query", status.to_dict())
    if status.cover_open:
        return DeviceStatus(Health.OFFLINE, "cover open", status.to_dict())
    if status.paper == "out":
        return DeviceStatus(Health.OFFLINE, "paper out", status.to_dict())
    if status.error:
        return DeviceStatus(Health.ERROR, "printer error", status.to_dict())
    if status.online is False:
        return DeviceStatus(Health.OFFLINE, "offline", status.to_dict())
    message = "paper near end" if status.paper == "near_end" else "ready"
    return DeviceStatus(Health.ONLINE, message, status.to_dict())
