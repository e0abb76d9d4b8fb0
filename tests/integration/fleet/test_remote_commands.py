"""Remote commands end to end: a real kioskhub and a real kioskd (simulated devices) as processes.

Staff queue commands on the hub; kioskd takes them from its heartbeat's answer, waits for a citizen's
session to end, runs them, and the hub records the answer with who asked and when.
"""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import subprocess
import time

import httpx
import pytest

from flows.loader import DEFINITIONS_DIR
from tests.daemon import BIN, kioskd
from tests.hub_process import kioskhub

KIOSK_ID = "test-kiosk"
BROKEN = "code: broken_item\nname: 坏的事项\nsteps: [\n"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """A hub and one kioskd beating every second, with a hall folder of its own definitions."""
    root = tmp_path_factory.mktemp("commands")
    hall = root / "hall-flows"
    hall.mkdir()
    with kioskhub(root / "hub", KIOSK_ID) as hub:
        key = hub_cli(hub, "catalogue", "key").stdout.strip()  # what an installer puts in kiosk.env
        with kioskd(root / "kiosk", KIOSK_DEVICES="sim", KIOSK_KIOSK_ID=KIOSK_ID, KIOSK_HUB_URL=hub.url,
                    KIOSK_HUB_TOKEN=hub.kiosk_token, KIOSK_HEARTBEAT_S="1", KIOSK_FLOWS_DIR=str(hall),
                    KIOSK_CATALOGUE_KEY=key, KIOSK_CATALOGUE_POLL_S="1") as daemon:
            added = hub_cli(hub, "staff", "add", "--username", "zhang.wei", "--name", "张伟", "--role", "supervisor")
            staff = httpx.Client(base_url=f"{hub.url}/api/v1", timeout=30,
                                 auth=("zhang.wei", added.stdout.split()[-1]))
            yield hub, daemon, staff, hall
            staff.close()


def hub_cli(hub, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(BIN / "kioskhub"), *args], env=hub.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def send(staff, kind: str, **extra) -> int:
    r = staff.post("/kiosk-commands", json={"kind": kind, "kiosk_id": KIOSK_ID, **extra})
    assert r.status_code == 201, r.text
    return r.json()["commands"][0]["id"]


def command(staff, command_id: int) -> dict:
    found = [c for c in staff.get("/kiosk-commands", params={"kiosk": KIOSK_ID}).json()["commands"]
             if c["id"] == command_id]
    assert found, command_id
    return found[0]


