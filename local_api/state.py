"""What the running daemon holds, reachable from routes through typed dependencies."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from local_api.devices import DeviceManager
from local_api.events import EventBus
from local_api.hub_link import HubLink
from local_api.hub_probe import HubProbe
from local_api.maintenance import Maintenance
from local_api.outbox import Forwarder, Outbox
from local_api.printing import PrintQueue
from local_api.queue import LocalTicketBook, QueueDesk
from local_api.selftest_service import SelfTester
from local_api.services.capture import CaptureService
from local_api.services.face_check import FaceCheckService
from local_api.services.printing import PrintingService
from local_api.sessions import SessionService
from local_api.settings import Settings


@dataclass
class Daemon:
    settings: Settings
    engine: Engine
    db: sessionmaker[Session]
    devices: DeviceManager
    bus: EventBus
    sessions: SessionService
    capture: CaptureService
    printing: PrintingService
    queue_desk: QueueDesk
    local_tickets: LocalTicketBook
    outbox: Outbox
    hub: HubLink
    selftest: SelfTester
    forwarder: Forwarder | None = None
    hub_probe: HubProbe | None = None
    print_queue: PrintQueue | None = None
    face: FaceCheckService | None = None
    catalog_problems: list[str] = field(default_factory=list)  # FILE:LINE: message, items left out
    maintenance: Maintenance | None = None  # on: no new session starts (暂停服务)
    catalogue_name: Callable[[], str] = lambda: ""  # the catalogue version in use (builtin-…, bundle-N)
    started: float = field(default_factory=time.monotonic)


def get_daemon(request: Request) -> Daemon:
    return request.app.state.daemon


DaemonDep = Annotated[Daemon, Depends(get_daemon)]
