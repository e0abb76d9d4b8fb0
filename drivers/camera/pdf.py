"""Multi-page PDF from page JPEGs at their true size (img2pdf embeds the JPEG bytes without re-encoding)."""

from __future__ import annotations

from collections.abc import Sequence

import img2pdf

MM_PER_PT = 25.4 / 72


def pages_to_pdf(pages: Sequence[tuple[bytes, tuple[float, float]]]) -> bytes:
    """A PDF with one page per ``(jpeg_bytes, (width_mm, height_mm))``, each page exactly that size."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    sizes = iter([(img2pdf.mm_to_pt(w), img2pdf.mm_to_pt(h)) for _, (w, h) in pages])

    def layout(_w_px: int, _h_px: int, _dpi: tuple[float, float]) -> tuple[float, float, float, float]:
        # img2pdf asks once per image, in order
        page_w, page_h = next(sizes)
        return page_w, page_h, page_w, page_h

    return img2pdf.convert([jpeg for jpeg, _ in pages], layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)
