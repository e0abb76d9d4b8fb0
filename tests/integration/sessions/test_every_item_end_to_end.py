"""Every shipped service item, driven over HTTP like the UI does, with sim devices and a real hub.

From the card to the printed paper: what was printed is read back from the sim printer's text
dump, and what was submitted is read back from the hub.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.catalog import load_catalog
from flows.fields import id_check_digit
from local_api.runner import hub_item_code
from tests.daemon import kioskd
from tests.hub_process import kioskhub

ID17 = "64010419520312124"  # even sequence: female, as sex_code 2
ELDER_CARD = {"name": "王秀兰", "birth_date": "1952-03-12", "sex_code": "2", "id_number": ID17 + id_check_digit(ID17)}
FIELD_DEFAULTS = {"phone": "13900001234", "date": "2026-03-01", "number": "1", "id_number": ELDER_CARD["id_number"],
                  "address": "宁夏回族自治区银川市金凤区正源北街1号", "text": "自助终端测试"}


def fill(field: dict) -> str:
    if field["value"]:
        return field["value"]
    if field["type"] == "choice":
        return field["choices"][0]
    return FIELD_DEFAULTS.get(field["type"], "测试")


def drive(c, sid: str, *, timeout: float = 600.0) -> list[str]:
    """Play a cooperative citizen until the session ends; returns the step kinds seen."""
    seen: list[str] = []
    placed_card = False
    placed_for = -1  # pages captured when a document was last put on the plate
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/sessions/{sid}")
        if r.status_code == 404:
            return seen  # finished and wiped
        snap = r.json()
        step = snap["step"]
        if not seen or seen[-1] != step["id"]:
            seen.append(step["id"])
        accepts = step["accepts"]
        kind = step["kind"]
        notice = snap.get("notice")
        if notice and notice["level"] == "error" and kind in ("submit", "print"):
            raise AssertionError(f"{snap['item_code']} failed at {step['id']}: {notice}")
        if kind in ("guide", "review") and "next" in accepts:
            post(c, sid, "next")
        elif kind == "consent":
            post(c, sid, "consent", accepted=True)
        elif kind == "identify" and not placed_card:
            assert c.post("/sim/id_reader/place", json={"card": "resident", "fields": ELDER_CARD}).status_code == 200
            placed_card = True
        elif kind == "form":
            post(c, sid, "form_submit", values={f["name"]: fill(f) for f in step["fields"]})
        elif kind == "choose":
            post(c, sid, "choose", option=step["options"][0]["value"])
        elif kind == "capture":
            captured = sum(m["captured"] for m in step["materials"])
            if captured != placed_for:  # turn the page: auto-capture waits for a new one
                current = step["data"].get("current")
                doc = "id_card" if current and "id" in current else "a4"
                assert c.post("/sim/camera/place", json={"document": doc}).status_code == 200
                placed_for = captured
            if "next" in accepts and all(m["captured"] >= m["pages"] or not m["required"] for m in step["materials"]):
                post(c, sid, "next")
        elif kind == "rate":
            post(c, sid, "rate", level=5)
        elif kind == "done":
            post(c, sid, "finish")
        time.sleep(0.1)
    raise AssertionError(f"session did not end in time; steps seen: {seen}")


def wait_drained(c, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = c.get("/outbox/status").json()
        if status["pending"] == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def post(c, sid: str, type_: str, **data) -> None:
    r = c.post(f"/sessions/{sid}/events", json={"type": type_, "data": data})
    assert r.status_code in (200, 409), r.text  # 409: the step moved on under us (a device result came first)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    with kioskhub(tmp / "hub", "e2e-kiosk") as hub, kioskd(
        tmp / "kiosk",
        KIOSK_DEVICES="sim",
        KIOSK_PRINTER=f"sim://{tmp / 'printed'}",
        KIOSK_VOICE=f"sim://{tmp / 'voice'}",
        KIOSK_KIOSK_ID="e2e-kiosk",
        KIOSK_HUB_URL=hub.url,
        KIOSK_HUB_TOKEN=hub.kiosk_token,
        KIOSK_DEVICE_POLL_S="0.05",
    ) as daemon:
        yield hub, daemon, tmp


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("code", sorted(load_catalog()))
def test_item_runs_from_card_to_paper(stack, code):
    hub, daemon, tmp = stack
    printed = tmp / "printed"
    before = set(printed.glob("*.txt")) if printed.exists() else set()
    with daemon.client() as c:
        c.post("/sim/camera/remove")
        c.post("/sim/id_reader/remove")
        snap = c.post("/sessions", json={"item_code": code}).json()
        assert "id" in snap, snap
        try:
            steps = drive(c, snap["id"])
        finally:
            c.delete("/sessions/current")
        assert c.get("/sessions/current").status_code == 404
        outbox = wait_drained(c)
    new = sorted(set(printed.glob("*.txt")) - before)
    item = load_catalog()[code]
    kinds = [s.kind for s in item.steps]
    if "print" in kinds:
        assert new, f"{code}: nothing printed; steps {steps}"
        text = new[-1].read_text(encoding="utf-8")
        assert ELDER_CARD["name"] not in text and ELDER_CARD["id_number"] not in text  # masked on paper
    if any(getattr(s, "purpose", "") == "application" for s in item.steps if s.kind == "submit"):
        assert "王*" in text or "王" in text
        with hub.api() as api:
            found = api.post("/cases/lookup", json={"id_type": "111", "id_number": ELDER_CARD["id_number"]}).json()
        assert any(case["item_code"] == hub_item_code(item) for case in found["cases"]), found
        assert outbox["failed"] == 0
    # nothing of the citizen is left on the kiosk
    assert not any(Path(daemon.data_dir / "sessions").iterdir())
