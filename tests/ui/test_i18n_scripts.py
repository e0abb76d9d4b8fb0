"""Tibetan and Uyghur catalogues: bilingual strings, clean Chinese fallback, text the fonts can draw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk import fonts
from kiosk.i18n import BASE, Catalogue, language_name, languages, load_raw, vertical_name
from kiosk.scripts import drawable, has_han, script_of, visual_rtl
from kiosk.settings import SettingsError, UiSettings

MINORITY = ["bo_CN", "ug_CN"]
# The texts a citizen meets first and most: these must be translated in every minority catalogue.
KEY_TEXTS = [
    "home.welcome", "home.start_hint", "home.services", "home.video_help", "home.window_only",
    "common.next", "common.back", "common.confirm", "common.cancel", "common.call_helper",
    "common.elder_on", "common.elder_off", "common.start_over", "common.home",
    "identify.place", "identify.read_ok", "identify.where_default", "identify.manual",
    "idle.more_time", "idle.countdown", "idle.more", "idle.leave",
    "done.thanks", "done.take_card", "done.auto_home",
    "fault.title", "fault.printer_paper_out", "fault.printer", "fault.camera", "fault.id_reader",
    "fault.generic", "fault.saved", "fault.go_window",
]


def test_scripts_are_told_apart():
    assert script_of("བཀྲ་ཤིས་བདེ་ལེགས།").tag == "Tibt"
    assert script_of("ئۇيغۇرچە").tag == "Arab"
    assert script_of("ئۇيغۇرچە").direction == "rtl"
    assert script_of("下一步 123") is None
    assert has_han("𠮷") and not has_han("ئۇيغۇرچە 123")


def test_numbers_in_rtl_text_are_pre_reversed_for_a_renderer_without_bidi():
    assert visual_rtl("15 سېكۇنتتىن") == "51 سېكۇنتتىن"
    assert visual_rtl("ئىش نومۇرى: 2026-11-21") == "ئىش نومۇرى: 12-11-6202"
    assert visual_rtl(visual_rtl("ئا 12:30 AB")) == "ئا 12:30 AB"


@pytest.mark.parametrize("language", MINORITY)
def test_key_texts_are_translated(language):
    strings, meta = load_raw(language)
    assert "native speaker" in meta.get("review", ""), "the catalogue must say it awaits a native reader's review"
    missing = [k for k in KEY_TEXTS if k not in strings]
    assert not missing, f"{language} lacks {missing}"


@pytest.mark.parametrize("language", MINORITY)
def test_minority_strings_are_bilingual_with_chinese_below(language):
    cat = Catalogue(language)
    own, chinese = cat.t("common.next").split("\n")
    assert script_of(own).tag == cat.script
    assert chinese == "下一步"
    assert not has_han(own)


@pytest.mark.parametrize("language", MINORITY)
def test_untranslated_and_undrawable_strings_fall_back_to_chinese_alone(language):
    cat = Catalogue(language)
    assert "guide.conditions" in cat.missing()
    assert cat.t("guide.conditions") == "办理条件"
    # A place name from kioskd is Chinese: the Tibetan/Uyghur font cannot draw it, so Chinese alone.
    assert cat.t("identify.where", location="屏幕下方右侧") == "读卡区位置：屏幕下方右侧"
    # Case numbers carry Latin letters: neither font has them.
    assert cat.t("done.case_no", case_no="NX2026AB") == "办件编号：NX2026AB"


def test_tibetan_counts_are_written_in_tibetan_numerals():
    text = Catalogue("bo_CN").t("done.auto_home", s=15)
    tibetan, chinese = text.split("\n")
    assert "༡༥" in tibetan and "15" not in tibetan
    assert chinese == "15秒后自动返回首页"


def test_uyghur_keeps_european_digits():
    uyghur, _ = Catalogue("ug_CN").t("idle.countdown", s=20).split("\n")
    assert uyghur.startswith("20 ")


@pytest.mark.parametrize("language", MINORITY)
def test_stretch_doubles_each_language_on_its_own_line(language):
    own, chinese = Catalogue(language, stretch=2).t("common.next").split("\n")
    assert chinese == "下一步下一步"
    assert own == Catalogue(language).t("common.next").split("\n")[0] * 2


@pytest.mark.parametrize("language", MINORITY)
def test_every_minority_string_is_drawable_by_its_font(language):
    """Every character of the catalogue is in the Debian font that draws it (no boxes)."""
    from fontTools.ttLib import TTFont

    strings, meta = load_raw(language)
    family = {"Tibt": "KioskTibt", "Arab": "KioskArab"}[meta["script"]]
    installed = fonts.script_fonts()
    if family not in installed:
        pytest.skip("fonts-noto-core is not installed")
    for path in installed[family]:
        cmap = TTFont(str(path)).getBestCmap()
        for key, template in strings.items():
            text = re.sub(r"\{[a-z_]+\}", "", template)
            absent = sorted({c for c in text if ord(c) not in cmap and c != "\n"})
            assert not absent, f"{language} {key}: {Path(path).name} has no glyph for {absent}"
            assert drawable(text, meta["script"]), key


def test_languages_setting_offers_chinese_first_and_refuses_unknown_ones():
    def offered(raw: str) -> tuple[str, ...]:
        return UiSettings.load({"KIOSK_LANGUAGES": raw}).languages

    assert offered("zh_CN,bo_CN") == ("zh_CN", "bo_CN")
    assert offered("ug_CN") == ("zh_CN", "ug_CN")
    assert offered(" zh_CN , ug_CN,ug_CN ") == ("zh_CN", "ug_CN")
    assert offered("zh_CN,mn_CN") == ("zh_CN", "mn_CN")  # traditional Mongolian, drawn vertically
    with pytest.raises(SettingsError, match="kk_CN"):
        offered("zh_CN,kk_CN")
    settings = UiSettings.load({"KIOSK_LANGUAGES": "zh_CN,bo_CN"})
    assert settings.languages == ("zh_CN", "bo_CN")
    assert UiSettings.load({}).languages == (BASE,)
    with pytest.raises(SettingsError, match="KIOSK_LANGUAGES"):
        UiSettings.load({"KIOSK_LANGUAGES": "zh_CN,xx_XX"})
    with pytest.raises(SettingsError, match="KIOSK_UI_LANGUAGE"):
        UiSettings.load({"KIOSK_LANGUAGES": "zh_CN", "KIOSK_UI_LANGUAGE": "bo_CN"})


def test_the_settings_know_exactly_the_languages_with_a_catalogue():
    from config.kiosk import LANGUAGES

    # the settings cannot read the UI's catalogues (kioskd checks them too): the list must follow them
    assert sorted(LANGUAGES) == languages()
    assert LANGUAGES[0] == BASE


def test_language_names_are_in_their_own_scripts():
    assert [language_name(x) for x in ("zh_CN", "bo_CN", "ug_CN")] == ["中文", "བོད་ཡིག", "ئۇيغۇرچە"]
    # Mongolian is written vertically: horizontal labels name it in Chinese, the switch adds its column
    assert (language_name("mn_CN"), vertical_name("mn_CN"), vertical_name("bo_CN")) == ("蒙古文", "ᠮᠣᠩᠭᠣᠯ", "")
