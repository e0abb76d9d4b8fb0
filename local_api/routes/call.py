"""``/v1/call``: remote video help — start after the citizen's consent, follow, hang up, share the screen."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from local_api.schemas import CallStart, CallView
from local_api.video.manager import CallBusy, CallManager, NoCall
from local_api.video.media import MAX_SCREEN_BYTES, MediaUnavailable
from local_api.video.signaling import HubUnreachable

router = APIRouter(prefix="/call")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class CallbackIn(BaseModel):
    phone: str = Field(min_length=1, max_length=32, description="the citizen's mobile number, 11 digits")


def _manager(request: Request) -> CallManager:
    return request.app.state.calls


def _unavailable(code: str, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=503)


@router.post("", response_model=CallView, status_code=201,
             responses={409: {"description": "a call is already up"},
                        503: {"description": "the call cannot start (code hub_unreachable or no_camera)"}})
async def start_call(body: CallStart, request: Request) -> Any:
    try:
        return await _manager(request).start(body.camera, body.screen, body.document)
    except CallBusy:
        raise HTTPException(409, "a video call is already up; hang it up (DELETE /v1/call) first") from None
    except MediaUnavailable as exc:
        return _unavailable("no_camera", f"{exc}; start the call without the camera, or fix the camera")
    except HubUnreachable as exc:
        return _unavailable("hub_unreachable", str(exc))


@router.get("/policy")
async def call_policy(request: Request) -> dict[str, Any]:
    """Before any call: does this site record calls (``recording`` true/false, or null when the hub cannot
    say now). The consent screen tells the citizen before the camera turns on."""
    return await _manager(request).policy()


@router.get("", response_model=CallView, responses={404: {"description": "no call"}})
def get_call(request: Request) -> Any:
    view = _manager(request).view()
    if view is None:
        raise HTTPException(404, "there is no video call")
    return view


@router.delete("", response_model=CallView, responses={404: {"description": "no call"}})
async def hang_up(request: Request) -> Any:
    try:
        return await _manager(request).hang_up()
    except NoCall:
        raise HTTPException(404, "there is no video call to hang up") from None


@router.put("/consent", response_model=CallView,
            responses={404: {"description": "no live call"}, 503: {"description": "no_camera"}})
async def change_consent(body: CallStart, request: Request) -> Any:
    try:
        return await _manager(request).set_consent(body.camera, body.screen, body.document)
    except NoCall:
        raise HTTPException(404, "there is no live video call; start one with POST /v1/call") from None
    except MediaUnavailable as exc:
        return _unavailable("no_camera", str(exc))


@router.get("/remote.jpg", responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "no frame yet"}})
def remote_frame(request: Request) -> Response:
    jpeg = _manager(request).remote.jpeg()
    if jpeg is None:
        raise HTTPException(404, "no picture from the helper yet")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post("/screen", status_code=204, response_class=Response,
             responses={409: {"description": "the screen is not being shared"}, 413: {}, 415: {}, 422: {}})
async def post_screen(request: Request) -> Response:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "image/jpeg":
        raise HTTPException(415, f"send the screen as image/jpeg, not {kind or 'no content type'}")
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_SCREEN_BYTES:
        raise HTTPException(413, f"a screen frame may be at most {MAX_SCREEN_BYTES // 1024} KiB; lower the quality")
    body = await request.body()
    if len(body) > MAX_SCREEN_BYTES:
        raise HTTPException(413, f"a screen frame may be at most {MAX_SCREEN_BYTES // 1024} KiB; lower the quality")
    try:
        _manager(request).post_screen(body)
    except NoCall:
        raise HTTPException(409, "the screen is not being shared; the citizen must agree first "
                                 "(PUT /v1/call/consent with screen true)") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return Response(status_code=204)


@router.post("/callback", response_model=CallView, status_code=201,
             responses={409: {"description": "only after an unanswered call"}, 422: {}, 503: {}})
async def ask_callback(body: CallbackIn, request: Request) -> Any:
    phone = body.phone.replace(" ", "").replace("-", "")
    if not _MOBILE.match(phone):
        raise HTTPException(422, "请输入11位手机号码 (the phone must be an 11-digit mobile number)")
    try:
        return await _manager(request).callback(phone)
    except NoCall:
        raise HTTPException(409, "a call-back can be asked for only after a call nobody answered") from None
    except HubUnreachable as exc:
        return _unavailable("hub_unreachable", str(exc))


@router.get("/stats")
def call_stats(request: Request) -> dict[str, Any]:
    """Counters of the current or last call (frames, audio level, restarts); no picture or sound."""
    return _manager(request).stats()
