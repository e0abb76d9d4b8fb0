"""Numbers from the kiosk's Z block reach the hub once it answers again, even across a kioskd restart."""

from __future__ import annotations

import json
import subprocess
import time

from tests.daemon import BIN, kioskd
from tests.hub_process import kioskhub


def take(daemon, *args: str) -> dict:
    done = subprocess.run([str(BIN / "kioskctl"), "queue", "take", *args, "--json"], env=daemon.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def post(daemon, service: str, **extra) -> dict:
    with daemon.client() as c:
        r = c.post("/queue/tickets", json={"service": service, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def local(daemon) -> dict:
    with daemon.client() as c:
        return c.get("/queue/local-tickets").json()


def waiting_at_hub(hub) -> dict[str, int]:
    with hub.api() as api:
        return {s["code"]: s["waiting"] for s in api.get("/queue/services").json()}


def test_z_tickets_issued_while_the_hub_was_down_are_reported_when_it_returns(tmp_path):
    with kioskhub(tmp_path / "hub", "z-kiosk", start=False) as hub:
        settings = {"KIOSK_DEVICES": "real", "KIOSK_VOICE": "none:", "KIOSK_PRINTER": f"sim://{tmp_path / 'out'}",
                    "KIOSK_KIOSK_ID": "z-kiosk", "KIOSK_HUB_URL": hub.url, "KIOSK_HUB_TOKEN": hub.kiosk_token}
        with kioskd(tmp_path / "kiosk", **settings) as d:
            first = post(d, "social_security")
            second = take(d, "--service", "social_security", "--priority", "pregnant")
            assert local(d)["pending"] == 2
        with kioskd(tmp_path / "kiosk", **settings) as d:  # a restart keeps them
            third = post(d, "social_security", print=False)
            assert [t["number"] for t in (first, second, third)] == ["Z001", "Z002", "Z003"]
            assert {t["source"] for t in (first, second, third)} == {"local"}
            assert (second["priority"], second["priority_category"]) == (True, "pregnant")
            assert local(d) == {"pending": 3, "reported": 0, "rejected": 0}
            printed = sorted((tmp_path / "out").glob("*.txt"))
            assert len(printed) == 2 and "离线号段" in printed[0].read_text(encoding="utf-8")

            hub.start()
            from_hub = post(d, "social_security", print=False)  # the hub answers again
            assert from_hub["source"] == "hub" and from_hub["number"] == "A001"
            deadline = time.monotonic() + 90
            while local(d)["pending"] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert local(d) == {"pending": 0, "reported": 3, "rejected": 0}
            # the hub's line now holds the three Z numbers besides its own
            assert waiting_at_hub(hub)["social_security"] == 4
