"""A full disk under the outbox (a small tmpfs): new submissions are refused with OutboxFull and nothing
already stored is damaged; the stored ones still decrypt and reach a real hub."""

from __future__ import annotations

import hashlib

import pytest

from local_api.hub_client import HubClient
from local_api.outbox import MaterialFile, OutboxFull
from tests.integration.outbox.helpers import application, fill_disk, open_outbox, page, tmpfs

pytestmark = pytest.mark.timeout(120)
BIG_SCAN = [MaterialFile("scan.jpg", "image/jpeg", "户口簿", b"\xff\xd8" + b"x" * (2 << 20))]


@pytest.mark.parametrize(("reserve", "left", "why"), [
    (0, 5 << 19, "storage is full"),  # passes the space check, then the sealed scan (base64, 2.7 MiB) hits ENOSPC
    (4 << 20, 2 << 20, "KiB free"),  # refused by the space check, before anything is written
], ids=["disk-really-full", "below-the-reserve"])
def test_full_disk_refuses_new_submissions_and_keeps_stored_ones(kiosk, tmp_path, reserve, left, why):
    data = tmp_path / "kiosk"
    with tmpfs(data, "16m"):
        outbox = open_outbox(data, kiosk.id, min_free_bytes=reserve)
        stored = [outbox.store_case(f"full-{n}", "elderly_card", application(n), page(n)) for n in range(3)]
        filler = fill_disk(data, leave_bytes=left)
        for n in range(3, 6):
            with pytest.raises(OutboxFull, match=why):
                outbox.store_case(f"full-{n}", "elderly_card", application(n), BIG_SCAN)
        assert sorted(p.name for p in (data / "outbox").iterdir()) == ["full-0", "full-1", "full-2"]
        assert outbox.status()["pending"] == 3
        if not reserve:
            filler.unlink()  # SQLite needs a little room to record the acknowledgements

        kiosk.hub_up()
        client = HubClient(kiosk.hub.url, kiosk.token, timeout=10)
        try:
            assert outbox.drain(client) == 3  # every stored entry still decrypts, scans and all
        finally:
            client.close()
        for n, receipt in enumerate(stored):
            cases = kiosk.cases(receipt.provisional_no)
            assert [case["case_no"] for case in cases] == [outbox.find(receipt.provisional_no)["case_no"]]
            assert cases[0]["materials"][0]["sha256"] == hashlib.sha256(page(n)[0].data).hexdigest()  # undamaged
        assert sorted(kiosk.case_keys()) == ["full-0", "full-1", "full-2"]
