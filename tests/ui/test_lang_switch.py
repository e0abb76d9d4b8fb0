"""The language switch and bilingual screens, drawn for real: Tibetan stacks, joined right-to-left Uyghur."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.scripts import has_han, script_of, tags_in
from kiosk.theme import NORMAL, TEXT_PAIRS, contrast_ratio

from .flows import walk_to
from .test_rendering import _overflows

pytestmark = pytest.mark.ui

OFFERED = ("zh_CN", "bo_CN", "ug_CN")
TAG = {"bo_CN": "Tibt", "ug_CN": "Arab"}


@pytest.fixture
def regional(kiosk):
    """The kiosk offering Chinese, Tibetan and Uyghur; back to Chinese only afterwards."""
    from kiosk.i18n import Catalogue

    app = kiosk.app
    original = app.settings
    app.settings = dataclasses.replace(original, languages=OFFERED)
    app.rebuild()
    kiosk.pilot.wait_screen("home")
    yield kiosk
    app.settings = original
    app.catalogue = Catalogue()
    app.rebuild()


def _visible_texts(app) -> dict[str, str]:
    from kiosk.pilot import walk
    from kiosk.widgets.base import KButton, KLabel

    shown = {}
    for widget in walk(app.root):
        if isinstance(widget, KLabel | KButton) and widget.kid and widget.text:
            shown[widget.kid] = widget.text
    return shown


def test_one_language_shows_no_switch(kiosk):
    assert kiosk.pilot.find("home.lang.zh_CN") is None
    walk_to(kiosk, "identify")
    assert kiosk.pilot.find("shell.lang") is None


@pytest.mark.parametrize("language", ["bo_CN", "ug_CN"])
def test_the_switch_changes_every_catalogue_string_on_the_home_screen(regional, language):
    from kiosk.i18n import Catalogue, load_raw

    app, p = regional.app, regional.pilot
    chinese_values = set(load_raw("zh_CN")[0].values())
    before = _visible_texts(app)
    from_catalogue = {kid for kid, text in before.items() if text in chinese_values}
    assert {"home.title", "home.hint", "home.search_label", "home.video_help", "shell.elder"} <= from_catalogue
    p.tap(f"home.lang.{language}")
    p.wait_until(lambda: app.catalogue.language == language, "the language switch")
    p.wait_screen("home")
    after = _visible_texts(app)
    # The welcome line gives its room to the services (the header names the hall).
    assert "home.title" not in after
    # Strings the catalogue has no translation for yet (搜索事项, 更多服务) stay in Chinese until it is reviewed.
    zh = load_raw("zh_CN")[0]
    untranslated = {zh[key] for key in Catalogue(language).missing()}
    for kid in {k for k in from_catalogue if before[k] not in untranslated} - {"home.title"}:
        own, _, chinese = after[kid].partition("\n")
        assert script_of(own) is not None and script_of(own).tag == TAG[language], f"{kid}: {after[kid]!r}"
        assert chinese == before[kid], f"{kid}: the Chinese line should stay under the translation"
    # The current language's button is the filled one; Chinese is one tap away.
    assert p.find(f"home.lang.{language}").pair == "primary_button"
    p.tap("home.lang.zh_CN")
    p.wait_until(lambda: app.catalogue.language == "zh_CN", "back to Chinese")
    assert _visible_texts(app)["home.title"] == before["home.title"]


def test_the_switch_is_reachable_during_a_session_and_keeps_the_step(regional):
    app, p = regional.app, regional.pilot
    walk_to(regional, "identify")
    assert p.text("shell.lang") == "བོད་ཡིག"  # the next language, named in its own script
    p.tap("shell.lang")
    p.wait_until(lambda: app.catalogue.language == "bo_CN", "the language switch")
    p.wait_screen("identify")
    assert app.snapshot is not None
    assert tags_in(p.text("identify.manual")) == {"Tibt"}
    assert p.text("shell.lang") == "ئۇيغۇرچە"
    # kioskd's own texts (the step title) stay in Chinese: a clean fallback, not boxes.
    assert has_han(p.text("identify.title")) and not tags_in(p.text("identify.title"))


@pytest.mark.parametrize("language", ["bo_CN", "ug_CN"])
def test_item_names_and_step_texts_show_the_translation_the_definition_carries(regional, language):
    app, p = regional.app, regional.pilot
    p.tap(f"home.lang.{language}")
    p.wait_until(lambda: app.catalogue.language == language, "the language switch")
    p.wait_screen("home")

    def bilingual(kid: str, chinese: str) -> None:
        own, _, below = p.text(kid).partition("\n")
        assert tags_in(own) == {TAG[language]} and not has_han(own), f"{kid}: {p.text(kid)!r}"
        assert below == chinese, f"{kid}: the Chinese should stay under the translation"

    bilingual("home.item.hj-zm", "户籍证明开具")
    bilingual("home.theme.户籍办理", "户籍办理")
    assert p.text("home.item.sb-cb") == "城乡居民养老保险参保登记"  # no translation: Chinese alone, never boxes
    assert p.text("home.theme.社会保障") == "社会保障"

    walk_to(regional, "choose")
    bilingual("shell.title", "户籍证明开具")
    bilingual("choose.title", "选择领取方式")
    own, _, rest = p.text("choose.print").partition("\n")
    assert tags_in(own) == {TAG[language]} and rest.startswith("现场打印")
    assert p.text("choose.prompt") == "请选择证明的领取方式。"  # the prompt was not translated
    p.frame(2)
    assert not _overflows(app)


def _in_view(widget, scroll) -> bool:
    """Whether ``widget`` is wholly inside the scroll view's window, as the screen is now."""
    _, bottom = widget.to_window(widget.x, widget.y)
    _, top = widget.to_window(widget.x, widget.top)
    _, view_bottom = scroll.to_window(scroll.x, scroll.y)
    _, view_top = scroll.to_window(scroll.x, scroll.top)
    return view_bottom <= bottom and top <= view_top


