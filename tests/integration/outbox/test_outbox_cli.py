"""kioskctl outbox status through a running kioskd: what waits for the hub, and since when."""

from __future__ import annotations

import json
import subprocess

from tests.citizen import start_and_play
from tests.daemon import BIN, kioskd


def status(daemon) -> dict:
    done = subprocess.run([str(BIN / "kioskctl"), "outbox", "status", "--json"], env=daemon.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_outbox_status_counts_an_application_waiting_for_an_unreachable_hub(tmp_path):
    with kioskd(tmp_path / "kiosk", KIOSK_DEVICES="sim", KIOSK_PRINTER=f"sim://{tmp_path / 'out'}",
                KIOSK_VOICE="none:", KIOSK_DEVICE_POLL_S="0.05", KIOSK_KIOSK_ID="k-cli",
                KIOSK_HUB_URL="http://127.0.0.1:9", KIOSK_HUB_TOKEN="t", KIOSK_OUTBOX_RETRY_S="60") as d:
        before = status(d)
        with d.client() as c:
            _, snap = start_and_play(c, "elderly_card", until="submitted")
            c.delete("/sessions/current")
        after = status(d)
    assert (before["pending"], before["failed"], before["oldest_pending_age_s"]) == (0, 0, None)
    assert snap["provisional_no"].startswith("P") and snap["case_no"] is None  # the citizen still got a number
    assert after["pending"] == 1 and after["failed"] == 0 and after["acknowledged"] == 0
    assert after["oldest_pending_age_s"] >= 0 and after["hub_configured"] is True
    assert after["last_error"]  # says why it has not gone yet
