"""Shared pieces of the outbox fault tests: a kiosk's outbox opened like kioskd does, and a citizen player."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from local_api.crypto import Sealer
from local_api.db.engine import make_engine, migrate, session_factory
from local_api.outbox import MaterialFile, Outbox
from tests.citizen import start_and_play
from tests.integration.hub.helpers import ITEM, PERSON

JPEG = b"\xff\xd8\xff\xe0" + b"outbox-test-page" * 64


def open_outbox(data_dir: Path, kiosk_id: str, **options: Any) -> Outbox:
    """The outbox of a kioskd data dir, with the same files and classes kioskd uses."""
    database = data_dir / "kioskd.sqlite3"
    fresh = not database.exists()
    engine = make_engine(database)
    if fresh or options.pop("migrate", True):
        migrate(engine)
    options.pop("migrate", None)
    return Outbox(session_factory(engine), data_dir / "outbox", Sealer(data_dir / "outbox.key"), lambda: kiosk_id,
                  **options)


def application(n: int) -> dict[str, Any]:
    """A small application the real hub accepts; ``n`` makes its form unique."""
    return {
        "item_code": ITEM, "item_name": "城乡居民养老保险参保登记",
        "applicant": {"name": "张三", "id_type": "111", "id_number": PERSON, "phone": "13800000000"},
        "form": {"序号": str(n)}, "submitted_at": "2026-11-21T10:29:00+08:00",
        "materials": [{"file": "page.jpg", "label": "户口簿 第1页"}],
    }


def page(n: int) -> list[MaterialFile]:
    return [MaterialFile("page.jpg", "image/jpeg", "户口簿", JPEG + str(n).encode())]


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fails saying ``what`` never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def play(c: Any, item_code: str, *, until: str | None = None, timeout: float = 120.0) -> dict[str, Any]:
    """Play a whole session of ``item_code`` (see tests.citizen); returns the last snapshot seen.

    Stops when the session has passed its submit step (``until="submitted"``), when the submit step
    shows an error notice, or when the session ended (then the last live snapshot).
    """
    _, snap = start_and_play(c, item_code, until=until, timeout=timeout, fail_on_error=False)
    return snap


@contextmanager
def tmpfs(path: Path, size: str, *, skip: bool = True) -> Iterator[str | None]:
    """A small tmpfs mounted at ``path``, a disk that can really fill up.

    Yields None once mounted; when mounting is not allowed (needs root or CAP_SYS_ADMIN) the test is
    skipped, or with ``skip=False`` the reason is yielded and ``path`` stays an ordinary folder.
    """
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True, check=False) if shutil.which("mount") else None
    if mounted is None or mounted.returncode != 0:
        reason = "cannot mount a tmpfs to fill up (needs root or CAP_SYS_ADMIN): " + (
            mounted.stderr.strip() if mounted else "no mount command")
        if skip:
            pytest.skip(reason)
        yield reason
        return
    try:
        yield None
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill_disk(folder: Path, leave_bytes: int) -> Path:
    """Write a filler file until only about ``leave_bytes`` are free on ``folder``'s file system."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as fh:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            try:
                remaining -= fh.write(chunk[: min(len(chunk), remaining)])
            except OSError:
                break
    return filler
