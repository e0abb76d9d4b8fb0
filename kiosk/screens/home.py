"""The attract/home screen: "place your ID card", the services as tiles by theme on one or two pages,
a search by pinyin on the keypad, video help.

Portrait: the invitation on top, the tiles under it, the page and help buttons at the bottom.
Landscape: the tiles on the left; the invitation, the search and the buttons on the right.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from local_api.schemas import ServiceItemSummary

from .. import icons
from ..i18n import language_name, vertical_name
from ..layout import Block, grid_columns, pack_rows, paginate, rows_fitting
from ..search import ItemSearch
from ..viewmodels import group_items
from ..widgets.base import KButton, KLabel, Panel, Spacer
from ..widgets.keypad import Keypad
from ..widgets.mongol import attach_column
from ..widgets.tiles import Tile
from .base import KScreen

# Elder mode: the first page holds this many rows fewer than fit (the most used items), then 更多服务.
ELDER_FIRST_PAGE_SHORTER_BY = 1


class HomeScreen(KScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[ServiceItemSummary] = []
        self._built_for: tuple | None = None  # what the widgets on screen were built from
        self.hint: KLabel | None = None
        self.held_name = ""  # masked name of a card lying on the reader, greeted until a service is tapped
        self.page = 0
        self.pages: list[list[list[Block]]] = [[]]
        self.rows_per_page = 0
        self._fitted: tuple = ()
        self.tiles = BoxLayout(orientation="vertical", size_hint_y=None)
        self.tiles.bind(minimum_height=self.tiles.setter("height"))
        self.query = ""
        self.searching = False
        self._search: ItemSearch | None = None
        self.keypad_box = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        self.extra.append(self.keypad_box)
        self._relayout()
        # Refit once layout settles (sizes and text textures arrive over a few frames), not on every event.
        self._refit = Clock.create_trigger(lambda _dt: self._fit_pages(), 0)
        self.scroll.bind(size=lambda *_a: self._refit())
        if self.landscape:
            self.side.size_hint_x = 0.3  # the tiles need the width; the side holds the invitation and buttons

    def set_items(self, items: list[ServiceItemSummary]) -> None:
        self.items = list(items)
        self.show(None)

    # -- sizes ------------------------------------------------------------------------------------
    # Landscape has less height and more width: smaller type on more, lower tiles.
    def name_px(self) -> float:
        # elder mode's body size (44) is already larger than the normal heading: three tiles still fit a row
        ts = self.app.ts
        return ts.body if self.landscape or ts.elder else ts.heading

    def icon_px(self) -> float:
        return self.app.ts.title * (1.2 if self.landscape else 1.5)

    def tile_height(self) -> float:
        ts = self.app.ts
        # a line of the CJK face at line_height 1.3 takes about 1.92 times its font size
        return self.icon_px() * 1.07 + self.name_px() * 1.92 * 2 + ts.gap * 1.4

    def heading_height(self) -> float:
        ts = self.app.ts
        return ts.body * 1.92 * (2 if self.app.catalogue.bilingual else 1)

    def row_height(self) -> float:
        """A row of tiles under their headings (a name longer than two lines makes its row taller)."""
        return self.heading_height() + self.tile_height() + self.app.ts.gap * 0.4

    def columns(self) -> int:
        ts = self.app.ts
        width = self.scroll.width if self.scroll.width > 100 else self._width_guess()
        return grid_columns(width, self.name_px() * 6.6, ts.gap * 0.6, most=5 if self.landscape else 3)

    def _width_guess(self) -> float:
        from kivy.core.window import Window

        usable = Window.width - self.app.ts.gap * 3
        return usable * (1 - self.side.size_hint_x) if self.landscape else usable

    # -- showing ----------------------------------------------------------------------------------
    def show(self, snapshot=None) -> None:
        # The home screen comes back after every citizen; its widgets are kept and only rebuilt
        # when the service list changes (elder mode and language rebuild every screen anyway).
        built_for = (tuple(self.items), self.app.catalogue.language, self.app.catalogue.stretch)
        self.scroll.scroll_y = 1
        if built_for == self._built_for and self.body.children and not self.searching:
            return
        self._built_for = built_for
        self._search = ItemSearch(self.items)
        t, ts = self.app.t, self.app.ts
        bilingual = self.app.catalogue.bilingual
        # Two scripts make every text twice as tall: the welcome line goes (the header names the hall).
        # Landscape: the height goes to the tiles; the header names the hall already.
        self.title.text = "" if bilingual or self.landscape or ts.elder else t("home.welcome")
        self.title.align = "center" if not self.landscape else "left"
        self.prompt.text = ""
        self.searching = False
        self.query = ""
        self.keypad_box.clear_widgets()
        self.keypad_box.height = 0
        self.body.clear_widgets()
        self.clear_guidance()
        hint = Panel(bg=[*self.app.colour("primary")[:3], 1])
        self.hint = KLabel(text=self._hint_text(), pair="primary_button", bold=True, align="center",
                           font_px=ts.body if bilingual else ts.heading, kid="home.hint")
        hint.add_widget(self.hint)
        search = Tile(icons.glyph("search"), t("home.search"), kid="home.search", name_kid="home.search_label",
                      height=ts.button_h * 1.1, across=self.landscape,
                      name_px=ts.heading if self.landscape else ts.body, icon_px=ts.heading * 1.3)
        search.bind(on_release=lambda *_a: self.open_search())
        self._search_button = search
        switch = self._language_switch()
        if self.landscape:
            for widget in (switch, hint, search, Spacer()):
                if widget is not None:
                    self.add_guidance(widget, stretch=isinstance(widget, Spacer))
        else:
            if switch is not None:
                self.body.add_widget(switch)
            # the invitation and the search side by side: the height goes to the tiles
            top = BoxLayout(size_hint_y=None, spacing=ts.gap * 0.6)
            hint.size_hint_x, search.size_hint_x = 0.68, 0.32
            top.add_widget(hint)
            top.add_widget(search)

            def fit_top(*_a) -> None:
                top.height = max(hint.height, search.needed_height())
                search.height = top.height

            hint.bind(height=fit_top)
            search.name.bind(texture_size=fit_top)
            fit_top()
            self.body.add_widget(top)
        self.body.add_widget(self.tiles)
        self.page = 0
        self.rows_per_page = 0
        self._fit_pages(force=True)

    def _fit_pages(self, force: bool = False) -> None:
        """Split the tiles into pages that fit the room the screen has (known once it is laid out)."""
        if self.searching or (not force and self.manager is not None and self.manager.current != self.name):
            return
        ts = self.app.ts
        room = self.scroll.height if self.scroll.height > 100 else 0
        if room:
            others = sum(c.height for c in self.body.children if c is not self.tiles)
            room -= others + ts.gap * len(self.body.children)
        rows_per_page = rows_fitting(room, self.row_height(), ts.gap * 0.4) if room else 99
        fitted = (rows_per_page, self.columns())
        if fitted == self._fitted and not force:
            return
        self._fitted = fitted
        self.rows_per_page = rows_per_page
        rows = pack_rows(group_items(self.items), self.columns())
        # never below two rows: a one-row first page leaves the screen half empty
        first = max(min(2, rows_per_page), rows_per_page - ELDER_FIRST_PAGE_SHORTER_BY) if ts.elder else None
        self.pages = paginate(rows, rows_per_page, first)
        self.page = min(self.page, len(self.pages) - 1)
        self._fill_page()

    def _fill_page(self) -> None:
        t, ts = self.app.t, self.app.ts
        self.tiles.clear_widgets()
        cols = self.columns()
        if not self.items:
            self.tiles.add_widget(KLabel(text=t("home.no_items"), kid="home.no_items"))
        for row in self.pages[self.page]:
            line = BoxLayout(size_hint_y=None, spacing=ts.gap * 0.6)
            tiles_in_row: list[Tile] = []
            for block in row:
                line.add_widget(self._block(block, cols, tiles_in_row))
            used = sum(len(b.items) for b in row)
            if used < cols:
                line.add_widget(Spacer(size_hint_x=(cols - used) / cols))
            _even_heights(line, tiles_in_row, self.tile_height(), self.heading_height())
            self.tiles.add_widget(line)
        if len(self.pages) > 1:
            self.tiles.add_widget(KLabel(text=t("home.page", n=self.page + 1, total=len(self.pages)),
                                         pair="body_soft", align="center", kid="home.page"))
        self._set_home_actions()

    def _block(self, block: Block, cols: int, tiles_in_row: list) -> BoxLayout:
        ts = self.app.ts
        box = BoxLayout(orientation="vertical", size_hint_x=len(block.items) / cols, spacing=ts.gap * 0.3)
        theme_text = self.app.catalogue.pick(block.theme, block.items[0].themes)
        heading = KLabel(text=theme_text, bold=True, pair="body_soft", font_px=ts.body,
                         kid=f"home.theme.{block.theme}" if not block.continued else "")
        box.add_widget(heading)
        grid = GridLayout(cols=len(block.items), spacing=ts.gap * 0.6, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for item in block.items:
            tile = self._tile(item)
            grid.add_widget(tile)
            tiles_in_row.append(tile)
        box.add_widget(grid)
        box.heading, box.grid = heading, grid
        return box

    def _tile(self, item: ServiceItemSummary) -> Tile:
        note = self.app.t("home.window_only")  # on its own line in small type: no brackets needed
        tile = Tile(icons.item_glyph(item.icon, item.theme), self.app.catalogue.pick(item.name, item.names),
                    note="" if item.kiosk_complete else note, height=self.tile_height(), name_px=self.name_px(),
                    icon_px=self.icon_px(),
                    enabled=item.kiosk_complete, kid=f"home.item.{item.code}")
        tile.bind(on_release=lambda _b, code=item.code: self.app.start_item(code))
        return tile

    def _set_home_actions(self) -> None:
        t, ts = self.app.t, self.app.ts
        buttons = []
        if self.searching:
            buttons.append((t("home.search_back"), "home.search_back", "secondary_button", self.close_search))
        elif len(self.pages) > 1:
            if self.page > 0:
                buttons.append((t("home.previous_page" if self.page > 1 else "home.first_page"), "home.previous",
                                "secondary_button", lambda: self.turn(-1)))
            if self.page < len(self.pages) - 1:
                more = "home.more" if self.page == 0 else "home.next_page"
                buttons.append((t(more), "home.next", "primary_button", lambda: self.turn(1)))
        buttons.append((t("home.video_help"), "home.video_help", "good_button", self.app.open_help))
        self.set_actions(buttons)
        bilingual = self.app.catalogue.bilingual
        for button in self.actions.children:
            button.font_px = ts.body if bilingual or len(buttons) > 1 else ts.title
            button.height = ts.button_h * 1.2

    def turn(self, by: int) -> None:
        self.page = max(0, min(len(self.pages) - 1, self.page + by))
        self._fill_page()
        self.scroll.scroll_y = 1
        self.app.request_shot(f"home-page{self.page + 1}")

    def reveal(self, kid: str) -> bool:
        """Turn to the page with the item ``home.item.CODE`` (the pilot's citizen pages, as a person would)."""
        code = kid.removeprefix("home.item.")
        if not kid.startswith("home.item.") or self.searching:
            return False
        for number, page in enumerate(self.pages):
            if any(item.code == code for row in page for block in row for item in block.items):
                if number != self.page:
                    self.page = number
                    self._fill_page()
                    return True
                return False
        return False

    # -- search -----------------------------------------------------------------------------------
    def open_search(self) -> None:
        """搜索事项: the letter keypad; tiles of the items whose pinyin (initials or whole) matches."""
        t = self.app.t
        self.searching = True
        self.query = ""
        self.title.text = t("home.search")
        self.prompt.text = t("home.search_hint")
        keypad = Keypad(mode="letters")
        keypad.bind(on_key=lambda _k, key: self.search_key(key))
        self.keypad_box.clear_widgets()
        self.keypad_box.add_widget(keypad)
        self.keypad_box.height = keypad.height
        self.body.clear_widgets()
        self.clear_guidance()
        self.query_label = KLabel(text="", bold=True, font_px=self.app.ts.title, kid="home.query", fresh_texture=True)
        self.body.add_widget(self.query_label)
        self.body.add_widget(self.tiles)
        self._show_results()
        self.app.request_shot("home-search")

    def search_key(self, key: str) -> None:
        if key == "OK":
            if self.keypad_box.children:
                self.keypad_box.clear_widgets()
                self.keypad_box.height = 0
            return
        if key == "DEL":
            self.query = self.query[:-1]
        elif key == "CLR":
            self.query = ""
        elif len(key) == 1 and key.isalpha():
            self.query += key.lower()
        self._show_results()

    def _show_results(self) -> None:
        t, ts = self.app.t, self.app.ts
        self.query_label.text = self.query.upper() or "＿"
        self.tiles.clear_widgets()
        found = self._search.find(self.query) if self._search and self.query else []
        cols = self.columns()
        for start in range(0, min(len(found), cols * 2), cols):
            line = BoxLayout(size_hint_y=None, spacing=ts.gap * 0.6)
            row = [self._tile(item) for item in found[start:start + cols]]
            for tile in row:
                line.add_widget(tile)
            if len(row) < cols:
                line.add_widget(Spacer(size_hint_x=(cols - len(row)) / len(row)))
            _even_heights(line, row, self.tile_height(), 0)
            self.tiles.add_widget(line)
        if self.query and not found:
            self.tiles.add_widget(KLabel(text=t("home.search_none"), kid="home.search_none"))
        self._set_home_actions()

    def close_search(self) -> None:
        self._built_for = None
        self.show(None)

    # -- the rest -----------------------------------------------------------------------------------
    def clear(self) -> None:
        """Nothing of a citizen stays on the home screen: back to the first page, no search."""
        self.notice.text = ""
        self.scroll.scroll_y = 1
        if self.searching:
            self._built_for = None
            self.show(None)
        elif self.page:
            self.page = 0
            self._fill_page()
        self.show_card(None)

    def show_card(self, card) -> None:
        """A card placed here greets its holder by masked name (kioskd holds it for the service they tap);
        ``None`` or a card that is ``gone`` brings back the invitation to place one."""
        self.held_name = card.name_masked if card is not None and card.state == "held" else ""
        if self.hint is not None:
            self.hint.text = self._hint_text()

    def _hint_text(self) -> str:
        if self.held_name:
            return self.app.t("home.card_held", name=self.held_name)
        return self.app.t("home.start_hint")

    def _language_switch(self) -> BoxLayout | None:
        """中文 / བོད་ཡིག / ئۇيغۇرچە: one large button per offered language, the current one filled."""
        offered = self.app.settings.languages
        if len(offered) < 2:
            return None
        ts = self.app.ts
        row = BoxLayout(spacing=ts.gap * 0.6, size_hint_y=None, height=ts.button_h * 1.1)
        buttons = []
        for code in offered:
            current = code == self.app.catalogue.language
            button = KButton(text=language_name(code), kid=f"home.lang.{code}", font_px=ts.heading,
                             pair="primary_button" if current else "secondary_button")
            button.size_hint_y = 1  # all as tall as the tallest script (Tibetan stacks are tall)
            button.bind(on_release=lambda _b, c=code: self.app.set_language(c))
            if vertical_name(code):
                attach_column(button, vertical_name(code), ts.body, ts.gap * 0.3)
            buttons.append(button)
            row.add_widget(button)

        def fit(*_a) -> None:
            row.height = max(ts.button_h * 1.1, *(b.texture_size[1] + ts.gap for b in buttons))

        for button in buttons:
            button.bind(texture_size=fit)
        return row


def _even_heights(line: BoxLayout, tiles: list[Tile], floor: float, heading: float) -> None:
    """Tiles on one row are as tall as the tallest needs (never shorter than ``floor``); the row follows."""

    def even(*_a) -> None:
        tallest = max([floor, *(tile.needed_height() for tile in tiles)])
        for tile in tiles:
            tile.height = tallest
        headings = [c.heading.height for c in line.children if hasattr(c, "heading")]
        line.height = tallest + (max(headings, default=heading) + line.spacing * 0.5 if headings else 0)

    for tile in tiles:
        tile.name.bind(texture_size=even)
    for child in line.children:
        if hasattr(child, "heading"):
            child.heading.bind(height=even)
    even()
