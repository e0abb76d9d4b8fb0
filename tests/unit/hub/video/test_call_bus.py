"""The call bus's framing (NOTIFY payloads under 8000 bytes) and a call as another node receives it."""

from __future__ import annotations

import datetime as dt

from hub.video.bus import FRAME_BYTES, Reassembly, frames, home_of
from hub.video.calls import Call, Reason, Status, from_wire, new_call_id, to_wire

NOW = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)


def test_a_64_kb_offer_with_chinese_text_travels_in_pieces_under_the_payload_limit_and_comes_back_whole():
    message = {"op": "said", "msg": {"type": "offer", "sdp": "v=0\r\n" + "a=x:长" * 12_000}}
    payloads = frames(message, "ab12cd34f")
    assert len(payloads) > 8 and all(len(p.encode()) <= FRAME_BYTES for p in payloads)
    joined = Reassembly()
    assert [joined.add(p) for p in payloads[:-1]] == [None] * (len(payloads) - 1)
    assert joined.add(payloads[-1]) == message


def test_pieces_of_two_senders_interleaved_are_told_apart_and_a_message_missing_a_piece_is_dropped():
    one, two = frames({"n": "1" * 20_000}, "node1-1"), frames({"n": "2" * 20_000}, "node2-7")
    joined = Reassembly()
    got = [m for pair in zip(one, two, strict=True) for m in (joined.add(pair[0]), joined.add(pair[1])) if m]
    assert got == [{"n": "1" * 20_000}, {"n": "2" * 20_000}]
    broken = frames({"n": "3" * 20_000}, "node1-2")
    assert [joined.add(p) for p in broken[:1] + broken[2:]] == [None] * (len(broken) - 1)
    assert joined.add("not a frame") is None and joined.add(frames({"ok": 1}, "x")[0]) == {"ok": 1}


def test_a_call_id_names_its_home_node_and_the_call_crosses_without_the_citizens_screen():
    call = Call(id=new_call_id("0a1b2c3d"), kiosk_id="k1", site_id="yc-hall", item_code="c", item_name="养老",
                step_id="s", step_title="请放置身份证", elder_mode=True, language="zh_CN", created_at=NOW)
    assert len(call.id) == 32 and home_of(call.id) == "0a1b2c3d"
    call.decline("li")
    call.accept("wang", "王芳", NOW)
    call.step = {"id": "form", "fields": {"姓名": "张*"}}
    back = from_wire(to_wire(call))
    assert back.step is None and "张*" not in str(to_wire(call))
    back.step = call.step
    assert back == call and back.status is Status.ACCEPTED and back.declined_by == {"li"}
    call.end(Reason.HELPER_HANGUP, NOW)
    assert from_wire(to_wire(call)).end_reason is Reason.HELPER_HANGUP
