"""Exactly once for every kind the outbox sends, durable provisional numbers, and the citizen's outcome."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from local_api.crypto import Sealer
from local_api.db.engine import make_engine, migrate, session_factory
from local_api.outbox import MISSED, RECEIPTED, SHOWN, Outbox
from local_api.settings import Settings
from tests.unit.outbox.fakes import Clock, application, make_outbox, store

RATING = {"level": "very_satisfied", "channel": "self_service_terminal"}


def outcome(tmp_path, key: str) -> tuple[str, bool]:
    with sqlite3.connect(tmp_path / "kioskd.sqlite3") as db:
        value, resume = db.execute("SELECT outcome, resume IS NOT NULL FROM outbox WHERE idempotency_key = ?",
                                   (key,)).fetchone()
    return value, bool(resume)


def test_a_rating_resent_after_its_answer_was_lost_is_counted_once(outbox, client, hub):
    receipt = store(outbox, 1)
    outbox.drain(client)
    outbox.store_rating("rate-1", "elderly_card", RATING, case_no=outbox.case_no_for(receipt.provisional_no),
                        provisional_no=None)
    hub.mode = "cut"  # the hub saves the rating, the kiosk never hears: it must send the same key again
    outbox.drain(client)
    hub.mode = "ok"
    outbox.retry_now()
    outbox.drain(client)
    assert hub.ratings == [{**RATING, "case_no": "C0001"}]
    assert list(hub.rating_keys) == ["rate-1"]
    assert outbox.status() == {**outbox.status(), "pending": 0, "acknowledged": 2}


def test_a_rating_waiting_for_its_case_goes_at_the_ack_and_waiting_is_no_failure(outbox, client, hub, clock,
                                                                                 tmp_path):
    hub.mode = "down"
    receipt = store(outbox, 1)
    outbox.store_rating("rate-1", "elderly_card", RATING, case_no=None, provisional_no=receipt.provisional_no)
    for _ in range(6):  # the case fails six times; the rating only waits
        outbox.retry_now()
        outbox.drain(client)
    with sqlite3.connect(tmp_path / "kioskd.sqlite3") as db:
        attempts = dict(db.execute("SELECT kind, attempts FROM outbox").fetchall())
    assert attempts == {"case": 6, "rating": 0}
    hub.mode = "ok"
    outbox.retry_now()
    outbox.drain(client)  # the case goes, and its rating right behind it: no backoff left to sit out
    assert hub.ratings == [{**RATING, "case_no": "C0001"}]
    assert outbox.next_due() is None


def test_the_ack_of_a_case_makes_its_waiting_rating_due_at_once(outbox, client, hub, clock):
    hub.mode = "down"
    receipt = store(outbox, 1)
    outbox.store_rating("rate-1", "elderly_card", RATING, case_no=None, provisional_no=receipt.provisional_no)
    outbox.drain(client)  # the case fails (back in 1-2 s); the rating waits for it (looks again in a minute)
    hub.mode = "ok"
    clock.advance(3)
    assert outbox.drain(client) == 1  # only the case was due
    assert outbox.next_due() <= clock()  # its rating need not sit out its minute
    assert outbox.drain(client) == 1
    assert hub.ratings == [{**RATING, "case_no": "C0001"}]


def test_a_real_failure_after_waiting_backs_off_from_the_first_step(outbox, client, hub, clock):
    receipt = store(outbox, 1)
    outbox.store_rating("rate-1", "elderly_card", RATING, case_no=None, provisional_no=receipt.provisional_no)
    for _ in range(10):  # the rating is looked at while its case has not gone yet
        outbox.forward(2, client)
    outbox.drain(client)  # the case is acknowledged
    hub.mode = "500"
    outbox.drain(client)  # the rating's first real failure
    assert outbox.next_due() - clock() <= timedelta(seconds=2.0)


def test_provisional_numbers_never_repeat_whatever_retention_purges(outbox, client, clock):
    first = store(outbox, 1)
    outbox.drain(client)
    clock.advance(3600)
    assert outbox.purge(timedelta(minutes=30)) == 1  # the row that counted 0001 is gone
    assert store(outbox, 2).provisional_no == "P261121-k1-0002" != first.provisional_no


def test_provisional_numbers_carry_the_halls_date(tmp_path):
    clock = Clock()
    clock.now = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)  # 00:30 on the 22nd in Beijing
    outbox = make_outbox(tmp_path, clock)
    assert store(outbox, 1).provisional_no == "P261122-k1-0001"
    assert make_outbox(tmp_path / "x", clock, timezone="UTC").store_case(
        "k", "elderly_card", application(), []).provisional_no == "P261121-k1-0001"


def test_upgrading_keeps_counting_after_the_numbers_already_given(tmp_path):
    engine = make_engine(tmp_path / "kioskd.sqlite3")
    migrate(engine, "0004")
    with sqlite3.connect(tmp_path / "kioskd.sqlite3") as db:
        for n in (3, 7):
            db.execute("INSERT INTO outbox (kind, idempotency_key, provisional_no, item_code, state, created_at, "
                       "next_attempt_at, attempts, last_error) VALUES ('case', ?, ?, 'x', 'acked', ?, ?, 0, '')",
                       (f"old-{n}", f"P261121-k1-{n:04d}", "2026-11-21 02:00:00", "2026-11-21 02:00:00"))
    migrate(engine)
    outbox = Outbox(session_factory(engine), tmp_path / "outbox", Sealer(tmp_path / "outbox.key"), lambda: "k1",
                    clock=Clock(), min_free_bytes=0)
    assert store(outbox, 1).provisional_no == "P261121-k1-0008"


@pytest.mark.parametrize("days", ["0", "0.5"])
def test_retention_below_a_day_is_refused(days, monkeypatch):
    monkeypatch.setenv("KIOSK_OUTBOX_RETENTION_DAYS", days)
    with pytest.raises(ValidationError, match="outbox_retention_days"):
        Settings()


def test_a_failure_streak_is_logged_once_with_the_hubs_answer_then_its_end(outbox, client, hub, caplog):
    caplog.set_level(logging.INFO, logger="local_api.outbox")
    store(outbox, 1)
    hub.mode = "500"
    for _ in range(5):
        outbox.retry_now()
        outbox.drain(client)
    hub.mode = "ok"
    outbox.retry_now()
    outbox.drain(client)
    lines = [r for r in caplog.records if r.name == "local_api.outbox"]
    assert [r.getMessage() for r in lines] == ["sending to the hub failed; will retry",
                                               "sending to the hub works again"]
    assert lines[0].error == "hub answered 500"
    assert "张三" not in caplog.text and "64010419900101123X" not in caplog.text


# -- the citizen's outcome ---------------------------------------------------------------------------

def store_with_session(outbox: Outbox, n: int, session: bytes = b'{"session": 1}'):
    return outbox.store_case(f"key-{n}", "elderly_card", application(n), [], subject_hash="s1", resume=session)


def test_the_session_kept_with_a_case_is_sealed_and_dropped_once_the_receipt_is_out(outbox, tmp_path):
    store_with_session(outbox, 1, b'{"card": {"name": "\\u5f20\\u4e09"}}')
    with sqlite3.connect(tmp_path / "kioskd.sqlite3") as db:
        (blob,) = db.execute("SELECT resume FROM outbox").fetchone()
    assert "张三".encode() not in blob and b"\\u5f20" not in blob
    outbox.mark("key-1", SHOWN)
    assert outcome(tmp_path, "key-1") == ("shown", True)  # shown but not printed: still resumable
    outbox.mark("key-1", RECEIPTED)
    outbox.mark("key-1", SHOWN)  # never backwards
    assert outcome(tmp_path, "key-1") == ("receipted", False)


def test_only_a_recent_session_is_resumed_an_older_unseen_one_is_reported_missed(outbox, client, hub, clock,
                                                                                   tmp_path):
    store_with_session(outbox, 1)
    clock.advance(600)
    store_with_session(outbox, 2)
    outbox.mark("key-2", SHOWN)
    clock.advance(60)
    store_with_session(outbox, 3, b'{"latest": 1}')
    key, session = outbox.to_resume(timedelta(minutes=5))
    assert (key, session) == ("key-3", b'{"latest": 1}')
    assert outcome(tmp_path, "key-1") == ("missed", False)  # nobody saw its number: staff are told
    assert outcome(tmp_path, "key-2") == ("shown", False)  # seen on screen; only the resume copy goes
    outbox.drain(client)
    outbox.drain(client)
    assert list(hub.notices.values()) == [{"case_no": "C0001", "notice": "receipt_not_shown"}]
    assert list(hub.notices) == ["key-1-receipt_not_shown"]


def test_a_repeat_is_found_by_person_and_item_within_the_window_only(outbox, clock):
    store_with_session(outbox, 1)
    assert outbox.recent_case("s1", "elderly_card", timedelta(minutes=30))["provisional_no"] == "P261121-k1-0001"
    assert outbox.recent_case("s2", "elderly_card", timedelta(minutes=30)) is None
    assert outbox.recent_case("s1", "residence_permit", timedelta(minutes=30)) is None
    clock.advance(31 * 60)
    assert outbox.recent_case("s1", "elderly_card", timedelta(minutes=30)) is None


def test_missed_twice_sends_one_notice(outbox, client, hub):
    store_with_session(outbox, 1)
    outbox.mark("key-1", MISSED)
    outbox.mark("key-1", MISSED)
    outbox.drain(client)
    outbox.drain(client)
    assert len(hub.notices) == 1
