"""The sign step: the document (委托书, 告知承诺书) to read, a pad to sign on, 重写 and 确认签名."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout

from local_api.schemas import SessionSnapshot, SignStepView

from ..widgets.base import KLabel, Panel
from ..widgets.signature_pad import SignaturePad
from .base import KScreen


class SignScreen(KScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        ts = self.app.ts
        self.step_id = ""
        self.caption = KLabel(kid="sign.caption", bold=True)
        self.pad = SignaturePad(size_hint_y=None, height=ts.button_h * 4)
        self.pad_box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.5)
        self.pad_box.add_widget(self.caption)
        self.pad_box.add_widget(self.pad)

        def fit(*_a) -> None:
            self.pad_box.height = self.caption.height + self.pad.height + self.pad_box.spacing

        self.caption.bind(height=fit)
        self.pad.bind(height=fit)
        fit()
        self.extra.append(self.pad_box)  # outside the scrolling body: a stroke must not scroll the page
        self._relayout()

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None and isinstance(snapshot.step, SignStepView)
        t, data = self.app.t, snapshot.step.data
        if snapshot.step.id != self.step_id or data.error:
            self.pad.clear_ink()  # a new document, or a refused signature: start on a clean pad
        self.step_id = snapshot.step.id
        self.body.clear_widgets()
        panel = Panel(kid="sign.document")
        panel.add_widget(KLabel(text=data.document, pair="card", bold=True, align="center", kid="sign.title",
                                font_px=self.app.ts.heading))
        panel.add_widget(KLabel(text=data.text, pair="card", kid="sign.text"))
        self.body.add_widget(panel)
        self.caption.text = t("sign.caption_again") if data.signed else t("sign.caption")
        buttons = []
        if self.accepts(snapshot, "back"):
            buttons.append(self.event_button(t("common.back"), "back", "secondary_button"))
        buttons.append((t("sign.redo"), "sign.redo", "secondary_button", self.pad.clear_ink))
        if self.accepts(snapshot, "sign"):
            buttons.append((t("sign.confirm"), "sign.confirm", "primary_button", self.confirm))
        self.set_actions(buttons)

    def confirm(self) -> None:
        self.app.send("sign", self.pad.payload())

    def clear(self) -> None:
        super().clear()
        self.pad.clear_ink()
        self.step_id = ""
