"""``create_app(settings)``: the composition root of kioskd.

The lifespan opens the database (migrating it to head), the devices and the background workers,
and closes them in reverse order on shutdown (uvicorn runs it on SIGTERM and SIGINT).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from drivers.base import Device, DeviceStatus
from drivers.voice.pack import VoicePack, load_pack
from flows import effects as fx
from flows.catalog import Catalog, assemble
from flows.loader import DEFINITIONS_DIR
from flows.model import ServiceItem
from flows.translations import LANGUAGES, voice_prompts
from local_api import logs
from local_api.a4_printing import A4Printing
from local_api.auth import require_token
from local_api.catalogue_updates import CatalogueUpdater, at_start, bundle_dir, confirm_started, load_state
from local_api.catalogue_version import CatalogueInUse, builtin_version
from local_api.crypto import Sealer
from local_api.db.engine import make_engine, migrate, session_factory
from local_api.db.models import DeviceEvent
from local_api.devices import DeviceManager, Slot
from local_api.errors import KioskError
from local_api.events import EventBus
from local_api.gate import LocalGate, allowed_hosts
from local_api.heartbeat import Heartbeat
from local_api.hub_client import HubClient
from local_api.hub_link import HubLink
from local_api.hub_probe import HubProbe
from local_api.log_export import recent
from local_api.maintenance import Maintenance
from local_api.outbox import Forwarder, Outbox
from local_api.outcomes import Outcomes
from local_api.printing import PrintQueue
from local_api.queries import QueryService
from local_api.queue import LocalTicketBook, LocalTicketReporter, QueueDesk
from local_api.remote_commands import Outcome, RemoteCommands
from local_api.routes import (
    call,
    camera,
    catalogue,
    devices,
    face,
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
from local_api.schemas import PushMessage
from local_api.selftest import hub_summary
from local_api.selftest_service import SelfTester
from local_api.services.capture import CaptureService
from local_api.services.card_watch import CardWatch
from local_api.services.certificates import CertificateService
from local_api.services.desk import ConsentLedger, HelperCalls, Voice
from local_api.services.dispatch import EffectDispatcher
from local_api.services.face_check import FaceCheckService
from local_api.services.printing import PrintingService
from local_api.services.submissions import SubmissionService
from local_api.sessions import SessionService
from local_api.settings import Settings
from local_api.state import Daemon
from local_api.token import ensure_token
from local_api.video.assist import SessionAssist
from local_api.video.manager import CallManager
from local_api.video.media import MAX_SCREEN_BYTES
from wire.commands import RemoteCommand

log = logging.getLogger(__name__)
LOG_UPLOAD_BYTES = 900_000  # under the hub's default body limit (KIOSKHUB_MAX_JSON_BYTES, 1 MiB)


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
    bundles = at_start(settings.data_dir)  # a switch cut off or a failed start: back on the previous version
    catalog = _catalog(settings, bundles.running)
    in_use = CatalogueInUse(catalog, _catalogue_name(settings, bundles.running))
    maintenance = Maintenance(settings.data_dir / "maintenance.json")
    sealer = Sealer(settings.data_dir / "outbox.key")

    def credentials_changed() -> None:  # what it tells is built below, before any enrolment can happen
        outbox.retry_now()  # what waited out a backoff against the old credentials goes now
        forwarder.wake()
        reporter.wake()
        heartbeat.wake()

    # The hub's address, token and this kiosk's id: settings, else the enrolment.
    link = HubLink(settings, listeners=[credentials_changed])
    # An enrolment may bring another kiosk id: new provisional numbers and ticket batches carry it.
    outbox = Outbox(db, settings.data_dir / "outbox", sealer, lambda: link.kiosk_id,
                    backoff_base_s=settings.outbox_retry_s,
                    backoff_max_s=max(settings.outbox_retry_max_s, settings.outbox_retry_s), timezone=settings.timezone)
    outcomes = Outcomes(outbox, sealer, recovery=timedelta(seconds=settings.outcome_recovery_s),
                        duplicate_window=timedelta(seconds=settings.duplicate_window_s))

    # No session starts while the self-test holds the devices, nor one that would print with no paper. The
    # three are built below from the session service; no session can start before create_app has returned.
    def precheck(item: ServiceItem) -> None:
        maintenance.refuse_while_on(item)
        selftester.refuse_while_testing(item)
        printing.precheck(item)
        certificates.precheck(item)

    # The effects' table is filled below, once the services exist; the session service only needs its door.
    dispatcher = EffectDispatcher()
    sessions = SessionService(catalog.items, settings.data_dir / "sessions", db=db, bus=bus,
                              run_effects=dispatcher.run, precheck=precheck,
                              observers=[outcomes.observe, lambda *change: commands.session_changed(*change)])

    # One client per user of the hub (an upload that takes its time never delays a queue ticket), each
    # following the credentials in force: an enrolment applies with the next request, without a restart.
    forwarder = Forwarder(outbox, link.client(15.0), retention=timedelta(days=settings.outbox_retention_days),
                          ready=lambda: link.access() is not None)
    # The report reads the daemon's self-tester when it beats (the lifespan starts it, after both exist).
    heartbeat = Heartbeat(link.client(10.0), lambda: _heartbeat_report(
        manager, outbox, in_use.catalog, daemon.selftest.last, catalog_version=in_use.version,
        bundle_problem=load_state(settings.data_dir).problem,
        data_dir=settings.data_dir, in_session=sessions.current() is not None, maintenance=maintenance.on),
        interval_s=settings.heartbeat_s, on_commands=lambda found: commands.offer(found))
    probe = HubProbe(link, settings.hub_probe_s)
    print_queue = _print_queue(settings, manager)
    clock = sessions.clock
    hub_client = link.client(8.0)  # answers queries and hands out queue numbers

    def hub() -> HubClient | None:
        return hub_client if hub_client.configured else None  # None while the kiosk is not enrolled

    # The Z block's numbers, until the hub has them; a new one wakes the reporter (built next, from the book).
    local_tickets = LocalTicketBook(db, lambda: link.kiosk_id, on_change=lambda: reporter.wake())
    reporter = LocalTicketReporter(local_tickets, link.client(10.0))
    desk = QueueDesk(hub, sessions.root.parent / "queue-block.json", local_tickets, clock=clock,
                     timezone=settings.timezone, local_prefix=settings.queue_local_prefix)
    queries = QueryService(hub, desk, outbox, outcomes, sessions.catalog, sessions.folder, clock=clock,
                           timezone=settings.timezone)
    speaker = Voice(manager, _voice_packs(settings, catalog))
    capture = CaptureService(sessions, manager, bus, clock=clock)
    printing = PrintingService(sessions, manager, print_queue, clock=clock, hall_name=settings.hall_name,
                               timezone=settings.timezone)
    submissions = SubmissionService(sessions, outbox, outcomes, queries, wake_forwarder=forwarder.wake,
                                    background=dispatcher.background, stopping=dispatcher.stopping,
                                    clock=clock, timezone=settings.timezone)
    # A certificate is built and signed while the citizen waits (a fresh hub's first one takes longer, while
    # it prepares its font): a client of its own with room for that; a timeout's retry gets the same certificate.
    certificate_client = link.client(30.0)
    certificates = CertificateService(
        sessions, lambda: A4Printing(manager.get("a4_printer")),
        lambda: certificate_client if certificate_client.configured else None, clock=clock)
    consent = ConsentLedger(db)
    helper = HelperCalls(bus)
    face_check = FaceCheckService(sessions, manager, _wlt_decoder(settings), clock=clock,
                                  speak=lambda text: dispatcher.background(speaker.say, text))
    cards = CardWatch(sessions, manager, bus, speak=lambda text: dispatcher.background(speaker.say, text),
                      clock=clock, poll_s=settings.device_poll_s, card_hold_s=settings.card_hold_s,
                      on_photo=face_check.remember_card)

    def wipe(session_id: str, effect: fx.WipeSession) -> None:
        cards.forget(session_id)
        capture.cancel(session_id, forget=True)
        certificates.forget(session_id)
        face_check.wipe(session_id)
        sessions.wipe(session_id)

    # The slow effects run on the dispatcher's pool; the quick ones at once, in the order the engine gave.
    dispatcher.on(fx.Speak, speaker.speak)
    dispatcher.on(fx.StartCardReader, cards.start_reading)
    dispatcher.on(fx.StopCardReader, cards.stop_reading, inline=True)
    dispatcher.on(fx.CapturePages, capture.capture_pages)
    dispatcher.on(fx.StopCapture, capture.stop_capture, inline=True)
    dispatcher.on(fx.DiscardPages, capture.discard_pages, inline=True)
    dispatcher.on(fx.PrintDocument, printing.print_document)
    dispatcher.on(fx.IssueCertificate, certificates.issue)
    dispatcher.on(fx.PrintCertificate, certificates.print)
    dispatcher.on(fx.SubmitApplication, submissions.submit_application)
    dispatcher.on(fx.SubmitRating, submissions.submit_rating)
    dispatcher.on(fx.RecordConsent, consent.record, inline=True)
    dispatcher.on(fx.CallHelper, helper.call, inline=True)
    dispatcher.on(fx.CancelHelper, helper.cancel, inline=True)
    dispatcher.on(fx.WipeSession, wipe, inline=True)
    dispatcher.on(fx.CheckFace, face_check.check)
    dispatcher.on(fx.StopFaceCheck, face_check.stop, inline=True)
    dispatcher.on(fx.WipeFace, face_check.wipe, inline=True)

    calls = _call_manager(settings, link, bus, sessions, manager, capture)

    selftester = _self_tester(settings, link, manager, sessions, print_queue, heartbeat,
                              hub_state=lambda: selftest.hub_state(daemon))
    commands = _remote_commands(settings, link, sessions, bus, selftester, heartbeat, maintenance, in_use,
                                lambda: daemon)

    def switch_catalogue(version: int, folder: Path) -> str | None:
        """Between citizens: the items of bundle ``version`` (0: the shipped ones) in force; a problem, or None."""
        def swap() -> str | None:
            fresh = _catalog(settings, version or None)
            if fresh.problems:
                return str(fresh.problems[0])
            _serve(fresh, _catalogue_name(settings, version or None))
            return None

        return sessions.while_idle(swap)

    def _serve(fresh: Catalog, name: str) -> None:
        in_use.catalog, in_use.version = fresh, name
        sessions.catalog.clear()  # the same dict the queries hold
        sessions.catalog.update(fresh.items)
        daemon.catalog_problems[:] = [str(p) for p in fresh.problems]
        heartbeat.wake()

    updater = CatalogueUpdater(data_dir=settings.data_dir, key_text=settings.catalogue_key,
                               site=lambda: link.site_id, client=link.client(60.0), switch=switch_catalogue,
                               interval_s=settings.catalogue_poll_s)
    daemon = Daemon(settings=settings, engine=engine, db=db, devices=manager, bus=bus, sessions=sessions,
                    capture=capture, printing=printing, queue_desk=desk, local_tickets=local_tickets,
                    outbox=outbox, hub=link, selftest=selftester, forwarder=forwarder, hub_probe=probe,
                    print_queue=print_queue, face=face_check, catalog_problems=[str(p) for p in catalog.problems],
                    maintenance=maintenance, catalogue_name=lambda: in_use.version)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus.bind(asyncio.get_running_loop())
        await asyncio.to_thread(migrate, engine)
        await asyncio.to_thread(manager.start)
        cards.start()
        printing.start()
        await asyncio.to_thread(submissions.resume_interrupted)
        forwarder.start()
        reporter.start()
        heartbeat.start()
        commands.start()
        updater.start()
        probe.start()
        ticker = asyncio.create_task(_tick(sessions))
        if manager.get("face_camera") is not None:  # the models load once, before the first citizen waits
            dispatcher.background(_warm_face_models)
        confirm_started(settings.data_dir)  # the catalogue version in use got kioskd serving
        log.info("kioskd started", extra={"kiosk_id": link.kiosk_id, "devices": list(manager.slots),
                                          "hub_credentials": link.source()})
        try:
            yield
        finally:
            ticker.cancel()
            await calls.close()
            await asyncio.to_thread(sessions.abandon, "shutdown")
            await asyncio.to_thread(cards.stop)
            await asyncio.to_thread(printing.stop)
            capture.stop()
            await asyncio.to_thread(dispatcher.stop)
            await asyncio.to_thread(forwarder.stop)
            await asyncio.to_thread(reporter.stop)
            await asyncio.to_thread(commands.stop)
            await asyncio.to_thread(updater.stop)
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
    app.include_router(face.router, prefix="/v1", tags=["face check"], dependencies=protected)
    app.include_router(queue.router, prefix="/v1", tags=["queue"], dependencies=protected)
    app.include_router(print_jobs.router, prefix="/v1", tags=["printing"], dependencies=protected)
    app.include_router(call.router, prefix="/v1", tags=["video call"], dependencies=protected)
    app.include_router(selftest.router, prefix="/v1", tags=["self-test"], dependencies=protected)
    app.include_router(hub_routes.router, prefix="/v1", tags=["hub"], dependencies=protected)
    app.include_router(catalogue.router, prefix="/v1", tags=["catalogue"], dependencies=protected)
    app.include_router(ws.router, prefix="/v1", tags=["events"])

    @app.exception_handler(KioskError)
    async def kiosk_error(request: Request, exc: KioskError) -> JSONResponse:
        """Every error of the family, from any route, in one shape (see ``local_api.errors``)."""
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error in kioskd; see its log"}, status_code=500)

    return app


def _wlt_decoder(settings: Settings) -> Any:
    """The card photo's decoder (KIOSK_WLT_DECODER); None, and the face check unavailable, when there is none
    or the vendor's library cannot be loaded."""
    from drivers.errors import DriverError
    from drivers.id_card.photo import decoder_from_setting

    try:
        return decoder_from_setting(settings.wlt_decoder_ref(), settings.wlt_decoder_symbol)
    except DriverError as exc:
        log.error("WLT photo decoder not loaded: the face check is unavailable", extra={"detail": str(exc)[:200]})
        return None


