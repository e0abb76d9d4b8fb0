"""The helper console: live waiting list, decline and transfer, callback requests with masked numbers, ICE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from hub.video import accounts


def queue_until(console, check, what: str) -> dict:
    """The first ``queue`` push that satisfies ``check``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        msg = console.expect("queue", timeout=max(0.1, deadline - time.monotonic()))
        if check(msg):
            return msg
    raise AssertionError(f"no queue push with {what}")


def test_console_gets_new_calls_live_with_site_item_step_and_accept_button(video_hub):
    helper = video_hub.helper("wang", "王芳")
    console = video_hub.helper_socket("/helper/ws", helper)
    assert console.expect("queue")["calls"] == []
    call_id = video_hub.call(step_title="拍摄户口簿", elder_mode=True)
    msg = queue_until(console, lambda m: m["calls"], "the new call")
    (view,) = msg["calls"]
    assert view["id"] == call_id and view["kiosk_id"] == "k1" and view["site_id"] == "yc-hall"
    assert view["item_name"] == "城乡居民养老保险参保登记" and view["step_title"] == "拍摄户口簿"
    assert view["status"] == "ringing" and view["elder_mode"] is True
    assert f'id="accept-{call_id}"' in msg["html"] and "拍摄户口簿" in msg["html"]
    kiosk = video_hub.kiosk_socket(call_id)
    kiosk.send({"type": "state", "step": {"id": "confirm", "title": "确认信息", "fields": {}}})
    msg = queue_until(console, lambda m: m["calls"] and m["calls"][0]["step_title"] == "确认信息", "the new step")
    assert video_hub.browser().get("/helper").status_code == 303  # the page itself still needs the login
    page = helper.get("/helper")
    assert f'id="accept-{call_id}"' in page.text and "确认信息" in page.text
    video_hub.kiosk().delete(f"/calls/{call_id}")
    msg = queue_until(console, lambda m: not m["calls"], "the call gone")
    assert msg["history"][0]["status_label"] == "已取消" and msg["history"][0]["end_reason"] == "群众取消"


def test_ringing_counts_online_helpers_and_declines_keep_the_call_ringing(video_hub):
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    assert kiosk.expect("ringing")["waiting_helpers"] == 0
    wang, li = video_hub.helper("wang", "王芳"), video_hub.helper("li", "李明")
    video_hub.helper_socket("/helper/ws", wang)
    assert kiosk.expect("ringing")["waiting_helpers"] == 1
    video_hub.helper_socket("/helper/ws", li)
    assert kiosk.expect("ringing")["waiting_helpers"] == 2
    assert wang.post(f"/helper/calls/{call_id}/decline").status_code == 303
    assert kiosk.expect("ringing")["waiting_helpers"] == 1
    assert video_hub.history(call_id)["status"] == "ringing"
    assert video_hub.accept(li, call_id).status_code == 303
    assert kiosk.expect("accepted")["helper"] == "李明"


def test_transfer_rings_for_the_named_helper_only(video_hub):
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    wang, li, zhao = video_hub.helper("wang", "王芳"), video_hub.helper("li", "李明"), video_hub.helper("zhao", "赵强")
    assert video_hub.accept(wang, call_id).status_code == 303
    page = video_hub.helper_socket(f"/helper/calls/{call_id}/ws", wang)
    assert kiosk.expect("peer-joined")
    r = wang.post(f"/helper/calls/{call_id}/transfer", json={"to": "nobody"})
    assert r.status_code == 422 and "nobody" in r.json()["detail"]
    r = wang.post(f"/helper/calls/{call_id}/transfer", json={"to": "li"})
    assert r.status_code == 200 and r.json()["transferred_to"] == "li"
    assert page.recv() == {"type": "hangup", "by": "hub", "reason": "transferred"}
    assert page.closed()[0] == 1000
    assert kiosk.expect("ringing")
    r = video_hub.accept(zhao, call_id)
    assert r.status_code == 409 and "已转给其他工作人员" in r.text
    assert video_hub.accept(li, call_id).status_code == 303
    assert kiosk.expect("accepted")["helper"] == "李明"
    assert wang.get(f"/helper/calls/{call_id}").status_code == 403


def test_the_call_page_offers_colleagues_and_its_form_hands_the_call_over(video_hub):
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    wang, li = video_hub.helper("wang", "王芳"), video_hub.helper("li", "李明")
    video_hub.helper_socket("/helper/ws", li)  # li has the console open: shown as online
    assert video_hub.accept(wang, call_id).status_code == 303
    page = wang.get(f"/helper/calls/{call_id}").text
    assert f'action="/helper/calls/{call_id}/transfer"' in page
    assert '<option value="li">李明（在线）</option>' in page and 'value="wang"' not in page  # not to oneself
    r = wang.post(f"/helper/calls/{call_id}/transfer", data={"to": "li"})  # the page's form, no script
    assert r.status_code == 303 and r.headers["location"] == "/helper"
    assert kiosk.expect("ringing")
    assert video_hub.accept(li, call_id).status_code == 303


