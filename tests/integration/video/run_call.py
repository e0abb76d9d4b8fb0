"""One full video-help call, run inside a network namespace with a veth pair (see test_call_e2e.py).

kioskd (sim face camera, tone microphone, measuring speaker) calls through a hub; headless
Chromium with its fake camera and microphone logs in as the helper, accepts and answers. Prints
one JSON line with what each side received and how the call ended; exits 0 when it all worked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np

from tests.daemon import BIN, kioskd, wait_healthy

KIOSK_IP, BROWSER_IP = "10.77.0.1", "10.77.0.2"
TURN_USER, TURN_PASSWORD = "kiosk", "turn-secret"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 "--autoplay-policy=no-user-gesture-required", "--no-sandbox"]


def wait_for(what: str, check: Callable[[], Any], timeout: float) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s (last seen: {str(last)[:600]})")


class StandinHub:
    """tests/integration/video/standin_hub.py in a subprocess."""

    name = "stand-in"

    def __init__(self, work: Path, port: int, turn: str | None) -> None:
        self.work, self.port, self.turn = work, port, turn
        self.kiosk_token = "standin-kiosk-token"
        self.username, self.password = "helper1", "secret"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "tests.integration.video.standin_hub", "--port", str(self.port),
               "--token", self.kiosk_token]
        if self.turn:
            cmd += ["--turn", self.turn, TURN_USER, TURN_PASSWORD]
        err = self.work / "hub.stderr"
        with open(err, "wb") as stderr:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
        wait_healthy(self.proc, f"{self.url}/api/v1/health", err, 60, "stand-in hub")

    def history(self, call_id: str, page: Any) -> str:
        page.goto(f"{self.url}/helper")
        return page.inner_text(f'li.history[data-call="{call_id}"]')

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


class RealHub:
    """kioskhub itself: a kiosk and a helper account made with its CLI."""

    name = "kioskhub"

    def __init__(self, work: Path, port: int, turn: str | None) -> None:
        from tests.hub_process import hub_env

        self.work, self.port = work, port
        self.env = hub_env(work / "hub", port)
        if turn:
            self.env.update({"KIOSKHUB_TURN_URLS": turn, "KIOSKHUB_TURN_USER": TURN_USER,
                             "KIOSKHUB_TURN_PASSWORD": TURN_PASSWORD, "KIOSKHUB_ICE_TRANSPORT_POLICY": "relay"})
        self.proc: subprocess.Popen[bytes] | None = None
        self.username = "helper1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cli(self, *args: str) -> str:
        return subprocess.run([str(BIN / "kioskhub"), *args], env=self.env, capture_output=True, text=True,
                              timeout=60, check=True).stdout

    def start(self) -> None:
        (self.work / "hub").mkdir(parents=True, exist_ok=True)
        self.kiosk_token = self._cli("kiosks", "add", "--id", "video-kiosk", "--site", "yc-hall").split()[-1]
        self.password = self._cli("helpers", "add", "--username", self.username, "--name", "王小明").split()[-1]
        err = self.work / "hub.stderr"
        with open(err, "wb") as stderr:
            self.proc = subprocess.Popen([str(BIN / "kioskhub"), "serve"], env=self.env, stdout=subprocess.DEVNULL,
                                         stderr=stderr)
        wait_healthy(self.proc, f"{self.url}/api/v1/health", err, 60, "kioskhub")

    def history(self, call_id: str, page: Any) -> str:
        page.goto(f"{self.url}/helper")
        return page.inner_text("body")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)


def start_turn(work: Path) -> subprocess.Popen[bytes]:
    """coturn on the kiosk's side of the veth pair, long-term credentials, no TLS; ready once it answers STUN."""
    cmd = [shutil.which("turnserver") or "turnserver", "-n", f"--listening-ip={KIOSK_IP}", f"--relay-ip={KIOSK_IP}",
           "--lt-cred-mech", f"--user={TURN_USER}:{TURN_PASSWORD}", "--realm=kiosk.test", "--no-tls", "--no-dtls",
           "--no-cli", "--log-file=stdout", "--simple-log", "--verbose", f"--pidfile={work / 'turn.pid'}",
           f"--db={work / 'turndb'}"]
    with open(work / "turn.log", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)

    def answers_stun() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"coturn exited: {(work / 'turn.log').read_text(errors='replace')[-1000:]}")
        request = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))  # STUN binding request
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            s.sendto(request, (KIOSK_IP, 3478))
            try:
                return s.recv(512)[:2] == b"\x01\x01"  # binding success response
            except OSError:
                return False

    wait_for("coturn answering STUN", answers_stun, 20)
    return proc


