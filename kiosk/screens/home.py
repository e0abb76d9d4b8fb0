"""The attract/home screen: welcome, "place your ID card", the service list by theme, video help."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from local_api.schemas import ServiceItemSummary

from ..i18n import language_name, vertical_name
from ..scripts import script_of
from ..viewmodels import group_items
from ..widgets.base import KButton, KLabel, Panel
from ..widgets.mongol import attach_column
from .base import KScreen


class HomeScreen(KScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[ServiceItemSummary] = []
        self._built_for: tuple | None = None  # what the widgets on screen were built from
        self.hint: KLabel | None = None
        self.held_name = ""  # masked name of a card lying on the reader, greeted until a service is tapped

    def set_items(self, items: list[ServiceItemSummary]) -> None:
        self.items = list(items)
        self.show(None)

    def show(self, snapshot=None) -> None:
        # The home screen comes back after every citizen; its widgets are kept and only rebuilt
        # when the service list changes (elder mode and language rebuild every screen anyway).
        # Building it anew took most of a tap on 完成 (about 20 widgets through Kivy's rules).
        built_for = (tuple(self.items), self.app.catalogue.language, self.app.catalogue.stretch)
        self.scroll.scroll_y = 1
        if built_for == self._built_for and self.body.children:
            return
        self._built_for = built_for
        t, ts = self.app.t, self.app.ts
        bilingual = self.app.catalogue.bilingual
        # Two scripts make every text twice as tall. The welcome line is the one text the home screen
        # can lose (the header names the hall), so the first services stay in view without scrolling.
        self.title.text = "" if bilingual else t("home.welcome")
        self.title.align = "center"
        self.prompt.text = ""
        self.body.clear_widgets()
        self.add_language_switch()
        hint = Panel(bg=[*self.app.colour("primary")[:3], 1])
        self.hint = KLabel(text=self._hint_text(), pair="primary_button", bold=True, align="center",
                           font_px=ts.body if bilingual else ts.heading, kid="home.hint")
        hint.add_widget(self.hint)
        self.body.add_widget(hint)
        if not bilingual:  # the hint above already says "or tap a service below"
            self.body.add_widget(KLabel(text=t("home.services"), pair="body_soft", kid="home.services"))
        if not self.items:
            self.body.add_widget(KLabel(text=t("home.no_items"), kid="home.no_items"))
        for theme, items in group_items(self.items):
            theme_text = self.app.catalogue.pick(theme, items[0].themes)
            self.body.add_widget(KLabel(text=theme_text, bold=True, font_px=ts.heading, kid=f"home.theme.{theme}"))
            grid = GridLayout(cols=2, spacing=ts.gap * 0.6, size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            buttons = []
            for item in items:
                note = t("home.window_only")
                note = note if script_of(note) else f"（{note}）"  # no full-width brackets in Tibetan/Uyghur fonts
                name = self.app.catalogue.pick(item.name, item.names)
                text = name if item.kiosk_complete else f"{name}\n{note}"
                button = KButton(text=text, kid=f"home.item.{item.code}",
                                 pair="secondary_button" if item.kiosk_complete else "disabled_button")
                button.bind(on_release=lambda _b, code=item.code: self.app.start_item(code))
                grid.add_widget(button)
                buttons.append(button)
            _even_rows(buttons, grid.cols, floor=ts.button_h, gap=ts.gap)
            self.body.add_widget(grid)
        self.set_actions([(t("home.video_help"), "home.video_help", "good_button", self.app.open_help)])
        for button in self.actions.children:
            button.font_px = ts.heading if bilingual else ts.title
            button.height = ts.button_h * 1.3

    def clear(self) -> None:
        """Nothing of a citizen stays on the home screen: keep it, only scroll back to the top."""
        self.notice.text = ""
        self.scroll.scroll_y = 1
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

    def add_language_switch(self) -> None:
        """中文 / བོད་ཡིག / ئۇيغۇرچە: one large button per offered language, the current one filled."""
        offered = self.app.settings.languages
        if len(offered) < 2:
            return
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
        self.body.add_widget(row)


def _even_rows(buttons: list[KButton], cols: int, *, floor: float, gap: float) -> None:
    """Buttons side by side are as tall as the tallest of their row (a grid puts a shorter one at the
    bottom of its row, out of line with its neighbour), and never shorter than ``floor``."""

    def even(*_a) -> None:
        for start in range(0, len(buttons), cols):
            row = buttons[start:start + cols]
            tallest = max(b.texture_size[1] + gap for b in row)
            for button in row:
                button.min_height = max(floor, tallest)

    for button in buttons:
        button.bind(texture_size=even)
    even()
