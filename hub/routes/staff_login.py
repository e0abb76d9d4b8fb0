"""``/staff/login`` and ``/staff/logout``: each person logs in with their own account; a signed session cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hub.headers import secure_cookie
from hub.staff import accounts, audit
from hub.staff.auth import COOKIE, AnyStaff, actor, login_source, same_origin
from hub.staff.roles import home
from hub.state import StateDep

router = APIRouter(prefix="/staff", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def _safe_next(target: str) -> str | None:
    """Only a staff page of this hub (no other host, no scheme-relative //host)."""
    if target.startswith("/staff") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> Response:
    return templates.TemplateResponse(request, "staff_login.html", {"next": _safe_next(next) or "", "error": None})


@router.post("/login")
def login(
    request: Request,
    state: StateDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password (throttled per source and user); set the signed session cookie; audit the log-in."""
    if not same_origin(request):
        raise HTTPException(403, "log in from the hub's own login page")
    now = state.now()
    with state.db.write() as db, db.begin():
        found = accounts.log_in(db, username.strip(), password, now, login_source(state, request))
        if not isinstance(found, str):
            who = accounts.user(found)
            audit.record(db, actor(request, who), "login", now)
            cookie = state.staff_keys.sign({"u": found.username, "e": found.session_epoch}, now)
    if isinstance(found, str):
        context = {"next": _safe_next(next) or "", "error": found, "username": username}
        return templates.TemplateResponse(request, "staff_login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next) or home(who.role), status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(accounts.SESSION_AGE.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request.url.scheme, request.headers.get("host", "")),
        path="/staff",
    )
    return response


@router.post("/logout")
def logout(request: Request, state: StateDep, who: AnyStaff) -> Response:
    """End the person's sessions everywhere and go back to the login page."""
    with state.db.write() as db, db.begin():
        accounts.log_out(db, who.username)
        audit.record(db, actor(request, who), "logout", state.now())
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response