def test_callback_is_listed_masked_and_shown_in_full_only_to_the_helper_who_takes_it(hub_with):
    hub = hub_with(call_ring_seconds=0.3)
    call_id = hub.call()
    hub.kiosk_socket(call_id).expect("unanswered")
    r = hub.kiosk().post(f"/calls/{call_id}/callback", json={"phone": "12345"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "phone"]
    assert "12345" not in r.text
    r = hub.kiosk().post(f"/calls/{call_id}/callback", json={"phone": "13812345678"})
    assert r.status_code == 201 and r.json()["phone"] == "138****5678"
    wang, li = hub.helper("wang", "王芳"), hub.helper("li", "李明")
    page = wang.get("/helper").text
    assert "138****5678" in page and "13812345678" not in page
    (callback,) = hub.helper_socket("/helper/ws", li).expect("queue")["callbacks"]
    assert callback["phone"] == "138****5678" and callback["kiosk_id"] == "k1"
    assert wang.post(f"/helper/callbacks/{callback['id']}/take").status_code == 303
    assert "13812345678" in wang.get("/helper").text
    li_page = li.get("/helper").text
    assert "13812345678" not in li_page and "138****5678" in li_page
    assert li.post(f"/helper/callbacks/{callback['id']}/take").status_code == 409
    assert wang.post(f"/helper/callbacks/{callback['id']}/done").status_code == 303
    assert "138****5678" not in li.get("/helper").text
    other = hub.register_kiosk("k2")
    assert hub.kiosk(other).post(f"/calls/{call_id}/callback", json={"phone": "13812345678"}).status_code == 404


def test_a_repeated_callback_request_gets_its_first_answer_and_changes_nothing(hub_with):
    from sqlalchemy import text

    hub = hub_with(call_ring_seconds=0.3)
    call_id = hub.call()
    hub.kiosk_socket(call_id).expect("unanswered")
    kiosk = hub.kiosk()

    def ask(phone: str, key: str):
        return kiosk.post(f"/calls/{call_id}/callback", json={"phone": phone}, headers={"Idempotency-Key": key})

    first, again = ask("13812345678", "cb-1"), ask("13812345678", "cb-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and first.json()["phone"] == "138****5678"
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    replaced = ask("13900001111", "cb-2")  # the citizen corrects the number
    assert replaced.status_code == 200 and replaced.json()["phone"] == "139****1111"
    late = ask("13812345678", "cb-1")  # the first request's copy, arriving late
    assert late.status_code == 201 and late.content == first.content
    with hub.state.db.read() as db:
        rows = db.execute(text("SELECT phone_masked FROM call_callbacks")).scalars().all()
    assert rows == ["139****1111"]  # one callback, with the newer number
    reused = ask("13700000000", "cb-1")
    assert reused.status_code == 409 and reused.json()["code"] == "key_reused"
    assert "13700000000" not in reused.text


def test_call_answer_carries_turn_rest_credentials_by_the_coturn_formula(hub_with):
    hub = hub_with(stun_urls="stun:10.0.0.5:3478", turn_urls="turn:10.0.0.5:3478,turns:10.0.0.5:443", turn_secret="s3")
    before = int(time.time())
    r = hub.kiosk().post("/calls", json={"item_code": "x"})
    body = r.json()
    assert body["recording"] is False and body["ring_timeout_s"] == 60
    stun, turn = body["ice_servers"]
    assert stun == {"urls": ["stun:10.0.0.5:3478"], "username": None, "credential": None}
    assert turn["urls"] == ["turn:10.0.0.5:3478", "turns:10.0.0.5:443"]
    expiry, user = turn["username"].split(":")
    assert user == body["call_id"]
    assert before + 12 * 3600 <= int(expiry) <= int(time.time()) + 12 * 3600
    # coturn (use-auth-secret): password = base64(HMAC-SHA1(static-auth-secret, username))
    expected = base64.b64encode(hmac.new(b"s3", turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    helper = hub.helper("wang", "王芳")
    hub.accept(helper, body["call_id"])
    page = helper.get(f"/helper/calls/{body['call_id']}").text
    assert "turns:10.0.0.5:443" in page and f"{body['call_id']}" in page


def test_static_turn_credentials_and_recording_policy(hub_with):
    hub = hub_with(turn_urls="turn:10.0.0.5:3478", turn_user="kiosk", turn_password="pw", call_recording=True)
    body = hub.kiosk().post("/calls", json={"item_code": "x"}).json()
    assert body["recording"] is True
    assert body["ice_servers"] == [{"urls": ["turn:10.0.0.5:3478"], "username": "kiosk", "credential": "pw"}]


def test_expired_session_cookie_is_refused(video_hub):
    helper = video_hub.helper("wang", "王芳")
    key = video_hub.state.settings.data_dir / "helper-session-key"
    assert key.stat().st_mode & 0o777 == 0o600
    claims = accounts.verify_session(bytes.fromhex(key.read_text()), helper.cookies[accounts.COOKIE], _later(0))
    assert claims is not None and claims["u"] == "wang"
    assert accounts.verify_session(bytes.fromhex(key.read_text()), helper.cookies[accounts.COOKIE], _later(13)) is None


def _later(hours: int):
    import datetime as dt

    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
