"""IdCardReader: find → select → read over a transport, with the timeouts and retries real SDKs use."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.base import Device, DeviceStatus, Health, Stage
from drivers.errors import DeviceTimeout, DriverError, LifecycleError, NotPresent, ProtocolError
from drivers.id_card.errors import CardRemoved, CardUnreadable, ReaderFault
from drivers.id_card.protocol import (
    CARD_FAULTS,
    LINK_FAULTS,
    READER_FAULTS,
    Command,
    FrameDecoder,
    Response,
    Sw3,
    build_request,
    parse_base_info,
    summarize_frame,
)
from drivers.id_card.records import IdCardRecord, decode_appended_address, decode_text
from drivers.id_card.transport import Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timings:
    """Per-command answer timeouts (seconds); real SDKs use 0.1-1 s for find/select, 1-2 s for a read."""

    status: float = 1.0
    find: float = 0.5
    select: float = 0.5
    read: float = 2.0
    read_fingerprint: float = 3.0
    appended_address: float = 1.5
    poll_interval: float = 0.3
    resends: int = 1  # resend once after no answer, a bad frame or SW3 10/11
    card_retries: int = 2  # back to find after SW3 31/32/33/41


class IdCardReader(Device):
    """A GA 467 reader (serial or USB) speaking the SAM frame protocol."""

    kind = "id_reader"

    def __init__(
        self,
        uri: str,
        transport_factory: Callable[[], Transport],
        *,
        timings: Timings | None = None,
        fingerprint: bool = False,
        appended_address: bool = False,
    ) -> None:
        super().__init__(uri)
        self._factory = transport_factory
        self._transport: Transport | None = None
        self.timings = timings or Timings()
        self.fingerprint = fingerprint
        self.appended_address = appended_address
        self._io = threading.Lock()
        self._latched = False  # the card now on the reader has been read already
        self._card_present = False
        self._sam_id: str | None = None

    # -- lifecycle hooks ---------------------------------------------------------------------
    def _open(self) -> None:
        try:
            self._transport = self._factory()
        except DriverError as exc:
            self._update(Health.OFFLINE, str(exc))
            raise
        self._transport.flush_input()
        self._latched = False

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self._update(Health.OFFLINE, "closed", card_present=False)

    # -- public API --------------------------------------------------------------------------
    def probe(self) -> DeviceStatus:
        """Ask the SAM for its status (and its ID once); never raises, the status says what is wrong."""
        try:
            with self._io:
                self._exchange(Command.SAM_STATUS, self.timings.status, expect=(Sw3.OK,))
                if self._sam_id is None:
                    try:
                        reply = self._exchange(Command.SAM_ID, self.timings.status, expect=(Sw3.OK,))
                        self._sam_id = reply.data.hex()
                    except DriverError as exc:
                        log.info("SAM ID not available: %s", exc)
            self._update(Health.ONLINE, "ready")
        except DriverError:
            pass  # _exchange already recorded the status
        return self.status

    def read_card(self, timeout: float) -> IdCardRecord:
        """Wait up to ``timeout`` seconds for a card and read it; raises NotPresent if none came."""
        deadline = time.monotonic() + timeout
        while True:
            with self._io:
                if self._find():
                    record = self._read_found_card()
                    self._latched = True
                    return record
                self._latched = False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NotPresent(
                    f"no card was placed on the reader within {timeout:g} s; place the card flat on the reader",
                    device=self.uri,
                )
            time.sleep(min(self.timings.poll_interval, remaining))

    def poll(self) -> IdCardRecord | None:
        """One quick find/select/read; a record only once per card placement, else None."""
        with self._io:
            if not self._find():
                self._latched = False
                return None
            if self._latched:
                return None
            try:
                record = self._read_found_card()
            except (CardUnreadable, ProtocolError):
                self._latched = True  # report a bad card once per placement, not every poll
                raise
            self._latched = True
            return record

    @property
    def card_present(self) -> bool:
        return self._card_present

    # -- sequence ----------------------------------------------------------------------------
    def _find(self) -> bool:
        reply = self._exchange(Command.FIND_CARD, self.timings.find,
                               expect=(Sw3.FIND_OK, Sw3.NO_CARD, *CARD_FAULTS))
        present = reply.sw3 is Sw3.FIND_OK
        self._update(Health.ONLINE, "ready", card_present=present)
        return present

    def _read_found_card(self) -> IdCardRecord:
        """Select and read the card that find reported, going back to find after a card fault."""
        last: Sw3 | None = None
        for attempt in range(self.timings.card_retries + 1):
            if attempt and not self._find():
                raise self._removed()
            select = self._exchange(Command.SELECT_CARD, self.timings.select,
                                    expect=(Sw3.OK, *CARD_FAULTS, Sw3.NO_CARD))
            if select.sw3 is not Sw3.OK:
                last = select.sw3
                continue
            command = Command.READ_BASE_FINGERPRINT if self.fingerprint else Command.READ_BASE
            timeout = self.timings.read_fingerprint if self.fingerprint else self.timings.read
            reply = self._exchange(command, timeout, expect=(Sw3.OK, *CARD_FAULTS, Sw3.NO_CARD))
            if reply.sw3 is not Sw3.OK:
                last = reply.sw3
                continue
            info = parse_base_info(reply.data, with_fingerprint=self.fingerprint)
            address = self._read_appended_address() if self.appended_address else None
            return decode_text(info.text, info.photo, fingerprint=info.fingerprint, appended_address=address)
        if not self._find():
            raise self._removed()
        reason = last.meaning if last else "unknown"
        raise CardUnreadable(
            f"the card could not be read ({reason}, SW3 {last or 0:02X}); try again, or the card may be damaged",
            device=self.uri,
        )

    def _removed(self) -> CardRemoved:
        return CardRemoved(
            "the card was taken off the reader during the read; place it again and leave it until the "
            "read is done",
            device=self.uri,
        )

    def _read_appended_address(self) -> str | None:
        reply = self._exchange(Command.READ_APPENDED_ADDRESS, self.timings.appended_address,
                               expect=(Sw3.OK, Sw3.NO_CONTENT, *CARD_FAULTS))
        return decode_appended_address(reply.data) if reply.sw3 is Sw3.OK else None

    # -- one command -------------------------------------------------------------------------
    def _exchange(self, command: Command, timeout: float, *, expect: tuple[Sw3, ...]) -> Response:
        """Send one command and return its reply, resending after silence, a bad frame or SW3 10/11."""
        transport = self._require_transport()
        request = build_request(command)
        for attempt in range(self.timings.resends + 1):
            last_try = attempt == self.timings.resends
            transport.flush_input()
            transport.write(request)
            try:
                reply = self._receive(transport, command, timeout)
            except DeviceTimeout as exc:
                if last_try:
                    self._update(Health.OFFLINE, str(exc))
                    raise
                log.info("resending %s: %s", command.label, exc)
                continue
            except ProtocolError as exc:
                if last_try:
                    self._update(Health.ERROR, str(exc))
                    raise
                log.info("resending %s: %s", command.label, exc)
                continue
            if reply.sw3 in LINK_FAULTS and not last_try:
                log.info("resending %s: reader says %s", command.label, reply.sw3.meaning)
                continue
            if reply.sw3 in READER_FAULTS:
                message = (f"the reader's security module reports: {reply.sw3.meaning} (SW3 {reply.sw3:02X}); "
                           "the reader needs service")
                self._update(Health.ERROR, message)
                raise ReaderFault(message, device=self.uri)
            if reply.sw3 not in expect:
                message = (f"unexpected answer to {command.label}: {reply.sw3.meaning} "
                           f"(SW3 {reply.sw3:02X})")
                self._update(Health.ERROR, message)
                raise ProtocolError(message, device=self.uri)
            return reply
        raise AssertionError("unreachable")

    def _receive(self, transport: Transport, command: Command, timeout: float) -> Response:
        decoder = FrameDecoder()
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = decoder.next_response()
            except ProtocolError as exc:
                raise ProtocolError(f"bad reply to {command.label}: {exc}", device=self.uri) from None
            if reply is not None:
                return reply
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            decoder.feed(transport.read(decoder.needed(), remaining))
        pending = decoder.pending
        if pending:
            raise ProtocolError(
                f"truncated reply to {command.label} after {timeout:g} s ({summarize_frame(pending)})",
                device=self.uri,
            )
        if decoder.skipped:
            raise ProtocolError(
                f"reply to {command.label} was {decoder.skipped} bytes without a frame preamble; "
                "check the baud rate",
                device=self.uri,
            )
        raise DeviceTimeout(
            f"no answer to {command.label} within {timeout:g} s ({transport.description}); "
            "check the reader's power, cable and baud rate",
            device=self.uri,
        )

    def _require_transport(self) -> Transport:
        if self._transport is None or self.stage is Stage.CLOSED:
            raise LifecycleError("open the reader before using it", device=self.uri)
        return self._transport

    def _update(self, health: Health, message: str, *, card_present: bool | None = None) -> None:
        if card_present is not None:
            self._card_present = card_present
        sensors = {"card_present": self._card_present, "sam_id": self._sam_id}
        self.set_status(DeviceStatus(health, message, sensors))
