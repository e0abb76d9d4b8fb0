"""What a running hub holds: settings, database, keys, material store, clock; and the route dependencies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from hub import registry
from hub.auth import bearer
from hub.db.session import Database
from hub.lookups import Caller
from hub.personal import Keys
from hub.settings import HubSettings
from hub.staff.cookies import SigningKeys
from hub.storage import MaterialFiles

Clock = Callable[[], dt.datetime]


@dataclass
class HubState:
    settings: HubSettings
    db: Database
    keys: Keys
    store: MaterialFiles
    staff_keys: SigningKeys
    clock: Clock
    # Told when a heartbeat raised or cleared an alert, so the webhook hears of it at once.
    alerts_changed: Callable[[], None] = lambda: None

    def now(self) -> dt.datetime:
        return self.clock()


def hub_state(request: Request) -> HubState:
    return request.app.state.hub


StateDep = Annotated[HubState, Depends(hub_state)]


def authenticate_kiosk(state: HubState, authorization: str | None, x_kiosk_id: str | None) -> Caller:
    """The kiosk whose bearer token came with the request, and its site; HTTPException 401/403 otherwise.

    403 when the kiosk calls itself by another id (``X-Kiosk-Id``) than the one its token belongs to.
    """
    token = bearer(authorization)
    challenge = {"WWW-Authenticate": "Bearer"}
    if token is None:
        raise HTTPException(401, "send the kiosk's token as 'Authorization: Bearer <token>'", headers=challenge)
    with state.db.read() as db:
        kiosk = registry.kiosk_for_token(db, token)
        if kiosk is None:
            raise HTTPException(401, "unknown kiosk token (one replaced by 'kioskhub kiosks rotate' or by an "
                                     "enrolment is unknown too); register the kiosk with 'kioskhub kiosks add', "
                                     "or enrol it again with a pairing code", challenge)
        if kiosk.revoked_at is not None:
            raise HTTPException(401, f"kiosk {kiosk.id} has been revoked; to bring it back: kioskhub kiosks add "
                                     f"--id {kiosk.id} --site SITE --pairing, then enrol it", headers=challenge)
        problem = registry.claim_problem(kiosk, x_kiosk_id)
        if problem is not None:
            raise HTTPException(403, problem)
        return Caller(kiosk.id, kiosk.site_id)


def current_caller(request: Request, state: StateDep, authorization: Annotated[str | None, Header()] = None,
                   x_kiosk_id: Annotated[str | None, Header()] = None) -> Caller:
    """The calling kiosk and its site: as the kiosk gate found it before the body was read, else checked now."""
    found = getattr(request.state, "kiosk", None)
    if isinstance(found, Caller):
        return found
    return authenticate_kiosk(state, authorization, x_kiosk_id)


CallerDep = Annotated[Caller, Depends(current_caller)]


def current_kiosk(state: HubState, authorization: str | None = None, x_kiosk_id: str | None = None) -> str:
    """The id of the kiosk whose bearer token this is; 401/403 otherwise."""
    return authenticate_kiosk(state, authorization, x_kiosk_id).kiosk_id


def _kiosk_id(caller: CallerDep) -> str:
    return caller.kiosk_id


KioskDep = Annotated[str, Depends(_kiosk_id)]


def staff_user(request: Request, state: StateDep) -> str:
    """The user name of a logged-in staff account whose role has the kiosk fleet (supervisor, admin).

    Kept for routes written against the shared password; a new route names its permit with the
    dependencies of ``hub.staff.auth`` (``CasesStaff``, ``FleetStaff`` ...), which also hand it the role.
    """
    from hub.staff.auth import allowed  # hub.staff.auth imports this module
    from hub.staff.roles import Permit

    return allowed(Permit.FLEET)(request, state).username


StaffDep = Annotated[str, Depends(staff_user)]
