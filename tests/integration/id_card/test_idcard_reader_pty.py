"""The real serial driver against the byte-level simulator on a pseudo-terminal."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import registry
from drivers.base import Health
from drivers.errors import DeviceTimeout, DriverError, LifecycleError, NotPresent, ProtocolError
from drivers.id_card import CardRemoved, IdCardReader, ReaderFault, Timings
from drivers.id_card.protocol import Command, Sw3, build_response
from drivers.id_card.sim import (
    CARD_KINDS,
    SAMPLE_RECORDS,
    SCENARIOS,
    PtySimulator,
    SamSimulator,
    SimCard,
    sample_card,
)

FAST = Timings(status=0.3, find=0.2, select=0.2, read=1.5, appended_address=0.5, poll_interval=0.05)


class ScriptedSam(SamSimulator):
    """The simulator with some replies replaced, to play a misbehaving reader."""

    def __init__(self, *args: object, rewrite: dict[tuple[int, int], Callable[[bytes], bytes]], **kw: object):
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.rewrite = rewrite

    def respond(self, body: bytes) -> tuple[float, bytes | None]:
        delay, reply = super().respond(body)
        fix = self.rewrite.get((body[0], body[1]))
        return (delay, fix(reply)) if fix and reply is not None else (delay, reply)


Factory = Callable[..., tuple[IdCardReader, SamSimulator]]


@pytest.fixture
def serial_reader() -> Iterator[Factory]:
    """Start a pty simulator and open the real driver on ``serial://<pty>?baud=115200``."""
    started: list[tuple[IdCardReader, PtySimulator]] = []

    def make(scenario: str = "normal", card: str | None = None, *, sam: SamSimulator | None = None,
             pace: bool = False, timings: Timings = FAST) -> tuple[IdCardReader, SamSimulator]:
        sam = sam or SamSimulator(SCENARIOS[scenario], sample_card(card) if card else None)
        pty = PtySimulator(sam, pace=pace)
        path = pty.start()
        reader = registry.create("id_reader", f"serial://{path}?baud=115200")
        assert isinstance(reader, IdCardReader)
        reader.timings = timings
        reader.open()
        started.append((reader, pty))
        return reader, sam

    yield make
    for reader, pty in started:
        reader.close()
        pty.stop()


@pytest.mark.parametrize("kind", CARD_KINDS)
def test_each_card_kind_is_read_through_the_serial_driver(serial_reader: Factory, kind: str) -> None:
    reader, _ = serial_reader(card=kind)
    record = reader.read_card(timeout=2)
    assert record.to_dict() == SAMPLE_RECORDS[kind].to_dict()
    assert record.id_number_valid


def test_paced_at_115200_baud_a_read_takes_at_least_its_wire_time(serial_reader: Factory) -> None:
    reader, _ = serial_reader(card="resident", pace=True)
    start = time.monotonic()
    reader.read_card(timeout=2)
    assert time.monotonic() - start >= 0.11  # 1359 bytes at 11520 bytes/s


def test_no_card_raises_not_present_after_the_timeout(serial_reader: Factory) -> None:
    reader, sam = serial_reader("no_card")
    start = time.monotonic()
    with pytest.raises(NotPresent, match="no card was placed"):
        reader.read_card(timeout=0.5)
    assert time.monotonic() - start >= 0.5
    assert sam.requests >= 3  # it kept polling find
    assert reader.status.sensors["card_present"] is False


def test_card_placed_while_waiting_is_read(serial_reader: Factory) -> None:
    reader, sam = serial_reader("no_card")
    threading.Timer(0.3, sam.place, args=(sample_card("hkmt_residence"),)).start()
    assert reader.read_card(timeout=3).card_type == "hkmt_residence"


def test_card_removed_mid_read_gives_a_clean_error(serial_reader: Factory) -> None:
    reader, _ = serial_reader("removed_mid_read", card="resident")
    with pytest.raises(CardRemoved, match="taken off the reader"):
        reader.read_card(timeout=2)
    assert reader.status.sensors["card_present"] is False


