"""Files the daemons create are theirs alone (0600, folders 0700), even when started from a shell with umask 022."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.umask import private
from tests.daemon import kioskd
from tests.hub_process import kioskhub
from tests.integration.hub.helpers import application


@contextmanager
def shell_umask(value: int) -> Iterator[None]:
    """Start children as a login shell would (the test process's own umask is put back after)."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


HARNESS = {"kioskd.stderr", "kioskhub.stderr"}  # the test's own capture of the process's stderr


def loose(root: Path) -> list[str]:
    """Everything under ``root`` that another account could read, with its mode."""
    found = []
    for path in root.rglob("*"):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.name not in HARNESS and mode & 0o077:
            found.append(f"{path.relative_to(root)} {mode:o}")
    return found


def test_kioskd_creates_private_files_only(tmp_path):
    with shell_umask(0o022), kioskd(tmp_path / "kiosk", KIOSK_DEVICES="sim") as d, d.client() as c:
        c.get("/devices")
        started = c.post("/sessions", json={"item_code": "case_progress_query"})
        assert started.status_code in (200, 201), started.text
    made = [p for p in (tmp_path / "kiosk").rglob("*")]
    assert any(p.name == "api-token" for p in made) and any(p.suffix == ".sqlite3" for p in made)
    assert any(p.is_dir() for p in made)
    assert loose(tmp_path / "kiosk") == []


def test_kioskhub_creates_private_files_only(tmp_path):
    with shell_umask(0o022), kioskhub(tmp_path / "hub") as hub, hub.api() as api:
        r = api.post("/cases", headers={"Idempotency-Key": "c1"},
                     data={"application": json.dumps(application(), ensure_ascii=False)},
                     files=[("materials", ("hukou.jpg", b"\xff\xd8\xff\xe0" + b"x" * 2048, "image/jpeg"))])
        assert r.status_code == 201, r.text
    made = list((tmp_path / "hub").rglob("*"))
    assert any(p.parent.name == "materials" and p.is_file() for p in made)  # a sealed scan
    assert any(p.name == "hub-secret" for p in made)
    assert loose(tmp_path / "hub") == []


def test_private_sets_umask_077():
    old = private()
    try:
        assert os.umask(0o077) == 0o077
    finally:
        os.umask(old)
