"""A simulated reader that speaks the SAM protocol byte for byte on a pseudo-terminal.

:class:`SamSimulator` decides the answers (scenario + the card on the reader);
:class:`PtySimulator` serves it on a pty, pacing bytes at the configured baud rate;
:class:`SimIdCardReader` (``sim:`` URIs) runs both in a thread and drives the real serial driver.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import errno
import os
import select
import threading
import time
import tty
from dataclasses import dataclass
from typing import Any

from drivers.errors import InvalidDeviceUri, ProtocolError
from drivers.id_card.photo import sim_wlt
from drivers.id_card.protocol import (
    PHOTO_SIZE,
    TEXT_SIZE,
    Command,
    FrameDecoder,
    Sw3,
    base_info_data,
    build_response,
    wire_seconds,
)
from drivers.id_card.reader import IdCardReader, Timings
from drivers.id_card.records import CardType, IdCardRecord, decode_text, encode_text, ucs2
from drivers.id_card.transport import SerialTransport
from drivers.uri import DeviceUri


@dataclass(frozen=True)
class SimCard:
    """A card as the SAM sees it: raw text block, photo, fingerprints, appended address."""

    text: bytes
    photo: bytes = bytes(PHOTO_SIZE)
    fingerprint: bytes = b""
    appended_address: str | None = None

    @classmethod
    def from_record(cls, record: IdCardRecord) -> SimCard:
        return cls(encode_text(record), record.photo_wlt, record.fingerprint, record.appended_address)

    def __repr__(self) -> str:
        return f"SimCard({decode_text(self.text).card_type.value})"


# Obviously fictitious people; numbers carry valid GB 11643 check characters. The first two carry real
# face photos (assets/faces, public domain) for the face check, decoded by the sim: WLT decoder.
SAMPLE_RECORDS: dict[str, IdCardRecord] = {
    "resident": IdCardRecord(
        card_type=CardType.RESIDENT, name="张三", sex_code="1", nation_code="01",
        birth_date="1990-03-07", address="北京市东城区示例路1号", id_number="110101199003071233",
        authority="北京市公安局东城分局", valid_from="2020-01-01", valid_to="2040-01-01",
        photo_wlt=sim_wlt("holder"),
    ),
    "hkmt_residence": IdCardRecord(
        card_type=CardType.HKMT_RESIDENCE, name="李四", sex_code="2", birth_date="1985-06-15",
        address="广东省深圳市福田区示例街2号", id_number="810000198506150020",
        authority="深圳市公安局福田分局", valid_from="2019-01-01", valid_to="2029-01-01",
        pass_number="H00000000", issue_count=1, photo_wlt=sim_wlt("stranger"),
    ),
    "foreign_permanent_2017": IdCardRecord(
        card_type=CardType.FOREIGN_PERMANENT_2017, name="测试", name_en="SAMPLE, TEST PERSON",
        sex_code="1", id_number="CAN110090010101", nationality="CAN", birth_date="1990-01-01",
        valid_from="2017-06-01", valid_to="2027-06-01", renewal_count="00", authority="1100",
    ),
    "foreign_permanent_2023": IdCardRecord(
        card_type=CardType.FOREIGN_PERMANENT_2023, name="示例", name_en="EXAMPLE, SAMPLE PERSON",
        sex_code="2", renewal_count="00", birth_date="1988-08-08", id_number="911100198808080021",
        nationality="USA", authority="国家移民管理局", valid_from="2023-12-01", valid_to="2033-12-01",
    ),
}
CARD_KINDS = tuple(SAMPLE_RECORDS)
SAM_ID = bytes.fromhex("0501000012345678000000009abcdef0")


def sample_card(kind: str) -> SimCard:
    """The sample card of a kind (``resident``, ``hkmt_residence``, ``foreign_permanent_2017``/``2023``)."""
    try:
        return SimCard.from_record(SAMPLE_RECORDS[kind])
    except KeyError:
        raise InvalidDeviceUri(f"unknown sample card {kind!r}; use one of {', '.join(CARD_KINDS)}") from None


def card_from_json(entry: Any) -> SimCard:
    """A card from a cards file entry: a sample kind name, record fields, or a raw ``text_hex``."""
    if isinstance(entry, str):
        return sample_card(entry)
    if not isinstance(entry, dict):
        raise ValueError("each card must be a kind name or an object")
    photo: bytes | None = None
    if "photo_wlt" in entry:
        photo = base64.b64decode(entry["photo_wlt"])
    elif "photo" in entry:  # a face in assets/faces, e.g. "holder" (the sim: WLT decoder gives it)
        photo = sim_wlt(str(entry["photo"]))
    if "text_hex" in entry:
        text = bytes.fromhex(entry["text_hex"])
        if len(text) != TEXT_SIZE:
            raise ValueError(f"text_hex must be {TEXT_SIZE} bytes")
        return SimCard(text, photo or bytes(PHOTO_SIZE), appended_address=entry.get("appended_address"))
    base = SAMPLE_RECORDS[entry["sample"]] if "sample" in entry else SAMPLE_RECORDS[entry.get("card_type", "resident")]
    known = {f.name for f in dataclasses.fields(IdCardRecord)} - {"photo_wlt", "id_number_problems", "fingerprint"}
    changes = {k: v for k, v in entry.items() if k in known}
    if "card_type" in changes:
        changes["card_type"] = CardType(changes["card_type"])
    record = dataclasses.replace(base, photo_wlt=base.photo_wlt if photo is None else photo, **changes)
    return SimCard.from_record(record)


@dataclass(frozen=True)
class Scenario:
    """How the simulated reader misbehaves."""

    name: str = "normal"
    reply_delay: float = 0.0  # SAM time before each answer
    read_delay: float = 0.0  # extra RF time for 30 xx reads
    silent: bool = False
    bad_checksum: int = 0  # this many read replies go out with a wrong CHK (-1: all)
    remove_mid_read: bool = False  # the card leaves during the next read
    refind: bool = False  # find reports the card again after a read (some readers do)


SCENARIOS: dict[str, Scenario] = {
    "normal": Scenario(),
    "no_card": Scenario("no_card"),
    "removed_mid_read": Scenario("removed_mid_read", remove_mid_read=True),
    "bad_checksum": Scenario("bad_checksum", bad_checksum=-1),
    "bad_checksum_once": Scenario("bad_checksum_once", bad_checksum=1),
    "silent": Scenario("silent", silent=True),
    "slow": Scenario("slow", reply_delay=0.2, read_delay=1.0),
    "refind": Scenario("refind", refind=True),
}


def scenario_named(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise InvalidDeviceUri(f"unknown scenario {name!r}; use one of {', '.join(SCENARIOS)}") from None


class SamSimulator:
    """The reader's answers: thread-safe state of the card on it and the scenario."""

    def __init__(self, scenario: Scenario | None = None, card: SimCard | None = None) -> None:
        self.scenario = scenario or Scenario()
        self._lock = threading.Lock()
        self._card: SimCard | None = None
        self._findable = False
        self._bad_left = self.scenario.bad_checksum
        self.reads = 0  # successful text reads served
        self.requests = 0
        if card is not None:
            self.place(card)

    def place(self, card: SimCard) -> None:
        """Put a card on the reader."""
        with self._lock:
            self._card = card
            self._findable = True

    def remove(self) -> None:
        """Take the card off."""
        with self._lock:
            self._card = None
            self._findable = False

    @property
    def card(self) -> SimCard | None:
        return self._card

    def respond(self, body: bytes) -> tuple[float, bytes | None]:
        """(delay, reply frame) for one request body ``CMD PARA [DATA]``; None = stay silent."""
        with self._lock:
            self.requests += 1
            s = self.scenario
            if s.silent:
                return 0.0, None
            cmd = (body[0], body[1]) if len(body) >= 2 else (-1, -1)
            delay = s.reply_delay
            if cmd in (Command.RESET.value, Command.SAM_STATUS.value, (0x61, 0xFF)) or cmd[0] == 0x60:
                return delay, build_response(Sw3.OK)
            if cmd == Command.SAM_ID.value:
                return delay, build_response(Sw3.OK, SAM_ID)
            if cmd == Command.FIND_CARD.value:
                if self._card is not None and self._findable:
                    return delay, build_response(Sw3.FIND_OK, bytes(4))
                return delay, build_response(Sw3.NO_CARD)
            if cmd == Command.SELECT_CARD.value:
                if self._card is not None and self._findable:
                    return delay, build_response(Sw3.OK, bytes(8))
                return delay, build_response(Sw3.SELECT_FAILED)
            if cmd in (Command.READ_BASE.value, Command.READ_BASE_FINGERPRINT.value):
                return delay + s.read_delay, self._read(cmd == Command.READ_BASE_FINGERPRINT.value)
            if cmd == Command.READ_APPENDED_ADDRESS.value:
                card = self._card
                if card is None:
                    return delay, build_response(Sw3.CARD_READ_FAILED)
                if card.appended_address is None:
                    return delay, build_response(Sw3.NO_CONTENT)
                return delay, build_response(Sw3.OK, ucs2(card.appended_address, 70))
            return delay, build_response(Sw3.BAD_COMMAND)

    def _read(self, with_fingerprint: bool) -> bytes:
        card = self._card
        if card is None:
            return build_response(Sw3.CARD_READ_FAILED)
        if self.scenario.remove_mid_read:
            self._card = None
            self._findable = False
            return build_response(Sw3.CARD_READ_FAILED)
        data = base_info_data(card.text, card.photo, card.fingerprint if with_fingerprint else None)
        reply = build_response(Sw3.OK, data)
        if self._bad_left:
            self._bad_left -= 1 if self._bad_left > 0 else 0
            return reply[:-1] + bytes([reply[-1] ^ 0x5A])
        self.reads += 1
        # Real readers do not find the same card again until it has left the field.
        self._findable = self.scenario.refind
        return reply

    def link_error(self, exc: ProtocolError) -> bytes:
        """What the SAM answers to a frame it could not check."""
        sw3 = Sw3.BAD_CHECKSUM if "checksum" in str(exc) else Sw3.BAD_LENGTH
        return build_response(sw3)


