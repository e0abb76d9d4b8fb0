"""The document camera's live preview with the detected page outlined.

Frames are decoded on a worker thread (``decode_jpeg``) and blitted into two reused textures in
turn, so a preview running all day does not allocate a texture per frame.
"""

from __future__ import annotations

import io

from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import ListProperty, ObjectProperty
from kivy.uix.widget import Widget

from ..theme import rgba


def decode_jpeg(data: bytes, max_side: int = 640) -> tuple[bytes, int, int] | None:
    """RGB bytes, width and height of a JPEG (None when it is not a picture)."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data)).convert("RGB")
    except (UnidentifiedImageError, OSError):
        return None
    image.thumbnail((max_side, max_side))
    return image.tobytes(), image.width, image.height


class CameraPreview(Widget):
    """Shows frames letterboxed in its box and the page outline (fractions, y from the top)."""

    quad = ListProperty([])
    texture = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._spare: Texture | None = None
        self.bind(pos=self._draw, size=self._draw, quad=self._draw, texture=self._draw)

    def set_frame(self, rgb: bytes, width: int, height: int) -> None:
        # Two textures in turn: uploading into the one the last frame drew from makes the GL
        # driver finish that frame first (a stall of a whole frame on llvmpipe).
        spare = self._spare
        if spare is None or tuple(spare.size) != (width, height):
            spare = Texture.create(size=(width, height), colorfmt="rgb")
            spare.flip_vertical()
        spare.blit_buffer(rgb, colorfmt="rgb", bufferfmt="ubyte")
        self._spare, self.texture = self.texture, spare
        self.canvas.ask_update()

    def clear(self) -> None:
        self.texture = None
        self._spare = None
        self.quad = []

    def _frame_box(self) -> tuple[float, float, float, float]:
        tw, th = self.texture.size if self.texture is not None else (4, 3)
        scale = min(self.width / tw, self.height / th)
        w, h = tw * scale, th * scale
        return (self.x + self.width / 2) - w / 2, (self.y + self.height / 2) - h / 2, w, h

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        x, y, w, h = self._frame_box()
        with self.canvas:
            Color(*rgba("preview"))
            Rectangle(pos=self.pos, size=self.size)
            if self.texture is not None:
                Color(1, 1, 1, 1)
                Rectangle(texture=self.texture, pos=(x, y), size=(w, h))
            if len(self.quad) == 4:
                Color(*rgba("outline"))
                points = []
                for fx, fy in self.quad:
                    points += [x + fx * w, y + (1 - fy) * h]
                Line(points=points, close=True, width=max(2.0, w * 0.008))
