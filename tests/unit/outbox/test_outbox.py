"""The outbox's logic on a real SQLite file, with the hub faked by an httpx.MockTransport."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from local_api.hub_client import HubClient
from local_api.outbox import OutboxFull
from tests.unit.outbox.fakes import ID_NUMBER, SCAN, START, application, make_outbox, store


def raw_rows(tmp_path: Path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "kioskd.sqlite3") as db:
        return db.execute("SELECT idempotency_key, state, payload, files_dir, attempts FROM outbox").fetchall()


def test_stored_submission_is_encrypted_at_rest_and_numbered_provisionally(outbox, tmp_path):
    first, second = store(outbox, 1), store(outbox, 2)
    assert (first.provisional_no, second.provisional_no) == ("P261121-k1-0001", "P261121-k1-0002")
    assert first.created and first.case_no is None
    on_disk = b"".join(row[2] for row in raw_rows(tmp_path)) + b"".join(
        p.read_bytes() for p in (tmp_path / "outbox").rglob("*") if p.is_file())
    assert ID_NUMBER.encode() not in on_disk and "张三".encode() not in on_disk and SCAN not in on_disk
    keys = list(tmp_path.rglob("*.key"))
    assert keys and all(k.stat().st_mode & 0o777 == 0o600 for k in keys)  # the key is readable by kioskd only


def test_same_key_twice_keeps_one_entry_and_the_first_receipt(outbox, tmp_path):
    first = store(outbox, 1)
    again = outbox.store_case("key-1", "elderly_card", application(99), [])
    assert again.provisional_no == first.provisional_no and not again.created
    assert len(raw_rows(tmp_path)) == 1


def test_acknowledged_entry_loses_its_personal_data_and_keeps_its_case_number(outbox, client, hub, tmp_path):
    receipt = store(outbox, 1)
    assert outbox.drain(client) == 1
    sent = hub.cases["key-1"]["body"]
    assert b'"provisional_no": "P261121-k1-0001"' in sent and SCAN + b"\x01" in sent  # decrypted on the way out
    assert outbox.find(receipt.provisional_no) == {"state": "acked", "case_no": "C0001"}
    [(_, state, payload, files_dir, _)] = raw_rows(tmp_path)
    assert (state, payload, files_dir) == ("acked", None, None)
    assert list((tmp_path / "outbox").iterdir()) == []
    assert outbox.drain(client) == 0 and hub.requests == 1


@pytest.mark.parametrize("fault", ["down", "500", "cut"])
def test_hub_fault_keeps_entries_pending_with_backoff_then_sends_once(outbox, client, hub, clock, fault):
    for n in (1, 2):
        store(outbox, n)
    hub.mode = fault
    assert outbox.drain(client) == 0
    status = outbox.status()
    assert status["pending"] == 2 and status["last_error"]
    first_due = outbox.next_due()
    assert START + timedelta(seconds=1) <= first_due <= START + timedelta(seconds=2)
    requests = hub.requests
    assert outbox.drain(client) == 0 and hub.requests == requests  # not due yet: no hammering
    clock.advance(2)
    assert outbox.drain(client) == 0
    assert outbox.next_due() - clock() >= timedelta(seconds=2)  # the wait doubles
    hub.mode = "ok"
    clock.advance(4)
    assert outbox.drain(client) == 2
    assert sorted(hub.cases) == ["key-1", "key-2"]  # a cut answer's retry found the case it had made
    assert outbox.status()["pending"] == 0


def test_backoff_is_capped(tmp_path, clock, client, hub):
    outbox = make_outbox(tmp_path, clock, backoff_base_s=2, backoff_max_s=60)
    store(outbox, 1)
    hub.mode = "down"
    for _ in range(12):
        clock.advance(61)
        outbox.drain(client)
    assert outbox.next_due() - clock() <= timedelta(seconds=60)
    assert raw_rows(tmp_path)[0][4] == 12


def test_rejected_entry_is_kept_for_a_technician_and_does_not_block_others(outbox, client, hub):
    store(outbox, 1)
    hub.mode = "422"
    assert outbox.drain(client) == 0
    store(outbox, 2)
    hub.mode = "ok"
    assert outbox.drain(client) == 1
    assert outbox.status() | {"oldest_pending_age_s": None} == {
        "pending": 0, "failed": 1, "acknowledged": 1, "oldest_pending_age_s": None,
        "last_error": outbox.status()["last_error"]}
    assert "422" in outbox.status()["last_error"]


def test_rating_waits_for_its_case_number(outbox, client, hub, clock):
    receipt = store(outbox, 1)
    outbox.store_rating("rate-1", "elderly_card", {"level": "very_satisfied"}, case_no=None,
                        provisional_no=receipt.provisional_no)
    hub.mode = "down"
    outbox.drain(client)
    assert hub.ratings == []
    hub.mode = "ok"
    clock.advance(10)
    outbox.drain(client)
    clock.advance(10)
    outbox.drain(client)
    assert hub.ratings == [{"level": "very_satisfied", "case_no": "C0001"}]
    assert outbox.status()["acknowledged"] == 2


def test_a_second_rating_of_a_rated_case_is_settled_not_left_for_a_technician(outbox, client, hub, clock):
    for key, level in (("rate-1", "very_satisfied"), ("rate-2", "satisfied")):
        outbox.store_rating(key, "elderly_card", {"level": level}, case_no="C0001", provisional_no=None)
    outbox.drain(client)
    clock.advance(10)
    outbox.drain(client)
    assert hub.ratings == [{"level": "very_satisfied", "case_no": "C0001"}]  # the hub keeps the first
    status = outbox.status()
    assert status["acknowledged"] == 2 and status.get("failed", 0) == 0


def test_purge_forgets_old_acknowledged_entries_only(outbox, client, hub, clock):
    old = store(outbox, 1)
    outbox.drain(client)
    clock.advance(8 * 86400)
    recent = store(outbox, 2)
    outbox.drain(client)
    hub.mode = "down"
    waiting = store(outbox, 3)
    outbox.drain(client)
    assert outbox.purge(timedelta(days=7)) == 1
    assert outbox.find(old.provisional_no) is None
    assert outbox.find(recent.provisional_no) == {"state": "acked", "case_no": "C0002"}
    assert outbox.find(waiting.provisional_no)["state"] == "pending"


def test_status_reports_the_oldest_waiting_entry(outbox, client, hub, clock):
    hub.mode = "down"
    store(outbox, 1)
    clock.advance(90)
    store(outbox, 2)
    outbox.drain(client)
    status = outbox.status()
    assert (status["pending"], status["oldest_pending_age_s"]) == (2, 90.0)
    assert "ConnectError" in status["last_error"]


def test_no_room_refuses_without_leaving_anything(tmp_path, clock):
    outbox = make_outbox(tmp_path, clock)
    outbox.min_free_bytes = 1 << 60
    with pytest.raises(OutboxFull):
        store(outbox, 1)
    assert raw_rows(tmp_path) == [] and list((tmp_path / "outbox").iterdir()) == []


def test_refused_token_keeps_entries_waiting_until_the_kiosk_is_provisioned_again(outbox, client, hub, clock):
    store(outbox, 1)
    hub.mode = "401"
    assert outbox.drain(client) == 0
    assert outbox.status()["pending"] == 1  # the bytes are fine; the kiosk's credentials are not
    hub.mode = "ok"
    clock.advance(10)
    assert outbox.drain(client) == 1


def test_an_unreadable_entry_is_set_aside_and_the_rest_still_go(outbox, client, hub, tmp_path):
    broken = store(outbox, 1)
    store(outbox, 2)
    for scan in (tmp_path / "outbox" / "key-1").iterdir():
        scan.write_bytes(b"damaged")
    assert outbox.drain(client) == 1
    assert list(hub.cases) == ["key-2"]
    assert outbox.find(broken.provisional_no)["state"] == "failed"
    assert "unreadable" in outbox.status()["last_error"]


def test_scans_left_behind_by_a_kill_are_deleted_by_the_next_run(tmp_path, clock, client, hub):
    outbox = make_outbox(tmp_path, clock)
    store(outbox, 1)
    store(outbox, 2)
    outbox.drain(client)
    store(outbox, 3)
    # As a kill leaves them: an acknowledged entry's scans, and scans whose row never committed.
    (tmp_path / "outbox" / "key-1").mkdir()
    (tmp_path / "outbox" / "key-1" / "000.bin").write_bytes(b"sealed scan")
    (tmp_path / "outbox" / "never-stored").mkdir()
    (tmp_path / "outbox" / "never-stored" / "000.tmp").write_bytes(b"half a scan")
    restarted = make_outbox(tmp_path, clock)  # at once: a kioskd restarted within the second still sweeps
    real_insert = restarted._insert_case

    def sweep_midway(*args, **kwargs):  # the forwarder's sweep, between a store's scans and its row
        restarted._sweep_orphans()
        return real_insert(*args, **kwargs)

    restarted._insert_case = sweep_midway
    store(restarted, 4)  # a store in progress in this process: its scans are left alone
    restarted._insert_case = real_insert
    restarted.purge(timedelta(days=7))
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["key-3", "key-4"]
    assert restarted.drain(client) == 2


def test_an_answer_without_a_case_number_is_retried_later_not_taken(outbox, hub, clock):
    """A 200 from something that is not the hub (a captive portal, a misrouted proxy) acknowledges nothing."""
    store(outbox, 1)
    store(outbox, 2)
    portal = HubClient("http://hub.test", "token", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json={"status": "ok"})))
    assert outbox.drain(portal) == 0
    status = outbox.status()
    assert status["pending"] == 2 and "case number" in status["last_error"]
    assert outbox.next_due() > clock()  # waits its backoff instead of retrying in a tight loop
    clock.advance(10)
    assert outbox.drain(HubClient("http://hub.test", "token", transport=httpx.MockTransport(hub))) == 2


def test_a_forwarder_whose_drains_keep_failing_backs_off_instead_of_spinning(caplog):
    from local_api.outbox import Forwarder, drain_backoff

    assert [drain_backoff(n) for n in (1, 2, 3, 7, 50)] == [1.0, 2.0, 4.0, 60.0, 60.0]

    class FullDisk:
        """An outbox whose entry is always due and whose ack can never be written."""

        def __init__(self) -> None:
            self.drains = 0
            self.clock = lambda: datetime.now(UTC)

        def drain(self, client) -> None:
            self.drains += 1
            raise sqlite3.OperationalError("database or disk is full")

        def purge(self, retention) -> int:
            return 0

        def next_due(self) -> datetime:
            return self.clock()

    class NoHub:
        def close(self) -> None:
            pass

    outbox = FullDisk()
    forwarder = Forwarder(outbox, client=NoHub(), idle_s=30.0)  # type: ignore[arg-type]
    forwarder.start()
    time.sleep(2.5)  # tries at 0 s and 1 s, the next not before 3 s
    forwarder.stop()
    assert outbox.drains <= 3, f"{outbox.drains} drains in 2.5 s: the forwarder spins on a full disk"
    assert outbox.drains >= 2  # it does retry: after 1 s
    assert caplog.text.count("outbox drain failed") == 1  # one log line, not one per try


def test_a_flush_after_the_network_is_fixed_sends_entries_still_in_their_backoff(outbox, client, hub):
    store(outbox, 1)
    store(outbox, 2)
    hub.mode = "down"
    assert outbox.drain(client) == 0  # both now wait out a backoff
    hub.mode = "ok"
    assert outbox.drain(client) == 0, "nothing is due yet: the flush is what makes them go"
    assert outbox.retry_now() == 2
    assert outbox.drain(client) == 2 and len(hub.cases) == 2
    assert outbox.retry_now() == 0  # acknowledged entries are not touched
