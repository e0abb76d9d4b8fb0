"""The database starts cleanly from nothing and from every earlier schema, keeping its rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, select, text

from local_api.db.engine import current_revision, make_engine, migrate, session_factory
from local_api.db.models import DeviceEvent

HEAD = "0005"


def test_fresh_data_dir_reaches_head_in_wal_mode(tmp_path):
    engine = make_engine(tmp_path / "k.sqlite3")
    migrate(engine)
    assert current_revision(engine) == HEAD
    with engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert {"device_events", "session_audit", "consents"} <= set(inspect(engine).get_table_names())


def test_old_data_dir_is_upgraded_without_losing_rows(tmp_path):
    engine = make_engine(tmp_path / "k.sqlite3")
    migrate(engine, "0001")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO device_events (at, device, health, message, sensors)"
                " VALUES (:at, 'printer', 'error', 'paper out', '{}')"
            ),
            {"at": datetime(2026, 1, 2, tzinfo=UTC)},
        )
    assert "session_audit" not in inspect(engine).get_table_names()
    engine.dispose()

    engine = make_engine(tmp_path / "k.sqlite3")
    migrate(engine)
    assert current_revision(engine) == HEAD
    with session_factory(engine)() as s:
        events = s.scalars(select(DeviceEvent)).all()
    assert [(e.device, e.message) for e in events] == [("printer", "paper out")]
    migrate(engine)  # a second start is a no-op
    assert current_revision(engine) == HEAD
