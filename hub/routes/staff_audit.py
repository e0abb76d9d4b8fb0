"""``/staff/audit``: the audit trail for auditors; ``/staff/accounts``: the staff and helper accounts for admins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub import intake
from hub.staff import accounts, audit
from hub.staff.auth import AccountsStaff, AuditStaff, note
from hub.staff.roles import LABELS, Role
from hub.state import StateDep
from hub.video.accounts import list_helpers

router = APIRouter(prefix="/staff", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, state: StateDep, who: AuditStaff, actor: str = "", case: str = "",
               action: str = "", since: str = "") -> HTMLResponse:
    """The newest 500 rows, narrowed by account, case, action and a hall date (YYYY-MM-DD) to start from."""
    zone = state.settings.zone
    start = None
    if since.strip():
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(since.strip()), dt.time(), zone)
        except ValueError:
            raise HTTPException(422, "since must be a date, YYYY-MM-DD") from None
    if action and action not in audit.ACTIONS:
        raise HTTPException(422, f"no action {action}; one of {', '.join(audit.ACTIONS)}")
    note(request, state, who, "audit.view", detail=" ".join(
        f"{k}={v.strip()[:40]}" for k, v in (("actor", actor), ("case", case), ("action", action), ("since", since))
        if v.strip()) or None)
    with state.db.read() as db:
        rows = audit.search(db, since=start, actor=actor.strip() or None, case_no=case.strip() or None,
                            action=action or None)
    return templates.TemplateResponse(request, "staff_audit.html", {
        "rows": rows, "actions": audit.ACTIONS, "roles": {**{r.value: LABELS[r] for r in Role}, "cli": "命令行"},
        "actor": actor, "case": case, "action": action, "since": since,
        "local": lambda value: intake.utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
    })


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, state: StateDep, who: AccountsStaff) -> HTMLResponse:
    """Every staff and helper account with its role and state; changes are made with ``kioskhub staff``."""
    note(request, state, who, "accounts.view")
    zone = state.settings.zone
    with state.db.read() as db:
        staff = accounts.list_accounts(db)
        helpers = list_helpers(db)
    rows = [(a.username, a.display_name, a.role, a.disabled, a.last_login_at) for a in staff]
    rows += [(h.username, h.display_name, Role.HELPER.value, h.disabled, h.last_login_at) for h in helpers]
    return templates.TemplateResponse(request, "staff_accounts.html", {
        "rows": sorted(rows), "labels": {r.value: LABELS[r] for r in Role},
        "local": lambda value: intake.utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "从未",
    })
