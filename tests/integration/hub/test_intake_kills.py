"""The real kioskhub SIGKILLed at random moments of case intake: no scan without its case, no case twice.

A kiosk thread posts cases with two ~200 KB scans each, retrying every key until it gets an answer,
as kioskd's outbox does. The hub is killed at a random moment and restarted, several times. After
each kill every file in the material store must belong to a case row; at the end, once the hub has
swept what the kills left in staging, the store and the database must match exactly: every file has
its row, every row its file (decrypting to the content sent), and every key made exactly one case.
"""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from hub.db.session import make_engine
from hub.personal import Keys
from hub.storage import MaterialStore
from tests.daemon import BIN, free_port
from tests.hub_process import RunningHub, hub_env
from tests.integration.hub.helpers import application, multipart

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
ROUNDS = 4
SCAN_BYTES = 200 * 1024
GRACE_S = 3  # staged files without a case go after this long; small so the end of the test sees them go


def scans(n: int) -> list[tuple[str, bytes, str]]:
    """The two scans of case n: random bytes (so each file's content is its own) behind a JPEG header."""
    rng = random.Random(n)
    return [(f"page{p}.jpg", b"\xff\xd8\xff\xe0" + rng.randbytes(SCAN_BYTES), "image/jpeg") for p in (1, 2)]


class Kiosk(threading.Thread):
    """Posts case after case; each key is sent again after any failure until the hub answers it."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.stop = threading.Event()
        self.answers: dict[str, str] = {}  # key -> case number
        self.sent: dict[str, list[str]] = {}  # key -> sha256 of its scans
        self.refused: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            key, files = f"case-{n}", scans(n)
            self.sent[key] = sorted(hashlib.sha256(data).hexdigest() for _, data, _ in files)
            labels = [{"file": name, "label": "户口簿"} for name, _, _ in files]
            body = multipart(application(materials=labels, provisional_no=f"K1-{n:04d}"), files)
            while True:
                try:
                    r = self.client.post("/api/v1/cases", headers={"Idempotency-Key": key}, **body)
                except httpx.TransportError:  # killed under the request, or not up yet
                    time.sleep(0.05)
                    continue
                if r.status_code >= 500:
                    time.sleep(0.05)
                    continue
                if r.status_code in (200, 201):
                    self.answers[key] = r.json()["case_no"]
                else:
                    self.refused.append(f"{key}: {r.status_code} {r.text[:200]}")
                break
            n += 1
        self.client.close()


def registered_hub(data_dir: Path, database_url: str | None) -> RunningHub:
    port = free_port()
    env = hub_env(data_dir, port) | {
        "KIOSKHUB_MATERIAL_GRACE_SECONDS": str(GRACE_S),
        "KIOSKHUB_MATERIAL_SWEEP_SECONDS": "0.5",
        "KIOSKHUB_MAX_FILE_BYTES": str(1024 * 1024),
    }
    if database_url:
        env["KIOSKHUB_DATABASE_URL"] = database_url
    added = subprocess.run([str(BIN / "kioskhub"), "kiosks", "add", "--init", "--id", "k1", "--site", "yc-hall"],
                           env=env, capture_output=True, text=True, timeout=60, check=True)
    return RunningHub(None, port, data_dir, env, added.stdout.split()[-1])


def materials(url: str) -> dict[str, str]:
    """stored name -> sha256 of every material row."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {name: sha for name, sha in conn.execute(text("SELECT stored_name, sha256 FROM materials"))}
    finally:
        engine.dispose()


def cases(url: str) -> list[tuple[str, str, list[str]]]:
    """(idempotency key, case number, sorted sha256 of its materials) of every case."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, idempotency_key, case_no FROM cases"))
            made = {case_id: (key, case_no) for case_id, key, case_no in rows}
            files: dict[int, list[str]] = {case_id: [] for case_id in made}
            for case_id, sha in conn.execute(text("SELECT case_id, sha256 FROM materials")):
                files[case_id].append(sha)
    finally:
        engine.dispose()
    return [(key, case_no, sorted(files[case_id])) for case_id, (key, case_no) in made.items()]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kill_db(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_server").create_database(request.getfixturevalue("pg_migrated"))


def test_hub_killed_mid_intake_leaves_no_scan_without_its_case_and_no_case_twice(tmp_path, kill_db):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    data = tmp_path / "hub"
    hub = registered_hub(data, kill_db)
    url = kill_db or f"sqlite:///{data / 'kioskhub.sqlite3'}"
    store = MaterialStore(data / "materials")
    hub.start()
    kiosk = Kiosk(hub.url, hub.kiosk_token)
    kiosk.start()
    left_staged = 0  # kills that caught a request between staging its files and publishing them
    before_restart = 0
    try:
        for round_no in range(ROUNDS):
            time.sleep(rng.uniform(0.2, 1.0))  # mid-intake most of the time: the kiosk sends back to back
            assert hub.process is not None
            hub.process.send_signal(signal.SIGKILL)
            hub.process.wait(20)
            note = f"(seed {seed}, after kill {round_no + 1})"
            rows = materials(url)
            stray = {name for name, _ in store.published()} - set(rows)
            assert not stray, f"{len(stray)} file(s) in the store without a case {note}"
            on_disk = {name for name, _ in store.published()} | {name for name, _ in store.staged()}
            assert set(rows) <= on_disk, f"a case's file is missing {note}"
            left_staged += bool(store.staged())
            before_restart = len(kiosk.answers)
            hub.start()
        deadline = time.monotonic() + 30
        while len(kiosk.answers) < before_restart + 2 and time.monotonic() < deadline:  # intake works again
            time.sleep(0.1)
        kiosk.stop.set()
        kiosk.join(60)
        assert not kiosk.is_alive(), f"the kiosk still has no answer (seed {seed})"
        deadline = time.monotonic() + GRACE_S + 15
        while store.staged() and time.monotonic() < deadline:  # the hub's own sweep, every 0.5 s
            time.sleep(0.2)
    finally:
        kiosk.stop.set()
        hub.stop()

    note = f"(seed {seed}, {ROUNDS} kills, {left_staged} left staged files, {len(kiosk.answers)} cases sent)"
    print(note)
    assert not kiosk.refused, f"{kiosk.refused[:3]} {note}"
    assert store.staged() == [], f"staged files outlived the grace {note}"
    rows = materials(url)
    assert {name for name, _ in store.published()} == set(rows), f"store and database disagree {note}"
    keys = Keys.load_or_create(data / "hub-secret")
    sealed = MaterialStore(data / "materials", keys)
    for name, sha in rows.items():
        assert hashlib.sha256(sealed.read(name)).hexdigest() == sha, f"file {name} is not what was sent {note}"
    made = cases(url)
    assert sorted(key for key, _, _ in made) == sorted(kiosk.answers), f"a key made no case or two {note}"
    assert {key: case_no for key, case_no, _ in made} == kiosk.answers, f"an answer named another case {note}"
    for key, _, shas in made:
        assert shas == kiosk.sent[key], f"case {key} does not hold the scans sent with it {note}"
