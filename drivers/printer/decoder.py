"""A strict ESC/POS decoder: bytes → tokens, tracking Chinese mode and GB18030 double-byte text.

It is the test oracle and the virtual printer's front end, so it refuses what it does not know:
an unknown command, a byte ≥ 0x80 outside Chinese mode (the printer would print code-page
characters), a 4-byte GB18030 sequence (resident fonts have only the double-byte areas) or a
malformed ``GS ( k`` all raise :class:`DecodeError` (strict) or become ``unknown`` tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drivers.errors import ProtocolError, summarize_bytes


class DecodeError(ProtocolError):
    """Bytes that are not a command this decoder knows."""


class _Incomplete(Exception):
    """The buffer ends inside a command; wait for more bytes."""


@dataclass(frozen=True)
class Token:
    """One decoded command or run of text; ``offset`` is its first byte in the stream."""

    kind: str
    value: Any = None
    offset: int = 0


# ESC x n / GS x n / FS x n commands with one parameter byte, and the token kind they become.
_ESC_1 = {
    b"a": "align", b"E": "bold", b"!": "print_mode", b"-": "underline", b"d": "feed", b"J": "feed_dots",
    b"3": "line_spacing", b"t": "codepage", b"M": "font", b"{": "upside_down", b"G": "double_strike",
    b"V": "rotate", b"R": "charset",
}
_GS_1 = {
    b"!": "size", b"B": "reverse", b"b": "smoothing", b"h": "barcode_height", b"w": "barcode_module",
    b"H": "barcode_hri", b"f": "barcode_font", b"a": "auto_status", b"r": "status_transmit",
}
_FS_1 = {b"!": "kanji_mode", b"W": "kanji_quadruple"}
_QR_FUNCS = {0x41: "qr_model", 0x43: "qr_module", 0x45: "qr_ec", 0x50: "qr_store", 0x51: "qr_print"}
_BARCODE_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR"}
_BARCODE_B = {65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
              72: "CODE93", 73: "CODE128"}


class Decoder:
    """Incremental decoder: ``feed()`` chunks split anywhere; state (Chinese mode) carries over."""

    def __init__(self, *, strict: bool = True) -> None:
        self.strict = strict
        self.chinese = False
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]

    @property
    def pending(self) -> int:
        """Bytes held back because they end inside a command."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Token]:
        """Decode as much as is complete; keep the rest for the next call."""
        self._buf += data
        tokens: list[Token] = []
        pos = 0
        while pos < len(self._buf):
            try:
                token, end = self._one(pos)
            except _Incomplete:
                break
            except DecodeError:
                if self.strict:
                    raise
                token, end = Token("unknown", bytes(self._buf[pos:pos + 1]), self._base + pos), pos + 1
            if token.kind == "text" and tokens and tokens[-1].kind == "text":
                tokens[-1] = Token("text", tokens[-1].value + token.value, tokens[-1].offset)
            else:
                tokens.append(token)
            pos = end
        del self._buf[:pos]
        self._base += pos
        return tokens

    def finish(self) -> None:
        """Raise if the stream ended inside a command."""
        if self._buf:
            raise DecodeError(
                f"stream ends inside a command at offset {self._base}: {summarize_bytes(bytes(self._buf))}"
            )

    # -- one command ---------------------------------------------------------------------------
    def _need(self, end: int) -> None:
        if end > len(self._buf):
            raise _Incomplete

    def _fail(self, pos: int, why: str) -> DecodeError:
        return DecodeError(f"offset {self._base + pos}: {why} ({summarize_bytes(bytes(self._buf[pos:pos + 12]))})")

    def _one(self, pos: int) -> tuple[Token, int]:
        buf, off = self._buf, self._base + pos
        b = buf[pos]
        if b == 0x0A:
            return Token("lf", None, off), pos + 1
        if b == 0x0D:
            return Token("cr", None, off), pos + 1
        if b == 0x1B:
            return self._esc(pos)
        if b == 0x1D:
            return self._gs(pos)
        if b == 0x1C:
            return self._fs(pos)
        if b == 0x10:
            self._need(pos + 3)
            sub, n = buf[pos + 1], buf[pos + 2]
            if sub == 0x04 and 1 <= n <= 4:
                return Token("status_request", n, off), pos + 3
            if sub == 0x05 and 1 <= n <= 2:
                return Token("recover", n, off), pos + 3
            raise self._fail(pos, "unknown DLE command")
        if 0x20 <= b <= 0x7E:
            end = pos
            while end < len(buf) and 0x20 <= buf[end] <= 0x7E:
                end += 1
            return Token("text", buf[pos:end].decode("ascii"), off), end
        if b >= 0x80:
            if not self.chinese:
                raise self._fail(pos, f"byte 0x{b:02X} outside Chinese mode (no FS &): prints as code-page garbage")
            if not 0x81 <= b <= 0xFE:
                raise self._fail(pos, f"0x{b:02X} is not a GB18030 lead byte")
            self._need(pos + 2)
            trail = buf[pos + 1]
            if 0x30 <= trail <= 0x39:
                raise self._fail(pos, "4-byte GB18030 sequence: resident fonts have only the double-byte areas")
            if not (0x40 <= trail <= 0xFE and trail != 0x7F):
                raise self._fail(pos, f"0x{trail:02X} is not a GB18030 trail byte")
            return Token("text", bytes(buf[pos:pos + 2]).decode("gb18030"), off), pos + 2
        raise self._fail(pos, f"unknown control byte 0x{b:02X}")

    def _esc(self, pos: int) -> tuple[Token, int]:
        buf, off = self._buf, self._base + pos
        self._need(pos + 2)
        cmd = bytes(buf[pos + 1:pos + 2])
        if cmd == b"@":
            return Token("init", None, off), pos + 2
        if cmd == b"2":
            return Token("line_spacing", None, off), pos + 2
        if cmd in _ESC_1:
            self._need(pos + 3)
            n = buf[pos + 2]
            kind = _ESC_1[cmd]
            if kind == "align":
                if n not in (0, 1, 2, 48, 49, 50):
                    raise self._fail(pos, f"ESC a {n} is not an alignment")
                n %= 48
            elif kind == "bold":
                n = bool(n & 1)
            return Token(kind, n, off), pos + 3
        raise self._fail(pos, "unknown ESC command")

    def _gs(self, pos: int) -> tuple[Token, int]:
        buf, off = self._buf, self._base + pos
        self._need(pos + 2)
        cmd = bytes(buf[pos + 1:pos + 2])
        if cmd in _GS_1:
            self._need(pos + 3)
            n = buf[pos + 2]
            if cmd == b"!":
                width, height = (n >> 4) + 1, (n & 0x0F) + 1
                if width > 8 or height > 8:
                    raise self._fail(pos, f"GS ! 0x{n:02X} asks for more than 8× size")
                return Token("size", (width, height), off), pos + 3
            return Token(_GS_1[cmd], n, off), pos + 3
        if cmd == b"V":
            self._need(pos + 3)
            m = buf[pos + 2]
            if m in (0, 1, 48, 49):
                return Token("cut", ("partial" if m & 1 else "full", 0), off), pos + 3
            if m in (65, 66):
                self._need(pos + 4)
                return Token("cut", ("partial" if m == 66 else "full", buf[pos + 3]), off), pos + 4
            raise self._fail(pos, f"GS V {m} is not a cut mode")
        if cmd == b"v":
            self._need(pos + 8)
            if buf[pos + 2] != 0x30 or buf[pos + 3] not in (0, 1, 2, 3, 48, 49, 50, 51):
                raise self._fail(pos, "GS v needs '0' and a density mode")
            xb = buf[pos + 4] | buf[pos + 5] << 8
            yd = buf[pos + 6] | buf[pos + 7] << 8
            if xb == 0 or yd == 0:
                raise self._fail(pos, "GS v 0 with an empty image")
            end = pos + 8 + xb * yd
            self._need(end)
            return Token("raster", (xb, yd, bytes(buf[pos + 8:end])), off), end
        if cmd == b"(":
            self._need(pos + 5)
            if buf[pos + 2] != ord("k"):
                raise self._fail(pos, "unknown GS ( function")
            length = buf[pos + 3] | buf[pos + 4] << 8
            end = pos + 5 + length
            self._need(end)
            body = bytes(buf[pos + 5:end])
            return self._qr(pos, body), end
        if cmd == b"k":
            self._need(pos + 3)
            m = buf[pos + 2]
            if m in _BARCODE_A:
                end = buf.find(b"\x00", pos + 3)
                if end < 0:
                    raise _Incomplete
                data = bytes(buf[pos + 3:end]).decode("ascii", "replace")
                return Token("barcode", (_BARCODE_A[m], data), off), end + 1
            if m in _BARCODE_B:
                self._need(pos + 4)
                end = pos + 4 + buf[pos + 3]
                self._need(end)
                data = bytes(buf[pos + 4:end])
                if _BARCODE_B[m] == "CODE128" and data[:2] not in (b"{A", b"{B", b"{C"):
                    raise self._fail(pos, "CODE128 data must start with a code set ({A, {B or {C)")
                return Token("barcode", (_BARCODE_B[m], data.decode("ascii", "replace")), off), end
            raise self._fail(pos, f"GS k {m} is not a barcode system")
        raise self._fail(pos, "unknown GS command")

    def _qr(self, pos: int, body: bytes) -> Token:
        off = self._base + pos
        if len(body) < 2 or body[0] != 0x31:
            raise self._fail(pos, "GS ( k for a symbol other than QR (cn 49)")
        fn = body[1]
        kind = _QR_FUNCS.get(fn)
        if kind is None:
            raise self._fail(pos, f"GS ( k QR function {fn} is not supported")
        args = body[2:]
        if kind == "qr_model":
            if len(args) != 2 or args[0] not in (49, 50, 51):
                raise self._fail(pos, "bad QR model")
            return Token(kind, args[0] - 48, off)
        if kind == "qr_module":
            if len(args) != 1 or not 1 <= args[0] <= 16:
                raise self._fail(pos, "QR module size must be 1..16")
            return Token(kind, args[0], off)
        if kind == "qr_ec":
            if len(args) != 1 or args[0] not in (48, 49, 50, 51):
                raise self._fail(pos, "bad QR error-correction level")
            return Token(kind, "LMQH"[args[0] - 48], off)
        if kind == "qr_store":
            if not args or args[0] != 0x30 or len(args) < 2:
                raise self._fail(pos, "QR store needs m=48 and data")
            return Token(kind, args[1:], off)
        if args != b"0":
            raise self._fail(pos, "QR print needs m=48")
        return Token(kind, None, off)

    def _fs(self, pos: int) -> tuple[Token, int]:
        off = self._base + pos
        self._need(pos + 2)
        cmd = bytes(self._buf[pos + 1:pos + 2])
        if cmd == b"&":
            self.chinese = True
            return Token("chinese_on", None, off), pos + 2
        if cmd == b".":
            self.chinese = False
            return Token("chinese_off", None, off), pos + 2
        if cmd in _FS_1:
            self._need(pos + 3)
            return Token(_FS_1[cmd], self._buf[pos + 2], off), pos + 3
        raise self._fail(pos, "unknown FS command")


def decode(data: bytes, *, strict: bool = True) -> list[Token]:
    """Decode a complete stream."""
    decoder = Decoder(strict=strict)
    tokens = decoder.feed(data)
    decoder.finish()
    return tokens


def printed_text(tokens: list[Token]) -> list[str]:
    """The text lines a stream prints (raster and codes excluded): handy for assertions."""
    lines, line = [], ""
    for token in tokens:
        if token.kind == "text":
            line += token.value
        elif token.kind == "lf":
            lines.append(line)
            line = ""
    if line:
        lines.append(line)
    return lines
