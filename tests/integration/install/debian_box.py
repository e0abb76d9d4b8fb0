"""A fresh Debian 12 root (mmdebstrap) booted with systemd in a container (systemd-nspawn).

The root gets our .deb files and the Debian packages they depend on in its apt cache while it is
made (network needed then), and boots with a private network: the packages are then installed the
way a technician would (apt-get install ./kiosk_*.deb) on a running system, from that cache, and
nothing in the container can reach or clash with the host's ports. Commands run in the container
through nsenter on its systemd, with a clean environment.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
WORK = REPO / "build" / "install-test"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# the first 200 from a URL, polled from inside the container's network (standard library only)
_POLL = """
import sys, time, urllib.request
url, deadline = sys.argv[1], time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200:
                print(time.time())
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(3)
"""


class BoxError(AssertionError):
    """Something in the container did not go as it should; the message carries what it said."""


def cannot_run() -> str | None:
    """Why this machine cannot boot a container (a reason to skip), or None when it can."""
    if os.geteuid() != 0:
        return "mmdebstrap (root mode) and systemd-nspawn need root"
    missing = [t for t in ("mmdebstrap", "systemd-nspawn", "nsenter", "unshare", "dpkg-deb") if not shutil.which(t)]
    if missing:
        return f"{', '.join(missing)} not installed (./dev setup installs mmdebstrap and systemd-container)"
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().split("\n") if "=" in line)
    except OSError:
        release = {}
    if release.get("VERSION_CODENAME", "").strip('"') != "bookworm":
        return "the packages are built on Debian 12 (bookworm) and this is not it"
    probe = subprocess.run(["unshare", "--mount", "--pid", "--uts", "--ipc", "--net", "--fork", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"no permission to create namespaces here ({probe.stderr.strip()})"
    return None


def build_packages(out: Path, timings: dict[str, float]) -> dict[str, Path]:
    """./dev package, as a technician's build machine runs it (fast compression: it is thrown away)."""
    started = time.monotonic()
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run([str(REPO / "dev"), "package", "--out", str(out), "--compression", "zstd:1"],
                          capture_output=True, text=True, env=_host_env())
    if done.returncode != 0:
        raise BoxError(f"./dev package failed:\n{done.stderr[-4000:]}")
    timings["build_s"] = time.monotonic() - started
    return {deb.name.split("_")[0]: deb for deb in out.glob("*.deb")}


def _host_env() -> dict[str, str]:
    # the packages are built from the repository alone, whatever this test process has set
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("KIOSK", "PYTHON", "VIRTUAL_ENV", "PIP_"))} | {"PATH": PATH}


