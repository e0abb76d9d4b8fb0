"""The call's state logic: what the citizen sees and what the kiosk does on each happening."""

from __future__ import annotations

from local_api.schemas import CallView
from local_api.video.call import (
    MAX_RESTARTS,
    MSG_CITIZEN_HUNG_UP,
    MSG_HELPER_GONE,
    MSG_HELPER_HUNG_UP,
    MSG_NETWORK_FAILED,
    MSG_NOBODY_ONLINE,
    MSG_RECORDING,
    MSG_SIGNALING_LOST,
    MSG_TRANSFERRING,
    MSG_UNANSWERED,
    RECONNECT_GIVE_UP_S,
    RING_GRACE_S,
    Call,
)


def connected_call() -> Call:
    call = Call("c1", started_at=0.0)
    call.on_accepted("王小明")
    call.on_peer_joined()
    call.on_media_connected()
    return call


def test_a_new_call_rings_and_its_view_is_the_wire_contract() -> None:
    call = Call("c1", started_at=0.0, ring_timeout_s=45)
    view = CallView.model_validate(call.view())
    assert view.state == "ringing" and view.ring_timeout_s == 45 and view.helper is None
    assert view.message and "呼叫" in view.message


def test_recording_policy_is_told_to_the_citizen() -> None:
    call = Call("c1", started_at=0.0, recording=True)
    assert MSG_RECORDING in call.message and call.view()["recording"] is True
    call.on_ringing(0, now=1.0)
    assert MSG_RECORDING in call.message


def test_nobody_online_is_said_while_ringing() -> None:
    call = Call("c1", started_at=0.0)
    assert call.on_ringing(0, now=1.0) == ["publish"] and call.message == MSG_NOBODY_ONLINE


def test_a_transfer_rings_again_and_the_next_helper_gets_a_fresh_offer() -> None:
    call = connected_call()
    assert call.on_ringing(1, now=50.0) == ["close_peer", "publish"]
    assert call.state == "ringing" and call.helper is None and call.message == MSG_TRANSFERRING
    assert call.on_tick(50.0 + call.ring_timeout_s) == []  # the ring time starts again
    call.on_accepted("李四")
    assert call.helper == "李*" and call.state == "connecting"
    assert call.on_peer_joined() == ["offer", "publish"]


def test_accept_masks_the_helpers_name_and_the_first_join_makes_an_offer() -> None:
    call = Call("c1", started_at=0.0)
    assert call.on_accepted("王小明") == ["publish"]
    assert call.state == "connecting" and call.helper == "王*明" and "王*明" in call.message
    assert call.on_peer_joined() == ["offer", "publish"]
    assert call.on_media_connected() == ["publish"]
    assert call.state == "connected" and call.message is None


def test_a_page_that_joins_again_gets_a_fresh_offer() -> None:
    call = connected_call()
    assert call.on_peer_joined() == ["restart_peer", "publish"]


def test_network_blips_rebuild_the_peer_a_few_times_then_end_with_a_message() -> None:
    call = connected_call()
    for n in range(MAX_RESTARTS):
        assert call.on_media_lost(now=10.0 + n) == ["restart_peer", "publish"]
        assert call.state == "reconnecting"
    actions = call.on_media_lost(now=20.0)
    assert call.state == "failed" and call.message == MSG_NETWORK_FAILED
    assert actions == ["send_hangup", "teardown", "publish", "cancel_call"]


def test_reconnect_recovers_and_the_helpers_restart_counts_as_a_blip() -> None:
    call = connected_call()
    assert call.on_restart_asked(now=5.0) == ["restart_peer", "publish"]
    assert call.on_media_connected() == ["publish"] and call.state == "connected"
    assert call.reconnecting_since is None


def test_reconnecting_too_long_fails() -> None:
    call = connected_call()
    call.on_media_lost(now=100.0)
    assert call.on_tick(100.0 + RECONNECT_GIVE_UP_S - 1) == []
    assert "teardown" in call.on_tick(100.0 + RECONNECT_GIVE_UP_S + 1)
    assert call.state == "failed"


def test_no_restart_before_the_helper_page_joined() -> None:
    call = Call("c1", started_at=0.0)
    call.on_accepted("李四")
    assert call.on_media_lost(now=1.0) == [] and call.state == "connecting"


def test_unanswered_by_the_hub_or_by_our_own_deadline() -> None:
    call = Call("c1", started_at=0.0, ring_timeout_s=60)
    assert call.on_unanswered() == ["teardown", "publish"]
    assert call.state == "unanswered" and call.message == MSG_UNANSWERED
    quiet = Call("c2", started_at=0.0, ring_timeout_s=60)
    assert quiet.on_tick(60 + RING_GRACE_S - 1) == []
    assert quiet.on_tick(60 + RING_GRACE_S + 1) == ["teardown", "publish"] and quiet.state == "unanswered"


def test_texts_and_highlights_reach_the_view_only_while_live() -> None:
    call = connected_call()
    assert call.on_text("请点击下一步") == ["publish"] and call.view()["text"] == "请点击下一步"
    assert call.on_highlight("next") == ["publish"] and call.view()["highlight"] == "next"
    call.on_hangup("helper", "done")
    assert call.on_text("late") == [] and call.view()["text"] == "请点击下一步"


def test_hangups_say_who_ended_the_call() -> None:
    by_helper = connected_call()
    assert by_helper.on_hangup("helper", "solved") == ["teardown", "publish"]
    assert by_helper.message == MSG_HELPER_HUNG_UP and by_helper.end_reason == "helper:solved"
    helper_gone = connected_call()
    helper_gone.on_hangup("hub", "helper_gone")
    assert helper_gone.message == MSG_HELPER_GONE
    by_citizen = connected_call()
    assert by_citizen.on_citizen_hangup() == ["send_hangup", "teardown", "publish", "cancel_call"]
    assert by_citizen.message == MSG_CITIZEN_HUNG_UP
    assert by_citizen.on_citizen_hangup() == []  # twice is harmless


def test_lost_signaling_and_the_end_of_the_session_end_the_call() -> None:
    call = connected_call()
    call.on_signaling_lost()
    assert call.state == "failed" and call.message == MSG_SIGNALING_LOST
    other = connected_call()
    assert "cancel_call" in other.on_session_ended() and other.state == "ended"


def test_consent_changes_what_is_sent() -> None:
    call = connected_call()
    call.on_consent(camera=False, screen=True, document=False)
    assert call.view()["sending"] == {"camera": False, "screen": True, "document": False}


def test_a_callback_number_sent_again_keeps_its_key_and_a_corrected_number_gets_a_new_one():
    call = Call(call_id="c1", started_at=0.0)
    first = call.callback_key("13900001234")
    assert call.callback_key("13900001234") == first == "c1-callback-1"
    assert call.callback_key("13900004321") == "c1-callback-2"
    assert call.callback_key("13900001234") == first  # back to the first number: the hub has that request
    assert "1390000" not in first  # the key carries no part of the number
