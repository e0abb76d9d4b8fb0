"""kioskctl end to end: the TCP virtual printer as a process, print and status commands against it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

KIOSKCTL = str(Path(sys.executable).parent / "kioskctl")


@pytest.fixture()
def sim_process(tmp_path):
    out = tmp_path / "pages"
    proc = subprocess.Popen([KIOSKCTL, "sim", "printer", "--listen", "127.0.0.1:0", "--out", str(out)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")
    banner = proc.stdout.readline()
    assert "virtual printer on 127.0.0.1:" in banner, proc.stderr.read()
    port = int(banner.split("127.0.0.1:")[1].split(",")[0])

    def control(line: str) -> str:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        while not (reply := proc.stdout.readline()).startswith(("ok ", "? ")):
            pass
        return reply

    yield f"tcp://127.0.0.1:{port}?status_timeout=0.3", out, control
    proc.terminate()
    proc.wait(timeout=10)


def _run(*args: str):
    """Run kioskctl in-process (its start-up costs seconds per process); the simulator stays a process."""
    from kioskctl.main import app

    result = CliRunner().invoke(app, list(args))
    result.returncode = result.exit_code
    return result


def test_print_ticket_and_status_through_the_cli(sim_process):
    uri, out, control = sim_process
    done = _run("print", "ticket", "--device", uri, "--number", "A012", "--service", "社保业务", "--waiting", "5",
                "--qr", "https://zwfw.example.gov.cn/q?t=A012", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"printed": True, "device": uri}
    assert (out / "job-0001.png").is_file()
    assert "社保业务" in (out / "job-0001.txt").read_text(encoding="utf-8")

    status = _run("printer", "status", "--device", uri, "--json")
    assert status.returncode == 0
    assert json.loads(status.stdout) == {"online": True, "paper": "ok", "cover_open": False, "error": False}

    assert control("paper out").startswith("ok paper=out")
    status = _run("printer", "status", "--device", uri, "--json")
    assert json.loads(status.stdout) == {"online": False, "paper": "out", "cover_open": False, "error": False}
    refused = _run("print", "ticket", "--device", uri, "--number", "A013", "--service", "x", "--waiting", "0")
    assert refused.returncode == 1 and "no paper" in refused.stderr

    control("paper ok")
    control("silent on")
    silent = _run("printer", "status", "--device", uri, "--json")
    assert silent.returncode == 3
    assert json.loads(silent.stdout) == {"online": None, "paper": "unknown", "cover_open": None, "error": None}


def test_bad_input_is_a_usage_error_with_a_message(sim_process):
    uri, out, _ = sim_process
    too_big = _run("print", "ticket", "--device", uri, "--number", "A1", "--service", "x", "--waiting", "1",
                   "--qr", "x" * 3000)
    assert too_big.returncode == 2 and "QR payload" in too_big.stderr and "Traceback" not in too_big.stderr
    bad_uri = _run("printer", "status", "--device", "lpt://1", "--json")
    assert bad_uri.returncode == 2 and bad_uri.stdout == ""
    assert not list(out.glob("*.png"))


def test_a_test_ticket_shows_the_halls_time_not_the_machines(sim_process, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    uri, out, _ = sim_process
    monkeypatch.setenv("KIOSK_TIMEZONE", "Asia/Urumqi")  # machines often run in UTC; the hall does not
    done = _run("print", "ticket", "--device", uri, "--number", "A012", "--service", "社保业务", "--waiting", "0")
    assert done.returncode == 0, done.stderr
    printed = next(line for line in (out / "job-0001.txt").read_text(encoding="utf-8").splitlines()
                   if line.startswith("取号时间"))
    stamp = datetime.strptime(printed.split()[-2] + " " + printed.split()[-1], "%Y-%m-%d %H:%M")
    hall_now = datetime.now(ZoneInfo("Asia/Urumqi")).replace(tzinfo=None)
    assert abs((hall_now - stamp).total_seconds()) < 120, f"{printed!r} is not the hall's time ({hall_now:%H:%M})"


def test_status_exits_3_when_nothing_answers_at_the_address():
    from tests.daemon import free_port

    nobody = _run("printer", "status", "--device", f"tcp://127.0.0.1:{free_port()}?timeout=2", "--json")
    assert nobody.returncode == 3  # as its help says: the printer does not answer
    assert json.loads(nobody.stdout) == {"online": None, "paper": "unknown", "cover_open": None, "error": None}
    assert len(nobody.stderr.strip().splitlines()) == 1 and "no printer answers" in nobody.stderr
