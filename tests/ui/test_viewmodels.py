"""The UI's decisions without a window: screens, idle warning, keypads, technician access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.settings import SettingsError, UiSettings
from kiosk.viewmodels import (
    IdleWatch,
    KeypadBuffer,
    PinGate,
    PinyinIndex,
    TechGesture,
    capture_state,
    fault_key,
    group_items,
    page_quad,
    screen_for,
)
from local_api.schemas import FieldView, NoticeView, SessionStart
from tests.ui.fake import FakeKioskd


def _snapshot():
    fake = FakeKioskd()
    return fake.start_session(SessionStart(item_code="hj-zm"))


def test_each_step_kind_has_its_screen_and_an_ended_session_shows_home():
    snap = _snapshot()
    for kind in ("guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print",
                 "rate", "done"):
        step = snap.step.model_copy(update={"kind": kind})
        assert screen_for(snap.model_copy(update={"step": step})) == kind
    assert screen_for(None) == "home"
    assert screen_for(snap.model_copy(update={"status": "abandoned"})) == "home"
    assert screen_for(snap.model_copy(update={"status": "finished"})) == "home"


def test_a_device_error_notice_shows_the_calm_fault_screen_but_a_warning_does_not():
    snap = _snapshot()
    error = snap.model_copy(update={"notice": NoticeView(level="error", code="printer.paper_out", message="x")})
    warning = snap.model_copy(update={"notice": NoticeView(level="warning", message="y")})
    assert screen_for(error) == "fault"
    assert screen_for(warning) == "guide"
    assert fault_key("printer.paper_out") == "fault.printer_paper_out"
    assert fault_key("paper_out") == "fault.printer_paper_out"
    assert fault_key("device_fault:camera") == "fault.camera"
    assert fault_key("camera.offline") == "fault.camera"
    assert fault_key("hub.down") == "fault.generic"


def test_citizen_corrections_stay_on_the_step_and_device_faults_go_to_the_calm_screen():
    snap = _snapshot()
    for code in ("form_invalid", "reason_required", "card_expired", "capture_failed"):
        notice = NoticeView(level="error", code=code, message="x")
        assert screen_for(snap.model_copy(update={"notice": notice})) == "guide", code
    for code in ("paper_out", "cover_open", "device_fault:printer", "device_fault:camera"):
        notice = NoticeView(level="error", code=code, message="x")
        assert screen_for(snap.model_copy(update={"notice": notice})) == "fault", code


def test_idle_warning_comes_before_the_deadline_and_expiry_after_it():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    watch = IdleWatch(warn_s=20)
    assert watch.state(now + timedelta(seconds=60), now) == ("ok", 60)
    assert watch.state(now + timedelta(seconds=19.2), now) == ("warn", 20)
    assert watch.state(now - timedelta(seconds=1), now) == ("expired", 0)
    assert watch.state(None, now) == ("ok", 0)
    naive = datetime(2026, 1, 1, 0, 0, 10)  # a daemon that sends naive UTC
    assert watch.state(naive, now)[0] == "warn"


def test_digit_keypad_takes_only_digits_up_to_the_fields_length():
    buffer = KeypadBuffer.for_field(FieldView(name="phone", label="电话", type="phone", keypad="digits"))
    for key in "138001380001":
        buffer.press(key)
    assert buffer.text == "13800138000"  # 11 digits, the 12th refused
    assert buffer.press("a") is False
    buffer.press("DEL")
    assert buffer.text == "1380013800"
    buffer.press("CLR")
    assert buffer.text == ""


def test_id_keypad_accepts_x_only_as_the_check_character():
    buffer = KeypadBuffer.for_field(FieldView(name="id", label="号码", type="id_number", keypad="id"))
    assert buffer.press("X") is False
    for key in "11010519491231002":
        buffer.press(key)
    assert buffer.press("X") is True
    assert buffer.text == "11010519491231002X"
    assert buffer.press("1") is False


def test_technician_gesture_needs_the_corners_in_order_and_in_time():
    gesture = TechGesture()
    taps = [(0.02, 0.02), (0.98, 0.02), (0.02, 0.02)]
    assert not any(gesture.tap(x, y, t) for t, (x, y) in enumerate(taps))
    assert gesture.tap(0.98, 0.02, 3.0) is True
    # Too slow: the first taps fall out of the window.
    slow = TechGesture()
    for t, (x, y) in enumerate([*taps, (0.98, 0.02)]):
        assert slow.tap(x, y, t * 3.0) is False
    # A tap elsewhere starts over.
    broken = TechGesture()
    for t, (x, y) in enumerate([(0.02, 0.02), (0.98, 0.02), (0.5, 0.5), (0.02, 0.02), (0.98, 0.02)]):
        assert broken.tap(x, y, t * 0.1) is False


def test_pin_gate_locks_out_after_three_mistakes():
    gate = PinGate("2468")
    assert gate.check("1111", 0) == "wrong"
    assert gate.check("1111", 1) == "wrong"
    assert gate.check("1111", 2) == "locked"
    assert gate.check("2468", 3) == "locked"  # even the right PIN, while locked
    assert gate.check("2468", 63) == "ok"
    assert PinGate("").check("", 0) == "disabled"


def test_services_are_grouped_by_theme_in_kioskds_order():
    fake = FakeKioskd()
    groups = group_items(fake.items())
    assert [theme for theme, _ in groups] == ["不动产", "住房公积金", "医疗保障", "户籍办理", "社会保障"]
    assert [i.code for i in groups[3][1]] == ["hj-qy", "hj-zm"]


def test_capture_state_and_outline_are_read_from_the_camera_or_the_step():
    assert capture_state({"hint": "hold_still"}) == "hold_still"
    assert capture_state({"auto_state": "steady"}) == "hold_still"
    assert capture_state({"auto_capture": "captured"}) == "captured"
    assert capture_state({"hint": "weird"}) == "empty"
    assert page_quad({"page_quad": [[0, 0], [1, 0], [1, 1], [0, 1]]}) == [(0, 0), (1, 0), (1, 1), (0, 1)]
    # Pixel corners from the camera's preview state are scaled to fractions.
    state = {"quad": [[32, 24], [288, 24], [288, 216], [32, 216]], "width": 320, "height": 240}
    assert page_quad(state) == [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)]
    assert page_quad({"quad": [[0, 0]]}) is None
    assert page_quad({"quad": "nonsense"}) is None
    assert page_quad({"quad": None, "hint": "empty"}) is None


def test_bad_ratings_ask_for_a_reason():
    """好差评: 不满意 and 非常不满意 need a reason; the rate screen takes the levels from the step's view."""
    from flows.engine import BAD_LEVELS
    from local_api.schemas import RateData

    assert RateData().reason_required_levels == list(BAD_LEVELS) == [1, 2]


