"""Outbox drain rate after an outage: N small submissions queued while the hub is down, then sent.

Run: .venv/bin/python tests/bench/bench_outbox.py [--count N] [--batch B]
A real ``kioskhub serve`` process on 127.0.0.1; the kiosk side is the real Outbox on a SQLite file in a
temporary dir (WAL, synchronous=FULL, as kioskd). Each submission is a small application with one 1 KiB
scan. Rates are medians over batches of B (the forwarder drains 100 at a time); the baseline is the
same submissions sent as plain POSTs through HubClient, without the outbox, in this run (--baseline
limits how many, when the full count takes too long).
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

from local_api.hub_client import HubClient, UploadFile  # noqa: E402
from tests.hub_process import kioskhub  # noqa: E402
from tests.integration.outbox.helpers import application, open_outbox, page  # noqa: E402


def rates(times: list[float], batch: int) -> tuple[float, float]:
    """(median per-batch rate, overall rate) in submissions per second."""
    return statistics.median(batch / t for t in times), batch * len(times) / sum(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=None, help="plain POSTs to time (default: --count)")
    args = parser.parse_args()
    count, batch = args.count, args.batch
    baseline = min(count, args.baseline or count)
    with tempfile.TemporaryDirectory() as tmp, kioskhub(Path(tmp) / "hub", "bench-kiosk", start=False) as hub:
        outbox = open_outbox(Path(tmp) / "kiosk", "bench-kiosk", min_free_bytes=0)
        started = time.perf_counter()
        for n in range(count):
            outbox.store_case(f"bench-{n}", "elderly_card", application(n), page(n))
        stored_s = time.perf_counter() - started
        print(f"stored {count} submissions while the hub was down: {count / stored_s:.0f}/s ({stored_s:.1f} s)")

        hub.start()
        client = HubClient(hub.url, hub.kiosk_token, timeout=30)
        drain_times: list[float] = []
        sent = 0
        while sent < count:
            t = time.perf_counter()
            done = outbox.drain(client, limit=batch)
            if done == 0:
                raise SystemExit(f"drain stalled after {sent}: {outbox.status()}")
            drain_times.append(time.perf_counter() - t)
            sent += done
        status = outbox.status()
        assert status["pending"] == 0 and status["acknowledged"] == count, status

        plain_times: list[float] = []
        for first in range(0, baseline, batch):
            t = time.perf_counter()
            for n in range(first, min(baseline, first + batch)):
                f = page(n)[0]
                app = {**application(n), "provisional_no": f"B-{n}"}
                client.submit_case(f"plain-{n}", app, [UploadFile(f.name, f.content_type, f.data)])
            plain_times.append(time.perf_counter() - t)
        client.close()

    drain_med, drain_all = rates(drain_times, batch)
    plain_med, plain_all = rates(plain_times, batch)
    print(f"outbox drain after the outage: median {drain_med:.1f}/s per batch of {batch}, "
          f"{drain_all:.1f}/s overall, {count} in {sum(drain_times):.1f} s")
    print(f"baseline {baseline} plain POSTs (no outbox): median {plain_med:.1f}/s per batch, {plain_all:.1f}/s overall")
    print(f"ratio outbox/plain (medians): {drain_med / plain_med:.2f}")


if __name__ == "__main__":
    main()
