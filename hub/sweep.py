"""Material files without a case: found and settled, so a killed hub leaves no scans nobody can find.

Files are staged until their case commits (hub.storage). A staged file that has a material row was
committed by a process killed before it could publish it: it is published. One older than the grace
with no row belongs to a request that died or failed before committing: it is deleted. Younger files
are left alone, since a request may be about to commit them. The deletion decides under an exclusive
``lock_materials`` and a case commits under a shared one, after checking its staged files are still
there, so whatever the timing no case commits pointing at a file the sweep deleted (a request that
waited past the grace answers 503 and is sent again).

Staging is swept at start and then every ``KIOSKHUB_MATERIAL_SWEEP_SECONDS``: a killed process is
usually restarted within seconds, when what it left is still too young to judge, and with several
processes or nodes the one that died may not be the one that restarts. The store itself is swept
once at start, for files an older hub wrote there before its case committed; from now on nothing
reaches the store without its case, so that listing (as long as the store is large) is not repeated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.certificates import replay
from hub.db.models import Material
from hub.db.session import Database, lock_materials
from hub.storage import MaterialStore

log = logging.getLogger(__name__)
Reader = Callable[[], AbstractContextManager[Session]]
_BATCH = 500  # names per IN (...) query; well under SQLite's and PostgreSQL's parameter limits


@dataclass
class Swept:
    published: int = 0
    deleted: int = 0
    young: int = 0  # files without a case yet, too recent to judge


def with_cases(read: Reader, names: list[str]) -> set[str]:
    """The stored names among ``names`` that a material row refers to."""
    found: set[str] = set()
    for start in range(0, len(names), _BATCH):
        with read() as db:
            found |= _owned(db, names[start : start + _BATCH])
    return found


def _owned(db: Session, names: list[str]) -> set[str]:
    return set(db.scalars(select(Material.stored_name).where(Material.stored_name.in_(names))))


def sweep_staging(store: MaterialStore, db: Database, now: float | None = None) -> Swept:
    """Publish staged files whose case committed; delete those older than the grace that have none."""
    now = time.time() if now is None else now
    staged = store.staged()
    owned = with_cases(db.read, [name for name, _ in staged])
    done = Swept()
    store.publish(sorted(owned))
    done.published = len(owned)
    old = [name for name, mtime in staged if name not in owned and now - mtime > store.grace_s]
    done.young = len(staged) - len(owned) - len(old)
    for start in range(0, len(old), _BATCH):
        chunk = old[start : start + _BATCH]
        with db.write() as session, session.begin():
            lock_materials(session, exclusive=True)
            committed = _owned(session, chunk)  # by a request that was still running at the listing
            store.publish(sorted(committed))
            done.published += len(committed)
            for name in chunk:
                if name not in committed:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(store.staging / name)
                    done.deleted += 1
    return done


def sweep_store(
    store: MaterialStore, read: Reader, now: float | None = None, stop: threading.Event | None = None
) -> Swept:
    """Delete files in the store that no material row refers to and that are older than the grace.

    Refuses when most files would go: that is a database that does not belong to this data dir
    (e.g. a new, empty PostgreSQL named by mistake), not a few files a killed hub left behind.
    """
    now = time.time() if now is None else now
    files = [(name, mtime) for name, mtime in store.published() if now - mtime > store.grace_s]
    orphans: list[str] = []
    for start in range(0, len(files), _BATCH):
        if stop is not None and stop.is_set():
            return Swept()
        chunk = [name for name, _ in files[start : start + _BATCH]]
        owned = with_cases(read, chunk)
        orphans += [name for name in chunk if name not in owned]
    if len(orphans) > max(20, len(files) // 100):
        log.error(
            "material store holds many files the database does not know; is KIOSKHUB_DATABASE_URL the right "
            "database for this data dir? Nothing was deleted",
            extra={"unknown_files": len(orphans), "files": len(files)},
        )
        return Swept()
    for name in orphans:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(store.path(name))
    return Swept(deleted=len(orphans))


@contextlib.contextmanager
def exclusive(store: MaterialStore) -> Iterator[bool]:
    """True when this process holds the sweep lock; hub processes on one host take turns instead of repeating work."""
    fd = os.open(store.staging / ".sweep-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        except OSError:  # a file system without locks (some NFS): two sweeps at once only repeat work
            log.debug("no lock for the material sweep on this file system; sweeping anyway")
        yield True
    finally:
        os.close(fd)  # also releases the lock


class Sweeper:
    """The background sweeps of one hub process: the store once, staging at start and every ``interval_s``."""

    def __init__(self, store: MaterialStore, db: Database, interval_s: float,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.store, self.db, self.interval_s = store, db, interval_s
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.stop = threading.Event()
        self.started = threading.Event()  # set once the first sweep (the one at start) is over
        self._thread = threading.Thread(target=self._run, name="material-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 10) -> None:
        self.stop.set()
        self._thread.join(timeout)

    def once(self, whole_store: bool = False) -> Swept | None:
        """One sweep (None when another process on this host is sweeping); errors are logged, never raised."""
        try:
            with exclusive(self.store) as mine:
                if not mine:
                    return None
                done = sweep_staging(self.store, self.db)
                if whole_store:
                    done.deleted += sweep_store(self.store, self.db.read, stop=self.stop).deleted
        except Exception:  # a sweep that fails (database away) is tried again next time; the hub keeps serving
            log.exception("material sweep failed")
            return None
        if done.published or done.deleted:
            log.warning("material files settled", extra={"published": done.published, "deleted": done.deleted})
        return done

    def _run(self) -> None:
        self.once(whole_store=True)
        self.started.set()
        while not self.stop.wait(self.interval_s):
            self.once()
            self.forget_certificate_pdfs()

    def forget_certificate_pdfs(self) -> None:
        """Cut certificates kept for a retry past their time to their code, even while no kiosk asks for one."""
        try:
            with self.db.write() as db, db.begin():
                replay.forget_pdfs(db, self.clock())
        except Exception:
            log.exception("dropping kept certificate PDFs failed")
