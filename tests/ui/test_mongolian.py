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


@pytest.fixture
def inner_mongolia(kiosk):
    """The kiosk offering Chinese and traditional Mongolian; back to Chinese only afterwards."""
    import dataclasses

    from kiosk.i18n import Catalogue

    app = kiosk.app
    original = app.settings
    app.settings = dataclasses.replace(original, languages=("zh_CN", "mn_CN"))
    app.rebuild()
    kiosk.pilot.wait_screen("home")
    yield kiosk
    app.settings = original
    app.catalogue = Catalogue()
    app.rebuild()


def test_mongolian_is_chosen_on_home_and_every_step_shows_its_column_beside_the_chinese(inner_mongolia, tmp_path):
    from kiosk.widgets.mongol import MongolianText

    from .flows import walk_to

    kiosk = inner_mongolia
    app, p = kiosk.app, kiosk.pilot
    button = p.find("home.lang.mn_CN")
    assert button is not None and button.text == "蒙古文"
    [name] = [w for w in button.children if isinstance(w, MongolianText)]
    assert name.text == "ᠮᠣᠩᠭᠣᠯ" and name.lines == ["ᠮᠣᠩᠭᠣᠯ"] and name.right <= button.center_x
    p.tap("home.lang.mn_CN")
    p.wait_until(lambda: app.catalogue.language == "mn_CN", "the language switch")
    item = kiosk.fake.catalog["hj-zm"]
    seen = []
    for kind in ("guide", "consent", "identify", "form", "choose", "capture", "review", "print", "rate", "done"):
        walk_to(kiosk, kind)
        screen = app.screens[kind]
        step = item.step(app.snapshot.step.id)
        words = item.translations["mn_CN"].steps[step.id]
        assert screen.vertical.text == f"{words.title}\n{words.prompt}", kind
        assert screen.vertical.lines and screen.vertical.width > 0
        # the Chinese title stays, to the right of the column, at the top of the screen
        assert screen.title.text == step.title and screen.title.parent is screen.vertical_texts
        assert screen.title.x >= screen.vertical.right
        seen.append(kind)
        if kind == "choose":  # the options carry their Mongolian column too
            option = p.find("choose.print")
            [column] = [w for w in option.children if isinstance(w, MongolianText)]
            assert column.text == words.options["print"] and column.right < option.center_x
            app.screenshot_dir = tmp_path
            p.shot("mongolian-step")
            _compare("mongolian-step", app.shots[-1], tmp_path)
            app.screenshot_dir = None
    assert len(seen) == 10
