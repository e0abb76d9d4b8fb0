"""The video call's panel, docked under the header so the step below stays usable, and the
pulsing outline a helper puts on a widget of the step.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.widget import Widget

from local_api.schemas import CallView

from ..theme import rgba
from ..videocall import highlight_matches
from .art import CardReaderArt, OutletArrow, Spinner
from .base import KButton, KLabel, Panel
from .preview import CameraPreview

PULSE_S = 10.0  # how long a highlight pulses before it lets go


def fit_row(row: BoxLayout, min_h: float = 0) -> BoxLayout:
    """Make a horizontal box as tall as its tallest child (wrapped labels grow)."""
    def fit(*_a) -> None:
        row.height = max([min_h] + [c.height for c in row.children])

    for child in row.children:
        child.bind(height=fit)
    fit()
    return row


class SendingDot(Widget):
    """A red dot: something of the citizen is being sent (camera, screen)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(size_hint=(None, None), **kwargs)
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        d = min(self.width, self.height) * 0.7
        with self.canvas:
            Color(*rgba("#E53935"))
            Ellipse(pos=(self.center_x - d / 2, self.center_y - d / 2), size=(d, d))


class CallPanel(BoxLayout):
    """One face per call mode: ringing, live (expanded or shrunk), unanswered, over."""

    def __init__(self, actions: dict[str, Callable[[], None]], **kwargs) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        self.app = App.get_running_app()
        self.kid = "call.panel"
        self.actions = actions
        ts = self.app.ts
        self.padding = [ts.gap, ts.gap * 0.6]
        self.spacing = ts.gap * 0.5
        self.bind(minimum_height=self.setter("height"))
        with self.canvas.before:
            self._bg_colour = Color(*rgba("overlay"))
            self._bg = Rectangle()
        self.bind(pos=lambda w, p: setattr(self._bg, "pos", p), size=lambda w, s: setattr(self._bg, "size", s))
        self.video = CameraPreview(size_hint=(0.42, None), pos_hint={"top": 1})
        self.video.bind(width=lambda w, v: setattr(w, "height", v * 0.75))
        self.spinner: Spinner | None = None
        self.face = ""
        self.frames_shown = 0

    # -- building blocks -------------------------------------------------------------------------
    def _button(self, key: str, kid: str, pair: str, action: str, **kw) -> KButton:
        button = KButton(text=self.app.t(key), kid=kid, pair=pair, font_px=self.app.ts.small, **kw)
        button.bind(on_release=lambda *_: self.actions[action]())
        return button

    def _button_row(self, buttons: list[KButton]) -> BoxLayout:
        row = BoxLayout(size_hint_y=None, spacing=self.app.ts.gap * 0.5)
        for button in buttons:
            row.add_widget(button)
        return fit_row(row, self.app.ts.button_h)

    def _label(self, text: str, kid: str, size: str = "body", bold: bool = False, pair: str = "overlay") -> KLabel:
        return KLabel(text=text, kid=kid, pair=pair, bold=bold, font_px=getattr(self.app.ts, size))

    def _indicator(self, text: str, kid: str) -> BoxLayout:
        ts = self.app.ts
        row = BoxLayout(size_hint_y=None, spacing=ts.gap * 0.3)
        dot = SendingDot(size=(ts.small, ts.small))
        row.add_widget(dot)
        row.add_widget(self._label(text, kid, "small", bold=True))
        return fit_row(row, ts.small)

    def _stop_spinner(self) -> None:
        if self.spinner is not None:
            self.spinner.stop()
            self.spinner = None

    # -- the faces -----------------------------------------------------------------------------
    def render(self, view: CallView | None, mode: str, expanded: bool, *, look: str = "",
               message: str = "", ticket_note: str = "") -> None:
        """Show ``view`` in ``mode`` (see ``videocall.panel_mode``); rebuilt only when the face changes."""
        face = f"{mode}:{expanded}:{self.app.ts.elder}:{view.assist if view else ''}"
        if mode != "live":  # these faces are rebuilt when what they say changes (not on every poll)
            face += (f":{view.model_dump_json() if view else ''}:{message}:{ticket_note}")
        if face != self.face:
            self._stop_spinner()
            self.clear_widgets()
            self.face = face
            self._bg_colour.rgba = rgba("calm") if mode == "over" else rgba("overlay")
            build = {"ringing": self._ringing, "live": self._live if expanded else self._shrunk,
                     "unanswered": self._unanswered, "over": self._over}[mode]
            build(view, message=message, ticket_note=ticket_note)
        if mode == "live" and view is not None:
            self._update_live(view, expanded, look)

    def _ringing(self, view: CallView | None, **_kw) -> None:
        t, ts = self.app.t, self.app.ts
        self.spinner = Spinner(size_hint=(None, None), size=(ts.target, ts.target), animate=self.app.animations)
        connecting = view is not None and view.state == "connecting"
        # kioskd's own words win (e.g. nobody is on duty right now); ours until it has said any.
        words = (view.message if view is not None else None) or (t("call.connecting") if connecting
                                                                 else t("call.ringing"))
        status = self._label(words, "call.status", "heading", bold=True)
        column = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.3)
        column.add_widget(status)
        column.add_widget(self._label(t("call.waiting_hint"), "call.hint", "small"))
        if view is not None and view.sending.camera:  # kioskd has the camera open already
            column.add_widget(self._indicator(t("call.camera_on"), "call.camera_on"))
        if view is not None and view.recording and "录音" not in words:
            column.add_widget(self._label(t("call.recorded"), "call.recording", "small", bold=True))
        column.bind(minimum_height=column.setter("height"))
        row = BoxLayout(size_hint_y=None, spacing=ts.gap)
        row.add_widget(self.spinner)
        row.add_widget(column)
        self.add_widget(fit_row(row, ts.target))
        self.add_widget(self._button_row([self._button("call.cancel_call", "call.cancel", "notice_error",
                                                       "hang_up")]))
        self.spinner.start()

    def _live(self, view: CallView | None, **_kw) -> None:
        ts = self.app.ts
        self.helper = self._label("", "call.helper", "small", bold=True)
        self.sending = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.2)
        self.sending.bind(minimum_height=self.sending.setter("height"))
        self.text = self._label("", "call.text", "heading", bold=True)
        self.text.max_lines = 4
        self.reconnecting = Panel(bg=list(rgba("calm")))
        self.reconnecting.add_widget(KLabel(text=self.app.t("call.reconnecting"), pair="calm", bold=True,
                                            kid="call.reconnecting"))
        self.look = self._label("", "call.look", "small", bold=True)
        column = BoxLayout(orientation="vertical", size_hint=(0.58, None), spacing=ts.gap * 0.4)
        for widget in (self.helper, self.sending, self.text):
            column.add_widget(widget)
        column.bind(minimum_height=column.setter("height"))
        self.column = column
        if self.video.parent is not None:
            self.video.parent.remove_widget(self.video)
        self.video.size_hint = (0.42, None)
        row = BoxLayout(size_hint_y=None, spacing=ts.gap)
        row.add_widget(self.video)
        row.add_widget(column)
        self.add_widget(fit_row(row))
        self._assist_row(view)
        self.share = self._button("call.share_screen", "call.share", "primary_button", "toggle_screen")
        self.add_widget(self._button_row([
            self._button("call.shrink", "call.shrink", "secondary_button", "shrink"),
            self.share,
            self._button("call.hang_up", "call.hangup", "notice_error", "hang_up"),
        ]))

    def _shrunk(self, view: CallView | None, **_kw) -> None:
        ts = self.app.ts
        self.helper = self._label("", "call.helper", "small", bold=True)
        self.sending = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.2)
        self.sending.bind(minimum_height=self.sending.setter("height"))
        self.text = self._label("", "call.text", "small", bold=True)
        self.text.max_lines = 2
        self.reconnecting = Panel(bg=list(rgba("calm")))
        self.reconnecting.add_widget(KLabel(text=self.app.t("call.reconnecting"), pair="calm", bold=True,
                                            font_px=ts.small, kid="call.reconnecting"))
        self.look = self._label("", "call.look", "small", bold=True)
        column = BoxLayout(orientation="vertical", size_hint=(0.5, None), spacing=ts.gap * 0.2)
        for widget in (self.helper, self.sending, self.text):
            column.add_widget(widget)
        column.bind(minimum_height=column.setter("height"))
        self.column = column
        self.share = None
        row = BoxLayout(size_hint_y=None, spacing=ts.gap * 0.5)
        row.add_widget(column)
        for key, kid, pair, action in (("call.expand", "call.expand", "primary_button", "expand"),
                                       ("call.hang_up", "call.hangup", "notice_error", "hang_up")):
            button = self._button(key, kid, pair, action, size_hint_x=0.25)
            row.add_widget(button)
        self.add_widget(fit_row(row, ts.button_h))
        self._assist_row(view)

    def _assist_row(self, view: CallView | None) -> None:
        """帮办: the helper's request to fill in (同意 / 不同意), or 收回操作 while they do."""
        if view is None or view.assist == "off":
            return
        if view.assist == "asked":
            self.add_widget(self._label(self.app.t("call.assist_asked"), "call.assist_asked", "small", bold=True))
            self.add_widget(self._button_row([
                self._button("call.assist_no", "call.assist_no", "secondary_button", "assist_no"),
                self._button("call.assist_yes", "call.assist_yes", "primary_button", "assist_yes")]))
            return
        row = BoxLayout(size_hint_y=None, spacing=self.app.ts.gap * 0.5)
        row.add_widget(self._label(self.app.t("call.assist_on"), "call.assist_on", "small", bold=True))
        row.add_widget(self._button("call.assist_take_back", "call.assist_take_back", "primary_button", "assist_no",
                                    size_hint_x=0.4))
        self.add_widget(fit_row(row, self.app.ts.button_h))

    def _update_live(self, view: CallView, expanded: bool, look: str) -> None:
        t = self.app.t
        helper = t("call.helper", name=view.helper) if view.helper else t("call.helper_unknown")
        self.helper.text = helper if expanded or not view.text else f"{helper}："
        marks = [name for name, on in (("camera_on", view.sending.camera), ("screen_on", view.sending.screen),
                                       ("document_on", view.sending.document), ("recording_on", view.recording))
                 if on]
        if marks != getattr(self.sending, "marks", None):  # a poll every 2 s must not rebuild them
            self.sending.marks = marks
            self.sending.clear_widgets()
            for name in marks:
                self.sending.add_widget(self._indicator(t(f"call.{name}"), f"call.{name}"))
        self.text.text = view.text or ("" if expanded else t("call.in_call"))
        if self.share is not None:
            self.share.text = t("call.stop_share") if view.sending.screen else t("call.share_screen")
            self.share.pair = "secondary_button" if view.sending.screen else "primary_button"
        self._toggle(self.reconnecting, view.state == "reconnecting", index=len(self.children))
        self.look.text = look
        self._toggle(self.look, bool(look), index=1)

    def _toggle(self, widget: Widget, wanted: bool, index: int) -> None:
        if wanted and widget.parent is None:
            self.add_widget(widget, index=index)
        elif not wanted and widget.parent is not None:
            widget.parent.remove_widget(widget)

    def _unanswered(self, view: CallView | None, *, ticket_note: str = "", **_kw) -> None:
        t = self.app.t
        self.add_widget(self._label(t("call.unanswered"), "call.status", "heading", bold=True))
        self.add_widget(self._label(t("call.unanswered_hint"), "call.hint", "small"))
        if ticket_note:
            self.add_widget(self._label(ticket_note, "call.ticket_note", "small"))
        self.add_widget(self._button_row([
            self._button("call.callback", "call.callback", "good_button", "callback"),
            self._button("call.ticket", "call.ticket", "primary_button", "ticket"),
        ]))
        self.add_widget(self._button_row([self._button("call.close", "call.close", "secondary_button",
                                                       "dismiss")]))

    def _over(self, view: CallView | None, *, message: str = "", **_kw) -> None:
        t = self.app.t
        self.add_widget(self._label(t("call.ended"), "call.status", "heading", bold=True, pair="calm"))
        if message:
            self.add_widget(self._label(message, "call.message", "body", pair="calm"))
        self.add_widget(self._button_row([self._button("call.ended_ok", "call.close", "good_button", "dismiss")]))

    # -- media -------------------------------------------------------------------------------------
    def show_frame(self, rgb: bytes, width: int, height: int) -> None:
        self.video.set_frame(rgb, width, height)
        self.frames_shown += 1

    def close(self) -> None:
        self._stop_spinner()
        self.clear_widgets()
        self.video.clear()
        self.face = ""


