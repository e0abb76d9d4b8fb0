"""The A4 printer in a real kioskd: health, the device list and the self-test follow ippeveprinter's own state."""

from __future__ import annotations

import json
import subprocess
import time

from tests.daemon import BIN, kioskd


def wait_for(fetch, check, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while not check(value := fetch()):
        assert time.monotonic() < deadline, value
        time.sleep(0.1)
    return value


def test_health_devices_and_selftest_report_the_a4_printer_as_it_is(ippeve, tmp_path):
    server = ippeve()
    with kioskd(tmp_path / "kiosk", KIOSK_DEVICES="sim", KIOSK_A4_PRINTER=f"{server.uri}?timeout=2",
                KIOSK_DEVICE_PROBE_S="0.3") as daemon, daemon.client() as http:
        health = wait_for(lambda: http.get("/health").json(), lambda h: h["devices"].get("a4_printer") == "online")
        assert health["status"] == "ok"
        listed = {d["name"]: d for d in http.get("/devices").json()}
        assert listed["a4_printer"]["uri"].startswith(server.uri) and not listed["a4_printer"]["simulated"]
        assert listed["a4_printer"]["status"]["sensors"]["media"] == "ok"

        done = subprocess.run([str(BIN / "kioskctl"), "selftest", "--json"], env=daemon.env, capture_output=True,
                              text=True, timeout=120)
        a4 = json.loads(done.stdout)["devices"]["a4_printer"]
        assert a4["ok"] and a4["detail"] == "正常" and a4["printer_state"] == "idle"

        server.kill()
        health = wait_for(lambda: http.get("/health").json(), lambda h: h["devices"]["a4_printer"] == "offline")
        assert health["status"] == "degraded"
        message = {d["name"]: d for d in http.get("/devices").json()}["a4_printer"]["status"]["message"]
        assert "cannot reach" in message
        done = subprocess.run([str(BIN / "kioskctl"), "selftest", "--json"], env=daemon.env, capture_output=True,
                              text=True, timeout=120)
        a4 = json.loads(done.stdout)["devices"]["a4_printer"]
        assert not a4["ok"] and "没有应答" in a4["detail"] and done.returncode == 1

        server.start()  # power back: online again by itself
        wait_for(lambda: http.get("/health").json(), lambda h: h["devices"]["a4_printer"] == "online")
