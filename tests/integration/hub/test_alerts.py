"""Alerts from heartbeats: raised once, cleared once, listed for staff and posted to a real local webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from hub.app import create_app
from hub.cli import app as cli
from hub.db.fleet_models import FleetAlert
from tests.integration.hub.conftest import FIXED_NOW, Clock, Hub
from tests.webhook_server import Receiver, webhook_server

PAPER_OUT = {"printer": {"health": "offline", "message": "缺纸", "sensors": {"paper": "out", "cover_open": False}}}
PAPER_OK = {"printer": {"health": "online", "message": "ready", "sensors": {"paper": "ok", "cover_open": False}}}


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, Receiver]]:
    with webhook_server() as server:
        yield server


@pytest.fixture
def receiver(webhook) -> Receiver:
    _url, found = webhook
    found.posts.clear()
    found.received_at.clear()
    found.refused = found.fail_next = 0
    return found


@pytest.fixture
def ahub(hub_settings, webhook, receiver) -> Iterator[tuple[Hub, Clock]]:
    """A hub whose clock the test moves, posting alerts to the local webhook."""
    clock = Clock(FIXED_NOW)
    settings = hub_settings.model_copy(update={
        "alert_webhook": webhook[0], "alert_webhook_retry_seconds": 0.05, "alert_webhook_attempts": 3,
        "alert_clear_seconds": 120, "alert_silent_minutes": 5, "alert_device_offline_minutes": 5,
        "alert_sweep_seconds": 3600})
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        hub = Hub(client, app.state.hub, "")
        hub.token = hub.register("k1")
        yield hub, clock


def beat(hub, devices, **fields):
    r = hub.client.post("/api/v1/heartbeat", headers=hub.auth(), json={"devices": devices, **fields})
    assert r.status_code == 200, r.text


def staff(hub):
    return hub.staff("supervisor")


def wait_until(hub, check, timeout: float = 10.0) -> None:
    """Poll the hub's database until ``check(db)`` holds: what the poster thread writes after the webhook answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with hub.state.db.read() as db:
            if check(db):
                return
        time.sleep(0.01)
    raise AssertionError("the hub's alert rows never reached the state expected")


def test_a_flickering_paper_sensor_raises_one_alert_and_clears_it_once(ahub, receiver):
    hub, clock = ahub
    beat(hub, PAPER_OUT)
    raised = receiver.wait_for(1)[0]
    assert raised["event"] == "raised" and raised["text"].startswith("【终端告警】k1（hall-1）缺纸（printer）")
    assert {k: raised["alert"][k] for k in ("kiosk_id", "site_id", "kind", "subject", "cleared_at")} == {
        "kiosk_id": "k1", "site_id": "hall-1", "kind": "paper_out", "subject": "printer", "cleared_at": None}

    for minutes, devices in ((1, PAPER_OK), (1, PAPER_OUT), (1, PAPER_OK), (1, PAPER_OK)):  # gone 60 s at most
        clock.advance(minutes)
        beat(hub, devices)
    listed = hub.client.get("/api/v1/alerts", auth=staff(hub)).json()["alerts"]
    assert [(a["kind"], a["cleared_at"]) for a in listed] == [("paper_out", None)]

    clock.advance(1.5)  # gone 150 s now, over the 120 s hold
    beat(hub, PAPER_OK)
    posts = receiver.wait_for(2)
    assert [p["event"] for p in posts] == ["raised", "cleared"]
    assert posts[1]["alert"]["id"] == raised["alert"]["id"] and posts[1]["text"].startswith("【告警解除】k1")
    assert hub.client.get("/api/v1/alerts", auth=staff(hub)).json()["alerts"] == []
    wait_until(hub, lambda db: db.scalar(select(FleetAlert.clear_delivery)) == "sent")  # the hub wrote it down
    everything = hub.client.get("/api/v1/alerts", params={"include_cleared": True}, auth=staff(hub)).json()["alerts"]
    assert len(everything) == 1 and everything[0]["delivery"] == "sent"
    assert len(receiver.posts) == 2  # nothing more was sent meanwhile

    page = hub.client.get("/staff/alerts", auth=staff(hub))
    assert page.status_code == 200 and "没有未解除的告警" in page.text and "缺纸 (printer)" in page.text


def test_a_device_offline_waits_its_delay_and_a_silent_kiosk_is_found_by_the_sweep(ahub, receiver, hub_settings,
                                                                                  database_url):
    hub, clock = ahub
    camera_off = {"camera": {"health": "offline", "message": "no device at /dev/video0"}}
    beat(hub, camera_off)
    clock.advance(4)
    beat(hub, camera_off)
    assert hub.client.get("/api/v1/alerts", auth=staff(hub)).json()["alerts"] == []  # not yet 5 minutes
    clock.advance(1)
    beat(hub, camera_off)
    assert receiver.wait_for(1)[0]["alert"]["kind"] == "device_offline"

    clock.advance(6)  # no heartbeat: only the sweep can tell
    assert hub.client.app.state.fleet_watch.sweep() == 1
    posts = receiver.wait_for(2)
    assert posts[1]["alert"]["kind"] == "silent" and "no heartbeat for 6 min" in posts[1]["alert"]["detail"]
    assert hub.client.app.state.fleet_watch.sweep() == 0  # raised once

    env = {"KIOSKHUB_DATA_DIR": str(hub_settings.data_dir)} | (
        {"KIOSKHUB_DATABASE_URL": database_url} if database_url else {})
    result = CliRunner().invoke(cli, ["alerts", "list", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    assert sorted(a["kind"] for a in json.loads(result.stdout)) == ["device_offline", "silent"]


def settled(hub, attempts: int) -> None:
    """Wait until the hub has recorded a refused post (the webhook answers before the hub writes it down)."""
    wait_until(hub, lambda db: db.scalar(select(FleetAlert.attempts)) == attempts)


def test_a_webhook_that_refuses_is_retried_and_then_given_up(ahub, receiver):
    hub, clock = ahub
    receiver.fail_next = 1
    beat(hub, PAPER_OUT)
    receiver.wait_refused(1)
    settled(hub, 1)
    clock.advance(1)  # past the retry's wait
    hub.state.alerts_changed()
    assert receiver.wait_for(1)[0]["event"] == "raised"  # the second try got through

    receiver.fail_next = 3  # the clearing meets a webhook that is down for good
    clock.advance(5)
    beat(hub, PAPER_OK)
    clock.advance(3)
    beat(hub, PAPER_OK)
    for tries in (1, 2, 3):
        receiver.wait_refused(1 + tries)
        settled(hub, tries % 3)  # the third refusal gives up and resets the count
        clock.advance(1)
        hub.state.alerts_changed()
    everything = hub.client.get("/api/v1/alerts", params={"include_cleared": True}, auth=staff(hub)).json()
    alert = everything["alerts"][0]
    assert alert["cleared_at"] and alert["delivery"] == "failed" and "503" in alert["last_error"]
    assert len(receiver.posts) == 1  # never sent again after giving up
    # heartbeats went on being answered at once meanwhile
    beat(hub, PAPER_OK)
