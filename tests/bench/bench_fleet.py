"""Fleet operations on the hub: CPU per 1,000 heartbeats, and the time from a paper-out heartbeat to the webhook.

Run: .venv/bin/python tests/bench/bench_fleet.py [--kiosks 50] [--beats 200] [--rounds 7]
The hub runs in this process (TestClient, SQLite in a temporary folder); the webhook is a real HTTP server
on 127.0.0.1. Each figure is a median over rounds, next to a baseline measured in the same rounds:
- CPU: heartbeats with the alerts judged, against the same heartbeats with judging switched off, and against
  as many GET /api/v1/health (the cheapest route: the request machinery alone);
- alert latency: POST of a paper-out heartbeat until the webhook has the alert, against one POST of the same
  body straight to the webhook.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from hub import alerts  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.registry import add_kiosk  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from tests.webhook_server import webhook_server  # noqa: E402

PAPER = {"printer": {"health": "offline", "message": "缺纸", "sensors": {"paper": "out", "cover_open": False}},
         "id_reader": {"health": "online", "message": "ready"}, "camera": {"health": "online"}}
PAPER_OK = {**PAPER, "printer": {"health": "online", "message": "ready", "sensors": {"paper": "ok"}}}


def beat(devices: dict, i: int) -> dict:
    return {"software_version": "1.4.0", "devices": devices, "outbox_pending": i % 7, "outbox_failed": 0,
            "outbox_oldest_pending_s": 12.5, "disk_free_bytes": 40 * 1024**3, "catalog_version": "builtin-abc",
            "in_session": False, "maintenance": False, "items_offered": 9}


def cpu_ms(fn) -> float:
    start = time.process_time()
    fn()
    return (time.process_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--beats", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, webhook_server() as (url, receiver):
        settings = HubSettings(data_dir=Path(tmp) / "hub", alert_webhook=url, alert_clear_seconds=0)
        app = create_app(settings)
        with TestClient(app) as client:
            state = app.state.hub
            now = dt.datetime.now(dt.UTC)
            with state.db.write() as db, db.begin():
                tokens = [add_kiosk(db, f"k{i:03d}", f"site-{i % 5}", now, region_code="640104")
                          for i in range(args.kiosks)]
            headers = [{"Authorization": f"Bearer {t}"} for t in tokens]

            def beats() -> None:
                for i in range(args.beats):
                    r = client.post("/api/v1/heartbeat", headers=headers[i % len(headers)],
                                    json=beat(PAPER_OK, i))
                    assert r.status_code == 200, r.text

            def beats_unjudged() -> None:
                with mock.patch.object(alerts, "judge", return_value=0):
                    beats()

            def health() -> None:
                for _ in range(args.beats):
                    client.get("/api/v1/health")

            beats()  # warm up: first reports, first alerts
            with_alerts, without, plain = [], [], []
            for _ in range(args.rounds):
                with_alerts.append(cpu_ms(beats))
                without.append(cpu_ms(beats_unjudged))
                plain.append(cpu_ms(health))
            per_1000 = 1000 / args.beats
            judged = statistics.median(with_alerts) * per_1000
            unjudged = statistics.median(without) * per_1000
            baseline = statistics.median(plain) * per_1000
            print(f"CPU per 1,000 heartbeats ({args.kiosks} kiosks): {judged:.0f} ms with alerts judged, "
                  f"{unjudged:.0f} ms without (x{judged / unjudged:.2f}); GET /health x1000 {baseline:.0f} ms "
                  f"(heartbeat x{judged / baseline:.2f})")

            # alert latency: one kiosk's paper goes out and comes back, again and again
            latencies, direct = [], []
            sent = len(receiver.posts)
            body = json.dumps({"event": "raised", "text": "x" * 80, "alert": {"id": 1}}).encode()
            with httpx.Client(timeout=10) as http:
                for i in range(args.rounds * 3):
                    start = time.perf_counter()
                    http.post(url, content=body, headers={"Content-Type": "application/json"})
                    direct.append((time.perf_counter() - start) * 1000)
                    sent = len(receiver.posts)
                    start = time.perf_counter()
                    client.post("/api/v1/heartbeat", headers=headers[0], json=beat(PAPER, i))
                    receiver.wait_for(sent + 1)
                    latencies.append((receiver.received_at[sent] - start) * 1000)
                    client.post("/api/v1/heartbeat", headers=headers[0], json=beat(PAPER_OK, i))
                    receiver.wait_for(sent + 2)  # the clearing, so the next paper-out raises anew
            lat, base = statistics.median(latencies), statistics.median(direct)
            print(f"paper-out heartbeat to webhook: median {lat:.1f} ms over {len(latencies)}; "
                  f"a direct POST to the webhook {base:.1f} ms (x{lat / base:.1f})")


if __name__ == "__main__":
    main()