def find_target(root: Widget, target: str) -> Widget | None:
    """The widget of the current screen a helper's highlight names (None when it is not shown)."""
    from .keypad import Keypad

    kinds: dict[str, tuple[type, ...]] = {"keypad": (Keypad,), "camera": (CameraPreview,),
                                          "card_reader": (CardReaderArt,), "printer": (OutletArrow,)}
    wanted = kinds.get(target)
    stack = [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, CallPanel):
            continue  # the helper's own video is not the document camera
        if wanted is not None and isinstance(widget, wanted):
            return widget
        if wanted is None and highlight_matches(target, getattr(widget, "kid", "")):
            return widget
        if isinstance(widget, ScreenManager):
            if widget.current_screen is not None:
                stack.append(widget.current_screen)
            continue
        stack.extend(widget.children)
    return None


class Highlight(Widget):
    """A pulsing outline around the widget a helper points at; touches go through to the step."""

    def __init__(self, root: Callable[[], Widget], animate: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self._root = root
        self.animate = animate
        self.target = ""
        self.widget_ref: weakref.ref | None = None
        self._started = 0.0
        self._found = 0.0
        self._tick = None
        self.drawn = False  # whether the outline is on screen now (tests)

    def point(self, target: str | None) -> None:
        """Start pulsing around ``target`` (or stop with None)."""
        self.target = target or ""
        self._started = time.monotonic()
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self.widget_ref = None
        if self.target:
            # Every frame: the outline follows its widget when the layout moves (panel shrunk, scroll).
            self._tick = Clock.schedule_interval(lambda dt: self._draw(), 0)
            self._scrolled = False
        self._draw()

    @property
    def widget(self) -> Widget | None:
        return self.widget_ref() if self.widget_ref is not None else None

    def _draw(self) -> None:
        self.canvas.clear()
        self.drawn = False
        elapsed = time.monotonic() - self._started
        if not self.target or elapsed > PULSE_S:
            if self._tick is not None and self.target:
                self._tick.cancel()
                self._tick = None
            return
        widget = self.widget
        now = time.monotonic()
        if widget is None or widget.get_root_window() is None or now - self._found > 0.25:
            self._found = now  # look again a few times a second: the screen may have changed
            widget = find_target(self._root(), self.target)
            self.widget_ref = weakref.ref(widget) if widget is not None else None
        if widget is None or widget.get_root_window() is None:
            return
        if not self._scrolled:
            self._scrolled = True
            self._scroll_to(widget)
        x, y = widget.to_window(widget.x, widget.y)
        pulse = 0.5 + 0.5 * math.sin(elapsed * math.tau / 1.2) if self.animate else 1.0
        gap = self._gap()
        width = gap * (0.15 + 0.2 * pulse)
        with self.canvas:
            Color(*rgba("#FF8F00", 0.55 + 0.45 * pulse))
            Line(rounded_rectangle=(x - gap * 0.4, y - gap * 0.4, widget.width + gap * 0.8,
                                    widget.height + gap * 0.8, gap * 0.5), width=max(2.0, width))
        self.drawn = True
        Window.canvas.ask_update()

    @staticmethod
    def _gap() -> float:
        app = App.get_running_app()
        return app.ts.gap if app is not None else 12.0

    @staticmethod
    def _scroll_to(widget: Widget) -> None:
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView) and parent.parent is not parent:
            parent = parent.parent
        if isinstance(parent, ScrollView):
            parent.scroll_to(widget, padding=20, animate=False)

    def stop(self) -> None:
        self.point(None)
