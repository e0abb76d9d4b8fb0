"""The relay between a kiosk and its helper: what is forwarded, what is refused, how calls end."""

from __future__ import annotations

import json

import pytest

from hub.video.signaling import MAX_SDP_BYTES
from tests.integration.hub.video.conftest import served_hub

OFFER = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
ANSWER = OFFER.replace("o=- 1 1", "o=- 2 2")


def connected(video_hub):
    """A call with both sides on their sockets: the kiosk, the helper's browser and call socket."""
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    assert kiosk.expect("ringing")
    helper = video_hub.helper("wang", "王芳")
    assert video_hub.accept(helper, call_id).status_code == 303
    assert kiosk.expect("accepted") == {"type": "accepted", "helper": "王芳"}
    page = video_hub.helper_socket(f"/helper/calls/{call_id}/ws", helper)
    assert kiosk.expect("peer-joined") == {"type": "peer-joined", "role": "helper"}
    return call_id, kiosk, page


def test_offer_answer_state_text_highlight_and_restart_are_relayed(video_hub):
    call_id, kiosk, page = connected(video_hub)
    kiosk.send({"type": "offer", "sdp": OFFER, "extra": "dropped"})
    assert page.recv() == {"type": "offer", "sdp": OFFER}
    page.send({"type": "answer", "sdp": ANSWER})
    assert kiosk.recv() == {"type": "answer", "sdp": ANSWER}
    video_hub.wait_for(lambda: video_hub.history(call_id)["status"] == "connected", "the call to be connected")
    step = {"id": "form", "kind": "form", "title": "填写联系方式", "fields": {"手机号": "138****0000", "姓名": "张*"}}
    kiosk.send({"type": "state", "step": step})
    assert page.recv() == {"type": "state", "step": step}
    page.send({"type": "text", "text": "  请点击下一步  "})
    assert kiosk.recv() == {"type": "text", "text": "请点击下一步"}
    page.send({"type": "highlight", "target": "next"})
    assert kiosk.recv() == {"type": "highlight", "target": "next"}
    page.send({"type": "highlight", "target": "phone_number"})
    assert kiosk.recv() == {"type": "highlight", "target": "phone_number"}
    page.send({"type": "restart"})
    assert kiosk.recv() == {"type": "restart"}
    kiosk.send({"type": "offer", "sdp": OFFER + "a=renewed\r\n"})
    assert page.recv()["sdp"].endswith("a=renewed\r\n")
    row = video_hub.history(call_id)
    assert row["step_title"] == "填写联系方式" and row["helper_name"] == "王芳"


KIOSK_MISTAKES = [
    ("not json", "not JSON"),
    (b"\x00\x01", "binary"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"type": "answer", "sdp": ANSWER}), "unknown message type 'answer'"),
    (json.dumps({"type": "offer"}), "needs 'sdp'"),
    (json.dumps({"type": "offer", "sdp": "hello"}), "v=0"),
    (json.dumps({"type": "offer", "sdp": "v=0\r\n" + "a" * MAX_SDP_BYTES}), "over"),
    (json.dumps({"type": "state", "step": "read_card"}), "'state' needs 'step'"),
    (json.dumps({"type": "state", "step": {"id": "x", "fields": {"a": {"nested": 1}}}}), "step.fields.a"),
]


def test_malformed_kiosk_messages_get_an_error_and_the_call_stays_up(video_hub):
    _call_id, kiosk, page = connected(video_hub)
    for raw, detail in KIOSK_MISTAKES:
        kiosk.send(raw)
        reply = kiosk.recv()
        assert reply["type"] == "error" and detail in reply["detail"], (str(raw)[:40], reply)
    kiosk.send({"type": "offer", "sdp": OFFER})
    assert page.recv() == {"type": "offer", "sdp": OFFER}


HELPER_MISTAKES = [
    ({"type": "offer", "sdp": OFFER}, "unknown message type 'offer'"),
    ({"type": "text", "text": "长" * 201}, "at most 200"),
    ({"type": "text", "text": "   "}, "empty"),
    ({"type": "text"}, "needs 'text'"),
    ({"type": "highlight", "target": "<script>"}, "'target' must be"),
    ({"kind": "hangup"}, "unknown message type"),
]


