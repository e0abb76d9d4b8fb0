"""The demo script: plays a citizen (and a technician) against a kioskd with simulated devices.

It taps the real UI through the pilot and moves the simulated card, document and paper through
kioskd's ``/v1/sim`` routes, so every screen kind is drawn (and saved with ``--screenshots``).
It adapts to whatever steps kioskd's flow has, screen by screen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from common.idnumber import check_char
from local_api.schemas import SessionSnapshot, SubmitStepView

from .client import SimControl
from .pilot import Pilot, PilotError

log = logging.getLogger(__name__)

DEMO_PHONE = "13800138000"
# Items that between them reach every step kind of the flows shipped in flows/definitions (the certificate
# items are left out: they need a hub that issues certificates, which a demo on a laptop usually lacks).
PREFERRED_ITEMS = ("elderly_card", "queue_ticket")
STEP_KINDS = {"guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print", "rate",
              "done"}
DEMO_VALUES = {"phone": DEMO_PHONE, "digits": "1", "id": "11010519491231002X", "date": "20260101"}


def elder_card_fields() -> dict[str, str]:
    """A sample resident card of someone born in 1950 (some items are for citizens over 60)."""
    body = "11010119500307123"
    return {"birth_date": "1950-03-07", "id_number": body + check_char(body)}


def submit_failed(snap: SessionSnapshot) -> bool:
    """The submit step says the submission failed (kioskd offers a retry)."""
    return isinstance(snap.step, SubmitStepView) and snap.step.data.state == "failed"


@dataclass
class DemoResult:
    screens: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Demo:
    def __init__(self, app, sim: SimControl, pilot: Pilot, say: Callable[[str], None] = print) -> None:
        self.app = app
        self.sim = sim
        self.pilot = pilot
        self.say = say
        self.result = DemoResult()
        self.paper_fault_shown = False
        self.idle_shown = False
        self.applicant_name = ""

    # -- the whole demo ----------------------------------------------------------------------------
    def run(self) -> DemoResult:
        p = self.pilot
        p.wait_until(lambda: self.app.current == "home" and bool(self.app.items), "the service list", 20)
        p.frame(3)
        self.say("home screen with the service list")
        self.video_help()
        self.technician()
        self.elder_home()
        for item in self.pick_items()[:4]:
            self.say(f"session for item {item}")
            try:
                self.session(item)
            finally:
                self.sim.printer_paper("ok")
            self.check_forgotten()
            missing = (STEP_KINDS | {"fault"}) - self.seen()
            if not missing:
                break
            self.say(f"screens not seen yet: {' '.join(sorted(missing))}")
        self.card_at_home()
        self.result.screens = list(self.app.shown)
        return self.result

    def seen(self) -> set[str]:
        """Screens shown so far; with --screenshots, those that were on long enough to be saved."""
        if self.app.screenshot_dir is None:
            return set(self.app.shown)
        return {path.stem.split("-", 1)[1] for path in self.app.shots}

    def card_at_home(self) -> None:
        """A card placed on the home screen: greeted by masked name, forgotten when lifted."""
        p = self.pilot
        self.say("a card placed at the home screen")
        self.sim.remove_card()
        p.wait_until(lambda: self.app.current == "home", "the home screen", 15)
        self.sim.place_card("resident", elder_card_fields())
        p.wait_until(lambda: "您好" in p.text("home.hint"), "the greeting of the card's holder", 15)
        p.shot("home-card")
        self.sim.remove_card()
        p.wait_until(lambda: "您好" not in p.text("home.hint"), "the greeting to go", 15)
        self.check_forgotten()

    def video_help(self) -> None:
        """视频帮助 first asks what the call may send; no helper is on duty here, so decline."""
        self.pilot.tap("home.video_help")
        self.pilot.wait_screen("call_consent")
        self.pilot.tap("call_consent.screen")
        self.pilot.shot("call-consent-screen")
        self.pilot.tap("call_consent.cancel")
        self.pilot.wait_screen("home")
        if self.app.call.phase != "idle":
            self.result.problems.append("declining video help left a call behind")

    def technician(self) -> None:
        p = self.pilot
        for corner in ("tl", "tr", "tl", "tr"):
            p.tap_corner(corner)
        p.wait_screen("pin")
        pin = self.app.settings.technician_pin
        if not pin:
            self.say("technician PIN not set (KIOSK_TECHNICIAN_PIN): maintenance stays locked")
            p.tap("pin.cancel")
            p.wait_screen("home")
            return
        for digit in pin:
            p.tap(f"key.{digit}")
        p.tap("key.OK")
        p.wait_screen("maintenance")
        p.wait_until(lambda: p.find("tech.device.printer") is not None, "the device list")
        p.tap("tech.test_print")
        p.wait_until(lambda: bool(p.text("tech.result")), "the test print result")
        p.tap("tech.camera")
        p.wait_until(lambda: self.app.screens["maintenance"].preview.texture is not None, "the camera view")
        self.pilot.shot("maintenance")
        p.tap("tech.exit")
        p.wait_screen("home")

    def elder_home(self) -> None:
        p = self.pilot
        p.tap("shell.elder")
        self.pilot.shot("home-elder")
        p.tap("shell.elder")
        p.wait_screen("home")

    def pick_items(self) -> list[str]:
        """``KIOSK_DEMO_ITEMS`` (comma-separated), else the preferred items kioskd offers, else any."""
        import os

        wanted = [c for c in os.environ.get("KIOSK_DEMO_ITEMS", "").split(",") if c]
        if wanted:
            return wanted
        codes = [i.code for i in self.app.items if i.kiosk_complete]
        if not codes:
            raise PilotError("kioskd lists no service item the kiosk can complete")
        return [c for c in PREFERRED_ITEMS if c in codes] + [c for c in codes if c not in PREFERRED_ITEMS]

    # -- one session, screen by screen ------------------------------------------------------------
    def session(self, code: str) -> None:
        p = self.pilot
        p.tap(f"home.item.{code}")
        p.wait_until(lambda: self.app.current != "home", "the first step", 15)
        seen_form = 0
        submit_tries = 0
        for _ in range(80):
            p.wait_until(lambda: not self.app.busy, "kioskd's answer", 15)
            p.frame(2)
            screen = self.app.current
            snap = self.app.snapshot
            if screen == "home":
                return
            if snap is not None and snap.applicant is not None:
                self.applicant_name = snap.applicant.name_masked
            if not self.idle_shown and snap is not None and screen in ("guide", "consent"):
                self.idle_warning()
                continue
            self.say(f"step: {screen}")
            if screen in ("review", "choose") and not self.paper_fault_shown and "print" in self.seen():
                # A receipt has come out once; now take the paper out before the next one, to show the
                # calm fault screen (and the ticket coming out by itself once paper is loaded).
                self.sim.printer_paper("out")
            if screen in ("guide", "review"):
                self.tap_and_leave(f"{screen}.next", screen)
            elif screen == "consent":
                self.tap_and_leave("consent.agree", screen)
            elif screen == "identify":
                self.sim.place_card("resident", elder_card_fields())
                self.wait_leave("identify", 15)
            elif screen == "form":
                seen_form += 1
                if seen_form > 3:
                    raise PilotError("the form keeps coming back; kioskd rejects the demo's values")
                self.fill_form()
                self.tap_and_leave("form.submit", "form", allow_stay=True)
            elif screen == "choose":
                first = snap.step.options[0].value
                self.tap_and_leave(f"choose.{first}", screen, allow_stay=True)  # a second choice may follow
            elif screen == "capture":
                self.capture()
            elif screen == "submit":
                if submit_failed(snap):
                    submit_tries += 1
                    if submit_tries > 1 or p.find("submit.next") is None:
                        self.say("submission fails here (no intake service?); leaving this item")
                        self.leave()
                        return
                    self.tap_and_leave("submit.next", "submit", allow_stay=True)
                else:
                    p.wait_until(lambda: self.app.current != "submit" or (
                        self.app.snapshot is not None and submit_failed(self.app.snapshot)),
                        "the submission", 60)
            elif screen == "print":
                self.print_step()
            elif screen == "fault":
                self.paper_fault_shown = True
                p.frame(2)
                self.sim.printer_paper("ok")
                try:
                    self.wait_leave("fault", 5)
                except PilotError:
                    retry = next((k for k in p.ids("fault.option.") if k.endswith("retry")), None)
                    if retry:
                        self.tap_and_leave(retry, "fault")
                    else:
                        self.leave()
                        return
            elif screen == "rate":
                self.tap_and_leave("rate.level5", screen)
            elif screen == "done":
                p.frame(3)
                self.sim.remove_card()
                p.tap("done.finish")
                p.wait_screen("home", 15)
            elif screen == "offline":
                raise PilotError("kioskd stopped answering during the demo")
            else:
                raise PilotError(f"the demo does not know the screen {screen!r}")
        raise PilotError("the session did not end after 80 steps")

    def leave(self) -> None:
        """Walk away from the session (what 不需要，退出 on the idle warning does)."""
        self.pilot.on_main(self.app.leave_session)
        self.pilot.wait_screen("home", 15)

    def tap_and_leave(self, kid: str, screen: str, allow_stay: bool = False) -> None:
        before = self.app.snapshot.updated_at if self.app.snapshot else None
        self.pilot.tap(kid)
        if allow_stay:
            self.pilot.wait_until(
                lambda: self.app.current != screen
                or (self.app.snapshot is not None and self.app.snapshot.updated_at != before),
                f"kioskd to answer {kid}", 15)
        else:
            self.wait_leave(screen, 15)

    def wait_leave(self, screen: str, timeout: float) -> None:
        self.pilot.wait_until(lambda: self.app.current != screen, f"leaving {screen}", timeout)
        self.pilot.frame(2)

    def idle_warning(self) -> None:
        """Show the 还需要更多时间吗？ warning now instead of waiting out kioskd's idle time."""
        p = self.pilot
        self.idle_shown = True
        saved = self.app.idle.warn_s
        self.app.idle.warn_s = 10_000
        try:
            p.wait_until(lambda: self.app.idle_warning.parent is not None, "the idle warning", 5)
            p.frame(3)
            p.wait_until(lambda: not self.app.shot_pending, "the screenshot")
            button = p.find("idle.yes")
            x, y = p.on_main(lambda: button.to_window(*button.center))

            def press() -> None:
                from kivy.tests.common import UnitTestTouch

                # Back to the real warning time in the same frame as the tap, or the next
                # clock tick would open the warning again (or close it under the finger).
                self.app.idle.warn_s = saved
                touch = UnitTestTouch(x, y)
                touch.touch_down()
                touch.touch_up()

            p.on_main(press)
            p.wait_until(lambda: self.app.idle_warning.parent is None and not self.app.busy,
                         "the warning to close")
        finally:
            self.app.idle.warn_s = saved

    def fill_form(self) -> None:
        p = self.pilot
        screen = self.app.screens["form"]
        for view in list(screen.fields):
            if view.value and not view.error:
                continue
            if view.type == "choice":
                if view.choices:
                    p.tap(f"form.field.{view.name}")
                    p.tap(f"form.choice.{view.name}.{view.choices[0]}")
                continue
            if not view.required and not view.error:
                continue
            value = DEMO_VALUES.get(view.type) or DEMO_VALUES.get(view.keypad)
            p.tap(f"form.field.{view.name}")
            p.tap("key.CLR")
            if value is None:  # free text: type 张 in pinyin and pick it
                for letter in "zhang":
                    p.tap(f"key.{letter}")
                p.tap("cand.0")
            else:
                for key in value:
                    p.tap(f"key.{key}")
            if view.name == "phone" or view.type == "phone":
                self.pilot.shot("form-keypad")
            p.tap("key.OK")

    def capture(self) -> None:
        p = self.pilot
        self.sim.place_document("a4")
        deadline = time.monotonic() + 45
        preview = self.app.sm.get_screen("capture").preview
        shown = False
        while time.monotonic() < deadline:
            if not shown and preview.texture is not None and preview.quad:
                self.pilot.shot("capture-preview")  # the live frame with the page outlined
                shown = True
            if p.find("capture.next") is not None:
                self.pilot.shot("capture-captured")
                self.tap_and_leave("capture.next", "capture")
                return
            if self.app.current != "capture":
                return
            time.sleep(0.3) if p.threaded else p.frame(5)
        if p.find("capture.capture_page") is not None:
            p.tap("capture.capture_page")
            p.wait_until(lambda: p.find("capture.next") is not None, "the page to be taken", 15)
            self.tap_and_leave("capture.next", "capture")
            return
        raise PilotError("the camera never took the page")

    def print_step(self) -> None:
        p = self.pilot
        p.frame(3)
        if p.find("print.next") is not None:
            self.tap_and_leave("print.next", "print")
            return
        option = next((k for k in p.ids("print.option.") if k.endswith("retry")), None)
        if option is not None:
            self.sim.printer_paper("ok")
            self.tap_and_leave(option, "print", allow_stay=True)
            return
        p.wait_until(lambda: self.app.current != "print" or bool(p.ids("print.option.")), "the printout", 30)

    def check_forgotten(self) -> None:
        """After the session nothing of the citizen may be left on any screen."""
        self.pilot.frame(3)
        text = self.pilot.all_text()
        if DEMO_PHONE in text:
            self.result.problems.append("the citizen's phone number is still on a screen after the session")
        if self.applicant_name and self.applicant_name in text:
            self.result.problems.append("the citizen's name is still on a screen after the session")
