"""Decoded ESC/POS tokens → a picture of the paper at 203 dpi, as the printer would lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from barcode import Code128
from PIL import Image

from drivers.printer.decoder import Token, decode
from drivers.printer.glyphs import ROW, draw_line, text_columns
from drivers.printer.profiles import DEFAULT_PROFILE, Profile

_QR_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
_MARGIN = 8  # white band above and below the printed area in the PNG


@dataclass
class _Style:
    align: int = 0
    width: int = 1
    height: int = 1
    bold: bool = False


@dataclass
class Page:
    """One job being laid out; ``apply`` tokens, then ``image()`` when the cut comes."""

    profile: Profile = DEFAULT_PROFILE
    style: _Style = field(default_factory=_Style)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._canvas = Image.new("L", (self.profile.width_dots, 2048), 255)
        self.y = 0
        self._line: list[tuple[str, _Style]] = []
        self._qr: dict[str, object] = {"module": 3, "ec": "L", "data": None}
        self._barcode = {"height": 162, "module": 3, "hri": 0}

    @property
    def empty(self) -> bool:
        """Nothing printed yet."""
        return self.y == 0 and not self._line

    @property
    def height(self) -> int:
        """Dots of paper used so far (including an unfinished line)."""
        return self.y + (ROW * max(s.height for _, s in self._line) if self._line else 0)

    # -- drawing -------------------------------------------------------------------------------
    def _ensure(self, bottom: int) -> None:
        if bottom > self._canvas.height:
            bigger = Image.new("L", (self._canvas.width, max(bottom, self._canvas.height * 2)), 255)
            bigger.paste(self._canvas, (0, 0))
            self._canvas = bigger

    def _x_for(self, used: int) -> int:
        free = max(0, self.profile.width_dots - used)
        return {0: 0, 1: free // 2, 2: free}[self.style.align]

    def _flush_line(self, *, feed_empty: bool = True) -> None:
        if not self._line:
            if feed_empty:
                self.y += ROW * self.style.height
            return
        used = sum(text_columns(ch) * self.profile.ascii_dots * st.width for ch, st in self._line)
        row = ROW * max(st.height for _, st in self._line)
        self._ensure(self.y + row)
        x = self._x_for(used)
        for ch, st in self._line:
            top = self.y + row - ROW * st.height  # characters share a baseline
            x = draw_line(self._canvas, x, top, ch, bold=st.bold, width=st.width, height=st.height)
        self.y += row
        self._line = []

    def _add_text(self, text: str) -> None:
        style = _Style(self.style.align, self.style.width, self.style.height, self.style.bold)
        for ch in text:
            used = sum(text_columns(c) * self.profile.ascii_dots * s.width for c, s in self._line)
            if used + text_columns(ch) * self.profile.ascii_dots * style.width > self.profile.width_dots:
                self._flush_line()  # the printer wraps on its own when a line is full
            self._line.append((ch, style))

    def _paste(self, image: Image.Image) -> None:
        self._flush_line(feed_empty=False)
        self._ensure(self.y + image.height)
        self._canvas.paste(image, (self._x_for(image.width), self.y))
        self.y += image.height

    def _print_qr(self) -> None:
        data = self._qr["data"]
        if data is None:
            self.notes.append("QR print with no stored data: nothing printed")
            return
        code = qrcode.QRCode(error_correction=_QR_EC[str(self._qr["ec"])], box_size=int(self._qr["module"]), border=0)
        code.add_data(data)
        code.make(fit=True)
        self._paste(code.make_image(fill_color="black", back_color="white").get_image().convert("L"))

    def _print_barcode(self, symbology: str, data: str) -> None:
        if symbology != "CODE128":
            self.notes.append(f"{symbology} barcode drawn as a placeholder")
        text = data[2:] if data[:1] == "{" else data
        modules = Code128(text).build()[0]
        module, height = self._barcode["module"], self._barcode["height"]
        bars = Image.new("L", (len(modules) * module, height), 255)
        for i, bit in enumerate(modules):
            if bit == "1":
                bars.paste(0, (i * module, 0, (i + 1) * module, height))
        self._paste(bars)
        if self._barcode["hri"] in (2, 3, 50, 51):
            saved = self.style
            self.style = _Style(saved.align)
            self._add_text(text)
            self._flush_line()
            self.style = saved

    def _print_raster(self, width_bytes: int, height: int, data: bytes) -> None:
        image = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in data))
        self._paste(image.convert("L"))

    # -- tokens --------------------------------------------------------------------------------
    def apply(self, token: Token) -> None:
        """Lay out one token (a cut is handled by the caller, which ends the page)."""
        kind, value = token.kind, token.value
        if kind == "text":
            self._add_text(value)
        elif kind == "lf":
            self._flush_line()
        elif kind == "feed":
            self._flush_line(feed_empty=False)
            self.y += ROW * value
        elif kind == "feed_dots":
            self._flush_line(feed_empty=False)
            self.y += value
        elif kind == "init":
            self.style = _Style()
            self._qr = {"module": 3, "ec": "L", "data": None}
        elif kind == "align":
            self.style.align = value
        elif kind == "size":
            self.style.width, self.style.height = value
        elif kind == "bold":
            self.style.bold = value
        elif kind == "qr_module":
            self._qr["module"] = value
        elif kind == "qr_ec":
            self._qr["ec"] = value
        elif kind == "qr_store":
            self._qr["data"] = value
        elif kind == "qr_print":
            self._print_qr()
        elif kind == "barcode_height":
            self._barcode["height"] = value
        elif kind == "barcode_module":
            self._barcode["module"] = value
        elif kind == "barcode_hri":
            self._barcode["hri"] = value
        elif kind == "barcode":
            self._print_barcode(*value)
        elif kind == "raster":
            self._print_raster(*value)
        elif kind == "unknown":
            self.notes.append(f"unknown byte 0x{value.hex()} at offset {token.offset}")
        # chinese_on/off, codepage, status requests, print_mode...: no effect on layout here

    def image(self) -> Image.Image:
        """The paper so far, with a small white margin, as a 1-bit image."""
        self._flush_line(feed_empty=False)
        used = max(self.y, 1)
        page = Image.new("L", (self.profile.width_dots, used + 2 * _MARGIN), 255)
        page.paste(self._canvas.crop((0, 0, self.profile.width_dots, used)), (0, _MARGIN))
        return page.point(lambda v: 255 if v >= 128 else 0).convert("1")

    def save(self, path: Path) -> Path:
        """Write the page as a PNG tagged 203 dpi."""
        self.image().save(path, dpi=(self.profile.dpi, self.profile.dpi))
        return path


def render_tokens(tokens: list[Token], profile: Profile = DEFAULT_PROFILE) -> Image.Image:
    """Lay out a whole stream as one picture (cuts are ignored)."""
    page = Page(profile)
    for token in tokens:
        if token.kind != "cut":
            page.apply(token)
    return page.image()


def paper_length_mm(data: bytes, profile: Profile = DEFAULT_PROFILE) -> float:
    """Paper a job uses, laid out as the virtual printer lays it out (bytes it cannot read are skipped)."""
    page, dots = Page(profile), 0
    for token in decode(data, strict=False):
        if token.kind == "cut":
            dots += page.height
            page = Page(profile)
        elif token.kind not in ("status_request", "unknown"):
            page.apply(token)
    return (dots + page.height) / profile.dpi * 25.4
