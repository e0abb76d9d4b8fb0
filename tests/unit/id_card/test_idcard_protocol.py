"""Framing of the GA 467 SAM protocol against the published bytes and a byte stream cut anywhere."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.errors import ProtocolError
from drivers.id_card.protocol import (
    PREAMBLE,
    Command,
    FrameDecoder,
    Sw3,
    base_info_data,
    build_request,
    build_response,
    parse_base_info,
    parse_response,
    summarize_frame,
    xor_checksum,
)

DATA = Path(__file__).parents[2] / "data" / "id_card"
READ_OK = bytes.fromhex((DATA / "read_base_resident.hex").read_text().replace("\n", ""))


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize(
    ("command", "frame"),
    [
        (Command.RESET, "AA AA AA 96 69 00 03 10 FF EC"),
        (Command.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
        (Command.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
        (Command.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (Command.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (Command.READ_BASE, "AA AA AA 96 69 00 03 30 01 32"),
        (Command.READ_BASE_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
        (Command.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    ],
)
def test_request_frames_equal_the_published_bytes(command: Command, frame: str) -> None:
    assert build_request(command) == h(frame)


@pytest.mark.parametrize(
    ("frame", "sw3", "data_len"),
    [
        ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", Sw3.FIND_OK, 4),
        ("AA AA AA 96 69 00 04 00 00 80 84", Sw3.NO_CARD, 0),
        ("AA AA AA 96 69 00 04 00 00 81 85", Sw3.SELECT_FAILED, 0),
        ("AA AA AA 96 69 00 04 00 00 41 45", Sw3.CARD_READ_FAILED, 0),
        ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", Sw3.OK, 8),
    ],
)
def test_captured_replies_decode_to_their_status(frame: str, sw3: Sw3, data_len: int) -> None:
    reply = parse_response(h(frame))
    assert reply.sw3 is sw3
    assert len(reply.data) == data_len
    assert build_response(sw3, reply.data) == h(frame)


def test_read_base_vector_matches_its_published_hash_and_splits_into_text_and_photo() -> None:
    assert hashlib.sha256(READ_OK).hexdigest() == "58ee772769765fc2051f3334ea2bb8d853a9ae4ed42eac6d6ff974f49718509b"
    reply = parse_response(READ_OK)
    assert reply.sw3 is Sw3.OK
    info = parse_base_info(reply.data)
    assert info.text[:4] == h("205F094E")  # 张三
    assert info.photo == bytes(1024)
    assert build_response(Sw3.OK, base_info_data(info.text, info.photo)) == READ_OK


def test_checksum_is_xor_from_len_to_last_data_byte() -> None:
    assert xor_checksum(h("0003 2001")) == 0x22
    assert READ_OK[-1] == 0x37


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_checksum_equals_a_plain_bytewise_xor(data: bytes) -> None:
    expected = 0
    for b in data:
        expected ^= b
    assert xor_checksum(data) == expected


def test_one_flipped_bit_anywhere_after_the_preamble_is_rejected() -> None:
    for pos in (5, 6, 9, 14, 600, len(READ_OK) - 1):
        broken = bytearray(READ_OK)
        broken[pos] ^= 0x01
        with pytest.raises(ProtocolError):
            parse_response(bytes(broken))


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ("AA AA AA 96 69 00 04 00 00 80 85", "bad checksum"),
        ("AA AA AA 96 69 00 04 00 00 80", "truncated"),
        ("AA AA AA 96", "truncated"),
        ("AA AA AA 96 69 00 02 00 02", "impossible LEN"),
        ("AA AA AA 96 69 FF FF 00 00 90", "impossible LEN"),
        ("AA AA AA 96 69 00 04 00 00 77 73", "unknown status SW3=77"),
        ("AA AA AA 96 69 00 04 00 00 80 84 00", "after the end"),
        ("AB AA AA 96 69 00 04 00 00 80 84", "does not start"),
    ],
)
def test_malformed_frames_raise_protocol_error_naming_the_fault(frame: str, says: str) -> None:
    with pytest.raises(ProtocolError, match=says) as err:
        parse_response(h(frame))
    assert "bytes:" in str(err.value)  # the bytes are summarised


def test_summaries_stop_before_the_text_block() -> None:
    summary = summarize_frame(READ_OK)
    assert summary.startswith("1295 bytes: aa aa aa 96 69 05 08 00 00 90 01 00 04 00")
    assert "20 5f" not in summary  # the first character of the name


def test_read_reply_with_lengths_that_disagree_with_its_data_is_rejected() -> None:
    data = parse_response(READ_OK).data
    with pytest.raises(ProtocolError, match="data bytes"):
        parse_base_info(data[:-1])
    with pytest.raises(ProtocolError, match="announces"):
        parse_base_info(h("0100 0300") + data[4:])
    fp = base_info_data(bytes(256), bytes(1024), bytes(512))
    assert len(parse_base_info(fp, with_fingerprint=True).fingerprint) == 512


def _decode_all(chunks: list[bytes]) -> tuple[list[bytes], list[str]]:
    dec = FrameDecoder()
    frames, errors = [], []
    for chunk in chunks:
        dec.feed(chunk)
        while True:
            try:
                raw = dec.next_frame()
            except ProtocolError as exc:
                errors.append(str(exc))
                continue
            if raw is None:
                break
            frames.append(raw)
    return frames, errors


def test_decoder_handles_garbage_split_frames_and_two_frames_in_one_read() -> None:
    find_ok = h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    stream = b"\x00\xaa\x96junk\xaa\xaa" + find_ok + READ_OK + find_ok
    chunks = [stream[:3], stream[3:12], stream[12:700], stream[700:]]
    frames, errors = _decode_all(chunks)
    assert frames == [find_ok, READ_OK, find_ok]
    assert errors == []


def test_decoder_reports_a_bad_frame_and_recovers_on_the_next() -> None:
    no_card = h("AA AA AA 96 69 00 04 00 00 80 84")
    bad = no_card[:-1] + b"\x00"
    frames, errors = _decode_all([bad + no_card])
    assert frames == [no_card]
    assert len(errors) == 1 and "bad checksum" in errors[0]


def test_decoder_needed_asks_for_exactly_the_rest_of_the_frame() -> None:
    dec = FrameDecoder()
    assert dec.needed() == 7
    dec.feed(READ_OK[:7])
    assert dec.needed() == 1295 - 7
    dec.feed(READ_OK[7:])
    assert dec.next_frame() == READ_OK


FRAMES = [
    h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),
    h("AA AA AA 96 69 00 04 00 00 80 84"),
    READ_OK,
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    garbage=st.binary(max_size=40).filter(lambda b: PREAMBLE[:1] not in b),
    picks=st.lists(st.sampled_from(FRAMES), min_size=1, max_size=4),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=12),
)
def test_frames_survive_any_split_and_leading_garbage(garbage: bytes, picks: list[bytes], cuts: list[int]) -> None:
    stream = garbage + b"".join(picks)
    points = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    chunks = [stream[a:b] for a, b in itertools.pairwise(points)]
    frames, errors = _decode_all(chunks)
    assert frames == picks
    assert errors == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_any_bytes_give_frames_or_protocol_errors_and_nothing_else(chunks: list[bytes]) -> None:
    """Arbitrary input never crashes or loops: only checked frames or ProtocolError come out."""
    dec = FrameDecoder()
    total = sum(len(c) for c in chunks)
    for chunk in chunks:
        dec.feed(chunk)
        for _ in range(total + 2):  # each call consumes bytes, so this bound is never reached
            try:
                raw = dec.next_frame()
            except ProtocolError:
                continue
            if raw is None:
                break
            reply_or_error(raw)
        else:
            pytest.fail("decoder did not make progress")
        assert dec.needed() >= 1


def reply_or_error(raw: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        parse_response(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_parse_response_raises_only_protocol_error(raw: bytes) -> None:
    try:
        reply = parse_response(PREAMBLE + raw)
    except ProtocolError:
        return
    assert isinstance(reply.sw3, Sw3)
