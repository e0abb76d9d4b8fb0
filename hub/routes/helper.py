"""Helper side of video help: log in, the console of waiting calls, the call page and their sockets."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection

from hub.auth import secret_file
from hub.headers import secure_cookie
from hub.intake import utc
from hub.state import HubState, StateDep
from hub.video import accounts, store
from hub.video.calls import CallError
from hub.video.ice import for_call
from hub.video.recordings import MAX_PIECE_BYTES, RecordingRefused
from hub.video.signaling import HIGHLIGHTS, MAX_TEXT_CHARS
from hub.video.switchboard import CLOSE_FORBIDDEN, CLOSE_UNAUTHORISED, Switchboard, pump

router = APIRouter(prefix="/helper", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
HIGHLIGHT_LABELS = {
    "next": "下一步",
    "back": "返回",
    "keypad": "键盘",
    "camera": "高拍仪",
    "card_reader": "读卡区",
    "printer": "出纸口",
}
assert set(HIGHLIGHT_LABELS) == set(HIGHLIGHTS)


@dataclass(frozen=True)
class Who:
    """The logged-in helper."""

    username: str
    name: str


def session_key(settings_dir: Path) -> bytes:
    return bytes.fromhex(secret_file(settings_dir / "helper-session-key", lambda: secrets.token_hex(32)))


def _identify(conn: HTTPConnection) -> Who | None:
    state: HubState = conn.app.state.hub
    claims = accounts.verify_session(conn.app.state.helper_key, conn.cookies.get(accounts.COOKIE), state.now())
    if claims is None:
        return None
    with state.db.read() as db:
        helper = accounts.session_helper(db, claims)
        return Who(helper.username, helper.display_name) if helper else None


def _source(request: Request, state: HubState) -> str:
    """Where a log-in comes from, as a keyed hash (the client address uvicorn reports, a trusted proxy's if any)."""
    host = request.client.host if request.client else "unknown"
    return state.keys.request_mac(f"helper-login-source:{host}")


def _same_origin(conn: HTTPConnection) -> bool:
    # Cookies ride along on cross-site form posts and socket opens; only the hub's own pages may act.
    origin = conn.headers.get("origin")
    return not origin or urlsplit(origin).netloc == conn.headers.get("host")


def page_helper(request: Request) -> Who:
    """The helper behind the session cookie; otherwise a redirect to the login page."""
    if request.method != "GET" and not _same_origin(request):
        raise HTTPException(403, "helper actions must come from the hub's own pages")
    who = _identify(request)
    if who is None:
        target = quote(request.url.path if request.method == "GET" else "/helper")
        raise HTTPException(303, "请先登录", headers={"Location": f"/helper/login?next={target}"})
    return who


WhoDep = Annotated[Who, Depends(page_helper)]


def _board(request: Request) -> Switchboard:
    return request.app.state.calls


BoardDep = Annotated[Switchboard, Depends(_board)]


def _message(request: Request, title: str, text: str, status: int, back: str = "/helper") -> Response:
    """A refusal: a small page for browsers, ``{"detail", "code"}`` for scripts."""
    wants_json = request.headers.get("content-type", "").startswith("application/json")
    if "text/html" in request.headers.get("accept", "") and not wants_json:
        context = {"title": title, "text": text, "back": back}
        return templates.TemplateResponse(request, "helper_message.html", context, status_code=status)
    return JSONResponse({"detail": text, "code": title}, status_code=status)


def _refused(request: Request, exc: CallError) -> Response:
    status = {"unknown": 404, "bad_target": 422, "unavailable": 503}.get(exc.code, 409)
    return _message(request, exc.code, str(exc), status)


# -- log in and out


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/helper") -> Response:
    return templates.TemplateResponse(request, "helper_login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    state: StateDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/helper",
) -> Response:
    """Check the password (locked for a while after repeated wrong ones); set the signed session cookie."""
    if not _same_origin(request):
        raise HTTPException(403, "log in from the hub's own login page")
    now = state.now()
    with state.db.write() as db, db.begin():
        result = accounts.log_in(db, username.strip(), password, now, _source(request, state))
        cookie = accounts.sign_session(request.app.state.helper_key, result, now) if not isinstance(result, str) else ""
    if isinstance(result, str):
        context = {"next": _safe_next(next), "error": result, "username": username}
        return templates.TemplateResponse(request, "helper_login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        accounts.COOKIE,
        cookie,
        max_age=int(accounts.SESSION_AGE.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request.url.scheme, request.headers.get("host", "")),
        path="/helper",
    )
    return response


@router.post("/logout")
def logout(request: Request, state: StateDep, who: WhoDep) -> Response:
    """End the helper's sessions everywhere and go back to the login page."""
    with state.db.write() as db, db.begin():
        accounts.log_out(db, who.username)
    response = RedirectResponse("/helper/login", status_code=303)
    response.delete_cookie(accounts.COOKIE, path="/helper")
    return response


def _safe_next(target: str) -> str:
    return target if target.startswith("/helper") and "//" not in target and "\\" not in target else "/helper"


# -- the console


def render_board(data: dict[str, Any], who: Who) -> str:
    """The console's lists as HTML (the same partial for the page and for every live push)."""
    return templates.get_template("helper_board.html").render(board=data, others=data["helpers"], me=who)


@router.get("", response_class=HTMLResponse)
async def console(request: Request, board: BoardDep, who: WhoDep) -> Response:
    """Waiting calls with site, item and step; callback requests; the last 50 calls."""
    context = {"me": who, "board_html": render_board(await board.board(who.username), who)}
    return templates.TemplateResponse(request, "helper_console.html", context)


@router.websocket("/ws")
async def console_socket(ws: WebSocket) -> None:
    """Pushes ``{"type": "queue", "calls", "callbacks", "history", "html"}`` on every change."""
    await ws.accept()
    who = await run_in_threadpool(_identify, ws)
    if who is None or not _same_origin(ws):
        await ws.close(CLOSE_UNAUTHORISED, "log in at /helper/login first")
        return
    board: Switchboard = ws.app.state.calls
    sock = _ConsoleSocket(ws, who)
    await board.console_joined(sock, who.username)
    try:
        async with _session_watch(ws):
            while (await ws.receive())["type"] != "websocket.disconnect":
                pass  # the console only listens; anything it sends is ignored
    except (RuntimeError, OSError):
        pass
    finally:
        await board.console_left(sock)


SESSION_RECHECK_S = 10.0  # how soon an open page notices a logout, disable or reset


@contextlib.asynccontextmanager
async def _session_watch(ws: WebSocket) -> AsyncIterator[None]:
    """Close the socket once its session has ended (logged out elsewhere, disabled, password reset).

    The cookie is checked when a socket opens; a socket that stays open for hours is checked again
    every SESSION_RECHECK_S against the database, which every hub process reads alike.
    """

    async def watch() -> None:
        while True:
            await asyncio.sleep(SESSION_RECHECK_S)
            if await run_in_threadpool(_identify, ws) is None:
                await ws.close(CLOSE_UNAUTHORISED, "this session has ended; log in at /helper/login")
                return

    task = asyncio.create_task(watch())
    try:
        yield
    finally:
        task.cancel()


class _ConsoleSocket:
    """A console's socket that adds the rendered board to each push."""

    def __init__(self, ws: WebSocket, who: Who) -> None:
        self.ws, self.who = ws, who

    async def send_json(self, data: Any) -> None:
        if data.get("type") == "queue":
            data = {**data, "html": render_board(data, self.who)}
        await self.ws.send_json(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.ws.close(code, reason)


# -- actions on a call


@router.post("/calls/{call_id}/accept")
async def accept(request: Request, board: BoardDep, who: WhoDep, call_id: str) -> Response:
    """Take the call and open its page; a second helper gets 409 已由其他工作人员接听."""
    try:
        await board.accept(call_id, who.username, who.name)
    except CallError as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/helper/calls/{call_id}", status_code=303)


@router.post("/calls/{call_id}/decline")
async def decline(request: Request, board: BoardDep, who: WhoDep, call_id: str) -> Response:
    """Not for me: the call keeps ringing for the other helpers."""
    try:
        await board.decline(call_id, who.username)
    except CallError as exc:
        return _refused(request, exc)
    return _done(request, {"call_id": call_id, "declined": True})


@router.post("/calls/{call_id}/transfer")
async def transfer(request: Request, state: StateDep, board: BoardDep, who: WhoDep, call_id: str) -> Response:
    """Hand the call to a named helper (form field or JSON ``to``); it rings for them alone."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = None
        target = body.get("to") if isinstance(body, dict) else None
    else:
        target = (await request.form()).get("to")
    if not isinstance(target, str) or not target.strip():
        return _message(request, "bad_target", "请选择要转接的工作人员（to: 用户名）", 422)

    def directory() -> dict[str, str]:
        with state.db.read() as db:
            return accounts.active_helpers(db)

    if target.strip() not in await run_in_threadpool(directory):
        return _message(request, "bad_target", f"没有用户名为 {target.strip()[:64]} 的工作人员", 422)
    try:
        await board.transfer(call_id, who.username, target.strip())
    except CallError as exc:
        return _refused(request, exc)
    return _done(request, {"call_id": call_id, "transferred_to": target.strip()})


def _done(request: Request, body: dict[str, Any]) -> Response:
    if request.headers.get("content-type", "").startswith("application/json"):
        return JSONResponse(body)
    return RedirectResponse("/helper", status_code=303)


@router.post("/callbacks/{callback_id}/take")
async def take_callback(request: Request, state: StateDep, board: BoardDep, who: WhoDep, callback_id: int) -> Response:
    """Claim a callback: the full number is shown to this helper only."""
    return await _callback_action(request, state, board, who, callback_id, store.take_callback)


@router.post("/callbacks/{callback_id}/done")
async def finish_callback(
    request: Request, state: StateDep, board: BoardDep, who: WhoDep, callback_id: int
) -> Response:
    """The citizen has been phoned back; the request leaves the list."""
    return await _callback_action(request, state, board, who, callback_id, store.finish_callback)


async def _callback_action(
    request: Request, state: HubState, board: Switchboard, who: Who, callback_id: int, action: Any
) -> Response:
    def write() -> None:
        with state.db.write() as db, db.begin():
            action(db, callback_id, who.username, state.now())

    try:
        await board.run_db(write)
    except store.CallbackError as exc:
        return _message(request, "callback", str(exc), 409)
    board.push_consoles()
    return _done(request, {"callback_id": callback_id})


# -- the call page


@router.get("/calls/{call_id}", response_class=HTMLResponse)
async def call_page(request: Request, state: StateDep, board: BoardDep, who: WhoDep, call_id: str) -> Response:
    """Remote videos, local camera and microphone, the citizen's current step, text, highlights, hang-up."""
    refusal = await board.helper_refusal(call_id, who.username)
    if refusal is not None:
        text = "通话已结束或不存在" if refusal.code != CLOSE_FORBIDDEN else "这个通话不是由您接听的"
        return _message(request, "call", text, 404 if refusal.code != CLOSE_FORBIDDEN else 403)
    call = await board.live_call(call_id)
    if call is None:
        return _message(request, "call", "通话已结束或不存在", 404)
    config = {
        "callId": call_id,
        "socket": f"/helper/calls/{call_id}/ws",
        "iceServers": for_call(state.settings, call_id, state.now()),
        "maxText": MAX_TEXT_CHARS,
        "recording": state.settings.call_recording,
        "recordingUrl": f"/helper/calls/{call_id}/recording",
    }
    def directory() -> dict[str, str]:
        with state.db.read() as db:
            return accounts.active_helpers(db)

    online = board.online_helpers()
    others = [{"username": u, "name": n, "online": u in online}
              for u, n in sorted((await run_in_threadpool(directory)).items()) if u != who.username]
    context = {"me": who, "call": call, "config": config, "highlights": HIGHLIGHT_LABELS, "others": others}
    return templates.TemplateResponse(request, "helper_call.html", context, headers={"Cache-Control": "no-store"})


UPLOAD_AFTER_END_S = 120  # the page's last piece may arrive just after the call has ended


@router.post("/calls/{call_id}/recording", status_code=204, response_class=Response)
async def upload_recording(request: Request, state: StateDep, board: BoardDep, who: WhoDep, call_id: str,
                           part: int = 0, seq: int = 0) -> Response:
    """A piece of the call's recording from the accepting helper's page, when the site records calls."""
    if not state.settings.call_recording:
        raise HTTPException(403, "this site does not record calls (KIOSKHUB_CALL_RECORDING is off)")
    if not request.headers.get("content-type", "").startswith("video/webm"):
        raise HTTPException(415, "send the recording as video/webm")
    live = await board.live_call(call_id)
    if live is not None:
        allowed = live.helper == who.username
    else:
        row = await board.finished(call_id)
        ended = row.ended_at if row is not None else None
        allowed = bool(row and row.helper_username == who.username and ended
                       and (state.now() - utc(ended)).total_seconds() < UPLOAD_AFTER_END_S)
    if not allowed:
        raise HTTPException(403, "only the helper who took the call may record it, while it runs")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_PIECE_BYTES:
            raise HTTPException(413, f"a recording piece may be at most {MAX_PIECE_BYTES // (1024 * 1024)} MiB")
    try:
        await run_in_threadpool(request.app.state.recordings.add, call_id, part, seq, bytes(data))
    except RecordingRefused as exc:
        raise HTTPException(422, str(exc)) from None
    return Response(status_code=204)


@router.websocket("/calls/{call_id}/ws")
async def call_socket(ws: WebSocket, call_id: str) -> None:
    """The accepting helper's signaling socket: answer, text, highlight, restart, hangup in; offer, state out."""
    await ws.accept()
    who = await run_in_threadpool(_identify, ws)
    if who is None or not _same_origin(ws):
        await ws.close(CLOSE_UNAUTHORISED, "log in at /helper/login first")
        return
    board: Switchboard = ws.app.state.calls
    refusal = await board.helper_refusal(call_id, who.username)
    if refusal is not None:
        await ws.close(refusal.code, refusal.reason)
        return
    await board.helper_joined(call_id, ws)
    try:
        async with _session_watch(ws):
            await pump(ws, lambda data: board.from_helper(call_id, ws, data))
    finally:
        await board.helper_left(call_id, ws)
