"""Finding the certificates' Chinese face: the setting first, the SC face of a collection, a clear miss."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from hub.certificates import fonts

TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not TTC.is_file(), reason="Debian's fonts-noto-cjk is not installed")
def test_a_configured_collection_gives_its_simplified_chinese_face_and_the_bold_beside_it():
    regular = fonts.find("regular", TTC)
    assert TTFont(str(TTC), fontNumber=regular.index, lazy=True)["name"].getDebugName(1) == "Noto Sans CJK SC"
    bold = fonts.find("bold", TTC)
    assert bold.path.name == "NotoSansCJK-Bold.ttc"
    assert ord("骨") in fonts.coverage(regular.path, regular.index)


def test_a_missing_font_says_what_to_install_or_set(tmp_path):
    with pytest.raises(fonts.FontMissing, match=r"KIOSKHUB_CERTIFICATE_FONT names .* not a file"):
        fonts.find("regular", tmp_path / "none.otf")


def test_gb2312_holds_everyday_names_and_ascii():
    chars = set(fonts.gb2312())
    assert len(chars) > 7000
    assert set("王秀兰李建国欧阳宇航0123456789-ABCXYZ，。（）") <= chars
    assert "䶮" not in chars  # rarer characters fall back to the full face
