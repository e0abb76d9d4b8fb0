"""What kioskd sends the hub every minute is exactly what the hub's heartbeat schema accepts."""

from __future__ import annotations

from types import SimpleNamespace

from drivers.base import DeviceStatus, Health
from flows.catalog import Catalog
from flows.validate import Problem
from hub.schemas import Heartbeat
from local_api.main import _heartbeat_report


def _manager(**statuses: DeviceStatus) -> SimpleNamespace:
    slots = {name: SimpleNamespace(device=SimpleNamespace(status=s)) for name, s in statuses.items()}
    return SimpleNamespace(slots=slots)


def test_report_fits_the_hub_schema_with_devices_outbox_and_catalog_problems():
    manager = _manager(
        printer=DeviceStatus(Health.ERROR, "缺纸" * 200, {"paper_out": True, "raw": b"\x12"}),
        id_reader=DeviceStatus(Health.UNKNOWN),
    )
    outbox = SimpleNamespace(status=lambda: {"pending": 3})
    problems = [Problem(f"hall/item{i}.yaml", i, "x" * 400) for i in range(30)]
    report = _heartbeat_report(manager, outbox, Catalog(items={}, problems=problems))

    beat = Heartbeat.model_validate(report)  # raises if the hub would answer 422
    assert beat.devices["printer"].health == "error" and beat.devices["printer"].sensors == {"paper_out": True}
    assert beat.devices["id_reader"].health == "unknown"
    assert beat.outbox_pending == 3 and beat.items_offered == 0
    assert len(beat.catalog_problems) == 20 and beat.catalog_problems[0].startswith("hall/item0.yaml:0: ")


def test_report_tells_backlog_age_disk_catalogue_version_and_whether_a_citizen_is_served(tmp_path):
    outbox = SimpleNamespace(status=lambda: {"pending": 2, "failed": 1, "oldest_pending_age_s": 75.0})
    report = _heartbeat_report(_manager(), outbox, Catalog(items={}), catalog_version="builtin-abc",
                               data_dir=tmp_path, in_session=True, maintenance=False)
    beat = Heartbeat.model_validate(report)
    assert (beat.outbox_failed, beat.outbox_oldest_pending_s) == (1, 75.0)
    assert beat.disk_free_bytes and beat.disk_free_bytes > 0
    assert (beat.catalog_version, beat.in_session, beat.maintenance) == ("builtin-abc", True, False)
