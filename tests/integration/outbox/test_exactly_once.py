"""kioskd and the hub SIGKILLed at random moments of citizen sessions, over a slow line: every application,
rating and queue ticket arrives exactly once, and every citizen still at the kiosk learns their number.

Each round starts kioskd on the same data dir (the hub too, if a kill left it down), and a citizen
plays 老年人优待证 to the end (rating included) or takes a queue number. At a random moment of that
session (a step the citizen reaches, plus a random delay) kioskd, the hub or both are killed. A
citizen who is still there when kioskd comes back finds their session resumed and carries on, as a
citizen at the screen would. After the last round the hub stays up and kioskd drains. Then:
- the hub holds exactly the cases the kiosk stored, each once;
- no case was rated twice, and every rating the kiosk stored is on the hub exactly once;
- every queue number from the kiosk's own block was reported exactly once;
- every stored case's number (provisional or the hub's) was shown to its citizen.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.citizen import play, start_and_play
from tests.daemon import RunningDaemon, kioskd
from tests.integration.outbox.conftest import Kiosk
from tests.integration.outbox.faulty_proxy import FaultyProxy
from tests.integration.outbox.helpers import wait_for
from tests.integration.outbox.slow_relay import SlowRelay
from tests.integration.outbox.test_kioskd_outbox import settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
ROUNDS = 12
APPLICATION, TICKET = "elderly_card", "queue_ticket"
KILL_AT = {APPLICATION: ["review", "submit", "submit", "receipt", "rate", "done"], TICKET: ["issue", "ticket"]}


class Citizen:
    """One person at the kiosk for one round: carries on a resumed session, else starts ``item``."""

    def __init__(self, daemon: RunningDaemon, item: str, shown: set[str]) -> None:
        self.daemon, self.item, self.shown = daemon, item, shown
        self.step = ""
        self.resumed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _see(self, snap: dict[str, Any]) -> None:
        self.step = snap["step"]["id"]
        for number in (snap.get("case_no"), snap.get("provisional_no")):
            if number:
                self.shown.add(number)

    def _run(self) -> None:
        try:
            with self.daemon.client() as c:
                current = c.get("/sessions/current")
                if current.status_code == 200:  # kioskd came back with this citizen's session
                    self.resumed = True
                    play(c, current.json()["id"], timeout=90, fail_on_error=False, on_snapshot=self._see)
                else:
                    start_and_play(c, self.item, timeout=90, fail_on_error=False, on_snapshot=self._see)
        except Exception:  # killed under the citizen
            pass


def hub_rows(kiosk: Kiosk, query: str) -> list[tuple]:
    with sqlite3.connect(kiosk.hub.data_dir / "kioskhub.sqlite3") as db:
        return db.execute(query, (kiosk.id,)).fetchall()


def kiosk_rows(data: Path, query: str) -> list[tuple]:
    with sqlite3.connect(data / "kioskd.sqlite3") as db:
        return db.execute(query).fetchall()


def test_kioskd_and_hub_killed_at_random_everything_arrives_exactly_once(kiosk, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    relay = SlowRelay(kiosk.hub.port, seed=seed)
    env = {**settings(kiosk, tmp_path), "KIOSK_HUB_URL": relay.url, "KIOSK_OUTBOX_RETRY_S": "0.5",
           "KIOSK_OUTBOX_RETRY_MAX_S": "4"}
    data = tmp_path / "kiosk"
    shown: set[str] = set()
    kills = Counter()
    resumed = 0
    hub_back: threading.Thread | None = None
    kiosk.hub_up()
    try:
        for _ in range(ROUNDS):
            if hub_back is not None:
                hub_back.join()
            with kioskd(data, **env) as daemon:
                item = APPLICATION if rng.random() < 0.75 else TICKET
                citizen = Citizen(daemon, item, shown)
                target = rng.choice(KILL_AT[item])
                deadline = time.monotonic() + 60
                while citizen.thread.is_alive() and citizen.step != target and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.0, 1.2))
                victim = rng.choices(["kioskd", "hub", "both"], weights=[6, 3, 2])[0]
                if victim in ("hub", "both"):
                    kiosk.hub.kill()
                    kills["hub"] += 1
                    down_s = rng.uniform(0.5, 6.0)
                    hub_back = threading.Thread(target=lambda s=down_s: (time.sleep(s), kiosk.hub_up()))
                    hub_back.start()
                if victim in ("kioskd", "both"):
                    daemon.stop(signal.SIGKILL)
                    kills["kioskd"] += 1
                citizen.thread.join(120)
                resumed += citizen.resumed
        if hub_back is not None:
            hub_back.join()
        kiosk.hub_up()
        hub_returned = time.monotonic()
        with kioskd(data, **env) as daemon:
            last = Citizen(daemon, APPLICATION, shown)  # finishes a resumed session, or applies once more
            last.thread.join(120)
            resumed += last.resumed
            with daemon.client() as c:
                wait_for(lambda: c.get("/outbox/status").json()["pending"] == 0, 180, "the outbox to drain")
                wait_for(lambda: c.get("/queue/local-tickets").json()["pending"] == 0, 60,
                         "the kiosk's own queue numbers to be reported")
                drain_s = time.monotonic() - hub_returned
                status = c.get("/outbox/status").json()
    finally:
        relay.close()
        kiosk.hub_up()

    cases = kiosk_rows(data, "SELECT idempotency_key, provisional_no, case_no, state, outcome FROM outbox "
                             "WHERE kind = 'case'")
    ratings = kiosk_rows(data, "SELECT idempotency_key, state FROM outbox WHERE kind = 'rating'")
    local = kiosk_rows(data, "SELECT hall_day, number, state FROM local_tickets")
    seen = [c for c in cases if c[1] in shown or (c[2] and c[2] in shown)]
    note = (f"(seed {seed}; kills {dict(kills)}; {len(cases)} cases, {len(seen)} shown to their citizen, "
            f"{resumed} sessions resumed; {len(ratings)} ratings; {len(local)} local tickets; "
            f"drained {drain_s:.1f} s after the hub returned)")
    print(note)
    assert kills["kioskd"] >= ROUNDS // 3 and cases, f"too little happened to prove anything {note}"
    assert status["failed"] == 0, f"{status} {note}"

    # Applications: exactly the stored ones, each once.
    assert all(state == "acked" for _, _, _, state, _ in cases), note
    on_hub = [key for (key,) in hub_rows(kiosk, "SELECT idempotency_key FROM cases WHERE kiosk_id = ?")]
    assert sorted(on_hub) == sorted(key for key, *_ in cases), f"hub and kiosk disagree {note}"

    # Ratings: none twice, every stored one once.
    rated = hub_rows(kiosk, "SELECT case_id, idempotency_key FROM ratings WHERE kiosk_id = ?")
    twice = [case for case, n in Counter(case for case, _ in rated).items() if n > 1]
    assert not twice, f"cases rated more than once: {twice} {note}"
    assert all(state == "acked" for _, state in ratings), note
    assert sorted(key for _, key in rated) == sorted(key for key, _ in ratings), note

    # Queue numbers from the kiosk's own block: each reported once.
    reported = Counter((day, number) for day, number in hub_rows(
        kiosk, "SELECT day, local_no FROM queue_tickets WHERE kiosk_id = ? AND local_no IS NOT NULL"))
    assert all(state == "reported" for *_, state in local), note
    assert reported == Counter((day, number) for day, number, _ in local), note

    # The citizen learnt the outcome of every application that was filed.
    assert len(seen) == len(cases), f"filed but never shown: {[c for c in cases if c not in seen]} {note}"


def test_each_kind_sent_again_after_kioskd_died_between_the_hubs_commit_and_its_answer_counts_once(
        kiosk, tmp_path):
    """The hub saves the case, the rating and the batch of local queue numbers, but every answer is cut
    off on the way back (a proxy), and kioskd is killed before it hears anything. The next kioskd
    sends each again with the same key; the hub answers with what it did the first time."""
    kiosk.hub_up()
    proxy = FaultyProxy(kiosk.hub.port)
    env = {**settings(kiosk, tmp_path), "KIOSK_HUB_URL": proxy.url, "KIOSK_OUTBOX_RETRY_S": "0.5",
           "KIOSK_OUTBOX_RETRY_MAX_S": "2"}
    data = tmp_path / "kiosk"
    count = {"cases": "SELECT count(*) FROM cases WHERE kiosk_id = ?",
             "ratings": "SELECT count(*) FROM ratings WHERE kiosk_id = ?",
             "local": "SELECT count(*) FROM queue_tickets WHERE kiosk_id = ? AND local_no IS NOT NULL"}
    try:
        with kioskd(data, **env) as daemon, daemon.client() as c:
            # A rating goes once its case has the hub's number: the first case gets through whole ...
            _, snap = start_and_play(c, APPLICATION, until="submitted", timeout=90)
            wait_for(lambda: c.get("/outbox/status").json()["pending"] == 0, 30, "the first case's answer")
            proxy.mode = "cut"  # ... and from here on every answer is lost on the way back
            play(c, snap["id"], timeout=90)  # its rating
            start_and_play(c, APPLICATION, timeout=90)  # a second case (its rating waits for it)
            start_and_play(c, TICKET, timeout=90)  # no answer for the number: one from the kiosk's block
            wait_for(lambda: [hub_rows(kiosk, sql)[0][0] for sql in count.values()] == [2, 1, 1], 60,
                     "the hub to have saved the second case, the first rating and the local number")
            assert c.get("/outbox/status").json()["pending"] == 3  # it never heard: all three still wait
            assert c.get("/queue/local-tickets").json()["pending"] == 1
            daemon.stop(signal.SIGKILL)
        proxy.mode = "pass"
        with kioskd(data, **env) as daemon, daemon.client() as c:
            wait_for(lambda: c.get("/outbox/status").json()["pending"] == 0, 60, "the outbox to drain")
            wait_for(lambda: c.get("/queue/local-tickets").json()["pending"] == 0, 60, "the local numbers")
    finally:
        proxy.close()
    assert {kind: hub_rows(kiosk, sql)[0][0] for kind, sql in count.items()} == {"cases": 2, "ratings": 2,
                                                                                  "local": 1}
    assert proxy.seen.count("cut") >= 3 and "pass" in proxy.seen
