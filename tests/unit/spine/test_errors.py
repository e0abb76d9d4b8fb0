"""kioskd's one error family: each code has its status, and every route answers errors in one JSON shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from local_api import errors
from local_api.errors import KioskError
from local_api.settings import Settings

# The contract the UI (kiosk/client.py) and kioskctl (kioskctl/daemon.py) read: code, detail, hub_status.
EXPECTED = {
    "internal_error": 500, "not_found": 404, "conflict": 409, "bad_request": 422, "unsupported_media": 415,
    "too_large": 413, "unavailable": 503, "no_session": 404, "no_item": 404, "session_busy": 409,
    "event_rejected": 409, "not_ready": 503, "selftest_running": 409, "no_device": 404, "device_failed": 503,
    "hub_unreachable": 503, "hub_busy": 503,
    "ticket_refused": 409, "enrol_failed": 502, "call_busy": 409, "no_call": 404,
    "no_camera": 503, "invalid_event": 422,
}


def test_each_code_has_its_status_and_no_two_classes_share_a_code():
    import local_api.sessions  # noqa: F401  # BadEvent lives beside the engine's InvalidEvent

    family = {cls.code: cls.status for cls in errors.all_errors()}
    assert len(family) == len(errors.all_errors()), "two error classes share a code"
    assert family == EXPECTED


def test_a_precise_code_keeps_the_class_status_and_extras_reach_the_body():
    refused = errors.TicketRefused("day_full", "该业务今天的号已经取完了。", {"opens": "08:30"}, "full", status=409)
    assert (refused.code, refused.status) == ("day_full", 409)
    assert refused.body() == {"error": "day_full", "code": "day_full", "detail": "full",
                              "message": "该业务今天的号已经取完了。", "hub_status": 409, "opens": "08:30"}
    assert refused.result() == {"refused": "day_full", "message": "该业务今天的号已经取完了。", "opens": "08:30"}
    assert errors.NotReady("paper_out", "缺纸").status == 503
    assert errors.EnrolFailed(504, "unreachable", "no answer").status == 504  # passes on what happened


def test_errors_raised_without_words_answer_their_own_and_others_need_some():
    assert errors.NoCall().body() == {"error": "no_call", "code": "no_call", "detail": "there is no video call",
                                      "message": "there is no video call"}
    assert errors.SelfTestRunning().detail == "a self-test is already running; wait for its result"
    assert errors.CallBusy("hang up first").detail == "hang up first"
    with pytest.raises(TypeError, match="NoDevice needs a detail"):
        errors.NoDevice()


@pytest.fixture
def kioskd(tmp_path):
    from local_api.main import create_app

    settings = Settings(data_dir=tmp_path, devices="sim", voice="none:", items=("queue_ticket",))
    app = create_app(settings, configure_logging=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.headers["Authorization"] = f"Bearer {app.state.token}"
        yield client


def test_routes_answer_errors_in_the_documented_body(kioskd):
    unknown = kioskd.post("/v1/sessions", json={"item_code": "no_such_item"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == unknown.json()["code"] == "no_item"
    assert "queue_ticket" in unknown.json()["detail"]  # says what the kiosk offers instead

    started = kioskd.post("/v1/sessions", json={"item_code": "queue_ticket"})
    assert started.status_code == 201
    busy = kioskd.post("/v1/sessions", json={"item_code": "queue_ticket"})
    assert (busy.status_code, busy.json()["error"]) == (409, "session_busy")

    sid = started.json()["id"]
    bad = kioskd.post(f"/v1/sessions/{sid}/events", json={"type": "rate", "data": {"level": 9}})
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_event")
    assert "level" in bad.json()["detail"]  # says which field is wrong
    early = kioskd.post(f"/v1/sessions/{sid}/events", json={"type": "rate", "data": {"level": 5}})
    assert (early.status_code, early.json()["error"]) == (409, "event_rejected")
    assert set(early.json()) >= {"detail", "step", "expected"}  # what the UI's EventRejected reads
    assert early.json()["step"] == started.json()["step"]["id"]

    gone = kioskd.get("/v1/sessions/not-a-session")
    assert gone.status_code == 404 and gone.json()["error"] == "no_session"
    assert "not-a-session" in gone.json()["detail"]


def test_a_refused_ticket_passes_on_the_hub_code_and_status(kioskd):
    from local_api.errors import TicketRefused

    def refuse(*_args, **_kwargs):
        raise TicketRefused("service_closed", "该业务现在不在办理时间内。", {"opens": "08:30"}, "closed", status=409)

    kioskd.app.state.daemon.queue_desk.take_ticket = refuse
    answer = kioskd.post("/v1/queue/tickets", json={"service": "A", "print": False})
    assert answer.status_code == 409
    assert answer.json() == {"error": "service_closed", "code": "service_closed", "detail": "closed",
                             "message": "该业务现在不在办理时间内。", "hub_status": 409, "opens": "08:30"}


def test_every_error_class_is_a_kiosk_error_with_an_http_status():
    for cls in errors.all_errors():
        assert issubclass(cls, KioskError) and 400 <= cls.status < 600
