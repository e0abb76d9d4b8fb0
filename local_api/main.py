"""``create_app(settings)``: the composition root of kioskd.

The lifespan opens the database (migrating it to head), the devices and the background workers,
and closes them in reverse order on shutdown (uvicorn runs it on SIGTERM and SIGINT).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from drivers.base import Device, DeviceStatus
from flows.catalog import Catalog, assemble
from flows.loader import DEFINITIONS_DIR
from local_api import logs
from local_api.auth import require_token
from local_api.crypto import Sealer
from local_api.db.engine import make_engine, migrate, session_factory
from local_api.db.models import DeviceEvent
from local_api.devices import DeviceManager, Slot
from local_api.events import EventBus
from local_api.gate import LocalGate, allowed_hosts
from local_api.heartbeat import Heartbeat
from local_api.hub_link import HubLink
from local_api.hub_probe import HubProbe
from local_api.outbox import Forwarder, Outbox
from local_api.outcomes import Outcomes
from local_api.queue import LocalTicketBook, LocalTicketReporter
from local_api.routes import (
    call,
    camera,
    devices,
    health,
    hub_routes,
    outbox_routes,
    print_jobs,
    queue,
    selftest,
    sessions_routes,
    sim,
    voice,
    ws,
)
from local_api.runner import Runner
from local_api.schemas import PushMessage
from local_api.selftest import hub_summary
from local_api.selftest_service import SelfTester
from local_api.sessions import SessionService
from local_api.settings import Settings
from local_api.state import Daemon
from local_api.token import ensure_token
from local_api.video.manager import CallManager
from local_api.video.media import MAX_SCREEN_BYTES

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, configure_logging: bool = True) -> FastAPI:
    """Build the daemon's app; nothing is opened until the lifespan starts."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if configure_logging:
        logs.configure(settings.log_dir, settings.log_level)
    token = ensure_token(settings.token_path)
    bus = EventBus()
    engine = make_engine(settings.database_path)
    db = session_factory(engine)

    def on_status(name: str, device: Device, status: DeviceStatus) -> None:
        with db.begin() as s:
            s.add(DeviceEvent(at=datetime.now(UTC), device=name, health=status.health.value,
                              message=status.message, sensors=status.sensors))
        view = devices.device_view(Slot(name, device.uri, device))
        bus.publish(PushMessage(type="device", device=view))

    manager = DeviceManager(settings, on_status=on_status)
    catalog = _catalog(settings)
    sessions = SessionService(catalog.items, settings.data_dir / "sessions", db=db, bus=bus)
    sealer = Sealer(settings.data_dir / "outbox.key")
    link = HubLink(settings)  # the hub's address, token and this kiosk's id: settings, else the enrolment
    outbox = Outbox(db, settings.data_dir / "outbox", sealer, link.kiosk_id,
                    backoff_base_s=settings.outbox_retry_s,
                    backoff_max_s=max(settings.outbox_retry_max_s, settings.outbox_retry_s), timezone=settings.timezone)
    outcomes = Outcomes(outbox, sealer, recovery=timedelta(seconds=settings.outcome_recovery_s),
                        duplicate_window=timedelta(seconds=settings.duplicate_window_s))
    sessions.observers.append(outcomes.observe)

    # One client per user of the hub (an upload that takes its time never delays a queue ticket), each
    # following the credentials in force: an enrolment applies with the next request, without a restart.
    forwarder = Forwarder(outbox, link.client(15.0), retention=timedelta(days=settings.outbox_retention_days),
                          ready=lambda: link.access() is not None)
    # The report reads the daemon's self-tester when it beats (the lifespan starts it, after both exist).
    heartbeat = Heartbeat(link.client(10.0),
                          lambda: _heartbeat_report(manager, outbox, catalog, daemon.selftest.last))
    probe = HubProbe(link, settings.hub_probe_s)
    print_queue = _print_queue(settings, manager)
    runner = Runner(sessions, manager, outbox, print_queue=print_queue, db=db, bus=bus,
                    wake_forwarder=forwarder.wake,
                    poll_s=settings.device_poll_s, hall_name=settings.hall_name, timezone=settings.timezone,
                    hub=link.client(8.0), local_prefix=settings.queue_local_prefix,
                    card_hold_s=settings.card_hold_s)
    runner.local_tickets = LocalTicketBook(db, link.kiosk_id)  # the Z block's numbers, until the hub has them
    reporter = LocalTicketReporter(runner.local_tickets, link.client(10.0))
    runner.outcomes = outcomes
    sessions.run_effects = runner.run
    sessions.precheck = runner.precheck
    calls = _call_manager(settings, link, bus, sessions, manager, runner)

    def credentials_changed() -> None:
        # An enrolment may bring another kiosk id: new provisional numbers and ticket batches carry it.
        outbox.kiosk_id = runner.local_tickets.kiosk_id = link.kiosk_id
        outbox.retry_now()  # what waited out a backoff against the old credentials goes now
        forwarder.wake()
        reporter.wake()
        heartbeat.wake()

    link.listeners.append(credentials_changed)
    daemon = Daemon(settings=settings, engine=engine, db=db, devices=manager, bus=bus, sessions=sessions,
                    runner=runner, outbox=outbox, hub=link, forwarder=forwarder, hub_probe=probe,
                    print_queue=print_queue, catalog_problems=[str(p) for p in catalog.problems])
    daemon.selftest = _self_tester(settings, daemon, heartbeat)
    sessions.precheck = daemon.selftest.guard(runner.precheck)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus.bind(asyncio.get_running_loop())
        await asyncio.to_thread(migrate, engine)
        await asyncio.to_thread(manager.start)
        runner.start()
        await asyncio.to_thread(runner.resume_interrupted)
        forwarder.start()
        reporter.start()
        heartbeat.start()
        probe.start()
        ticker = asyncio.create_task(_tick(sessions))
        log.info("kioskd started", extra={"kiosk_id": link.kiosk_id, "devices": list(manager.slots),
                                          "hub_credentials": link.source()})
        try:
            yield
        finally:
            ticker.cancel()
            await calls.close()
            await asyncio.to_thread(sessions.abandon, "shutdown")
            await asyncio.to_thread(runner.stop)
            await asyncio.to_thread(forwarder.stop)
            await asyncio.to_thread(reporter.stop)
            await asyncio.to_thread(heartbeat.stop)
            await asyncio.to_thread(probe.stop)
            await asyncio.to_thread(manager.stop)
            engine.dispose()
            log.info("kioskd stopped")

    app = FastAPI(
        title="kioskd",
        version=health.VERSION,
        description="Local daemon of the self-service kiosk: devices, citizen sessions, outbox.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.daemon = daemon
    app.state.token = token
    app.state.calls = calls
    # Host (DNS rebinding), WebSocket Origin and the body limit, before any route or body is read.
    app.add_middleware(LocalGate, allowed=allowed_hosts(settings.api_host, settings.api_allowed_hosts),
                       max_body=settings.api_max_body_bytes, large={"/v1/call/screen": MAX_SCREEN_BYTES + 4096})

    app.include_router(health.router, prefix="/v1", tags=["health"])
    protected = [Depends(require_token)]
    app.include_router(devices.router, prefix="/v1", tags=["devices"], dependencies=protected)
    app.include_router(voice.router, prefix="/v1", tags=["voice"], dependencies=protected)
    app.include_router(sessions_routes.router, prefix="/v1", tags=["sessions"], dependencies=protected)
    app.include_router(outbox_routes.router, prefix="/v1", tags=["outbox"], dependencies=protected)
    app.include_router(sim.router, prefix="/v1", tags=["simulation"], dependencies=protected)
    app.include_router(camera.router, prefix="/v1", tags=["camera"], dependencies=protected)
    app.include_router(queue.router, prefix="/v1", tags=["queue"], dependencies=protected)
    app.include_router(print_jobs.router, prefix="/v1", tags=["printing"], dependencies=protected)
    app.include_router(call.router, prefix="/v1", tags=["video call"], dependencies=protected)
    app.include_router(selftest.router, prefix="/v1", tags=["self-test"], dependencies=protected)
    app.include_router(hub_routes.router, prefix="/v1", tags=["hub"], dependencies=protected)
    app.include_router(ws.router, prefix="/v1", tags=["events"])

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error in kioskd; see its log"}, status_code=500)

    return app


async def _tick(sessions: SessionService) -> None:
    """The engine never reads the clock: idle timeouts advance on these ticks."""
    while True:
        await asyncio.sleep(1.0)
        try:
            await asyncio.to_thread(sessions.tick)
        except Exception:
            log.exception("session tick failed")


def _catalog(settings: Settings) -> Catalog:
    """The shipped items, then the hall's own; a bad file is left out and reported, never fatal."""
    directories = [DEFINITIONS_DIR] + ([settings.flows_dir] if settings.flows_dir else [])
    catalog = assemble(directories, settings.items)
    for problem in catalog.problems:
        log.error("service item definition problem: %s", problem)
    if catalog.left_out:
        log.error("not offering %s until the definition is fixed ('kioskctl flows validate' shows why)",
                  ", ".join(catalog.left_out))
    if not catalog.items:
        log.error("this kiosk offers no service item; check KIOSK_ITEMS and KIOSK_FLOWS_DIR")
    return catalog


def _heartbeat_report(manager: DeviceManager, outbox: Outbox, catalog: Catalog,
                      last_selftest: dict[str, object] | None = None) -> dict[str, object]:
    devices = {}
    for name, slot in manager.slots.items():
        status = slot.device.status
        devices[name] = {
            "health": status.health.value if status.health.value != "unknown" else "offline",
            "message": status.message[:200],
            "sensors": {k: v for k, v in status.sensors.items() if isinstance(v, bool | int | float | str | None)},
        }
    return {"software_version": health.VERSION, "devices": devices, "outbox_pending": outbox.status()["pending"],
            "items_offered": len(catalog.items),
            "catalog_problems": [str(p)[:300] for p in catalog.problems[:20]]} | (
        {"selftest": hub_summary(last_selftest)} if last_selftest else {})


def _self_tester(settings: Settings, daemon: Daemon, heartbeat: Heartbeat | None) -> SelfTester:
    """The technician's self-test; its result rides the next heartbeat, which is sent at once rather than
    within the minute, so the hub's page shows it while the technician is still at the kiosk."""
    import platform

    import cv2

    def after(result: dict[str, object]) -> None:
        if heartbeat is not None:
            threading.Thread(target=heartbeat.beat, name="heartbeat-selftest", daemon=True).start()

    return SelfTester(
        devices=daemon.devices, sessions=daemon.sessions, print_queue=daemon.print_queue,
        kiosk_id=settings.kiosk_id, hall=settings.hall_name, timezone=settings.timezone, hub_url=settings.hub_url,
        hub_state=lambda: selftest.hub_state(daemon),
        versions={"kiosk": health.VERSION, "python": platform.python_version(), "opencv": cv2.__version__},
        last_path=settings.data_dir / "selftest-last.json", after=after)


def _call_manager(settings: Settings, link: HubLink, bus: EventBus, sessions: SessionService,
                  manager: DeviceManager, runner: Runner) -> CallManager:
    """Video help: the hub, the face camera / microphone / speaker, and the document camera's live frames."""

    def session() -> dict[str, object] | None:
        view, snap = sessions.current(), sessions.snapshot()
        if view is None:
            return None
        return {**view.model_dump(mode="json"), "elder_mode": bool(snap and snap.elder_mode)}

    document = manager.get("camera")

    def document_frame() -> object | None:
        preview = runner.live_preview()
        return None if preview is None else preview.frame

    return CallManager(hub=link.access, bus=bus,
                       face_camera=settings.av_uri("face_camera"), microphone=settings.av_uri("microphone"),
                       speaker=settings.av_uri("speaker"), session=session,
                       document_grab=document_frame if document is not None else None)


def _print_queue(settings: Settings, manager: DeviceManager) -> object | None:
    printer = manager.get("printer")
    if printer is None:
        return None
    from local_api.printing import PrintQueue

    return PrintQueue(printer, settings.spool_dir / "print", max_age=settings.print_job_max_age_s)
