"""kioskd's /v1/call against the stand-in relay: signaling, pushes to the UI and every refusal.

No media flows here (that needs a network namespace: test_call_e2e.py); the test plays the
helper's page with a plain WebSocket and checks the kiosk's offer, state, texts and hang-ups.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
import uvicorn
from websockets.sync.client import connect

from local_api.video.call import (
    MSG_HELPER_HUNG_UP,
    MSG_NOBODY_ONLINE,
    MSG_SESSION_ENDED,
    MSG_TRANSFERRING,
    MSG_UNANSWERED,
)
from tests.daemon import free_port, kioskd
from tests.integration.video.standin_hub import COOKIE, make_app

TOKEN = "kiosk-token-1"


def wait_for(what: str, check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s (last: {str(last)[:300]})")


@pytest.fixture(scope="module")
def hub() -> Iterator[tuple[Any, str]]:
    app = make_app(TOKEN)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for("the stand-in hub", lambda: server.started)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def daemon(hub: tuple[Any, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with kioskd(tmp_path_factory.mktemp("kioskd"), KIOSK_DEVICES="sim", KIOSK_HUB_URL=hub[1],
                KIOSK_HUB_TOKEN=TOKEN) as running:
        yield running


class Helper:
    """The helper's browser, without a browser: cookie, accept, and the call page's socket."""

    def __init__(self, hub_url: str) -> None:
        self.http = httpx.Client(base_url=hub_url, cookies={COOKIE: "helper1"}, timeout=10)
        self.hub_url = hub_url
        self.ws: Any = None

    def accept(self, call_id: str) -> None:
        assert self.http.post(f"/helper/calls/{call_id}/accept").status_code == 303

    def join(self, call_id: str) -> None:
        url = self.hub_url.replace("http", "ws") + f"/helper/calls/{call_id}/ws"
        self.ws = connect(url, additional_headers={"Cookie": f"{COOKIE}=helper1"}, max_size=2**20).__enter__()

    def next(self, kind: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg["type"] == kind:
                return msg

    def send(self, **msg: Any) -> None:
        self.ws.send(json.dumps(msg, ensure_ascii=False))

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.http.close()


def call_id_of(kiosk: httpx.Client) -> str:
    return wait_for("a call id", lambda: kiosk.get("/call/stats").json()["call_id"])


def state_of(kiosk: httpx.Client) -> str:
    return kiosk.get("/call").json()["state"]


def test_a_call_from_ringing_to_the_helpers_hangup(hub: tuple[Any, str], daemon: Any) -> None:
    app, hub_url = hub
    with daemon.client() as kiosk, connect(daemon.url.replace("http", "ws") + f"/events?token={daemon.token}") as ui:
        assert kiosk.get("/call").status_code == 404
        assert kiosk.get("/call/policy").json() == {"recording": False, "hub": True}  # known before consent
        created = kiosk.post("/sessions", json={"item_code": "elderly_card"})
        assert created.status_code == 201, created.text
        session = created.json()
        started = kiosk.post("/call", json={"camera": True, "screen": False, "document": False})
        assert started.status_code == 201, started.text
        assert started.json()["state"] == "ringing" and started.json()["sending"]["camera"] is True
        call_id = call_id_of(kiosk)
        room = app.state.rooms[call_id]
        assert room.item["item_code"] == "elderly_card" and room.item["step_title"] == session["step"]["title"]
        assert kiosk.post("/call", json={"camera": False}).status_code == 409

        helper = Helper(hub_url)
        try:
            helper.accept(call_id)
            wait_for("connecting", lambda: state_of(kiosk) == "connecting")
            assert kiosk.get("/call").json()["helper"] == "王*明"
            helper.join(call_id)
            offer = helper.next("offer")["sdp"]
            kinds = re.findall(r"^m=(\w+)", offer, re.M)
            assert kinds == ["video", "video", "video", "audio"]
            for name in ("camera", "screen", "document", "microphone"):
                assert f" kiosk-{name}" in offer
            state = wait_for("the step state", lambda: next((m for m in room.kiosk_log if m["type"] == "state"), None))
            assert state["step"]["id"] == session["step"]["id"] and state["step"]["fields"]["事项"]

            kiosk.post(f"/sessions/{session['id']}/events", json={"type": "next"})
            wait_for("a new state after the step changed",
                     lambda: len({m["step"]["id"] for m in room.kiosk_log if m["type"] == "state"}) > 1)

            for broken in ("not json", '{"type": "dance"}', '{"type": "text", "text": ""}'):
                helper.send(type="_raw", text=broken)  # dropped by the kiosk; the call stays up
            helper.send(type="text", text="请点击下一步")
            helper.send(type="highlight", target="next")
            wait_for("the helper's text and highlight", lambda: kiosk.get("/call").json()["highlight"] == "next")
            assert kiosk.get("/call").json()["text"] == "请点击下一步"
            pushes = []
            while not any(p["call"]["highlight"] == "next" for p in pushes):
                msg = json.loads(ui.recv(timeout=10))
                if msg["type"] == "call":
                    pushes.append(msg)
            assert any(p["call"]["text"] == "请点击下一步" for p in pushes)

            # the screen is shared only after the citizen agrees
            frame = cv2.imencode(".jpg", np.full((480, 640, 3), 90, np.uint8))[1].tobytes()
            jpeg = {"content-type": "image/jpeg"}
            assert kiosk.post("/call/screen", content=frame, headers=jpeg).status_code == 409
            changed = kiosk.put("/call/consent", json={"camera": False, "screen": True, "document": True})
            assert changed.status_code == 200
            assert changed.json()["sending"] == {"camera": False, "screen": True, "document": True}
            assert kiosk.get("/call/stats").json()["camera_on"] is False
            assert kiosk.post("/call/screen", content=frame, headers=jpeg).status_code == 204
            assert kiosk.post("/call/screen", content=frame, headers={"content-type": "image/png"}).status_code == 415
            assert kiosk.post("/call/screen", content=b"\xff\xd8nope", headers=jpeg).status_code == 422
            assert kiosk.get("/call/remote.jpg").status_code == 404  # no media in this test

            helper.send(type="hangup")
            wait_for("the helper's hang-up at the kiosk", lambda: state_of(kiosk) == "ended")
            view = kiosk.get("/call").json()
            assert view["message"] == MSG_HELPER_HUNG_UP
            stats = kiosk.get("/call/stats").json()
            assert stats["camera_on"] is False and stats["peer"] is None
            assert room.status == "ended" and room.end_reason.startswith("helper")
        finally:
            helper.close()
            kiosk.delete("/sessions/current")


def test_a_transferred_call_rings_again_and_offers_to_the_next_helper(hub: tuple[Any, str], daemon: Any) -> None:
    hub_url = hub[1]
    with daemon.client() as kiosk:
        assert kiosk.post("/call", json={"camera": True}).status_code == 201
        call_id = call_id_of(kiosk)
        first, second = Helper(hub_url), Helper(hub_url)
        try:
            first.accept(call_id)
            first.join(call_id)
            first.next("offer")
            assert first.http.post(f"/helper/calls/{call_id}/transfer").status_code == 303
            wait_for("ringing again", lambda: state_of(kiosk) == "ringing")
            view = kiosk.get("/call").json()
            assert view["message"] == MSG_TRANSFERRING and view["helper"] is None
            assert kiosk.get("/call/stats").json()["peer"] is None  # the old connection is closed
            second.accept(call_id)
            wait_for("connecting to the next helper", lambda: state_of(kiosk) == "connecting")
            second.join(call_id)
            assert second.next("offer")["sdp"].startswith("v=0")
        finally:
            first.close()
            second.close()
            kiosk.delete("/call")


def test_nobody_online_is_said_and_the_citizen_cancels_while_ringing(hub: tuple[Any, str], daemon: Any) -> None:
    app, _ = hub
    app.state.waiting_helpers = 0
    with daemon.client() as kiosk:
        assert kiosk.post("/call", json={"camera": True}).status_code == 201
        call_id = call_id_of(kiosk)
        wait_for("the kiosk's socket", lambda: app.state.rooms[call_id].kiosk is not None)
        wait_for("the citizen told nobody is online", lambda: kiosk.get("/call").json()["message"] == MSG_NOBODY_ONLINE)
        app.state.waiting_helpers = 1
        hung = kiosk.delete("/call")
        assert hung.status_code == 200 and hung.json()["state"] == "ended"
        wait_for("the hub seeing the cancel", lambda: app.state.rooms[call_id].status == "cancelled")
        assert kiosk.get("/call/stats").json()["camera_on"] is False
        assert kiosk.delete("/call").json()["state"] == "ended"  # twice is harmless


def test_unanswered_then_a_callback(hub: tuple[Any, str], daemon: Any) -> None:
    app, _ = hub
    app.state.ring_timeout_s = 1
    try:
        with daemon.client() as kiosk:
            assert kiosk.post("/call/callback", json={"phone": "13800001234"}).status_code == 409
            assert kiosk.post("/call", json={"camera": False}).status_code == 201
            call_id = call_id_of(kiosk)
            wait_for("unanswered", lambda: state_of(kiosk) == "unanswered")
            assert kiosk.get("/call").json()["message"] == MSG_UNANSWERED
            bad = kiosk.post("/call/callback", json={"phone": "12345"})
            assert bad.status_code == 422 and "11" in bad.json()["detail"]
            taken = kiosk.post("/call/callback", json={"phone": "138 0000 1234"})
            assert taken.status_code == 201 and "回电" in taken.json()["message"]
            assert app.state.rooms[call_id].callbacks == ["13800001234"]
    finally:
        app.state.ring_timeout_s = 60


def test_the_end_of_the_session_ends_the_call(hub: tuple[Any, str], daemon: Any) -> None:
    app, _ = hub
    with daemon.client() as kiosk:
        assert kiosk.post("/sessions", json={"item_code": "elderly_card"}).status_code == 201
        assert kiosk.post("/call", json={"camera": True}).status_code == 201
        call_id = call_id_of(kiosk)
        wait_for("the kiosk's socket", lambda: app.state.rooms[call_id].kiosk is not None)
        kiosk.delete("/sessions/current")
        wait_for("the call ending with the session", lambda: state_of(kiosk) == "ended")
        assert kiosk.get("/call").json()["message"] == MSG_SESSION_ENDED
        wait_for("the hub told", lambda: app.state.rooms[call_id].status in ("cancelled", "ended"))


def test_a_revoked_kiosk_token_is_a_clear_refusal(hub: tuple[Any, str], daemon: Any) -> None:
    app, _ = hub
    app.state.kiosk_token = "a-new-token"
    try:
        with daemon.client() as kiosk:
            refused = kiosk.post("/call", json={"camera": True})
            assert refused.status_code == 503
            assert refused.json()["code"] == "hub_unreachable" and "401" in refused.json()["detail"]
            assert kiosk.get("/call/stats").json()["camera_on"] is False  # turned off again
    finally:
        app.state.kiosk_token = TOKEN


def test_no_camera_and_no_hub_are_503_with_their_codes(tmp_path: Path) -> None:
    with kioskd(tmp_path, KIOSK_DEVICES="sim", KIOSK_FACE_CAMERA="v4l2:///dev/video97",
                KIOSK_HUB_URL=f"http://127.0.0.1:{free_port()}", KIOSK_HUB_TOKEN="t") as running, \
            running.client() as kiosk:
        no_camera = kiosk.post("/call", json={"camera": True})
        assert no_camera.status_code == 503 and no_camera.json()["code"] == "no_camera"
        assert "/dev/video97" in no_camera.json()["detail"]
        no_hub = kiosk.post("/call", json={"camera": False})
        assert no_hub.status_code == 503 and no_hub.json()["code"] == "hub_unreachable"
        assert "cannot be reached" in no_hub.json()["detail"]
        assert kiosk.get("/call").status_code == 404
        assert kiosk.get("/call/policy").json()["recording"] is None  # unknown: the hub is not there to say
        assert kiosk.delete("/call").status_code == 404
        assert kiosk.put("/call/consent", json={"camera": True}).status_code == 404
