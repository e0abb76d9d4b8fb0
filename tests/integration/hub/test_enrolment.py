"""Kiosk enrolment on the hub: pairing codes (single use, expiry, throttling), rotation, re-adding a revoked kiosk,
and a token that must match the kiosk id the kiosk claims."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hub import enrol_throttle, pairing
from hub.app import create_app
from hub.cli import app as cli
from hub.registry import RegistryError, add_kiosk, revoke_kiosk, rotate_kiosk
from hub.state import HubState
from tests.integration.hub.conftest import FIXED_NOW


@dataclass
class Clocked:
    client: TestClient
    state: HubState
    now: list[dt.datetime]

    def tick(self, **delta: float) -> None:
        self.now[0] += dt.timedelta(**delta)

    def add(self, kiosk_id: str, site: str = "hall-1") -> str:
        with self.state.db.write() as db, db.begin():
            return add_kiosk(db, kiosk_id, site, self.now[0])

    def code(self, kiosk_id: str) -> str:
        with self.state.db.write() as db, db.begin():
            return pairing.issue(db, self.state.keys, kiosk_id, self.now[0])[0]

    def enrol(self, code: str, client: TestClient | None = None):
        return (client or self.client).post("/api/v1/enrol", json={"code": code})

    def whoami(self, token: str, claim: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} | ({"X-Kiosk-Id": claim} if claim is not None else {})
        return self.client.get("/api/v1/kiosk", headers=headers)


@pytest.fixture
def hub(hub_settings) -> Iterator[Clocked]:
    now = [FIXED_NOW]
    app = create_app(hub_settings, clock=lambda: now[0])
    with TestClient(app) as client:
        yield Clocked(client, app.state.hub, now)


def test_a_code_is_exchanged_once_for_the_kiosks_id_site_and_a_working_token(hub):
    first = hub.add("k1", "yc-hall")
    code = hub.code("k1")
    assert len(code) == 9 and code[4] == "-" and all(c in pairing.ALPHABET for c in code.replace("-", ""))
    answer = hub.enrol(code.lower().replace("-", " "))  # typed in small letters, with a space: the same code
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["kiosk_id"], body["site_id"], body["hub"]["service"]) == ("k1", "yc-hall", "kioskhub")
    assert body["hub"]["url"] == "http://testserver" and answer.headers["cache-control"] == "no-store"
    token = body["token"]
    assert len(token) >= 40 and token != first
    assert hub.whoami(token).json() == {"service": "kioskhub", "kiosk_id": "k1", "site_id": "yc-hall"}
    assert hub.whoami(first).status_code == 401  # the token made at 'add' stopped working
    again = hub.enrol(code)
    assert again.status_code == 410 and again.json()["code"] == "pairing_code_used"
    assert "new one" in again.json()["detail"]


def test_only_a_keyed_hash_of_the_code_is_kept(hub, hub_settings):
    if hub.state.db.dialect != "sqlite":
        pytest.skip("reads the SQLite file")
    hub.add("k1")
    code = hub.code("k1").replace("-", "")
    with sqlite3.connect(hub_settings.data_dir / "kioskhub.sqlite3") as db:
        stored = db.execute("SELECT code_hash FROM kiosk_pairings").fetchall()
    assert len(stored) == 1 and code not in stored[0][0]
    assert stored[0][0] != hashlib.sha256(code.encode()).hexdigest()  # keyed: not reversible from the file alone


def test_a_code_expires_after_30_minutes(hub):
    hub.add("k1")
    code = hub.code("k1")
    hub.tick(minutes=30)
    answer = hub.enrol(code)
    assert answer.status_code == 410 and answer.json()["code"] == "pairing_code_expired"
    assert "30 minutes" in answer.json()["detail"]


def test_wrong_and_malformed_codes_say_what_is_wrong(hub):
    hub.add("k1")
    hub.code("k1")
    unknown = hub.enrol("2345-6789")
    assert unknown.status_code == 400 and unknown.json()["code"] == "pairing_code_unknown"
    for typed in ("ABCD-EFG", "ABCD-EFGO", "0000-0000"):  # too short; O and 0 are in no code
        answer = hub.enrol(typed)
        assert answer.status_code == 400 and answer.json()["code"] == "pairing_code_malformed", typed
        assert typed not in answer.text  # what was typed is not echoed
    assert hub.client.post("/api/v1/enrol", json={}).status_code == 422


def test_a_newer_code_replaces_the_older_one(hub):
    hub.add("k1")
    old, new = hub.code("k1"), hub.code("k1")
    assert hub.enrol(old).json()["code"] == "pairing_code_unknown"
    assert hub.enrol(new).status_code == 200


def test_wrong_codes_are_throttled_per_source_even_the_right_code_then_waits(hub):
    hub.add("k1")
    code = hub.code("k1")
    for n in range(enrol_throttle.MAX_FAILURES):
        assert hub.enrol(f"2345-67{pairing.ALPHABET[n]}{pairing.ALPHABET[n]}").status_code == 400
    blocked = hub.enrol(code)
    assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_attempts"
    assert int(blocked.headers["retry-after"]) == 15 * 60
    with TestClient(hub.client.app, client=("10.0.0.9", 40000)) as elsewhere:  # another address is not held up
        assert hub.enrol("2345-2345", elsewhere).status_code == 400
    hub.tick(minutes=14)
    assert hub.enrol(code).status_code == 429
    hub.tick(minutes=1, seconds=1)
    assert hub.enrol(code).status_code == 200  # the window has passed: the right code works (it lives 30 min)


def test_rotate_gives_a_new_token_and_the_old_one_stops_working(hub):
    old = hub.add("k1")
    with hub.state.db.write() as db, db.begin():
        new = rotate_kiosk(db, "k1")
    assert hub.whoami(old).status_code == 401
    assert hub.whoami(new).status_code == 200
    # Rotation with a pairing code: the old token stops at once, the code gives the next one.
    with hub.state.db.write() as db, db.begin():
        rotate_kiosk(db, "k1")
        code = pairing.issue(db, hub.state.keys, "k1", hub.now[0])[0]
    assert hub.whoami(new).status_code == 401
    assert hub.whoami(hub.enrol(code).json()["token"]).status_code == 200


def test_a_revoked_kiosk_can_be_added_again_and_its_unused_code_dies_with_the_revocation(hub):
    old = hub.add("k1")
    code = hub.code("k1")
    with hub.state.db.write() as db, db.begin():
        assert revoke_kiosk(db, "k1", hub.now[0])
    refused = hub.whoami(old)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert hub.enrol(code).status_code == 400
    with hub.state.db.write() as db, db.begin(), pytest.raises(RegistryError, match="kiosks add --id k1"):
        rotate_kiosk(db, "k1")
    again = hub.add("k1", "hall-2")  # back, at another site, with a new token
    answer = hub.whoami(again)
    assert answer.status_code == 200 and answer.json()["site_id"] == "hall-2"
    assert hub.whoami(old).status_code == 401
    with hub.state.db.write() as db, db.begin(), pytest.raises(RegistryError, match="kiosks rotate --id k1"):
        add_kiosk(db, "k1", "hall-2", hub.now[0])  # an active kiosk is not added twice


def test_a_token_used_under_another_kiosk_id_is_refused_naming_both(hub):
    token = hub.add("k1")
    hub.add("k2")
    assert hub.whoami(token, "k1").status_code == 200
    assert hub.whoami(token).status_code == 200  # no claim (a kiosk of an older release) is accepted
    wrong = hub.whoami(token, "k2")
    assert wrong.status_code == 403
    detail = wrong.json()["detail"]
    assert "belongs to kiosk k1" in detail and "'k2'" in detail and "KIOSK_KIOSK_ID=k1" in detail
    assert token not in wrong.text
    beat = hub.client.post("/api/v1/heartbeat", json={"devices": {}},
                           headers={"Authorization": f"Bearer {token}", "X-Kiosk-Id": "k2"})
    assert beat.status_code == 403  # every kiosk route, not only the probe's


def test_cli_add_with_pairing_prints_the_code_last_and_rotate_and_re_add_work(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    env["KIOSKHUB_DATA_DIR"] = str(tmp_path / "hubdata")
    if database_url:
        env["KIOSKHUB_DATABASE_URL"] = database_url

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    code, out, err = run("kiosks", "add", "--init", "--id", "yc-01", "--site", "yc-hall", "--pairing")
    assert code == 0, err
    word = out.split()[-1]
    assert pairing.normalise(word) is not None and "kioskctl enroll" in out and "KIOSK_HUB_TOKEN" not in out
    code, out, err = run("kiosks", "add", "--id", "yc-01", "--site", "yc-hall")
    assert code == 2 and "kioskhub kiosks rotate --id yc-01" in err
    code, out, _ = run("kiosks", "rotate", "--id", "yc-01")
    assert code == 0 and len(out.split()[-1]) >= 40 and "old token no longer works" in out
    code, out, _ = run("kiosks", "rotate", "--id", "yc-01", "--pairing")
    assert code == 0 and pairing.normalise(out.split()[-1]) is not None
    assert run("kiosks", "revoke", "--id", "yc-01")[0] == 0
    code, _, err = run("kiosks", "rotate", "--id", "yc-01")
    assert code == 2 and "revoked" in err and "kiosks add --id yc-01" in err
    code, out, err = run("kiosks", "add", "--id", "yc-01", "--site", "yc-hall", "--pairing")
    assert code == 0 and "active again" in out and pairing.normalise(out.split()[-1]) is not None
    code, _, err = run("kiosks", "rotate", "--id", "nope")
    assert code == 2 and "no kiosk nope" in err
