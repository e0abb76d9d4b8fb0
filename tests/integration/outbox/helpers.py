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
    return Outbox(session_factory(engine), data_dir / "outbox", Sealer(data_dir / "outbox.key"), kiosk_id, **options)


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


ELDER_CARD = {"name": "王秀兰", "birth_date": "1952-03-12", "sex_code": "2", "id_number": "640104195203121244"}
FIELD_DEFAULTS = {"phone": "13900001234", "date": "2026-03-01", "number": "1", "id_number": ELDER_CARD["id_number"],
                  "address": "宁夏回族自治区银川市金凤区正源北街1号", "text": "自助终端测试"}


def _fill(field: dict[str, Any]) -> str:
    if field["value"]:
        return field["value"]
    if field["type"] == "choice":
        return field["choices"][0]
    return FIELD_DEFAULTS.get(field["type"], "测试")


def _event(c: Any, sid: str, type_: str, **data: Any) -> None:
    r = c.post(f"/sessions/{sid}/events", json={"type": type_, "data": data})
    assert r.status_code in (200, 409), r.text  # 409: a device result moved the step on first


def play(c: Any, item_code: str, *, until: str | None = None, timeout: float = 120.0) -> dict[str, Any]:
    """Play a cooperative citizen through one item over kioskd's HTTP API, as the UI would.

    Returns the last snapshot seen: when the session has passed its submit step (``until="submitted"``),
    when the submit step shows an error notice, or when the session ended (then the last live one).
    """
    c.post("/sim/camera/remove")
    c.post("/sim/id_reader/remove")
    snap = c.post("/sessions", json={"item_code": item_code}).json()
    assert "id" in snap, snap
    sid = snap["id"]
    placed_card = placed_doc = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/sessions/{sid}")
        if r.status_code == 404:
            return snap
        snap = r.json()
        step, notice = snap["step"], snap.get("notice")
        kind, accepts = step["kind"], step["accepts"]
        if kind == "submit" and notice and notice["level"] == "error":
            return snap
        if until == "submitted" and (snap["case_no"] or snap["provisional_no"]):
            return snap
        if kind in ("guide", "review") and "next" in accepts:
            _event(c, sid, "next")
        elif kind == "consent":
            _event(c, sid, "consent", accepted=True)
        elif kind == "identify" and not placed_card:
            assert c.post("/sim/id_reader/place", json={"card": "resident", "fields": ELDER_CARD}).status_code == 200
            placed_card = True
        elif kind == "form":
            _event(c, sid, "form_submit", values={f["name"]: _fill(f) for f in step["fields"]})
        elif kind == "choose":
            _event(c, sid, "choose", option=step["options"][0]["value"])
        elif kind == "capture":
            if not placed_doc:
                doc = "id_card" if any("身份证" in m["name"] for m in step["materials"][:1]) else "a4"
                assert c.post("/sim/camera/place", json={"document": doc}).status_code == 200
                placed_doc = True
            if "next" in accepts and all(m["captured"] >= m["pages"] or not m["required"] for m in step["materials"]):
                _event(c, sid, "next")
        elif kind == "rate":
            _event(c, sid, "rate", level=5)
        elif kind == "done":
            _event(c, sid, "finish")
        time.sleep(0.05)
    raise AssertionError(f"session of {item_code} did not end in time (last step {snap['step']['id']})")


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
