"""A real kioskd and a real kioskhub: enrolment with a pairing code, and the hub's state in kioskd's health.

Found on a fresh machine: the token was typed by hand; with a wrong port, a wrong address or a revoked
token ``kioskctl health`` still said ``ok`` while citizens were given provisional receipts.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.daemon import BIN, RunningDaemon, free_port, kioskd
from tests.hub_process import RunningHub, kioskhub
from tests.integration.outbox.helpers import play, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ITEM = "elderly_card"
FAST = {"KIOSK_VOICE": "none:", "KIOSK_HUB_PROBE_S": "0.5"}  # the one device always online; probe twice a second


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Iterator[RunningHub]:
    with kioskhub(tmp_path_factory.mktemp("hub"), "spare-kiosk") as running:
        yield running


def kioskhub_cli(hub: RunningHub, *args: str) -> str:
    done = subprocess.run([str(BIN / "kioskhub"), *args], env=hub.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def kioskctl(daemon: RunningDaemon, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "kioskctl"), *args], env=daemon.env, capture_output=True, text=True, timeout=120)


def health(daemon: RunningDaemon) -> dict:
    return httpx.get(f"{daemon.url}/health", timeout=10).json()


def wait_hub_state(daemon: RunningDaemon, state: str, timeout: float = 20) -> dict:
    """kioskd's health once its hub state is ``state`` (the probe runs every 0.5 s here)."""
    return wait_for(lambda: (h := health(daemon))["hub"]["state"] == state and h, timeout, f"hub state {state}")


