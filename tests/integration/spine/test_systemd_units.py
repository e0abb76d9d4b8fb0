"""The shipped unit files pass systemd-analyze verify (with ExecStart pointed at this venv)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.daemon import BIN

UNITS = Path(__file__).resolve().parents[3] / "systemd"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", ["kioskd.service", "kiosk.service", "kioskhub.service"])
def test_unit_verifies(tmp_path, unit):
    text = (UNITS / unit).read_text()
    assert "Restart=always" in text and "NoNewPrivileges=yes" in text and "PrivateTmp=yes" in text
    assert "ProtectSystem=strict" in text and "User=" in text
    (tmp_path / unit).write_text(text.replace("/opt/kiosk/.venv/bin/", f"{BIN}/"))
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True)
    problems = [
        line for line in done.stderr.splitlines()
        # the units name sibling units and users that exist only on a provisioned kiosk
        if unit in line and "not found" not in line.lower()
    ]
    assert not problems, done.stderr
