"""A lookup by ID number as a route makes it: admitted (limit and audit row) before, settled after."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse

from hub import lookups
from hub.lookups import Caller, TooManyLookups
from hub.state import HubState

T = TypeVar("T")
RATE_LIMITED = "lookup_rate_limited"


def limits(state: HubState) -> lookups.Limits:
    s = state.settings
    return lookups.Limits(s.id_lookup_window_seconds, s.id_lookups_per_window, s.id_lookup_retention_days)


def audited(state: HubState, caller: Caller, what: str, id_type: str, id_number: str,
            answer: Callable[[], T], found: Callable[[T], bool]) -> T:
    """Admit the lookup (TooManyLookups past the kiosk's limit), run ``answer``, note whether it found a record.

    An answer that raises LookupError counts as nothing found and is raised on.
    """
    index = state.keys.id_index(id_type, id_number)
    with state.db.write() as db, db.begin():
        admission = lookups.admit(db, caller, what, id_type, index, state.now(), limits(state))
    if admission.retry_after is not None:
        raise TooManyLookups(admission.retry_after)
    lookup_id = admission.lookup_id
    try:
        result = answer()
    except LookupError:
        _settle(state, lookup_id, False)
        raise
    _settle(state, lookup_id, found(result))
    return result


def _settle(state: HubState, lookup_id: int, found: bool) -> None:
    with state.db.write() as db, db.begin():
        lookups.settle(db, lookup_id, found)


async def refused_handler(_request: Request, exc: Exception) -> JSONResponse:
    """429 for a kiosk over its lookups: the kiosk tells the citizen to try later, or at the counter."""
    assert isinstance(exc, TooManyLookups)
    return JSONResponse(
        {"detail": f"this kiosk has made too many lookups by ID number; try again in {exc.retry_after} s "
                   "(the hall's staff have been alerted)", "code": RATE_LIMITED},
        status_code=429, headers={"Retry-After": str(exc.retry_after)},
    )