def packaging_build():
    """packaging/build.py as a module (by path: a module named "packaging" is a PyPI distribution)."""
    spec = importlib.util.spec_from_file_location("kiosk_deb_build", REPO / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def package_dependencies() -> list[str]:
    """The Debian packages our packages depend on or recommend, by name, as their control files say."""
    names = []
    for package in packaging_build().PACKAGES.values():
        for entry in (*package.depends, *package.recommends):
            names.append(entry.split()[0])
    return sorted(set(names))


class Bootstrap:
    """mmdebstrap of minbase + systemd, started in the background (it waits on the network while the
    packages build), with everything our packages need in apt's cache: the container has no network."""

    def __init__(self, root: Path, dependencies: list[str], log: Path) -> None:
        shutil.rmtree(root, ignore_errors=True)
        self.root, self.log, self.started = root, log, time.monotonic()
        command = [
            "mmdebstrap", "--variant=minbase", "--include=systemd,systemd-sysv,dbus",
            "--skip=cleanup/apt",  # keep the package lists and the downloaded packages
            # with Recommends, as a technician's plain `apt install` takes them (mmdebstrap's own apt does not)
            "--customize-hook=chroot \"$1\" apt-get install --yes --download-only -o APT::Install-Recommends=true "
            + " ".join(dependencies),
            "bookworm", str(root),
        ]
        self._out = open(log, "wb")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(command, stdout=self._out, stderr=subprocess.STDOUT, env=_host_env())

    def wait(self) -> float:
        """Wait for it to finish (never cut short: it has mounts in the root); seconds it took."""
        code = self.process.wait()
        self._out.close()
        if code != 0:
            said = self.log.read_text(errors="replace")[-3000:]
            raise BoxError(f"mmdebstrap failed ({code}); see {self.log}:\n{said}")
        return time.monotonic() - self.started


@dataclass
class Box:
    root: Path
    nspawn: subprocess.Popen[bytes]
    pid: int  # the container's systemd, as the host sees it

    @classmethod
    def boot(cls, root: Path, console: Path, timeout: float = 90) -> Box:
        out = open(console, "wb")  # noqa: SIM115 - the container writes to it until it stops
        nspawn = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--directory", str(root), "--boot", "--register=no", "--keep-unit",
             "--private-network", "--console=read-only"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=_host_env())
        deadline = time.monotonic() + timeout
        try:
            pid = None
            while pid is None:  # nspawn's first child is its own helper; the container's init comes next
                if nspawn.poll() is not None or time.monotonic() > deadline:
                    raise BoxError(f"systemd-nspawn did not boot the root; see {console}:\n"
                                   f"{console.read_text(errors='replace')[-3000:]}")
                pid = _systemd_under(nspawn.pid)
                time.sleep(0.1)
            box = cls(root, nspawn, pid)
            while True:  # until systemd's bus is there to ask, then until it has booted
                left = max(deadline - time.monotonic(), 5)
                state = box.run("systemctl", "is-system-running", "--wait", check=False, timeout=left)
                if state.stdout.strip() in ("running", "degraded"):
                    break
                if time.monotonic() > deadline:
                    raise BoxError(f"the container's systemd did not come up ({state.stdout.strip()!r} "
                                   f"{state.stderr.strip()}); see {console}")
                time.sleep(0.2)
        except BaseException:
            nspawn.terminate()
            nspawn.wait(30)
            raise
        return box

    def run(self, *command: str, user: str | None = None, check: bool = True, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command in the container (as ``user`` through runuser), with a clean environment."""
        clean = [f"PATH={PATH}", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive",
                 *(f"{k}={v}" for k, v in (env or {}).items())]
        as_user = ["runuser", "-u", user, "--"] if user else []
        done = subprocess.run(["nsenter", "--target", str(self.pid), "--all", "env", "-i", *clean, *as_user,
                               *command], capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            said = f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            raise BoxError(f"{' '.join(command)} exited {done.returncode}:\n{said}")
        return done

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess[str]:
        return self.run("sh", "-ec", script, **kwargs)

    def poll_http(self, url: str, timeout: float) -> subprocess.Popen[str]:
        """Start polling ``url`` from inside the container's network; it prints the time of the first 200."""
        return subprocess.Popen(["nsenter", "--target", str(self.pid), "--net", sys.executable, "-c", _POLL, url,
                                 str(timeout)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def first_200(self, url: str, timeout: float = 60) -> float:
        """Wait for a 200 from ``url``; the wall-clock time it came."""
        poller = self.poll_http(url, timeout)
        return self.answered(poller, url, timeout)

    def answered(self, poller: subprocess.Popen[str], url: str, timeout: float) -> float:
        out, err = poller.communicate(timeout=timeout + 10)
        if poller.returncode != 0:
            raise BoxError(f"no 200 from {url} within {timeout:.0f} s {err.strip()}\n{self.journal(200)}")
        return float(out.strip())

    def main_pid(self, unit: str) -> int:
        return int(self.run("systemctl", "show", "--property=MainPID", "--value", unit).stdout.strip() or 0)

    def show(self, unit: str, *properties: str) -> dict[str, str]:
        out = self.run("systemctl", "show", unit, *(f"--property={p}" for p in properties)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_restarted(self, unit: str, old_pid: int, timeout: float) -> float:
        """Wait until ``unit`` runs again under another process; seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            state = self.show(unit, "ActiveState", "MainPID")
            if state["ActiveState"] == "active" and int(state["MainPID"]) not in (0, old_pid):
                return time.monotonic() - started
            time.sleep(0.2)
        raise BoxError(f"{unit} was not running again within {timeout:.0f} s\n{self.journal(60, unit)}")

    def signal(self, unit: str, sig: signal.Signals) -> int:
        """Send ``sig`` to the main process of ``unit``; returns the container's pid of it."""
        pid = self.main_pid(unit)
        if not pid:
            raise BoxError(f"{unit} has no main process")
        self.sh(f"kill -{sig.name.removeprefix('SIG')} {pid}")  # the shell's kill: minbase has no procps
        return pid

    def journal(self, lines: int = 100, unit: str | None = None) -> str:
        args = ["journalctl", "--no-pager", "-n", str(lines)] + (["-u", unit] if unit else [])
        return self.run(*args, check=False).stdout

    def stop(self, timeout: float = 30) -> None:
        """Power the container off (nspawn passes SIGTERM on as a clean shutdown)."""
        if self.nspawn.poll() is None:
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(timeout)
            except subprocess.TimeoutExpired:
                self.nspawn.kill()
                self.nspawn.wait(10)


def _systemd_under(parent: int) -> int | None:
    """The container's init: a child of nspawn named systemd (not nspawn's own short-lived helpers)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm, rest = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            if int(rest.split()[1]) == parent and comm.endswith("(systemd"):
                return int(entry.name)
    return None
