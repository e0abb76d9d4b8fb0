"""Every shipped service item, driven over HTTP like the UI does, with sim devices and a real hub.

From the card to the printed paper: what was printed is read back from the sim printer's text
dump, and what was submitted is read back from the hub.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.catalog import load_catalog
from local_api.runner import hub_item_code
from tests.citizen import ELDER_CARD, play
from tests.daemon import kioskd
from tests.hub_process import kioskhub


def wait_drained(c, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = c.get("/outbox/status").json()
        if status["pending"] == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


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
            steps, last = play(c, snap["id"])
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
            number = last["case_no"] or last["provisional_no"]  # what the citizen was told
            assert number, last
            ours = [case for case in found["cases"] if number in (case["case_no"], case["provisional_no"])]
            assert len(ours) == 1, found  # arrived, and once
            case = api.get(f"/cases/{ours[0]['case_no']}").json()
        assert case["item_name"] == item.name and case["applicant_name"] == "王**"
        assert case["item_code"] == hub_item_code(item)
        assert number in text  # the receipt names the application by the number the citizen was told
        # every page the citizen put under the camera reached the platform, labelled with its material
        labels = [m["label"] for m in case["materials"]]
        for step in (s for s in item.steps if s.kind == "capture" and s.id in steps):
            for material in (item.material(code) for code in step.materials):
                pages = [label for label in labels if label.startswith(f"{material.name} 第")]
                if not material.skippable:
                    assert pages == [f"{material.name} 第{n}页" for n in range(1, material.pages + 1)], labels
        assert all(m["size"] > 10_000 and m["content_type"] == "image/jpeg" for m in case["materials"])
        assert outbox["failed"] == 0
    # nothing of the citizen is left on the kiosk
    assert not any(Path(daemon.data_dir / "sessions").iterdir())
