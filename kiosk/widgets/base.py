"""Basic widgets: labels that wrap, large buttons, cards. Colours come from named theme pairs."""

from __future__ import annotations

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from ..theme import TEXT_PAIRS, rgba
from .text import ScriptCoreLabel


def pair_colours(pair: str) -> tuple[tuple, tuple]:
    fg, bg = TEXT_PAIRS[pair]
    return rgba(fg), rgba(bg)


Builder.load_string(
    """
<KLabel>:
    color: root.fg
    font_size: root.font_px or app.ts.body
    text_size: (self.width, None) if root.wrap else (None, None)
    size_hint_y: None if root.wrap else self.size_hint_y
    height: self.texture_size[1] if root.wrap else self.height
    line_height: 1.3
    halign: root.align
    valign: 'middle'

<KButton>:
    color: root.fg
    font_size: root.font_px or app.ts.body
    bold: True
    halign: 'center'
    valign: 'middle'
    padding: app.ts.gap * 0.6, app.ts.gap * 0.3
    text_size: self.width - app.ts.gap * 1.2, None
    max_lines: 4
    size_hint_y: None
    height: max(app.ts.button_h, root.min_height, self.texture_size[1] + app.ts.gap)
    canvas.before:
        Color:
            rgba: root.bg if not root.pressed_look else root.bg_down
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [app.ts.gap * 0.5]

<Panel>:
    orientation: 'vertical'
    padding: app.ts.gap
    spacing: app.ts.gap * 0.6
    size_hint_y: None
    height: self.minimum_height
    canvas.before:
        Color:
            rgba: root.bg
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [app.ts.gap * 0.6]
"""
)


class ScriptText:
    """Mixin for Labels: each line is drawn in its script's font (Tibetan, Uyghur, Chinese)."""

    def _create_label(self) -> None:
        if self._label is None:
            kw = {x: getattr(self, x) for x in self._font_properties}
            kw["usersize"] = self.text_size
            self._label = ScriptCoreLabel(**kw)
            self._label.fresh = bool(getattr(self, "fresh_texture", False))

    def on_fresh_texture(self, _w, value: bool) -> None:
        if getattr(self, "_label", None) is not None:  # set from kwargs before the core label exists
            self._label.fresh = bool(value)


class KLabel(ScriptText, Label):
    """A label that wraps to its width and grows in height; ``pair`` names its theme colours."""

    kid = StringProperty("")
    pair = StringProperty("body")
    fg = ListProperty([0, 0, 0, 1])
    font_px = NumericProperty(0)
    wrap = BooleanProperty(True)
    align = StringProperty("left")
    # A new texture per text, for labels whose text changes while on screen (see widgets.text).
    fresh_texture = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_pair(self, self.pair)

    def on_pair(self, _w, pair: str) -> None:
        self.fg = list(pair_colours(pair)[0])


class KButton(ButtonBehavior, ScriptText, Label):
    """A large touch target (theme ``button_h`` high at least) drawn in a theme pair."""

    kid = StringProperty("")
    pair = StringProperty("primary_button")
    fg = ListProperty([1, 1, 1, 1])
    bg = ListProperty([0, 0, 0, 1])
    bg_down = ListProperty([0, 0, 0, 1])
    font_px = NumericProperty(0)
    pressed_look = BooleanProperty(False)
    min_height = NumericProperty(0)  # at least this tall, however short the text (rows of equal buttons)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_pair(self, self.pair)

    def on_pair(self, _w, pair: str) -> None:
        fg, bg = pair_colours(pair)
        self.fg, self.bg = list(fg), list(bg)
        self.bg_down = [c * 0.85 for c in bg[:3]] + [1]

    def on_state(self, _w, state: str) -> None:
        self.pressed_look = state == "down"

    def on_release(self) -> None:
        app = App.get_running_app()
        if app is not None and hasattr(app, "poke"):
            app.poke()


class Panel(BoxLayout):
    """A vertical card on a coloured background, as tall as its content."""

    kid = StringProperty("")
    bg = ListProperty(list(rgba("card")))


class Spacer(Widget):
    """Takes up the remaining space in a box."""


class KScrollView(ScrollView):
    """A ScrollView that does not collect callbacks: one screen's body, shown again and again."""

    def update_from_scroll(self, *largs) -> None:
        super().update_from_scroll(*largs)
        # Kivy 2.3.1 binds bar_color again on every call and unbinds it once, half a second later;
        # a screen laid out several times within that half second kept one callback per extra
        # call, for ever (about 20 a session). Keep exactly one.
        observers = self.get_property_observers("bar_color")
        extra = sum(1 for cb in observers if cb == self._change_bar_color) - 1
        for _ in range(max(0, extra)):
            self.funbind("bar_color", self._change_bar_color)
