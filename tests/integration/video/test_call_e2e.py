"""Video help end to end: kioskd ↔ kioskhub ↔ headless Chromium, media both ways, hang-up cleans up both sides.

WebRTC needs real interfaces (aioice leaves out 127.0.0.1 and Chromium ignores loopback), so each
call runs in its own network namespace with a veth pair: every packet stays on this machine.
Runs as root (CI does); skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local_api.video.call import MSG_HELPER_GONE
from tests.integration.video.run_call import camera_view

ROOT = Path(__file__).resolve().parents[3]
VETH = ("ip link set lo up && ip link add v0 type veth peer name v1 && "
        "ip addr add 10.77.0.1/24 dev v0 && ip addr add 10.77.0.2/24 dev v1 && "
        "ip link set v0 up && ip link set v1 up && exec \"$@\"")

pytestmark = pytest.mark.slow


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root to make a network namespace with a veth pair (CI runs as root)"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    if not Path("/usr/bin/chromium").exists():
        return "needs the Debian chromium package (./dev setup installs it)"
    probe = subprocess.run(["unshare", "-n", "sh", "-c", VETH, "sh", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make a network namespace with a veth pair here: {probe.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Three calls in one namespace (one kioskd, one browser): direct, with the helper asking for a fresh
    connection once and then hanging up; direct again, the helper's tab dying mid-call; then relay-only
    through coturn (the hub restarted with TURN set), the citizen sharing the screen and the document
    camera mid-call, and hanging up."""
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("video-call")
    cmd = ["unshare", "-n", "sh", "-c", VETH, "sh", sys.executable, "-m", "tests.integration.video.run_call",
           "--work", str(work), "--hub", "real",
           "--call", "plain:helper:restart", "--call", "plain:gone", "--call", "turn:kiosk:share"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result (exit {done.returncode}): {done.stderr[-3000:]}"
    result = json.loads(lines[-1])
    if not result.get("ok"):
        logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in work.rglob("*.stderr"))
        pytest.fail(f"{result.get('error')}\n{logs}")
    result["calls"][2]["turn_log"] = (work / "turn.log").read_text(errors="replace")
    return result["calls"]


def _check_recording(result: dict) -> None:
    """The site records calls: the citizen was told, and the helper's page uploaded a playable WebM."""
    assert result["kiosk_end"]["recording"] is True
    recording = result["recording"]
    assert recording is not None, "the helper's page uploaded no recording"
    assert recording["ebml"] == "1a45dfa3" and recording["first_bytes"] > 20_000, recording


def _check_media(result: dict) -> None:
    browser, kiosk = result["browser"], result["kiosk"]
    camera = camera_view(browser["videos"])
    assert camera is not None and camera["label"] == "群众摄像头"
    assert camera["framesDecoded"] > 30 and (camera["width"], camera["height"]) == (640, 480)
    assert {v["label"] for v in browser["videos"]} == {"群众摄像头", "终端屏幕", "高拍仪"}
    assert browser["audioLevel"] > 0.05  # the kiosk's tone
    assert kiosk["remote_video_frames"] > 30 and kiosk["remote_video_size"] == [640, 480]
    assert kiosk["remote_audio_rms_max"] > 100  # Chromium's fake microphone beeps
    r, g, b = result["remote_jpeg_rgb"]
    assert g > 100 and g > 2 * r and g > 2 * b, "remote.jpg should show Chromium's green fake camera"
    assert result["helper_step"] == "未开始办理"  # the kiosk's state message passed the hub's checks


def test_call_without_turn_survives_a_restart_and_the_helper_hangs_up(calls: list[dict]) -> None:
    result = calls[0]
    _check_media(result)
    _check_recording(result)
    recovered = result["kiosk_recovered"]  # a new peer connection, media flowing again both ways
    assert recovered["restarts"] == 1 and recovered["state"] == "connected"
    assert camera_view(result["browser_recovered"]["videos"])["framesDecoded"] > 30
    assert result["kiosk_end"]["state"] == "ended"
    assert result["kiosk_end"]["message"] == "工作人员已结束通话"
    after = result["kiosk_after"]
    assert after["camera_on"] is False and after["peer"] is None and after["sent_frames"] == {}
    assert result["remote_jpeg_after"] == 404  # the helper's picture is gone with the call
    assert "已结束（工作人员挂断）" in result["history"]


def test_call_through_turn_relay_shares_screen_and_document_then_kiosk_hangs_up(calls: list[dict]) -> None:
    result = calls[2]
    _check_media(result)
    _check_recording(result)
    shared = result["shared"]  # after PUT /v1/call/consent: the posted red screen, the white A4 page
    assert shared["终端屏幕"]["sample"][0] > 180 and max(shared["终端屏幕"]["sample"][1:]) < 60
    assert min(shared["高拍仪"]["sample"]) > 150
    assert result["kiosk_end"]["state"] == "ended"
    assert result["kiosk_end"]["message"] == "您已结束通话"
    assert result["kiosk_after"]["camera_on"] is False
    assert "已结束（群众挂断）" in result["history"]
    assert result["browser_pair"]["local"] == "relay"  # the browser's media went through coturn
    assert "ALLOCATE processed, success" in result["turn_log"]
    assert "peer 10.77.0." in result["turn_log"]  # coturn opened a permission to the other side


def test_a_helper_tab_that_dies_is_noticed_and_the_call_ends_with_a_message(calls: list[dict]) -> None:
    result = calls[1]
    _check_media(result)
    assert result["kiosk_reconnecting"]["restarts"] >= 1  # the kiosk saw the media stop and offered afresh
    end = result["kiosk_end"]
    assert end["state"] == "ended" and end["message"] == MSG_HELPER_GONE
    assert result["kiosk_after"]["camera_on"] is False and result["kiosk_after"]["peer"] is None
    assert "已结束（工作人员断线）" in result["history"]