# Elder mode in two scripts does not fit the first services too: the list scrolls there (its bar shows).
@pytest.mark.parametrize(("language", "elder"), [("zh_CN", False), ("zh_CN", True), ("bo_CN", False),
                                                 ("ug_CN", False)])
def test_the_first_services_are_in_view_without_scrolling(regional, language, elder):
    app, p = regional.app, regional.pilot
    p.tap(f"home.lang.{language}")
    p.wait_until(lambda: app.catalogue.language == language, "the language switch")
    p.wait_screen("home")
    if elder:
        p.tap("shell.elder")
        p.wait_until(lambda: app.ts.elder, "elder mode")
        p.wait_screen("home")
    p.frame(3)
    home = app.screens["home"]
    first = p.find(f"home.item.{home.items[0].code}")
    assert home.scroll.scroll_y == 1
    assert _in_view(first, home.scroll), f"{language}: the first service is below the fold"


@pytest.mark.parametrize("language", ["bo_CN", "ug_CN"])
def test_footer_buttons_never_cut_a_tibetan_syllable_or_an_uyghur_word(regional, language):
    from kiosk.linebreak import _inside_word, line_starts

    app, p = regional.app, regional.pilot
    p.tap(f"home.lang.{language}")
    p.wait_until(lambda: app.catalogue.language == language, "the language switch")
    walk_to(regional, "identify")  # five buttons share the footer here
    p.tap("shell.elder")  # larger text in the same width
    p.wait_until(lambda: app.ts.elder, "elder mode")
    p.frame(3)
    buttons = list(app.footer.children)
    assert len(buttons) == 5
    for button in buttons:
        lines = [[w.text for w in line.words] for line in button._label._cached_lines]
        starts = line_starts(button.text, lines)
        assert starts and not any(_inside_word(button.text, s) for s in starts[1:]), f"{button.kid}: {lines}"


