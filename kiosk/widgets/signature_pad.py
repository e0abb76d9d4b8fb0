"""The pad the citizen signs on: it keeps the pen's strokes (with pressure where the screen reports it) and
draws them as they come; kioskd judges them and draws the image that goes with the application."""

from __future__ import annotations

import math

from kivy.app import App
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from ..theme import rgba

MIN_STEP_PX = 1.5  # points closer than this add nothing to the line, only to the message


class SignaturePad(Widget):
    """Strokes in the pad's own pixels, origin at its bottom left: ``[[x, y, pressure], ...]`` per stroke."""

    kid = StringProperty("sign.pad")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.strokes: list[list[tuple[float, float, float]]] = []
        with self.canvas.before:
            Color(*rgba("card"))
            self._paper = Rectangle()
            Color(*rgba("ink_soft"))
            self._frame = Line(width=1.5)
            self._baseline = Line(width=1.0, dash_length=8, dash_offset=6)
        self.bind(pos=self._redraw, size=self._redraw)

    # -- touches ---------------------------------------------------------------------------------
    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.grab(self)
        self.strokes.append([self._point(touch)])
        self._draw_dot(self.strokes[-1][0])
        app = App.get_running_app()
        if app is not None and hasattr(app, "poke"):
            app.poke()
        return True

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        point, last = self._point(touch), self.strokes[-1][-1]
        if math.hypot(point[0] - last[0], point[1] - last[1]) >= MIN_STEP_PX:
            self.strokes[-1].append(point)
            self._draw_segment(last, point)
        return True

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        return True

    # -- what the screen asks ---------------------------------------------------------------------
    def payload(self) -> dict:
        """The ``sign`` event's data: the pad's size and the strokes, in whole pixels."""
        width, height = math.ceil(self.width), math.ceil(self.height)
        return {"width": width, "height": height,
                "strokes": [[[round(x, 1), round(y, 1), round(p, 2)] for x, y, p in stroke]
                            for stroke in self.strokes]}

    def draw(self, strokes: list[list[tuple[float, float, float]]]) -> None:
        """Draw strokes as if written (the demo and the tests' citizen)."""
        for stroke in strokes:
            self.strokes.append([stroke[0]])
            self._draw_dot(stroke[0])
            for point in stroke[1:]:
                self._draw_segment(self.strokes[-1][-1], point)
                self.strokes[-1].append(point)

    def clear_ink(self) -> None:
        """Wipe the strokes (重写, or the next citizen)."""
        self.strokes = []
        self.canvas.after.clear()

    # -- drawing ---------------------------------------------------------------------------------
    def _point(self, touch) -> tuple[float, float, float]:
        x = min(max(touch.x - self.x, 0.0), float(math.ceil(self.width)))
        y = min(max(touch.y - self.y, 0.0), float(math.ceil(self.height)))
        pressure = float(touch.pressure) if "pressure" in touch.profile else 1.0
        return (x, y, min(max(pressure, 0.0), 1.0))

    def _pen(self, pressure: float) -> float:
        return max(1.5, self.height * 0.008 * (0.5 + pressure))

    def _draw_dot(self, point: tuple[float, float, float]) -> None:
        x, y, p = point
        with self.canvas.after:
            Color(*rgba("ink"))
            Line(circle=(self.x + x, self.y + y, self._pen(p) / 2), width=self._pen(p) / 2)

    def _draw_segment(self, a: tuple[float, float, float], b: tuple[float, float, float]) -> None:
        with self.canvas.after:
            Color(*rgba("ink"))
            Line(points=[self.x + a[0], self.y + a[1], self.x + b[0], self.y + b[1]],
                 width=self._pen((a[2] + b[2]) / 2), cap="round")

    def _redraw(self, *_a) -> None:
        self._paper.pos, self._paper.size = self.pos, self.size
        self._frame.rectangle = (self.x, self.y, self.width, self.height)
        y = self.y + self.height * 0.25
        self._baseline.points = [self.x + self.width * 0.06, y, self.x + self.width * 0.94, y]
        strokes, self.strokes = self.strokes, []
        self.canvas.after.clear()
        self.draw(strokes)  # the pad moved or grew (layout, elder mode): the ink follows it