def test_enrol_with_a_pairing_code_and_cases_go_through_without_a_restart(hub, tmp_path):
    code = kioskhub_cli(hub, "kiosks", "add", "--id", "yc-enrol-01", "--site", "yc-hall", "--pairing").split()[-1]
    data = tmp_path / "kiosk"
    with kioskd(data, KIOSK_DEVICES="sim", KIOSK_PRINTER=f"sim://{tmp_path / 'printed'}",
                KIOSK_VOICE=f"sim://{tmp_path / 'voice'}", KIOSK_DEVICE_POLL_S="0.05", KIOSK_HUB_PROBE_S="0.5") as d, \
            d.client() as c:
        before = health(d)
        assert before["status"] == "ok" and before["hub"]["state"] == "not_configured"
        assert "kioskctl enroll" in before["hub"]["detail"] and before["hub"]["credentials"] == "none"
        # A citizen before enrolment: the case is kept, with nobody to send it to.
        early = play(c, ITEM)["provisional_no"]
        assert early and c.get(f"/outbox/provisional/{early}").json()["state"] == "pending"

        # Mistakes first: each says what was wrong, and none uses the code up.
        wrong = kioskctl(d, "enroll", "--hub", hub.url, "--code", "2345-6789")
        assert wrong.returncode == 2 and "the hub answered 400: no such pairing code" in wrong.stderr
        path = kioskctl(d, "enroll", "--hub", f"{hub.url}/api/v1", "--code", code)
        assert path.returncode == 2 and "drop /api/v1" in path.stderr
        nobody = kioskctl(d, "enroll", "--hub", f"http://127.0.0.1:{free_port()}", "--code", code)
        assert nobody.returncode == 1 and "nothing answers at" in nobody.stderr
        for failed in (wrong, path, nobody):
            assert len(failed.stderr.strip().splitlines()) == 1 and failed.stdout == ""

        done = kioskctl(d, "enroll", "--hub", hub.url, "--code", code, "--json")
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert (answer["kiosk_id"], answer["site_id"], answer["hub_url"]) == ("yc-enrol-01", "yc-hall", hub.url)
        assert answer["hub"]["state"] == "ok" and answer["overridden_by"] == []
        assert "token" not in done.stdout

        # Used at once by the same process: the waiting case and a new one reach the hub.
        pid = d.process.pid
        late = play(c, ITEM)["case_no"]
        assert late, "the hub's case number is shown at once: the new credentials work"
        wait_for(lambda: c.get(f"/outbox/provisional/{early}").json()["case_no"], 60, "forwarding of the early case")
        assert d.process.poll() is None and d.process.pid == pid
        after = health(d)
        assert after["kiosk_id"] == "yc-enrol-01" and after["hub"]["credentials"] == "enrolment"
        assert after["outbox"]["pending"] == 0 and after["hub"]["last_ok_at"]
        # The technician's self-test right after enrolment names the enrolled kiosk (its slip's QR leads to
        # that kiosk's page on this hub), not the default id kioskd started with.
        tested = kioskctl(d, "selftest", "--json")
        assert json.loads(tested.stdout)["kiosk_id"] == "yc-enrol-01", tested.stderr
        again = kioskctl(d, "enroll", "--hub", hub.url, "--code", code)
        assert again.returncode == 2 and "already used" in again.stderr

    stored = data / "hub-enrolment.json"
    assert stored.stat().st_mode & 0o777 == 0o600
    token = json.loads(stored.read_text())["token"]
    with httpx.Client(base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get(f"/cases/{late}").json()["kiosk_id"] == "yc-enrol-01"
        assert [x["kiosk_id"] for x in api.get("/cases", params={"provisional_no": early}).json()["cases"]] \
            == ["yc-enrol-01"]
    logs = d.log_text() + (data / "kioskd.stderr").read_text()
    assert token not in logs and code not in logs and code.replace("-", "") not in logs


def test_a_revoked_or_rotated_token_shows_unauthorised_and_a_new_enrolment_brings_it_back(hub, tmp_path):
    code = kioskhub_cli(hub, "kiosks", "add", "--id", "yc-rekey-01", "--site", "yc-hall", "--pairing").split()[-1]
    with kioskd(tmp_path / "kiosk", **FAST) as d:
        assert kioskctl(d, "enroll", "--hub", hub.url, "--code", code).returncode == 0
        assert health(d)["hub"]["state"] == "ok"

        code = kioskhub_cli(hub, "kiosks", "rotate", "--id", "yc-rekey-01", "--pairing").split()[-1]
        rotated = wait_hub_state(d, "unauthorised")
        assert "enrol" in rotated["hub"]["detail"] and rotated["status"] == "ok"  # not degraded within 10 minutes
        human = kioskctl(d, "health")
        assert human.returncode == 0 and "unauthorised" in human.stdout
        done = kioskctl(d, "enroll", "--hub", hub.url, "--code", code)
        assert done.returncode == 0, done.stderr
        assert "hub: ok" in done.stdout and health(d)["hub"]["state"] == "ok"

        kioskhub_cli(hub, "kiosks", "revoke", "--id", "yc-rekey-01")
        revoked = wait_hub_state(d, "unauthorised")
        assert "revoked" in revoked["hub"]["detail"]
        status = json.loads(kioskctl(d, "health", "--json").stdout)
        assert status["hub"]["state"] == "unauthorised" and status["hub"]["last_ok_at"]

        code = kioskhub_cli(hub, "kiosks", "add", "--id", "yc-rekey-01", "--site", "yc-hall", "--pairing").split()[-1]
        assert kioskctl(d, "enroll", "--hub", hub.url, "--code", code).returncode == 0
        assert health(d)["hub"]["state"] == "ok"


def test_settings_win_over_the_enrolment_and_a_wrong_kiosk_id_is_refused(hub, tmp_path):
    code = kioskhub_cli(hub, "kiosks", "add", "--id", "yc-id-01", "--site", "yc-hall", "--pairing").split()[-1]
    with kioskd(tmp_path / "kiosk", KIOSK_KIOSK_ID="yc-id-99", **FAST) as d:
        done = kioskctl(d, "enroll", "--hub", hub.url, "--code", code)
        assert done.returncode == 1
        assert "KIOSK_KIOSK_ID is set in kioskd's settings and wins" in done.stdout
        assert "enrolled, but the hub is unauthorised" in done.stderr
        refused = health(d)["hub"]
        assert refused["state"] == "unauthorised" and refused["credentials"] == "mixed"
        assert "belongs to kiosk yc-id-01" in refused["detail"] and "KIOSK_KIOSK_ID=yc-id-01" in refused["detail"]


def test_nothing_listening_is_unreachable_and_degrades_health_after_the_set_time(tmp_path):
    port = free_port()
    with kioskd(tmp_path / "kiosk", KIOSK_HUB_URL=f"http://127.0.0.1:{port}", KIOSK_HUB_TOKEN="t",
                KIOSK_KIOSK_ID="k-away", KIOSK_HUB_DEGRADED_AFTER_S="3", **FAST) as d:
        away = wait_for(lambda: (h := health(d))["hub"]["checked_at"] and h, 20, "the first probe")
        assert away["hub"]["state"] == "unreachable" and away["hub"]["last_ok_at"] is None
        assert f"nothing answers at http://127.0.0.1:{port}" in away["hub"]["detail"]
        degraded = wait_for(lambda: (h := health(d))["status"] == "degraded" and h, 20, "degraded health")
        assert degraded["hub"]["state"] == "unreachable" and degraded["devices"] == {"voice": "online"}
        human = kioskctl(d, "health")
        assert human.returncode == 1 and "status     degraded" in human.stdout and "unreachable" in human.stdout


class NotTheHub(BaseHTTPRequestHandler):
    """Another web server on the port: the same login page for every path, like a captive portal."""

    def do_GET(self) -> None:
        body = b"<html><body>Login</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_that_is_not_the_hub_is_wrong_url_and_so_is_its_enrolment(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotTheHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with kioskd(tmp_path / "kiosk", KIOSK_HUB_URL=url, KIOSK_HUB_TOKEN="t", KIOSK_KIOSK_ID="k-wrong", **FAST) as d:
            wrong = wait_hub_state(d, "wrong_url")
            assert "not the hub's JSON" in wrong["hub"]["detail"] and wrong["status"] == "ok"
            enrol = kioskctl(d, "enroll", "--hub", url, "--code", "2345-6789")
            assert enrol.returncode == 1 and "not the hub's" in enrol.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_no_hub_at_all_is_not_configured_and_not_degraded(tmp_path: Path):
    with kioskd(tmp_path / "kiosk", KIOSK_HUB_DEGRADED_AFTER_S="1", **FAST) as d:
        wait_for(lambda: d.process.poll() is None and health(d)["uptime_s"] > 2, 20, "two seconds of uptime")
        now = health(d)
        assert now["status"] == "ok" and now["hub"]["state"] == "not_configured" and now["hub"]["url"] is None
        flush = d.client().post("/outbox/flush")
        assert flush.status_code == 409 and "kioskctl enroll" in flush.json()["detail"]
