"""What a running hub holds: settings, database, keys, material store, clock; and the route dependencies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from hub import registry
from hub.auth import bearer, same
from hub.db.session import Database
from hub.personal import Keys
from hub.settings import HubSettings
from hub.storage import MaterialStore

Clock = Callable[[], dt.datetime]


@dataclass
class HubState:
    settings: HubSettings
    db: Database
    keys: Keys
    store: MaterialStore
    staff_token: str
    clock: Clock

    def now(self) -> dt.datetime:
        return self.clock()


def hub_state(request: Request) -> HubState:
    return request.app.state.hub


StateDep = Annotated[HubState, Depends(hub_state)]


def current_kiosk(state: StateDep, authorization: Annotated[str | None, Header()] = None,
                  x_kiosk_id: Annotated[str | None, Header()] = None) -> str:
    """The id of the kiosk whose bearer token came with the request; 401 otherwise.

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
        return kiosk.id


KioskDep = Annotated[str, Depends(current_kiosk)]

_basic = HTTPBasic(realm="kioskhub staff")


def staff_user(request: Request, state: StateDep, credentials: Annotated[HTTPBasicCredentials, Depends(_basic)]) -> str:
    """Hall staff: HTTP Basic with any user name and the password in the data dir's staff-token file."""
    origin = request.headers.get("origin")
    if request.method != "GET" and origin and urlsplit(origin).netloc != request.headers.get("host"):
        # Browsers resend Basic credentials on cross-site form posts; only same-origin pages may change data.
        raise HTTPException(403, "staff changes must come from the hub's own pages")
    if not same(credentials.password, state.staff_token):
        raise HTTPException(401, "wrong staff password (see 'kioskhub staff-token')", {"WWW-Authenticate": "Basic"})
    return credentials.username or "staff"


StaffDep = Annotated[str, Depends(staff_user)]
