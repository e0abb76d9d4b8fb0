"""The shipped unit files pass systemd-analyze verify (with ExecStart pointed at this venv); the
accounts, state dirs and settings files they rely on are declared and readable the way they are used."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.daemon import BIN

REPO = Path(__file__).resolve().parents[3]
UNITS = REPO / "systemd"
# unit -> the sysusers file of the package that ships it
SHIPPED_BY = {"kioskd.service": "kiosk", "kiosk.service": "kiosk", "kioskhub.service": "kioskhub"}
VENVS = ("/opt/kiosk/venv/bin/", "/opt/kioskhub/venv/bin/")


def _unit(unit: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (UNITS / unit).read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", list(SHIPPED_BY))
def test_unit_verifies(tmp_path, unit):
    text = (UNITS / unit).read_text()
    assert "Restart=always" in text and "NoNewPrivileges=yes" in text and "PrivateTmp=yes" in text
    assert "ProtectSystem=strict" in text and "User=" in text
    for venv in VENVS:
        text = text.replace(venv, f"{BIN}/")
    (tmp_path / unit).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True)
    problems = [
        line for line in done.stderr.splitlines()
        # the units name sibling units and users that exist only on a provisioned kiosk
        if unit in line and "not found" not in line.lower()
    ]
    assert not problems, done.stderr


@pytest.mark.parametrize("unit", list(SHIPPED_BY))
def test_units_start_the_packages_entry_points(unit):
    """ExecStart names a console script of pyproject.toml in the venv of the package that ships the unit."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    (command,) = _unit(unit)["ExecStart"]
    program = command.split()[0]
    assert program.startswith(f"/opt/{SHIPPED_BY[unit]}/venv/bin/"), program
    assert Path(program).name in scripts


@pytest.mark.parametrize("unit", ["kioskd.service", "kiosk.service"])
def test_kiosk_units_tell_systemd_they_are_ready_and_alive(unit):
    settings = _unit(unit)
    assert settings["Type"] == ["notify"]
    assert settings["NotifyAccess"] == ["main"]  # only the process itself, not what it spawns (espeak-ng, aplay)
    (watchdog,) = settings["WatchdogSec"]
    assert 5 <= int(watchdog) <= 60
    assert settings["RestartPreventExitStatus"] == ["2"]  # a bad setting is not retried for ever
    assert settings["StartLimitIntervalSec"] == ["0"]  # anything else is, without giving up


def test_the_ui_is_not_ordered_after_the_target_that_wants_it():
    settings = _unit("kiosk.service")
    assert settings["WantedBy"] == ["graphical.target"]
    assert "graphical.target" not in " ".join(settings.get("After", []))


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


@pytest.mark.parametrize("unit", list(SHIPPED_BY))
def test_every_account_a_unit_runs_as_is_declared_by_its_package(unit):
    sysusers = f"{SHIPPED_BY[unit]}.sysusers.conf"
    users, groups = _declared((UNITS / sysusers).read_text())
    settings = _unit(unit)
    for user in settings.get("User", []):
        assert user in users, f"{unit}: user {user} is not created by {sysusers}"
    for key in ("Group", "SupplementaryGroups"):
        missing = set(" ".join(settings.get(key, [])).split()) - groups
        assert not missing, f"{unit}: groups {missing} are not in {sysusers}"


@pytest.mark.skipif(shutil.which("systemd-sysusers") is None, reason="systemd-sysusers not installed")
@pytest.mark.parametrize("package", ["kiosk", "kioskhub"])
def test_sysusers_creates_the_accounts_on_a_fresh_system(tmp_path, package):
    (tmp_path / "etc").mkdir()
    done = subprocess.run(["systemd-sysusers", "--dry-run", f"--root={tmp_path}",
                           str(UNITS / f"{package}.sysusers.conf")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"Creating user '{package}'" in done.stderr + done.stdout


@pytest.mark.skipif(shutil.which("systemd-tmpfiles") is None or os.geteuid() != 0,
                    reason="needs systemd-tmpfiles, and root to hand the state dir to its account")
@pytest.mark.parametrize("package", ["kiosk", "kioskhub"])
def test_tmpfiles_makes_the_state_dir_for_the_account(tmp_path, package):
    """As postinst does: accounts first (sysusers), then the state dir (tmpfiles), in a scratch root."""
    (tmp_path / "etc").mkdir()
    subprocess.run(["systemd-sysusers", f"--root={tmp_path}", str(UNITS / f"{package}.sysusers.conf")],
                   check=True, capture_output=True)
    done = subprocess.run(["systemd-tmpfiles", "--create", f"--root={tmp_path}",
                           str(UNITS / f"{package}.tmpfiles.conf")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    state = tmp_path / "var" / "lib" / package
    assert state.is_dir() and state.stat().st_mode & 0o777 == 0o700
    uid = next(int(line.split(":")[2]) for line in (tmp_path / "etc" / "passwd").read_text().splitlines()
               if line.startswith(f"{package}:"))
    assert state.stat().st_uid == uid


# What systemd's EnvironmentFile= and a POSIX shell read the same way: a plain value of safe
# characters, or a double-quoted one without $ ` \ or " inside.
ASSIGNMENT = re.compile(r'^(?P<key>[A-Z_][A-Z0-9_]*)=(?:"(?P<quoted>[^"$`\\]*)"|(?P<plain>[A-Za-z0-9:/._,@+-]*))$')


def _assignments(path: Path, *, commented: bool) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if commented and re.match(r"^#[A-Z_][A-Z0-9_]*=", line):
            lines.append(line[1:])  # an example a technician uncomments must be valid as well
        elif line and not line.startswith("#"):
            lines.append(line)
    return lines


@pytest.mark.parametrize("name", ["kiosk.env.example", "kioskhub.env.example"])
def test_env_files_read_the_same_in_systemd_and_in_a_shell(tmp_path, name):
    for line in _assignments(UNITS / name, commented=True):
        assert ASSIGNMENT.match(line), f"{name}: {line!r} may read differently in systemd and a shell; quote it"
    expected = {}
    for line in _assignments(UNITS / name, commented=False):
        match = ASSIGNMENT.match(line)
        expected[match["key"]] = match["quoted"] if match["quoted"] is not None else match["plain"]
    # the uncommented file as a shell sources it (the kioskctl and kioskhub wrappers do)
    done = subprocess.run(["sh", "-c", 'set -a; . "$1"; set +a; env -0', "sh", str(UNITS / name)],
                          capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True)
    sourced = dict(item.split("=", 1) for item in done.stdout.split("\0") if "=" in item)
    assert {key: sourced.get(key) for key in expected} == expected
    if name == "kiosk.env.example":
        assert expected["KIOSK_HALL_NAME"] == "银川市民大厅 24小时自助服务区"
        assert "KIOSK_CAMERA" in expected and "&" in expected["KIOSK_CAMERA"]
