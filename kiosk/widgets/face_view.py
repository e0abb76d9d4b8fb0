"""The face check's live view: the face camera mirrored (as a mirror shows the citizen), an oval guide to put
the face in, and the action asked for drawn over it (an arrow for a head turn, a closing eye for a blink).
"""

from __future__ import annotations

import io
import math

from kivy.graphics import Color, Ellipse, Line, Mesh, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from ..theme import rgba

GOOD_HINTS = ("hold_still", "blink", "turn_left", "turn_right", "done")


def decode_mirrored(data: bytes, max_side: int = 480) -> tuple[bytes, int, int] | None:
    """RGB bytes, width and height of a JPEG flipped left to right (None when it is not a picture)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = ImageOps.mirror(Image.open(io.BytesIO(data)).convert("RGB"))
    except (UnidentifiedImageError, OSError):
        return None
    image.thumbnail((max_side, max_side))
    return image.tobytes(), image.width, image.height


class FaceView(Widget):
    """Frames letterboxed in the box, an oval for the face, and the current action drawn."""

    hint = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, hint=self._draw, texture=self._draw)

    def set_frame(self, rgb: bytes, width: int, height: int) -> None:
        texture = self.texture
        if texture is None or tuple(texture.size) != (width, height):
            texture = Texture.create(size=(width, height), colorfmt="rgb")
            texture.flip_vertical()
        texture.blit_buffer(rgb, colorfmt="rgb", bufferfmt="ubyte")
        self.texture = texture
        self.canvas.ask_update()
        self._draw()

    def clear(self) -> None:
        self.texture = None
        self.hint = ""

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        tw, th = self.texture.size if self.texture is not None else (4, 3)
        scale = min(self.width / tw, self.height / th)
        w, h = tw * scale, th * scale
        x, y = self.center_x - w / 2, self.center_y - h / 2
        # the oval: a face at arm's length fills about half the frame's height
        oh = h * 0.78
        ow = oh * 0.72
        ox, oy = self.center_x - ow / 2, self.center_y - oh / 2
        with self.canvas:
            Color(*rgba("preview"))
            Rectangle(pos=self.pos, size=self.size)
            if self.texture is not None:
                Color(1, 1, 1, 1)
                Rectangle(texture=self.texture, pos=(x, y), size=(w, h))
            Color(*rgba("preview", 0.6))  # everything outside the oval dimmed: the face goes inside
            Mesh(vertices=_outside_oval((x, y, w, h), (ox, oy, ow, oh)), indices=list(range(2 * 65)),
                 mode="triangle_strip")
            Color(*rgba("outline" if self.hint in GOOD_HINTS else "calm"))
            Line(ellipse=(ox, oy, ow, oh), width=max(3.0, w * 0.012))
            self._draw_action(ox, oy, ow, oh)

    def _draw_action(self, ox: float, oy: float, ow: float, oh: float) -> None:
        """The action asked for, drawn beside the oval, in the mirror's directions (the citizen's left is
        the screen's left)."""
        stroke = max(4.0, ow * 0.05)
        cy = oy + oh / 2
        Color(*rgba("outline"))
        if self.hint in ("turn_left", "turn_right"):
            sign = -1 if self.hint == "turn_left" else 1
            start = self.center_x + sign * ow * 0.62
            tip = start + sign * ow * 0.32
            Line(points=[start, cy, tip, cy], width=stroke, cap="round")
            Line(points=[tip - sign * ow * 0.14, cy + ow * 0.14, tip, cy, tip - sign * ow * 0.14, cy - ow * 0.14],
                 width=stroke, cap="round", joint="round")
        elif self.hint == "blink":
            ex, ey, r = self.center_x, oy + oh + ow * 0.05, ow * 0.16
            if ey + r > self.top:
                ey = oy + oh - r * 1.2
            Line(ellipse=(ex - r * 1.6, ey - r * 0.7, r * 3.2, r * 1.4), width=stroke * 0.6)
            Ellipse(pos=(ex - r * 0.45, ey - r * 0.45), size=(r * 0.9, r * 0.9))


def _outside_oval(box: tuple[float, float, float, float], oval: tuple[float, float, float, float],
                  steps: int = 64) -> list[float]:
    """A triangle strip between the oval and the box around it: each point of the oval paired with the
    point of the box's edge on the same ray from the centre."""
    bx, by, bw, bh = box
    ox, oy, ow, oh = oval
    cx, cy = ox + ow / 2, oy + oh / 2
    vertices: list[float] = []
    for i in range(steps + 1):
        angle = 2 * math.pi * i / steps
        dx, dy = math.cos(angle), math.sin(angle)
        inner = (cx + dx * ow / 2, cy + dy * oh / 2)
        reach = min((bw / 2) / abs(dx) if abs(dx) > 1e-9 else math.inf,
                    (bh / 2) / abs(dy) if abs(dy) > 1e-9 else math.inf)
        outer = (bx + bw / 2 + dx * reach, by + bh / 2 + dy * reach)
        vertices += [*inner, 0, 0, *outer, 0, 0]
    return vertices
