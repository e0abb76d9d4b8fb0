"""The face check (人证核验): its own consent, the live view with the oval and the action asked for, the
outcome with the alternative (a queue ticket for a window, or a helper by video)."""

from __future__ import annotations

from kivy.clock import Clock

from local_api.schemas import FaceLiveView, SessionSnapshot, VerifyFaceStepView

from ..widgets.base import KLabel, Panel
from ..widgets.face_view import FaceView, decode_mirrored
from .base import KScreen
from .steps import BULLET

LIVE_INTERVAL_S = 0.2
ACTIONS = ("blink", "turn_left", "turn_right")


class FaceScreen(KScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        ts = self.app.ts
        self.view = FaceView(size_hint_y=None, height=ts.face * 2.8)
        self.hint = KLabel(align="center", bold=True, font_px=ts.title, kid="verify_face.hint", fresh_texture=True)
        self.progress = KLabel(align="center", kid="verify_face.progress", fresh_texture=True)
        self._poll = None
        self._in_flight = False

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None and isinstance(snapshot.step, VerifyFaceStepView)
        step = snapshot.step
        self.body.clear_widgets()
        if step.data.state == "consent":
            self._consent(snapshot)
        elif step.data.state == "checking":
            self._checking(snapshot)
        else:
            self._outcome(snapshot)

    # -- the three faces of the step ---------------------------------------------------------------
    def _consent(self, snapshot: SessionSnapshot) -> None:
        t = self.app.t
        data = snapshot.step.data
        self.leave()
        panel = Panel(kid="verify_face.notice")
        lines = [(t("face.purpose", purpose=data.purpose), True), (BULLET + t("face.kept"), False),
                 (BULLET + t("face.not_kept"), False), (BULLET + t(f"face.other_{data.alternative}"), False)]
        for n, (text, bold) in enumerate(lines):
            panel.add_widget(KLabel(text=text, pair="card", bold=bold, kid=f"verify_face.notice.{n}"))
        self.body.add_widget(panel)
        buttons = []
        if self.accepts(snapshot, "back"):
            buttons.append(self.event_button(t("common.back"), "back", "secondary_button"))
        buttons.append((t("face.decline"), "verify_face.decline", "secondary_button",
                        lambda: self.app.send("consent", {"accepted": False})))
        buttons.append((t("face.agree"), "verify_face.agree", "primary_button",
                        lambda: self.app.send("consent", {"accepted": True})))
        self.set_actions(buttons)

    def _checking(self, snapshot: SessionSnapshot) -> None:
        t = self.app.t
        data = snapshot.step.data
        self.prompt.text = t("face.attempt", n=data.attempt, total=data.attempts)
        self.view.hint = ""
        self.hint.text = t("face.hint_waiting")
        self.progress.text = ""
        self.body.add_widget(self.view)
        self.body.add_widget(self.hint)
        self.body.add_widget(self.progress)
        buttons = []
        if self.accepts(snapshot, "back"):
            buttons.append(self.event_button(t("common.back"), "back", "secondary_button"))
        self.set_actions(buttons)
        if self._poll is None:
            self._poll = Clock.schedule_interval(lambda dt: self.fetch(), LIVE_INTERVAL_S)
            self.fetch()

    def _outcome(self, snapshot: SessionSnapshot) -> None:
        t = self.app.t
        data = snapshot.step.data
        self.leave()
        self.notice.text = ""  # kioskd's words go into the calm card below, not twice
        panel = Panel(bg=list(self.app.colour("calm")), kid="verify_face.outcome")
        panel.add_widget(KLabel(text=t(f"face.state_{data.state}"), pair="calm", bold=True,
                                font_px=self.app.ts.heading, kid="verify_face.outcome.title"))
        if snapshot.notice is not None:
            panel.add_widget(KLabel(text=snapshot.notice.message, pair="calm", kid="verify_face.outcome.message"))
        self.body.add_widget(panel)
        buttons = []
        for option in snapshot.step.options:
            label = self.option_label(snapshot, option.value, option.label)
            pair = "primary_button" if option.value == "retry" or len(snapshot.step.options) == 1 else \
                "secondary_button"
            buttons.append((label, f"verify_face.option.{option.value}", pair,
                            lambda v=option.value, video=data.alternative == "video": self._choose(v, video)))
        self.set_actions(buttons)

    def _choose(self, value: str, video: bool) -> None:
        self.app.send("choose", {"option": value})
        if value == "alternative" and video:
            self.app.open_help()  # the helper checks the citizen by video: the call's own consent comes first

    # -- the live view -----------------------------------------------------------------------------
    def fetch(self) -> None:
        """Ask kioskd for the attempt's hint and frame unless the last ask is still on its way."""
        if self._in_flight:
            return
        self._in_flight = True
        client = self.app.backend.client

        def grab():
            data = client.face_preview()
            return (decode_mirrored(data) if data else None), client.face_live()

        self.app.backend.call(grab, on_done=self._live, on_error=lambda e: self._live((None, None)), side=True)

    def _live(self, result) -> None:
        self._in_flight = False
        frame, live = result
        if self.manager is None or self.manager.current != self.name or self._poll is None:
            return
        if frame is not None:
            self.view.set_frame(*frame)
        if isinstance(live, FaceLiveView) and live.active:
            self.show_live(live)

    def show_live(self, live: FaceLiveView) -> None:
        """The hint in words and drawn, and the actions done so far (✓) and still to do."""
        t = self.app.t
        self.view.hint = live.hint
        self.hint.text = t(f"face.hint_{live.hint}") if live.hint else t("face.hint_waiting")
        marks = [("✓ " if action in live.done else "") + t(f"face.action_{action}") for action in live.order]
        self.progress.text = "  →  ".join(marks)

    def leave(self) -> None:
        """Stop asking for frames and drop the last one: nothing of the face stays once the attempt is over."""
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        self.view.clear()

    def clear(self) -> None:
        super().clear()
        self.leave()
        self.view.clear()
        self.hint.text = ""
        self.progress.text = ""
