"""Pictures drawn with Kivy's canvas (no image files): rating faces, the card reader, a spinner."""

from __future__ import annotations

import math

from kivy.animation import Animation
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import BooleanProperty, ListProperty, NumericProperty
from kivy.uix.widget import Widget

from ..theme import rgba

FACE_COLOURS = {5: "#1B6B3A", 4: "#2E7D32", 3: "#8A6100", 2: "#B3471B", 1: "#9B1C1C"}


class Face(Widget):
    """A round face whose mouth curves with the rating level (5 smiles, 1 frowns)."""

    level = NumericProperty(3)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, level=self._draw)

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        d = min(self.width, self.height)
        x0, y0 = (self.x + self.width / 2) - d / 2, (self.y + self.height / 2) - d / 2
        curve = (self.level - 3) / 2  # -1 frown .. +1 smile
        with self.canvas:
            Color(*rgba(FACE_COLOURS[int(self.level)]))
            Ellipse(pos=(x0, y0), size=(d, d))
            Color(1, 1, 1, 1)
            eye = d * 0.12
            for ex in (0.32, 0.68):
                Ellipse(pos=(x0 + d * ex - eye / 2, y0 + d * 0.6), size=(eye, eye))
            mouth_y = y0 + d * 0.34
            points = []
            for i in range(13):
                u = i / 12
                x = x0 + d * (0.28 + 0.44 * u)
                y = mouth_y - curve * d * 0.12 * math.sin(math.pi * u)
                points += [x, y]
            Line(points=points, width=max(2.0, d * 0.04), cap="round", joint="round")


class CardReaderArt(Widget):
    """A card sliding down onto the reader, again and again, pointing the way to it."""

    phase = NumericProperty(0.0)
    animate = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._anim: Animation | None = None
        self.bind(pos=self._draw, size=self._draw, phase=self._draw)

    def start(self) -> None:
        self.stop()
        if not self.animate:
            self.phase = 0.6
            return
        self._anim = Animation(phase=1.0, duration=1.4, t="out_quad") + Animation(phase=0.0, duration=0.01)
        self._anim.repeat = True
        self._anim.start(self)

    def stop(self) -> None:
        if self._anim is not None:
            self._anim.cancel(self)
            self._anim = None

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        w, h = self.width, self.height
        reader_w, reader_h = w * 0.62, h * 0.22
        rx, ry = (self.x + self.width / 2) - reader_w / 2, self.y + h * 0.05
        card_w, card_h = w * 0.46, h * 0.3
        top = self.y + h - card_h
        card_y = top - (top - (ry + reader_h * 0.55)) * self.phase
        cx = self.x + self.width / 2
        with self.canvas:
            Color(*rgba("#2B3A4A"))
            RoundedRectangle(pos=(rx, ry), size=(reader_w, reader_h), radius=[h * 0.03])
            Color(*rgba("#2FD06A", 0.35 + 0.65 * self.phase))
            Rectangle(pos=(rx + reader_w * 0.15, ry + reader_h * 0.72), size=(reader_w * 0.7, reader_h * 0.08))
            Color(*rgba("#6FA8DC"))
            RoundedRectangle(pos=(cx - card_w / 2, card_y), size=(card_w, card_h), radius=[h * 0.02])
            Color(1, 1, 1, 1)
            Ellipse(pos=(cx - card_w * 0.42, card_y + card_h * 0.3), size=(card_h * 0.45, card_h * 0.5))
            for i in range(3):
                Rectangle(pos=(cx - card_w * 0.05, card_y + card_h * (0.65 - i * 0.17)),
                          size=(card_w * 0.4, card_h * 0.07))


class Spinner(Widget):
    """A turning arc: work in progress."""

    angle = NumericProperty(0)
    progress = NumericProperty(0.0)
    colour = ListProperty(list(rgba("primary")))
    animate = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._anim: Animation | None = None
        self.bind(pos=self._draw, size=self._draw, angle=self._draw, progress=self._draw)

    def start(self) -> None:
        self.stop()
        if self.animate:
            self._anim = Animation(angle=360, duration=1.2) + Animation(angle=0, duration=0)
            self._anim.repeat = True
            self._anim.start(self)

    def stop(self) -> None:
        if self._anim is not None:
            self._anim.cancel(self)
            self._anim = None

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        d = min(self.width, self.height) * 0.9
        cx, cy = self.x + self.width / 2, self.y + self.height / 2
        with self.canvas:
            Color(*rgba("secondary"))
            Line(circle=(cx, cy, d / 2), width=d * 0.05)
            Color(*self.colour)
            Line(circle=(cx, cy, d / 2, self.angle, self.angle + 90), width=d * 0.05, cap="round")


class OutletArrow(Widget):
    """A slot with a sheet coming out and an arrow pointing down at it: where the paper is."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_a) -> None:
        from kivy.graphics import Triangle

        self.canvas.clear()
        w, h = self.width, self.height
        cx = self.x + self.width / 2
        with self.canvas:
            Color(*rgba("#2B3A4A"))
            RoundedRectangle(pos=(cx - w * 0.3, self.y + h * 0.08), size=(w * 0.6, h * 0.14), radius=[h * 0.04])
            Color(1, 1, 1, 1)
            Rectangle(pos=(cx - w * 0.18, self.y + h * 0.15), size=(w * 0.36, h * 0.25))
            Color(*rgba("primary"))
            Rectangle(pos=(cx - w * 0.05, self.y + h * 0.62), size=(w * 0.1, h * 0.33))
            Triangle(points=[cx - w * 0.14, self.y + h * 0.62, cx + w * 0.14, self.y + h * 0.62,
                             cx, self.y + h * 0.45])
