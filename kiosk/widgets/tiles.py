"""A home-screen tile: an item's picture from the icon font over its name in large type; one touch target."""

from __future__ import annotations

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from .. import icons
from ..theme import rgba
from .base import KLabel

Builder.load_string(
    """
<Tile>:
    canvas.before:
        Color:
            rgba: root.edge
        RoundedRectangle:
            pos: self.x - 2, self.y - 2
            size: self.width + 4, self.height + 4
            radius: [app.ts.gap * 0.6]
        Color:
            rgba: root.bg if not root.pressed_look else root.bg_down
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [app.ts.gap * 0.55]
"""
)


class Tile(ButtonBehavior, BoxLayout):
    """``text`` is the item's name as shown (what the pilot and the tests read)."""

    kid = StringProperty("")
    text = StringProperty("")
    bg = ListProperty(list(rgba("card")))
    bg_down = ListProperty(list(rgba("secondary")))
    edge = ListProperty(list(rgba("secondary")))
    pressed_look = BooleanProperty(False)

    def __init__(self, glyph: str, text: str, *, note: str = "", height: float, enabled: bool = True,
                 icon_pair: str = "tile_icon", name_px: float = 0, icon_px: float = 0, across: bool = False,
                 name_kid: str = "", **kwargs) -> None:
        super().__init__(orientation="horizontal" if across else "vertical", size_hint_y=None, height=height,
                         **kwargs)
        ts = App.get_running_app().ts
        self.text = text
        self.padding = [ts.gap * 0.5, ts.gap * 0.6]
        self.spacing = ts.gap * 0.2
        if not enabled:
            self.bg = list(rgba("disabled"))
            self.edge = list(rgba("disabled"))
        icon_px = icon_px or ts.title * 1.5
        self.icon = KLabel(text=glyph, font_name=icons.FAMILY, font_px=icon_px, align="center",
                           pair=icon_pair if enabled else "disabled_button", wrap=False, size_hint_y=None,
                           height=icon_px * 1.07)
        if across:  # a wide button: the picture left of the words
            self.icon.size_hint = (None, 1)
            self.icon.width = icon_px * 1.3
        self.name = KLabel(text=text, bold=True, align="center", font_px=name_px or ts.heading, wrap=not across,
                           pair="card" if enabled else "disabled_button", kid=name_kid,
                           **({"size_hint_y": 1} if across else {}))
        self.note = KLabel(text=note, align="center", font_px=ts.small, pair="disabled_button") if note else None
        self.add_widget(self.icon)
        self.add_widget(self.name)
        if self.note is not None:
            self.add_widget(self.note)

    def needed_height(self) -> float:
        """As tall as the picture and the name's lines need (a row of tiles takes its tallest)."""
        parts = [self.icon.height, self.name.texture_size[1]]
        if self.note is not None:
            parts.append(self.note.texture_size[1])
        return sum(parts) + self.spacing * (len(parts) - 1) + self.padding[1] + self.padding[3]

    def on_state(self, _w, state: str) -> None:
        self.pressed_look = state == "down"

    def on_release(self) -> None:
        app = App.get_running_app()
        if app is not None and hasattr(app, "poke"):
            app.poke()
