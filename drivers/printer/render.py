"""Document → ESC/POS bytes for a Chinese-market thermal printer.

Sequence per job: ``ESC @`` then ``FS &`` (Chinese mode: bytes ≥ 0x80 are GB18030 double-byte
codes), sizes with ``GS !`` (``ESC !`` does not enlarge hanzi on most firmwares), native QR codes
with ``GS ( k``, and a cut. A line with a character outside the printer's resident font (4-byte
GB18030, rare name characters such as 䶮 outside GBK) is sent as a raster image (``GS v 0``) of
the whole line instead of printing ``?``.
"""

from __future__ import annotations

import qrcode
import qrcode.util as qr_util
from escpos import constants as escpos_c
from escpos.printer import Dummy
from PIL import Image

from drivers.printer.document import (
    Align,
    Barcode,
    Block,
    Cut,
    Divider,
    Document,
    Feed,
    InvalidDocument,
    KeyValue,
    QrCode,
    Text,
)
from drivers.printer.glyphs import ROW, columns_of, draw_line, text_columns
from drivers.printer.profiles import DEFAULT_PROFILE, Profile

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
_ALIGN = {Align.LEFT: 0, Align.CENTER: 1, Align.RIGHT: 2}
_QR_EC = {
    "L": escpos_c.QR_ECLEVEL_L,
    "M": escpos_c.QR_ECLEVEL_M,
    "Q": escpos_c.QR_ECLEVEL_Q,
    "H": escpos_c.QR_ECLEVEL_H,
}
_QR_LIB_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
QR_MAX_BYTES = 7089  # GS ( k function 180: pL+pH·256 ≤ 7092 = data + 3
# Kinsoku: these never start a line; the character before them moves down with them.
_NO_LINE_START = set("，。、；：！？）》」』】〕…—,.;:!?)]}%")
_NO_LINE_END = set("（《「『【〔([{")


def is_native(ch: str, profile: Profile) -> bool:
    """True when the printer's own font prints ``ch`` (ASCII, or a double-byte code in its charset)."""
    code = ord(ch)
    if code < 0x80:
        return 0x20 <= code <= 0x7E
    if not profile.chinese_font:
        return False
    try:
        local = ch.encode(profile.charset)
    except UnicodeEncodeError:
        return False
    return len(local) == 2 and len(ch.encode("gb18030")) == 2


def encode_line(line: str) -> bytes:
    """GB18030 bytes of a line already known to be native."""
    return line.encode("gb18030")


def wrap(text: str, columns: int) -> list[str]:
    """Break text into lines of at most ``columns`` half-width columns.

    Latin words stay whole where possible; closing punctuation never starts a line.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for ch in paragraph:
            if text_columns(line) + columns_of(ch) <= columns:
                line += ch
                continue
            carry = ""
            if ch.isascii() and ch.isalnum() and " " in line:
                head, _, tail = line.rpartition(" ")
                if tail.isascii() and text_columns(tail) < columns // 2:
                    line, carry = head, tail
            elif (ch in _NO_LINE_START or line[-1:] in _NO_LINE_END) and len(line) > 1:
                line, carry = line[:-1], line[-1]
            lines.append(line.rstrip(" "))
            line = (carry + ch).lstrip(" ") if carry else ch.lstrip(" ")
        lines.append(line)
    return lines


def raster_command(image: Image.Image) -> bytes:
    """``GS v 0`` for a 1-bit image (black = 0 in mode ``1``), normal density."""
    mono = image.convert("1")
    width_bytes = (mono.width + 7) // 8
    padded = Image.new("1", (width_bytes * 8, mono.height), 1)
    padded.paste(mono, (0, 0))
    # PIL packs mode "1" with 1 = white; the printer wants 1 = black dot.
    data = bytes(b ^ 0xFF for b in padded.tobytes())
    header = GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + mono.height.to_bytes(2, "little")
    return header + data


def raster_line(line: str, profile: Profile, *, width: int, height: int, bold: bool, align: Align) -> bytes:
    """A whole text line as a full-width image, aligned inside the image."""
    used = text_columns(line) * profile.ascii_dots * width
    canvas = Image.new("L", (profile.width_dots, ROW * height), 255)
    x = {Align.LEFT: 0, Align.CENTER: (profile.width_dots - used) // 2, Align.RIGHT: profile.width_dots - used}
    draw_line(canvas, max(0, x[align]), 0, line, bold=bold, width=width, height=height)
    return raster_command(canvas.point(lambda v: 255 if v >= 128 else 0, mode="1"))


def qr_version(data: str, ec: str) -> int:
    """The smallest QR version (1..40) holding ``data`` in byte mode at ``ec``.

    Byte mode is the worst case: a printer that picks alphanumeric mode only gets smaller.
    Looked up in qrcode's capacity table rather than building the symbol (30× faster).
    """
    payload = data.encode("utf-8")
    if len(payload) > QR_MAX_BYTES:
        raise InvalidDocument(f"QR payload is {len(payload)} bytes; the printer accepts at most {QR_MAX_BYTES}")
    limits = qr_util.BIT_LIMIT_TABLE[_QR_LIB_EC[ec]]
    for version in range(1, 41):
        needed = 4 + qr_util.length_in_bits(qr_util.MODE_8BIT_BYTE, version) + 8 * len(payload)
        if needed <= limits[version]:
            return version
    raise InvalidDocument(
        f"QR payload of {len(payload)} bytes does not fit any QR version at error level {ec}; shorten it"
    )


def check_qr_fits(block: QrCode, profile: Profile) -> None:
    """Raise when the code (with its 4-module quiet zone) is wider than the paper."""
    modules = 17 + 4 * qr_version(block.data, block.ec)
    if (modules + 8) * block.module > profile.width_dots:
        fit = profile.width_dots // (modules + 8)
        hint = f"use module size {fit} or less" if fit >= 1 else "shorten the payload"
        raise InvalidDocument(
            f"QR payload of {len(block.data.encode('utf-8'))} bytes needs {modules}×{modules} modules; "
            f"at {block.module} dots per module it is wider than the {profile.width_dots}-dot paper: {hint}"
        )


class _Emitter:
    """Builds the byte stream, sending mode changes only when they differ from the printer's state."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.out = bytearray(INIT + CHINESE_ON)
        self.align, self.size, self.bold = 0, (1, 1), False

    def set_align(self, align: Align) -> None:
        value = _ALIGN[align]
        if value != self.align:
            self.out += ESC + b"a" + bytes([value])
            self.align = value

    def set_size(self, width: int, height: int) -> None:
        if (width, height) != self.size:
            self.out += GS + b"!" + bytes([((width - 1) << 4) | (height - 1)])
            self.size = (width, height)

    def set_bold(self, bold: bool) -> None:
        if bold != self.bold:
            self.out += ESC + b"E" + (b"\x01" if bold else b"\x00")
            self.bold = bold

    def line(self, line: str, *, width: int = 1, height: int = 1, bold: bool = False,
             align: Align = Align.LEFT) -> None:
        if all(is_native(ch, self.profile) for ch in line):
            self.set_align(align)
            self.set_size(width, height)
            self.set_bold(bold)
            self.out += encode_line(line) + LF
        else:
            self.set_align(Align.LEFT)  # alignment is drawn into the image
            self.out += raster_line(line, self.profile, width=width, height=height, bold=bold, align=align)

    def reset_style(self) -> None:
        self.set_size(1, 1)
        self.set_bold(False)


