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
TURN_USER, TURN_PASSWORD = "kiosk", "turn-password"  # the stand-in's static credentials
TURN_SECRET = "turn-rest-secret"  # kioskhub's: coturn use-auth-secret
# Chromium may then only use relayed candidates; the shim also keeps the peer connections for the test.
RELAY_ONLY = """(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  function Relayed(config, ...rest) {
    const pc = new Native(Object.assign({}, config || {}, {iceTransportPolicy: "relay"}), ...rest);
    window.__pcs.push(pc);
    return pc;
  }
  Relayed.prototype = Native.prototype;
  Object.setPrototypeOf(Relayed, Native);
  window.RTCPeerConnection = Relayed;
})();"""
SELECTED_PAIR = """async () => {
  const pc = window.__pcs[window.__pcs.length - 1];
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach(r => { if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") pair = r; });
  if (!pair) return null;
  const type = (id) => stats.get(id).candidateType;
  return {local: type(pair.localCandidateId), remote: type(pair.remoteCandidateId)};
}"""
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
    """tests/integration/video/standin_hub.py in a subprocess (for trying the kiosk without kioskhub)."""

    def __init__(self, work: Path, port: int) -> None:
        self.work, self.port = work, port
        self.kiosk_token = "standin-kiosk-token"
        self.username, self.password = "helper1", "secret"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        pass

    def start(self, turn: str | None) -> None:
        cmd = [sys.executable, "-m", "tests.integration.video.standin_hub", "--port", str(self.port),
               "--token", self.kiosk_token]
        if turn:
            cmd += ["--turn", turn, TURN_USER, TURN_PASSWORD]
        err = self.work / "hub.stderr"
        with open(err, "ab") as stderr:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
        wait_healthy(self.proc, f"{self.url}/api/v1/health", err, 60, "stand-in hub")

    def history(self, call_id: str, page: Any) -> str:
        page.goto(f"{self.url}/helper")
        return page.inner_text(f'li.history[data-call="{call_id}"]')

    @staticmethod
    def ended_by(side: str) -> str:
        return "ended kiosk:kiosk_hangup" if side == "gone" else f"ended {side}:{side}_hangup"

    @staticmethod
    def shown_step(page: Any) -> str:
        return json.loads(page.inner_text("#step") or "{}").get("title", "")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


class RealHub:
    """kioskhub itself: a kiosk and a helper account made with its CLI; TURN set per start."""

    def __init__(self, work: Path, port: int) -> None:
        from tests.hub_process import hub_env

        self.work, self.port = work, port
        self.env = hub_env(work / "hub", port)
        self.env["KIOSKHUB_CALL_GRACE_SECONDS"] = "8"  # a helper whose tab died is given up sooner
        self.env["KIOSKHUB_CALL_RECORDING"] = "1"  # this site records calls: the helper's page uploads them
        self.proc: subprocess.Popen[bytes] | None = None
        self.username = "helper1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cli(self, *args: str) -> str:
        return subprocess.run([str(BIN / "kioskhub"), *args], env=self.env, capture_output=True, text=True,
                              timeout=60, check=True).stdout

    def prepare(self) -> None:
        (self.work / "hub").mkdir(parents=True, exist_ok=True)
        self.kiosk_token = self._cli("kiosks", "add", "--init", "--id", "video-kiosk", "--site", "yc-hall").split()[-1]
        self.password = self._cli("helpers", "add", "--username", self.username, "--name", "王小明").split()[-1]

    def start(self, turn: str | None) -> None:
        env = dict(self.env)
        if turn:  # time-limited coturn REST credentials per call, as a hall would run it
            env.update({"KIOSKHUB_TURN_URLS": turn, "KIOSKHUB_TURN_SECRET": TURN_SECRET})
        err = self.work / "hub.stderr"
        with open(err, "ab") as stderr:
            self.proc = subprocess.Popen([str(BIN / "kioskhub"), "serve"], env=env, stdout=subprocess.DEVNULL,
                                         stderr=stderr)
        wait_healthy(self.proc, f"{self.url}/api/v1/health", err, 60, "kioskhub")

    def history(self, call_id: str, page: Any) -> str:
        page.goto(f"{self.url}/helper")
        return page.inner_text("table.history tr:nth-child(2)")  # newest first: this call's row

    def recording(self, call_id: str) -> dict[str, Any] | None:
        """What the helper's page recorded of the call, read back (decrypted) from the hub's data dir."""
        from hub.personal import Keys
        from hub.video.recordings import Recordings

        store = Recordings(self.work / "hub" / "recordings", Keys.load_or_create(self.work / "hub" / "hub-secret"), 90)
        found = store.get(call_id)
        if found is None:
            return None
        first = store.webm(call_id, min(found.parts))
        return {"parts": len(found.parts), "pieces": sum(found.parts.values()), "first_bytes": len(first),
                "ebml": first[:4].hex()}

    @staticmethod
    def ended_by(side: str) -> str:
        ends = {"helper": "工作人员挂断", "kiosk": "群众挂断", "gone": "工作人员断线"}
        return f"已结束（{ends[side]}）"

    @staticmethod
    def shown_step(page: Any) -> str:
        return page.inner_text("#state-step")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)


