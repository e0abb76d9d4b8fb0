"""kioskd as a process: start, token, auth, devices, bad settings, clean shutdown."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess

import httpx
import pytest

from tests.daemon import BIN, daemon_env, free_port, kioskd

QUIET = {"KIOSK_DEVICES": "real", "KIOSK_VOICE": "none:"}


def listening_on(port: int) -> list[str]:
    """The local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        with open(table) as fh:
            for row in fh.read().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                address, port_hex = local.split(":")
                if int(port_hex, 16) == port and state == "0A":  # 0A = LISTEN
                    raw = bytes.fromhex(address)
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                    found.append(socket.inet_ntop(socket.AF_INET if size == 4 else socket.AF_INET6, words))
    return found


def test_health_is_open_and_everything_else_needs_the_token(tmp_path):
    with kioskd(tmp_path, **QUIET) as d:
        assert listening_on(d.port) == ["127.0.0.1"]  # the default: only this machine reaches the API
        health = httpx.get(f"{d.url}/health").json()
        assert health["status"] == "ok" and health["devices"] == {"voice": "online"}

        token_file = tmp_path / "api-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

        assert httpx.get(f"{d.url}/devices").status_code == 401
        wrong = httpx.get(f"{d.url}/devices", headers={"Authorization": "Bearer not-the-token-123"})
        assert wrong.status_code == 401
        assert "api-token" in wrong.json()["detail"]

        with d.client() as c:
            devices = c.get("/devices").json()
            assert [(x["name"], x["uri"], x["status"]["health"]) for x in devices] == [("voice", "none:", "online")]
            assert c.get("/openapi.json").json()["info"]["title"] == "kioskd"

    log = d.log_text()
    assert "rejected request with a wrong token" in log
    assert "not-the-token-123" not in log


def test_token_survives_restart(tmp_path):
    with kioskd(tmp_path, **QUIET) as d:
        first = d.token
    with kioskd(tmp_path, **QUIET) as d:
        assert d.token == first