def _key_value_lines(block: KeyValue, columns: int) -> list[str]:
    key_cols, value_cols = text_columns(block.key), text_columns(block.value)
    if key_cols + 1 + value_cols <= columns:
        return [block.key + " " * (columns - key_cols - value_cols) + block.value]
    return [*wrap(block.key, columns), *("  " + part for part in wrap(block.value, columns - 2))]


def _emit(em: _Emitter, block: Block) -> None:
    profile = em.profile
    if isinstance(block, Text):
        columns = profile.columns // block.width
        for line in wrap(block.text, columns):
            em.line(line, width=block.width, height=block.height, bold=block.bold, align=block.align)
        em.reset_style()
    elif isinstance(block, KeyValue):
        for line in _key_value_lines(block, profile.columns):
            em.line(line, bold=block.bold)
        em.reset_style()
    elif isinstance(block, Divider):
        em.line(block.char * profile.columns)
    elif isinstance(block, QrCode):
        check_qr_fits(block, profile)
        em.reset_style()
        em.set_align(block.align)
        qr = Dummy()
        qr.qr(block.data, ec=_QR_EC[block.ec], size=block.module, model=escpos_c.QR_MODEL_2, native=True)
        em.out += qr.output + LF
    elif isinstance(block, Barcode):
        modules = 11 * (len(block.data) + 3) + 2 + 20  # start, data, check, stop + quiet zones
        if modules * block.module > profile.width_dots:
            raise InvalidDocument(
                f"barcode of {len(block.data)} characters is wider than the paper at module {block.module}; "
                "shorten it or use a smaller module width"
            )
        em.reset_style()
        em.set_align(block.align)
        # python-escpos barcode() print()s to stdout and forces ESC a 1; these are the same bytes.
        data = b"{B" + block.data.encode("ascii")
        em.out += (
            GS + b"h" + bytes([block.height]) + GS + b"w" + bytes([block.module])
            + GS + b"f\x00" + GS + b"H" + (b"\x02" if block.hri else b"\x00")
            + GS + b"kI" + bytes([len(data)]) + data
        )
    elif isinstance(block, Feed):
        if block.lines:
            em.out += ESC + b"d" + bytes([block.lines])
    elif isinstance(block, Cut):
        em.reset_style()
        em.set_align(Align.LEFT)
        if block.feed:
            em.out += ESC + b"d" + bytes([block.feed])
        em.out += escpos_c.PAPER_PART_CUT if block.partial else escpos_c.PAPER_FULL_CUT


def render(doc: Document, profile: Profile = DEFAULT_PROFILE) -> bytes:
    """The complete byte stream for one job; raises :class:`InvalidDocument` for what cannot print."""
    em = _Emitter(profile)
    for block in doc.blocks:
        _emit(em, block)
    em.reset_style()
    em.set_align(Align.LEFT)
    return bytes(em.out)
