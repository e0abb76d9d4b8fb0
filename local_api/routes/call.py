"""``/v1/call``: remote video help — start after the citizen's consent, follow, hang up, share the screen."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from local_api.errors import BadRequest, NoCall, NotFound, TooLarge, UnsupportedMedia
from local_api.schemas import CallStart, CallView
from local_api.video.manager import CallManager
from local_api.video.media import MAX_SCREEN_BYTES

router = APIRouter(prefix="/call")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class CallbackIn(BaseModel):
    phone: str = Field(min_length=1, max_length=32, description="the citizen's mobile number, 11 digits")


def _manager(request: Request) -> CallManager:
    return request.app.state.calls


@router.post("", response_model=CallView, status_code=201,
             responses={409: {"description": "a call is already up"},
                        503: {"description": "the call cannot start (code hub_unreachable or no_camera)"}})
async def start_call(body: CallStart, request: Request) -> Any:
    return await _manager(request).start(body.camera, body.screen, body.document)


@router.get("/policy")
async def call_policy(request: Request) -> dict[str, Any]:
    """Before any call: does this site record calls (``recording`` true/false, or null when the hub cannot
    say now). The consent screen tells the citizen before the camera turns on."""
    return await _manager(request).policy()


@router.get("", response_model=CallView, responses={404: {"description": "no call"}})
def get_call(request: Request) -> Any:
    view = _manager(request).view()
    if view is None:
        raise NoCall()
    return view


@router.delete("", response_model=CallView, responses={404: {"description": "no call"}})
async def hang_up(request: Request) -> Any:
    return await _manager(request).hang_up()


@router.put("/consent", response_model=CallView,
            responses={404: {"description": "no live call"}, 503: {"description": "no_camera"}})
async def change_consent(body: CallStart, request: Request) -> Any:
    return await _manager(request).set_consent(body.camera, body.screen, body.document)


@router.get("/remote.jpg", responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "no frame yet"}})
def remote_frame(request: Request) -> Response:
    jpeg = _manager(request).remote.jpeg()
    if jpeg is None:
        raise NotFound("no picture from the helper yet", code="no_frame")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post("/screen", status_code=204, response_class=Response,
             responses={409: {"description": "the screen is not being shared"}, 413: {}, 415: {}, 422: {}})
async def post_screen(request: Request) -> Response:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "image/jpeg":
        raise UnsupportedMedia(f"send the screen as image/jpeg, not {kind or 'no content type'}")
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_SCREEN_BYTES:
        raise TooLarge(f"a screen frame may be at most {MAX_SCREEN_BYTES // 1024} KiB; lower the quality")
    body = await request.body()
    if len(body) > MAX_SCREEN_BYTES:
        raise TooLarge(f"a screen frame may be at most {MAX_SCREEN_BYTES // 1024} KiB; lower the quality")
    _manager(request).post_screen(body)  # Conflict not_sharing (409), BadRequest (422)
    return Response(status_code=204)


@router.post("/callback", response_model=CallView, status_code=201,
             responses={409: {"description": "only after an unanswered call"}, 422: {}, 503: {}})
async def ask_callback(body: CallbackIn, request: Request) -> Any:
    phone = body.phone.replace(" ", "").replace("-", "")
    if not _MOBILE.match(phone):
        raise BadRequest("请输入11位手机号码 (the phone must be an 11-digit mobile number)", code="bad_phone")
    return await _manager(request).callback(phone)  # Conflict no_call (409), HubUnreachable (503)


class AssistAnswer(BaseModel):
    accept: bool = Field(description="true: the helper may fill in with the citizen; false: no, or take it back")


@router.put("/assist", response_model=CallView,
            responses={404: {"description": "no live call"}, 409: {"description": "not asked, or no session"}})
async def answer_assist(body: AssistAnswer, request: Request) -> Any:
    """帮办: the citizen's answer to the helper asking to fill in, or taking the control back at any time."""
    return await _manager(request).answer_assist(body.accept)


@router.get("/stats")
def call_stats(request: Request) -> dict[str, Any]:
    """Counters of the current or last call (frames, audio level, restarts); no picture or sound."""
    return _manager(request).stats()
