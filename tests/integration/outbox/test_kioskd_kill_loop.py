"""The real kioskd SIGKILLed at random moments of citizen sessions, again and again: nothing lost, nothing doubled.

Each round starts kioskd on the same data dir, plays an application over HTTP as the UI would and
kills the daemon at a random moment: before the submit, while it is stored, while it is forwarded
or after. A last undisturbed run drains the outbox. Every number a citizen was shown must then be
on the hub exactly once, and the hub must hold exactly the cases the kiosk stored.
(test_kill_loop.py does the same many more times over with the outbox code alone, quicker per kill.)
"""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time

import pytest

from tests.citizen import play as play_session
from tests.daemon import kioskd
from tests.integration.outbox.helpers import play, wait_for
from tests.integration.outbox.test_kioskd_outbox import ITEM, settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROUNDS = 6


def test_kioskd_killed_at_random_moments_of_sessions_loses_and_duplicates_nothing(kiosk, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    kiosk.hub_up()
    data = tmp_path / "kiosk"
    told: list[dict] = []  # what each citizen was shown before the kill, if anything
    for _ in range(ROUNDS):
        with kioskd(data, **settings(kiosk, tmp_path)) as daemon:
            shown: dict = {}

            def citizen() -> None:
                try:
                    with daemon.client() as c:
                        current = c.get("/sessions/current")  # resumed: the citizen is shown their number now
                        snap = play_session(c, current.json()["id"], until="submitted", timeout=60,
                                            fail_on_error=False)[1] if current.status_code == 200 else \
                            play(c, ITEM, until="submitted", timeout=60)
                    if snap.get("provisional_no") or snap.get("case_no"):
                        shown.update(provisional_no=snap["provisional_no"], case_no=snap["case_no"])  # noqa: B023
                except Exception:  # the daemon was killed under the citizen
                    pass

            thread = threading.Thread(target=citizen, daemon=True)
            thread.start()
            time.sleep(rng.uniform(1.0, 6.0))  # a session takes about 4 s here; its submit comes near the end
            daemon.stop(signal.SIGKILL)
            thread.join(60)
            if shown:
                told.append(shown)

    with kioskd(data, **settings(kiosk, tmp_path)) as daemon, daemon.client() as c:
        wait_for(lambda: c.get("/outbox/status").json()["pending"] == 0, 120, "the outbox to drain")
    with sqlite3.connect(data / "kioskd.sqlite3") as db:
        rows = db.execute("SELECT idempotency_key, provisional_no, state, case_no FROM outbox WHERE kind = 'case'"
                          ).fetchall()
    note = f"(seed {seed}, {ROUNDS} kills, {len(told)} citizens shown a number, {len(rows)} stored)"
    assert told, f"no session got as far as its number before a kill {note}"
    stored = {provisional: case_no for _, provisional, _, case_no in rows}
    for receipt in told:  # the citizen saw the platform's case number, or the kiosk's provisional one
        if receipt["provisional_no"] is None:
            assert list(stored.values()).count(receipt["case_no"]) == 1, f"{receipt} {note}"
            continue
        assert receipt["provisional_no"] in stored, f"a citizen's submission was lost {receipt} {note}"
        on_hub = [case["case_no"] for case in kiosk.cases(receipt["provisional_no"])]
        assert on_hub == [stored[receipt["provisional_no"]]], f"{receipt} {on_hub} {note}"
        assert receipt["case_no"] in (None, on_hub[0]), note
    assert all(state == "acked" for _, _, state, _ in rows), note
    assert sorted(kiosk.case_keys()) == sorted(key for key, *_ in rows), f"hub and kiosk disagree {note}"
    print(note)
