"""Theme and catalogues: contrast of every text colour pair, sizes for 适老化, complete strings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.i18n import BASE, Catalogue, CatalogueError, languages, load_raw
from kiosk.theme import ELDER, NORMAL, TEXT_PAIRS, contrast_ratio, scale_for

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in KIOSK.rglob("*.py"))


@pytest.mark.parametrize("pair", sorted(TEXT_PAIRS))
def test_every_text_pair_has_at_least_4_5_to_1_contrast(pair):
    fg, bg = TEXT_PAIRS[pair]
    assert contrast_ratio(fg, bg) >= 4.5, f"{pair}: {fg} on {bg} is {contrast_ratio(fg, bg):.2f}:1"


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_widgets_only_use_named_pairs():
    used = set(re.findall(r'pair="([a-z_]+)"', _sources())) | set(re.findall(r'"([a-z_]+_button)"', _sources()))
    assert used, "no pair found: the pattern is out of date"
    assert used <= set(TEXT_PAIRS), f"pairs without a contrast check: {used - set(TEXT_PAIRS)}"


def test_text_and_targets_are_large_enough_and_larger_in_elder_mode():
    # At the 1080x1920 reference panel one unit is one pixel.
    assert scale_for((1080, 1920)) == 1.0
    assert NORMAL.body >= 30 and NORMAL.small >= 30
    assert NORMAL.target >= 60 and NORMAL.button_h >= 60 and NORMAL.key >= 60
    for name in ("title", "heading", "body", "small", "button_h", "target", "key", "face"):
        assert getattr(ELDER, name) > getattr(NORMAL, name), name
    assert scale_for((540, 960)) == 0.5
    assert scale_for((1920, 1080)) == 1.0  # landscape panels use the same reference


def test_every_key_the_code_asks_for_is_in_the_base_catalogue():
    strings, _ = load_raw(BASE)
    asked = set(re.findall(r'\bt\("([a-z_]+\.[a-z_0-9.]+)"', _sources()))
    asked |= {f"rate.level{n}" for n in range(1, 6)} | {f"rate.reason_{r}" for r in ("wait", "hard", "device", "other")}
    missing = sorted(k for k in asked if k not in strings)
    assert len(asked) > 40
    assert not missing, f"keys missing from zh_CN.yaml: {missing}"


def test_a_second_language_loads_and_falls_back_to_chinese():
    assert "bo_CN" in languages()
    bo = Catalogue("bo_CN")
    assert bo.meta["script"] == "Tibt"
    assert bo.t("home.welcome").split("\n") == ["གཞུང་དོན་ཞབས་ཞུའི་རང་རོགས་འཕྲུལ་ཆས་ལ་ཕེབས་པར་དགའ་བསུ་ཞུ།",
                                                 "欢迎使用政务服务自助终端"]  # bilingual
    assert bo.t("guide.conditions") == "办理条件"  # not yet translated
    assert "guide.conditions" in bo.missing()


def test_placeholders_and_stretch():
    zh = Catalogue()
    assert zh.t("fault.go_window", window="3") == "请到3号窗口，工作人员将为您继续办理。"
    assert zh.t("no.such.key") == "no.such.key"
    assert Catalogue(stretch=2).t("common.next") == "下一步下一步"


def test_unknown_language_and_boolean_keys_are_refused(tmp_path, monkeypatch):
    with pytest.raises(CatalogueError, match="no catalogue"):
        Catalogue("xx_XX")
    import kiosk.i18n as i18n

    (tmp_path / "yy_YY.yaml").write_text("idle:\n  yes: 好\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    load_raw.cache_clear()
    try:
        with pytest.raises(CatalogueError, match="not text"):
            load_raw("yy_YY")
    finally:
        load_raw.cache_clear()
