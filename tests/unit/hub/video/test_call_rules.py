"""The call state machine and the checks on signaling messages, without sockets."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hub.settings import ConfigError, load_settings
from hub.video.calls import Call, CallError, Reason, Status
from hub.video.ice import ice_servers, turn_rest_credentials
from hub.video.signaling import MAX_SDP_BYTES, SignalError, parse

T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)


def ringing(**changes) -> Call:
    base = {
        "id": "c1",
        "kiosk_id": "k1",
        "site_id": "hall",
        "item_code": "x",
        "item_name": "养老保险",
        "step_id": "read_card",
        "step_title": "读卡",
        "elder_mode": False,
        "language": "zh_CN",
        "created_at": T0,
    }
    return Call(**{**base, **changes})


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_happy_path_ringing_accepted_connected_ended():
    call = ringing()
    call.accept("wang", "王芳", later(5))
    assert (call.status, call.helper_name, call.accepted_at) == (Status.ACCEPTED, "王芳", later(5))
    assert call.connect(later(7)) is True
    assert call.connect(later(8)) is False  # a renewed offer/answer is not a second connection
    call.end(Reason.HELPER_HANGUP, later(60))
    assert (call.status, call.end_reason, call.connected_at) == (Status.ENDED, Reason.HELPER_HANGUP, later(7))


def test_second_helper_cannot_take_an_accepted_call_but_the_first_may_click_again():
    call = ringing()
    call.accept("wang", "王芳", later(1))
    call.accept("wang", "王芳", later(2))
    with pytest.raises(CallError) as err:
        call.accept("li", "李明", later(3))
    assert (err.value.code, str(err.value)) == ("taken", "已由其他工作人员接听")
    assert call.helper == "wang" and call.accepted_at == later(1)


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (Reason.RING_TIMEOUT, Status.MISSED),
        (Reason.KIOSK_CANCELLED, Status.CANCELLED),
        (Reason.KIOSK_GONE, Status.CANCELLED),
    ],
)
def test_a_call_ending_while_ringing_is_missed_or_cancelled(reason, status):
    call = ringing()
    call.end(reason, later(60))
    assert call.status is status and not call.live


def test_nothing_happens_to_an_ended_call():
    call = ringing()
    call.end(Reason.KIOSK_CANCELLED, later(1))
    for action in (
        lambda: call.accept("wang", "王芳", later(2)),
        lambda: call.decline("wang"),
        lambda: call.transfer("wang", "li", later(2)),
        lambda: call.end(Reason.HELPER_HANGUP, later(2)),
    ):
        with pytest.raises(CallError) as err:
            action()
        assert err.value.code == "call_ended"


def test_declined_by_everyone_still_rings_until_the_timeout():
    call = ringing()
    call.decline("wang")
    call.decline("li")
    assert call.status is Status.RINGING and call.declined_by == {"wang", "li"}
    assert not call.ring_expired(later(59), 60)
    assert call.ring_expired(later(60), 60)
    call.accept("wang", "王芳", later(30))  # changing one's mind is allowed
    assert call.status is Status.ACCEPTED


def test_transfer_reserves_the_call_and_restarts_the_ring():
    call = ringing()
    call.transfer("wang", "li", later(50))
    assert call.visible_to("li") and not call.visible_to("zhao")
    with pytest.raises(CallError, match="已转给其他工作人员"):
        call.accept("zhao", "赵强", later(51))
    assert not call.ring_expired(later(100), 60)  # rings afresh from the transfer
    call.accept("li", "李明", later(52))
    call.transfer("li", "wang", later(53))
    assert call.status is Status.RINGING and call.helper is None and call.reserved_for == "wang"
    with pytest.raises(CallError, match="不能转给自己"):
        call.transfer("wang", "wang", later(54))


def test_only_the_accepting_helper_may_transfer_an_accepted_call():
    call = ringing()
    call.accept("wang", "王芳", later(1))
    with pytest.raises(CallError, match="只有接听的工作人员可以转接"):
        call.transfer("li", "zhao", later(2))


def test_parse_reduces_messages_to_the_protocols_keys():
    raw = json.dumps(
        {"type": "state", "step": {"id": "s", "kind": "form", "title": "t", "fields": {"年龄": 67}, "x": 1}}
    )
    assert parse(raw, "kiosk") == {
        "type": "state",
        "step": {"id": "s", "kind": "form", "title": "t", "fields": {"年龄": "67"}},
    }
    assert parse('{"type": "hangup", "why": "x"}', "helper") == {"type": "hangup"}
    assert parse('{"type": "text", "text": "a\\u0007b"}', "helper") == {"type": "text", "text": "ab"}


@pytest.mark.parametrize(
    ("raw", "sender", "detail"),
    [
        ('{"type": "restart"}', "kiosk", "the kiosk may send: offer, state, hangup"),
        ('{"type": "state", "step": {"title": "t"}}', "kiosk", "'step.id' must be text and is required"),
        ('{"type": "answer", "sdp": 5}', "helper", "needs 'sdp'"),
        (json.dumps({"type": "answer", "sdp": "v=0" + "x" * MAX_SDP_BYTES}), "helper", "over"),
        ('{"type": "highlight", "target": ""}', "helper", "'target' must be"),
        ('{"type": "' + "x" * 100 + '"}', "helper", "unknown message type;"),
    ],
)
def test_parse_refuses_with_a_reason(raw, sender, detail):
    with pytest.raises(SignalError) as err:
        parse(raw, sender)
    assert detail in str(err.value)


def test_turn_rest_credentials_match_coturn_formula():
    # Expected value from openssl: printf 1764003600:c1 | openssl dgst -sha1 -hmac north -binary | base64
    now = dt.datetime.fromtimestamp(1764000000, dt.UTC)
    username, password = turn_rest_credentials("north", "c1", now, 3600)
    assert username == "1764003600:c1"
    assert password == "UOWjfVBJ0TOGtmIqkj5KG3QGIyA="


def test_no_ice_servers_configured_means_host_candidates_only():
    none = {"stun_urls": None, "turn_urls": None, "turn_secret": None, "turn_user": None, "turn_password": None}
    assert ice_servers(**none, call_id="c1", now=T0, ttl_seconds=60) == []


def test_turn_urls_without_credentials_or_with_a_wrong_scheme_are_refused_at_start():
    with pytest.raises(ConfigError, match=r"KIOSKHUB_TURN_URLS: .*KIOSKHUB_TURN_SECRET"):
        load_settings(turn_urls="turn:10.0.0.5:3478")
    with pytest.raises(ConfigError, match=r"KIOSKHUB_TURN_URLS: .*turn: or turns:"):
        load_settings(turn_urls="stun:10.0.0.5:3478", turn_secret="s")
    with pytest.raises(ConfigError, match="KIOSKHUB_STUN_URLS"):
        load_settings(stun_urls="10.0.0.5:3478")
    assert load_settings(turn_urls="turn:a:3478", turn_user="u", turn_password="p").turn_user == "u"
