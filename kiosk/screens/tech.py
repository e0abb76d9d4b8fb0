"""The technician's side, behind a hidden gesture and a PIN: device status and self-tests, the link to the
hub in plain words, and enrolment with a pairing code typed on the on-screen keypad."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout

from config.kiosk import DEVICE_KINDS as DEVICE_NAMES  # the kinds the catalogue names (tech.kind_*)
from config.kiosk import PIN_DIGITS
from local_api.schemas import PAIRING_LENGTH, DeviceView, HealthView, HubEnrolOut

from ..client import EnrolError, KioskdError
from ..viewmodels import (
    KeypadBuffer,
    PinGate,
    backlog_minutes,
    enrol_error_key,
    health_of,
    hub_state_key,
    shown_code,
)
from ..widgets.base import KButton, KLabel, Panel
from ..widgets.keypad import Keypad
from ..widgets.preview import CameraPreview, decode_jpeg
from .base import KScreen

TECH_IDLE_S = 120


class PinScreen(KScreen):
    def __init__(self, gate: PinGate, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.buffer = KeypadBuffer(keypad="digits", max_len=PIN_DIGITS[1])  # the longest PIN the settings allow
        self.dots = KLabel(align="center", font_px=self.app.ts.title, kid="pin.dots")
        self.message = KLabel(align="center", pair="body", kid="pin.message")
        self.keypad = Keypad(mode="digits")
        self.keypad.bind(on_key=lambda _k, key: self.key(key))

    def show(self, snapshot=None) -> None:
        t = self.app.t
        self.title.text = t("tech.pin_title")
        self.prompt.text = t("tech.pin_prompt") if self.gate.enabled else t("tech.disabled")
        self.buffer.press("CLR")
        self.dots.text = ""
        self.message.text = ""
        self.body.clear_widgets()
        self.body.add_widget(self.dots)
        self.body.add_widget(self.message)
        if self.gate.enabled:
            self.body.add_widget(self.keypad)
        self.set_actions([(t("common.cancel"), "pin.cancel", "secondary_button", self.app.go_home)])
        self._timer = Clock.schedule_once(lambda dt: self.app.go_home(), 60)

    def key(self, key: str) -> None:
        t = self.app.t
        if key != "OK":
            self.buffer.press(key)
            self.dots.text = "●" * len(self.buffer.text)
            return
        result = self.gate.check(self.buffer.text, time.monotonic())
        self.buffer.press("CLR")
        self.dots.text = ""
        if result == "ok":
            self.app.show_screen("maintenance")
        elif result == "locked":
            self.message.text = t("tech.locked", s=int(self.gate.locked_for(time.monotonic())) + 1)
        else:
            self.message.text = t("tech.pin_wrong")

    def leave(self) -> None:
        self.buffer.press("CLR")
        self.dots.text = ""
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()


class MaintenanceScreen(KScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.devices_panel = Panel()
        self.hub_panel = Panel(kid="tech.hub")
        self.result = KLabel(pair="body", kid="tech.result")
        self.preview = CameraPreview(size_hint_y=None, height=self.app.ts.face * 2)
        self.selftest_panel = Panel(kid="tech.selftest.results")  # one large line per device after a self-test
        self.keypad_box = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        self.extra.append(self.keypad_box)
        self._relayout()
        self.enrolling = False
        self.hub_url = ""  # what the enrolment form starts with: the hub kioskd knows, if any
        self.url = KeypadBuffer(keypad="url", max_len=120)
        self.code = KeypadBuffer(keypad="code", max_len=PAIRING_LENGTH)
        self.typing = "code"
        self.enrol_message = KLabel(pair="body", kid="tech.enrol.message")
        self._poll = None
        self._idle = None

    def show(self, snapshot=None) -> None:
        t, ts = self.app.t, self.app.ts
        self.enrolling = False
        self.close_keypad()
        self.title.text = t("tech.title")
        self.prompt.text = t("tech.devices")
        self.result.text = ""
        self.body.clear_widgets()
        self.body.add_widget(self.devices_panel)
        tools = BoxLayout(size_hint_y=None, height=ts.button_h, spacing=ts.gap)
        for text, kid, action in (
            (t("tech.test_print"), "tech.test_print", lambda: self.test("printer", "print")),
            (t("tech.test_card"), "tech.test_card", lambda: self.test("id_reader", "read")),
            (t("tech.camera"), "tech.camera", self.toggle_camera),
        ):
            button = KButton(text=text, kid=kid, pair="secondary_button")
            button.bind(on_release=lambda _b, a=action: a())
            tools.add_widget(button)
        self.body.add_widget(tools)
        selftests = BoxLayout(size_hint_y=None, height=ts.button_h, spacing=ts.gap)
        for text, kid, print_slip in ((t("tech.selftest"), "tech.selftest", False),
                                      (t("tech.selftest_print"), "tech.selftest_print", True)):
            button = KButton(text=text, kid=kid, pair="primary_button" if not print_slip else "secondary_button")
            button.bind(on_release=lambda _b, p=print_slip: self.selftest(p))
            selftests.add_widget(button)
        self.body.add_widget(selftests)
        self.body.add_widget(self.result)
        self.selftest_panel.clear_widgets()
        self.body.add_widget(self.selftest_panel)
        self.body.add_widget(self.hub_panel)
        enrol = KButton(text=t("tech.enrol"), kid="tech.enrol", pair="secondary_button")
        enrol.bind(on_release=lambda _b: self.start_enrol())
        self.body.add_widget(enrol)
        self.set_actions([
            (t("tech.refresh"), "tech.refresh", "secondary_button", self.refresh),
            (t("tech.exit"), "tech.exit", "primary_button", self.app.go_home),
        ])
        self.refresh()
        self.touch()

    def touch(self) -> None:
        """Restart the technician's idle timeout (a forgotten maintenance screen logs out)."""
        if self._idle is not None:
            self._idle.cancel()
        self._idle = Clock.schedule_once(lambda dt: self.app.go_home(), TECH_IDLE_S)

    def refresh(self) -> None:
        self.touch()
        self.app.backend.call(self.app.backend.client.devices, on_done=self.show_devices,
                              on_error=lambda e: self.show_devices([]))
        self.app.backend.call(self.app.backend.client.health, on_done=self.show_hub,
                              on_error=lambda e: self.show_hub(None))

    def show_devices(self, devices: list[DeviceView]) -> None:
        t = self.app.t
        self.devices_panel.clear_widgets()
        for device in devices:
            health = health_of(device.status)
            kind = t(f"tech.kind_{device.kind}") if device.kind in DEVICE_NAMES \
                else device.kind
            sim = "（模拟）" if device.simulated else ""
            message = str(device.status.get("message", ""))
            text = f"{kind}{sim}：{t(f'tech.health_{health}')}" + (f"  {message}" if message else "")
            self.devices_panel.add_widget(KLabel(text=text, pair="card", kid=f"tech.device.{device.name}"))

    # -- the hub ---------------------------------------------------------------------------------
    def show_hub(self, health: HealthView | None) -> None:
        """The hub's state in the words of the catalogue, when it last answered, and what waits for it."""
        t, ts = self.app.t, self.app.ts
        self.hub_panel.clear_widgets()
        if health is None:
            self.hub_panel.add_widget(KLabel(text=t("tech.hub_unknown"), pair="card", kid="tech.hub.state"))
            return
        hub = health.hub
        self.hub_url = hub.url or ""
        self.hub_panel.add_widget(KLabel(text=t("tech.hub", state=t(hub_state_key(hub))), pair="card", bold=True,
                                         kid="tech.hub.state"))
        if hub.last_ok_at is not None:
            zone = ZoneInfo(self.app.settings.timezone)
            seen = t("tech.hub_last_ok", at=hub.last_ok_at.astimezone(zone).strftime("%m-%d %H:%M"))
        else:
            seen = t("tech.hub_never_ok")
        where = t("tech.hub_kiosk", kiosk=health.kiosk_id) + (f"  {hub.url}" if hub.url else "")
        pending = health.outbox.pending
        backlog = t("tech.hub_backlog", n=pending, m=backlog_minutes(health.outbox.oldest_pending_age_s)) \
            if pending else t("tech.hub_backlog_none")
        for kid, text in (("tech.hub.last_ok", seen), ("tech.hub.kiosk", where), ("tech.hub.backlog", backlog)):
            self.hub_panel.add_widget(KLabel(text=text, pair="card", font_px=ts.small, kid=kid))

    def start_enrol(self) -> None:
        """The enrolment form: the hub's address (kept from what kioskd knows) and the pairing code."""
        self.touch()
        self.leave()  # the camera preview, if it was on
        t = self.app.t
        self.enrolling = True
        self.url.text = self.hub_url
        self.code.press("CLR")
        self.enrol_message.text = ""
        self.title.text = t("tech.enrol_title")
        self.prompt.text = t("tech.enrol_prompt")
        self.edit("code" if self.url.text else "url")
        self.set_actions([
            (t("common.cancel"), "tech.enrol_cancel", "secondary_button", self.show),
            (t("tech.enrol_submit"), "tech.enrol_submit", "primary_button", self.submit_enrol),
        ])

    def _render_enrol(self) -> None:
        t, ts = self.app.t, self.app.ts
        self.body.clear_widgets()
        for name, label, text in (
            ("url", t("tech.enrol_url"), (self.url.text + ("▏" if self.typing == "url" else ""))
             or t("form.tap_to_edit")),
            ("code", t("tech.enrol_code"), shown_code(self.code.text, cursor=self.typing == "code")),
        ):
            box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.2)
            box.add_widget(KLabel(text=label, pair="body_soft", font_px=ts.small))
            field = KButton(text=text, kid=f"tech.enrol.{name}", pair="secondary_button" if name == self.typing
                            else "key", font_px=ts.heading if name == "code" else ts.body)
            field.halign = "left"
            field.bind(on_release=lambda _b, n=name: self.edit(n))
            box.add_widget(field)
            box.bind(minimum_height=box.setter("height"))
            self.body.add_widget(box)
        self.body.add_widget(self.enrol_message)

    def edit(self, name: str) -> None:
        """Type into the address or the code; each has its own keypad."""
        self.touch()
        self.typing = name
        self.keypad_box.clear_widgets()
        keypad = Keypad(mode=name)
        keypad.bind(on_key=lambda _k, key: self.key(key))
        self.keypad_box.add_widget(keypad)
        self.keypad_box.height = keypad.height
        keypad.bind(height=self.keypad_box.setter("height"))
        self._render_enrol()

    def key(self, key: str) -> None:
        self.touch()
        if key == "OK":
            if self.typing == "url":
                self.edit("code")
                return
            self.submit_enrol()
            return
        (self.url if self.typing == "url" else self.code).press(key)
        self._render_enrol()

    def submit_enrol(self) -> None:
        t = self.app.t
        if not self.url.text:
            self.enrol_message.text = t("tech.enrol_need_url")
            return
        if len(self.code.text) != PAIRING_LENGTH:
            self.enrol_message.text = t("tech.enrol_malformed")
            return
        self.enrol_message.text = t("tech.enrol_waiting")
        self.app.backend.call(self.app.backend.client.enrol_hub, self.url.text, self.code.text,
                              on_done=self.enrolled, on_error=self.enrol_failed)

    def enrolled(self, answer: HubEnrolOut) -> None:
        if not self.enrolling:
            return
        t = self.app.t
        self.hub_url = answer.hub_url
        self.show()
        self.result.text = t("tech.enrol_done", kiosk=answer.enrolled_kiosk_id, site=answer.site_id,
                             state=t(hub_state_key(answer.hub)))
        if answer.overridden_by:
            self.result.text += "\n" + t("tech.enrol_overridden", names="、".join(answer.overridden_by))

    def enrol_failed(self, error: KioskdError) -> None:
        if not self.enrolling:
            return
        t = self.app.t
        code = error.code if isinstance(error, EnrolError) else "failed"
        self.enrol_message.text = t(enrol_error_key(code))
        if code.startswith("pairing_code"):
            self.code.press("CLR")  # typed again from the start, as read off the paper
        self._render_enrol()

    def close_keypad(self) -> None:
        self.keypad_box.clear_widgets()
        self.keypad_box.height = 0

    # -- device tests ------------------------------------------------------------------------------
    def test(self, device: str, action: str) -> None:
        self.touch()
        kind = self.app.t(f"tech.kind_{device}")

        def done(result: str) -> None:
            word = self.app.t(f"tech.health_{result}") if result in ("online", "offline", "error") else result
            self.result.text = self.app.t("tech.result", device=kind, result=word)
            self.refresh()

        self.app.backend.call(self.app.backend.client.device_test, device, action, on_done=done,
                              on_error=lambda e: done(str(e)))

    def selftest(self, print_slip: bool) -> None:
        """kioskd's self-test of every device; each device's verdict in words, in large text."""
        self.touch()
        t = self.app.t
        self.selftest_panel.clear_widgets()
        self.result.text = t("tech.selftest_running")

        def refused(exc: Exception) -> None:
            self.result.text = t("tech.selftest_refused", reason=str(exc))

        self.app.backend.call(self.app.backend.client.selftest, print_slip, on_done=self.show_selftest,
                              on_error=refused)

    def show_selftest(self, result) -> None:
        t, ts = self.app.t, self.app.ts
        self.touch()
        self.result.text = t("tech.selftest_ok") if result.ok else t("tech.selftest_failed")
        self.selftest_panel.clear_widgets()
        for name, device in result.devices.items():
            kind = t(f"tech.kind_{name}") if name in DEVICE_NAMES else name
            verdict = t("tech.selftest_device_ok" if device.ok else "tech.selftest_device_failed", device=kind)
            self.selftest_panel.add_widget(KLabel(text=verdict, font_px=ts.heading, pair="card" if device.ok
                                                  else "field_error", kid=f"tech.selftest.{name}"))
            if device.detail and device.detail != "正常":  # "正常" alone would only repeat the verdict
                self.selftest_panel.add_widget(KLabel(text=device.detail, pair="card",
                                                      kid=f"tech.selftest.{name}.detail"))
        self.refresh()

    def toggle_camera(self) -> None:
        self.touch()
        if self._poll is not None:
            self.leave()
            self.body.remove_widget(self.preview)
            return
        self.body.add_widget(self.preview)
        self._poll = Clock.schedule_interval(lambda dt: self._fetch(), 0.3)
        self._fetch()

    def _fetch(self) -> None:
        client = self.app.backend.client

        def grab():
            data = client.camera_preview()
            return decode_jpeg(data) if data else None

        self.app.backend.call(grab, on_done=lambda f: f and self.preview.set_frame(*f), side=True)

    def leave(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        if self.preview.parent is not None:
            self.preview.parent.remove_widget(self.preview)

    def clear(self) -> None:
        super().clear()
        self.leave()
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self.enrolling = False
        self.hub_url = ""
        self.code.press("CLR")  # a pairing code is not left on screen or in memory for the next person
        self.url.press("CLR")
        self.enrol_message.text = ""
        self.close_keypad()
        self.devices_panel.clear_widgets()
        self.selftest_panel.clear_widgets()
        self.hub_panel.clear_widgets()
        self.preview.clear()
