"""Every shipped service item, driven over HTTP like the UI does, with sim devices and a real hub.

From the card to the printed paper: what was printed is read back from the sim printer's text
dump, and what was submitted is read back from the hub.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.catalog import load_catalog
from local_api.services.application import hub_item_code
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
        KIOSK_FACE_CAMERA="sim:?play=1",  # the simulated holder does what the face check asks
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
    a4 = daemon.data_dir / "a4"  # the sim A4 printer KIOSK_DEVICES=sim gives
    a4_before = set(a4.glob("*.pdf")) if a4.exists() else set()
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
    walked = [s for s in item.steps if s.id in steps]  # not an alternative's steps (a counter ticket)
    kinds = [s.kind for s in walked if not getattr(s, "on_a4", False)]
    if any(getattr(s, "on_a4", False) for s in walked):
        assert len(set(a4.glob("*.pdf")) - a4_before) == 1, f"{code}: no certificate printed; steps {steps}"
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
        assert case["item_name"] == item.name and case["applicant_name"] == "王*兰"
        assert case["item_code"] == hub_item_code(item)
        assert number in text  # the receipt names the application by the number the citizen was told
        # every page the citizen put under the camera reached the platform, labelled with its material
        labels = [m["label"] for m in case["materials"]]
        for step in (s for s in item.steps if s.kind == "capture" and s.id in steps):
            for material in (item.material(code) for code in step.materials):
                pages = [label for label in labels if label.startswith(f"{material.name} 第")]
                if not material.skippable:
                    assert pages == [f"{material.name} 第{n}页" for n in range(1, material.pages + 1)], labels
        signed = [m for m in case["materials"] if m["label"].endswith("（申请人签名）")]
        # each document signed on the screen reached the platform as the citizen's signature image
        assert [m["label"] for m in signed] == [f"{s.document}（申请人签名）" for s in item.steps
                                                if s.kind == "sign" and s.id in steps]
        assert all(m["content_type"] == "image/png" and m["size"] > 1_000 for m in signed)
        assert all(m["size"] > 10_000 and m["content_type"] == "image/jpeg" for m in case["materials"]
                   if m not in signed)
        assert outbox["failed"] == 0
    # nothing of the citizen is left on the kiosk
    assert not any(Path(daemon.data_dir / "sessions").iterdir())


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_id_card_captured_front_and_back_also_reaches_the_hub_as_one_copy_page(tmp_path):
    # A hall that wants the card itself (no electronic licence instead): both sides are captured,
    # and the platform gets them as the 身份证复印件 page halls file, besides the two photos.
    from flows.loader import DEFINITIONS_DIR

    hall = tmp_path / "hall-flows"
    hall.mkdir()
    own = (DEFINITIONS_DIR / "residence_permit.yaml").read_text(encoding="utf-8")
    wants_the_card = own.replace("    e_licence: 居民身份证电子证照\n", "", 1)
    (hall / "residence_permit.yaml").write_text(wants_the_card, encoding="utf-8")
    with kioskhub(tmp_path / "hub", "copy-kiosk") as hub, kioskd(
        tmp_path / "kiosk", KIOSK_DEVICES="sim", KIOSK_PRINTER=f"sim://{tmp_path / 'printed'}",
        KIOSK_VOICE="none:", KIOSK_KIOSK_ID="copy-kiosk", KIOSK_HUB_URL=hub.url, KIOSK_HUB_TOKEN=hub.kiosk_token,
        KIOSK_DEVICE_POLL_S="0.05", KIOSK_FLOWS_DIR=str(hall), KIOSK_ITEMS="residence_permit",
    ) as daemon, daemon.client() as c:
        snap = c.post("/sessions", json={"item_code": "residence_permit"}).json()
        try:
            _, last = play(c, snap["id"])
        finally:
            c.delete("/sessions/current")
        wait_drained(c)
        number = last["case_no"] or last["provisional_no"]
        with hub.api() as api:
            found = api.post("/cases/lookup", json={"id_type": "111", "id_number": ELDER_CARD["id_number"]}).json()
            [ours] = [case for case in found["cases"] if number in (case["case_no"], case["provisional_no"])]
            case = api.get(f"/cases/{ours['case_no']}").json()
    labels = [m["label"] for m in case["materials"]]
    assert labels[:3] == ["居民身份证 第1页", "居民身份证 第2页", "居民身份证 复印件（正反面）"], labels
    copy = next(m for m in case["materials"] if m["label"].endswith("复印件（正反面）"))
    assert copy["content_type"] == "image/jpeg" and copy["size"] > 50_000
