"""The home screen of tiles: every service on one or two pages, 更多服务 in elder mode, the pinyin search,
and the stage bar that says how far along a citizen is."""

from __future__ import annotations

import pytest

from .flows import walk_to

pytestmark = pytest.mark.ui


def _tiles_shown(app) -> list[str]:
    from kiosk.pilot import walk
    from kiosk.widgets.tiles import Tile

    return [w.kid.removeprefix("home.item.") for w in walk(app.root)
            if isinstance(w, Tile) and w.kid.startswith("home.item.")]


def _in_window(widget) -> bool:
    from kivy.core.window import Window

    x, y = widget.to_window(widget.x, widget.y)
    return x >= -1 and y >= -1 and x + widget.width <= Window.width + 1 and y + widget.height <= Window.height + 1


def _all_pages(kiosk) -> list[list[str]]:
    app, p = kiosk.app, kiosk.pilot
    pages = [_tiles_shown(app)]
    while p.find("home.next") is not None:
        p.tap("home.next")
        p.frame(2)
        pages.append(_tiles_shown(app))
    return pages


@pytest.mark.parametrize("elder", [False, True])
def test_every_service_is_on_one_or_two_pages_in_view_without_scrolling(kiosk, elder):
    from kiosk.pilot import walk
    from kiosk.widgets.tiles import Tile

    app, p = kiosk.app, kiosk.pilot
    if elder:
        p.tap("shell.elder")
        p.wait_until(lambda: app.ts.elder, "elder mode")
        p.wait_screen("home")
    p.frame(3)
    first = _tiles_shown(app)
    tiles = [w for w in walk(app.root) if isinstance(w, Tile) and w.kid.startswith("home.item.")]
    assert tiles and all(_in_window(t) for t in tiles), "a tile on the first page is cut off"
    if elder:  # a shorter first page, and the way on says 更多服务
        assert p.text("home.next") == "更多服务"
    pages = _all_pages(kiosk)
    assert len(pages) <= 2, pages
    assert sorted(code for page in pages for code in page) == sorted(i.code for i in app.items)
    assert pages[0] == first
    # the item kioskd lists first (the most used) is on the first page
    assert app.items[0].code in first
    app.go_home()
    p.wait_screen("home")
    assert _tiles_shown(app) == first, "the next citizen starts on the first page"


def test_tiles_show_a_picture_from_the_icon_font_and_the_name(kiosk):
    from kiosk import icons

    tile = kiosk.pilot.find("home.item.hj-zm")
    assert tile.text == "户籍证明开具" and tile.name.text == "户籍证明开具"
    assert tile.icon.font_name == icons.FAMILY and 0xE000 <= ord(tile.icon.text) <= 0xF8FF
    assert icons.font_path() is not None, "the icon font is missing from assets/icons"


def test_a_service_is_found_by_its_pinyin_initials_on_the_keypad(kiosk):
    app, p = kiosk.app, kiosk.pilot
    p.tap("home.search")
    p.wait_until(lambda: p.find("key.g") is not None, "the letter keypad")
    for key in "gjj":
        p.tap(f"key.{key}")
    p.frame(2)
    assert _tiles_shown(app) == ["gjj-tq"]
    p.tap("key.DEL")
    p.tap("key.DEL")
    p.tap("key.h")  # "gh": nothing
    p.frame(2)
    assert _tiles_shown(app) == [] and p.find("home.search_none") is not None
    p.tap("key.CLR")
    for key in "hj":
        p.tap(f"key.{key}")
    p.frame(2)
    assert _tiles_shown(app) == ["hj-zm"]  # 户籍证明开具; 户口迁移预约 is hkqyyy
    p.tap("home.item.hj-zm")
    p.wait_screen("guide")
    app.leave_session()
    p.wait_screen("home")
    assert p.find("key.g") is None and p.find("home.search") is not None, "the next citizen sees no search"


def test_the_stage_bar_shows_where_the_citizen_is(kiosk):
    app, p = kiosk.app, kiosk.pilot
    assert app.stage_bar.parent is None, "no stages on the home screen"
    walk_to(kiosk, "identify")
    bar = app.stage_bar
    assert bar.parent is not None
    names = [label.text for label in bar.names]
    assert names == ["读卡", "填写", "拍照", "核对", "提交", "打印"]
    assert p.find("shell.stage.identify").bold and not p.find("shell.stage.fill").bold
    walk_to(kiosk, "review")
    assert p.find("shell.stage.review").bold
    done = [m.pair for m in bar.marks[:3]]
    todo = [m.pair for m in bar.marks[4:]]
    assert set(done) == {"primary_button"} and set(todo) == {"secondary_button"}