def test_bad_checksum_is_resent_once_then_reported(serial_reader: Factory) -> None:
    reader, _ = serial_reader("bad_checksum_once", card="resident")
    assert reader.read_card(timeout=2).name == "张三"
    reader2, sam2 = serial_reader("bad_checksum", card="resident")
    with pytest.raises(ProtocolError, match="bad checksum") as err:
        reader2.read_card(timeout=2)
    assert "张" not in str(err.value)
    assert reader2.status.health is Health.ERROR
    assert sam2.reads == 0


def test_silent_reader_times_out_and_goes_offline(serial_reader: Factory) -> None:
    reader, sam = serial_reader("silent", card="resident")
    with pytest.raises(DeviceTimeout, match=r"no answer to 20 01"):
        reader.read_card(timeout=5)
    assert sam.requests == 2  # one resend, then it gives up instead of polling for the whole 5 s
    assert reader.status.health is Health.OFFLINE
    assert reader.probe().health is Health.OFFLINE


def test_slow_reader_still_reads_within_sdk_timeouts(serial_reader: Factory) -> None:
    reader, _ = serial_reader("slow", card="foreign_permanent_2017", timings=Timings(poll_interval=0.05))
    assert reader.read_card(timeout=3).card_type == "foreign_permanent_2017"


def test_probe_reports_online_and_the_sam_id(serial_reader: Factory) -> None:
    reader, _ = serial_reader()
    status = reader.probe()
    assert status.health is Health.ONLINE
    assert status.sensors["sam_id"] == "0501000012345678000000009abcdef0"


@pytest.mark.parametrize("scenario", ["normal", "refind"])
def test_a_card_that_stays_is_read_once_per_placement(serial_reader: Factory, scenario: str) -> None:
    """Some readers stop finding a card after a read, some keep finding it: both give one record."""
    reader, sam = serial_reader(scenario, card="resident")
    assert reader.poll() is not None
    assert [reader.poll() for _ in range(4)] == [None] * 4
    assert sam.reads == 1
    sam.remove()
    assert reader.poll() is None
    assert reader.status.sensors["card_present"] is False
    sam.place(sample_card("foreign_permanent_2023"))
    again = reader.poll()
    assert again is not None and again.card_type == "foreign_permanent_2023"
    assert reader.poll() is None
    assert sam.reads == 2


def test_concurrent_polls_yield_exactly_one_record(serial_reader: Factory) -> None:
    reader, sam = serial_reader("refind", card="resident")
    results: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                results.append(reader.poll())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert sum(r is not None for r in results) == 1
    assert sam.reads == 1


def test_garbage_before_the_preamble_and_split_replies_are_tolerated(serial_reader: Factory) -> None:
    sam = ScriptedSam(card=sample_card("resident"), rewrite={
        Command.FIND_CARD.value: lambda r: b"\x00\xff\xaa\x96" + r,
        Command.READ_BASE.value: lambda r: b"\xaa\xaa" + r,
    })
    reader, _ = serial_reader(sam=sam, pace=True)  # paced: the 1295-byte reply arrives in many reads
    assert reader.read_card(timeout=2).id_number == "110101199003071233"


def test_truncated_reply_is_a_protocol_error_not_a_hang(serial_reader: Factory) -> None:
    sam = ScriptedSam(card=sample_card("resident"), rewrite={Command.READ_BASE.value: lambda r: r[:700]})
    reader, _ = serial_reader(sam=sam)
    with pytest.raises(ProtocolError, match=r"truncated reply to 30 01 .*700 bytes"):
        reader.read_card(timeout=5)
    assert sam.requests == 4  # find, select, read, one resent read: then it gives up


def test_unknown_status_is_a_protocol_error(serial_reader: Factory) -> None:
    sam = ScriptedSam(card=sample_card("resident"), rewrite={Command.SELECT_CARD.value: lambda r: build_response(0x77)})
    reader, _ = serial_reader(sam=sam)
    with pytest.raises(ProtocolError, match="unknown status SW3=77"):
        reader.read_card(timeout=2)


def test_text_that_is_not_utf16_is_a_protocol_error(serial_reader: Factory) -> None:
    card = sample_card("resident")
    broken = SimCard(b"\x00\xd8" + card.text[2:], card.photo)
    reader, _ = serial_reader(sam=SamSimulator(card=broken))
    with pytest.raises(ProtocolError, match="not valid UTF-16"):
        reader.read_card(timeout=2)


