"""A kiosk runs for weeks: screens shown again and again must not collect callbacks or stall the GPU."""

from __future__ import annotations

import pytest

from .flows import walk_to

pytestmark = pytest.mark.ui


def test_screen_bodies_keep_one_scroll_bar_callback_however_often_they_are_laid_out(kiosk):
    app, p = kiosk.app, kiosk.pilot
    scroll = app.screens["home"].scroll
    for _ in range(25):  # many layouts within Kivy's half-second bar-fade timer
        scroll.update_from_scroll()
    observers = [cb for cb in scroll.get_property_observers("bar_color") if cb == scroll._change_bar_color]
    assert len(observers) <= 1
    walk_to(kiosk, "identify")
    app.leave_session()
    p.wait_screen("home")
    observers = [cb for cb in scroll.get_property_observers("bar_color") if cb == scroll._change_bar_color]
    assert len(observers) <= 1


def test_a_label_gets_a_new_texture_when_its_text_changes(kiosk):
    """Uploading into the texture the last frame drew from makes the GL driver wait for that frame."""
    app, p = kiosk.app, kiosk.pilot
    walk_to(kiosk, "guide")
    p.frame(2)
    side = app.header_side
    before = side.texture
    assert before is not None
    side.text = side.text.replace("09:30", "09:31")  # the clock: same size, new text
    p.frame(2)
    assert side.texture is not None and side.texture is not before


def test_the_camera_preview_alternates_two_textures(kiosk):
    from kiosk.widgets.preview import CameraPreview

    preview = CameraPreview()
    frame = bytes(4 * 3 * 3)
    seen = []
    for _ in range(4):
        preview.set_frame(frame, 4, 3)
        seen.append(preview.texture)
    assert seen[0] is not seen[1] and seen[0] is seen[2] and seen[1] is seen[3]


def test_the_home_screen_is_kept_between_citizens_and_rebuilt_when_the_list_changes(kiosk):
    from kiosk.pilot import walk

    app, p = kiosk.app, kiosk.pilot
    item = p.find("home.item.hj-zm")
    walk_to(kiosk, "identify")
    app.leave_session()
    p.wait_screen("home")
    assert p.find("home.item.hj-zm") is item
    app.screens["home"].set_items(app.items[:2])
    p.frame(1)
    shown = [w.kid for w in walk(app.root) if getattr(w, "kid", "").startswith("home.item.")]
    assert len(shown) == 2 and p.find("home.item.hj-zm") is not item
    app.screens["home"].set_items(app.items)
