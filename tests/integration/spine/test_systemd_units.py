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


def _declared(conf: str) -> tuple[set[str], set[str]]:
    users, groups = set(), set()
    for line in conf.splitlines():
        fields = line.split()
        if fields and fields[0] == "u":
            users.add(fields[1])
            groups.add(fields[1])
        elif fields and fields[0] == "m":
            groups.add(fields[2])
    return users, groups


def test_every_account_the_units_run_as_is_declared_for_sysusers():
    users, groups = _declared((UNITS / "kiosk.sysusers.conf").read_text())
    for unit in ("kioskd.service", "kiosk.service", "kioskhub.service"):
        for line in (UNITS / unit).read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "User":
                assert value in users, f"{unit}: user {value} is not created by kiosk.sysusers.conf"
            elif key in ("Group", "SupplementaryGroups"):
                missing = set(value.split()) - groups
                assert not missing, f"{unit}: groups {missing} are not in kiosk.sysusers.conf"


@pytest.mark.skipif(shutil.which("systemd-sysusers") is None, reason="systemd-sysusers not installed")
def test_sysusers_creates_the_accounts_on_a_fresh_system(tmp_path):
    (tmp_path / "etc").mkdir()
    done = subprocess.run(["systemd-sysusers", "--dry-run", f"--root={tmp_path}", str(UNITS / "kiosk.sysusers.conf")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    said = done.stderr + done.stdout
    assert "Creating user 'kiosk'" in said and "Creating user 'kioskhub'" in said
