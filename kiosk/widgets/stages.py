"""The stage bar under the header: 读卡 → 核验 → 填写 → 拍照 → 签名 → 核对 → 提交 → 打印.

Done ones are ticked, the current one filled.
"""

from __future__ import annotations

from kivy.app import App
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.uix.boxlayout import BoxLayout

from .. import icons
from ..layout import Stages
from ..theme import rgba
from .base import KLabel


class StageBar(BoxLayout):
    """One cell per stage of the item: a round mark (tick, the stage's picture) over the stage's name."""

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="horizontal", size_hint_y=None, **kwargs)
        self.kid = "shell.stages"
        self.app = App.get_running_app()
        self.shown: Stages | None = None
        self.marks: list[KLabel] = []
        self.names: list[KLabel] = []
        ts = self.app.ts
        self.padding = [ts.gap, ts.gap * 0.4]
        self.height = ts.body * 3.6
        self.bind(pos=self._draw, size=self._draw)

    def show(self, stages: Stages) -> None:
        if stages == self.shown:
            return
        self.shown = stages
        t, ts = self.app.t, self.app.ts
        if len(self.marks) != len(stages.names):
            self.clear_widgets()
            self.marks, self.names = [], []
            for _ in stages.names:
                cell = BoxLayout(orientation="vertical")
                # fresh textures: a mark turning into a tick keeps its size, and refilling the texture the
                # last frame drew from made llvmpipe wait for that frame (up to 3.8 s a tap; see widgets.text)
                mark = KLabel(font_name=icons.FAMILY, align="center", font_px=ts.body * 1.15, pair="primary_button",
                              size_hint_y=None, height=ts.body * 1.8, wrap=False, fresh_texture=True)
                name = KLabel(align="center", font_px=ts.small, wrap=False, size_hint_y=None, height=ts.small * 1.5,
                              fresh_texture=True)  # the current stage's name turns bold: same size, new pixels
                mark.bind(pos=self._draw)
                cell.add_widget(mark)
                cell.add_widget(name)
                self.add_widget(cell)
                self.marks.append(mark)
                self.names.append(name)
        for i, (stage, mark, name) in enumerate(zip(stages.names, self.marks, self.names, strict=True)):
            done, now = i < stages.current, i == stages.current
            mark.text = icons.glyph("check_circle" if done else icons.STAGE_ICONS[stage])
            mark.pair = "primary_button" if done or now else "secondary_button"
            name.text = t(f"stage.{stage}")
            name.kid = f"shell.stage.{stage}"
            name.pair = "body" if now else "body_soft"
            name.bold = now
        self._draw()

    def _draw(self, *_a) -> None:
        self.canvas.before.clear()
        if self.shown is None or not self.marks:
            return
        ts = self.app.ts
        radius = ts.body * 0.85
        with self.canvas.before:
            Color(*rgba("card"))
            Rectangle(pos=self.pos, size=self.size)
            centres = [(m.center_x, m.center_y) for m in self.marks]
            # the line between marks: done part in the primary colour, the rest in grey
            for i in range(len(centres) - 1):
                (x0, y0), (x1, _y1) = centres[i], centres[i + 1]
                Color(*rgba("primary" if i < self.shown.current else "disabled"))
                Line(points=[x0 + radius, y0, x1 - radius, y0], width=max(1.5, ts.gap * 0.12))
            for i, (x, y) in enumerate(centres):
                done_or_now = i <= self.shown.current
                Color(*rgba("primary" if done_or_now else "secondary"))
                Ellipse(pos=(x - radius, y - radius), size=(radius * 2, radius * 2))
            Color(*rgba("secondary"))
            Rectangle(pos=self.pos, size=(self.width, max(1, ts.gap * 0.08)))

