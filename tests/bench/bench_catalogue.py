"""Time from ``publish`` to every kiosk of a site serving the new catalogue version (20 simulated kiosks).

Run: .venv/bin/python tests/bench/bench_catalogue.py [--kiosks 20] [--poll 1.0] [--rounds 3]
The hub is a real ``kioskhub serve`` process; each simulated kiosk is kioskd's own ``CatalogueUpdater``
with its own HubClient over HTTP, its own data folder and a switch that records when it happened (the
check of signature, files and every item runs as on a kiosk). Each round publishes a new version and waits
until all kiosks switched. Baseline in the same process: one kiosk's update done at once (download, check,
switch) without waiting for its poll; the fleet's time is mostly the poll interval (KIOSK_CATALOGUE_POLL_S).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.loader import DEFINITIONS_DIR  # noqa: E402
from hub.catalogue_bundles import public_key_text, publish  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.registry import add_kiosk  # noqa: E402
from local_api.catalogue_updates import CatalogueUpdater  # noqa: E402
from local_api.hub_client import HubClient  # noqa: E402
from tests.hub_process import kioskhub  # noqa: E402

SITE = "yc-hall"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        hall = tmp / "hall"
        hall.mkdir()
        for name in ("case_progress_query.yaml", "queue_ticket.yaml", "housing_fund_query.yaml"):
            shutil.copy(DEFINITIONS_DIR / name, hall)
        with kioskhub(tmp / "hub", "k00") as hub:
            db = Database(f"sqlite:///{(hub.data_dir / 'kioskhub.sqlite3').resolve()}", 1)
            now = dt.datetime.now(dt.UTC)
            tokens = {"k00": hub.kiosk_token}
            with db.write() as s, s.begin():
                for i in range(1, args.kiosks):
                    tokens[f"k{i:02d}"] = add_kiosk(s, f"k{i:02d}", SITE, now)
            db.dispose()
            key = public_key_text(hub.data_dir)
            switched: dict[str, float] = {}
            changed = threading.Condition()

            def switcher(kiosk: str):
                def switch(version: int, folder: Path) -> None:
                    with changed:
                        switched[kiosk] = time.perf_counter()
                        changed.notify_all()
                return switch

            updaters = []
            for kiosk, token in tokens.items():
                folder = tmp / "kiosks" / kiosk
                folder.mkdir(parents=True)
                updaters.append(CatalogueUpdater(
                    data_dir=folder, key_text=key, site=lambda: SITE, interval_s=args.poll,
                    client=HubClient(hub.url, token, kiosk_id=kiosk), switch=switcher(kiosk)))
            for updater in updaters:
                updater.start()
            whole, median_kiosk = [], []
            for _ in range(args.rounds):
                with changed:
                    switched.clear()
                start = time.perf_counter()
                publish(hub.data_dir, SITE, hall, dt.datetime.now(dt.UTC))
                with changed:
                    assert changed.wait_for(lambda: len(switched) == len(tokens), timeout=120), switched
                times = sorted(t - start for t in switched.values())
                whole.append(times[-1] * 1000)
                median_kiosk.append(statistics.median(times) * 1000)
            for updater in updaters:
                updater.stop()

            # baseline: one kiosk's whole update at once, without its poll
            alone = []
            for _ in range(args.rounds):
                folder = tmp / "alone" / str(len(alone))
                folder.mkdir(parents=True)
                single = CatalogueUpdater(data_dir=folder, key_text=key, site=lambda: SITE,
                                          client=HubClient(hub.url, hub.kiosk_token, kiosk_id="k00"),
                                          switch=lambda version, path: None)
                start = time.perf_counter()
                assert single.update() == "switched"
                alone.append((time.perf_counter() - start) * 1000)
        fleet_ms, median_ms = statistics.median(whole), statistics.median(median_kiosk)
        one_ms = statistics.median(alone)
        print(f"publish -> all {len(tokens)} kiosks serving the new version: median {fleet_ms:.0f} ms over "
              f"{args.rounds} rounds (median kiosk {median_ms:.0f} ms; poll {args.poll:g} s); one kiosk's update "
              f"alone {one_ms:.0f} ms (x{fleet_ms / one_ms:.1f})")


if __name__ == "__main__":
    main()
