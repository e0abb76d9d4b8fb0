"""Video help end to end: kioskd ↔ hub ↔ headless Chromium, media both ways, hang-up cleans up both sides.

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


def run_call(tmp_path: Path, *args: str) -> dict:
    """Run run_call.py inside a fresh namespace; its last stdout line is the JSON result."""
    cmd = ["unshare", "-n", "sh", "-c", VETH, "sh", sys.executable, "-m", "tests.integration.video.run_call",
           "--work", str(tmp_path), "--hub", "standin", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=150)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result (exit {done.returncode}): {done.stderr[-3000:]}"
    result = json.loads(lines[-1])
    if not result.get("ok"):
        logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                         for p in tmp_path.rglob("*.stderr"))
        pytest.fail(f"{result.get('error')}\n{logs}")
    return result


@pytest.fixture(scope="module", autouse=True)
def _namespaces() -> None:
    reason = _why_not()
    if reason:
        pytest.skip(reason)


def _check_media(result: dict) -> None:
    browser, kiosk = result["browser"], result["kiosk"]
    camera = next(v for v in browser["videos"] if v["id"] == "camera")
    assert camera["framesDecoded"] > 30 and (camera["width"], camera["height"]) == (640, 480)
    assert browser["audioLevel"] > 0.05  # the kiosk's tone
    assert kiosk["remote_video_frames"] > 30 and kiosk["remote_video_size"] == [640, 480]
    assert kiosk["remote_audio_rms_max"] > 100  # Chromium's fake microphone beeps
    r, g, b = result["remote_jpeg_rgb"]
    assert g > 100 and g > 2 * r and g > 2 * b, "remote.jpg should show Chromium's green fake camera"


def test_call_without_turn_helper_hangs_up(tmp_path: Path) -> None:
    result = run_call(tmp_path, "--hangup-by", "helper")
    _check_media(result)
    assert result["kiosk_end"]["state"] == "ended"
    assert result["kiosk_end"]["message"] == "工作人员已结束通话"
    after = result["kiosk_after"]
    assert after["camera_on"] is False and after["peer"] is None and after["sent_frames"] == {}
    assert "helper" in result["history"]


def test_call_through_turn_relay_kiosk_hangs_up(tmp_path: Path) -> None:
    result = run_call(tmp_path, "--turn", "--hangup-by", "kiosk")
    _check_media(result)
    assert result["kiosk_end"]["state"] == "ended"
    assert result["kiosk_after"]["camera_on"] is False
    assert "kiosk" in result["history"]
    turn_log = (tmp_path / "turn.log").read_text(errors="replace")
    assert "ALLOCATE processed, success" in turn_log  # the browser may only use relayed candidates
    assert "peer 10.77.0." in turn_log  # and coturn opened a permission to the other side
