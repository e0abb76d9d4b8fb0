"""kioskd's link to the hub without a hub process: which credentials win, the enrolment file, clients that
follow an enrolment, and the hub state's clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from local_api.enrolment import ENROLMENT_FILE, Enrolment
from local_api.hub_client import HubUnreachable
from local_api.hub_link import HubLink
from local_api.hub_status import HubStatus
from local_api.outbox import Forwarder
from local_api.settings import load_settings

T0 = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)


def enrolment(kiosk_id: str = "yc-01", token: str = "enrolled-token", url: str = "http://127.0.0.1:8780") -> Enrolment:
    return Enrolment(kiosk_id=kiosk_id, site_id="yc-hall", hub_url=url, token=token, enrolled_at=T0.isoformat())


def link(tmp_path, listeners=(), **env: str) -> HubLink:
    return HubLink(load_settings({"KIOSK_DATA_DIR": str(tmp_path), **env}), listeners=listeners)


def test_without_settings_or_enrolment_there_is_no_hub(tmp_path):
    hub = link(tmp_path)
    assert hub.access() is None and hub.source() == "none" and hub.kiosk_id == "dev-kiosk"
    assert hub.status.state == "not_configured" and "kioskctl enroll" in hub.status.detail


def test_the_enrolment_is_used_and_each_setting_that_is_set_wins_over_it(tmp_path):
    enrolment().save(tmp_path / ENROLMENT_FILE)
    hub = link(tmp_path)
    access = hub.access()
    assert (access.url, access.token, access.kiosk_id) == ("http://127.0.0.1:8780", "enrolled-token", "yc-01")
    assert hub.source() == "enrolment" and hub.overrides() == [] and hub.site_id == "yc-hall"

    # An env file with KIOSK_HUB_TOKEN= left empty (as the example has it) does not hide the enrolment.
    assert link(tmp_path, KIOSK_HUB_TOKEN="", KIOSK_HUB_URL="").access().token == "enrolled-token"

    mixed = link(tmp_path, KIOSK_HUB_TOKEN="from-env", KIOSK_KIOSK_ID="yc-99")
    access = mixed.access()
    assert (access.url, access.token, access.kiosk_id) == ("http://127.0.0.1:8780", "from-env", "yc-99")
    assert mixed.source() == "mixed" and mixed.overrides() == ["KIOSK_HUB_TOKEN", "KIOSK_KIOSK_ID"]
    same = link(tmp_path, KIOSK_KIOSK_ID="yc-01", KIOSK_HUB_URL="http://127.0.0.1:8780")
    assert same.overrides() == []  # set, but to what the enrolment says: nothing to warn about


def test_settings_alone_are_used_as_before(tmp_path):
    hub = link(tmp_path, KIOSK_HUB_URL="http://127.0.0.1:8780", KIOSK_HUB_TOKEN="t", KIOSK_KIOSK_ID="k1")
    assert hub.source() == "settings" and hub.access().token == "t" and hub.kiosk_id == "k1"
    assert hub.status.state == "unreachable" and "not reached yet" in hub.status.detail
    url_only = link(tmp_path, KIOSK_HUB_URL="http://127.0.0.1:8780")
    assert url_only.access().token == ""  # the probe says unauthorised: enrol it


def test_the_enrolment_file_is_0600_and_a_loose_or_broken_one_is_handled(tmp_path):
    path = tmp_path / ENROLMENT_FILE
    enrolment().save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["kiosk_id"] == "yc-01"
    path.chmod(0o644)
    assert Enrolment.load(path) == enrolment() and path.stat().st_mode & 0o777 == 0o600
    path.write_text("{not json")
    assert Enrolment.load(path) is None
    assert Enrolment.load(tmp_path / "absent.json") is None


def test_clients_switch_to_new_credentials_with_their_next_request(tmp_path):
    seen: list[tuple[str, str, str]] = []

    def hub(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers["authorization"], request.headers.get("x-kiosk-id", "")))
        if request.headers["authorization"] == "Bearer old":
            return httpx.Response(401, json={"detail": "unknown kiosk token"})
        return httpx.Response(200, json={"kiosk_id": "yc-01", "received_at": T0.isoformat()})

    changed: list[int] = []
    hub_link = link(tmp_path, listeners=[lambda: changed.append(hub_link.version)])
    client = hub_link.client(5.0)
    client.transport = httpx.MockTransport(hub)
    assert not client.configured
    with pytest.raises(HubUnreachable, match="no hub configured"):
        client.heartbeat({})
    hub_link.enrol(enrolment(token="old", url="http://hub-a.test"))
    with pytest.raises(Exception, match="401"):
        client.heartbeat({})
    assert hub_link.status.state == "unauthorised"
    hub_link.enrol(enrolment(token="new", url="http://hub-b.test"))
    assert hub_link.status.state == "unauthorised"  # until the probe or a request says otherwise
    client.heartbeat({})
    assert hub_link.status.state == "ok" and hub_link.status.last_ok_at is not None
    assert seen == [("http://hub-a.test/api/v1/heartbeat", "Bearer old", "yc-01"),
                    ("http://hub-b.test/api/v1/heartbeat", "Bearer new", "yc-01")]
    assert changed == [2, 3]
    assert json.loads((tmp_path / ENROLMENT_FILE).read_text())["token"] == "new"


def test_a_report_made_with_replaced_credentials_does_not_count():
    status = HubStatus(configured=True, clock=lambda: T0)
    stale = status.observer(0)
    status.new_credentials(1, configured=True)
    stale("unauthorised", "the old token")
    assert status.state == "unreachable"
    status.observer(1)("ok", "")
    assert status.state == "ok"


def test_degraded_only_after_the_hub_has_been_out_of_reach_for_the_set_time():
    now = [T0]
    status = HubStatus(configured=True, clock=lambda: now[0])
    assert not status.degraded(600)  # never reached yet, but only just started
    now[0] += timedelta(seconds=599)
    status.report("unauthorised", "revoked")
    assert not status.degraded(600)
    now[0] += timedelta(seconds=1)
    assert status.degraded(600)  # unreachable, then unauthorised: one streak of no hub
    status.report("ok")
    assert not status.degraded(600) and status.last_ok_at == now[0]
    status.report("wrong_url", "a login page")
    now[0] += timedelta(seconds=30)
    assert status.degraded(30) and not status.degraded(31)
    status.report("not_configured", "")
    assert not status.degraded(0)
    with pytest.raises(ValueError):
        status.report("fine")


def test_without_a_hub_the_forwarder_leaves_the_outbox_alone_until_woken_with_one(tmp_path):
    class Outbox:
        drained = 0

        def drain(self, client):
            self.drained += 1

        def purge(self, retention):
            pass

        def next_due(self):
            return None

    class Client:
        def close(self):
            pass

    outbox = Outbox()
    ready = [False]
    forwarder = Forwarder(outbox, Client(), idle_s=0.02, ready=lambda: ready[0])  # type: ignore[arg-type]
    forwarder.start()
    try:
        time.sleep(0.2)
        assert outbox.drained == 0  # no attempt, so no backoff piles up before the enrolment
        ready[0] = True
        forwarder.wake()
        deadline = time.monotonic() + 5
        while not outbox.drained and time.monotonic() < deadline:
            time.sleep(0.01)
        assert outbox.drained
    finally:
        forwarder.stop()


def test_an_enrolment_file_naming_a_remote_hub_over_plain_http_is_not_used(tmp_path, caplog):
    enrolment(url="http://10.0.0.5:8780").save(tmp_path / ENROLMENT_FILE)  # edited by hand after the enrolment
    hub = link(tmp_path)
    assert hub.access() is None  # the token never goes to that address in clear
    assert "enrolment file names a hub kioskd will not use" in caplog.text
    assert "enrolled-token" not in caplog.text
    enrolment(url="https://10.0.0.5:8780").save(tmp_path / ENROLMENT_FILE)
    assert link(tmp_path).access().url == "https://10.0.0.5:8780"
    with pytest.raises(Exception, match="plain http is for a hub on this machine only"):
        load_settings({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_HUB_URL": "http://intake.example.gov.cn"})
