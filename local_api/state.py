"""What the running daemon holds, reachable from routes through typed dependencies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from local_api.devices import DeviceManager
from local_api.events import EventBus
from local_api.hub_link import HubLink
from local_api.outbox import Forwarder, Outbox
from local_api.runner import Runner
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
    runner: Runner
    outbox: Outbox
    hub: HubLink
    forwarder: Forwarder | None = None
    hub_probe: Any = None  # local_api.hub_probe.HubProbe, once started
    print_queue: Any = None
    catalog_problems: list[str] = field(default_factory=list)  # FILE:LINE: message, items left out
    selftest: Any = None  # local_api.selftest_service.SelfTester, set by create_app
    started: float = field(default_factory=time.monotonic)


def get_daemon(request: Request) -> Daemon:
    return request.app.state.daemon


DaemonDep = Annotated[Daemon, Depends(get_daemon)]