def test_sam_fault_is_reported_as_reader_fault(serial_reader: Factory) -> None:
    sam = ScriptedSam(card=sample_card("resident"), rewrite={Command.FIND_CARD.value: lambda r: build_response(0x60)})
    reader, _ = serial_reader(sam=sam)
    with pytest.raises(ReaderFault, match="self-test"):
        reader.read_card(timeout=2)
    assert reader.status.health is Health.ERROR


def test_card_read_failure_goes_back_to_find_and_retries(serial_reader: Factory) -> None:
    failures = iter([build_response(Sw3.CARD_READ_FAILED)])
    sam = ScriptedSam(SCENARIOS["refind"], card=sample_card("resident"),
                      rewrite={Command.READ_BASE.value: lambda r: next(failures, r)})
    reader, _ = serial_reader(sam=sam)
    assert reader.read_card(timeout=2).name == "张三"


def test_poll_reports_an_unreadable_card_once_per_placement(serial_reader: Factory) -> None:
    card = sample_card("resident")
    reader, sam = serial_reader("refind", sam=SamSimulator(SCENARIOS["refind"], SimCard(b"\x00\xd8" + card.text[2:])))
    with pytest.raises(ProtocolError, match="not valid UTF-16"):
        reader.poll()
    assert [reader.poll() for _ in range(3)] == [None] * 3
    sam.remove()
    reader.poll()
    sam.place(card)
    assert reader.poll().name == "张三"


def test_sim_uri_with_fingerprint_and_appended_address() -> None:
    reader = registry.create("id_reader", "sim:?pace=0&fingerprint=1&address=1")
    reader.place(SimCard(sample_card("resident").text, bytes(1024), bytes(512), "北京市西城区示例街3号"))
    with reader:
        record = reader.read_card(timeout=2)
    assert record.fingerprint == bytes(512)
    assert record.appended_address == "北京市西城区示例街3号"


def test_sim_uri_starts_with_a_card_and_supports_place_and_remove() -> None:
    reader = registry.create("id_reader", "sim:?card=resident")
    seen: list[bool] = []
    reader.on_status(lambda _dev, status: seen.append(status.sensors.get("card_present")))
    with reader:
        assert reader.probe().sensors["sam_id"]
        assert reader.poll().name == "张三"
        assert reader.status.sensors["card_present"] is True
        reader.remove()
        assert reader.poll() is None
        reader.place(SAMPLE_RECORDS["hkmt_residence"])
        assert reader.poll().card_type == "hkmt_residence"
    assert reader.status.health is Health.OFFLINE
    changes = [v for i, v in enumerate(seen) if i == 0 or seen[i - 1] != v]
    assert changes == [False, True, False, True, False]  # listeners saw the card come, go, come, close


def test_using_a_closed_reader_is_a_lifecycle_error() -> None:
    reader = registry.create("id_reader", "sim:")
    with pytest.raises(LifecycleError):
        reader.poll()


@pytest.fixture(scope="module")
def garbled_reader() -> Iterator[tuple[IdCardReader, dict]]:
    """One reader on a pty whose find replies a test can replace with any bytes."""
    rewrite: dict = {}
    sam = ScriptedSam(SCENARIOS["refind"], card=sample_card("resident"), rewrite=rewrite)
    with PtySimulator(sam, pace=False) as pty:
        reader = registry.create("id_reader", f"serial://{pty.path}")
        assert isinstance(reader, IdCardReader)
        reader.timings = Timings(find=0.05, select=0.05, read=0.1, poll_interval=0.01)
        with reader:
            yield reader, rewrite


VALID_FIND = build_response(Sw3.FIND_OK, bytes(4))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reply=st.one_of(
    st.binary(max_size=40),
    st.tuples(st.integers(0, len(VALID_FIND) - 1), st.integers(0, 255)).map(
        lambda p: VALID_FIND[: p[0]] + bytes([p[1]]) + VALID_FIND[p[0] + 1 :]),
))
def test_reader_given_any_reply_returns_or_raises_a_driver_error(
    garbled_reader: tuple[IdCardReader, dict], reply: bytes
) -> None:
    reader, rewrite = garbled_reader
    rewrite[Command.FIND_CARD.value] = lambda _r: reply
    with contextlib.suppress(DriverError):  # ProtocolError, DeviceTimeout...: anything else fails the test
        reader.poll()
