"""The kioskhub command: registry commands, config errors, and serving on a port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hub.cli import app

KIOSKHUB = [sys.executable, "-c", "from hub.cli import main; main()"]


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KIOSKHUB, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def invoke(args: list[str], env: dict[str, str]):
    """Run the command in-process (a subprocess costs seconds of imports on a loaded CI machine)."""
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path, database_url) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    base["KIOSKHUB_DATA_DIR"] = str(tmp_path / "hubdata")
    if database_url:
        base["KIOSKHUB_DATABASE_URL"] = database_url
    return base


def test_add_list_revoke(env):
    add = ["kiosks", "add", "--init", "--id", "yc-hall-01", "--site", "yc-hall", "--region", "640104"]
    code, out, err = invoke(add, env)
    assert code == 0, err
    token = out.split()[-1]
    assert len(token) >= 40
    assert "yc-hall-01\tyc-hall\thall\tactive" in invoke(["kiosks", "list"], env)[1]
    code, _, err = invoke(["kiosks", "add", "--id", "yc-hall-01", "--site", "yc-hall"], env)
    assert code == 2 and "already registered" in err
    assert invoke(["kiosks", "revoke", "--id", "yc-hall-01"], env)[0] == 0
    assert "revoked" in invoke(["kiosks", "list"], env)[1]
    code, _, err = invoke(["kiosks", "revoke", "--id", "nope"], env)
    assert code == 2 and err.strip().splitlines()[-1] == "kioskhub: no kiosk nope; see kioskhub kiosks list"
    code, _, err = invoke(["kiosks", "add", "--id", "../x", "--site", "s"], env)
    assert code == 2 and "--id must be" in err
    service = ["queue", "add-service", "--site", "yc-hall", "--code", "tax", "--prefix", "C", "--name", "税务"]
    assert invoke([*service, "--minutes", "4", "--windows", "3"], env)[0] == 0
    assert "C\ttax\t税务\t4 min\t3 window(s)" in invoke(["queue", "list", "--site", "yc-hall"], env)[1]
    code, _, err = invoke([*service[:-1], "x", "--prefix", "c"], env)
    assert code == 2 and "capital letter" in err
    hours = ["--opens", "08:30", "--closes", "17:30", "--daily-limit", "300", "--start", "1"]
    code, out, err = invoke([*service, *hours], env)
    assert code == 0, err
    assert "08:30-17:30, at most 300 a day" in out
    listed = invoke(["queue", "list", "--site", "yc-hall"], env)[1]
    assert "C\ttax\t税务\t5 min\t1 window(s)\t08:30-17:30\t300" in listed
    code, _, err = invoke([*service, "--opens", "18:00", "--closes", "08:00"], env)
    assert code == 2 and "--closes must be later than --opens" in err
    weights = ["queue", "set-weights", "--site", "yc-hall"]
    code, out, err = invoke([*weights, "--elderly", "0"], env)
    assert code == 0, err
    assert out.strip() == "queue weights at yc-hall: elderly 0, pregnant 3, disability 3, appointment 1"
    out = invoke([*weights, "--appointment", "4"], env)[1]  # the earlier change stays
    assert "elderly 0, pregnant 3, disability 3, appointment 4" in out
    code, _, err = invoke([*weights, "--pregnant", "12"], env)
    assert code == 2 and "pregnant: a weight is a whole number from 0 (off) to 9, not 12" in err
    assert invoke([*weights], env)[0] == 2  # nothing to set
    assert invoke(["queue", "set-weights", "--site", "nowhere", "--elderly", "1"], env)[0] == 2
    assert invoke([*weights, "--reset"], env)[1].strip().endswith("appointment 1 (the hub's)")


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_malformed_settings_give_one_line_and_exit_2(env, tmp_path):
    bad_port = run(["kiosks", "list"], env | {"KIOSKHUB_PORT": "eighty"}, tmp_path)
    assert bad_port.returncode == 2
    assert bad_port.stderr.startswith("kioskhub: KIOSKHUB_PORT:") and bad_port.stderr.count("\n") == 1
    config = tmp_path / "hub.toml"
    config.write_text('timezone = "Mars/Olympus"\n')
    code, _, err = invoke(["serve"], env | {"KIOSKHUB_CONFIG": str(config)})
    assert code == 2 and "KIOSKHUB_TIMEZONE" in err
    config.write_text("prot = 1\n")
    code, _, err = invoke(["serve"], env | {"KIOSKHUB_CONFIG": str(config)})
    assert code == 2 and "unknown setting 'prot'" in err
    assert "Traceback" not in bad_port.stderr


def test_serve_refuses_to_believe_forwarded_headers_from_anyone(env, tmp_path):
    code, _, err = invoke(["serve"], env | {"FORWARDED_ALLOW_IPS": "*"})
    assert code == 2
    assert err.strip() == ('kioskhub: FORWARDED_ALLOW_IPS="*" believes X-Forwarded-For and -Proto from anyone; name '
                           "the TLS proxies' addresses, e.g. FORWARDED_ALLOW_IPS=\"127.0.0.1,::1\"")


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_unreachable_database_is_one_line(env, tmp_path):
    url = "postgresql://nobody@127.0.0.1:1/none"
    code, _, err = invoke(["kiosks", "list"], env | {"KIOSKHUB_DATABASE_URL": url})
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("kioskhub: database postgresql+psycopg://nobody@127.0.0.1:1/none unavailable")


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_serve_answers_health_and_kiosk_requests(env, tmp_path):
    token = invoke(["kiosks", "add", "--init", "--id", "k1", "--site", "post-3", "--site-kind", "post"],
                   env)[1].split()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "hub.toml"
    config.write_text(f"[hub]\nport = {port}\n")
    proc = subprocess.Popen(
        KIOSKHUB,
        env=env | {"KIOSKHUB_CONFIG": str(config)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "kioskhub did not answer"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        beat = httpx.post(f"{base}/api/v1/heartbeat", json={}, headers={"Authorization": f"Bearer {token}"})
        assert beat.status_code == 200
        assert httpx.post(f"{base}/api/v1/heartbeat", json={}).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
@pytest.mark.parametrize(
    ("args", "offers_init"),
    [
        (["kiosks", "add", "--id", "k1", "--site", "s1"], True),
        (["helpers", "add", "--username", "wang", "--name", "王芳"], True),
        (["records", "import", "--kind", "housing_fund", str(Path(__file__).parents[3] / "hub" / "sample_records"
                                                              / "housing_fund.json")], True),
        (["kiosks", "list"], False),
        (["kiosks", "revoke", "--id", "k1"], False),
        (["queue", "list", "--site", "s1"], False),
        (["records", "count"], False),
        (["staff", "add", "--username", "li", "--name", "李四", "--role", "clerk"], True),
        (["staff", "list"], False),
        (["audit", "list", "--json"], False),
    ],
)
def test_admin_commands_never_make_a_new_hub_unasked(env, tmp_path, args, offers_init):
    data_dir = Path(env["KIOSKHUB_DATA_DIR"])
    code, out, err = invoke(args, env)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(f"kioskhub: no hub in {data_dir.resolve()} yet;") and "KIOSKHUB_DATA_DIR" in err
    # a command without --init names one that has it
    assert ("or add --init to create" in err) == offers_init
    assert ("'kioskhub kiosks add --init ...'" in err) != offers_init
    assert not data_dir.exists()


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_without_a_data_dir_the_default_is_named_and_left_alone(env, tmp_path):
    del env["KIOSKHUB_DATA_DIR"]
    done = run(["kiosks", "add", "--id", "k1", "--site", "s1"], env, tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert f"no hub in {tmp_path / 'var' / 'hub'} yet (the default: KIOSKHUB_DATA_DIR is not set)" in done.stderr
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_admin_commands_say_which_hub_on_stderr_and_keep_the_token_last(env):
    data_dir = Path(env["KIOSKHUB_DATA_DIR"]).resolve()
    code, out, err = invoke(["kiosks", "add", "--init", "--id", "k1", "--site", "s1"], env)
    assert code == 0, err
    assert err == f"kioskhub: hub in {data_dir}, database sqlite:///{data_dir / 'kioskhub.sqlite3'}\n"
    assert len(out.split()[-1]) >= 40  # the token, last word on stdout
    code, out, err = invoke(["kiosks", "list", "--json"], env)
    assert code == 0 and json.loads(out)[0]["id"] == "k1" and str(data_dir) in err  # JSON alone on stdout
    code, out, err = invoke(["helpers", "add", "--username", "wang", "--name", "王芳"], env)  # an existing hub
    assert code == 0 and len(out.split()[-1]) == 12 and str(data_dir) in err


@pytest.mark.postgres
def test_an_empty_postgres_database_is_not_made_a_hub_unasked(tmp_path, pg_server):
    url = pg_server.create_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    env |= {"KIOSKHUB_DATA_DIR": str(tmp_path / "hub"), "KIOSKHUB_DATABASE_URL": url}
    code, _, err = invoke(["kiosks", "add", "--id", "k1", "--site", "s1"], env)
    assert code == 2 and "holds no hub yet; check KIOSKHUB_DATABASE_URL" in err and "add --init" in err
    code, _, err = invoke(["kiosks", "add", "--init", "--id", "k1", "--site", "s1"], env)
    assert code == 0, err
    assert invoke(["kiosks", "list"], env)[0] == 0


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_staff_accounts_from_the_command_line_and_the_audit_trail_they_leave(env):
    code, out, err = invoke(["staff", "add", "--init", "--username", "wangfang", "--name", "王芳",
                             "--role", "supervisor"], env)
    assert code == 0, err
    assert out.startswith("supervisor wangfang (王芳) added; log in at /staff/login") and len(out.split()[-1]) == 12
    assert invoke(["staff", "add", "--username", "li", "--name", "李四", "--role", "helper"], env)[0] == 0
    code, _, err = invoke(["staff", "add", "--username", "li", "--name", "李四", "--role", "clerk"], env)
    assert code == 2 and "already taken" in err
    code, _, err = invoke(["staff", "add", "--username", "x", "--name", "某", "--role", "boss"], env)
    assert code == 2 and "--role: role must be one of admin, supervisor, clerk, auditor, helper" in err
    listed = json.loads(invoke(["staff", "list", "--json"], env)[1])
    assert [(a["username"], a["role"], a["disabled"]) for a in listed] == [
        ("li", "helper", False), ("wangfang", "supervisor", False)]
    for verb in ("disable", "enable", "unlock"):
        assert invoke(["staff", verb, "--username", "wangfang"], env)[0] == 0
    assert invoke(["staff", "disable", "--username", "li"], env)[1] == "helper li disabled; their sessions have ended\n"
    code, out, _ = invoke(["staff", "reset", "--username", "wangfang"], env)
    assert code == 0 and "new password:" in out
    code, _, err = invoke(["staff", "reset", "--username", "nobody"], env)
    assert code == 2 and "no staff or helper account 'nobody'" in err
    rows = json.loads(invoke(["audit", "list", "--json", "--since", "2020-01-01"], env)[1])
    assert [r["action"] for r in reversed(rows)] == [
        "staff.add", "helper.add", "staff.disable", "staff.enable", "staff.unlock", "helper.disable", "staff.reset",
        "audit.list"]  # asking is noted before the answer
    assert {r["role"] for r in rows} == {"cli"} and all(r["actor"].startswith("cli:") for r in rows)
    assert json.loads(invoke(["audit", "list", "--json", "--actor", "nobody"], env)[1]) == []
    code, _, err = invoke(["audit", "list", "--since", "2026-11-21T08:00"], env)
    assert code == 2 and "needs its offset" in err


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_a_hub_with_only_the_old_shared_staff_password_refuses_to_start_and_says_what_to_do(env, caplog):
    from fastapi.testclient import TestClient

    from hub.app import create_app
    from hub.settings import HubSettings

    assert invoke(["kiosks", "add", "--init", "--id", "k1", "--site", "s1"], env)[0] == 0
    old = Path(env["KIOSKHUB_DATA_DIR"]) / "staff-token"
    old.write_text("shared-secret\n")
    code, out, err = invoke(["serve"], env)
    assert code == 2 and out == ""
    assert f"{old} holds the old shared staff password" in err and "kioskhub staff add --username" in err
    assert "delete that file, and start again" in err
    code, _, err = invoke(["staff-token"], env)
    assert code == 2 and "each person has their own account now" in err
    # once a person has an account the hub starts, and says the old file is unused
    assert invoke(["staff", "add", "--username", "wang", "--name", "王芳", "--role", "admin"], env)[0] == 0
    with TestClient(create_app(HubSettings(data_dir=old.parent))) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert "(the old shared staff password) is no longer used; delete it" in caplog.text


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_keys_rotate_and_the_hub_still_reads_what_it_stored_before(env):
    from fastapi.testclient import TestClient

    from hub.app import create_app
    from hub.db.models import Case
    from hub.settings import HubSettings
    from tests.integration.hub.helpers import multipart
    from tests.integration.hub.staff_accounts import staff_auth

    token = invoke(["kiosks", "add", "--init", "--id", "k1", "--site", "s1"], env)[1].split()[-1]
    settings = HubSettings(data_dir=Path(env["KIOSKHUB_DATA_DIR"]))

    def file_case(client, key: str) -> str:
        r = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                        **multipart())
        assert r.status_code == 201, r.text
        return r.json()["case_no"]

    with TestClient(create_app(settings)) as client:
        old = file_case(client, "before")
        auth = staff_auth(client.app.state.hub, "supervisor")
    code, out, err = invoke(["keys", "rotate"], env)
    assert code == 0 and out.startswith("key 2 is active; wrote ") and "Copy it to every hub node" in out, err
    listed = json.loads(invoke(["keys", "list", "--json"], env)[1])
    assert [(k["id"], k["state"]) for k in listed] == [("1", "previous"), ("2", "active")]
    with TestClient(create_app(settings)) as client:
        new = file_case(client, "after")
        for case_no in (old, new):
            page = client.get(f"/staff/cases/{case_no}", auth=auth)
            assert page.status_code == 200 and "张三" in page.text
        assert client.get("/staff/materials/1", auth=auth).content.startswith(b"\xff\xd8\xff\xe0")  # sealed by key 1
        with client.app.state.hub.db.read() as db:
            stored = {c.case_no: c.applicant_enc[:2] for c in db.query(Case)}
    assert stored == {old: "1:", new: "2:"}
    code, _, err = invoke(["keys", "retire", "--id", "2"], env)
    assert code == 2 and "only a previous key can be retired" in err
    rows = json.loads(invoke(["audit", "list", "--json"], env)[1])
    assert [r["target"] for r in rows if r["action"] == "keys.rotate"] == ["key 2 is active"]
