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
from hub.auth import staff_token
from hub.certificates import routes as certificates
from hub.db.session import Database, migrate
from hub.errors import not_found_handler, validation_handler
from hub.gate import RequestGate
from hub.headers import SecurityHeaders
from hub.lookups import TooManyLookups
from hub.personal import Keys
from hub.queue.errors import UnknownSite
from hub.routes import (
    calls,
    case_notices,
    cases,
    display,
    health,
    helper,
    kiosks,
    queries,
    queue,
    ratings,
    staff,
    staff_assisted,
    staff_kiosks,
    staff_lookups,
)
from hub.settings import HubSettings
from hub.state import Clock, HubState
from hub.storage import MaterialStore
from hub.sweep import Sweeper
from hub.video.recordings import Recordings
from hub.video.switchboard import Switchboard


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_state(settings: HubSettings, clock: Clock | None = None) -> HubState:
    """Open the database (migrating it), the secrets and the material store."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_url, settings.db_pool_size)
    migrate(db.engine)
    keys = Keys.load_or_create(settings.secret_path)
    return HubState(
        settings=settings,
        db=db,
        keys=keys,
        store=MaterialStore(settings.materials_dir, keys, settings.material_grace_seconds),
        staff_token=staff_token(settings.staff_token_path),
        clock=clock or _utcnow,
    )


async def start_video_help(app: FastAPI, state: HubState) -> Switchboard:
    """The relay of video calls; records calls a previous run left open as ended."""
    app.state.helper_key = helper.session_key(state.settings.data_dir)
    s = state.settings
    if s.workers > 1:
        logging.getLogger("hub.video").warning("video calls need KIOSKHUB_WORKERS=1: each call's two sockets must meet")
    board = Switchboard(state.db, state.keys, state.clock, s.zone, s.call_ring_seconds, s.call_grace_seconds)
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
        sweeper = Sweeper(app.state.hub.store, app.state.hub.db, settings.material_sweep_seconds,
                          clock=app.state.hub.now)
        app.state.sweeper = sweeper
        sweeper.start()
        try:
            yield
        finally:
            await app.state.calls.close()
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
    _document_schemas(app)
    for module in (health, cases, case_notices, ratings, kiosks, queue, queries, staff, staff_kiosks, staff_lookups,
                   calls, helper, display, staff_assisted):
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
