"""``kioskctl idcard read`` and ``kioskctl sim idcard`` (the simulator in its own process) as a technician runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from kioskctl.main import app

CARDS = Path(__file__).parents[2] / "data" / "id_card" / "cards.json"


def kioskctl(*args: str) -> Result:
    """Run kioskctl in-process (the same entry point as the installed script)."""
    return CliRunner().invoke(app, list(args))


def test_read_prints_one_json_object_and_exits_0() -> None:
    done = kioskctl("idcard", "read", "--device", "sim:?card=foreign_permanent_2023&pace=0", "--json")
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["card_type"] == "foreign_permanent_2023"
    assert data["name_en"] == "EXAMPLE, SAMPLE PERSON" and data["nationality"] == "USA"
    assert data["id_number_valid"] is True
    assert len(data["photo_wlt"]) == 1368


def test_human_output_is_masked() -> None:
    done = kioskctl("idcard", "read", "--device", "sim:?card=resident&pace=0")
    assert done.exit_code == 0, done.stderr
    assert "张*" in done.stdout and "1101**********1233" in done.stdout
    assert "张三" not in done.stdout and "110101199003071233" not in done.stdout


def test_no_card_before_the_timeout_exits_3() -> None:
    done = kioskctl("idcard", "read", "--device", "sim:?pace=0", "--timeout", "0.5", "--json")
    assert done.exit_code == 3
    assert done.stdout == ""
    assert "no card" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("scenario", "says"),
    [("silent", "device error: .*no answer to 20 01"), ("bad_checksum", "protocol error: .*bad checksum"),
     ("removed_mid_read", "card error: .*taken off the reader")],
)
def test_device_and_protocol_faults_exit_1_with_one_line(scenario: str, says: str) -> None:
    done = kioskctl("idcard", "read", "--device", f"sim:?card=resident&pace=0&scenario={scenario}",
                    "--timeout", "2", "--json")
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert re.search(says, done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_bad_uri_exits_2() -> None:
    done = kioskctl("idcard", "read", "--device", "tcp://1.2.3.4:9", "--json")
    assert done.exit_code == 2
    assert "use one of" in done.stderr


@pytest.fixture
def standalone_sim() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from kioskctl.main import main; main()", "sim", "idcard", "--cards", str(CARDS),
         "--dwell", "0.2", "--gap", "0.3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()
    try:
        assert path.startswith("/dev/"), proc.stderr.read() if proc.poll() is not None else path
        yield path
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_standalone_simulator_serves_the_cards_file_to_a_serial_read(standalone_sim: str) -> None:
    seen = []
    for _ in range(3):
        done = kioskctl("idcard", "read", "--device", f"serial://{standalone_sim}?baud=115200",
                        "--timeout", "5", "--json")
        assert done.exit_code == 0, done.stderr
        seen.append(json.loads(done.stdout))
    assert seen[0]["name"] == "张三"
    assert seen[1]["name"] == "王五" and seen[1]["valid_to"] == "长期" and seen[1]["id_number_valid"]
    assert seen[2]["card_type"] == "hkmt_residence"
