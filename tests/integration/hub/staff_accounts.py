"""Staff accounts for the hub tests: one per role and hub, made on first use, as HTTP Basic credentials."""

from __future__ import annotations

import datetime as dt
import weakref

from hub.db.session import Database
from hub.staff import accounts
from hub.staff.roles import Role
from hub.state import HubState

_made: weakref.WeakKeyDictionary[Database, dict[str, tuple[str, str]]] = weakref.WeakKeyDictionary()


def staff_auth(state: HubState, role: str = "supervisor") -> tuple[str, str]:
    """(user name, password) of the hub's test account with this role."""
    known = _made.setdefault(state.db, {})
    if role not in known:
        username = f"{role}1"
        with state.db.write() as db, db.begin():
            password = accounts.add(db, username, f"测试{role}", Role(role), dt.datetime.now(dt.UTC))
        known[role] = (username, password)
    return known[role]
