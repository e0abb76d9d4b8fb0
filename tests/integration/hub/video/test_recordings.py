"""Call recordings: pieces uploaded by the accepting helper's page, sealed at rest, played from the staff page."""

from __future__ import annotations

import httpx

from tests.integration.hub.staff_accounts import staff_auth

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 64 + "群众摄像头".encode() * 200  # what a MediaRecorder piece starts with


def _accepted(hub) -> tuple[str, httpx.Client]:
    call_id = hub.call()
    helper = hub.helper("helper1", "王小明")
    assert hub.accept(helper, call_id).status_code == 303
    return call_id, helper


def _upload(client: httpx.Client, call_id: str, data: bytes, *, part: int = 0, seq: int = 0,
            kind: str = "video/webm") -> httpx.Response:
    return client.post(f"/helper/calls/{call_id}/recording", params={"part": part, "seq": seq}, content=data,
                       headers={"Content-Type": kind})


def test_pieces_are_sealed_at_rest_and_play_back_joined_in_order(hub_with):
    hub = hub_with(call_recording=True)
    call_id, helper = _accepted(hub)
    page = helper.get(f"/helper/calls/{call_id}")
    assert '"recording": true' in page.text and "录音录像" in page.text
    for seq, piece in enumerate((WEBM[:100], WEBM[100:])):
        assert _upload(helper, call_id, piece, seq=seq).status_code == 204
    assert _upload(helper, call_id, b"again", seq=0).status_code == 204  # a retried piece is not stored twice
    stored = b"".join(p.read_bytes() for p in (hub.state.settings.recordings_dir / call_id).iterdir())
    assert "群众摄像头".encode() not in stored and b"\x1a\x45\xdf\xa3" not in stored  # nothing readable on disk
    staff = staff_auth(hub.state)
    played = hub.browser().get(f"/staff/recordings/{call_id}/0.webm", auth=staff)
    assert played.status_code == 200 and played.headers["content-type"] == "video/webm"
    assert played.content == WEBM
    assert "通话录像" in hub.browser().get("/staff", auth=staff).text
    assert hub.browser().get(f"/staff/recordings/{call_id}/0.webm").status_code == 303  # to the login page


def test_only_the_accepting_helper_may_record_and_only_where_the_site_records(hub_with):
    hub = hub_with(call_recording=True)
    call_id, helper = _accepted(hub)
    other = hub.helper("helper2", "李小红")
    assert _upload(other, call_id, WEBM).status_code == 403
    assert _upload(helper, call_id, WEBM, kind="application/octet-stream").status_code == 415
    assert _upload(helper, call_id, WEBM, part=-1).status_code == 422
    assert _upload(helper, call_id, b"\x00" * (8 * 1024 * 1024 + 1)).status_code == 413
    assert not (hub.state.settings.recordings_dir / call_id).exists()


def test_a_site_that_does_not_record_refuses_every_piece(hub_with):
    hub = hub_with(call_recording=False)
    call_id, helper = _accepted(hub)
    assert '"recording": false' in helper.get(f"/helper/calls/{call_id}").text
    refused = _upload(helper, call_id, WEBM)
    assert refused.status_code == 403 and "does not record" in refused.text
