"""create_app(settings): the kioskhub FastAPI application; migrations run in its lifespan."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles

from hub import id_lookups
from hub.certificates import routes as certificates
from hub.db.session import Database, migrate
from hub.errors import not_found_handler, validation_handler
from hub.fleet_watch import FleetWatch
from hub.gate import RequestGate
from hub.headers import SecurityHeaders
from hub.lookups import TooManyLookups
from hub.personal import Keys
from hub.queue.errors import UnknownSite
from hub.routes import (
    calls,
    case_notices,
    cases,
    catalogue,
    commands,
    display,
    fleet,
    health,
    helper,
    kiosks,
    queries,
    queue,
    ratings,
    staff,
    staff_assisted,
    staff_audit,
    staff_kiosks,
    staff_login,
    staff_lookups,
)
from hub.settings import HubSettings
from hub.staff.accounts import count_active
from hub.staff.auth import RoleRefused
from hub.staff.auth import refused_handler as staff_refused
from hub.staff.cookies import SigningKeys
from hub.state import Clock, HubState
from hub.storage import MaterialStore
from hub.sweep import Sweeper
from hub.video.bus import CallBus, LocalBus
from hub.video.pgbus import PgBus
from hub.video.recordings import Recordings
from hub.video.switchboard import Switchboard


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_state(settings: HubSettings, clock: Clock | None = None) -> HubState:
    """Open the database (migrating it), the secrets and the material store."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_url, settings.db_pool_size)
    migrate(db.engine)
    with db.read() as session:
        refusal = legacy_staff_password(settings, count_active(session))
    if refusal is not None:
        db.dispose()
        raise RuntimeError(refusal)
    keys = Keys.load_or_create(settings.secret_path)
    return HubState(
        settings=settings,
        db=db,
        keys=keys,
        store=MaterialStore(settings.materials_dir, keys, settings.material_grace_seconds),
        staff_keys=SigningKeys(*keys.session_keys()),
        clock=clock or _utcnow,
    )


def legacy_staff_password(settings: HubSettings, accounts: int) -> str | None:
    """What to do, when the data dir holds the shared staff password of before per-person accounts and no account
    exists yet (refused: the shared password is not kept as a way in); with accounts, a warning that it is unused."""
    old = settings.data_dir / "staff-token"
    if not old.exists():
        return None
    if accounts:
        logging.getLogger("kioskhub").warning("%s (the old shared staff password) is no longer used; delete it", old)
        return None
    return (f"{old} holds the old shared staff password, which this hub no longer accepts, and there is no staff "
            "account yet: give each person their own with 'kioskhub staff add --username NAME --name 姓名 --role "
            "supervisor|clerk|auditor|admin' (it prints their password), delete that file, and start again")


async def start_video_help(app: FastAPI, state: HubState) -> Switchboard:
    """The relay of video calls; records calls a previous run left open as ended."""
    app.state.helper_key = helper.session_key(state.settings.data_dir)
    s = state.settings
    # With PostgreSQL every process is a node: a call's two sockets may be on different ones.
    bus: CallBus = PgBus(s.db_url) if state.db.dialect == "postgresql" else LocalBus()
    if s.workers > 1 and not bus.shared:
        logging.getLogger("hub.video").warning("video calls across workers need PostgreSQL (KIOSKHUB_DATABASE_URL)")
    board = Switchboard(state.db, state.keys, state.clock, s.zone, s.call_ring_seconds, s.call_grace_seconds, bus)
    app.state.recordings = Recordings(s.recordings_dir, state.keys, s.recording_retention_days)
    app.state.recordings.purge()
    await board.start()
    return board


def create_app(settings: HubSettings, clock: Clock | None = None) -> FastAPI:
    """The hub application; ``clock`` (UTC) is for tests that need a fixed date."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.hub = open_state(settings, clock)
        app.state.calls = await start_video_help(app, app.state.hub)
        store = app.state.hub.store
        assert isinstance(store, MaterialStore)  # the sweep lists and locks the shared directory
        sweeper = Sweeper(store, app.state.hub.db, settings.material_sweep_seconds,
                          clock=app.state.hub.now)
        app.state.sweeper = sweeper
        sweeper.start()
        watch = FleetWatch(app.state.hub.db, settings, app.state.hub.now)
        app.state.hub.alerts_changed = watch.alerts_changed
        app.state.fleet_watch = watch
        watch.start()
        try:
            yield
        finally:
            await app.state.calls.close()
            await asyncio.to_thread(watch.close)
            await asyncio.to_thread(sweeper.close)
            app.state.hub.db.dispose()

    app = FastAPI(
        title="kioskhub",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(UnknownSite, not_found_handler)
    app.add_exception_handler(TooManyLookups, id_lookups.refused_handler)
    app.add_exception_handler(RoleRefused, staff_refused)
    _document_schemas(app)
    for module in (health, cases, case_notices, ratings, kiosks, fleet, commands, catalogue, queue, queries,
                   staff_login, staff, staff_audit, staff_kiosks, staff_lookups, calls, helper, display,
                   staff_assisted):
        app.include_router(module.router)
    app.include_router(certificates.router)
    app.mount("/helper/static", StaticFiles(packages=[("hub", "static")]), name="helper-static")
    app.add_middleware(RequestGate, settings=settings)
    app.add_middleware(SecurityHeaders)  # outermost: refusals of the gate get the headers too
    return app


def _document_schemas(app: FastAPI) -> None:
    """Add CaseApplication to the OpenAPI components; the intake route parses its body by hand."""
    from hub.schemas import CaseApplication

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            defs = CaseApplication.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(defs.pop("$defs", {}))
            components["CaseApplication"] = defs
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-worker serving: settings from the environment."""
    from hub.settings import load_settings

    return create_app(load_settings())