def start_turn(work: Path, rest_secret: bool) -> subprocess.Popen[bytes]:
    """coturn on the kiosk's side of the veth pair, no TLS; ready once it answers STUN."""
    auth = (["--use-auth-secret", f"--static-auth-secret={TURN_SECRET}"] if rest_secret
            else [f"--user={TURN_USER}:{TURN_PASSWORD}"])
    cmd = [shutil.which("turnserver") or "turnserver", "-n", f"--listening-ip={KIOSK_IP}", f"--relay-ip={KIOSK_IP}",
           "--lt-cred-mech", *auth, "--realm=kiosk.test", "--no-tls", "--no-dtls",
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


def camera_view(videos: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The citizen camera's entry in callStats (the first video of the offer)."""
    for video in videos:
        if video["id"] in ("camera", "remote-0") or "摄像头" in video.get("label", ""):
            return video
    return None


def mean_rgb(jpeg: bytes) -> list[int]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    b, g, r = image.reshape(-1, 3).mean(axis=0)
    return [round(r), round(g), round(b)]


def one_call(hub: Any, kiosk: httpx.Client, browser: Any, work: Path, turn: bool, hangup_by: str,
             blip: str | None = None, share: bool = False) -> dict[str, Any]:
    """Ring, accept in the browser, check media both ways, optionally recover from ``blip="restart"`` (the
    helper presses 重新连接画面: a fresh peer connection and offer), with ``share`` also send the screen and
    the document camera, hang up from ``hangup_by``, check both ends.

    A real outage cannot be staged in one namespace: both peers' addresses are local, so their packets
    take the loopback path whatever happens to the veth link."""
    result: dict[str, Any] = {"turn": turn, "hangup_by": hangup_by, "blip": blip}
    context = browser.new_context(permissions=["camera", "microphone"])
    if turn:
        context.add_init_script(RELAY_ONLY)
    page = context.new_page()
    page.goto(f"{hub.url}/helper/login")
    page.fill("#login-username", hub.username)
    page.fill("#login-password", hub.password)
    page.click("#login-submit")

    started = kiosk.post("/call", json={"camera": True, "screen": False, "document": False})
    assert started.status_code == 201, started.text
    assert started.json()["state"] == "ringing", started.text
    t_call = time.monotonic()
    call_id = wait_for("the call reaching the hub", lambda: kiosk.get("/call/stats").json()["call_id"], 10)
    result["call_id"] = call_id

    page.goto(f"{hub.url}/helper")
    page.wait_for_selector(f"#accept-{call_id}", timeout=20000)
    page.click(f"#accept-{call_id}")
    page.wait_for_selector("video.remote", state="attached", timeout=20000)

    def browser_media() -> dict[str, Any] | None:
        stats = page.evaluate("window.callStats()")
        camera = camera_view(stats["videos"])
        return stats if camera and camera["framesDecoded"] > 30 and stats["audioLevel"] > 0.05 else None

    result["browser"] = wait_for("kiosk video and audio in the browser", browser_media, 40)
    result["browser_media_s"] = round(time.monotonic() - t_call, 2)
    if turn:
        result["browser_pair"] = page.evaluate(SELECTED_PAIR)
    result["helper_step"] = hub.shown_step(page)

    if share:  # the citizen now also shares the screen (the UI posts it) and the document camera
        assert kiosk.post("/sim/camera/place", json={"document": "a4"}).status_code == 200  # a white page
        changed = kiosk.put("/call/consent", json={"camera": True, "screen": True, "document": True})
        assert changed.status_code == 200 and changed.json()["sending"]["screen"] is True, changed.text
        red = np.zeros((480, 640, 3), np.uint8)
        red[:, :, 2] = 230
        frame = cv2.imencode(".jpg", red)[1].tobytes()

        def shared() -> dict[str, Any] | None:
            posted = kiosk.post("/call/screen", content=frame, headers={"content-type": "image/jpeg"})
            assert posted.status_code == 204, posted.text
            views = {v["label"]: v for v in page.evaluate("window.callStats()")["videos"]}
            screen, document = views.get("终端屏幕"), views.get("高拍仪")
            if not screen or not document or screen["framesDecoded"] < 10 or document["framesDecoded"] < 10:
                return None
            r, g, b = screen["sample"]
            page_white = min(document["sample"]) > 150  # the A4 page in the middle of the plate
            return views if r > 180 and g < 60 and b < 60 and page_white else None

        result["shared"] = wait_for("the screen and document camera in the browser", shared, 30)
        page.screenshot(path=str(work / f"helper-page-{'turn' if turn else 'plain'}-shared.png"))

    def kiosk_media() -> dict[str, Any] | None:
        s = kiosk.get("/call/stats").json()
        return s if s["remote_video_frames"] > 30 and s["remote_audio_rms_max"] > 100 else None

    result["kiosk"] = wait_for("browser video and audio at the kiosk", kiosk_media, 30)
    assert kiosk.get("/call").json()["state"] == "connected"
    jpeg = kiosk.get("/call/remote.jpg")
    assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
    result["remote_jpeg_rgb"] = mean_rgb(jpeg.content)
    result["remote_jpeg_size"] = list(cv2.imdecode(np.frombuffer(jpeg.content, np.uint8), 1).shape[1::-1])
    tag = "turn" if turn else "plain"
    (work / f"remote-{tag}.jpg").write_bytes(jpeg.content)
    page.screenshot(path=str(work / f"helper-page-{tag}.png"))

    if blip:
        before = result["kiosk"]["remote_video_frames"]
        t_blip = time.monotonic()
        page.click("#restart")

        def recovered() -> dict[str, Any] | None:
            s = kiosk.get("/call/stats").json()
            ok = s["restarts"] >= 1 and s["state"] == "connected" and s["remote_video_frames"] > before + 30
            return s if ok else None

        result["kiosk_recovered"] = wait_for("the call recovering from the blip", recovered, 60)
        result["browser_recovered"] = wait_for("kiosk video in the browser after the blip", browser_media, 30)
        result["recovery_s"] = round(time.monotonic() - t_blip, 2)

    if hangup_by == "helper":
        page.click("#hangup")
        result["kiosk_end"] = wait_for("the kiosk seeing the helper's hang-up",
                                       lambda: (v := kiosk.get("/call").json())["state"] == "ended" and v, 15)
    elif hangup_by == "gone":  # the helper's browser tab dies: no hang-up, the media just stops
        page.close()
        result["kiosk_reconnecting"] = wait_for(
            "the kiosk noticing the helper's media stopped",
            lambda: (s := kiosk.get("/call/stats").json())["restarts"] >= 1 and s, 30)
        result["kiosk_end"] = wait_for(
            "the call ending", lambda: (v := kiosk.get("/call").json())["state"] in ("ended", "failed") and v, 40)
        page = context.new_page()
    else:
        assert kiosk.delete("/call").status_code == 200
        result["kiosk_end"] = kiosk.get("/call").json()
    result["kiosk_after"] = kiosk.get("/call/stats").json()
    result["remote_jpeg_after"] = kiosk.get("/call/remote.jpg").status_code
    reason = hub.ended_by(hangup_by)
    seen: list[str] = []

    def history() -> str | None:
        seen.append(hub.history(call_id, page))
        return seen[-1] if reason in seen[-1] else None

    try:
        result["history"] = wait_for(f"the hub's history showing {reason}", history, 15)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the history read: {seen[-1][-800:]}") from None
    if isinstance(hub, RealHub):
        try:
            result["recording"] = wait_for("the call's recording at the hub", lambda: hub.recording(call_id), 15)
        except AssertionError:
            result["recording"] = None
    context.close()
    return result


def run(work: Path, hub_kind: str, calls: list[tuple[bool, str, str | None]]) -> dict[str, Any]:
    """Each call is (through TURN?, who hangs up, blip or "share"); the hub restarts when the TURN setting
    changes."""
    from playwright.sync_api import sync_playwright

    from tests.daemon import free_port

    results: dict[str, Any] = {"hub": hub_kind, "calls": []}
    turn_url = f"turn:{KIOSK_IP}:3478"
    turn_proc = start_turn(work, rest_secret=hub_kind == "real") if any(c[0] for c in calls) else None
    hub = (RealHub if hub_kind == "real" else StandinHub)(work, free_port())
    t0 = time.monotonic()
    try:
        hub.prepare()
        with kioskd(work / "kiosk", KIOSK_DEVICES="sim", KIOSK_KIOSK_ID="video-kiosk", KIOSK_HUB_URL=hub.url,
                    KIOSK_HUB_TOKEN=hub.kiosk_token) as daemon, daemon.client() as kiosk, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            running: bool | None = None  # the TURN setting of the hub that is up, None when none is
            for turn, hangup_by, blip in calls:
                t_call = time.monotonic()
                if running is not turn:
                    hub.stop()
                    hub.start(turn_url if turn else None)
                    running = turn
                result = one_call(hub, kiosk, browser, work, turn, hangup_by, blip if blip != "share" else None,
                                  share=blip == "share")
                result["wall_s"] = round(time.monotonic() - t_call, 2)
                results["calls"].append(result)
            browser.close()
        results["ok"] = True
    finally:
        results["wall_s"] = round(time.monotonic() - t0, 2)
        hub.stop()
        if turn_proc is not None:
            turn_proc.terminate()
            turn_proc.wait(10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--hub", choices=["standin", "real"], default="real")
    parser.add_argument("--call", action="append", metavar="plain|turn:helper|kiosk|gone[:restart|share]",
                        help="a call: through TURN or not, who hangs up, a restart to survive or sharing (repeatable)")
    args = parser.parse_args()
    calls = []
    for spec in args.call or ["plain:helper"]:
        parts = spec.split(":")
        if (parts[0] not in ("plain", "turn") or parts[1:2] not in (["helper"], ["kiosk"], ["gone"])
                or parts[2:] not in ([], ["restart"], ["share"])):
            parser.error(f"--call {spec}: use plain|turn:helper|kiosk|gone[:restart|share]")
        calls.append((parts[0] == "turn", parts[1], parts[2] if len(parts) > 2 else None))
    try:
        result = run(args.work, args.hub, calls)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False))
        sys.exit(1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