class PtySimulator:
    """Serves a :class:`SamSimulator` on a pseudo-terminal; bytes leave at the given baud rate."""

    def __init__(self, sam: SamSimulator, *, baud: int = 115200, pace: bool = True) -> None:
        self.sam = sam
        self.baud = baud
        self.pace = pace
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self.path = ""

    def start(self) -> str:
        """Open the pty and start serving; returns the tty path a driver opens."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # our own slave fd keeps the pty alive between driver opens
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-sim", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        """Stop serving and close both ends."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> PtySimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        decoder = FrameDecoder(min_len=3)
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    continue
                if exc.errno == errno.EIO:
                    time.sleep(0.05)
                    continue
                raise
            decoder.feed(data)
            while not self._stop.is_set():
                try:
                    raw = decoder.next_frame()
                except ProtocolError as exc:
                    self._send(0.0, self.sam.link_error(exc), 0)
                    continue
                if raw is None:
                    break
                delay, reply = self.sam.respond(raw[7:-1])
                if reply is not None:
                    self._send(delay, reply, len(raw))

    def _send(self, delay: float, reply: bytes, request_size: int) -> None:
        start = time.monotonic()
        if self.pace:
            # The request took its own wire time to arrive; the pty delivered it at once.
            start += wire_seconds(request_size, self.baud)
        start += delay
        sent = 0
        chunk = 64
        while sent < len(reply) and not self._stop.is_set():
            part = reply[sent : sent + chunk]
            due = start + wire_seconds(sent + len(part), self.baud) if self.pace else start
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            sent += self._write_all(part)

    def _write_all(self, data: bytes) -> int:
        view = memoryview(data)
        while view and not self._stop.is_set():
            _, ready, _ = select.select([], [self._master], [], 0.1)
            if not ready:
                continue
            try:
                n = os.write(self._master, view)
            except BlockingIOError:
                continue
            view = view[n:]
        return len(data)


