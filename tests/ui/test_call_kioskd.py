"""The call panel against the real kioskd and the stand-in hub relay (the helper played over its
socket): the UI's HTTP client and kioskd's ``call`` pushes, from consent to the helper's hang-up
and from an unanswered ring to a callback. No media flows here (see tests/integration/video)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from kiosk.client import HttpKioskd, KioskdError
from tests.daemon import free_port, kioskd
from tests.integration.video.standin_hub import make_app
from tests.integration.video.test_call_api import Helper, call_id_of

pytestmark = pytest.mark.ui

TOKEN = "kiosk-token-ui"


@pytest.fixture(scope="module")
def hub() -> Iterator[tuple[Any, str]]:
    app = make_app(TOKEN, recording=True)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def daemon(hub, tmp_path_factory) -> Iterator[Any]:
    with kioskd(tmp_path_factory.mktemp("kioskd-call-ui"), KIOSK_DEVICES="sim", KIOSK_HUB_URL=hub[1],
                KIOSK_HUB_TOKEN=TOKEN) as running:
        yield running


@pytest.fixture
def real(kiosk, daemon):
    """The shared test app talking to the real kioskd for one test, then back to the fake."""
    from kivy.clock import Clock

    app = kiosk.app
    http = HttpKioskd(f"http://127.0.0.1:{daemon.port}", token=daemon.token, timeout=15)
    fake_client, app.backend.client = app.backend.client, http
    stop = threading.Event()

    def deliver(message) -> None:
        Clock.schedule_once(lambda dt: app.on_push(message), 0)

    listener = threading.Thread(target=http.listen, args=(deliver, stop), daemon=True)
    listener.start()
    app.call.reset()
    try:
        yield kiosk, http
    finally:
        with contextlib.suppress(KioskdError):
            http.end_call()
        stop.set()
        listener.join(5)
        app.backend.client = fake_client
        app.call.reset()
        http.close()


def test_a_real_call_from_consent_to_the_helpers_hangup(real, hub, daemon):
    (kiosk, http), (_hub_app, hub_url) = real, hub
    app, p = kiosk.app, kiosk.pilot
    p.tap("home.video_help")
    p.wait_screen("call_consent")
    p.tap("call_consent.agree")
    p.wait_until(lambda: http.current_call() is not None, "kioskd to ring", 30)
    assert http.current_call().sending.camera is True and http.current_call().sending.screen is False
    p.wait_until(lambda: p.find("call.recording") is not None or "录音" in p.text("call.status"),
                 "the recording notice", 30)
    helper = Helper(hub_url)
    with daemon.client() as kioskd_http:
        call_id = call_id_of(kioskd_http)
    try:
        helper.accept(call_id)
        p.wait_until(lambda: "已接听" in p.text("call.status"), "the helper's acceptance", 30)
        assert "王" in p.text("call.status")
        helper.join(call_id)
        helper.next("offer")
        helper.send(type="hangup")
        p.wait_until(lambda: p.find("call.message") is not None, "the helper's hang-up", 30)
        assert p.text("call.status") == "通话已结束" and "结束通话" in p.text("call.message")
        assert app.call.phase == "over"
    finally:
        helper.close()


def test_a_real_unanswered_call_takes_a_callback(real, hub):
    (kiosk, _http), (hub_app, _url) = real, hub
    p = kiosk.pilot
    hub_app.state.ring_timeout_s = 1
    try:
        p.tap("home.video_help")
        p.wait_screen("call_consent")
        p.tap("call_consent.agree")
        p.wait_until(lambda: p.find("call.callback") is not None, "the unanswered offers", 30)
        p.tap("call.callback")
        p.wait_screen("call_callback")
        for key in "13800001234":
            p.tap(f"key.{key}")
        p.tap("call_callback.send")
        p.wait_until(lambda: p.find("call_callback.done") is not None, "the callback taken", 30)
        rooms = [room for room in hub_app.state.rooms.values() if room.callbacks]
        assert [room.callbacks for room in rooms] == [["13800001234"]]
        p.tap("call_callback.ok")
        p.wait_screen("home")
    finally:
        hub_app.state.ring_timeout_s = 60
