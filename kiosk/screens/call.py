"""Video help: the consent screen before any camera turns on, the callback number screen, and the
controller that runs a call through kioskd's ``/v1/call`` while the citizen carries on with the step.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout

from common.masking import mask_phone
from local_api.schemas import CallStart, CallView, SessionSnapshot

from ..client import CallError, KioskdError
from ..videocall import LIVE_STATES, consent_changes, encode_screen, panel_mode, phone_error
from ..viewmodels import KeypadBuffer
from ..widgets.base import KButton, KLabel, Panel
from ..widgets.call_panel import CallPanel, Highlight, fit_row
from ..widgets.keypad import Keypad
from ..widgets.preview import decode_jpeg
from .base import KScreen

log = logging.getLogger(__name__)

CALL_SCREENS = ("call_consent", "call_callback")
FRAME_INTERVAL_S = 0.1  # the helper's video, ~10 frames a second
STATUS_INTERVAL_S = 2.0  # a poll besides the pushes, in case one is lost
SCREEN_INTERVAL_S = 0.2  # the shared screen: at most 5 frames a second while the UI is drawing...
SCREEN_KEEPALIVE_S = 0.3  # ...and a redraw asked this often, so a still screen still sends ~3 a second
OVER_CLOSE_S = 6.0
UNANSWERED_CLOSE_S = 90.0  # the offers do not wait for ever: the citizen may have walked away
TICKET_ITEM = "queue_ticket"


class CallConsentScreen(KScreen):
    """What the call sends, chosen before any camera turns on; agree or cancel."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choice = {"screen": False, "document": False}

    def show(self, snapshot: SessionSnapshot | None = None) -> None:
        t = self.app.t
        self.title.text = t("call.consent_title")
        self.prompt.text = t("call.consent_prompt")
        self.choice = {"screen": False, "document": False}
        self._render()
        # Whether the site records calls is asked now, so the citizen knows before agreeing to one.
        backend = self.app.backend
        backend.call(backend.client.call_policy, on_done=self._policy_known, on_error=lambda _e: None)
        self.set_actions([
            (t("call.cancel"), "call_consent.cancel", "secondary_button", self.app.call.consent_declined),
            (t("call.agree"), "call_consent.agree", "good_button", self._agree),
        ])

    def _policy_known(self, recording: bool | None) -> None:
        if recording is None or self.manager is None or self.manager.current != self.name:
            return
        if recording != self.app.call.recording_known:
            self.app.call.recording_known = recording
            self._render()

    def _agree(self) -> None:
        self.app.call.consent_given(**self.choice)

    def leave(self) -> None:
        if self.app.call.phase == "consent":  # left without an answer (idle, session over)
            self.app.call.phase = "idle"

    def _flip(self, what: str) -> None:
        self.choice[what] = not self.choice[what]
        self._render()

    def _render(self) -> None:
        t, ts = self.app.t, self.app.ts
        self.body.clear_widgets()
        rows = [("face", None), ("screen", self.choice["screen"]), ("document", self.choice["document"])]
        for what, chosen in rows:
            panel = Panel()
            text = BoxLayout(orientation="vertical", size_hint=(0.62, None), spacing=ts.gap * 0.2)
            text.add_widget(KLabel(text=t(f"call.{what}"), pair="card", bold=True, kid=f"call_consent.{what}_label"))
            text.add_widget(KLabel(text=t(f"call.{what}_note"), pair="card_soft", font_px=ts.small))
            text.bind(minimum_height=text.setter("height"))
            if chosen is None:
                button = KButton(text=t("call.required"), kid=f"call_consent.{what}", pair="disabled_button",
                                 size_hint_x=0.38)
            else:
                button = KButton(text=t("call.share_yes") if chosen else t("call.share_no"),
                                 kid=f"call_consent.{what}", pair="good_button" if chosen else "secondary_button",
                                 size_hint_x=0.38)
                button.bind(on_release=lambda _b, w=what: self._flip(w))
            row = BoxLayout(size_hint_y=None, spacing=ts.gap * 0.6)
            row.add_widget(text)
            row.add_widget(button)
            panel.add_widget(fit_row(row, ts.button_h))
            self.body.add_widget(panel)
        recording = self.app.call.recording_known
        if recording is True:
            self.body.add_widget(KLabel(text=t("call.recorded"), pair="notice_error", bold=True,
                                        font_px=ts.heading, kid="call_consent.recording"))
        elif recording is False:
            self.body.add_widget(KLabel(text=t("call.not_recorded"), pair="body_soft", kid="call_consent.recording"))
        self.body.add_widget(KLabel(text=t("call.camera_after"), pair="body_soft", kid="call_consent.camera_after"))


