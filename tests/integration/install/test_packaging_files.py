"""Quick checks of what ./dev package puts together (the slow test installs the result for real)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.integration.install.debian_box import packaging_build

REPO = Path(__file__).resolve().parents[3]


build = packaging_build()


@pytest.mark.parametrize("name", list(build.PACKAGES))
def test_every_file_a_package_takes_is_in_the_repository(name):
    build.check_files(build.PACKAGES[name])


SCRIPTS = [str(p.relative_to(REPO)) for p in sorted((REPO / "packaging").glob("*/*"))
           if p.name in ("postinst", "prerm", "postrm", "kioskctl", "kioskhub")]


@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_scripts_parse_as_posix_sh(script):
    done = subprocess.run(["sh", "-n", str(REPO / script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (REPO / script).read_text().startswith("#!/bin/sh\n")


def test_constraints_agree_with_pyproject():
    _, pins = build.project()
    build.check_constraints(pins)  # raises with "run ./dev package --relock" when they drifted apart


def test_the_wheel_takes_every_package_of_the_project():
    """A new top-level package (as common/ and wire/ were) goes into the wheel and under the import contracts."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    included = {p.removesuffix("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    contracted = set(config["tool"]["importlinter"]["root_packages"])
    on_disk = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests"}
    assert included == contracted == on_disk


def test_the_hubs_distributions_are_all_pinned():
    locked = build.read_constraints()
    wanted = [re.split(r"[\[=<>]", line)[0] for line in (REPO / "packaging/kioskhub/requirements.txt").read_text()
              .splitlines() if line and not line.startswith("#")]
    assert wanted and all(build.normalise(name) in locked for name in wanted)


def test_the_nginx_example_fits_the_hubs_defaults():
    conf = (REPO / "packaging/kioskhub/nginx-kioskhub.conf").read_text()
    env = (REPO / "systemd/kioskhub.env.example").read_text()
    port = re.search(r"^KIOSKHUB_PORT=(\d+)$", env, re.M)[1]
    assert f"server 127.0.0.1:{port};" in conf
    assert re.search(r"client_max_body_size (\d+)m;", conf)[1] == "64"  # KIOSKHUB_MAX_REQUEST_BYTES' default
    for header in ("X-Forwarded-Proto $scheme", "X-Forwarded-For $remote_addr", "Upgrade $http_upgrade"):
        assert header in conf


@pytest.mark.skipif(not build.PYTHON.exists(), reason="Debian's python3.11 is not installed")
def test_relocation_points_the_venv_at_opt_and_refuses_leftovers(tmp_path):
    stage = tmp_path / "stage"
    venv = stage / "opt" / "demo" / "venv"
    subprocess.run([str(build.PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True)
    script = venv / "bin" / "demo"
    script.write_text(f"#!{venv}/bin/python3.11\nimport sys\n")
    build.relocate(venv, "/opt/demo/venv")
    assert script.read_text().startswith("#!/opt/demo/venv/bin/python3.11\n")
    assert "\nVIRTUAL_ENV=/opt/demo/venv\n" in (venv / "bin" / "activate").read_text()
    assert str(tmp_path) not in (venv / "pyvenv.cfg").read_text()
    assert (venv / "bin" / "python3.11").resolve() == build.PYTHON.resolve()

    (next(venv.glob("lib/python3*/site-packages")) / "stray.txt").write_text(f"built in {venv}\n")
    with pytest.raises(build.BuildError, match=r"stray\.txt"):
        build.relocate(venv, "/opt/demo/venv")


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="not a Debian machine")
def test_refuses_to_build_with_a_package_name_it_does_not_know():
    done = subprocess.run([sys.executable, str(REPO / "packaging" / "build.py"), "kiosk-ui"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "no package 'kiosk-ui'" in done.stderr