def _warm_face_models() -> None:
    from drivers.face.errors import ModelsMissing
    from drivers.face.models import load

    try:
        load()
    except ModelsMissing as exc:
        log.error("face models missing: the face check is unavailable", extra={"detail": str(exc)[:200]})


async def _tick(sessions: SessionService) -> None:
    """The engine never reads the clock: idle timeouts advance on these ticks."""
    while True:
        await asyncio.sleep(1.0)
        try:
            await asyncio.to_thread(sessions.tick)
        except Exception:
            log.exception("session tick failed")


def _catalog_dirs(settings: Settings, bundle: int | None = None) -> list[Path]:
    """The shipped items, then the hall's own: the signed bundle in use, else KIOSK_FLOWS_DIR."""
    if bundle is not None:
        return [DEFINITIONS_DIR, bundle_dir(settings.data_dir, bundle)]
    return [DEFINITIONS_DIR] + ([settings.flows_dir] if settings.flows_dir else [])


def _catalogue_name(settings: Settings, bundle: int | None) -> str:
    return f"bundle-{bundle}" if bundle is not None else builtin_version(_catalog_dirs(settings))


def _catalog(settings: Settings, bundle: int | None = None) -> Catalog:
    """The shipped items, then the hall's own; a bad file is left out and reported, never fatal."""
    catalog = assemble(_catalog_dirs(settings, bundle), settings.items)
    for problem in catalog.problems:
        log.error("service item definition problem: %s", problem)
    if catalog.left_out:
        log.error("not offering %s until the definition is fixed ('kioskctl flows validate' shows why)",
                  ", ".join(catalog.left_out))
    if not catalog.items:
        log.error("this kiosk offers no service item; check KIOSK_ITEMS and KIOSK_FLOWS_DIR")
    return catalog


