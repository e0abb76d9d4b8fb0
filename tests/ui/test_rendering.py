"""What the citizen sees: the right Chinese glyphs, layouts that survive long strings, and
screenshots compared with reviewed snapshots (tolerance for GL/rasteriser noise).

Snapshots live in ``tests/ui/__snapshots__``. When one differs, the new image is written next to
the test's tmp dir and the test fails: a person looks at both and, if the change is intended,
reruns with ``KIOSK_UPDATE_SNAPSHOTS=1`` to accept it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .flows import walk_to

pytestmark = pytest.mark.ui

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
RARE_NAME_CHARACTERS = "䶮𠮷堃喆犇淼赟頔璟珺"


def _render(text: str, font_name: str | None = None) -> bytes:
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text=text, font_size=64, **({"font_name": font_name} if font_name else {}))
    label.refresh()
    return bytes(label.texture.pixels)


def test_default_font_draws_rare_name_characters_not_tofu(kiosk):
    tofu = _render("\ue000")  # a private-use code point: the font's empty box
    for char in RARE_NAME_CHARACTERS:
        assert _render(char) != tofu, f"{char} (U+{ord(char):04X}) renders as a box"


def test_default_font_is_the_simplified_face_not_the_japanese_one(kiosk):
    from kiosk import fonts

    ttc = next((d / "NotoSansCJK-Regular.ttc" for d in fonts.SYSTEM_TTC_DIRS
                if (d / "NotoSansCJK-Regular.ttc").exists()), None)
    if ttc is None:
        pytest.skip("Debian's fonts-noto-cjk is not installed; nothing to compare against")
    # Face 0 of the TTC (what Kivy would open) is Japanese: 骨 and 令 differ from the SC forms.
    for char in "骨令":
        assert _render(char) != _render(char, str(ttc)), f"{char} came out in the Japanese form"
    assert _render("政务") == _render("政务", str(fonts.font_path()))


def _overflows(app) -> list[str]:
    """Texts cut off or outside the window on the current screen."""
    from kivy.core.window import Window

    from kiosk.pilot import walk
    from kiosk.widgets.base import KButton, KLabel

    problems = []
    for widget in walk(app.root):
        if not isinstance(widget, KLabel | KButton) or not widget.text or widget.width <= 1:
            continue
        tw, th = widget.texture_size
        name = getattr(widget, "kid", "") or widget.text[:12]
        if tw > widget.width + 2:
            problems.append(f"{name}: text {tw:.0f} px wide in a {widget.width:.0f} px box")
        if isinstance(widget, KButton) and th > widget.height + 2:
            problems.append(f"{name}: text {th:.0f} px tall in a {widget.height:.0f} px button")
        x, _y = widget.to_window(widget.x, widget.y)
        if x < -1 or x + widget.width > Window.width + 1:
            problems.append(f"{name}: outside the window horizontally")
    for button in app.screens[app.current].actions.children + app.footer.children:
        _x, y = button.to_window(button.x, button.y)
        if y < -1 or y + button.height > Window.height + 1:
            problems.append(f"{getattr(button, 'kid', '')}: action button off screen")
    return problems


def test_the_overflow_check_catches_a_clipped_label(kiosk):
    from kiosk.widgets.base import KLabel

    app, p = kiosk.app, kiosk.pilot
    wide = KLabel(text="很长" * 40, wrap=False, size_hint_y=None, height=40, kid="too.wide")
    app.screens["home"].body.add_widget(wide)
    try:
        p.frame(3)
        assert any(problem.startswith("too.wide") for problem in _overflows(app))
    finally:
        app.screens["home"].body.remove_widget(wide)


@pytest.mark.parametrize("elder", [False, True])
def test_layout_holds_when_every_string_is_twice_as_long(kiosk, elder):
    from kiosk.i18n import Catalogue

    app, p = kiosk.app, kiosk.pilot
    app.catalogue = Catalogue(stretch=2)
    app.ts.elder = elder
    app.ts.update()
    app.rebuild()
    p.wait_screen("home")
    checked = {}
    checked["home"] = _overflows(app)
    for target in ("consent", "identify", "form", "capture", "print", "rate", "done"):
        walk_to(kiosk, target)
        p.frame(3)
        checked[target] = _overflows(app)
    assert not {k: v for k, v in checked.items() if v}


def _compare(name: str, image_path: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageChops, ImageStat

    expected_path = SNAPSHOTS / f"{name}.png"
    received = Image.open(image_path).convert("RGB")
    if os.environ.get("KIOSK_UPDATE_SNAPSHOTS") == "1" or not expected_path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        received.save(expected_path)
        if os.environ.get("KIOSK_UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"new snapshot {expected_path.name} written; look at it, then commit it")
        return
    expected = Image.open(expected_path).convert("RGB")
    assert expected.size == received.size, f"{name}: size {received.size} != snapshot {expected.size}"
    diff = ImageChops.difference(expected, received).convert("L")
    mean = ImageStat.Stat(diff).mean[0]
    changed = sum(diff.histogram()[49:])
    share = changed / (received.width * received.height)
    # Rasteriser noise is thin and spread out; a changed word is dense in one place. The worst
    # 24x24 tile catches a relabelled button that is far too small to move the whole-image share.
    tile = _worst_tile_share(diff.point(lambda v: 255 if v > 48 else 0), 24)
    if mean > 1.5 or share > 0.004 or tile > 0.08:
        out = tmp_path / f"{name}.received.png"
        received.save(out)
        pytest.fail(f"{name} differs from its snapshot (mean {mean:.2f}, {share:.2%} of pixels, "
                    f"{tile:.0%} of its worst tile); review {out} against {expected_path} "
                    f"and accept with KIOSK_UPDATE_SNAPSHOTS=1")


def _worst_tile_share(mask, size: int) -> float:
    """The largest share of changed pixels in any size x size tile of a 0/255 mask."""
    from PIL import ImageStat

    worst = 0.0
    for top in range(0, mask.height, size):
        for left in range(0, mask.width, size):
            box = mask.crop((left, top, min(left + size, mask.width), min(top + size, mask.height)))
            worst = max(worst, ImageStat.Stat(box).mean[0] / 255)
    return worst


SNAPSHOT_SCREENS = ["home", "identify", "form", "capture", "rate", "fault"]


def test_screens_match_their_reviewed_snapshots(kiosk, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    app.screenshot_dir = tmp_path
    failures = []

    def shoot(name: str) -> None:
        p.shot(name)
        try:
            _compare(name, app.shots[-1], tmp_path)
        except pytest.fail.Exception as exc:
            failures.append(str(exc))

    shoot("home")
    for name in ("identify", "form", "capture"):
        walk_to(kiosk, name)
        if name == "capture":  # the preview frame arrives on its own
            p.wait_until(lambda: app.screens["capture"].preview.texture is not None, "the camera preview")
        shoot(name)
    walk_to(kiosk, "rate")
    shoot("rate")
    app.leave_session()
    walk_to(kiosk, "print")
    fake.printer_paper("out")
    p.wait_screen("fault")
    shoot("fault")
    assert not failures, "\n".join(failures)


def test_certificate_screens_match_their_reviewed_snapshots(kiosk, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    app.screenshot_dir = tmp_path
    failures = []

    def shoot(name: str) -> None:
        p.frame(3)
        p.shot(name)
        try:
            _compare(name, app.shots[-1], tmp_path)
        except pytest.fail.Exception as exc:
            failures.append(str(exc))

    def state_is(text: str) -> None:
        p.wait_until(lambda: p.find("print.state") is not None and p.text("print.state") == text, text)

    for elder in (False, True):
        if elder:
            app.ts.elder = True
            app.ts.update()
            app.rebuild()
            p.wait_screen("home")
        walk_to(kiosk, "print", item="sb-cx")
        state_is("正在打印证明，请稍候")
        if not elder:
            shoot("print-a4-printing")
        fake.finish_a4()
        state_is("证明已打印，请从A4出纸口取走")
        shoot("print-a4-printed-elder" if elder else "print-a4-printed")
        app.leave_session()
        p.wait_screen("home")
    fake.certificate = "no_record"
    walk_to(kiosk, "print", item="sb-cx")
    state_is("没有找到您的记录")
    shoot("print-a4-no-record-elder")
    app.leave_session()
    p.wait_screen("home")
    fake.a4_media = "empty"
    p.tap("home.item.sb-cx")
    p.wait_screen("refused")
    shoot("refused-a4-elder")
    assert not failures, "\n".join(failures)


def test_review_rows_are_as_tall_as_their_text_not_taller(kiosk):
    from kiosk.pilot import walk
    from kiosk.widgets.base import KLabel

    app, p = kiosk.app, kiosk.pilot
    walk_to(kiosk, "review")
    p.frame(3)
    rows = {w.parent for w in walk(app.screens["review"].body)
            if isinstance(w, KLabel) and w.kid.startswith("review.")}
    assert rows, "no review rows on the screen"
    for row in rows:
        tallest = max(child.texture_size[1] for child in row.children)
        assert row.height <= tallest + 2, f"a review row is {row.height:.0f} px for {tallest:.0f} px of text"


def test_guide_list_items_wrap_under_their_text_not_under_the_bullet(kiosk):
    from kiosk.pilot import walk
    from kiosk.widgets.base import KLabel

    app, p = kiosk.app, kiosk.pilot
    walk_to(kiosk, "guide")
    p.frame(3)
    panel = next(w for w in walk(app.screens["guide"].body) if getattr(w, "kid", "") == "guide.facts")
    items = [w for w in walk(panel) if isinstance(w, KLabel) and w.kid.startswith("guide.facts.")
             and w.parent is not panel]  # a list item sits in a row beside its bullet
    assert len(items) == 4, [w.text for w in items]
    panel_x = panel.x
    for item in items:
        assert item.x > panel_x + app.ts.body, f"{item.text[:8]}… starts at the panel's edge, not indented"
        assert item.parent.height >= item.texture_size[1]
        mark = next(w for w in item.parent.children if w is not item)
        assert abs(mark.top - item.top) <= 2, f"the bullet of {item.text[:8]}… is not beside its first line"
