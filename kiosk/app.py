"""The kiosk App: a shell (header, screens, footer) that renders kioskd's session snapshots.

Import only after ``kiosk.boot.prepare`` (Kivy's Config and fonts must be set before the Window
exists). The session lives in kioskd; this App shows it and sends the citizen's taps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import NoTransition, ScreenManager

from local_api.schemas import EventIn, PushMessage, ServiceItemSummary, SessionSnapshot, SessionStart

from .backend import Backend
from .client import EventRejectedError, ItemNotReady, KioskdClient, KioskdError, SessionGone
from .i18n import Catalogue, language_name
from .layout import Stages, stages_for
from .screens.call import CALL_SCREENS, CallController, call_screens
from .settings import UiSettings
from .theme import NORMAL, rgba, scale_for, sizes
from .viewmodels import IdleWatch, PinGate, TechGesture, screen_for, share_width
from .widgets.base import KButton, KLabel
from .widgets.text import widest_word

log = logging.getLogger(__name__)


class ThemeState(EventDispatcher):
    """Current sizes in window pixels; kv rules bind to these (``app.ts.body``)."""

    elder = BooleanProperty(False)
    scale = NumericProperty(1.0)
    title = NumericProperty(NORMAL.title)
    heading = NumericProperty(NORMAL.heading)
    body = NumericProperty(NORMAL.body)
    small = NumericProperty(NORMAL.small)
    button_h = NumericProperty(NORMAL.button_h)
    target = NumericProperty(NORMAL.target)
    key = NumericProperty(NORMAL.key)
    gap = NumericProperty(NORMAL.gap)
    face = NumericProperty(NORMAL.face)

    def update(self) -> None:
        chosen = sizes(self.elder)
        for name in ("title", "heading", "body", "small", "button_h", "target", "key", "gap", "face"):
            try:
                setattr(self, name, getattr(chosen, name) * self.scale)
            except ReferenceError:
                # A kv rule of a widget already collected was still bound (Kivy unbinds rules from a
                # weakref callback, which can come late). The value is set; the screens are rebuilt
                # from it right after, so only the dead widget missed it. Never a crash for this.
                log.info("theme size %s reached a collected widget", name)


class IdleWarning(ModalView):
    """还需要更多时间吗？ with a countdown, before kioskd abandons the session."""

    def __init__(self, app: KioskApp) -> None:
        super().__init__(auto_dismiss=False, size_hint=(0.86, None), background_color=(0, 0, 0, 0.55))
        ts = app.ts
        self.kid = "idle"
        box = BoxLayout(orientation="vertical", padding=ts.gap * 1.5, spacing=ts.gap, size_hint_y=None)
        self.question = KLabel(text=app.t("idle.more_time"), pair="overlay", bold=True, align="center",
                               font_px=ts.title, kid="idle.question")
        self.countdown = KLabel(pair="overlay", align="center", kid="idle.countdown")
        yes = KButton(text=app.t("idle.more"), kid="idle.yes", pair="good_button")
        yes.bind(on_release=lambda *_: app.still_here())
        leave = KButton(text=app.t("idle.leave"), kid="idle.leave", pair="secondary_button")
        leave.bind(on_release=lambda *_: app.leave_session())
        for widget in (self.question, self.countdown, yes, leave):
            box.add_widget(widget)
        box.bind(minimum_height=box.setter("height"))
        box.bind(height=lambda _b, h: setattr(self, "height", h))
        self.add_widget(box)
        self.background = ""
        self.background_color = (*rgba("overlay")[:3], 1)
        self.overlay_color = (0, 0, 0, 0.6)


class KioskApp(App):
    """The kiosk's UI process."""

    title = "政务服务自助终端"

    def __init__(
        self,
        client: KioskdClient,
        settings: UiSettings | None = None,
        *,
        catalogue: Catalogue | None = None,
        elder: bool = False,
        screenshot_dir: Path | None = None,
        animations: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or UiSettings()
        self.catalogue = catalogue or Catalogue(self.settings.language)
        self.backend = Backend(client)
        self.ts = ThemeState()
        self.ts.elder = elder
        self.animations = animations
        self.screenshot_dir = Path(screenshot_dir) if screenshot_dir else None
        self.now = clock or (lambda: datetime.now(ZoneInfo(self.settings.timezone)))
        self.snapshot: SessionSnapshot | None = None
        self.items: list[ServiceItemSummary] = []
        self.busy = False
        self.muted = False
        self.offline = False
        self.idle = IdleWatch()
        self.gesture = TechGesture()
        self.pin_gate = PinGate(self.settings.technician_pin)
        self.frames = 0
        self.shown: list[str] = []  # screen names in the order they were drawn (tests, demo)
        self.shots: list[Path] = []
        self._shot_label: str | None = None
        self._shot_wait = 0
        self._health_poll = None
        self.screens: dict = {}
        self.left: set[str] = set()  # sessions the citizen walked away from: never shown again
        self.call = CallController(self)  # video help

    # -- helpers for widgets --------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return self.catalogue.t(key, **values)

    @staticmethod
    def colour(name: str) -> tuple[float, float, float, float]:
        return rgba(name)

    def poke(self) -> None:
        """A touch happened (kept for local timers; kioskd resets its own idle deadline on events)."""

    # -- building ---------------------------------------------------------------------------------
    def build(self):
        Window.clearcolor = rgba("page")
        self.ts.scale = scale_for(Window.size)
        self.ts.update()
        self.root_box = BoxLayout(orientation="vertical")
        self._build_shell()
        Window.bind(on_touch_down=self._on_touch, on_keyboard=self._on_key, on_flip=self._on_flip,
                    on_request_close=lambda *a, **k: True)
        return self.root_box

    def _build_shell(self) -> None:
        from .screens.calm import FaultScreen, OfflineScreen, RefusedScreen
        from .screens.capture import CaptureScreen
        from .screens.face import FaceScreen
        from .screens.form import FormScreen
        from .screens.home import HomeScreen
        from .screens.rate import RateScreen
        from .screens.sign import SignScreen
        from .screens.steps import (
            ChooseScreen,
            ConsentScreen,
            DoneScreen,
            GuideScreen,
            IdentifyScreen,
            PrintScreen,
            ReviewScreen,
            SubmitScreen,
        )
        from .screens.tech import MaintenanceScreen, PinScreen

        ts = self.ts
        self.root_box.clear_widgets()
        self.header = BoxLayout(size_hint_y=None, height=ts.button_h * 1.2, padding=[ts.gap, ts.gap * 0.4],
                                spacing=ts.gap)
        with self.header.canvas.before:
            from kivy.graphics import Color, Rectangle

            Color(*rgba("header"))
            self._header_bg = Rectangle()
        self.header.bind(pos=lambda w, p: setattr(self._header_bg, "pos", p),
                         size=lambda w, s: setattr(self._header_bg, "size", s))
        # The hall or item name may take two lines (long names, elder mode); the header grows.
        # Bilingual names take two scripts' lines: body size keeps the header from eating the screen.
        title_px = ts.body if self.catalogue.bilingual else ts.heading
        self.header_title = KLabel(pair="header", bold=True, font_px=title_px, kid="shell.title",
                                   max_lines=2, size_hint_x=0.7, pos_hint={"center_y": 0.5}, fresh_texture=True)
        self.header_side = KLabel(pair="header", align="right", kid="shell.side", font_px=ts.small,
                                  size_hint_x=0.3, pos_hint={"center_y": 0.5}, fresh_texture=True)

        def fit_header(*_a) -> None:
            tallest = max(self.header_title.height, self.header_side.height)
            self.header.height = max(ts.button_h, tallest + ts.gap * 0.8)

        self.header_title.bind(height=fit_header)
        self.header_side.bind(height=fit_header)
        self.header.add_widget(self.header_title)
        self.header.add_widget(self.header_side)

        self.sm = ScreenManager(transition=NoTransition())
        classes = {
            "home": HomeScreen, "guide": GuideScreen, "consent": ConsentScreen,
            "identify": IdentifyScreen, "form": FormScreen, "choose": ChooseScreen, "capture": CaptureScreen,
            "review": ReviewScreen, "submit": SubmitScreen, "print": PrintScreen, "rate": RateScreen,
            "done": DoneScreen, "fault": FaultScreen, "refused": RefusedScreen, "offline": OfflineScreen,
            "maintenance": MaintenanceScreen, "verify_face": FaceScreen, "sign": SignScreen,
        }
        self.screens = {name: cls(name=name) for name, cls in classes.items()}
        self.screens["pin"] = PinScreen(self.pin_gate, name="pin")
        self.screens.update(call_screens())
        for screen in self.screens.values():
            self.sm.add_widget(screen)

        from .widgets.stages import StageBar

        self.stage_bar = StageBar()
        self.footer = BoxLayout(size_hint_y=None, padding=[ts.gap, ts.gap * 0.5], spacing=ts.gap * 0.6)
        with self.footer.canvas.before:
            from kivy.graphics import Color, Rectangle

            Color(*rgba("secondary"))
            self._footer_bg = Rectangle()
        self.footer.bind(pos=lambda w, p: setattr(self._footer_bg, "pos", p),
                         size=lambda w, s: setattr(self._footer_bg, "size", s))
        self.idle_warning = IdleWarning(self)
        self.root_box.add_widget(self.header)
        self.root_box.add_widget(self.stage_bar)
        self.root_box.add_widget(self.sm)
        self.root_box.add_widget(self.footer)
        self.call.dock()

    def _fill_footer(self) -> None:
        t, ts = self.t, self.ts
        self.footer.clear_widgets()
        buttons = [
            (t("common.elder_off") if ts.elder else t("common.elder_on"), "shell.elder", "primary_button",
             self.toggle_elder),
            (t("common.unmute") if self.muted else t("common.mute"), "shell.mute", "key", self.toggle_mute),
        ]
        snap = self.snapshot
        if snap is not None and self.sm.current not in ("pin", "maintenance"):
            if len(self.settings.languages) > 1:  # the home screen has its own, larger switch
                buttons.append((language_name(self.next_language()), "shell.lang", "key", self.cycle_language))
            helper = self.call.footer_button(snap)  # start video help, or show the call
            if helper is not None:
                buttons.append(helper)
            if "start_over" in snap.step.accepts:
                buttons.append((t("common.start_over"), "shell.start_over", "key", self.start_over))
        for text, kid, pair, callback in buttons:
            button = KButton(text=text, kid=kid, pair=pair, font_px=ts.small)
            button.bind(on_release=lambda _b, cb=callback: cb())
            button.bind(height=self._fit_footer)  # two-line (bilingual) labels grow after their first render
            self.footer.add_widget(button)
        self._share_footer_width()
        self._fit_footer()

    def _share_footer_width(self) -> None:
        """Give every footer button at least its widest word: Kivy cuts a longer word anywhere, and an
        Uyghur word cut in two changes its letters' shapes (ياشانغانلا|ر). Otherwise equal widths."""
        buttons = list(reversed(self.footer.children))
        gap = self.ts.gap
        available = (self.footer.width or Window.width) - gap * 2 - gap * 0.6 * (len(buttons) - 1)
        # A KButton's text is laid out in its width less text_size's margin and the padding inside it.
        needs = [widest_word(b.text, b.font_size, bold=True) + gap * 2.4 + 4 for b in buttons]
        for button, width in zip(buttons, share_width(needs, available), strict=True):
            button.size_hint_x = width

    def _fit_footer(self, *_a) -> None:
        self.footer.height = max(c.height for c in self.footer.children) + self.ts.gap

    def _fill_header(self) -> None:
        snap = self.snapshot
        stages = Stages((), -1)
        if snap is None or self.sm.current in ("pin", "maintenance"):
            self.header_title.text = self.settings.hall_name or self.t("app.hall_default")
            step = ""
        else:
            self.header_title.text = self.catalogue.pick(snap.item_name, snap.item_names)
            stages = stages_for(snap.step_kinds, snap.step_number)
            # the stage bar says how far along; the step count only where the item has no stages
            step = "" if stages.names else self.t("app.step", n=snap.step_number, total=snap.step_total) + "\n"
        self.header_side.text = step + self.now().strftime("%H:%M")
        self._show_stages(stages)

    def _show_stages(self, stages: Stages) -> None:
        bar = self.stage_bar
        if stages.names:
            bar.show(stages)
            if bar.parent is None:
                self.root_box.add_widget(bar, index=len(self.root_box.children) - 1)
        elif bar.parent is not None:
            self.root_box.remove_widget(bar)

    # -- lifecycle ------------------------------------------------------------------------------
    def on_start(self) -> None:
        self.backend.listen(self.on_push)
        self.show_screen("home")
        self.refresh_items()
        self.backend.call(self.backend.client.current_session, on_done=self._resume, on_error=self.on_error)
        self._tick = Clock.schedule_interval(lambda dt: self.tick(), 1.0)
        self.call.resume()

    def on_stop(self) -> None:
        self.call.close()
        self.backend.close()

    def open_settings(self, *args) -> bool:
        return False  # F1 must not open Kivy's settings on a public kiosk

    def _on_key(self, _window, key, *args) -> bool:
        # ESC (27), F1 (282) and the Android back key do nothing for a citizen.
        return key in (27, 282, 1001)

    def _on_touch(self, _window, touch) -> bool:
        w, h = Window.size
        if self.gesture.tap(touch.x / w, 1 - touch.y / h, time.monotonic()):
            self.show_screen("pin")
            return True
        return False

    def _on_flip(self, *_a) -> None:
        self.frames += 1
        if self._shot_label is not None:
            self._shot_wait -= 1
            if self._shot_wait <= 0:
                self._take_shot()
            else:
                Window.canvas.ask_update()  # Kivy draws only when something changed

    # -- screens -----------------------------------------------------------------------------------
    @property
    def current(self) -> str:
        return self.sm.current

    def show_screen(self, name: str, snapshot: SessionSnapshot | None = None) -> None:
        previous = self.sm.current
        if previous != name and previous in self.screens:
            self.screens[previous].leave()
        self.screens[name].show(snapshot)
        changed = previous != name or not self.shown
        self.sm.current = name
        self._fill_header()
        self._fill_footer()
        if changed:
            self.shown.append(name)
            if len(self.shown) > 4000:  # a kiosk runs for weeks: keep the history bounded
                del self.shown[:2000]
            self.request_shot(name)

    @property
    def shot_pending(self) -> bool:
        return self._shot_label is not None

    def request_shot(self, label: str) -> None:
        """Save a PNG of the window once this screen has been drawn (``--screenshots``)."""
        if self.screenshot_dir is not None:
            self._shot_label = label
            self._shot_wait = 3
            Window.canvas.ask_update()

    def _take_shot(self) -> None:
        label, self._shot_label = self._shot_label, None
        assert self.screenshot_dir is not None
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        target = self.screenshot_dir / f"{len(self.shots) + 1:02d}-{label}.png"
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

        width, height = Window.size
        data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
        from PIL import Image

        Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(target)
        self.shots.append(target)

    def reshow(self) -> None:
        """Show the current snapshot again (after a local detour such as manual ID entry)."""
        if self.snapshot is None:
            self.go_home()
        else:
            self.show_screen(screen_for(self.snapshot), self.snapshot)

    def open_help(self) -> None:
        self.call.begin()  # 视频帮助: consent first, then the call

    def open_manual_id(self) -> None:
        self.screens["identify"].leave()
        self.screens["form"].show_manual()
        self.sm.current = "form"
        self.shown.append("form")
        self.request_shot("manual_id")

    def go_home(self) -> None:
        """Back to the attract screen, with nothing of the last citizen left anywhere."""
        self.snapshot = None
        self.busy = False
        if self.idle_warning.parent is not None:
            self.idle_warning.dismiss(animation=False)
        for name, screen in self.screens.items():
            if name != self.sm.current:
                screen.clear()
        current = self.sm.current
        self.screens[current].leave()
        self.screens[current].clear()
        self.show_screen("home")

    def rebuild(self) -> None:
        """Rebuild every screen (after switching elder mode), keeping what is shown."""
        snapshot, current = self.snapshot, self.sm.current
        for screen in self.screens.values():
            screen.leave()
        for old in (*self.screens.values(), *self.root_box.children):
            _unbind_rules(old)  # the old screens' kv rules must not outlive them (see ThemeState.update)
        self._build_shell()
        self.screens["home"].items = self.items
        if snapshot is not None:
            self.show_screen(screen_for(snapshot), snapshot)
        else:
            self.show_screen(current if current in ("home", "offline") else "home")

    # -- kioskd -----------------------------------------------------------------------------------
    def refresh_items(self) -> None:
        def got(items: list[ServiceItemSummary]) -> None:
            self.items = items
            self.screens["home"].items = items
            if self.sm.current == "home":
                self.screens["home"].show(None)
                self.request_shot("home")

        self.backend.call(self.backend.client.items, on_done=got, on_error=self.on_error)

    def _resume(self, snapshot: SessionSnapshot | None) -> None:
        if snapshot is not None:
            self.apply(snapshot)

    def start_item(self, code: str) -> None:
        if self.busy or self.snapshot is not None:
            return
        self.busy = True
        start = SessionStart(item_code=code, elder_mode=self.ts.elder, language=self.catalogue.language)
        self.backend.call(self.backend.client.start_session, start, on_done=self._applied, on_error=self.on_error)

    def send(self, event: str, data: dict | None = None) -> None:
        """Send one of the citizen's taps to kioskd (ignored while the previous one is on its way)."""
        if self.snapshot is None or self.busy:
            return
        self.busy = True
        self.backend.call(self.backend.client.send_event, self.snapshot.id, EventIn(type=event, data=data or {}),
                          on_done=self._applied, on_error=self.on_error)

    def _applied(self, snapshot: SessionSnapshot) -> None:
        self.busy = False
        self.apply(snapshot)

    def apply(self, snapshot: SessionSnapshot) -> None:
        """Show a snapshot from kioskd (a response or a push)."""
        if snapshot.id in self.left:
            if snapshot.status != "active":
                self.left.discard(snapshot.id)
            return
        if self.sm.current in ("pin", "maintenance", *CALL_SCREENS):
            self.snapshot = snapshot if snapshot.status == "active" else None
            return
        if snapshot.status != "active":
            if self.snapshot is None or self.snapshot.id == snapshot.id:
                self.go_home()
            return
        old = self.snapshot
        if old is not None and old.id == snapshot.id and snapshot.updated_at < old.updated_at:
            return  # a push overtaken by a newer response
        self.snapshot = snapshot
        self.offline = False
        if self.idle_warning.parent is not None and self.idle.state(snapshot.idle_deadline)[0] == "ok":
            self.idle_warning.dismiss(animation=False)
        self.show_screen(screen_for(snapshot), snapshot)

    HANDLED_PUSHES = ("session", "session_ended", "card", "device", "call", "restart_ui")
    IGNORED_PUSHES = ("camera", "helper")

    def on_push(self, message: PushMessage) -> None:
        if message.type == "session" and message.session is not None:
            self.apply(message.session)
        elif message.type == "session_ended":
            ended = message.session
            if self.snapshot is not None and (ended is None or ended.id == self.snapshot.id):
                self.go_home()
        elif message.type == "card" and message.card is not None and self.snapshot is None:
            self.screens["home"].show_card(message.card)
        elif message.type == "device" and self.sm.current == "maintenance":
            self.screens["maintenance"].refresh()
        elif message.type == "call" and message.call is not None:
            self.call.on_push(message.call)
        elif message.type == "restart_ui" and self.snapshot is None:
            # Staff asked from the hub (kioskd sends it only between citizens); systemd starts the UI again.
            self.stop()
        # Not needed here, on purpose: "camera" (the capture screen asks for the preview at its own pace,
        # so a slow UI never queues up frames) and "helper" (the session snapshot's helper_requested says it).

    def on_error(self, error: KioskdError) -> None:
        self.busy = False
        if isinstance(error, EventRejectedError):
            # The step moved on (a push we have not seen yet): show what kioskd has now.
            self.backend.call(self.backend.client.current_session, on_done=self._resume_or_home,
                              on_error=self.on_error)
            return
        if isinstance(error, SessionGone):
            self.go_home()
            return
        if isinstance(error, ItemNotReady):  # kioskd is there; the item cannot be done now, and it says why
            self.screens["refused"].message = error.message
            self.show_screen("refused")
            return
        log.warning("kioskd unavailable: %s", error)
        self.go_offline()

    def _resume_or_home(self, snapshot: SessionSnapshot | None) -> None:
        if snapshot is None:
            self.go_home()
        else:
            self.apply(snapshot)

    def go_offline(self) -> None:
        self.offline = True
        self.go_home()
        self.show_screen("offline")
        if self._health_poll is None:
            self._health_poll = Clock.schedule_interval(lambda dt: self._check_health(), 3.0)

    def _check_health(self) -> None:
        def back(_health) -> None:
            if self._health_poll is not None:
                self._health_poll.cancel()
                self._health_poll = None
            self.offline = False
            self.go_home()
            self.refresh_items()
            self.backend.call(self.backend.client.current_session, on_done=self._resume, on_error=lambda e: None)

        self.backend.call(self.backend.client.health, on_done=back, on_error=lambda e: None)

    # -- the citizen's controls ----------------------------------------------------------------------
    def toggle_elder(self) -> None:
        self.ts.elder = not self.ts.elder
        self.ts.update()
        self.idle.warn_s = 40.0 if self.ts.elder else 20.0
        if self.ts.elder and self.muted:
            self.toggle_mute()  # elder mode speaks
        self.rebuild()
        if self.snapshot is not None:  # mid-session: kioskd's timeouts become slower (or normal) too
            self.send("still_here", {"elder_mode": self.ts.elder})

    def set_language(self, language: str) -> None:
        """Show every string in ``language`` (bilingual with Chinese for minority languages)."""
        if language == self.catalogue.language or language not in self.settings.languages:
            return
        self.catalogue = Catalogue(language, stretch=self.catalogue.stretch)
        self.rebuild()

    def next_language(self) -> str:
        offered = list(self.settings.languages)
        here = offered.index(self.catalogue.language) if self.catalogue.language in offered else -1
        return offered[(here + 1) % len(offered)]

    def cycle_language(self) -> None:
        self.set_language(self.next_language())

    def toggle_mute(self) -> None:
        self.muted = not self.muted
        self.backend.call(self.backend.client.set_voice_muted, self.muted, on_error=lambda e: None, side=True)
        self._fill_footer()

    def call_helper(self) -> None:
        self.send("call_helper")

    def cancel_helper(self) -> None:
        if self.snapshot is not None and "cancel_helper" in self.snapshot.step.accepts:
            self.send("cancel_helper")

    def still_here(self) -> None:
        if self.idle_warning.parent is not None:
            self.idle_warning.dismiss(animation=False)
        self.send("still_here")

    def start_over(self) -> None:
        """重新开始: kioskd wipes what was entered and goes back to the item's first step."""
        self.send("start_over")

    def leave_session(self) -> None:
        """The citizen walks away: kioskd abandons and wipes the session; the home screen shows at once."""
        snap = self.snapshot
        if snap is not None:
            self.left.add(snap.id)
            self.busy = False
            self.backend.call(self.backend.client.abandon_session, on_error=lambda e: None)
        self.go_home()

    # -- every second ----------------------------------------------------------------------------------
    def tick(self) -> None:
        self._fill_header_time()
        snap = self.snapshot
        if snap is None or self.sm.current in ("pin", "maintenance"):
            return
        state, left = self.idle.state(snap.idle_deadline)
        if state == "warn" and self.sm.current in ("done", "submit"):
            state = "ok"  # nothing to ask: the done screen counts down itself, a submission runs alone
        if state == "warn":
            self.idle_warning.countdown.text = self.t("idle.countdown", s=left)
            if self.idle_warning.parent is None:
                self.idle_warning.open(animation=False)
                self.request_shot("idle")
        elif state == "expired":
            # kioskd abandons the session; do not wait for its push to hide this person's data.
            self.go_home()
            self.backend.call(self.backend.client.current_session, on_done=self._resume, on_error=lambda e: None)
        elif self.idle_warning.parent is not None:
            self.idle_warning.dismiss(animation=False)

    def _fill_header_time(self) -> None:
        lines = self.header_side.text.split("\n")
        lines[-1] = self.now().strftime("%H:%M")
        self.header_side.text = "\n".join(lines)


def _unbind_rules(root) -> None:
    """Drop the kv rule bindings of every widget under ``root``, which is about to be thrown away."""
    from kivy.lang import Builder

    for widget in root.walk(restrict=True):
        Builder.unbind_widget(widget.uid)
