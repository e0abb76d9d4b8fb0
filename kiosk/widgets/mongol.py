"""Traditional Mongolian as it is written: columns top to bottom, the columns left to right.

Mongolian fonts (Noto Sans Mongolian) hold their glyphs turned a quarter anticlockwise, so a column is
a horizontal line shaped by HarfBuzz (the SDL2 provider, script ``Mong``; ``ScriptCoreLabel`` sets it),
drawn turned a quarter clockwise. Each column is its own line texture: turning a wrapped paragraph as a
whole would put its first line in the rightmost column.
"""

from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

from .text import ScriptCoreLabel


def columns(text: str, height: float, font_px: float) -> list[str]:
    """Break ``text`` between words into columns whose shaped length fits ``height`` (a word longer than
    the column stands alone in it)."""
    label = ScriptCoreLabel(font_size=font_px)
    label._prime_for(text or "ᠠ")
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):  # not split(): the narrow no-break space ties a suffix to its word
            if not word:
                continue
            candidate = f"{line} {word}" if line else word
            if line and label.get_extents(candidate)[0] > height:
                out.append(line)
                line = word
            else:
                line = candidate
        if line:
            out.append(line)
    return out


def shaped_texture(line: str, font_px: float):
    """One line of Mongolian shaped with its joining forms, in white (the canvas tints it)."""
    label = ScriptCoreLabel(text=line, font_size=font_px, color=(1, 1, 1, 1))
    label._prime()
    label.refresh()
    return label.texture


def turned_clockwise(tex_coords) -> tuple[float, ...]:
    """Texture coordinates that draw a texture turned a quarter clockwise in its rectangle."""
    bl, br, tr, tl = (tuple(tex_coords[i:i + 2]) for i in range(0, 8, 2))
    return (*br, *tr, *tl, *bl)


class MongolianText(Widget):
    """Vertical traditional Mongolian in the widget's height; its width follows the number of columns."""

    text = StringProperty("")
    font_px = NumericProperty(34)
    color = ColorProperty((0, 0, 0, 1))
    # In a short place (a button), a word longer than the column makes the text smaller, not spill out.
    fit_words = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("size_hint_x", None)
        super().__init__(**kwargs)
        self.lines: list[str] = []
        self._textures: list = []
        self._laid_for: tuple | None = None
        self.bind(text=self._relayout, font_px=self._relayout, height=self._relayout, color=self._draw,
                  pos=self._draw)
        self._relayout()

    def _relayout(self, *_args) -> None:
        key = (self.text, self.font_px, round(self.height))
        if key == self._laid_for:
            return
        self._laid_for = key
        font_px = self.font_px
        self.lines = columns(self.text, self.height, font_px) if self.text and self.height > 1 else []
        self._textures = [shaped_texture(line, font_px) for line in self.lines]
        longest = max((t.width for t in self._textures), default=0)
        if self.fit_words and longest > self.height:
            font_px = max(8.0, font_px * self.height / longest * 0.95)
            self.lines = columns(self.text, self.height, font_px)
            self._textures = [shaped_texture(line, font_px) for line in self.lines]
        self.width = sum(t.height for t in self._textures)
        self._draw()

    def _draw(self, *_args) -> None:
        self.canvas.clear()
        with self.canvas:
            Color(*self.color)
            x, top = self.x, self.y + self.height  # not self.top: its cached value may lag inside a size event
            for texture in self._textures:
                # The line's height becomes the column's width; its length runs down from the top.
                Rectangle(texture=texture, pos=(x, top - texture.width), size=(texture.height, texture.width),
                          tex_coords=turned_clockwise(texture.tex_coords))
                x += texture.height


def attach_column(button: Widget, text: str, font_px: float, inset: float) -> MongolianText:
    """A Mongolian column at a button's left edge, beside the button's Chinese text, in its text colour."""
    column = MongolianText(text=text, font_px=font_px, color=button.fg, fit_words=True)

    def place(*_a) -> None:
        column.height = max(1.0, button.height - 2 * inset)
        column.pos = (button.x + inset, button.y + inset)

    button.bind(pos=place, size=place, fg=column.setter("color"))
    button.add_widget(column)
    place()
    return column