def _voice_packs(settings: Settings, catalog: Catalog) -> dict[str, VoicePack]:
    """The hall's recorded prompts per language; a file that fails its checks is left out and logged."""
    packs: dict[str, VoicePack] = {}
    if settings.voice_packs is None:
        return packs
    for language in LANGUAGES:
        folder = settings.voice_packs / language
        if not folder.is_dir():
            continue
        script = voice_prompts(catalog.items.values(), language)
        pack = load_pack(folder, language, known=script)
        for problem in pack.problems:
            log.error("voice pack %s: %s (not played)", language, problem)
        log.info("voice pack %s: %d of %d prompts recorded; the rest are spoken in Mandarin "
                 "('kioskctl voice pack' lists them)", language, len(pack.recordings), len(script))
        packs[language] = pack
    return packs


def _heartbeat_report(manager: DeviceManager, outbox: Outbox, catalog: Catalog,
                      last_selftest: dict[str, object] | None = None, *, catalog_version: str | None = None,
                      data_dir: Path | None = None, in_session: bool | None = None,
                      maintenance: bool | None = None, bundle_problem: str = "") -> dict[str, object]:
    """What the hub's fleet view is told every minute: devices, backlog, disk, versions, last self-test."""
    devices = {}
    for name, slot in manager.slots.items():
        status = slot.device.status
        devices[name] = {
            "health": status.health.value,
            "message": status.message[:200],
            "sensors": {k: v for k, v in status.sensors.items() if isinstance(v, bool | int | float | str | None)},
        }
    backlog = outbox.status()
    report: dict[str, object] = {
        "software_version": health.VERSION, "devices": devices, "outbox_pending": backlog["pending"],
        "outbox_failed": backlog.get("failed"), "outbox_oldest_pending_s": backlog.get("oldest_pending_age_s"),
        "items_offered": len(catalog.items),
        "catalog_problems": [p[:300] for p in (([bundle_problem] if bundle_problem else []) + [
            str(p) for p in catalog.problems[:20]])[:20]],
        "catalog_version": catalog_version, "in_session": in_session, "maintenance": maintenance,
    }
    if data_dir is not None:
        report["disk_free_bytes"] = shutil.disk_usage(data_dir).free
    if last_selftest:
        report["selftest"] = hub_summary(last_selftest)
    return report