def mean_rgb(jpeg: bytes) -> list[int]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    b, g, r = image.reshape(-1, 3).mean(axis=0)
    return [round(r), round(g), round(b)]


def run(work: Path, hub_kind: str, turn: bool, hangup_by: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.daemon import free_port

    result: dict[str, Any] = {"hub": hub_kind, "turn": turn, "hangup_by": hangup_by}
    turn_url = f"turn:{KIOSK_IP}:3478" if turn else None
    turn_proc = start_turn(work) if turn else None
    hub = (RealHub if hub_kind == "real" else StandinHub)(work, free_port(), turn_url)
    t0 = time.monotonic()
    try:
        hub.start()
        with kioskd(work / "kiosk", KIOSK_DEVICES="sim", KIOSK_HUB_URL=hub.url,
                    KIOSK_HUB_TOKEN=hub.kiosk_token) as daemon, daemon.client() as kiosk, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(permissions=["camera", "microphone"])
            page = context.new_page()
            page.goto(f"{hub.url}/helper/login")
            page.fill("#login-username", hub.username)
            page.fill("#login-password", hub.password)
            page.click("#login-submit")

            started = kiosk.post("/call", json={"camera": True, "screen": False, "document": False})
            assert started.status_code == 201, started.text
            assert started.json()["state"] == "ringing", started.text
            t_call = time.monotonic()
            call_id = wait_for("the call reaching the hub", lambda: _call_id(kiosk), 10)
            result["call_id"] = call_id

            page.goto(f"{hub.url}/helper")
            page.wait_for_selector(f"#accept-{call_id}", timeout=20000)
            page.click(f"#accept-{call_id}")
            page.wait_for_selector("video.remote", state="attached", timeout=20000)

            def browser_media() -> dict[str, Any] | None:
                stats = page.evaluate("window.callStats()")
                cams = [v for v in stats["videos"] if v["framesDecoded"] > 30 and v["width"] == 640]
                return stats if cams and stats["audioLevel"] > 0.05 else None

            stats = wait_for("kiosk video and audio in the browser", browser_media, 40)
            result["browser"] = stats
            result["browser_media_s"] = round(time.monotonic() - t_call, 2)

            def kiosk_media() -> dict[str, Any] | None:
                s = kiosk.get("/call/stats").json()
                return s if s["remote_video_frames"] > 30 and s["remote_audio_rms_max"] > 100 else None

            result["kiosk"] = wait_for("browser video and audio at the kiosk", kiosk_media, 30)
            assert kiosk.get("/call").json()["state"] == "connected"
            jpeg = kiosk.get("/call/remote.jpg")
            assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
            result["remote_jpeg_rgb"] = mean_rgb(jpeg.content)
            result["remote_jpeg_size"] = list(cv2.imdecode(np.frombuffer(jpeg.content, np.uint8), 1).shape[1::-1])
            (work / "remote.jpg").write_bytes(jpeg.content)
            page.screenshot(path=str(work / "helper-page.png"))

            if hangup_by == "helper":
                page.click("#hangup")
                ended = wait_for("the kiosk seeing the helper's hang-up",
                                 lambda: (v := kiosk.get("/call").json())["state"] == "ended" and v, 15)
            else:
                assert kiosk.delete("/call").status_code == 200
                ended = kiosk.get("/call").json()
            result["kiosk_end"] = ended
            result["kiosk_after"] = kiosk.get("/call/stats").json()
            result["history"] = wait_for("the hub's history showing the end",
                                         lambda: (h := hub.history(call_id, page)) and ("ended" in h or "结束" in h
                                                                                       or "挂断" in h) and h, 15)
            browser.close()
        result["ok"] = True
    finally:
        result["wall_s"] = round(time.monotonic() - t0, 2)
        hub.stop()
        if turn_proc is not None:
            turn_proc.terminate()
            turn_proc.wait(10)
    return result


def _call_id(kiosk: httpx.Client) -> str | None:
    """The hub's id for the call, from the counters kioskd keeps (only the id, nothing personal)."""
    return kiosk.get("/call/stats").json().get("call_id")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--hub", choices=["standin", "real"], default="standin")
    parser.add_argument("--turn", action="store_true")
    parser.add_argument("--hangup-by", choices=["helper", "kiosk"], default="helper")
    args = parser.parse_args()
    try:
        result = run(args.work, args.hub, args.turn, args.hangup_by)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False))
        sys.exit(1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
