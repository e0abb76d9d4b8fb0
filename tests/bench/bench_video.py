"""Video-help signaling: ring, accept and relay latencies, and console fan-out, against a plain HTTP round trip.

Run: .venv/bin/python tests/bench/bench_video.py [--rounds N] [--consoles C]
The hub is served by uvicorn in this process (as in the tests); kiosk and helpers are real WebSocket clients.
Baseline: GET /api/v1/health on the same server and connection pool, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.integration.hub.video.conftest import served_hub  # noqa: E402

SDP = "v=0\r\n" + "a=candidate:1 1 udp 2130706431 10.77.0.2 40000 typ host\r\n" * 60  # ~4 KiB like aiortc's


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--consoles", type=int, default=20)
    args = parser.parse_args()
    with served_hub(Path(tempfile.mkdtemp()) / "hub", call_ring_seconds=600, call_grace_seconds=300) as hub:
        kiosk = hub.kiosk()
        baseline = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            kiosk.get("/health")
            baseline.append(time.perf_counter() - t)

        helpers = [hub.helper(f"h{i}", f"工作人员{i}") for i in range(args.consoles)]
        consoles = [hub.helper_socket("/helper/ws", h) for h in helpers]
        for c in consoles:
            c.expect("queue")
        ring, accept, relay = [], [], []
        for _ in range(args.rounds):
            t = time.perf_counter()
            call_id = hub.call()
            for c in consoles:  # every console has the new call
                while not any(v["id"] == call_id for v in c.expect("queue")["calls"]):
                    pass
            ring.append(time.perf_counter() - t)
            k = hub.kiosk_socket(call_id)
            k.expect("ringing")
            t = time.perf_counter()
            hub.accept(helpers[0], call_id)
            page = hub.helper_socket(f"/helper/calls/{call_id}/ws", helpers[0])
            k.expect("peer-joined")
            accept.append(time.perf_counter() - t)
            for _ in range(5):
                t = time.perf_counter()
                k.send({"type": "offer", "sdp": SDP})
                page.expect("offer")
                page.send({"type": "answer", "sdp": SDP})
                k.expect("answer")
                relay.append(time.perf_counter() - t)
            page.send({"type": "hangup"})
            k.expect("hangup")
        base = statistics.median(baseline)
        print(f"machine: 2 cores shared; rounds {args.rounds}, consoles {args.consoles}")
        print(f"{'baseline GET /api/v1/health':44} {ms(baseline)}")
        for label, samples in (
            ("ring: POST /calls until every console has it", ring),
            ("accept + call page join until peer-joined", accept),
            ("offer + answer relay round trip (4 KiB SDP)", relay),
        ):
            print(f"{label:44} {ms(samples)}  ({statistics.median(samples) / base:.1f}x baseline)")


if __name__ == "__main__":
    main()