def test_sigterm_closes_devices_and_database_cleanly(tmp_path):
    with kioskd(tmp_path, **QUIET) as d:
        # uvicorn re-raises the signal after its graceful shutdown; systemd counts that as clean
        assert d.stop() in (0, -signal.SIGTERM)
    lines = [json.loads(line) for line in d.log_text().splitlines()]
    assert lines[-1]["msg"].startswith("Finished server process") or any(
        x["msg"] == "kioskd stopped" for x in lines
    )
    assert any(x["msg"] == "kioskd stopped" for x in lines)
    # The engine was disposed: SQLite checkpointed and removed the WAL on the last close.
    assert not (tmp_path / "kioskd.sqlite3-wal").exists()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"KIOSK_API_PORT": "eighty"}, "KIOSK_API_PORT"),
        ({"KIOSK_PRINTER": "lpt://1"}, "KIOSK_PRINTER"),
        ({"KIOSK_VOICE": "nonsense"}, "KIOSK_VOICE"),
        ({"KIOSK_LOG_LEVEL": "LOUD"}, "KIOSK_LOG_LEVEL"),
        ({"KIOSK_HUB_ULR": "https://hub.example.gov.cn"}, "did you mean KIOSK_HUB_URL?"),  # start-up, too
        ({"KIOSK_TECHNICIAN_PIN": "12ab"}, "KIOSK_TECHNICIAN_PIN"),
    ],
)
def test_bad_setting_stops_with_one_line_and_exit_2(tmp_path, settings, expected):
    env = daemon_env(tmp_path, free_port(), **{**QUIET, **settings})
    done = subprocess.run([str(BIN / "kioskd")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_malformed_config_file_names_the_file(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('api_port = 8765\nhall_name = "unterminated\n', encoding="utf-8")
    env = daemon_env(tmp_path, free_port(), KIOSK_CONFIG=str(config), **QUIET)
    done = subprocess.run([str(BIN / "kioskd")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "KIOSK_CONFIG" in done.stderr and "kiosk.toml" in done.stderr and "Traceback" not in done.stderr


def test_config_file_is_read_and_environment_wins(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('kiosk_id = "from-file"\nhall_name = "文件里的大厅"\n[devices]\nvoice = "none:"\n')
    with kioskd(tmp_path, KIOSK_CONFIG=str(config), KIOSK_DEVICES="real") as d:
        assert httpx.get(f"{d.url}/health").json()["kiosk_id"] == "from-file"
        with d.client() as c:
            assert [x["uri"] for x in c.get("/devices").json()] == ["none:"]
    with kioskd(tmp_path, KIOSK_CONFIG=str(config), KIOSK_DEVICES="real", KIOSK_KIOSK_ID="from-env") as d:
        assert httpx.get(f"{d.url}/health").json()["kiosk_id"] == "from-env"


def test_unknown_setting_in_config_file_is_named(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('api_prot = 9000\n')
    env = daemon_env(tmp_path, free_port(), KIOSK_CONFIG=str(config), **QUIET)
    done = subprocess.run([str(BIN / "kioskd")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "'api_prot'" in done.stderr


@pytest.mark.parametrize(
    ("settings", "starts", "says"),
    [
        ({"KIOSK_HUB_ULR": "https://hub.example.gov.cn"}, "KIOSK_HUB_ULR:", "did you mean KIOSK_HUB_URL?"),
        ({"KIOSK_PRINTER": "usb://0416"}, "KIOSK_PRINTER:", "usb://VID:PID"),
        ({"KIOSK_TECHNICIAN_PIN": "12ab"}, "KIOSK_TECHNICIAN_PIN:", "digits only"),
        ({"KIOSK_HUB_URL": "https://hub.example.gov.cn/api/v1"}, "KIOSK_HUB_URL:", "drop /api/v1"),
        ({"KIOSK_HUB_URL": "http://hub.example.gov.cn"}, "KIOSK_HUB_URL:", "use https://hub.example.gov.cn"),
    ],
)
def test_check_config_refuses_with_exit_2_and_one_line(tmp_path, settings, starts, says):
    env = daemon_env(tmp_path, free_port(), **{**QUIET, **settings})
    done = subprocess.run([str(BIN / "kioskd"), "--check-config"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kioskd: {starts}") and says in lines[0], done.stderr
    assert done.stdout == ""
    assert "12ab" not in done.stderr  # a PIN is never echoed


def test_check_config_passes_good_settings_and_the_ui_agrees(tmp_path):
    good = daemon_env(tmp_path, free_port(), **QUIET, KIOSK_TECHNICIAN_PIN="2468", KIOSK_PRINTER="usb://0416:5011",
                      KIOSK_HUB_URL="https://hub.example.gov.cn", KIOSK_LANGUAGES="zh_CN,bo_CN")
    done = subprocess.run([str(BIN / "kioskd"), "--check-config"], env=good, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "kioskd: settings are valid"), done.stderr
    ui = subprocess.run([str(BIN / "kiosk"), "--check-config"], env=good, capture_output=True, text=True, timeout=60)
    assert (ui.returncode, ui.stdout.strip()) == (0, "kiosk: settings are valid"), ui.stderr

    # The UI refuses with kioskd's very words: one loader, one set of rules.
    bad = {**good, "KIOSK_TECHNICIAN_PIN": "12ab"}
    daemon = subprocess.run([str(BIN / "kioskd"), "--check-config"], env=bad, capture_output=True, text=True,
                            timeout=60)
    ui = subprocess.run([str(BIN / "kiosk"), "--check-config"], env=bad, capture_output=True, text=True, timeout=60)
    assert daemon.returncode == ui.returncode == 2
    assert daemon.stderr.removeprefix("kioskd: ") == ui.stderr.removeprefix("kiosk: ")
