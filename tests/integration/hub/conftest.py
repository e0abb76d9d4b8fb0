"""Hub fixtures: a hub per test on SQLite or a throwaway PostgreSQL server, and a registered kiosk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.db.session import Database, migrate
from hub.queue.services import add_service
from hub.registry import add_kiosk
from hub.settings import HubSettings
from hub.state import HubState
from tests.hub_pg import PgServer, find_bindir
from tests.integration.hub.staff_accounts import staff_auth

FIXED_NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)  # 10:30 in the hall (Asia/Shanghai)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql, or ./dev setup)")
    server = PgServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_migrated(pg_server: PgServer) -> str:
    """Name of a database at the newest schema, copied for each test (cheaper than migrating each)."""
    url = pg_server.create_database()
    db = Database(url, 1)
    migrate(db.engine)
    db.dispose()
    return pg_server.database_name(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None means the hub's default SQLite file; otherwise a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_server").create_database(request.getfixturevalue("pg_migrated"))


@pytest.fixture
def hub_settings(tmp_path, database_url) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "hub", database_url=database_url, max_file_bytes=300 * 1024)


@dataclass
class Hub:
    client: TestClient
    state: HubState
    token: str

    def register(self, kiosk_id: str, site: str = "hall-1") -> str:
        with self.state.db.write() as db, db.begin():
            return add_kiosk(db, kiosk_id, site, FIXED_NOW, region_code="640104")

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def staff(self, role: str = "supervisor") -> tuple[str, str]:
        """HTTP Basic credentials of a staff account with this role (made on first use)."""
        return staff_auth(self.state, role)


@pytest.fixture
def hub(hub_settings) -> Iterator[Hub]:
    """A running hub (TestClient) with one registered kiosk, k1, whose clock reads FIXED_NOW."""
    app = create_app(hub_settings, clock=lambda: FIXED_NOW)
    with TestClient(app) as client:
        state: HubState = app.state.hub
        h = Hub(client, state, "")
        h.token = h.register("k1")
        yield h


# --- the queue and appointment tests: a hub whose clock the test moves -------------------------

HALL = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """A hall clock the test moves by hand."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        self.at += dt.timedelta(minutes=minutes)

    def hall(self, hhmm: str, day: dt.date = dt.date(2026, 11, 21)) -> None:
        hour, minute = map(int, hhmm.split(":"))
        self.at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HALL).astimezone(dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {}


@pytest.fixture
def qhub(hub_settings, clock, settings_overrides) -> Iterator[Hub]:
    """A hub with kiosk k1 at hall-1, services A (社保, 6 min, 2 windows) and B (户籍, 10 min, 1 window)."""
    settings = hub_settings.model_copy(update=settings_overrides)
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        h = Hub(client, app.state.hub, "")
        h.token = h.register("k1")
        with h.state.db.write() as db, db.begin():
            add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
            add_service(db, "hall-1", "residence", "B", "户籍业务", 10, 1)
        yield h
