"""Video help, driven like a citizen (headless, against the scripted fake kioskd and its helper)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from .flows import walk_to

pytestmark = pytest.mark.ui

GOOD_PHONE = "13812345678"


@pytest.fixture
def call(kiosk):
    """The kiosk with no call up before and after the test (other UI tests share the window)."""
    kiosk.app.call.reset()
    yield kiosk
    kiosk.fake.reset()
    kiosk.app.call.reset()
    kiosk.pilot.frame(2)


def start_call(kiosk, screen: bool = False, document: bool = False, from_footer: bool = True) -> None:
    p = kiosk.pilot
    p.tap("shell.helper" if from_footer else "home.video_help")
    p.wait_screen("call_consent")
    if screen:
        p.tap("call_consent.screen")
    if document:
        p.tap("call_consent.document")
    p.tap("call_consent.agree")


def connected(kiosk) -> None:
    app, p = kiosk.app, kiosk.pilot
    p.wait_until(lambda: app.call.phase == "live" and p.find("call.text") is not None
                 and p.text("call.text") == kiosk.fake.greeting, "the helper's greeting")


def test_declining_consent_starts_no_call_and_no_camera(call):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "form")
    start = len(fake.events)
    p.tap("shell.helper")
    p.wait_screen("call_consent")
    assert p.text("call_consent.face") == "必需"  # the face camera is what a call is
    assert "摄像头才会打开" in p.text("call_consent.camera_after")
    p.wait_until(lambda: ("call_helper", {}) in fake.events[start:], "the session to record the request")
    p.tap("call_consent.cancel")
    p.wait_screen("form")
    p.wait_until(lambda: ("cancel_helper", {}) in fake.events[start:], "the request to be withdrawn")
    p.frame(3)
    assert fake.call_log == []
    assert fake.current_call() is None
    assert p.find("call.panel") is None and app.call.phase == "idle"
    assert not app.call._sharing and app.call._frame_poll is None


def test_consent_answers_are_posted_and_ringing_can_be_cancelled(call):
    app, fake, p = call.app, call.fake, call.pilot
    fake.call_script = "ring"
    fake.call_recording = True
    start_call(call, screen=True, from_footer=False)
    p.wait_until(lambda: fake.call_log[:1] == [("start", {"camera": True, "screen": True, "document": False})],
                 "the call to be asked for")
    p.wait_until(lambda: p.find("call.recording") is not None, "the recording notice")
    assert p.text("call.status") == "正在呼叫工作人员，请稍候…"
    assert "录音录像" in p.text("call.recording")
    assert p.text("call.camera_on") == "摄像头已开启"  # consent given: the camera is on while ringing
    fake.hub_says("目前没有工作人员在线，请稍候")  # kioskd's words take over
    p.wait_until(lambda: p.text("call.status") == "目前没有工作人员在线，请稍候", "kioskd's message")
    assert "录音录像" in p.text("call.recording")
    assert app.current == "home"  # the citizen is back where they were, the panel above
    p.tap("call.cancel")
    p.wait_until(lambda: ("hangup", None) in fake.call_log, "kioskd to be told")
    assert p.text("call.status") == "通话已结束"
    # The next consent screen says the call is recorded before anything is sent.
    p.tap("call.close")
    p.tap("home.video_help")
    p.wait_screen("call_consent")
    assert "录音录像" in p.text("call_consent.recording")
    p.tap("call_consent.cancel")
    p.wait_screen("home")


def test_connected_call_shows_the_helpers_video_text_and_highlight_over_the_step(call):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "form")
    start_call(call)
    connected(call)
    assert p.text("call.helper") == "工作人员 王*"
    assert p.text("call.camera_on") == "摄像头已开启"
    panel = app.call.panel
    p.wait_until(lambda: panel.frames_shown >= 3, "the helper's video")
    first = bytes(panel.video.texture.pixels[:3000])
    shown = panel.frames_shown
    p.wait_until(lambda: panel.frames_shown >= shown + 2, "more frames")
    assert bytes(panel.video.texture.pixels[:3000]) != first  # the picture moves
    fake.helper_says("请点一下联系电话，输入您的手机号码")
    p.wait_until(lambda: p.text("call.text") == "请点一下联系电话，输入您的手机号码", "the helper's text")
    fake.helper_highlights("phone")
    light = app.call.highlight
    p.wait_until(lambda: light.drawn and light.widget is not None, "the highlight")
    assert light.widget.kid == "form.field.phone"
    light.stop()  # the pulse has run its course...
    fake.helper_highlights("phone")  # ...and the helper points at the same field again
    p.wait_until(lambda: light.drawn, "the highlight again")
    # The step underneath still works: the citizen types the number with the call up.
    p.tap("form.field.phone")
    for key in "13912345678":
        p.tap(f"key.{key}")
    fake.helper_highlights("keypad")
    p.wait_until(lambda: light.drawn and type(light.widget).__name__ == "Keypad", "the keypad highlighted")
    p.tap("key.OK")
    p.tap("form.submit")
    p.wait_screen("choose")
    # The call survives the screen change; a highlight finds the new screen's button.
    assert app.call.phase == "live" and p.find("call.hangup") is not None
    fake.helper_highlights("back")
    p.wait_until(lambda: light.drawn and light.widget is not None and light.widget.kid == "choose.back",
                 "the back button highlighted")


def test_helper_hanging_up_ends_calmly_and_withdraws_the_request(call):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "consent")
    start_call(call)
    connected(call)
    fake.helper_hangs_up()
    p.wait_until(lambda: p.find("call.status") is not None and p.text("call.status") == "通话已结束", "the end")
    assert p.text("call.message") == "工作人员已结束通话。"
    p.wait_until(lambda: fake.events[-1] == ("cancel_helper", {}), "cancel_helper")
    assert app.call._frame_poll is None and not app.call.highlight.drawn
    p.tap("call.close")
    p.wait_until(lambda: p.find("call.panel") is None, "the panel to go")
    assert app.current == "consent"
    assert p.text("shell.helper") == "视频帮助"  # a new call can be started


def test_citizen_hangs_up_and_a_late_push_does_not_bring_the_call_back(call):
    app, fake, p = call.app, call.fake, call.pilot
    start_call(call, from_footer=False)
    connected(call)
    p.tap("call.hangup")
    p.wait_until(lambda: ("hangup", None) in fake.call_log, "kioskd to be told")
    fake._call = fake._call.model_copy(update={"state": "connected"})
    fake.helper_says("还在吗？")  # a push from before the hang-up arrives late
    p.frame(5)
    assert app.call.phase == "over" and p.text("call.status") == "通话已结束"


def test_screen_sharing_is_switched_during_the_call_and_sends_small_jpegs(call):
    from PIL import Image

    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "form")
    start_call(call)
    connected(call)
    assert p.text("call.share") == "共享屏幕"
    p.tap("call.share")
    p.wait_until(lambda: ("consent", {"camera": True, "screen": True, "document": False}) in fake.call_log,
                 "the consent change")
    p.wait_until(lambda: p.find("call.screen_on") is not None, "the sharing indicator")
    p.wait_until(lambda: fake.screen_frames_total >= 2, "screen frames", 20)
    image = Image.open(io.BytesIO(fake.screen_frames[-1]))
    assert image.format == "JPEG" and max(image.size) <= 960
    assert p.text("call.share") == "停止共享"
    p.tap("call.share")
    p.wait_until(lambda: fake.call_log[-1] == ("consent", {"camera": True, "screen": False, "document": False}),
                 "sharing off")
    p.wait_until(lambda: not app.call._sharing, "the screen capture to stop")
    assert p.find("call.screen_on") is None


def test_shrinking_the_panel_stops_the_video_and_gives_the_step_room(call):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "form")
    start_call(call)
    connected(call)
    tall = app.call.panel.height
    p.tap("call.shrink")
    p.frame(3)
    assert app.call._frame_poll is None
    assert app.call.panel.height < tall * 0.6
    assert p.text("call.text") == fake.greeting and p.find("call.camera_on") is not None
    p.tap("call.expand")
    p.wait_until(lambda: app.call._frame_poll is not None, "the video again")


def test_network_trouble_says_so_and_clears_when_back(call):
    fake, p = call.fake, call.pilot
    start_call(call, from_footer=False)
    connected(call)
    fake.network_blip()
    p.wait_until(lambda: p.find("call.reconnecting") is not None, "the reconnecting notice")
    assert p.text("call.reconnecting") == "网络不稳定，正在重新连接…"
    fake.network_blip(recovered=True)
    p.wait_until(lambda: p.find("call.reconnecting") is None, "the notice to go")


def test_a_call_that_cannot_start_says_where_to_go(call):
    fake, p = call.fake, call.pilot
    fake.call_failure = "no_camera"
    start_call(call, from_footer=False)
    p.wait_until(lambda: p.find("call.message") is not None, "the calm failure")
    assert "摄像头暂时无法使用" in p.text("call.message") and "3号窗口" in p.text("call.message")
    assert fake.call_log == []


def test_unanswered_call_takes_a_callback_number_checked_on_the_keypad(call):
    app, fake, p = call.app, call.fake, call.pilot
    fake.call_script = "unanswered"
    walk_to(call, "form")
    start_call(call)
    p.wait_until(lambda: p.find("call.callback") is not None, "the unanswered offers")
    assert p.text("call.status") == "工作人员暂时都在忙，未能接听。"
    p.wait_until(lambda: fake.events[-1] == ("cancel_helper", {}), "cancel_helper")
    p.tap("call.callback")
    p.wait_screen("call_callback")
    assert app.call.panel.parent is None  # the offers step aside for the keypad
    p.tap("call_callback.back")  # changed their mind: the offers are still there
    p.wait_screen("form")
    p.tap("call.callback")
    p.wait_screen("call_callback")
    p.tap("call_callback.send")
    assert p.text("call_callback.error") == "请先输入手机号码。"
    for key in "13812":
        p.tap(f"key.{key}")
    p.tap("call_callback.send")
    assert p.text("call_callback.error") == "手机号码应为11位数字，您输入了5位。"
    p.tap("key.CLR")
    for key in "12812345678":
        p.tap(f"key.{key}")
    p.tap("key.OK")
    assert "以1开头" in p.text("call_callback.error")
    assert not [e for e in fake.call_log if e[0] == "callback"]
    p.tap("key.CLR")
    for key in GOOD_PHONE:
        p.tap(f"key.{key}")
    p.tap("call_callback.send")
    p.wait_until(lambda: ("callback", GOOD_PHONE) in fake.call_log, "the callback request")
    p.wait_until(lambda: p.find("call_callback.done") is not None, "the confirmation")
    assert "138****5678" in p.text("call_callback.done")
    assert GOOD_PHONE not in p.all_text()
    p.tap("call_callback.ok")
    p.wait_screen("form")
    assert p.find("call.panel") is None


def test_unanswered_call_can_take_a_queue_ticket_instead(call, monkeypatch):
    from flows.catalog import load_catalog

    app, fake, p = call.app, call.fake, call.pilot
    monkeypatch.setitem(fake.catalog, "queue_ticket", load_catalog()["queue_ticket"])  # the shipped 取号 item
    monkeypatch.setattr(app, "items", fake.items())
    fake.call_script = "unanswered"
    walk_to(call, "form")
    started = fake.sessions_started
    start_call(call)
    p.wait_until(lambda: p.find("call.ticket") is not None, "the unanswered offers")
    assert "本次自助办理将结束" in p.text("call.ticket_note")
    p.tap("call.ticket")
    p.wait_until(lambda: fake.sessions_started == started + 1 and app.snapshot is not None
                 and app.snapshot.item_code == "queue_ticket", "the ticket item")
    assert ("abandon", {}) in fake.events


def test_elder_mode_rebuilds_the_panel_with_the_call_still_up(call):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "guide")
    start_call(call)
    connected(call)
    normal = app.call.panel.height
    p.tap("shell.elder")
    p.wait_until(lambda: p.find("call.text") is not None, "the panel again")
    assert p.text("call.text") == fake.greeting and app.call.panel.height > normal
    from .test_rendering import _overflows

    p.frame(3)
    assert _overflows(app) == []
    if os.environ.get("KIOSK_CALL_SHOTS"):
        app.screenshot_dir = Path(os.environ["KIOSK_CALL_SHOTS"])
        p.shot("call-connected-elder")
        app.screenshot_dir = None
    p.tap("shell.elder")
    p.wait_until(lambda: p.find("call.text") is not None, "the panel again")


def test_call_screens_fit_and_are_saved_for_review(call, tmp_path):
    """Screenshots of every face of the call (``KIOSK_CALL_SHOTS=dir`` keeps them), none clipped."""
    from PIL import Image, ImageStat

    from .test_rendering import _overflows

    app, fake, p = call.app, call.fake, call.pilot
    out = Path(os.environ.get("KIOSK_CALL_SHOTS") or tmp_path)
    app.screenshot_dir = out
    problems = {}

    def shoot(label: str) -> None:
        p.frame(3)
        problems[label] = _overflows(app)
        p.shot(label)

    fake.call_script = "ring"
    fake.call_recording = True
    walk_to(call, "form")
    p.tap("shell.helper")
    p.wait_screen("call_consent")
    p.tap("call_consent.document")
    shoot("call-consent")
    p.tap("call_consent.agree")
    p.wait_until(lambda: p.find("call.recording") is not None, "ringing")
    shoot("call-ringing")
    fake.helper_accepts()
    connected(call)
    p.wait_until(lambda: app.call.panel.frames_shown >= 2, "the helper's video")
    fake.helper_says("请点一下“联系电话”，输入您的手机号码")
    fake.helper_highlights("phone")
    p.wait_until(lambda: app.call.highlight.drawn, "the highlight")
    shoot("call-connected")
    p.tap("call.shrink")
    shoot("call-shrunk")
    fake.helper_hangs_up()
    p.wait_until(lambda: p.find("call.message") is not None, "the end")
    shoot("call-ended")
    p.tap("call.close")
    fake.call_script = "unanswered"
    p.wait_until(lambda: p.find("shell.helper") is not None, "the footer")
    start_call(call)
    p.wait_until(lambda: p.find("call.callback") is not None, "unanswered")
    shoot("call-unanswered")
    p.tap("call.callback")
    p.wait_screen("call_callback")
    for key in "12812345678":
        p.tap(f"key.{key}")
    p.tap("call_callback.send")
    shoot("call-callback")
    app.screenshot_dir = None
    assert not {k: v for k, v in problems.items() if v}
    for shot in app.shots[-7:]:
        image = Image.open(shot).convert("L")
        assert ImageStat.Stat(image).stddev[0] > 20, f"{shot.name} looks blank"


def test_a_device_highlight_outlines_its_picture_or_says_where_to_look(call):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "identify")
    start_call(call)
    connected(call)
    light = app.call.highlight
    fake.helper_highlights("card_reader")
    p.wait_until(lambda: light.drawn and type(light.widget).__name__ == "CardReaderArt", "the reader picture")
    assert p.find("call.look") is None
    fake.helper_highlights("printer")  # no printer on this screen: the panel says where it is
    p.wait_until(lambda: p.find("call.look") is not None, "where to look")
    assert "出纸口" in p.text("call.look") and not light.drawn


@pytest.mark.parametrize("recorded", [True, False])
def test_the_first_consent_screen_already_says_whether_the_call_is_recorded(call, recorded):
    app, fake, p = call.app, call.fake, call.pilot
    app.call.recording_known = None  # no call yet since the UI started
    fake.call_recording = recorded
    p.tap("home.video_help")
    p.wait_screen("call_consent")
    p.wait_until(lambda: p.find("call_consent.recording") is not None, "the site's recording policy")
    assert ("录音录像" in p.text("call_consent.recording")) is recorded
    p.tap("call_consent.cancel")
    p.wait_screen("home")


def test_a_call_kioskd_still_has_is_shown_again_after_a_ui_restart(call):
    from local_api.schemas import CallStart

    app, fake, p = call.app, call.fake, call.pilot
    fake.call_script = "ring"
    fake.call_recording = True
    fake.start_call(CallStart())  # the UI process restarted in the middle of a call
    fake.helper_accepts()
    app.call.resume()
    connected(call)
    assert app.call.recording_known is True
    p.tap("call.hangup")
    p.wait_until(lambda: ("hangup", None) in fake.call_log, "kioskd to be told")


def test_the_technicians_screens_are_never_shared(call):
    app, fake, p = call.app, call.fake, call.pilot
    start_call(call, screen=True, from_footer=False)
    connected(call)
    p.wait_until(lambda: fake.screen_frames_total >= 1, "the home screen shared")
    for corner in ("tl", "tr", "tl", "tr"):
        p.tap_corner(corner)
    p.wait_screen("pin")
    p.wait_until(lambda: not app.call._screen_in_flight, "the last home frame")
    sent = fake.screen_frames_total
    app.call._last_screen = 0.0  # a shared frame is due now
    app.call._on_flip()  # as the window does after drawing the PIN screen
    assert not app.call._screen_in_flight and fake.screen_frames_total == sent
    p.tap("pin.cancel")
    p.wait_screen("home")


def test_unanswered_without_a_ticket_item_says_where_to_go(call):
    fake, p = call.fake, call.pilot
    fake.call_script = "unanswered"
    started = fake.sessions_started
    start_call(call, from_footer=False)
    p.wait_until(lambda: p.find("call.ticket") is not None, "the unanswered offers")
    p.tap("call.ticket")  # the fake kioskd offers no queue_ticket item
    p.wait_until(lambda: p.find("call.message") is not None, "where to go")
    assert "不能取号" in p.text("call.message") and "3号窗口" in p.text("call.message")
    assert fake.sessions_started == started


def test_a_callback_number_left_untouched_is_wiped(call, monkeypatch):
    from kiosk.screens.call import CallbackScreen

    fake, p = call.fake, call.pilot
    monkeypatch.setattr(CallbackScreen, "IDLE_S", 2.0)
    fake.call_script = "unanswered"
    walk_to(call, "form")
    start_call(call)
    p.wait_until(lambda: p.find("call.callback") is not None, "the unanswered offers")
    p.tap("call.callback")
    p.wait_screen("call_callback")
    for key in "1381234":
        p.tap(f"key.{key}")
    p.wait_screen("form", 15)  # the citizen walked away mid-number
    assert "1381234" not in p.all_text()
    assert p.find("call.panel") is None and not [e for e in fake.call_log if e[0] == "callback"]


def test_the_helper_fills_in_only_after_the_citizen_agrees_and_the_entries_are_marked(call, tmp_path):
    app, fake, p = call.app, call.fake, call.pilot
    walk_to(call, "form")
    start_call(call)
    connected(call)
    fake.helper_asks_to_fill_in()
    p.wait_until(lambda: p.find("call.assist_yes") is not None, "the helper's request on the screen")
    assert "随时收回" in p.text("call.assist_asked")
    p.tap("call.assist_yes")
    p.wait_until(lambda: p.find("call.assist_take_back") is not None, "收回操作 offered")
    fake.helper_types("remark", "代填备注")
    p.wait_until(lambda: p.text("form.field.remark") == "代填备注", "the helper's entry on the form")
    assert p.text("form.label.remark").endswith("（工作人员填写）")
    p.tap("call.assist_take_back")
    p.wait_until(lambda: p.find("call.assist_take_back") is None, "the control taken back")
    assert ("assist", False) in fake.call_log
    p.wait_until(lambda: p.text("form.field.remark") != "代填备注", "the unconfirmed entry gone")
    assert fake.sessions.snapshot().assist.active is False
    fake.helper_hangs_up()
    p.wait_until(lambda: app.call.phase != "live", "the call over")
    app.leave_session()
    p.wait_screen("home")
