"""The self-test end to end: a real kioskd on simulated devices, kioskctl, and a real hub that keeps the result."""

from __future__ import annotations

import json
import subprocess
import time

import httpx
import pytest

from tests.daemon import BIN, daemon_env, free_port, kioskd
from tests.hub_process import kioskhub

KIOSK_ID = "test-kiosk"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    """kioskd with every device simulated, reporting to a real hub."""
    root = tmp_path_factory.mktemp("selftest")
    with kioskhub(root / "hub", KIOSK_ID) as hub, kioskd(root / "kiosk", KIOSK_DEVICES="sim", KIOSK_KIOSK_ID=KIOSK_ID,
                                                          KIOSK_HUB_URL=hub.url, KIOSK_HUB_TOKEN=hub.kiosk_token) as d:
        d.hub = hub
        yield d


def kioskctl(daemon, *args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "kioskctl"), "selftest", *args], env=env or daemon.env, capture_output=True,
                          text=True, timeout=120)


def slips(daemon) -> list:
    return sorted((daemon.data_dir / "printed").glob("job-*.png"))


def test_selftest_of_simulated_devices_passes_with_json_only_on_stdout(kiosk):
    done = kioskctl(kiosk, "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)  # the whole of stdout is one JSON document
    assert set(result) == {"kiosk_id", "at", "ok", "devices", "hub", "versions"}
    assert result["kiosk_id"] == KIOSK_ID and result["ok"] is True
    devices = result["devices"]
    assert set(devices) == {"id_reader", "printer", "camera", "voice", "a4_printer"}
    for entry in devices.values():
        assert {"ok", "state", "detail"} <= set(entry) and entry["ok"] and entry["state"] == "online"
    assert devices["id_reader"]["sam_id"]
    assert devices["printer"]["paper"] == "ok" and devices["printer"]["cover_open"] is False
    assert (devices["camera"]["width"], devices["camera"]["height"]) == (1600, 1200)
    assert devices["camera"]["sharpness"] >= 0
    assert devices["a4_printer"]["media"] == "ok" and devices["a4_printer"]["printer_state"] == "idle"
    assert devices["voice"]["played"] is True and devices["voice"]["prompt"] == "自助终端语音自检"
    spoken = sorted((kiosk.data_dir / "voice").glob("*.txt"))
    assert spoken and spoken[-1].read_text(encoding="utf-8").strip() == "自助终端语音自检"
    assert result["hub"]["state"] == "ok"
    assert result["versions"]["kiosk"]


def test_human_table_by_default(kiosk):
    done = kioskctl(kiosk)
    assert done.returncode == 0, done.stderr
    assert "all devices ok" in done.stdout and "printer" in done.stdout and "hub       ok" in done.stdout


def test_with_print_a_slip_comes_out_of_the_simulated_printer(kiosk):
    before = slips(kiosk)
    done = kioskctl(kiosk, "--print", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["devices"]["printer"]["slip"] == "printed"
    new = [p for p in slips(kiosk) if p not in before]
    assert len(new) == 1 and new[0].stat().st_size > 5_000
    text = new[0].with_suffix(".txt").read_text(encoding="utf-8")
    assert "设备自检单" in text and KIOSK_ID in text and "中心平台" in text and "已连接" in text


def test_the_hub_keeps_the_last_selftest_from_the_heartbeat(kiosk):
    result = kiosk.client().post("/selftest", json={"print": False}).json()
    added = subprocess.run([str(BIN / "kioskhub"), "staff", "add", "--username", "tech", "--name", "李工",
                            "--role", "supervisor"], env=kiosk.hub.env, capture_output=True, text=True, check=True)
    staff = ("tech", added.stdout.split()[-1])
    deadline = time.monotonic() + 20
    while True:  # kioskd sends a heartbeat at once after a self-test
        page = httpx.get(f"{kiosk.hub.url}/staff/kiosks/{KIOSK_ID}", auth=staff, timeout=10)
        assert page.status_code == 200
        if "全部正常" in page.text:
            break
        assert time.monotonic() < deadline, "the hub never showed the self-test"
        time.sleep(0.2)
    assert "最近一次自检" in page.text and "正常，安全模块编号" in page.text
    fleet = httpx.get(f"{kiosk.hub.url}/staff", auth=staff, timeout=10).text
    assert f'href="/staff/kiosks/{KIOSK_ID}#selftest"' in fleet
    assert result["ok"]


def test_paper_out_fails_the_printer_check_with_exit_1_and_says_what_to_do(kiosk):
    client = kiosk.client()
    client.post("/sim/printer/paper", json={"state": "out"}).raise_for_status()
    try:
        before = slips(kiosk)
        done = kioskctl(kiosk, "--print", "--json")
        assert done.returncode == 1
        result = json.loads(done.stdout)
        printer = result["devices"]["printer"]
        assert result["ok"] is False and printer["ok"] is False and printer["paper"] == "out"
        assert printer["slip"] == "not_printed" and slips(kiosk) == before
        assert all(result["devices"][name]["ok"] for name in ("id_reader", "camera", "voice"))
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "printer" in lines[0] and "缺纸" in lines[0] and "装入新纸卷" in lines[0]
        assert client.get("/print/jobs").json()["jobs"] == []  # no slip left waiting to surprise someone later
    finally:
        client.post("/sim/printer/paper", json={"state": "ok"}).raise_for_status()


def test_refused_while_a_citizen_is_served(kiosk):
    client = kiosk.client()
    item = next(i["code"] for i in client.get("/items").json() if i["code"] == "case_progress_query")
    started = client.post("/sessions", json={"item_code": item})
    assert started.status_code in (200, 201), started.text
    try:
        refused = client.post("/selftest", json={"print": False})
        assert refused.status_code == 409 and "a citizen is using the kiosk" in refused.json()["detail"]
        done = kioskctl(kiosk, "--json")
        assert done.returncode == 1 and done.stdout == ""
        assert "citizen is using the kiosk" in done.stderr and len(done.stderr.strip().splitlines()) == 1
        devices = client.get("/devices").json()
        assert all(d["status"]["owner"] is None for d in devices)  # nothing was claimed
    finally:
        client.delete("/sessions/current")


def test_a_session_cannot_start_while_the_devices_are_claimed(kiosk):
    """Claims are taken and released around each run; once it is done a citizen can start again."""
    client = kiosk.client()
    assert client.post("/selftest", json={"print": False}).status_code == 200
    assert all(d["status"]["owner"] is None for d in client.get("/devices").json())
    started = client.post("/sessions", json={"item_code": "case_progress_query"})
    assert started.status_code in (200, 201), started.text
    client.delete("/sessions/current")


def test_usage_and_no_kioskd_exit_codes(kiosk, tmp_path):
    assert kioskctl(kiosk, "--bogus").returncode == 2
    gone = daemon_env(tmp_path, free_port())
    done = kioskctl(kiosk, "--json", env=gone)
    assert done.returncode == 3 and done.stdout == ""
    assert "kioskd is not answering" in done.stderr
