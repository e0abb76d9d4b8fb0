"""A stand-in for kioskd's submit and forward paths, to be SIGKILLed at a random moment.

Usage: python outbox_worker.py DATA_DIR KIOSK_ID HUB_URL TOKEN FIRST COUNT

Opens the outbox of DATA_DIR with the real Outbox and Forwarder, stores COUNT small submissions
with keys ``kill-FIRST`` ... while the forwarder sends them, printing ``stored KEY PROVISIONAL`` once
each is stored (the moment a citizen would get a receipt), then ``drained`` when nothing is pending.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from local_api.hub_client import HubClient
from local_api.outbox import Forwarder
from tests.integration.outbox.helpers import application, open_outbox, page


def main(data_dir: str, kiosk_id: str, hub_url: str, token: str, first: str, count: str) -> int:
    # Migrated by the first run (which is only killed once ready); skipping Alembic keeps restarts quick.
    outbox = open_outbox(Path(data_dir), kiosk_id, migrate=False, min_free_bytes=0, backoff_base_s=0.1,
                         backoff_max_s=0.5)
    forwarder = Forwarder(outbox, HubClient(hub_url, token, timeout=10), idle_s=0.1)
    forwarder.start()
    print("ready", flush=True)
    for n in range(int(first), int(first) + int(count)):
        receipt = outbox.store_case(f"kill-{n}", "elderly_card", application(n), page(n))
        print("stored", f"kill-{n}", receipt.provisional_no, flush=True)
        forwarder.wake()
    while outbox.status()["pending"]:
        time.sleep(0.05)
    forwarder.stop()
    outbox.purge(timedelta(days=7))  # as the forwarder does on each pass
    print("drained", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
