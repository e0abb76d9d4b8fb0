"""Draw a certificate's layout on A4 with fpdf2: the font subset and embedded, a vector QR code, the seal image."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.enums import TableBordersLayout

from hub.certificates.layout import Layout

RED = (206, 22, 32)
INK = (20, 20, 20)
GREY = (90, 90, 90)
MARGIN = 20.0  # mm
SEAL_MM = 38.0
QR_MM = 26.0
VALUE_MM = 63.0  # a value cell of the holder table; a longer value gets a row of its own
BOTTOM_BLOCK_MM = 42.0  # QR code, issuer, date and seal, kept together on the last page


@dataclass(frozen=True)
class Fonts:
    regular: Path
    regular_index: int
    bold: Path
    bold_index: int


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


class _Page(FPDF):
    """A4 with the verification code and page count in every footer."""

    def __init__(self, layout: Layout) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.layout = layout

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("sc", size=8)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"验证码 {self.layout.code}    第 {self.page_no()} 页 共 {{nb}} 页", align="C")
        self.ln(4)
        self.set_text_color(*RED)
        self.cell(0, 4, self.layout.sample_notice, align="C")


def render(layout: Layout, fonts: Fonts, seal_png: bytes, issued_at: dt.datetime) -> Rendered:
    """The unsigned PDF of ``layout``."""
    pdf = _Page(layout)
    pdf.set_margins(MARGIN, 18, MARGIN)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_font("sc", "", fonts.regular, collection_font_number=fonts.regular_index)
    pdf.add_font("sc", "B", fonts.bold, collection_font_number=fonts.bold_index)
    for face in pdf.fonts.values():
        # Going around fpdf2 2.8.9, which opens fonts with fontTools' default recalcBBoxes=True: on
        # saving the subset that draws every glyph used to recompute bounds (half the time of a
        # certificate). The cut face's stored bounds are the full face's, a superset: still correct.
        face.ttfont.recalcBBoxes = False
    pdf.set_title(layout.title)
    pdf.set_author(layout.issuer)
    pdf.set_creator("kioskhub")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(issued_at)
    pdf.add_page()
    pdf.set_text_color(*INK)

    pdf.set_font("sc", "B", 20)
    pdf.cell(0, 12, layout.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sc", size=8.5)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, f"验证码：{layout.code}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.set_font("sc", size=11)
    pdf.multi_cell(0, 6.5, "　　" + layout.preface, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _fields(pdf, layout)
    pdf.ln(3)
    _records(pdf, layout)
    pdf.ln(2)
    pdf.set_font("sc", size=11)
    pdf.cell(0, 7, "　　" + layout.closing, new_x="LMARGIN", new_y="NEXT")
    _bottom(pdf, layout, seal_png)
    _notes(pdf, layout)
    return Rendered(bytes(pdf.output()), pdf.page_no())


def _fields(pdf: FPDF, layout: Layout) -> None:
    """Label and value cells, two pairs to a row; a long value takes a whole row."""
    pdf.set_font("sc", size=10)
    pdf.set_draw_color(*GREY)
    pending: list[tuple[str, str]] = []
    with pdf.table(
        col_widths=(22, VALUE_MM, 22, VALUE_MM), first_row_as_headings=False, line_height=6, padding=(0.8, 2),
        borders_layout=TableBordersLayout.ALL, text_align="LEFT",
    ) as table:  # fmt: skip

        def flush() -> None:
            if pending:
                row = table.row()
                for label, value in pending:
                    row.cell(label, align="CENTER")
                    row.cell(value, colspan=1 if len(pending) == 2 else 3)
                pending.clear()

        for label, value in layout.fields:
            if pdf.get_string_width(value) > VALUE_MM - 4:
                flush()
                row = table.row()
                row.cell(label, align="CENTER")
                row.cell(value, colspan=3)
                continue
            pending.append((label, value))
            if len(pending) == 2:
                flush()
        flush()


def _records(pdf: FPDF, layout: Layout) -> None:
    if layout.empty is not None:
        pdf.set_font("sc", size=10.5)
        pdf.cell(0, 9, layout.empty, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        return
    wide = len(layout.columns) > 4
    widths = (26, 30, 30, 30, 30, 24) if wide else (34, 48, 48, 40)
    pdf.set_font("sc", size=9.5)
    with pdf.table(
        col_widths=widths, line_height=5.6, padding=(0.6, 1.5), text_align="CENTER", repeat_headings=1,
        headings_style=_heading(), borders_layout=TableBordersLayout.ALL,
    ) as table:  # fmt: skip
        table.row(layout.columns)
        for cells in layout.rows:
            row = table.row()
            for i, text in enumerate(cells):
                row.cell(text, align="RIGHT" if 0 < i < len(cells) - 1 else "CENTER")
        if layout.totals is not None:
            row = table.row()
            for i, text in enumerate(layout.totals):
                row.cell(text, align="RIGHT" if 0 < i < len(layout.totals) - 1 else "CENTER")


def _heading():  # type: ignore[no-untyped-def]
    from fpdf.fonts import FontFace

    return FontFace(family="sc", emphasis="BOLD", fill_color=(235, 235, 235))


def _bottom(pdf: FPDF, layout: Layout, seal_png: bytes) -> None:
    """QR code and code on the left; issuer, date and the seal over them on the right."""
    if pdf.get_y() + BOTTOM_BLOCK_MM > pdf.h - 24:
        pdf.add_page()
    top = pdf.get_y() + 2
    _qr(pdf, layout.verify_url, MARGIN, top, QR_MM)
    pdf.set_xy(MARGIN, top + QR_MM + 1)
    pdf.set_font("sc", size=8)
    pdf.cell(QR_MM + 30, 4, "扫码核验  验证码：")
    pdf.set_xy(MARGIN, top + QR_MM + 5)
    pdf.set_font("sc", "B", 11)
    pdf.cell(QR_MM + 40, 6, layout.code)

    right = pdf.w - MARGIN - 70
    pdf.set_font("sc", size=12)
    pdf.set_xy(right, top + 12)
    pdf.cell(70, 8, layout.issuer, align="C")
    pdf.set_xy(right, top + 21)
    pdf.cell(70, 8, layout.issued_on, align="C")
    # The seal goes over the issuer's name and date, as a stamp would; multiplied like ink, so the
    # black text under it stays readable.
    with pdf.local_context(blend_mode="Multiply"):
        pdf.image(io.BytesIO(seal_png), x=right + 35 - SEAL_MM / 2, y=top, w=SEAL_MM, h=SEAL_MM)
    pdf.set_y(top + BOTTOM_BLOCK_MM - 2)


def _notes(pdf: FPDF, layout: Layout) -> None:
    pdf.set_font("sc", size=8.5)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, "说明：", new_x="LMARGIN", new_y="NEXT")
    for note in layout.notes:
        pdf.multi_cell(0, 4.4, note, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles: sharp at any printer resolution, and a few hundred bytes."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, line in enumerate(matrix):
        c = 0
        while c < len(line):
            if not line[c]:
                c += 1
                continue
            start = c
            while c < len(line) and line[c]:
                c += 1
            pdf.rect(x + start * cell, y + r * cell, (c - start) * cell, cell, style="F")
