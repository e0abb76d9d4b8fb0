"""The rating step (好差评): five large faces; a bad rating asks why."""

from __future__ import annotations

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from local_api.schemas import RateData, RateStepView, SessionSnapshot

from ..widgets.art import Face
from ..widgets.base import KButton, KLabel
from .base import KScreen

REASONS = ("wait", "hard", "device", "other")


class FaceButton(ButtonBehavior, BoxLayout):
    """A face with its words underneath; one large target."""

    def __init__(self, level: int, text: str, size: float, **kwargs) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        self.kid = f"rate.level{level}"
        self.level = level
        self.add_widget(Face(level=level, size_hint_y=None, height=size))
        label = KLabel(text=text, align="center", bold=True)
        self.add_widget(label)
        self.height = size + label.height
        label.bind(height=lambda _w, h: setattr(self, "height", size + h))


class RateScreen(KScreen):
    rating: RateData = RateData()

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t, ts = self.app.t, self.app.ts
        assert isinstance(snapshot.step, RateStepView)
        self.rating = snapshot.step.data
        self.title.text = self.step_text(snapshot, "title")
        self.prompt.text = t("rate.question")
        self.body.clear_widgets()
        # Landscape: the five faces in one row (a portrait grid stretched across 1920 px cut them off).
        grid = GridLayout(cols=5 if self.landscape else 3 if not ts.elder else 2, spacing=ts.gap, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for level in (5, 4, 3, 2, 1):
            face = FaceButton(level, t(f"rate.level{level}"), ts.face)
            face.bind(on_release=lambda b: self.pick(b.level))
            grid.add_widget(face)
        self.body.add_widget(grid)
        buttons = []
        if "next" in snapshot.step.accepts:
            buttons.append(self.event_button(t("rate.skip"), "next", "secondary_button"))
        self.set_actions(buttons)

    def pick(self, level: int) -> None:
        self.app.poke()
        needs = level in self.rating.reason_required_levels
        if not needs:
            self.app.send("rate", {"level": level, "reason": ""})
            return
        t = self.app.t
        self.prompt.text = t("rate.reason_question")
        self.body.clear_widgets()
        reasons = ([(f"r{i}", r) for i, r in enumerate(self.rating.bad_reasons)]
                   or [(r, t(f"rate.reason_{r}")) for r in REASONS])
        for key, text in reasons:
            button = KButton(text=text, kid=f"rate.reason.{key}", pair="primary_button")
            button.bind(on_release=lambda _b, r=text: self.app.send("rate", {"level": level, "reason": r}))
            self.body.add_widget(button)
