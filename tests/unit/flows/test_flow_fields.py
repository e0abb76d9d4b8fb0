"""Form values and wire events are checked with messages a citizen or a client developer can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows import events as ev
from flows.fields import age_on, check_field
from flows.model import Field

VALID_ID = "11010519491231002X"  # the worked example of GB 11643-1999


@pytest.mark.parametrize(("ftype", "raw", "value", "error"), [
    ("phone", "139 1234 5678", "13912345678", ""),
    ("phone", "0951-5550100", "0951-5550100", ""),
    ("phone", "23912345678", "23912345678", "应为11位手机号码"),
    ("date", "20240229", "2024-02-29", ""),
    ("date", "2023-02-29", "2023-02-29", "应为有效日期"),
    ("id_number", VALID_ID.lower(), VALID_ID, ""),
    ("id_number", "110105194912310021", "110105194912310021", "18位有效身份证号码"),
    ("number", "3", "3", ""),
    ("number", "abc", "abc", "应为数字"),
    ("number", "120", "120", "不能大于99"),
    ("address", "银川", "银川", "街道门牌号"),
    ("text", "", "", "请填写测试项"),
])
def test_field_checks(ftype, raw, value, error):
    extra = {"min": 1, "max": 99} if ftype == "number" else {}
    field = Field(name="f", label="测试项", type=ftype, **extra)
    got_value, got_error = check_field(field, raw)
    assert got_value == value
    assert (error in got_error) if error else got_error == ""


def test_optional_empty_field_is_fine():
    assert check_field(Field(name="f", label="备注", required=False), "  ") == ("", "")


def test_choice_must_be_listed():
    field = Field(name="f", label="事由", type="choice", choices=("就业", "就读"))
    assert check_field(field, "就读") == ("就读", "")
    assert check_field(field, "旅游")[1] == "请从列出的选项中选择事由"


def test_age_counts_whole_years():
    assert age_on("19660501", date(2026, 5, 1)) == 60
    assert age_on("1966-05-02", date(2026, 5, 1)) == 59
    assert age_on("长期", date(2026, 5, 1)) is None


def test_client_event_from_the_wire():
    now = datetime(2026, 5, 1, tzinfo=UTC)
    event = ev.client_event("rate", {"level": 1, "reason": "等待时间长"}, now)
    assert isinstance(event, ev.Rated) and event.level == 1 and event.at == now
    assert ev.client_event("next", None, now) == ev.NextPressed(at=now)


@pytest.mark.parametrize(("etype", "data", "message"), [
    ("card_read", {"record": {}}, "unknown client event 'card_read'"),
    ("jump", {}, "unknown client event 'jump'"),
    ("rate", {"level": 9}, "bad 'rate' event: level: Input should be less than or equal to 5"),
    ("choose", {}, "bad 'choose' event: option: Field required"),
    ("next", {"x": 1}, "bad 'next' event: x: Extra inputs are not permitted"),
])
def test_malformed_client_events_are_refused(etype, data, message):
    with pytest.raises(ev.InvalidEvent) as caught:
        ev.client_event(etype, data, datetime(2026, 5, 1, tzinfo=UTC))
    assert str(caught.value).startswith(message)


def test_invalid_event_message_carries_no_personal_data():
    with pytest.raises(ev.InvalidEvent) as caught:
        ev.client_event("manual_id", {"id_number": VALID_ID, "name": 5}, datetime(2026, 5, 1, tzinfo=UTC))
    assert VALID_ID not in str(caught.value)


def test_system_events_parse_from_flat_dicts():
    event = ev.parse_event({"type": "printed", "job_id": "j1", "at": "2026-05-01T09:00:00+08:00"})
    assert isinstance(event, ev.Printed)
    with pytest.raises(ev.InvalidEvent, match="at: Input should have timezone info"):
        ev.parse_event({"type": "tick", "at": "2026-05-01T09:00:00"})