def test_pinyin_keypad_finds_surname_characters():
    index = PinyinIndex()
    assert "张" in index.candidates("zhang")
    assert "绿" in index.candidates("lv", limit=40)
    assert index.candidates("") == []


def test_settings_follow_kioskds_environment_and_config_file(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\napi_port = 9001\nhall_name = "测试大厅"\n', encoding="utf-8")
    settings = UiSettings.load({"KIOSK_CONFIG": str(config), "KIOSK_DATA_DIR": str(tmp_path)})
    assert settings.base_url == "http://127.0.0.1:9001"
    assert settings.hall_name == "测试大厅"
    assert UiSettings.load({"KIOSK_CONFIG": str(config), "KIOSK_API_PORT": "9002"}).api_port == 9002
    (tmp_path / "api-token").write_text("secret\n")
    assert settings.read_token() == "secret"
    assert settings.timezone == "Asia/Shanghai"  # the clock on screen is the hall's, not the machine's zone
    assert UiSettings.load({"KIOSK_TIMEZONE": "Asia/Urumqi"}).timezone == "Asia/Urumqi"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KIOSK_API_PORT": "eighty"}, "KIOSK_API_PORT"),
        ({"KIOSK_API_PORT": "70000"}, "from 1 to 65535"),
        ({"KIOSK_TECHNICIAN_PIN": "12ab"}, "digits only"),
        ({"KIOSK_CONFIG": "does-not-exist.toml"}, "does not exist"),
        ({"KIOSK_TIMEZONE": "Mars/Base"}, "KIOSK_TIMEZONE"),
    ],
)
def test_bad_settings_say_what_is_wrong(env, message):
    with pytest.raises(SettingsError, match=message):
        UiSettings.load(env)


def test_share_width_is_equal_unless_a_word_needs_more():
    from kiosk.viewmodels import share_width

    assert share_width([50, 60, 40], 300) == [100, 100, 100]
    # The long Uyghur word gets its width; the others share the rest equally.
    assert share_width([180, 60, 40, 70], 400) == [180, 220 / 3, 220 / 3, 220 / 3]
    # Two that need more than an equal share: both get it, none gets less than its own need.
    widths = share_width([150, 140, 30, 30], 400)
    assert widths[:2] == [150, 140] and widths[2] == widths[3] == 55
    assert share_width([], 300) == []
