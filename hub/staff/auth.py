"""Who is at a staff route and whether their role allows it: the session cookie of the login page, or HTTP
Basic with a staff account's own name and password (scripts and the JSON API); and the audit rows routes write."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection

from hub.staff import accounts, audit
from hub.staff.accounts import StaffUser
from hub.staff.roles import LABELS, Permit, Role, may
from hub.state import HubState, StateDep

COOKIE = "kioskhub_staff"
_BASIC = {"WWW-Authenticate": 'Basic realm="kioskhub staff"'}


def source(conn: HTTPConnection) -> str:
    """Where a request comes from: the client address uvicorn reports (a trusted proxy's client, if any)."""
    return conn.client.host if conn.client else "unknown"


def login_source(state: HubState, conn: HTTPConnection) -> str:
    """The address as a keyed hash: what wrong passwords are counted under."""
    return state.keys.request_mac(f"staff-login-source:{source(conn)}")


def basic_user(state: HubState, conn: HTTPConnection, authorization: str) -> StaffUser:
    """The account whose name and password came as HTTP Basic; 401 (with the throttle's words) otherwise."""
    try:
        username, _, password = base64.b64decode(authorization.partition(" ")[2].strip(), validate=True) \
            .decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise HTTPException(401, "malformed Basic credentials", _BASIC) from None
    with state.db.write() as db, db.begin():
        found = accounts.log_in(db, username.strip(), password, state.now(), login_source(state, conn))
        who = found if isinstance(found, str) else accounts.user(found)
    if isinstance(who, str):
        raise HTTPException(401, f"{who} (a staff account's own user name and password; "
                                 "accounts are made with 'kioskhub staff add')", _BASIC)
    return who


def cookie_user(state: HubState, conn: HTTPConnection) -> StaffUser | None:
    claims = state.staff_keys.verify(conn.cookies.get(COOKIE), state.now(), accounts.SESSION_AGE)
    if claims is None:
        return None
    with state.db.read() as db:
        account = accounts.session_account(db, claims)
        return accounts.user(account) if account else None


def identify(request: Request, state: HubState) -> StaffUser | None:
    """The caller: as the request gate found it, else by Basic credentials, else by the session cookie."""
    found = getattr(request.state, "staff", None)
    if isinstance(found, StaffUser):
        return found
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        return basic_user(state, request, authorization)
    return cookie_user(state, request)


def same_origin(conn: HTTPConnection) -> bool:
    # Cookies and Basic credentials ride along on cross-site form posts; only the hub's own pages may act.
    origin = conn.headers.get("origin")
    return not origin or urlsplit(origin).netloc == conn.headers.get("host")


def allowed(*permits: Permit) -> Callable[[Request, HubState], StaffUser]:
    """A route dependency: the caller, if their role holds one of ``permits``; else a login or a refusal."""

    def check(request: Request, state: StateDep) -> StaffUser:
        if request.method != "GET" and not same_origin(request):
            raise HTTPException(403, "staff changes must come from the hub's own pages")
        who = identify(request, state)
        if who is None:
            if request.url.path.startswith("/staff") and request.method == "GET":
                target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                raise HTTPException(303, "请先登录", headers={"Location": f"/staff/login?next={target}"})
            raise HTTPException(401, "log in at /staff/login, or send a staff account's name and password as "
                                     "HTTP Basic", _BASIC)
        if not any(may(who.role, p) for p in permits):
            request.state.staff = who
            note(request, state, who, "access.denied", target=f"{request.method} {request.url.path}"[:120])
            raise RoleRefused(f"{LABELS.get(Role(who.role), who.role)}（{who.role}）无权执行此操作；"
                              "如需要，请管理员调整账号角色")
        request.state.staff = who  # the pages' header shows who is logged in
        return who

    return check


class RoleRefused(HTTPException):
    """The account's role does not allow this route: 403, as a page for browsers (``refused_handler``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


_templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


async def refused_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RoleRefused)
    if "text/html" in request.headers.get("accept", ""):
        return _templates.TemplateResponse(request, "staff_refused.html", {"text": exc.detail}, status_code=403)
    return JSONResponse({"detail": exc.detail}, status_code=403)


def actor(request: HTTPConnection, who: StaffUser) -> audit.Actor:
    return audit.Actor(who.username, who.role, source(request))


def note(request: HTTPConnection, state: HubState, who: StaffUser, action: str, *, target: str | None = None,
         case_no: str | None = None, detail: str | None = None) -> None:
    """An audit row of its own (for a view; a change writes its row in its own transaction with ``audit.record``)."""
    with state.db.write() as db, db.begin():
        audit.record(db, actor(request, who), action, state.now(), target=target, case_no=case_no, detail=detail)


CasesStaff = Annotated[StaffUser, Depends(allowed(Permit.CASES))]
QueueStaff = Annotated[StaffUser, Depends(allowed(Permit.QUEUE))]
RatingsStaff = Annotated[StaffUser, Depends(allowed(Permit.RATINGS))]
RecordingsStaff = Annotated[StaffUser, Depends(allowed(Permit.RECORDINGS))]
FleetStaff = Annotated[StaffUser, Depends(allowed(Permit.FLEET))]
LookupsStaff = Annotated[StaffUser, Depends(allowed(Permit.LOOKUPS))]
AuditStaff = Annotated[StaffUser, Depends(allowed(Permit.AUDIT))]
AccountsStaff = Annotated[StaffUser, Depends(allowed(Permit.ACCOUNTS))]
AnyStaff = Annotated[StaffUser, Depends(allowed(*Permit))]
