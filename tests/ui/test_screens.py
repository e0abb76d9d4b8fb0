"""The kiosk's screens, driven like a citizen would (headless, against the scripted fake kioskd)."""

from __future__ import annotations

import pytest

from .fake import resident_card
from .flows import PHONE, walk_to

CARD = resident_card()  # 欧阳秀兰, shown as 欧**兰

pytestmark = pytest.mark.ui


def test_a_whole_session_shows_every_step_screen_and_then_forgets_the_citizen(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    start = len(app.shown)
    walk_to(kiosk, "print")
    # The printer runs out of paper: a calm screen, then back when paper is in again.
    fake.printer_paper("out")
    p.wait_screen("fault")
    assert p.text("fault.what") == "打印机缺纸"
    assert "加纸" in p.text("fault.message")
    fake.printer_paper("ok")  # the receipt waiting for paper comes out, and the session moves on by itself
    p.wait_screen("rate")
    # A bad rating asks why, offering the item's reasons.
    p.tap("rate.level1")
    p.tap("rate.reason.r1")
    p.wait_screen("done")
    assert fake.events[-1] == ("rate", {"level": 1, "reason": "操作复杂"})
    assert "NX2026" in p.text("done.case_no")
    p.tap("done.finish")
    p.wait_screen("home")
    shown = app.shown[start:]
    for screen in ("guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print",
                   "fault", "rate", "done", "home"):
        assert screen in shown
    assert ("form_submit", {"values": {"phone": PHONE}}) in fake.events
    everything = p.all_text()
    assert PHONE not in everything
    assert CARD["name"] not in everything and "欧**兰" not in everything
    assert "NX2026" not in everything
    receipt = fake.printed[-1].data  # what went to paper: masked by the same rule as the screen
    assert (receipt["applicant_name"], receipt["applicant_id"]) == ("欧**兰", "6401**********" + CARD["id_number"][-4:])


def test_abandoned_session_leaves_nothing_of_the_last_person(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    walk_to(kiosk, "form")
    p.tap("form.field.phone")
    for key in "139":
        p.tap(f"key.{key}")
    fake.expire()  # kioskd's idle rule
    p.wait_screen("home")
    assert "欧**兰" not in p.all_text()
    assert "139▏" not in p.all_text()
    assert app.snapshot is None


def test_form_keypad_refuses_letters_and_shows_kioskds_validation_error(kiosk):
    p = kiosk.pilot
    walk_to(kiosk, "form")
    p.tap("form.field.phone")
    for key in "123":
        p.tap(f"key.{key}")
    p.tap("key.OK")
    p.tap("form.submit")
    p.wait_until(lambda: p.find("form.error.phone") is not None, "the error under the phone field")
    assert "11位" in p.text("form.error.phone")
    assert kiosk.app.current == "form"


def test_text_field_is_typed_in_pinyin_on_the_screen_keypad(kiosk):
    p, fake = kiosk.pilot, kiosk.fake
    walk_to(kiosk, "form")
    p.tap("form.field.remark")
    p.tap("key.CLR")
    for letter in "zhang":
        p.tap(f"key.{letter}")
    assert p.text("cand.0")
    chosen = p.text(next(k for k in p.ids("cand.") if p.text(k) == "张"))
    p.tap(next(k for k in p.ids("cand.") if p.text(k) == "张"))
    p.tap("key.OK")
    p.tap("form.field.phone")
    for key in PHONE:
        p.tap(f"key.{key}")
    p.tap("key.OK")
    p.tap("form.submit")
    p.wait_screen("choose")
    assert fake.events[-1] == ("form_submit", {"values": {"remark": chosen, "phone": PHONE}})


def test_idle_warning_counts_down_and_more_time_keeps_the_session(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    walk_to(kiosk, "consent")
    fake.set_deadline_in(12)
    p.wait_until(lambda: p.find("idle.yes") is not None, "the idle warning", 5)
    assert p.text("idle.question") == "还需要更多时间吗？"
    assert "秒后将退出" in p.text("idle.countdown")
    p.tap("idle.yes")
    p.wait_until(lambda: p.find("idle.yes") is None and not app.busy, "the warning to close")
    assert fake.events[-1][0] == "still_here"
    assert app.current == "consent"


def test_an_expired_deadline_clears_the_screen_even_without_kioskds_push(kiosk):
    app, p = kiosk.app, kiosk.pilot
    walk_to(kiosk, "consent")
    snap = app.snapshot
    from datetime import UTC, datetime, timedelta

    app.snapshot = snap.model_copy(update={"idle_deadline": datetime.now(UTC) - timedelta(seconds=1)})
    p.wait_screen("home", 5)
    # kioskd still has the session, so the UI shows it again (nothing lost, nothing shown early).
    p.wait_screen("consent", 5)


def test_kioskd_away_shows_the_offline_screen_until_it_answers_again(kiosk):
    fake, p = kiosk.fake, kiosk.pilot
    p.tap("home.item.hj-zm")
    p.wait_screen("guide")
    fake.up = False
    p.tap("guide.next")
    p.wait_screen("offline")
    assert "3号窗口" in p.text("offline.body")
    fake.up = True
    p.wait_screen("home", 8)


def test_mute_tells_kioskd_and_elder_mode_turns_voice_back_on(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    p.tap("shell.mute")
    p.wait_until(lambda: fake.muted, "kioskd to be told")
    assert p.text("shell.mute") == "开启语音"
    p.tap("shell.elder")
    p.wait_until(lambda: not fake.muted, "voice back on")
    assert app.ts.elder


def test_elder_mode_makes_text_and_targets_larger(kiosk):
    app, p = kiosk.app, kiosk.pilot
    from kiosk.widgets.base import KButton, KLabel

    def sizes():
        from kiosk.pilot import walk

        widgets = list(walk(app.root))
        buttons = [w.height for w in widgets if isinstance(w, KButton)]
        labels = [w.font_size for w in widgets if isinstance(w, KLabel) and w.text]
        return min(buttons), min(labels)

    scale = app.ts.scale
    button, text = sizes()
    assert button >= 60 * scale and text >= 30 * scale
    p.tap("shell.elder")
    p.wait_screen("home")
    elder_button, elder_text = sizes()
    assert elder_button > button and elder_text > text
    p.tap("home.item.hj-zm")
    p.wait_screen("guide")
    assert kiosk.fake.sessions_started >= 1
    p.tap("shell.elder")  # switched off mid-session: kioskd is told, its timeouts follow
    p.wait_until(lambda: ("still_here", {"elder_mode": False}) in kiosk.fake.events, "kioskd to be told")


def test_technician_gesture_and_pin_open_maintenance(kiosk):
    fake, p = kiosk.fake, kiosk.pilot
    for corner in ("tl", "tr", "tl", "tr"):
        p.tap_corner(corner)
    p.wait_screen("pin")
    for key in "1111":
        p.tap(f"key.{key}")
    p.tap("key.OK")
    assert p.text("pin.message") == "口令不正确"
    for key in "2468":
        p.tap(f"key.{key}")
    p.tap("key.OK")
    p.wait_screen("maintenance")
    p.wait_until(lambda: p.find("tech.device.printer") is not None, "the device list")
    assert "正常" in p.text("tech.device.printer")
    p.tap("tech.test_print")
    p.wait_until(lambda: fake.device_tests == [("printer", "print")], "the test print")
    p.tap("tech.exit")
    p.wait_screen("home")


def test_citizens_cannot_leave_the_kiosk_app(kiosk):
    from kivy.core.window import Window

    app = kiosk.app
    assert app.open_settings() is False
    for key in (27, 282):  # ESC, F1
        assert Window.dispatch("on_keyboard", key, 0, None, []) is True
    assert app.current == "home"
    from kivy.config import Config

    assert Config.get("kivy", "exit_on_escape") == "0"


def test_a_push_for_the_same_step_does_not_close_the_keypad_under_the_finger(kiosk):
    fake, p = kiosk.fake, kiosk.pilot
    walk_to(kiosk, "form")
    p.tap("form.field.phone")
    for key in "139":
        p.tap(f"key.{key}")
    fake.set_deadline_in(100)  # kioskd pushes the same step again
    p.frame(5)
    assert p.find("key.OK") is not None
    assert p.text("form.field.phone").startswith("139")


def test_walking_away_abandons_the_session_and_shows_home(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    walk_to(kiosk, "form")
    left = app.snapshot.id
    app.leave_session()
    p.wait_screen("home")
    p.wait_until(lambda: fake.events and fake.events[-1][0] == "abandon", "kioskd to be told")
    p.wait_until(lambda: fake.current_session() is None, "the session to be gone in kioskd")
    # kioskd's last word on it (abandoned) comes: the UI stays home and has nothing more to ignore
    p.wait_until(lambda: left not in app.left, "the abandoned session's last push")
    assert app.current == "home" and app.snapshot is None


def test_services_side_by_side_line_up_even_when_one_name_takes_two_lines(kiosk):
    p = kiosk.pilot
    p.frame(2)
    short, long_ = p.find("home.item.hj-zm"), p.find("home.item.hj-qy")  # 户口迁移预约 has a note under it
    assert long_.note is not None and short.note is None
    assert short.y == long_.y and short.height == long_.height
    assert short.height >= long_.needed_height() - 1
    assert short.height >= kiosk.app.ts.button_h


def test_a_card_placed_at_home_greets_its_holder_masked_and_leaves_no_trace(kiosk, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    invitation = p.text("home.hint")
    fake.place_card()
    p.wait_until(lambda: p.text("home.hint").startswith("欧**兰，您好"), "the greeting")
    app.screenshot_dir = tmp_path
    p.shot("home-card")
    assert app.shots[-1].name.endswith("-home-card.png") and app.shots[-1].stat().st_size > 10_000
    fake.remove_card()  # lifted again without choosing: back to the invitation
    p.wait_until(lambda: p.text("home.hint") == invitation, "the invitation")
    fake.place_card()
    p.wait_until(lambda: "欧**兰" in p.text("home.hint"), "the greeting again")
    p.tap("home.item.hj-zm")  # a service is tapped: its identify step takes the card held for it
    walk_to(kiosk, "form")
    assert "欧**兰" in p.text("form.field.name")
    app.leave_session()
    p.wait_screen("home")
    assert p.text("home.hint") == invitation and "欧**兰" not in p.all_text()


def test_a_name_from_the_card_is_shown_masked_and_typing_starts_afresh(kiosk):
    p = kiosk.pilot
    walk_to(kiosk, "form")
    assert "欧**兰" in p.text("form.field.name")
    assert "宁夏回族自治区银川市兴庆区****" in p.text("form.field.address")  # from the card: masked too
    p.tap("form.field.name")  # the citizen corrects it: the keypad does not start from the masked 欧**兰
    p.wait_until(lambda: "▏" in p.text("form.field.name"), "the cursor")
    assert "欧**兰" not in p.text("form.field.name")
    p.tap("key.OK")


def test_every_pushed_message_type_is_handled_or_deliberately_ignored(kiosk):
    from local_api.schemas import PUSH_TYPES, HelperView, PushMessage

    app = kiosk.app
    assert sorted(app.HANDLED_PUSHES + app.IGNORED_PUSHES) == sorted(PUSH_TYPES)
    before = app.sm.current
    app.on_push(PushMessage(type="helper", session_id="x", helper=HelperView(state="called", step="form")))
    assert app.sm.current == before  # the session snapshot, not this message, moves the screen


def test_identify_offers_typing_the_number_only_where_the_item_allows_it(kiosk):
    """The screen once read ``manual_allowed`` (never sent) and defaulted to offering manual entry."""
    from local_api.schemas import IdentifyData

    app, p = kiosk.app, kiosk.pilot
    walk_to(kiosk, "identify")  # hj-zm says allow_manual: true
    assert p.find("identify.manual") is not None
    snap = app.snapshot
    assert "manual_id" in snap.step.accepts
    for data in (IdentifyData(allow_manual=False), IdentifyData()):  # said no, or said nothing: no
        step = snap.step.model_copy(update={"data": data})
        app.screens["identify"].show(snap.model_copy(update={"step": step}))
        p.frame(2)
        assert p.find("identify.manual") is None


# ---- a certificate on the A4 printer (tests/ui/items/sb-cx.yaml) ----

def _state(p) -> str:
    return p.text("print.state") if p.find("print.state") is not None else ""


def test_a_certificate_is_issued_printed_and_the_citizen_told_where_to_take_it(kiosk):
    fake, p = kiosk.fake, kiosk.pilot
    walk_to(kiosk, "print", item="sb-cx")
    p.wait_until(lambda: _state(p) == "正在打印证明，请稍候", "the certificate printing")
    fake.finish_a4()
    p.wait_until(lambda: _state(p) == "证明已打印，请从A4出纸口取走", "where to take the paper")
    assert p.text("print.code") == "验证码：VJAJ-H05X-AQVH-V4A5"
    assert p.find("print.back") is None  # nothing before a printed certificate can be undone
    p.tap("print.next")
    p.wait_screen("done")
    assert [e.type for e in fake.effects if e.type.endswith("certificate")] == ["issue_certificate",
                                                                                "print_certificate"]


def test_no_record_says_so_and_sends_the_citizen_to_a_counter_without_a_retry(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    fake.certificate = "no_record"
    walk_to(kiosk, "print", item="sb-cx")
    p.wait_until(lambda: _state(p) == "没有找到您的记录", "the no-record screen")
    assert "没有找到您的社会保险参保记录" in p.text("print.message") and "人工窗口" in p.text("print.message")
    assert p.find("print.option.retry") is None and app.current == "print"  # not the device-fault screen
    p.tap("print.option.skip")
    p.wait_screen("done")
    assert not any(e.type == "print_certificate" for e in fake.effects)


def test_a_print_that_may_have_come_out_is_never_offered_again(kiosk):
    fake, p = kiosk.fake, kiosk.pilot
    walk_to(kiosk, "print", item="sb-cx")
    p.wait_until(lambda: _state(p) == "正在打印证明，请稍候", "the certificate printing")
    fake.finish_a4("a4_unknown", "不能确定证明是否已打印：请先看终端下方的A4出纸口有没有您的证明；"
                                 "如果没有，请联系大厅工作人员，不要重复打印")
    p.wait_until(lambda: _state(p) == "请先查看A4出纸口", "the look-first screen")
    assert "不要重复打印" in p.text("print.message")
    assert p.find("print.option.retry") is None and p.find("print.option.skip") is not None


def test_an_item_that_cannot_print_now_is_refused_on_a_calm_screen_that_says_why(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    fake.a4_media = "empty"
    p.tap("home.item.sb-cx")
    p.wait_screen("refused")
    assert p.text("refused.message").startswith("A4打印机缺纸") and "工作人员" in p.text("refused.message")
    assert "人工窗口" in p.text("refused.other") and not app.offline
    p.tap("refused.home")
    p.wait_screen("home")
    fake.a4_media = "ok"
    p.tap("home.item.sb-cx")
    p.wait_screen("guide")
