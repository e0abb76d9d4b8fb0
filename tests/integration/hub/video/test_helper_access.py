"""Who may reach the helper pages and sockets: login, throttling, logout, the accepting helper only."""

from __future__ import annotations

import datetime as dt

from hub.registry import revoke_kiosk
from hub.video import accounts


def test_pages_redirect_to_login_and_sockets_close_4401_without_a_session(video_hub):
    call_id = video_hub.call()
    anon = video_hub.browser()
    for path in ("/helper", f"/helper/calls/{call_id}"):
        r = anon.get(path)
        assert r.status_code == 303
        assert r.headers["location"] == f"/helper/login?next={path}"
    r = anon.post(f"/helper/calls/{call_id}/accept")
    assert r.status_code == 303 and r.headers["location"].startswith("/helper/login")
    assert video_hub.kiosk_socket(call_id).expect("ringing")  # the call was not taken by that post
    for path in ("/helper/ws", f"/helper/calls/{call_id}/ws"):
        assert video_hub.helper_socket(path, None).closed()[0] == 4401
    anon.cookies.set(accounts.COOKIE, "eyJ1IjoiaCIsImUiOjAsInQiOjB9.forged", domain="127.0.0.1")
    assert video_hub.helper_socket("/helper/ws", anon).closed()[0] == 4401
    assert anon.get("/helper").status_code == 303


def test_login_page_has_the_documented_ids(video_hub):
    page = video_hub.browser().get("/helper/login").text
    for element in ('id="login-username"', 'id="login-password"', 'id="login-submit"'):
        assert element in page


def test_five_wrong_passwords_hold_up_that_source_even_for_the_right_one_but_not_the_helpers_desk(video_hub):
    password = video_hub.add_helper("wang", "王芳")
    stranger = video_hub.browser()
    stranger.headers["X-Forwarded-For"] = "203.0.113.9"  # through the trusted proxy, from elsewhere
    for _ in range(accounts.MAX_FAILED - 1):
        r = stranger.post("/helper/login", data={"username": "wang", "password": "wrong"})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = stranger.post("/helper/login", data={"username": "wang", "password": "wrong"})
    assert r.status_code == 401 and "次数过多" in r.text
    r = stranger.post("/helper/login", data={"username": "wang", "password": password})
    assert r.status_code == 401 and "次数过多" in r.text
    assert accounts.COOKIE not in stranger.cookies
    desk = video_hub.browser()
    assert desk.post("/helper/login", data={"username": "wang", "password": password}).status_code == 303


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(video_hub):
    r = video_hub.browser().post("/helper/login", data={"username": "nobody", "password": "x"})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_logout_ends_the_session_even_for_a_copied_cookie(video_hub):
    helper = video_hub.helper("wang", "王芳")
    copied = dict(helper.cookies.items())
    assert helper.get("/helper").status_code == 200
    assert helper.post("/helper/logout").status_code == 303
    thief = video_hub.browser()
    for name, value in copied.items():
        thief.cookies.set(name, value, domain="127.0.0.1")
    assert thief.get("/helper").status_code == 303


def test_cross_site_posts_are_refused(video_hub):
    call_id = video_hub.call()
    helper = video_hub.helper("wang", "王芳")
    r = helper.post(f"/helper/calls/{call_id}/accept", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert video_hub.kiosk_socket(call_id).expect("ringing")


def test_a_second_helper_gets_409_and_its_socket_is_closed_4403(video_hub):
    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    first, second = video_hub.helper("wang", "王芳"), video_hub.helper("li", "李明")
    r = video_hub.accept(first, call_id)
    assert r.status_code == 303 and r.headers["location"] == f"/helper/calls/{call_id}"
    assert kiosk.expect("accepted")["helper"] == "王芳"
    r = video_hub.accept(second, call_id)
    assert r.status_code == 409 and "已由其他工作人员接听" in r.text
    r = second.post(f"/helper/calls/{call_id}/accept", headers={"Accept": "application/json"})
    assert r.status_code == 409 and r.json()["detail"] == "已由其他工作人员接听"
    assert second.get(f"/helper/calls/{call_id}").status_code == 403
    assert video_hub.helper_socket(f"/helper/calls/{call_id}/ws", second).closed()[0] == 4403
    page = first.get(f"/helper/calls/{call_id}")
    assert page.status_code == 200
    for element in ('id="hangup"', 'id="text-input"', 'id="text-send"', 'id="state-step"', "helper_call.js"):
        assert element in page.text


def test_revoked_kiosk_cannot_call_or_signal(video_hub):
    call_id = video_hub.call()
    with video_hub.state.db.write() as db, db.begin():
        revoke_kiosk(db, "k1", dt.datetime.now(dt.UTC))
    kiosk = video_hub.kiosk()
    assert kiosk.post("/calls", json={"item_code": "x"}).status_code == 401
    assert kiosk.delete(f"/calls/{call_id}").status_code == 401
    code, reason = video_hub.kiosk_socket(call_id).closed()
    assert code == 4401 and "revoked" in reason
    assert video_hub.kiosk_socket(call_id, token="not-a-token").closed()[0] == 4401


def test_kiosk_socket_for_an_unknown_or_another_kiosks_call_is_refused(video_hub):
    call_id = video_hub.call()
    other = video_hub.register_kiosk("k2")
    code, reason = video_hub.kiosk_socket(call_id, token=other).closed()
    assert (code, reason) == (4403, "not this kiosk's call")
    assert video_hub.kiosk_socket("0" * 32).closed()[0] == 4404
    assert video_hub.kiosk(other).delete(f"/calls/{call_id}").status_code == 404
    assert video_hub.kiosk().delete(f"/calls/{call_id}").status_code == 200
    code, reason = video_hub.kiosk_socket(call_id).closed()
    assert code == 4404 and "ended" in reason


def test_static_files_are_served_without_a_cdn(video_hub):
    browser = video_hub.browser()
    for name in ("helper_call.js", "helper_console.js", "helper.css"):
        r = browser.get(f"/helper/static/{name}")
        assert r.status_code == 200 and len(r.content) > 500
        assert "http://" not in r.text and "https://" not in r.text
