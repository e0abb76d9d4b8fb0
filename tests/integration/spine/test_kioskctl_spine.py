"""kioskctl devices and health: through a running kioskd, directly, and with nothing to talk to."""

from __future__ import annotations

import json
import subprocess

from tests.daemon import BIN, daemon_env, free_port, kioskd


def kioskctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "kioskctl"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_devices_and_health_through_kioskd(tmp_path):
    with kioskd(tmp_path / "data", KIOSK_DEVICES="sim", KIOSK_PRINTER=f"sim://{tmp_path / 'out'}") as d:
        health = kioskctl(d.env, "health", "--json")
        devices = kioskctl(d.env, "devices", "--json")
        human = kioskctl(d.env, "devices")
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout)["status"] in ("ok", "degraded")
    assert devices.returncode == 0, devices.stderr
    listed = {x["kind"]: x for x in json.loads(devices.stdout)}
    assert {"id_reader", "printer", "camera", "voice"} <= set(listed)
    assert listed["printer"]["uri"].startswith("sim:") and listed["printer"]["status"]["health"] == "online"
    assert "id_reader" in human.stdout and "online" in human.stdout  # a table a technician can read


def test_devices_directly_without_kioskd_and_health_without_it(tmp_path):
    env = daemon_env(tmp_path / "data", free_port(), KIOSK_DEVICES="sim")
    direct = kioskctl(env, "devices", "--direct", "--json")
    assert direct.returncode == 0, direct.stderr
    assert all(x["status"]["health"] == "online" for x in json.loads(direct.stdout))
    nobody = kioskctl(env, "health", "--json")
    assert nobody.returncode == 1 and nobody.stdout == ""
    assert "kioskd" in nobody.stderr and len(nobody.stderr.strip().splitlines()) == 1  # one line, no traceback
