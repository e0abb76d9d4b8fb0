"""Bounded fuzzing: mutated reader replies end in a record or a ProtocolError, never a crash or hang."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import ProtocolError
from drivers.id_card.protocol import FrameDecoder, parse_response
from drivers.id_card.records import decode_text
from drivers.id_card.sim import CARD_KINDS, sample_card
from tests.fuzz.replies import decode_all

DATA = Path(__file__).parents[2] / "data" / "id_card"
READ_OK = bytes.fromhex((DATA / "read_base_resident.hex").read_text().replace("\n", ""))
SEEDS = [READ_OK, bytes.fromhex("AAAAAA9669000800009F0000000097"), bytes.fromhex("AAAAAA9669000400008084")]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[pos % len(buf)] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[pos % len(buf)] = rng.randrange(256)
        elif op == 2:
            del buf[pos : pos + rng.randint(1, 40)]
        elif op == 3:
            buf[pos:pos] = rng.randbytes(rng.randint(1, 20))
        elif op == 4:
            buf[pos:pos] = b"\xaa\xaa\xaa\x96\x69"
        else:
            buf[5:7] = rng.randrange(0x10000).to_bytes(2, "big")
    return bytes(buf)


def _consume(stream: bytes, rng: random.Random) -> int:
    """Feed ``stream`` in random pieces, decoding everything as the reader would; count outcomes."""
    dec = FrameDecoder()
    outcomes = 0
    pos = 0
    while pos < len(stream):
        step = rng.randint(1, 400)
        dec.feed(stream[pos : pos + step])
        pos += step
        outcomes += decode_all(dec, len(stream) + 2)
    return outcomes


def test_fuzz_mutated_frames_through_decoder_and_text_decoder() -> None:
    rng = random.Random(467)
    for _ in range(5000):
        seed = rng.choice(SEEDS)
        _consume(_mutate(rng, seed) + rng.choice(SEEDS), rng)


def test_fuzz_almost_every_mutated_frame_is_rejected() -> None:
    """XOR CHK plus LEN and SW3 checks catch nearly all corruption (XOR misses paired flips)."""
    rng = random.Random(11643)
    accepted = 0
    for _ in range(1500):
        raw = _mutate(rng, READ_OK)
        try:
            parse_response(raw)
        except ProtocolError:
            continue
        accepted += 1
    assert accepted < 1500 * 0.02  # a random mutation almost never yields a valid frame


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(CARD_KINDS),
    edits=st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_any_corrupted_text_block_decodes_or_raises_protocol_error(kind: str, edits: list[tuple[int, int]]) -> None:
    text = bytearray(sample_card(kind).text)
    for pos, value in edits:
        text[pos] = value
    try:
        record = decode_text(bytes(text))
    except ProtocolError as exc:
        assert "\\x" not in str(exc)
        return
    record.to_dict()
    assert "id_number_valid" in record.to_dict()