def wait_state(staff, command_id: int, states: tuple[str, ...], timeout: float = 30) -> dict:
    """The command once it is in one of ``states`` (the kiosk's heartbeat comes every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = command(staff, command_id)
        if found["state"] in states:
            return found
        time.sleep(0.1)
    raise AssertionError(f"command {command_id} still {found['state']}, expected {states}")


def heartbeats_pass(staff, count: int) -> None:
    """Wait until ``count`` more heartbeats have reached the hub."""
    def seen() -> str:
        return staff.get("/fleet").json()["kiosks"][0]["last_seen_at"]

    last = seen()
    for _ in range(count):
        deadline = time.monotonic() + 15
        while (now := seen()) == last:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.1)
        last = now


def test_maintenance_on_stops_new_sessions_and_off_brings_them_back(fleet):
    _hub, daemon, staff, _hall = fleet
    done = wait_state(staff, send(staff, "maintenance_on"), ("done", "failed"))
    assert done["state"] == "done" and "暂停服务" in done["detail"]
    assert done["requested_by"] == "zhang.wei" and done["requested_at"] and done["answered_at"]
    with daemon.client() as c:
        assert c.get("/health").json()["maintenance"] is True
        refused = c.post("/sessions", json={"item_code": "case_progress_query"})
        assert refused.status_code == 503 and refused.json()["code"] == "maintenance"
        assert "暂停服务" in refused.json()["message"]
    heartbeats_pass(staff, 1)
    assert staff.get("/fleet").json()["kiosks"][0]["maintenance"] is True

    assert wait_state(staff, send(staff, "maintenance_off"), ("done", "failed"))["state"] == "done"
    with daemon.client() as c:
        started = c.post("/sessions", json={"item_code": "case_progress_query"})
        assert started.status_code == 201, started.text
        assert c.delete("/sessions/current").status_code == 204


def test_a_command_waits_for_the_citizen_then_uploads_redacted_logs(fleet):
    hub, daemon, staff, _hall = fleet
    with daemon.client() as c:
        assert c.post("/sessions", json={"item_code": "case_progress_query"}).status_code == 201
        command_id = send(staff, "upload_logs", hours=1)
        wait_state(staff, command_id, ("sent",))
        heartbeats_pass(staff, 2)  # handed out again and again, and not run: a citizen is being served
        assert command(staff, command_id)["state"] == "sent"
        assert c.delete("/sessions/current").status_code == 204
    done = wait_state(staff, command_id, ("done", "failed"))
    assert done["state"] == "done" and "log lines of the last 1 h uploaded" in done["detail"], done
    assert done["has_logs"] is True
    r = httpx.get(f"{hub.url}/staff/commands/{command_id}/logs.jsonl.gz", auth=staff.auth, timeout=30)
    assert r.status_code == 200
    lines = [json.loads(line) for line in gzip.decompress(r.content).decode().splitlines()]
    assert any(line["msg"] == "kioskd started" for line in lines)
    page = httpx.get(f"{hub.url}/staff/commands", auth=staff.auth, timeout=30).text
    assert "上传日志" in page and "zhang.wei" in page and "下载日志" in page


def test_a_failed_reload_is_reported_once_and_the_kiosk_keeps_serving(fleet):
    _hub, daemon, staff, hall = fleet
    (hall / "broken_item.yaml").write_text(BROKEN, encoding="utf-8")
    try:
        command_id = send(staff, "reload_catalogue")
        failed = wait_state(staff, command_id, ("done", "failed"))
        assert failed["state"] == "failed" and "1 problem(s)" in failed["detail"] and "broken_item" in failed["detail"]
        heartbeats_pass(staff, 2)
        assert command(staff, command_id)["state"] == "failed"  # not handed out again
        runs = [json.loads(line) for line in daemon.log_text().splitlines()]
        assert sum(1 for r in runs if r["msg"] == "remote command done" and r.get("command") == command_id) == 1
        with daemon.client() as c:
            health = c.get("/health").json()
            assert health["items_offered"] > 0 and health["catalog_problems"]
            assert c.post("/sessions", json={"item_code": "case_progress_query"}).status_code == 201
            assert c.delete("/sessions/current").status_code == 204
        fleet_row = staff.get("/fleet").json()["kiosks"][0]
        assert any(p["kind"] == "catalog" for p in fleet_row["problems"])
    finally:
        (hall / "broken_item.yaml").unlink()
    assert wait_state(staff, send(staff, "reload_catalogue"), ("done", "failed"))["state"] == "done"


def test_a_site_command_and_bad_requests(fleet):
    hub, _daemon, staff, _hall = fleet
    r = staff.post("/kiosk-commands", json={"kind": "selftest", "site_id": "yc-hall"})
    assert r.status_code == 201 and [c["kiosk_id"] for c in r.json()["commands"]] == [KIOSK_ID]
    done = wait_state(staff, r.json()["commands"][0]["id"], ("done", "failed"))
    assert done["state"] == "done" and done["detail"] == "all devices ok"
    told = wait_state(staff, send(staff, "restart_ui"), ("done", "failed"))
    assert told["state"] == "done" and told["detail"] == "the UI was told to restart"
    assert staff.post("/kiosk-commands", json={"kind": "format_disk", "kiosk_id": KIOSK_ID}).status_code == 422
    nobody = staff.post("/kiosk-commands", json={"kind": "selftest", "kiosk_id": "nope"})
    assert nobody.status_code == 422 and "kioskhub kiosks list" in nobody.text
    assert httpx.post(f"{hub.url}/api/v1/kiosk-commands", json={"kind": "selftest", "kiosk_id": KIOSK_ID}
                      ).status_code == 401
    with hub.api() as kiosk:  # a kiosk may not answer a command that is not its own, nor queue any
        assert kiosk.post("/commands/999999/result", json={"ok": True}).status_code == 404
        assert kiosk.post("/kiosk-commands", json={"kind": "selftest", "kiosk_id": KIOSK_ID}).status_code == 401


def catalogue(daemon, check, timeout: float = 30) -> dict:
    """kioskd's catalogue status once ``check(status)`` holds (it asks the hub every second)."""
    deadline = time.monotonic() + timeout
    with daemon.client() as c:
        while time.monotonic() < deadline:
            status = c.get("/catalogue").json()
            if check(status):
                return status
            time.sleep(0.1)
    raise AssertionError(f"kioskd's catalogue is still {status}")


def test_a_published_bundle_is_served_and_a_broken_one_refused_with_the_kiosk_serving_on(fleet, tmp_path):
    _hub, daemon, staff, _hall = fleet
    hall = tmp_path / "published"
    hall.mkdir()
    shutil.copy(DEFINITIONS_DIR / "case_progress_query.yaml", hall)
    hub_cli(_hub, "catalogue", "publish", "--site", "yc-hall", str(hall))
    catalogue(daemon, lambda s: s["running"] == 1)
    heartbeats_pass(staff, 1)
    assert staff.get("/fleet").json()["kiosks"][0]["catalog_version"] == "bundle-1"

    (hall / "broken_item.yaml").write_text(BROKEN, encoding="utf-8")
    hub_cli(_hub, "catalogue", "publish", "--site", "yc-hall", str(hall))
    status = catalogue(daemon, lambda s: s["problem"])
    assert status["running"] == 1 and "version 2 refused" in status["problem"] and "item problem" in status["problem"]
    done = subprocess.run([str(BIN / "kioskctl"), "catalogue", "status", "--json"], env=daemon.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["version"] == "bundle-1"
    with daemon.client() as c:
        assert any("version 2 refused" in p for p in c.get("/health").json()["catalog_problems"])
        assert c.post("/sessions", json={"item_code": "case_progress_query"}).status_code == 201
        assert c.delete("/sessions/current").status_code == 204
    heartbeats_pass(staff, 1)
    row = staff.get("/fleet").json()["kiosks"][0]
    assert any(p["kind"] == "catalog" and "version 2 refused" in p["detail"] for p in row["problems"])


def test_restart_kioskd_answers_first_then_stops_for_systemd_to_start_it(fleet):
    """Last in this module: the kioskd process ends here."""
    _hub, daemon, staff, _hall = fleet
    done = wait_state(staff, send(staff, "restart_kioskd"), ("done", "failed"))
    assert done["state"] == "done" and done["detail"] == "kioskd restarts now"
    # A clean stop, as systemctl stop: the lifespan's shutdown ran (uvicorn then re-raises SIGTERM); under
    # systemd, Restart=always in kioskd.service starts it again.
    assert daemon.process.wait(30) in (0, -signal.SIGTERM)
    assert any(json.loads(line)["msg"] == "kioskd stopped" for line in daemon.log_text().splitlines())