def test_malformed_helper_messages_get_an_error_and_the_call_stays_up(video_hub):
    _call_id, kiosk, page = connected(video_hub)
    for message, detail in HELPER_MISTAKES:
        page.send(message)
        reply = page.recv()
        assert reply["type"] == "error" and detail in reply["detail"], (message, reply)
    page.send({"type": "text", "text": "还在吗"})
    assert kiosk.recv() == {"type": "text", "text": "还在吗"}


def test_an_offer_before_any_helper_joined_is_answered_with_an_error(video_hub):
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    assert kiosk.expect("ringing")
    kiosk.send({"type": "offer", "sdp": OFFER})
    assert "peer-joined" in kiosk.expect("error")["detail"]


def test_helper_hangup_ends_the_call_for_both_and_records_why(video_hub):
    call_id, kiosk, page = connected(video_hub)
    page.send({"type": "hangup"})
    assert kiosk.recv() == {"type": "hangup", "by": "helper", "reason": "helper_hangup"}
    assert kiosk.closed()[0] == 1000
    assert page.closed()[0] == 1000
    row = video_hub.history(call_id)
    assert (row["status"], row["end_reason"]) == ("ended", "helper_hangup")
    assert row["ended_at"] is not None


def test_kiosk_hangup_message_ends_the_call_for_both(video_hub):
    call_id, kiosk, page = connected(video_hub)
    kiosk.send({"type": "hangup"})
    assert page.recv() == {"type": "hangup", "by": "kiosk", "reason": "kiosk_hangup"}
    assert page.closed()[0] == 1000 and kiosk.closed()[0] == 1000
    assert video_hub.history(call_id)["end_reason"] == "kiosk_hangup"
    assert video_hub.kiosk_socket(call_id).closed()[0] == 4404  # one-time room


def test_kiosk_delete_ends_a_connected_call_and_a_second_delete_is_409(video_hub):
    call_id, kiosk, page = connected(video_hub)
    r = video_hub.kiosk().delete(f"/calls/{call_id}")
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert page.recv() == {"type": "hangup", "by": "kiosk", "reason": "kiosk_hangup"}
    assert kiosk.closed()[0] == 1000
    r = video_hub.kiosk().delete(f"/calls/{call_id}")
    assert r.status_code == 409 and r.json() == {"detail": "通话已结束", "code": "call_ended"}


def test_kiosk_cancelling_while_ringing_records_cancelled(video_hub):
    call_id = video_hub.call()
    assert video_hub.kiosk().delete(f"/calls/{call_id}").json()["status"] == "cancelled"
    helper = video_hub.helper("wang", "王芳")
    r = video_hub.accept(helper, call_id)
    assert r.status_code == 409 and "通话已结束" in r.text
    row = video_hub.history(call_id)
    assert (row["status"], row["end_reason"]) == ("cancelled", "kiosk_cancelled")


def test_helper_reconnecting_within_the_grace_time_keeps_the_call(video_hub):
    call_id, kiosk, page = connected(video_hub)
    helper_cookie_client = video_hub.clients[-1]
    step = {"id": "photo", "kind": "capture", "title": "拍摄户口簿", "fields": {}}
    kiosk.send({"type": "state", "step": step})
    assert page.recv() == {"type": "state", "step": step}
    page.close()
    again = video_hub.helper_socket(f"/helper/calls/{call_id}/ws", helper_cookie_client)
    assert again.recv() == {"type": "state", "step": step}  # the page shows the current step at once
    assert kiosk.expect("peer-joined")  # the kiosk makes a fresh offer for the new page
    kiosk.send({"type": "offer", "sdp": OFFER})
    assert again.recv()["type"] == "offer"
    assert video_hub.history(call_id)["ended_at"] is None


def test_a_side_gone_longer_than_the_grace_time_ends_the_call(hub_with):
    hub = hub_with(call_grace_seconds=0.3)
    call_id, kiosk, page = connected(hub)
    kiosk.close()
    assert page.recv() == {"type": "hangup", "by": "hub", "reason": "kiosk_gone"}
    assert page.closed()[0] == 1000
    hub.wait_for(lambda: hub.history(call_id)["end_reason"] == "kiosk_gone", "the call to end")