class SimIdCardReader(IdCardReader):
    """``sim:`` — the real serial driver against a :class:`PtySimulator` run in a background thread.

    Query options: ``card`` (a sample kind placed at start), ``scenario``, ``baud``, ``pace=0``
    (no baud-rate pacing), ``fingerprint=1``, ``address=1``.
    """

    def __init__(self, uri: DeviceUri, *, timings: Timings | None = None) -> None:
        baud = uri.option_int("baud", 115200)
        self.sam = SamSimulator(scenario_named(uri.query.get("scenario", "normal")))
        self.pty = PtySimulator(self.sam, baud=baud, pace=uri.query.get("pace", "1") not in ("0", "false"))
        super().__init__(
            uri.raw,
            lambda: SerialTransport(self.pty.path, baud),
            timings=timings,
            fingerprint=uri.query.get("fingerprint") in ("1", "true"),
            appended_address=uri.query.get("address") in ("1", "true"),
        )
        if "card" in uri.query:
            self.place(uri.query["card"])

    def place(self, card: str | IdCardRecord | SimCard) -> None:
        """Put a card on the simulated reader: a sample kind name, a record, or a raw card."""
        if isinstance(card, str):
            card = sample_card(card)
        elif isinstance(card, IdCardRecord):
            card = SimCard.from_record(card)
        self.sam.place(card)

    def remove(self) -> None:
        """Take the card off the simulated reader."""
        self.sam.remove()

    def _open(self) -> None:
        self.pty.start()
        try:
            super()._open()
        except Exception:
            self.pty.stop()
            raise

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self.pty.stop()
