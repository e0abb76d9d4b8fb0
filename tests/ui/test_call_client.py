"""The video call's client side without a window: HttpKioskd's call routes and their refusals, the
callback number check, what a highlight names, and the shared screen's JPEG frames."""

from __future__ import annotations

import io
import json

import httpx
import pytest

from kiosk.client import CallError, HttpKioskd
from kiosk.videocall import encode_screen, highlight_matches, panel_mode, phone_error
from local_api.schemas import CallStart, CallView, PushMessage

TOKEN = "t0ken"
RINGING = {"state": "ringing", "helper": None, "recording": True, "message": None, "text": None,
           "highlight": None, "ring_timeout_s": 60, "sending": {"camera": True, "screen": False, "document": False}}


class Kioskd:
    """Answers from a table: (method, path) → (status, body, content type); records every request."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, object]]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        status, body = self.answers.get((request.method, request.url.path), (404, {"detail": "Not Found"}))
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers={"content-type": "image/jpeg"})
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)


def client_for(answers) -> tuple[HttpKioskd, Kioskd]:
    kioskd = Kioskd(answers)
    client = HttpKioskd("http://kioskd.test", token=TOKEN)
    client._http = httpx.Client(base_url="http://kioskd.test", transport=httpx.MockTransport(kioskd))
    return client, kioskd


def test_a_call_is_started_with_the_consent_answers_and_read_back():
    client, kioskd = client_for({("POST", "/v1/call"): (201, RINGING), ("GET", "/v1/call"): (200, RINGING),
                                 ("DELETE", "/v1/call"): (200, {})})
    view = client.start_call(CallStart(camera=True, screen=True, document=False))
    assert view.state == "ringing" and view.recording is True
    assert json.loads(kioskd.requests[0].content) == {"camera": True, "screen": True, "document": False}
    assert client.current_call().state == "ringing"
    client.end_call()
    assert [r.method for r in kioskd.requests] == ["POST", "GET", "DELETE"]


@pytest.mark.parametrize(("status", "body", "code"), [
    (503, {"detail": "hub not answering", "code": "hub_unreachable"}, "hub_unreachable"),
    (503, {"detail": "no face camera", "code": "no_camera"}, "no_camera"),
    (503, "not json at all", "hub_unreachable"),
    (409, {"detail": "a call is already up"}, "busy"),
    (404, {"detail": "Not Found"}, "unsupported"),
])
def test_a_call_that_cannot_start_says_why(status, body, code):
    client, _ = client_for({("POST", "/v1/call"): (status, body)})
    with pytest.raises(CallError) as refused:
        client.start_call(CallStart())
    assert refused.value.code == code
    detail = body.get("detail", "") if isinstance(body, dict) else ""
    assert (detail if status == 503 else "") in str(refused.value)


def test_no_call_and_no_frame_yet_are_not_errors():
    client, _ = client_for({("DELETE", "/v1/call"): (404, {"detail": "no call"})})
    assert client.current_call() is None
    assert client.call_remote_frame() is None
    client.end_call()  # hanging up twice is harmless


def test_the_helpers_frame_and_the_shared_screen_travel_as_jpeg():
    jpeg = b"\xff\xd8\xff\xe0fake"
    client, kioskd = client_for({("GET", "/v1/call/remote.jpg"): (200, jpeg),
                                 ("POST", "/v1/call/screen"): (204, None)})
    assert client.call_remote_frame() == jpeg
    client.send_call_screen(jpeg)
    sent = kioskd.requests[-1]
    assert sent.headers["content-type"] == "image/jpeg" and sent.content == jpeg


@pytest.mark.parametrize(("status", "code"), [(409, "not_sharing"), (404, "no_call")])
def test_a_screen_frame_refused_tells_the_ui_to_stop(status, code):
    client, _ = client_for({("POST", "/v1/call/screen"): (status, {"detail": "screen sharing is off"})})
    with pytest.raises(CallError) as refused:
        client.send_call_screen(b"\xff\xd8")
    assert refused.value.code == code


def test_consent_change_and_callback_and_their_refusals():
    sharing = {**RINGING, "state": "connected", "sending": {"camera": True, "screen": True, "document": False}}
    client, kioskd = client_for({("PUT", "/v1/call/consent"): (200, sharing),
                                 ("POST", "/v1/call/callback"): (201, {})})
    assert client.set_call_consent(CallStart(screen=True)).sending.screen is True
    client.request_callback("13800000000")
    assert json.loads(kioskd.requests[-1].content) == {"phone": "13800000000"}
    client, _ = client_for({("PUT", "/v1/call/consent"): (409, {"detail": "ended", "code": "call_ended"}),
                            ("POST", "/v1/call/callback"): (422, {"detail": "bad phone"})})
    with pytest.raises(CallError) as ended:
        client.set_call_consent(CallStart())
    assert ended.value.code == "call_ended"
    with pytest.raises(CallError) as bad:
        client.request_callback("123")
    assert bad.value.code == "bad_phone"


def test_the_call_push_message_parses():
    message = PushMessage.model_validate({"type": "call", "call": {**RINGING, "state": "connected", "helper": "王*",
                                                                   "text": "您好", "highlight": "next"}})
    assert message.call.helper == "王*" and message.call.highlight == "next"


@pytest.mark.parametrize(("phone", "problem"), [
    ("", "call.phone_empty"), ("1381234567", "call.phone_length"), ("138123456789", "call.phone_length"),
    ("23812345678", "call.phone_prefix"), ("12812345678", "call.phone_prefix"), ("13812345678", None),
    ("19912345678", None),
])
def test_callback_numbers_must_be_mainland_mobiles(phone, problem):
    assert phone_error(phone) == problem


@pytest.mark.parametrize(("target", "kid", "hit"), [
    ("next", "guide.next", True), ("next", "form.submit", True), ("next", "consent.agree", True),
    ("next", "form.field.next", False), ("back", "choose.back", True), ("back", "form.manual_back", True),
    ("phone", "form.field.phone", True), ("phone", "form.field.phone_2", False), ("keypad", "key.1", False),
    ("card_reader", "identify.where", False), ("", "guide.next", False),
])
def test_highlight_targets_name_the_steps_widgets(target, kid, hit):
    assert highlight_matches(target, kid) is hit


def test_panel_modes_follow_the_call_state():
    modes = {state: panel_mode(CallView(state=state)) for state in
             ("ringing", "connecting", "connected", "reconnecting", "ended", "unanswered", "failed")}
    assert modes == {"ringing": "ringing", "connecting": "ringing", "connected": "live", "reconnecting": "live",
                     "ended": "over", "unanswered": "unanswered", "failed": "over"}
    assert panel_mode(None) == "hidden"


def test_shared_screen_is_upright_and_at_most_960_px():
    from PIL import Image

    width, height = 1080, 1920
    rows = [bytes([200, 30, 30]) * width] * (height // 2) + [bytes([30, 30, 200]) * width] * (height // 2)
    jpeg = encode_screen(b"".join(rows), width, height)  # GL reads bottom row first: red is at the bottom
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    assert image.size == (540, 960)
    top, bottom = image.getpixel((270, 100)), image.getpixel((270, 860))
    assert top[2] > 150 and top[0] < 80, top
    assert bottom[0] > 150 and bottom[2] < 80, bottom
    small = encode_screen(bytes(3 * 321 * 240), 321, 240)
    assert Image.open(io.BytesIO(small)).size == (321, 240)