def _self_tester(settings: Settings, link: HubLink, manager: DeviceManager, sessions: SessionService,
                 print_queue: PrintQueue | None, heartbeat: Heartbeat | None,
                 hub_state: Callable[[], dict[str, Any]]) -> SelfTester:
    """The technician's self-test; its result rides the next heartbeat, which is sent at once rather than
    within the minute, so the hub's page shows it while the technician is still at the kiosk."""
    import platform

    import cv2

    def after(result: dict[str, object]) -> None:
        if heartbeat is not None:
            threading.Thread(target=heartbeat.beat, name="heartbeat-selftest", daemon=True).start()

    return SelfTester(
        devices=manager, sessions=sessions, print_queue=print_queue,
        kiosk_id=lambda: link.kiosk_id, hall=settings.hall_name, timezone=settings.timezone,
        hub_url=lambda: access.url if (access := link.access()) else None,
        hub_state=hub_state,
        versions={"kiosk": health.VERSION, "python": platform.python_version(), "opencv": cv2.__version__},
        last_path=settings.data_dir / "selftest-last.json", after=after)


def _remote_commands(settings: Settings, link: HubLink, sessions: SessionService, bus: EventBus,
                     selftester: SelfTester, heartbeat: Heartbeat, maintenance: Maintenance, in_use: CatalogueInUse,
                     daemon: Callable[[], Daemon]) -> RemoteCommands:
    """Staff's commands from the hub, each with what it does on this kiosk (see local_api.remote_commands)."""
    client = link.client(30.0)  # a log upload may take its time; never on the heartbeat's client

    def restart_kioskd(command: RemoteCommand) -> Outcome:
        sessions.while_idle(lambda: None)  # SessionBusy: waits for the citizen
        # SIGTERM runs the lifespan's shutdown, as systemctl stop would; systemd (Restart=always) starts it again.
        return Outcome(True, "kioskd restarts now", then=lambda: os.kill(os.getpid(), signal.SIGTERM))

    def restart_ui(command: RemoteCommand) -> Outcome:
        sessions.while_idle(lambda: bus.publish(PushMessage(type="restart_ui")))
        return Outcome(True, "the UI was told to restart")

    def selftest(command: RemoteCommand) -> Outcome:
        result = selftester.run(print_slip=False)
        failed = [f"{name}: {d.get('detail', '')}" for name, d in result["devices"].items() if not d["ok"]]
        return Outcome(bool(result["ok"]), "all devices ok" if not failed else "; ".join(failed))

    def upload_logs(command: RemoteCommand) -> Outcome:
        export = recent(settings.log_dir, command.hours or 24, datetime.now(UTC), LOG_UPLOAD_BYTES)
        client.upload_logs(command.id, export.data)
        cut = f", the oldest {export.dropped} left out to fit" if export.dropped else ""
        return Outcome(True, f"{export.lines} log lines of the last {command.hours or 24} h uploaded{cut}")

    def reload_catalogue(command: RemoteCommand) -> Outcome:
        def swap() -> CatalogueInUse:
            running = load_state(settings.data_dir).running
            fresh = _catalog(settings, running)
            in_use.catalog, in_use.version = fresh, _catalogue_name(settings, running)
            sessions.catalog.clear()  # the same dict the queries hold
            sessions.catalog.update(fresh.items)
            daemon().catalog_problems[:] = [str(p) for p in fresh.problems]
            return in_use

        found = sessions.while_idle(swap)  # between citizens: nobody's item changes under them
        heartbeat.wake()
        problems = found.catalog.problems
        detail = f"{len(found.catalog.items)} items, {found.version}"
        return Outcome(not problems, detail + (f"; {len(problems)} problem(s): {problems[0]}" if problems else ""))

    def set_maintenance(on: bool) -> Callable[[RemoteCommand], Outcome]:
        def apply(command: RemoteCommand) -> Outcome:
            changed = maintenance.set(on, datetime.now(UTC))
            heartbeat.wake()
            state = "out of service (暂停服务)" if on else "in service"
            return Outcome(True, f"now {state}" if changed else f"was already {state}")

        return apply

    return RemoteCommands(
        {"restart_kioskd": restart_kioskd, "restart_ui": restart_ui, "selftest": selftest,
         "upload_logs": upload_logs, "reload_catalogue": reload_catalogue,
         "maintenance_on": set_maintenance(True), "maintenance_off": set_maintenance(False)},
        busy=lambda: sessions.current() is not None, send=client.command_result,
        path=settings.data_dir / "remote-commands.json")


def _call_manager(settings: Settings, link: HubLink, bus: EventBus, sessions: SessionService,
                  manager: DeviceManager, capture: CaptureService) -> CallManager:
    """Video help: the hub, the face camera / microphone / speaker, and the document camera's live frames."""

    def session() -> dict[str, object] | None:
        view, snap = sessions.current(), sessions.snapshot()
        if view is None:
            return None
        return {**view.model_dump(mode="json"), "elder_mode": bool(snap and snap.elder_mode)}

    document = manager.get("camera")

    def document_frame() -> object | None:
        preview = capture.live_preview()
        return None if preview is None else preview.frame

    return CallManager(hub=link.access, bus=bus,
                       face_camera=settings.av_uri("face_camera"), microphone=settings.av_uri("microphone"),
                       speaker=settings.av_uri("speaker"), session=session,
                       document_grab=document_frame if document is not None else None,
                       assist=SessionAssist(sessions, sessions.clock))


def _print_queue(settings: Settings, manager: DeviceManager) -> PrintQueue | None:
    printer = manager.get("printer")
    if printer is None:
        return None
    return PrintQueue(printer, settings.spool_dir / "print", max_age=settings.print_job_max_age_s)
