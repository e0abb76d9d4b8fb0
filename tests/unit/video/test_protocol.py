"""Signaling messages from the hub: valid ones parse, malformed ones are refused with the reason."""

from __future__ import annotations

import json

import pytest

from local_api.video import protocol
from local_api.video.protocol import BadMessage, parse_hub_message


@pytest.mark.parametrize(("raw", "expected"), [
    ({"type": "ringing", "waiting_helpers": 2}, {"waiting_helpers": 2}),
    ({"type": "accepted", "helper": "王小明"}, {"helper": "王小明"}),
    ({"type": "peer-joined", "role": "helper"}, {}),
    ({"type": "answer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"}, {"sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"}),
    ({"type": "text", "text": "请把身份证放到感应区"}, {"text": "请把身份证放到感应区"}),
    ({"type": "highlight", "target": "card_reader"}, {"target": "card_reader"}),
    ({"type": "restart"}, {}),
    ({"type": "unanswered"}, {}),
    ({"type": "hangup", "by": "helper", "reason": "solved"}, {"by": "helper", "reason": "solved"}),
    ({"type": "hangup"}, {"by": "hub"}),
    ({"type": "error", "detail": "bad offer"}, {"detail": "bad offer"}),
])
def test_protocol_messages_parse(raw: dict, expected: dict) -> None:
    msg = parse_hub_message(json.dumps(raw, ensure_ascii=False))
    assert msg.type == raw["type"]
    for key, value in expected.items():
        assert getattr(msg, key) == value


@pytest.mark.parametrize(("raw", "says"), [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"type": "dance"}), "unknown message type"),
    (json.dumps({"type": "text"}), "'text'"),
    (json.dumps({"type": "text", "text": "字" * 201}), "at most 200"),
    (json.dumps({"type": "answer", "sdp": "hello"}), "v=0"),
    (json.dumps({"type": "answer", "sdp": "v=0" + "a" * (64 * 1024)}), "at most 65536"),
    (json.dumps({"type": "text", "text": "x" * 70000}), "too long"),
    (json.dumps({"type": "ringing", "waiting_helpers": -1}), "waiting_helpers"),
    (json.dumps({"type": "ringing", "waiting_helpers": True}), "waiting_helpers"),
    (json.dumps({"type": "hangup", "by": "kiosk"}), "'by'"),
    (json.dumps({"type": "highlight", "target": ""}), "'target'"),
])
def test_malformed_messages_are_refused_with_the_reason(raw: str, says: str) -> None:
    with pytest.raises(BadMessage) as err:
        parse_hub_message(raw)
    assert says in str(err.value)


def test_binary_frames_are_refused() -> None:
    with pytest.raises(BadMessage, match="binary"):
        parse_hub_message(b'{"type": "restart"}')


def test_kiosk_messages() -> None:
    assert json.loads(protocol.offer("v=0\r\n")) == {"type": "offer", "sdp": "v=0\r\n"}
    assert json.loads(protocol.hangup()) == {"type": "hangup"}
    assert json.loads(protocol.state({"id": "s", "fields": {"申请人": "张*"}}))["step"]["fields"] == {"申请人": "张*"}
    with pytest.raises(BadMessage):
        protocol.offer("v=0" + "x" * 70000)
