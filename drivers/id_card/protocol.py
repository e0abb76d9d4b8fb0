"""Pure GA 467 "SAM protocol" framing: request frames, a streaming response decoder, SW3 result codes.

Frame (both directions): preamble ``AA AA AA 96 69``, LEN (2 bytes, big-endian, counts everything
after itself including CHK), body, CHK = XOR of LEN..last body byte. A request body is
``CMD PARA [DATA]``; a response body is ``SW1 SW2 SW3 [DATA]`` and SW3 alone decides the result.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.errors import ProtocolError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2
# The largest reply in the protocol is 30 10 with two fingerprint templates: 2321 bytes, LEN 2314.
MAX_LEN = 2321 - HEADER_SIZE
MIN_REQUEST_LEN = 3  # CMD PARA CHK
MIN_RESPONSE_LEN = 4  # SW1 SW2 SW3 CHK
# Summaries stop before the text block (frame offset 14) so personal data never reaches a message.
SUMMARY_BYTES = 14

TEXT_SIZE = 256
PHOTO_SIZE = 1024
APPENDED_ADDRESS_SIZE = 70
FINGERPRINT_SIZES = (0, 512, 1024)


class Command(enum.Enum):
    """Host → SAM commands as (CMD, PARA)."""

    RESET = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE = (0x30, 0x01)
    READ_BASE_FINGERPRINT = (0x30, 0x10)
    READ_APPENDED_ADDRESS = (0x30, 0x03)

    @property
    def label(self) -> str:
        cmd, para = self.value
        return f"{cmd:02X} {para:02X} ({self.name.lower().replace('_', ' ')})"


class Sw3(enum.IntEnum):
    """SW3 result codes (GA 467 SAM)."""

    OK = 0x90
    FIND_OK = 0x9F
    NO_CONTENT = 0x91
    BAD_CHECKSUM = 0x10
    BAD_LENGTH = 0x11
    BAD_COMMAND = 0x21
    NOT_PERMITTED = 0x23
    UNRECOGNISED = 0x24
    CARD_AUTH_FAILED = 0x31
    SAM_AUTH_FAILED = 0x32
    VERIFY_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    CARD_READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    Sw3.OK: "success",
    Sw3.FIND_OK: "card found",
    Sw3.NO_CONTENT: "the item has no content",
    Sw3.BAD_CHECKSUM: "the module received a frame with a bad checksum",
    Sw3.BAD_LENGTH: "the module received a frame with a bad length",
    Sw3.BAD_COMMAND: "bad command or parameter",
    Sw3.NOT_PERMITTED: "command not permitted",
    Sw3.UNRECOGNISED: "unrecognised error",
    Sw3.CARD_AUTH_FAILED: "the card failed to authenticate the SAM",
    Sw3.SAM_AUTH_FAILED: "the SAM failed to authenticate the card",
    Sw3.VERIFY_FAILED: "information verification error",
    Sw3.UNKNOWN_CARD_TYPE: "unknown card type",
    Sw3.CARD_READ_FAILED: "reading the card failed",
    Sw3.RANDOM_FAILED: "random number failure",
    Sw3.SAM_SELF_TEST_FAILED: "the SAM failed its self-test and accepts no commands",
    Sw3.SAM_NOT_AUTHORISED: "the SAM is not authorised",
    Sw3.NO_CARD: "no card",
    Sw3.SELECT_FAILED: "selecting the card failed",
}

# SW3 codes after which the reader itself needs a technician, not another try.
READER_FAULTS = frozenset({Sw3.SAM_SELF_TEST_FAILED, Sw3.SAM_NOT_AUTHORISED})
# The card link failed: go back to finding the card.
CARD_FAULTS = frozenset(
    {Sw3.CARD_AUTH_FAILED, Sw3.SAM_AUTH_FAILED, Sw3.VERIFY_FAILED, Sw3.CARD_READ_FAILED,
     Sw3.SELECT_FAILED, Sw3.UNKNOWN_CARD_TYPE, Sw3.RANDOM_FAILED}
)
# The module did not understand our frame: resend once.
LINK_FAULTS = frozenset({Sw3.BAD_CHECKSUM, Sw3.BAD_LENGTH})


def xor_checksum(data: bytes) -> int:
    """XOR of all bytes (the protocol's CHK over LEN..last body byte)."""
    # Fold the bytes as one big integer: log2(n) big-int XORs instead of n Python-level steps.
    width = len(data)
    value = int.from_bytes(data, "little")
    while width > 1:
        half = (width + 1) // 2
        value = (value >> (half * 8)) ^ (value & ((1 << (half * 8)) - 1))
        width = half
    return value


def summarize_frame(data: bytes) -> str:
    """Length and the header bytes of a frame, never the text or photo inside it."""
    head = bytes(data[:SUMMARY_BYTES]).hex(" ")
    more = " …" if len(data) > SUMMARY_BYTES else ""
    return f"{len(data)} bytes: {head}{more}" if data else "0 bytes"


def frame(body: bytes) -> bytes:
    """Wrap a body (CMD PARA DATA or SW1 SW2 SW3 DATA) in preamble, LEN and CHK."""
    if len(body) + 1 > 0xFFFF:
        raise ValueError("frame body too long")
    head = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([xor_checksum(head + body)])


def build_request(command: Command, data: bytes = b"") -> bytes:
    """The full request frame for ``command``."""
    cmd, para = command.value
    return frame(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """A full response frame (the simulator's side)."""
    return frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Response:
    """One validated reply: SW1, SW2, the SW3 result and its data."""

    sw1: int
    sw2: int
    sw3: Sw3
    data: bytes

    def __repr__(self) -> str:
        return f"Response(sw3={self.sw3.name}, data={len(self.data)} bytes)"


def parse_response_body(body: bytes, raw: bytes = b"") -> Response:
    """Turn a checked body (SW1 SW2 SW3 DATA) into a :class:`Response`; unknown SW3 is an error."""
    if len(body) < 3:
        raise ProtocolError(f"response too short for SW1 SW2 SW3 ({summarize_frame(raw or body)})")
    try:
        sw3 = Sw3(body[2])
    except ValueError:
        raise ProtocolError(
            f"unknown status SW3={body[2]:02X} ({summarize_frame(raw or body)})"
        ) from None
    return Response(body[0], body[1], sw3, bytes(body[3:]))


def parse_frame(raw: bytes, *, min_len: int = MIN_RESPONSE_LEN) -> bytes:
    """Check one complete frame and return its body; anything else raises :class:`ProtocolError`."""
    if len(raw) < HEADER_SIZE:
        raise ProtocolError(f"truncated frame, shorter than its header ({summarize_frame(raw)})")
    if raw[:5] != PREAMBLE:
        raise ProtocolError(f"frame does not start with AA AA AA 96 69 ({summarize_frame(raw)})")
    length = int.from_bytes(raw[5:7], "big")
    _check_len(length, raw, min_len)
    if len(raw) < HEADER_SIZE + length:
        raise ProtocolError(
            f"truncated frame: LEN says {HEADER_SIZE + length} bytes, got {len(raw)} ({summarize_frame(raw)})"
        )
    if len(raw) > HEADER_SIZE + length:
        raise ProtocolError(
            f"{len(raw) - HEADER_SIZE - length} bytes after the end of the frame ({summarize_frame(raw)})"
        )
    _check_sum(raw)
    return bytes(raw[HEADER_SIZE:-1])


def parse_response(raw: bytes) -> Response:
    """Check one complete response frame and decode it."""
    return parse_response_body(parse_frame(raw), raw)


def _check_len(length: int, raw: bytes, min_len: int) -> None:
    if length < min_len or length > MAX_LEN:
        raise ProtocolError(
            f"impossible LEN {length} (expected {min_len}..{MAX_LEN}) ({summarize_frame(raw)})"
        )


def _check_sum(raw: bytes) -> None:
    expected = xor_checksum(raw[5:-1])
    if raw[-1] != expected:
        raise ProtocolError(
            f"bad checksum: frame says {raw[-1]:02X}, bytes give {expected:02X} ({summarize_frame(raw)})"
        )


class FrameDecoder:
    """Reassemble frames from a byte stream that arrives in arbitrary pieces.

    Bytes before a preamble are skipped. A frame with an impossible LEN or a bad checksum is
    dropped from the buffer and reported as :class:`ProtocolError`, so the stream can go on.
    """

    def __init__(self, *, min_len: int = MIN_RESPONSE_LEN) -> None:
        self._buf = bytearray()
        self._min_len = min_len
        self.skipped = 0  # garbage bytes dropped before a preamble

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        self._buf += data

    @property
    def pending(self) -> bytes:
        """Bytes received but not yet part of a whole frame."""
        return bytes(self._buf)

    def clear(self) -> None:
        """Forget everything buffered."""
        self._buf.clear()

    def needed(self) -> int:
        """How many more bytes the current frame needs at least (1 when unknown)."""
        self._resync()
        if len(self._buf) < HEADER_SIZE:
            return HEADER_SIZE - len(self._buf)
        length = int.from_bytes(self._buf[5:7], "big")
        if length < self._min_len or length > MAX_LEN:
            return 1
        return max(1, HEADER_SIZE + length - len(self._buf))

    def next_frame(self) -> bytes | None:
        """The next whole checked frame, None if more bytes are needed; raises on a bad frame."""
        self._resync()
        if len(self._buf) < HEADER_SIZE:
            return None
        length = int.from_bytes(self._buf[5:7], "big")
        if length < self._min_len or length > MAX_LEN:
            bad = bytes(self._buf[:HEADER_SIZE])
            del self._buf[:1]  # the next preamble may start inside this one
            _check_len(length, bad, self._min_len)
        end = HEADER_SIZE + length
        if len(self._buf) < end:
            return None
        raw = bytes(self._buf[:end])
        del self._buf[:end]
        _check_sum(raw)
        return raw

    def next_response(self) -> Response | None:
        """Like :meth:`next_frame`, decoded as a response."""
        raw = self.next_frame()
        return None if raw is None else parse_response_body(raw[HEADER_SIZE:-1], raw)

    def _resync(self) -> None:
        start = self._buf.find(PREAMBLE)
        if start < 0:
            # keep a tail that could be the start of a preamble split across reads
            keep = 0
            for n in range(min(len(PREAMBLE) - 1, len(self._buf)), 0, -1):
                if self._buf.endswith(PREAMBLE[:n]):
                    keep = n
                    break
            drop = len(self._buf) - keep
        else:
            drop = start
        if drop:
            self.skipped += drop
            del self._buf[:drop]


@dataclass(frozen=True)
class BaseInfo:
    """The data of a 30 01 / 30 10 reply: the 256-byte text, the 1024-byte photo, the fingerprints."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""

    def __repr__(self) -> str:
        return f"BaseInfo(text={len(self.text)}B, photo={len(self.photo)}B, fingerprint={len(self.fingerprint)}B)"


def parse_base_info(data: bytes, *, with_fingerprint: bool = False) -> BaseInfo:
    """Split the data of a 30 01 (or 30 10) reply, checking every length field against the data."""
    n = 6 if with_fingerprint else 4
    if len(data) < n:
        raise ProtocolError(f"read reply too short for its length fields ({len(data)} data bytes)")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if text_len != TEXT_SIZE or photo_len != PHOTO_SIZE:
        raise ProtocolError(
            f"read reply announces text {text_len} B and photo {photo_len} B; expected {TEXT_SIZE} and {PHOTO_SIZE}"
        )
    if fp_len not in FINGERPRINT_SIZES:
        raise ProtocolError(f"read reply announces a fingerprint of {fp_len} B; expected 0, 512 or 1024")
    if len(data) != n + text_len + photo_len + fp_len:
        raise ProtocolError(
            f"read reply carries {len(data) - n} data bytes, its length fields say {text_len + photo_len + fp_len}"
        )
    text = data[n : n + text_len]
    photo = data[n + text_len : n + text_len + photo_len]
    fingerprint = data[n + text_len + photo_len :]
    return BaseInfo(bytes(text), bytes(photo), bytes(fingerprint))


def base_info_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The data part of a 30 01 (fingerprint None) or 30 10 reply (the simulator's side)."""
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is None:
        return head + text + photo
    return head + len(fingerprint).to_bytes(2, "big") + text + photo + fingerprint


def wire_seconds(n_bytes: int, baud: int) -> float:
    """Time ``n_bytes`` take on a UART at ``baud`` with 8N1 framing (10 bits a byte)."""
    return n_bytes * 10 / baud