def test_an_accepted_call_whose_page_never_opens_ends_for_the_kiosk(video_hub):
    video_hub.board.join_seconds = 0.3
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    assert video_hub.accept(video_hub.helper("wang", "王芳"), call_id).status_code == 303
    assert kiosk.expect("hangup") == {"type": "hangup", "by": "hub", "reason": "helper_gone"}
    assert video_hub.history(call_id)["status"] == "ended"


def test_ring_timeout_sends_unanswered_and_records_missed(hub_with):
    hub = hub_with(call_ring_seconds=0.5)
    call_id = hub.call()
    kiosk = hub.kiosk_socket(call_id)
    assert kiosk.expect("unanswered") == {"type": "unanswered"}
    assert kiosk.closed()[0] == 1000
    hub.wait_for(lambda: hub.history(call_id)["status"] == "missed", "the call to be missed")
    assert hub.history(call_id)["end_reason"] == "ring_timeout"


def test_a_new_call_from_the_same_kiosk_replaces_its_old_one(video_hub):
    first = video_hub.call()
    old = video_hub.kiosk_socket(first)
    assert old.expect("ringing")
    video_hub.call()
    assert old.recv() == {"type": "hangup", "by": "hub", "reason": "replaced"}
    assert video_hub.history(first)["status"] == "cancelled"


def test_stopping_the_hub_closes_both_sockets_and_records_the_restart(hub_with):
    hub = hub_with()
    call_id, kiosk, page = connected(hub)
    hub.stop()
    assert kiosk.closed()[0] is not None and page.closed()[0] is not None
    row = hub.history(call_id)
    assert (row["status"], row["end_reason"]) == ("ended", "hub_restart")


@pytest.mark.postgres
def test_a_whole_call_is_recorded_on_postgresql(tmp_path, pg_server, pg_migrated):
    with served_hub(tmp_path / "hub", database_url=pg_server.create_database(pg_migrated)) as hub:
        call_id, kiosk, page = connected(hub)
        page.send({"type": "hangup"})
        assert kiosk.expect("hangup")["by"] == "helper"
        row = hub.history(call_id)
        assert (row["status"], row["end_reason"], row["helper_username"]) == ("ended", "helper_hangup", "wang")
        assert row["accepted_at"] <= row["ended_at"]


@pytest.mark.parametrize("recording", [False, True])
def test_a_kiosk_learns_the_recording_policy_before_any_call(hub_with, recording):
    hub = hub_with(call_recording=recording, call_ring_seconds=45)
    assert hub.kiosk().get("/calls/policy").json() == {"recording": recording, "ring_timeout_s": 45}
    assert hub.kiosk("not-a-token").get("/calls/policy").status_code == 401


def test_assist_messages_are_relayed_checked_and_the_hub_names_the_helper(video_hub):
    _call_id, kiosk, page = connected(video_hub)
    page.send({"type": "assist_request", "helper_id": "someone-else"})
    assert kiosk.recv() == {"type": "assist_request", "helper_id": "wang"}  # the account that accepted
    kiosk.send({"type": "assist", "state": "asked"})
    assert page.recv() == {"type": "assist", "state": "asked", "reason": ""}
    page.send({"type": "assist_input", "action": "set_field", "field": "scope", "value": "日用\x07百货", "x": 1})
    assert kiosk.recv() == {"type": "assist_input", "action": "set_field", "field": "scope", "value": "日用百货",
                            "option": ""}
    page.send({"type": "assist_input", "action": "choose", "option": "self"})
    assert kiosk.recv()["option"] == "self"
    form = {"fields": [{"name": "scope", "label": "经营范围", "type": "text", "value": "日用百货", "choices": [],
                        "may_set": True, "by_helper": True, "error": ""}], "options": [], "next": True}
    kiosk.send({"type": "state", "step": {"id": "business", "kind": "form", "title": "填写", "fields": {},
                                          "form": form}})
    assert page.recv()["step"]["form"] == form
    page.send({"type": "assist_stop"})
    assert kiosk.recv() == {"type": "assist_stop"}
    for wrong, said in (({"type": "assist_input", "action": "delete"}, "set_field, choose, next"),
                        ({"type": "assist_input", "action": "set_field", "field": "../x"}, "field's name"),
                        ({"type": "assist_input", "action": "choose"}, "'option'")):
        page.send(wrong)
        assert said in page.recv()["detail"]
    kiosk.send({"type": "assist", "state": "maybe"})
    assert "asked, on, declined, off" in kiosk.recv()["detail"]
