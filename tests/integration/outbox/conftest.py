"""One real kioskhub process for the outbox tests, with a fresh kiosk registered for each test."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.daemon import BIN
from tests.hub_process import RunningHub, kioskhub

_numbers = itertools.count(1)


@dataclass
class Kiosk:
    """A kiosk registered on the shared hub; the hub itself may be up or down."""

    id: str
    token: str
    hub: RunningHub

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.hub.url}/api/v1", headers={"Authorization": f"Bearer {self.token}"},
                            timeout=30)

    def hub_up(self) -> None:
        """Start the hub unless it runs (a second start would leave the first process running)."""
        if self.hub.process is None or self.hub.process.poll() is not None:
            self.hub.start()

    def hub_down(self) -> None:
        self.hub.stop()

    def cases(self, provisional_no: str) -> list[dict]:
        with self.api() as api:
            r = api.get("/cases", params={"provisional_no": provisional_no})
        assert r.status_code == 200, r.text
        return r.json()["cases"]

    def case_keys(self) -> list[str]:
        """Idempotency keys of every case the hub holds for this kiosk, read from the hub's database."""
        with sqlite3.connect(self.hub.data_dir / "kioskhub.sqlite3") as db:
            return [k for (k,) in db.execute("SELECT idempotency_key FROM cases WHERE kiosk_id = ?", (self.id,))]


@pytest.fixture(scope="session")
def shared_hub(tmp_path_factory) -> Iterator[RunningHub]:
    with kioskhub(tmp_path_factory.mktemp("hub"), "spare-kiosk", start=False) as hub:
        yield hub


@pytest.fixture
def kiosk(shared_hub: RunningHub) -> Kiosk:
    """A new kiosk on the shared hub (its provisional numbers start again); the hub may be up or down."""
    kiosk_id = f"outbox-k{next(_numbers)}"
    added = subprocess.run([str(BIN / "kioskhub"), "kiosks", "add", "--id", kiosk_id, "--site", "yc-hall"],
                           env=shared_hub.env, capture_output=True, text=True, timeout=60, check=True)
    return Kiosk(kiosk_id, added.stdout.split()[-1], shared_hub)
