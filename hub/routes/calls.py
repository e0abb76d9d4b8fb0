"""Kiosk side of video help: start, cancel, ask for a callback, and the kiosk's signaling socket."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub import registry, replies
from hub.auth import bearer
from hub.errors import field_error
from hub.routes.cases import KEY_PATTERN
from hub.state import KioskDep, StateDep
from hub.video import store
from hub.video.calls import CallError, Reason, Status
from hub.video.ice import for_call
from hub.video.switchboard import CLOSE_UNAUTHORISED, Switchboard, pump

router = APIRouter(prefix="/api/v1", tags=["video help"])


class CallRequest(BaseModel):
    """What the kiosk tells the helpers about the citizen's situation (no personal data)."""

    item_code: str = Field(min_length=1, max_length=64)
    item_name: str = Field(default="", max_length=200)
    step_id: str = Field(default="", max_length=64)
    step_title: str = Field(default="", max_length=200)
    elder_mode: bool = False
    language: str = Field(default="zh_CN", min_length=2, max_length=16)


class IceServer(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class CallStarted(BaseModel):
    call_id: str
    status: str
    ring_timeout_s: float
    ice_servers: list[IceServer]
    recording: bool


class CallbackRequestBody(BaseModel):
    phone: str = Field(min_length=1, max_length=20, description="11-digit mobile number")


class CallbackAck(BaseModel):
    callback_id: int
    call_id: str
    phone: str = Field(description="masked, 138****0000")


def switchboard(request: Request) -> Switchboard:
    return request.app.state.calls


BoardDep = Annotated[Switchboard, Depends(switchboard)]


def _ended() -> JSONResponse:
    return JSONResponse({"detail": "通话已结束", "code": "call_ended"}, status_code=409)


class CallPolicy(BaseModel):
    recording: bool = Field(description="calls are recorded at this site; the citizen is told before agreeing")
    ring_timeout_s: float


@router.get("/calls/policy", response_model=CallPolicy)
def call_policy(state: StateDep, board: BoardDep, _kiosk_id: KioskDep) -> dict[str, Any]:
    """What the consent screen tells the citizen before any call exists: is it recorded, how long it rings."""
    return {"recording": state.settings.call_recording, "ring_timeout_s": board.ring_seconds}


@router.post("/calls", status_code=201, response_model=CallStarted)
async def start_call(state: StateDep, board: BoardDep, kiosk_id: KioskDep, body: CallRequest) -> dict[str, Any]:
    """The citizen asked for video help: ring every helper's console."""

    def site() -> str:
        with state.db.read() as db:
            return store.kiosk_site(db, kiosk_id)

    call = await board.create(kiosk_id, await run_in_threadpool(site), body.model_dump())
    return {
        "call_id": call.id,
        "status": call.status.value,
        "ring_timeout_s": int(board.ring_seconds) if board.ring_seconds.is_integer() else board.ring_seconds,
        "ice_servers": for_call(state.settings, call.id, state.now()),
        "recording": state.settings.call_recording,
    }


async def _own_call(board: Switchboard, call_id: str, kiosk_id: str) -> bool:
    """True when the call is live; 404 when unknown or another kiosk's; False when it has ended."""
    live = board.live(call_id)
    if live is not None:
        if live.kiosk_id != kiosk_id:
            raise HTTPException(404, "no such call for this kiosk")
        return True
    row = await board.finished(call_id)
    if row is None or row.kiosk_id != kiosk_id:
        raise HTTPException(404, "no such call for this kiosk")
    return False


@router.delete("/calls/{call_id}")
async def hang_up(board: BoardDep, kiosk_id: KioskDep, call_id: str) -> Any:
    """The kiosk hangs up (or cancels while it rings); the helper gets ``hangup``."""
    if not await _own_call(board, call_id, kiosk_id):
        return _ended()
    live = board.live(call_id)
    reason = Reason.KIOSK_CANCELLED if live and live.status is Status.RINGING else Reason.KIOSK_HANGUP
    try:
        call = await board.end(call_id, reason, by="kiosk")
    except CallError as exc:  # the node holding the call did not answer in time (several nodes)
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=503)
    if call is None:
        return _ended()
    return {"call_id": call.id, "status": call.status.value, "end_reason": reason.value}


_CALLBACK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": CallbackAck, "description": "the number replaced an earlier one for this call"},
    409: {"description": '`{"detail": "...", "code": "key_reused"}`: the Idempotency-Key came with another request'},
}


@router.post("/calls/{call_id}/callback", status_code=201, response_model=CallbackAck, responses=_CALLBACK_RESPONSES)
async def ask_callback(
    state: StateDep,
    board: BoardDep,
    kiosk_id: KioskDep,
    call_id: str,
    body: CallbackRequestBody,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)] = None,
) -> Any:
    """Nobody answered: the citizen leaves a mobile number; helpers see it masked until one takes it.

    With an Idempotency-Key a repeat gets the first answer again and changes nothing, even when a
    later request has replaced the number since.
    """
    await _own_call(board, call_id, kiosk_id)
    now = state.now()
    mac = replies.request_mac(state.keys, replies.CALLBACK, {"call_id": call_id, "phone": body.phone})

    def work(db: Session) -> tuple[int, dict[str, Any]]:
        row, created = store.add_callback(db, state.keys, call_id, body.phone, now)
        return (201 if created else 200), {"callback_id": row.id, "call_id": call_id, "phone": row.phone_masked}

    def write() -> replies.Reply:
        return replies.once(state.db.write, kiosk_id, replies.CALLBACK, idempotency_key, mac, now, work)

    try:
        reply = await board.run_db(write)
    except store.CallbackError as exc:
        raise field_error(("body", "phone"), str(exc)) from None
    except replies.KeyReused:
        return replies.key_reused()
    if not reply.replayed:
        board.push_consoles()
    return reply.response()


@router.websocket("/calls/{call_id}/kiosk")
async def kiosk_socket(ws: WebSocket, call_id: str) -> None:
    """The kiosk's signaling socket (``Authorization: Bearer`` header): offer, state, hangup in; the rest out."""
    state = ws.app.state.hub
    board: Switchboard = ws.app.state.calls
    await ws.accept()
    token = bearer(ws.headers.get("authorization"))

    def kiosk() -> tuple[str | None, str]:
        if token is None:
            return None, "send the kiosk's token as 'Authorization: Bearer <token>'"
        with state.db.read() as db:
            found = registry.kiosk_for_token(db, token)
            if found is None:
                return None, "unknown kiosk token"
            if found.revoked_at is not None:
                return None, "kiosk has been revoked"
            problem = registry.claim_problem(found, ws.headers.get("x-kiosk-id"))
            if problem is not None:
                return None, "kiosk id does not match the token"  # a close reason has room for 123 bytes only
            return found.id, ""

    kiosk_id, why = await run_in_threadpool(kiosk)
    if kiosk_id is None:
        await ws.close(CLOSE_UNAUTHORISED, why)
        return
    refusal = await board.kiosk_refusal(call_id, kiosk_id)
    if refusal is not None:
        await ws.close(refusal.code, refusal.reason)
        return
    await board.kiosk_joined(call_id, ws)
    try:
        await pump(ws, lambda data: board.from_kiosk(call_id, ws, data))
    finally:
        await board.kiosk_left(call_id, ws)
