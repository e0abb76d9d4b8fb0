"""The fleet view's words for devices and kiosks, and the problems alerts are raised from."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.fleet import FilterError, Limits, device_state, fleet, problems
from hub.registry import KioskInfo

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
LIMITS = Limits(silent_s=300, device_offline_s=300, backlog_entries=20, backlog_age_s=3600,
                disk_free_bytes=1024**3)


@pytest.mark.parametrize(("report", "state"), [
    ({"health": "online", "sensors": {"paper": "ok", "cover_open": False}}, "online"),
    ({"health": "online", "sensors": {"paper": "near_end"}}, "paper_near_end"),
    ({"health": "offline", "message": "paper out", "sensors": {"paper": "out"}}, "paper_out"),
    ({"health": "error", "sensors": {"paper_out": True}}, "paper_out"),  # an older kioskd's sensor
    ({"health": "offline", "sensors": {"paper": "ok", "cover_open": True}}, "cover_open"),
    ({"health": "online", "sensors": {"media": "low"}}, "paper_near_end"),  # the A4 printer over IPP
    ({"health": "offline", "sensors": {"media": "empty"}}, "paper_out"),
    ({"health": "error"}, "error"),
    ({"health": "offline"}, "offline"),
    ({"health": "unknown"}, "unknown"),
])
def test_device_state_reads_health_and_sensors(report, state):
    assert device_state(report) == state


def beat(**fields):
    return {"software_version": "1.2", "devices": {}, **fields}


def test_a_healthy_kiosk_seen_a_minute_ago_has_no_problem():
    assert problems(beat(outbox_pending=3, disk_free_bytes=5 * 1024**3), NOW - dt.timedelta(minutes=1), NOW,
                    LIMITS) == []


def test_each_threshold_is_a_problem_of_its_own_kind():
    status = beat(
        devices={"printer": {"health": "offline", "message": "缺纸", "sensors": {"paper": "out"}},
                 "camera": {"health": "error", "message": "no frames"}, "id_reader": {"health": "online"}},
        outbox_pending=20, outbox_oldest_pending_s=3600.0, disk_free_bytes=1024**3 - 1,
        catalog_problems=["hall/x.yaml:3: unknown step kind"])
    found = {(p.kind, p.subject) for p in problems(status, NOW - dt.timedelta(minutes=6), NOW, LIMITS)}
    assert found == {("silent", ""), ("paper_out", "printer"), ("device_error", "camera"), ("backlog", ""),
                     ("backlog_age", ""), ("disk_low", ""), ("catalog", "")}
    # one below every limit: nothing but the devices
    calm = beat(outbox_pending=19, outbox_oldest_pending_s=3599.0, disk_free_bytes=1024**3)
    assert problems(calm, NOW - dt.timedelta(seconds=299), NOW, LIMITS) == []


def test_an_older_kiosks_heartbeat_says_less_and_that_is_no_problem():
    old = {"software_version": "0.1.0", "devices": {"printer": {"health": "online", "message": "ready"}},
           "outbox_pending": 0}
    assert problems(old, NOW, NOW, LIMITS) == []


def kiosk(kiosk_id, site, region, status, seen=NOW, revoked=False):
    return KioskInfo(kiosk_id, site, "hall", region, revoked, seen, status)


def test_filters_by_site_region_prefix_and_problem():
    paper_out = beat(devices={"printer": {"health": "offline", "sensors": {"paper": "out"}}})
    kiosks = [kiosk("a1", "yc-hall", "640104", beat()), kiosk("a2", "yc-hall", "640104", paper_out),
              kiosk("b1", "sz-post", "640202", beat(), seen=NOW - dt.timedelta(hours=2)),
              kiosk("c1", "yc-bank", "640105", None, seen=None, revoked=True)]
    everything = fleet(kiosks, NOW, LIMITS)
    assert [k.id for k in everything.kiosks] == ["a1", "a2", "b1", "c1"]
    assert everything.counts.model_dump() == {"kiosks": 3, "online": 2, "offline": 1, "with_problems": 2}
    assert everything.kiosks[3].problems == []  # a revoked kiosk is not expected to beat
    assert [k.id for k in fleet(kiosks, NOW, LIMITS, site="yc-hall").kiosks] == ["a1", "a2"]
    assert [k.id for k in fleet(kiosks, NOW, LIMITS, region="6401").kiosks] == ["a1", "a2", "c1"]
    assert [k.id for k in fleet(kiosks, NOW, LIMITS, problem="any").kiosks] == ["a2", "b1"]
    assert [k.id for k in fleet(kiosks, NOW, LIMITS, problem="silent").kiosks] == ["b1"]
    assert fleet(kiosks, NOW, LIMITS).kiosks[1].devices["printer"].state == "paper_out"
    with pytest.raises(FilterError, match="one of silent, paper_out"):
        fleet(kiosks, NOW, LIMITS, problem="paper")
    with pytest.raises(FilterError, match="digits"):
        fleet(kiosks, NOW, LIMITS, region="银川")