class CallbackScreen(KScreen):
    """The citizen's mobile number for a call back, typed on the digit keypad and checked here."""

    AUTO_BACK_S = 8.0
    IDLE_S = 60.0  # nothing typed for this long: the number is wiped (the citizen may have left)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.buffer = KeypadBuffer(keypad="digits", max_len=11)
        self.keypad_box = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        self.extra.append(self.keypad_box)
        self._relayout()
        self.keypad: Keypad | None = None
        self._timer = None
        self.sent = False

    def show(self, snapshot: SessionSnapshot | None = None) -> None:
        t = self.app.t
        self.title.text = t("call.callback_title")
        self.prompt.text = t("call.callback_prompt")
        self.buffer.text = ""
        self.sent = False
        self.error_text = ""
        if self.keypad is None:
            self.keypad = Keypad(mode="digits")
            self.keypad.bind(on_key=lambda _k, key: self.key(key))
        if self.keypad.parent is None:
            self.keypad_box.add_widget(self.keypad)
        self.keypad_box.height = self.keypad.height
        self._render()
        self._arm(self.IDLE_S, self.abandon)
        self.set_actions([
            (t("call.callback_back"), "call_callback.back", "secondary_button", self.back),
            (t("call.callback_send"), "call_callback.send", "good_button", self.submit),
        ])

    def _render(self) -> None:
        ts = self.app.ts
        self.body.clear_widgets()
        panel = Panel()
        panel.add_widget(KLabel(text=self.buffer.text + "▏", pair="card", bold=True, font_px=ts.title,
                                align="center", kid="call_callback.number"))
        self.body.add_widget(panel)
        if self.error_text:
            self.body.add_widget(KLabel(text=self.error_text, pair="notice_error", bold=True,
                                        kid="call_callback.error"))

    def _arm(self, seconds: float, then) -> None:
        self.leave()
        self._timer = Clock.schedule_once(lambda dt: then(), seconds)

    def abandon(self) -> None:
        """Nobody typed for a while: wipe the number and put the offers away."""
        self.done()

    def _wipe(self) -> None:
        """Nothing of the number stays on a screen nobody looks at."""
        self.leave()
        self.buffer.text = ""
        self.error_text = ""
        if not self.sent:
            self._render()

    def key(self, key: str) -> None:
        if self.sent:
            return
        self._arm(self.IDLE_S, self.abandon)
        if key == "OK":
            self.submit()
            return
        self.buffer.press(key)
        self.error_text = ""
        self._render()

    def submit(self) -> None:
        t = self.app.t
        phone = self.buffer.text
        self._arm(self.IDLE_S, self.abandon)
        problem = phone_error(phone)
        if problem is not None:
            self.error_text = t(problem, n=len(phone))
            self._render()
            return
        self.app.call.request_callback(phone)

    def sent_ok(self, phone: str) -> None:
        """kioskd took the number: say so (masked), then go back by itself."""
        t = self.app.t
        self.sent = True
        self.buffer.text = ""
        self.keypad_box.clear_widgets()
        self.keypad_box.height = 0
        self.body.clear_widgets()
        panel = Panel(bg=list(self.app.colour("calm")))
        panel.add_widget(KLabel(text=t("call.callback_done", phone=mask_phone(phone)), pair="calm", bold=True,
                                font_px=self.app.ts.heading, kid="call_callback.done"))
        self.body.add_widget(panel)
        self.set_actions([(t("call.ended_ok"), "call_callback.ok", "good_button", self.done)])
        self._arm(self.AUTO_BACK_S, self.done)

    def failed(self, message: str) -> None:
        self.error_text = message
        self._render()

    def back(self) -> None:
        """Back to the step, the other offers (a queue ticket) still there."""
        if self.app.current == self.name:
            self._wipe()
            self.app.reshow()
            self.app.call.refresh()

    def done(self) -> None:
        if self.app.current == self.name:
            self._wipe()
            self.app.call.dismiss()
            self.app.reshow()

    def leave(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def clear(self) -> None:
        super().clear()
        self.leave()
        self.buffer.text = ""
        self.error_text = ""
        self.keypad_box.clear_widgets()
        self.keypad_box.height = 0


def call_screens() -> dict[str, KScreen]:
    """The video-help screens, to add to the app's screen manager."""
    return {"call_consent": CallConsentScreen(name="call_consent"),
            "call_callback": CallbackScreen(name="call_callback")}


class CallController:
    """Runs one video call at a time: consent, ringing, the live panel, the end, the callback.

    Phases: ``idle`` → ``consent`` → ``starting`` → ``live`` → ``over`` → ``idle``, or
    ``unanswered`` after a ring nobody took. Views from kioskd (answers, pushes, polls) only count
    while a call of this UI is running, so a late push cannot bring back a call already hung up.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.phase = "idle"
        self.view: CallView | None = None
        self.expanded = True
        self.recording_known: bool | None = None  # the site's policy, once a call has told it
        self.over_message = ""
        self.asked_helper = False
        self.panel: CallPanel | None = None
        self.highlight: Highlight | None = None
        self._frames = ThreadPoolExecutor(max_workers=1, thread_name_prefix="call-frames")
        self._screens = ThreadPoolExecutor(max_workers=1, thread_name_prefix="call-screen")
        self._frame_poll = None
        self._status_poll = None
        self._frame_in_flight = False
        self._screen_in_flight = False
        self._screen_keepalive = None
        self._sharing = False
        self._last_screen = 0.0
        self._close_timer = None
        self.screens_sent = 0

    # -- state ------------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """A call is ringing or up (the footer offers to show it rather than to start one)."""
        return self.phase in ("starting", "live")

    @property
    def mode(self) -> str:
        if self.phase == "over":
            return "over"
        if self.phase == "starting" and self.view is None:
            return "ringing"
        return panel_mode(self.view) if self.phase in ("starting", "live", "unanswered") else "hidden"

    def footer_button(self, snapshot: SessionSnapshot) -> tuple | None:
        """The footer's helper button for this snapshot: show the call, or start video help."""
        t = self.app.t
        if self.app.current in CALL_SCREENS:
            return None
        if self.active:
            return (t("call.footer_in_call"), "shell.helper", "good_button", self.expand)
        if snapshot.helper_requested and "cancel_helper" in snapshot.step.accepts and self.phase == "idle":
            return (t("common.helper_called"), "shell.helper", "good_button", self.app.cancel_helper)
        if "call_helper" in snapshot.step.accepts:
            return (t("common.call_helper"), "shell.helper", "key", self.begin)
        return None

    # -- starting -----------------------------------------------------------------------------------
    def begin(self) -> None:
        """视频帮助: record the request in the session, then ask what may be sent."""
        if self.active:
            self.expand()
            return
        if self.phase in ("over", "unanswered"):
            self.dismiss()
        snap = self.app.snapshot
        self.asked_helper = False
        if snap is not None and "call_helper" in snap.step.accepts and not snap.helper_requested:
            self._tell_session("call_helper")
        self.phase = "consent"
        self.app.show_screen("call_consent")

    def consent_declined(self) -> None:
        """No call, no camera: back to where the citizen was."""
        self.phase = "idle"
        self._tell_session("cancel_helper")
        self.app.reshow()

    def consent_given(self, screen: bool = False, document: bool = False) -> None:
        consent = CallStart(camera=True, screen=screen, document=document)
        self.phase = "starting"
        self.view = None
        self.expanded = True
        self.over_message = ""
        self.app.reshow()
        self._render()
        self.app.backend.call(self.app.backend.client.start_call, consent, on_done=self.apply,
                              on_error=self._start_failed)
        self._start_status_poll()

    def _start_failed(self, error: KioskdError) -> None:
        if self.phase != "starting":
            return
        code = error.code if isinstance(error, CallError) else "failed"
        log.warning("video call did not start: %s", error)
        if code == "busy":  # one is up already (a UI restart): show it
            self.app.backend.call(self.app.backend.client.current_call, on_done=self._resumed,
                                  on_error=lambda e: self.finish(self._words("failed")))
            return
        self.finish(self._words(code if code in ("hub_unreachable", "no_camera") else "failed"))

    def resume(self) -> None:
        """After a UI restart: show a call kioskd still has up."""
        self.app.backend.call(self.app.backend.client.current_call, on_done=self._resumed, on_error=lambda e: None)

    def _resumed(self, view: CallView | None) -> None:
        if view is not None:
            self.recording_known = view.recording  # the site's policy, for the next consent screen
        if view is not None and view.state in LIVE_STATES and self.phase in ("idle", "starting"):
            self.phase = "starting"
            self._start_status_poll()
            self.apply(view)
        elif self.phase == "starting":
            self.finish(self._words("failed"))

    def _words(self, key: str) -> str:
        return self.app.t(f"call.{key}", window=self.app.settings.window_number)

    # -- kioskd's view of the call ----------------------------------------------------------------
    def apply(self, view: CallView | None) -> None:
        """A view from kioskd (an answer, a push or a poll)."""
        if self.phase not in ("starting", "live"):
            return
        if view is None:  # kioskd has no call any more
            self.finish("")
            return
        old = self.view
        self.view = view
        if view.state in LIVE_STATES:
            self.recording_known = view.recording
        mode = panel_mode(view)
        if mode == "over":
            self.finish(view.message or "")
            return
        if mode == "unanswered":
            self.phase = "unanswered"
            self._stop_media()
            self._tell_session("cancel_helper")
            self._render()
            self.app._fill_footer()
            self._close_timer = Clock.schedule_once(lambda dt: self._unanswered_timeout(), UNANSWERED_CLOSE_S)
            return
        became_live = self.phase != "live"
        self.phase = "live"
        target = view.highlight if view.state == "connected" else None
        if self.highlight is not None and (old is None or old.highlight != view.highlight):
            self.highlight.point(target)  # first: the panel says where to look when nothing is outlined
        self._render()
        if became_live:
            self.app._fill_footer()
        self._share(view.state in ("connected", "reconnecting") and view.sending.screen)
        self._poll_frames(mode == "live" and self.expanded)

    def on_push(self, view: CallView) -> None:
        # kioskd pushes on every helper message: the same view again means the same highlight pressed again.
        again = self.phase == "live" and view == self.view and view.highlight and view.state == "connected"
        self.apply(view)
        if again and self.highlight is not None:
            self.highlight.point(view.highlight)

    # -- the citizen's controls ------------------------------------------------------------------------
    def expand(self) -> None:
        self.expanded = True
        self._render()
        self._poll_frames(self.mode == "live")

    def shrink(self) -> None:
        self.expanded = False
        self._render()
        self._poll_frames(False)

    def hang_up(self) -> None:
        if self.phase not in ("starting", "live"):
            return
        self.app.backend.call(self.app.backend.client.end_call, on_error=lambda e: None)
        self.finish("")

    def toggle_screen(self) -> None:
        if self.view is None or self.phase != "live":
            return
        body = consent_changes(self.view.sending.model_dump(), not self.view.sending.screen)
        self.app.backend.call(self.app.backend.client.set_call_consent, CallStart(**body), on_done=self.apply,
                              on_error=lambda e: log.warning("screen sharing not changed: %s", e))

    def answer_assist(self, accept: bool) -> None:
        """The citizen's answer to the helper asking to fill in, or taking the control back."""
        if self.view is None or self.phase != "live":
            return
        self.app.backend.call(self.app.backend.client.answer_call_assist, accept, on_done=self.apply,
                              on_error=lambda e: log.warning("assist answer not taken: %s", e))

    def open_callback(self) -> None:
        self.app.show_screen("call_callback")
        self._render()

    def refresh(self) -> None:
        self._render()

    def request_callback(self, phone: str) -> None:
        screen = self.app.screens["call_callback"]

        def failed(error: KioskdError) -> None:
            log.warning("callback not taken: %s", error)
            screen.failed(self._words("callback_failed"))

        self.app.backend.call(self.app.backend.client.request_callback, phone,
                              on_done=lambda _r: screen.sent_ok(phone), on_error=failed)

    def _unanswered_timeout(self) -> None:
        self._close_timer = None
        if self.app.current == "call_callback":  # still typing: the callback screen has its own clock
            self._close_timer = Clock.schedule_once(lambda dt: self._unanswered_timeout(), UNANSWERED_CLOSE_S)
        else:
            self.dismiss()

    def take_ticket(self) -> None:
        """A queue ticket for the assisted-service window: the self-service session ends here."""
        if not any(i.code == TICKET_ITEM for i in self.app.items):
            self.finish(self._words("ticket_unavailable"))
            return
        self.dismiss()
        if self.app.snapshot is not None:
            self.app.leave_session()
        self.app.start_item(TICKET_ITEM)

    def dismiss(self) -> None:
        """Put the panel away (after the end, or when no callback is wanted)."""
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        if self.phase in ("over", "unanswered"):
            self.phase = "idle"
            self.view = None
            self._render()
            self.app._fill_footer()

    # -- the end ---------------------------------------------------------------------------------------
    def finish(self, message: str) -> None:
        """The call is over (either side, or a failure): a calm word, and the session told."""
        if self.phase in ("idle", "over"):
            return
        self.phase = "over"
        self.over_message = message
        self._stop_media()
        if self._status_poll is not None:
            self._status_poll.cancel()
            self._status_poll = None
        self._tell_session("cancel_helper")
        self._render()
        self.app._fill_footer()
        if self._close_timer is not None:
            self._close_timer.cancel()
        self._close_timer = Clock.schedule_once(lambda dt: self.dismiss(), OVER_CLOSE_S)

    def _stop_media(self) -> None:
        self._poll_frames(False)
        self._share(False)
        if self.highlight is not None:
            self.highlight.stop()

    def _tell_session(self, event: str, tries: int = 20) -> None:
        """Send ``call_helper``/``cancel_helper`` once the app is free (a tap may be on its way)."""
        snap = self.app.snapshot
        if snap is None:
            return
        if event == "cancel_helper" and not (snap.helper_requested or self.asked_helper):
            return
        if self.app.busy:
            if tries > 0:
                Clock.schedule_once(lambda dt: self._tell_session(event, tries - 1), 0.25)
            return
        if event in snap.step.accepts:
            self.asked_helper = event == "call_helper"
            self.app.send(event)

    # -- the panel --------------------------------------------------------------------------------------
    def dock(self) -> None:
        """(Re)build the panel under the header, e.g. after elder mode rebuilt the shell."""
        if self.panel is not None:
            self.panel.close()
            if self.panel.parent is not None:
                self.panel.parent.remove_widget(self.panel)
        self.panel = CallPanel({
            "hang_up": self.hang_up, "shrink": self.shrink, "expand": self.expand,
            "toggle_screen": self.toggle_screen, "callback": self.open_callback, "ticket": self.take_ticket,
            "assist_yes": lambda: self.answer_assist(True), "assist_no": lambda: self.answer_assist(False),
            "dismiss": self.dismiss,
        })
        if self.highlight is None:
            self.highlight = Highlight(lambda: self.app.sm, animate=self.app.animations)
            Window.add_widget(self.highlight)
        self._render()

    def _render(self) -> None:
        panel = self.panel
        if panel is None:
            return
        mode = self.mode
        box = self.app.root_box
        # The consent and callback screens are the citizen's answer to the panel: it steps aside.
        if mode == "hidden" or self.app.current in CALL_SCREENS:
            if panel.parent is not None:
                panel.parent.remove_widget(panel)
            panel.close()
            return
        look = ""
        view = self.view
        if mode == "live" and view is not None and view.highlight in ("card_reader", "printer", "camera") \
                and self.highlight is not None and self.highlight.widget is None:
            look = self.app.t(f"call.look_{view.highlight}")
        note = self.app.t("call.ticket_ends_session") if self.app.snapshot is not None else ""
        panel.render(view, mode, self.expanded, look=look, message=self.over_message, ticket_note=note)
        if panel.parent is None:
            box.add_widget(panel, index=len(box.children) - 1)  # right under the header

    # -- media: the helper's video, the shared screen, a status poll ------------------------------
    def _start_status_poll(self) -> None:
        if self._status_poll is None:
            self._status_poll = Clock.schedule_interval(lambda dt: self._poll_status(), STATUS_INTERVAL_S)

    def _poll_status(self) -> None:
        if self.phase not in ("starting", "live"):
            if self._status_poll is not None:
                self._status_poll.cancel()
                self._status_poll = None
            return
        if self.phase == "starting" and self.view is None:
            return  # the start request is still on its way
        self.app.backend.call(self.app.backend.client.current_call, on_done=self.apply, on_error=lambda e: None,
                              side=True)

    def _poll_frames(self, on: bool) -> None:
        if on and self._frame_poll is None:
            self._frame_poll = Clock.schedule_interval(lambda dt: self._fetch_frame(), FRAME_INTERVAL_S)
            self._fetch_frame()
        elif not on and self._frame_poll is not None:
            self._frame_poll.cancel()
            self._frame_poll = None

    def _fetch_frame(self) -> None:
        if self._frame_in_flight:
            return
        self._frame_in_flight = True
        client = self.app.backend.client

        def grab() -> None:
            try:
                data = client.call_remote_frame()
                frame = decode_jpeg(data) if data else None
            except KioskdError:
                frame = None
            except Exception:  # a bug must not stop the poll for good
                log.exception("the helper's frame could not be fetched")
                frame = None
            Clock.schedule_once(lambda dt: self._frame(frame), 0)

        self._frames.submit(grab)

    def _frame(self, frame) -> None:
        self._frame_in_flight = False
        if frame is None or self._frame_poll is None or self.panel is None:
            return
        if self.panel.get_root_window() is not None:
            self.panel.show_frame(*frame)

    def _share(self, on: bool) -> None:
        if on == self._sharing:
            return
        self._sharing = on
        if on:
            Window.bind(on_flip=self._on_flip)
            # Kivy draws only on change; a slow tick keeps a still screen flowing to the helper.
            self._screen_keepalive = Clock.schedule_interval(lambda dt: Window.canvas.ask_update(),
                                                             SCREEN_KEEPALIVE_S)
            Window.canvas.ask_update()
        else:
            Window.unbind(on_flip=self._on_flip)
            if self._screen_keepalive is not None:
                self._screen_keepalive.cancel()
                self._screen_keepalive = None

    def _on_flip(self, *_a) -> None:
        # Bound handlers run before the buffer swap, so the frame just drawn is still readable.
        now = time.monotonic()
        if self._screen_in_flight or now - self._last_screen < SCREEN_INTERVAL_S:
            return
        if self.app.current in ("pin", "maintenance"):
            return  # the technician's screens are not the citizen's to share
        from kivy.graphics.opengl import GL_PACK_ALIGNMENT, GL_RGB, GL_UNSIGNED_BYTE, glPixelStorei, glReadPixels

        self._last_screen = now
        self._screen_in_flight = True
        width, height = Window.size
        glPixelStorei(GL_PACK_ALIGNMENT, 1)  # rows of an odd width are not padded
        # RGB, not RGBA: on Mesa's llvmpipe the RGBA read-back of 1080x1920 is ~8x slower.
        pixels = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
        client = self.app.backend.client

        def send() -> None:
            stop = False
            try:
                client.send_call_screen(encode_screen(pixels, width, height))
            except CallError as exc:
                stop = exc.code in ("not_sharing", "no_call")
            except KioskdError:
                pass
            except Exception:
                log.exception("the shared screen frame could not be sent")
            Clock.schedule_once(lambda dt: self._screen_sent(stop), 0)

        self._screens.submit(send)

    def _screen_sent(self, stop: bool) -> None:
        self._screen_in_flight = False
        self.screens_sent += 1
        if stop:
            self._share(False)

    def reset(self) -> None:
        """Forget any call at once, without telling kioskd (a fresh start, between tests)."""
        self._stop_media()
        for timer in (self._status_poll, self._close_timer):
            if timer is not None:
                timer.cancel()
        self._status_poll = self._close_timer = None
        self.phase, self.view, self.expanded, self.over_message = "idle", None, True, ""
        self.recording_known = None
        self.asked_helper = False
        self._render()
        self.app._fill_footer()

    def close(self) -> None:
        self._stop_media()
        self._frames.shutdown(wait=False, cancel_futures=True)
        self._screens.shutdown(wait=False, cancel_futures=True)
