"""Material files a kill leaves behind: staged files are deleted (no case) or published (case committed)."""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from hub.sweep import Sweeper, exclusive, sweep_staging, sweep_store
from tests.integration.hub.helpers import multipart

CASES = "/api/v1/cases"
OLD = 3600.0  # seconds; far past the default grace of 300


@pytest.fixture(autouse=True)
def quiet_sweeper(hub) -> Iterator[None]:
    """The hub's own sweeper done with its pass at start and kept out while the test sweeps by hand."""
    assert hub.client.app.state.sweeper.started.wait(30)
    with exclusive(hub.state.store) as mine:
        assert mine
        yield


def submit(hub, key: str):
    return hub.client.post(CASES, headers={**hub.auth(), "Idempotency-Key": key}, **multipart())


def age(path: os.PathLike[str], seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def names(listing: list[tuple[str, float]]) -> set[str]:
    return {name for name, _ in listing}


def test_staged_files_without_a_case_go_once_older_than_the_grace(hub):
    store = hub.state.store
    abandoned = store.stage(io.BytesIO(b"scan of a request killed before its commit"), 1024)
    in_flight = store.stage(io.BytesIO(b"scan of a request about to commit"), 1024)
    age(store.staging / abandoned.stored_name, OLD)
    done = sweep_staging(store, hub.state.db)
    assert (done.deleted, done.published, done.young) == (1, 0, 1)
    assert names(store.staged()) == {in_flight.stored_name} and store.published() == []


def test_a_file_whose_case_committed_before_the_kill_is_published_and_readable_meanwhile(hub):
    case_no = submit(hub, "a").json()["case_no"]
    ((name, _),) = store_files = hub.state.store.published()
    assert store_files
    store = hub.state.store
    os.rename(store.path(name), store.staging / name)  # as if killed between the commit and the rename
    staff = hub.client.get("/staff/materials/1", auth=hub.staff())
    assert staff.status_code == 200 and staff.content.startswith(b"\xff\xd8")
    done = sweep_staging(store, hub.state.db)  # young or old, a file with its case is published
    assert (done.published, done.deleted) == (1, 0)
    assert names(store.published()) == {name} and store.staged() == []
    assert hub.client.get(f"{CASES}/{case_no}", headers=hub.auth()).json()["materials"][0]["size"] == 2052


def test_files_an_older_hub_left_in_the_store_without_a_case_are_deleted(hub):
    submit(hub, "kept")
    store = hub.state.store
    ((kept, _),) = store.published()
    age(store.path(kept), OLD)
    orphan = store.root / ("ab" * 16)
    orphan.write_bytes(b"written before its case committed, by a hub killed right after")
    age(orphan, OLD)
    recent = store.root / ("cd" * 16)
    recent.write_bytes(b"an older hub node may be just about to commit this one")
    assert sweep_store(store, hub.state.db.read).deleted == 1
    assert names(store.published()) == {kept, "cd" * 16}


def test_a_store_the_database_does_not_know_is_left_alone(hub, caplog):
    store = hub.state.store
    for n in range(30):  # e.g. KIOSKHUB_DATABASE_URL pointing at a new, empty database
        path = store.root / f"{n:032x}"
        path.write_bytes(b"sealed scan")
        age(path, OLD)
    with caplog.at_level(logging.ERROR, logger="hub.sweep"):
        assert sweep_store(store, hub.state.db.read).deleted == 0
    assert len(store.published()) == 30
    assert "Nothing was deleted" in caplog.text


def test_a_request_whose_staged_file_was_swept_keeps_nothing_and_asks_for_a_retry(hub, monkeypatch):
    store = hub.state.store
    stage = store.stage

    def stage_then_swept(source, max_bytes):  # the request waited past the grace before its commit
        staged = stage(source, max_bytes)
        age(store.staging / staged.stored_name, OLD)
        assert sweep_staging(store, hub.state.db).deleted == 1
        return staged

    monkeypatch.setattr(store, "stage", stage_then_swept)
    r = submit(hub, "slow")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert store.staged() == [] and store.published() == []
    with hub.state.db.read() as db:
        assert db.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0
    monkeypatch.undo()
    assert submit(hub, "slow").status_code == 201


def test_a_file_whose_case_committed_after_the_listing_is_published_not_deleted(hub, monkeypatch):
    import hub.sweep as sweep

    submit(hub, "late")
    store = hub.state.store
    ((name, _),) = store.published()
    os.rename(store.path(name), store.staging / name)
    age(store.staging / name, OLD)
    # The listing ran before the case's commit; the check under the lock, after it, must see the row.
    monkeypatch.setattr(sweep, "with_cases", lambda read, names: set())
    done = sweep_staging(store, hub.state.db)
    assert (done.published, done.deleted) == (1, 0)
    assert names(store.published()) == {name} and store.staged() == []


def test_processes_on_one_host_take_turns_to_sweep(hub):
    store = hub.state.store
    with exclusive(store) as second:  # the fixture holds the lock, like another hub process sweeping
        assert second is False
    assert Sweeper(store, hub.state.db, interval_s=60).once() is None


def test_without_file_locks_the_sweep_still_runs(hub, monkeypatch):
    import fcntl

    def no_locks(fd, op):
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with exclusive(hub.state.store) as mine:
        assert mine is True
