"""SIGKILL at random moments while submissions are stored and forwarded: nothing lost, nothing doubled.

A worker process opens a kiosk data dir with the real Outbox and Forwarder and stores a batch of
submissions while forwarding them to a real kioskhub; it is killed at a random moment, many times
over. A last undisturbed run drains what is left. Then every submission a citizen got a receipt for
must be on the hub exactly once, and the hub must hold nothing the kiosk does not know of.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.outbox.conftest import Kiosk
from tests.integration.outbox.helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("outbox_worker.py")
ITERATIONS = 16
TIME_BUDGET_S = 45.0
BATCH = 6


def start_worker(kiosk: Kiosk, data: Path, first: int, count: int, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(out, "wb") as fh:
        return subprocess.Popen([sys.executable, str(WORKER), str(data), kiosk.id, kiosk.hub.url, kiosk.token,
                                 str(first), str(count)], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def stored_lines(out: Path) -> dict[str, str]:
    return {parts[1]: parts[2] for parts in (line.split() for line in out.read_text().splitlines())
            if len(parts) == 3 and parts[0] == "stored"}


def test_sigkill_at_random_points_loses_and_duplicates_nothing(kiosk, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    kiosk.hub_up()
    data = tmp_path / "kiosk"
    receipts: dict[str, str] = {}
    kills = 0
    deadline = time.monotonic() + TIME_BUDGET_S
    while kills < ITERATIONS and time.monotonic() < deadline:
        out = tmp_path / f"run-{kills}.txt"
        worker = start_worker(kiosk, data, kills * BATCH, BATCH, out)
        wait_for(lambda: "ready" in out.read_text() or worker.poll() is not None, 60, "worker start")  # noqa: B023
        assert worker.poll() is None, out.read_text()[-2000:]
        time.sleep(rng.uniform(0.0, 0.6))
        worker.kill()
        worker.wait()
        receipts |= stored_lines(out)
        kills += 1

    out = tmp_path / "final.txt"
    final = start_worker(kiosk, data, kills * BATCH, 0, out)
    assert final.wait(120) == 0, out.read_text()[-2000:]
    assert "drained" in out.read_text()

    with sqlite3.connect(data / "kioskd.sqlite3") as db:
        rows = db.execute("SELECT idempotency_key, provisional_no, state, case_no, payload IS NULL, files_dir "
                          "FROM outbox").fetchall()
    stored = {key: provisional for key, provisional, *_ in rows}
    note = f"(seed {seed}, {kills} kills, {len(receipts)} receipts, {len(rows)} stored)"
    assert kills >= 5, note  # 15 or so on an idle 2-core machine; fewer when it is busy
    assert receipts, f"no submission was stored before a kill {note}"
    assert {k: stored.get(k) for k in receipts} == receipts, f"a receipted submission was lost {note}"
    assert all(state == "acked" and cleared and files_dir is None for _, _, state, _, cleared, files_dir in rows), note
    assert sorted(kiosk.case_keys()) == sorted(stored), f"hub and kiosk disagree {note}"
    for _key, provisional, _state, case_no, *_ in rows:
        assert [case["case_no"] for case in kiosk.cases(provisional)] == [case_no], f"{provisional} {note}"
    leftovers = sorted(p.name for p in (data / "outbox").iterdir())
    assert not leftovers, f"personal data left on disk after acknowledgement: {leftovers} {note}"
    print(note)  # shown with -rA: how much this run exercised
