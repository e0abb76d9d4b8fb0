"""The capture step: the camera's live view, the detected page outlined, the auto-capture state."""

from __future__ import annotations

from kivy.clock import Clock

from local_api.schemas import SessionSnapshot

from ..viewmodels import capture_state, page_quad
from ..widgets.base import KLabel, Panel
from ..widgets.preview import CameraPreview, decode_jpeg
from .base import KScreen

PREVIEW_INTERVAL_S = 0.25


class CaptureScreen(KScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.preview = CameraPreview(size_hint_y=None, height=self.app.ts.face * 3.2)
        self.state = KLabel(align="center", bold=True, font_px=self.app.ts.heading, kid="capture.state",
                            fresh_texture=True)
        self.materials = Panel()
        self._poll = None
        self._in_flight = False

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t = self.app.t
        step = snapshot.step
        self.body.clear_widgets()
        # Where the page lies and what to do come from the camera's own state (``_frame``), polled below.
        self.preview.quad = []
        self.state.text = t("capture.empty")
        self.materials.clear_widgets()
        for material in step.materials:
            self.materials.add_widget(KLabel(
                text=f"{material.name}：{t('capture.pages', captured=material.captured, pages=material.pages)}",
                pair="card", kid=f"capture.material.{material.code}"))
        self.clear_guidance()
        self.add_guidance(self.preview, stretch=True)
        self.body.add_widget(self.state)
        self.body.add_widget(self.materials)
        buttons = []
        if "back" in step.accepts:
            buttons.append(self.event_button(t("common.back"), "back", "secondary_button"))
        captured = all(m.captured >= m.pages for m in step.materials if m.required)
        if "retake" in step.accepts and any(m.captured for m in step.materials):
            code = next((m.code for m in step.materials if m.captured), "")
            buttons.append(self.event_button(t("capture.retake"), "retake", "secondary_button", {"material": code}))
        elif "capture_page" in step.accepts and not captured:
            buttons.append(self.event_button(t("capture.take"), "capture_page", "secondary_button"))
        if "next" in step.accepts:
            buttons.append(self.event_button(t("common.next") if captured else t("capture.skip"), "next"))
        self.set_actions(buttons)
        if self._poll is None:
            self._poll = Clock.schedule_interval(lambda dt: self.fetch(), PREVIEW_INTERVAL_S)
            self.fetch()

    def fetch(self) -> None:
        """Ask for the next preview frame unless one is still on its way."""
        if self._in_flight:
            return
        self._in_flight = True
        client = self.app.backend.client

        def grab():
            data = client.camera_preview()
            return (decode_jpeg(data) if data else None), client.camera_state()

        self.app.backend.call(grab, on_done=self._frame, on_error=lambda e: self._frame((None, None)), side=True)

    def _frame(self, result) -> None:
        self._in_flight = False
        frame, state = result
        if self.manager is None or self.manager.current != self.name:
            return
        if frame is not None:
            self.preview.set_frame(*frame)
        if state:
            # The camera's own view is fresher than the step's snapshot.
            self.preview.quad = page_quad(state) or []
            self.state.text = self.app.t(f"capture.{capture_state(state)}")

    def leave(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None

    def clear(self) -> None:
        super().clear()
        self.leave()
        self.preview.clear()
        self.materials.clear_widgets()
        self.state.text = ""
