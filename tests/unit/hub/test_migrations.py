"""The migrations build exactly the schema the models describe, and an upgrade keeps the rows it finds."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.orm import sessionmaker

from hub import queue, replies
from hub.db.models import Base, QueueTicket
from hub.db.session import Database, current_revision, make_engine, migrate
from hub.personal import Keys
from hub.registry import add_kiosk, kiosk_for_token

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
ZONE = ZoneInfo("Asia/Shanghai")


def test_migrated_schema_matches_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    assert current_revision(engine) is None
    migrate(engine)
    migrate(engine)  # a second start is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert current_revision(engine) is not None
    engine.dispose()


def test_a_hub_at_0007_is_upgraded_without_losing_rows_and_keeps_replies_afterwards(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = make_engine(url)
    migrate(engine, "0007")
    with sessionmaker(engine)() as db, db.begin():
        token = add_kiosk(db, "k1", "hall-1", NOW)
        queue.add_service(db, "hall-1", "social_security", "A", "社保业务", 6, 2)
        ticket = queue.LocalTicket("Z001", "social_security", NOW, None)
        assert queue.record_local(db, "hall-1", "k1", [ticket], NOW, ZONE).accepted == 1
    assert "kiosk_replies" not in inspect(engine).get_table_names()
    engine.dispose()

    hub = Database(url, 1)
    migrate(hub.engine)
    assert current_revision(hub.engine) >= "0008"
    with hub.read() as db:
        assert kiosk_for_token(db, token).id == "k1"
        assert [t.number for t in db.scalars(select(QueueTicket))] == ["Z001"]
    mac = replies.request_mac(Keys(b"s" * 32), replies.LOCAL_TICKETS, ["Z002"])
    def work(n: int):
        return lambda _db: (200, {"accepted": n})

    answers = [replies.once(hub.write, "k1", replies.LOCAL_TICKETS, "local-2", mac, NOW, work(n)) for n in (1, 2)]
    assert [json.loads(a.body) for a in answers] == [{"accepted": 1}, {"accepted": 1}]
    assert [a.replayed for a in answers] == [False, True]
    hub.dispose()
