"""Traditional Mongolian is drawn shaped (joined letter forms, HarfBuzz through SDL2_ttf) and vertical:
columns top to bottom, the columns left to right, next to the Chinese."""

from __future__ import annotations

import numpy as np
import pytest

from flows.catalog import load_catalog

from .test_rendering import _compare

pytestmark = pytest.mark.ui

QUEUE = load_catalog()["queue_ticket"]
WORD = "ᠮᠣᠩᠭᠣᠯ"  # mongγol: six letters that join into one word


def _ink_width(texture) -> int:
    alpha = np.frombuffer(bytes(texture.pixels), np.uint8).reshape(texture.size[1], texture.size[0], 4)[..., 3]
    cols = np.where(alpha.max(axis=0) > 40)[0]
    return int(cols.max() - cols.min() + 1) if cols.size else 0


def test_a_shaped_word_is_drawn_with_its_joined_forms_not_isolated_letters(kiosk):
    from kiosk.widgets.mongol import shaped_texture

    joined = shaped_texture(WORD, 64)
    isolated = [shaped_texture(letter, 64) for letter in WORD]
    # Isolated forms carry their own tails and gaps; joined on one stem the word is far shorter
    # (about 200 px against 274 px here). Unshaped text would measure the sum.
    assert _ink_width(joined) < 0.85 * sum(_ink_width(t) for t in isolated)
    # And the pixels differ from the isolated letters set side by side, not only the width.
    assert _ink_width(joined) > 0 and joined.size[0] < sum(t.size[0] for t in isolated)


def test_columns_run_top_to_bottom_and_left_to_right_without_losing_a_word(kiosk):
    from kivy.graphics import Rectangle

    from kiosk.widgets.mongol import MongolianText, columns

    prompt = QUEUE.translations["mn_CN"].steps["service"].prompt
    text = MongolianText(text=prompt, font_px=34, size=(10, 400), pos=(30, 100))
    assert len(text.lines) >= 3
    assert " ".join(text.lines) == prompt  # words kept whole, suffixes stay after their narrow space
    assert "ᠲᠠᠨ\u202fᠳᠦ" in " ".join(text.lines) and all(not line.startswith("ᠳᠦ") for line in text.lines)
    rects = [i for i in text.canvas.children if isinstance(i, Rectangle)]
    assert len(rects) == len(text.lines)
    xs = [r.pos[0] for r in rects]
    assert xs == sorted(xs) and xs[0] == 30  # the first column at the left
    for rect in rects:
        w, h = rect.size
        assert h > w or len(text.lines) == 1  # a column is taller than wide
        assert h <= 400 and rect.pos[1] + h == pytest.approx(100 + 400)  # each starts at the top
    assert text.width == pytest.approx(sum(r.size[0] for r in rects))
    assert columns("", 400, 34) == []


def test_bilingual_mongolian_header_matches_its_reviewed_snapshot(kiosk, tmp_path):
    from kivy.graphics import Color, Rectangle
    from kivy.uix.boxlayout import BoxLayout

    from kiosk.theme import rgba
    from kiosk.widgets.base import KLabel
    from kiosk.widgets.mongol import MongolianText

    words = QUEUE.translations["mn_CN"]
    step = QUEUE.step("service")
    box = BoxLayout(orientation="horizontal", size=(540, 420), spacing=16, padding=16)
    with box.canvas.before:
        Color(*rgba("page"))
        Rectangle(pos=(0, 0), size=(540, 420))
    box.add_widget(MongolianText(text=f"{words.name} {words.steps['service'].prompt}", font_px=30,
                                 color=rgba("ink")))
    box.add_widget(KLabel(text=f"{QUEUE.name}\n{step.prompt}", pair="body", pos_hint={"top": 1}))
    kiosk.pilot.frame(3)  # layout and the Chinese label's texture come on the next frames
    out = tmp_path / "mongolian-vertical.png"
    box.export_to_png(str(out))
    _compare("mongolian-vertical", out, tmp_path)