@pytest.mark.parametrize("language", ["bo_CN", "ug_CN"])
def test_bilingual_text_is_large_enough_and_in_contrast(regional, language):
    app, p = regional.app, regional.pilot
    from kiosk.pilot import walk
    from kiosk.widgets.base import KButton, KLabel

    p.tap(f"home.lang.{language}")
    p.wait_until(lambda: app.catalogue.language == language, "the language switch")
    p.frame(2)
    checked = 0
    for widget in walk(app.root):
        if isinstance(widget, KLabel | KButton) and tags_in(widget.text):
            fg, bg = TEXT_PAIRS[widget.pair]
            assert contrast_ratio(fg, bg) >= 4.5, widget.kid
            assert widget.font_size >= NORMAL.small * app.ts.scale - 0.01, f"{widget.kid}: {widget.font_size}"
            checked += 1
    assert checked >= 6


@pytest.mark.parametrize("language", ["bo_CN", "ug_CN"])
def test_bilingual_layout_holds_when_every_string_is_twice_as_long(regional, language):
    from kiosk.i18n import Catalogue

    app, p = regional.app, regional.pilot
    app.catalogue = Catalogue(language, stretch=2)
    app.rebuild()
    p.wait_screen("home")
    checked = {"home": _overflows(app)}
    for target in ("identify", "done"):
        walk_to(regional, target)
        p.frame(3)
        checked[target] = _overflows(app)
    assert not {k: v for k, v in checked.items() if v}


def _ink_box(text: str, font: str | None, size: int = 48):
    from kivy.core.text import Label as CoreLabel
    from PIL import Image

    from kiosk.widgets.text import ScriptCoreLabel

    label = (CoreLabel(text=text, font_size=size, font_name=font) if font
             else ScriptCoreLabel(text=text, font_size=size))
    label.refresh()
    image = Image.frombytes("RGBA", label.texture.size, bytes(label.texture.pixels))
    return image, image.getchannel("A").getbbox()


def _reference_width(text: str, font: str, direction: str, size: int = 48) -> int:
    """The ink width of ``text`` laid out by HarfBuzz + FriBiDi through Pillow's raqm engine."""
    from PIL import Image, ImageDraw, ImageFont, features

    if not features.check("raqm"):
        pytest.skip("Pillow was built without raqm; no reference shaping engine")
    face = ImageFont.truetype(font, size, layout_engine=ImageFont.Layout.RAQM)
    image = Image.new("L", (2000, 200))
    ImageDraw.Draw(image).text((10, 10), text, font=face, fill=255, direction=direction)
    box = image.getbbox()
    return box[2] - box[0]


def test_uyghur_is_joined_right_to_left_like_harfbuzz_lays_it_out(kiosk):
    from kivy.core.text import LabelBase

    font = LabelBase._fonts.get("KioskArab")
    if font is None:
        pytest.skip("fonts-noto-core is not installed")
    text = "كىملىكىڭىزنى كارتا ئوقۇش رايونىغا قويۇڭ"
    # SDL2_ttf keeps the script per open font (one per size), so the plain label gets a size of its own.
    _, unshaped = _ink_box(text, font[0], size=61)  # Kivy's default: Latin script, left to right
    _, shaped = _ink_box(text, None)
    reference = _reference_width(text, font[0], "rtl")
    assert abs((shaped[2] - shaped[0]) - reference) <= reference * 0.03
    unshaped_reference = _reference_width(text, font[0], "rtl", size=61)
    assert (unshaped[2] - unshaped[0]) > unshaped_reference * 1.1, "isolated letters are wider than joined ones"


def test_tibetan_stacks_like_harfbuzz_lays_them_out(kiosk):
    from kivy.core.text import LabelBase

    font = LabelBase._fonts.get("KioskTibt")
    if font is None:
        pytest.skip("fonts-noto-core is not installed")
    text = "སྒྲུབ་རྒྱ་བཀྲ་ཤིས།"
    # Drawn first on a freshly opened size, so SDL2_ttf still has its default (Latin) script.
    unshaped_image, _ = _ink_box(text, font[0], size=61)
    shaped_image, _ = _ink_box(text, None, size=61)
    assert shaped_image.tobytes() != unshaped_image.tobytes(), "without the Tibt script the stacks fall apart"
    _, shaped = _ink_box(text, None)
    reference = _reference_width(text, font[0], "ltr")
    assert abs((shaped[2] - shaped[0]) - reference) <= reference * 0.03
