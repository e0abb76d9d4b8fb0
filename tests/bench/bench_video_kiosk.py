"""Benchmark: kiosk side of video help — POST /v1/call to the first remote frame each way; kioskd's CPU.

Run (as root: it makes its own network namespace with a veth pair, like the e2e test):
    .venv/bin/python tests/bench/bench_video_kiosk.py [--calls 5] [--seconds 10]

A real kioskhub relays; the helper is an aiortc peer in this process that accepts every call at once
and sends 640x480 at 30 fps plus a tone (what Chromium's fake devices send). kioskd runs with its
sim face camera (640x480 at 15 fps) and sim microphone. Baseline in the same process: kioskd's CPU
while idle for the same time, so the ratio shows what a call costs on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from local_api.video.media import ToneTrack  # noqa: E402
from tests.daemon import free_port, kioskd  # noqa: E402
from tests.integration.video.run_call import RealHub  # noqa: E402

VETH = ("ip link set lo up && ip link add v0 type veth peer name v1 && "
        "ip addr add 10.77.0.1/24 dev v0 && ip addr add 10.77.0.2/24 dev v1 && "
        "ip link set v0 up && ip link set v1 up && exec \"$@\"")
MARK = "BENCH_VIDEO_IN_NETNS"


class HelperCamera(VideoStreamTrack):
    """640x480 at 30 fps with a moving bar, like a webcam."""

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.zeros((480, 640, 3), np.uint8)
        image[:, :, 1] = 150
        x = (self.n * 6) % 600
        image[:, x:x + 40] = 255
        self.n += 1
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts, frame.time_base = pts, time_base
        return frame


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def cpu_share(pid: int, seconds: float) -> float:
    """kioskd's CPU over ``seconds`` of wall time, in % of one core."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


async def one_call(hub: RealHub, helper: httpx.AsyncClient, kiosk: httpx.AsyncClient, pid: int,
                   seconds: float) -> dict[str, float]:
    first_helper_frame = asyncio.get_running_loop().create_future()
    t0 = time.monotonic()
    started = await kiosk.post("/call", json={"camera": True, "screen": False, "document": False})
    assert started.status_code == 201, started.text
    call_id = None
    while call_id is None:
        call_id = (await kiosk.get("/call/stats")).json()["call_id"]
    accepted = await helper.post(f"/helper/calls/{call_id}/accept", headers={"Origin": hub.url})
    assert accepted.status_code == 303, accepted.text
    pc = RTCPeerConnection()
    pullers: list[asyncio.Future[None]] = []

    @pc.on("track")
    def on_track(track: Any) -> None:
        if track.kind != "video" or first_helper_frame.done():
            return

        async def pull() -> None:
            try:
                await track.recv()
                if not first_helper_frame.done():
                    first_helper_frame.set_result(time.monotonic())
                while True:
                    await track.recv()
            except MediaStreamError:
                pass

        pullers.append(asyncio.ensure_future(pull()))

    cookie = "; ".join(f"{k}={v}" for k, v in helper.cookies.items())
    url = hub.url.replace("http", "ws") + f"/helper/calls/{call_id}/ws"
    async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": hub.url}) as ws:
        while True:
            msg = json.loads(await ws.recv())
            if msg["type"] == "offer":
                break
        await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
        for transceiver in pc.getTransceivers():  # send on the camera and microphone sections
            if transceiver.kind == "video" and transceiver.mid == "0":
                transceiver.sender.replaceTrack(HelperCamera())
                transceiver.direction = "sendrecv"
            elif transceiver.kind == "audio":
                transceiver.sender.replaceTrack(ToneTrack())
                transceiver.direction = "sendrecv"
        await pc.setLocalDescription(await pc.createAnswer())
        await ws.send(json.dumps({"type": "answer", "sdp": pc.localDescription.sdp}))
        t_helper = await asyncio.wait_for(first_helper_frame, 30)
        while (await kiosk.get("/call/stats")).json()["remote_video_frames"] == 0:
            await asyncio.sleep(0.02)
        t_kiosk = time.monotonic()
        before = (await kiosk.get("/call/stats")).json()
        cpu = await cpu_share(pid, seconds)
        stats = (await kiosk.get("/call/stats")).json()
        assert (await kiosk.delete("/call")).status_code == 200
    await pc.close()
    return {"helper_first_frame_s": t_helper - t0, "kiosk_first_frame_s": t_kiosk - t0, "cpu_pct": cpu,
            "kiosk_frames_per_s": (stats["remote_video_frames"] - before["remote_video_frames"]) / seconds,
            "sent_per_s": (stats["sent_frames"]["camera"] - before["sent_frames"]["camera"]) / seconds}


async def bench(work: Path, calls: int, seconds: float) -> None:
    hub = RealHub(work, free_port())
    hub.prepare()
    hub.start(None)
    try:
        with kioskd(work / "kiosk", KIOSK_DEVICES="sim", KIOSK_KIOSK_ID="video-kiosk", KIOSK_HUB_URL=hub.url,
                    KIOSK_HUB_TOKEN=hub.kiosk_token) as daemon:
            headers = {"Authorization": f"Bearer {daemon.token}"}
            async with httpx.AsyncClient(base_url=daemon.url, headers=headers, timeout=30) as kiosk, \
                    httpx.AsyncClient(base_url=hub.url, timeout=30) as helper:
                login = await helper.post("/helper/login", data={"username": hub.username, "password": hub.password},
                                          headers={"Origin": hub.url})
                assert login.status_code == 303, login.text
                idle = await cpu_share(daemon.process.pid, seconds)
                runs = [await one_call(hub, helper, kiosk, daemon.process.pid, seconds) for _ in range(calls)]
    finally:
        hub.stop()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{calls} calls, {seconds:.0f} s of media each; kiosk sends 640x480@15 + 2 idle views, helper 640x480@30")
    print(f"POST /v1/call -> first kiosk frame at the helper : median {median('helper_first_frame_s'):.2f} s "
          f"(runs: {', '.join(format(r['helper_first_frame_s'], '.2f') for r in runs)})")
    print(f"POST /v1/call -> first helper frame at the kiosk : median {median('kiosk_first_frame_s'):.2f} s")
    print(f"helper frames decoded by kioskd                 : median {median('kiosk_frames_per_s'):.1f} /s")
    print(f"camera frames sent by kioskd                    : median {median('sent_per_s'):.1f} /s")
    cpu = median("cpu_pct")
    print(f"kioskd CPU idle (baseline)                       : {idle:.1f} % of one core")
    print(f"kioskd CPU during a call                         : median {cpu:.1f} % of one core "
          f"(x{cpu / max(idle, 0.1):.0f} the idle baseline)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if os.environ.get(MARK) != "1":
        if os.geteuid() != 0:
            sys.exit("needs root: the call runs in its own network namespace with a veth pair")
        env = {**os.environ, MARK: "1"}
        sys.exit(subprocess.run(["unshare", "-n", "sh", "-c", VETH, "sh", sys.executable, *sys.argv], env=env,
                                cwd=ROOT).returncode)
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench(Path(tmp), args.calls, args.seconds))


if __name__ == "__main__":
    main()
