"""Build the Debian 12 (bookworm) packages ``kiosk`` and ``kioskhub``: ``./dev package``.

Each package carries its Python in a virtual environment under /opt (/opt/kiosk/venv,
/opt/kioskhub/venv), made with Debian's /usr/bin/python3.11 and holding the project's wheel with
its pinned dependencies (pyproject.toml pins what the project names, packaging/constraints.txt
what those pull in). The venv is built in a staging tree, re-pointed at its path under /opt,
byte-compiled there and packed with dpkg-deb. Why this and not dh-virtualenv, fpm or nfpm:
packaging/README.md.

Standard library only, run by /usr/bin/python3: building needs no project virtual environment.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "packaging"
SYSTEMD = ROOT / "systemd"
CONSTRAINTS = HERE / "constraints.txt"
# bookworm's interpreter, by its versioned name: the venv keeps working (Depends: python3.11) even
# after /usr/bin/python3 moves on to a newer Python in a later release
PYTHON = Path("/usr/bin/python3.11")
MAINTAINER = os.environ.get("KIOSK_DEB_MAINTAINER", "gov-kiosk maintainers <gov-kiosk@localhost>")


class BuildError(Exception):
    """The build cannot go on; the message says what to install or change."""


@dataclass(frozen=True)
class Package:
    name: str
    venv: str  # where the venv lives on the target
    summary: str
    description: str
    depends: tuple[str, ...]
    recommends: tuple[str, ...] = ()
    suggests: tuple[str, ...] = ()
    # (file in the repository, path in the package, mode)
    files: tuple[tuple[str, str, int], ...] = ()
    conffiles: tuple[str, ...] = ()
    # None: the wheel and all its dependencies; a file: only the distributions it names
    requirements: str | None = None
    # console scripts that make no sense in this venv (their modules' dependencies are not there)
    drop_scripts: tuple[str, ...] = ()
    # imported in the built venv before packing: a missing dependency fails the build, not the kiosk
    smoke_imports: tuple[str, ...] = ()
    # files (relative to site-packages) a dependency ships that the product never loads
    drop_files: tuple[str, ...] = ()
    maintainer_scripts: tuple[str, ...] = field(default=("postinst", "prerm", "postrm"))


KIOSK = Package(
    name="kiosk",
    venv="/opt/kiosk/venv",
    summary="self-service kiosk runtime: kioskd, the touch UI and kioskctl",
    description=(
        "The local daemon kioskd (devices, citizen sessions, store-and-forward outbox), the Kivy touch\n"
        "UI drawn straight on the display through KMS/DRM, and the technician's kioskctl, with their\n"
        "systemd units, the kiosk account, udev rules for the devices and /etc/kiosk/kiosk.env."
    ),
    depends=(
        "python3.11",
        "systemd",  # the units, systemd-sysusers and systemd-tmpfiles
        # Kivy's GL and SDL2's KMS/DRM and offscreen back ends (the wheels bundle SDL2, not these)
        "libgl1", "libegl1", "libgles2", "libgbm1", "libdrm2", "libgl1-mesa-dri",
        "libmtdev1",  # multitouch panels
        "libasound2",  # SDL2 audio
        "libusb-1.0-0",  # pyusb: usb:// ID readers and printers
        "espeak-ng", "alsa-utils",  # voice prompts: synthesis, and aplay to play them
        "fonts-noto-cjk",  # the Chinese face is extracted from it at install
        "fonts-noto-core",  # Tibetan and Uyghur (KIOSK_LANGUAGES)
        "fonts-material-design-icons-iconfont",  # the home tiles' and the stage bar's icons (kiosk.icons)
    ),
    recommends=("udev", "ca-certificates"),
    suggests=("xinit", "xserver-xorg-core"),
    files=(
        ("systemd/kioskd.service", "lib/systemd/system/kioskd.service", 0o644),
        ("systemd/kiosk.service", "lib/systemd/system/kiosk.service", 0o644),
        ("systemd/kiosk.sysusers.conf", "usr/lib/sysusers.d/kiosk.conf", 0o644),
        ("systemd/kiosk.tmpfiles.conf", "usr/lib/tmpfiles.d/kiosk.conf", 0o644),
        ("systemd/99-kiosk-devices.rules", "lib/udev/rules.d/99-kiosk-devices.rules", 0o644),
        ("systemd/kiosk.env.example", "etc/kiosk/kiosk.env", 0o644),  # 0640 root:kiosk by postinst
        ("packaging/kiosk/kioskctl", "usr/bin/kioskctl", 0o755),
        ("docs/technicians.md", "usr/share/doc/kiosk/technicians.md", 0o644),
        ("systemd/kiosk.env.example", "usr/share/doc/kiosk/examples/kiosk.env", 0o644),
        ("packaging/copyright", "usr/share/doc/kiosk/copyright", 0o644),
    ),
    conffiles=("/etc/kiosk/kiosk.env",),
    drop_scripts=("kioskhub",),  # the hub is its own package, for a server
    smoke_imports=("local_api.main", "local_api.prompts", "kiosk.cli", "kiosk.fonts", "kioskctl.main",
                   "wire.application", "cv2", "av", "aiortc", "usb.core", "serial", "escpos.printer",
                   "dlib", "drivers.face.model_files"),
    # the face check loads the 5-point landmarks, the embedding and HOG (drivers/face/models.py); the
    # 68-point model (96 MB) has training data that forbids commercial use, the CNN detector is too slow
    drop_files=("face_recognition_models/models/shape_predictor_68_face_landmarks.dat",
                "face_recognition_models/models/mmod_human_face_detector.dat"),
    maintainer_scripts=("postinst", "prerm", "postrm", "triggers"),
)

KIOSKHUB = Package(
    name="kioskhub",
    venv="/opt/kioskhub/venv",
    summary="reference central intake server for self-service kiosks",
    description=(
        "kioskhub: case intake, queue numbers, ratings, the kiosk registry and heartbeats, the\n"
        "video-help switchboard and the staff and helper pages, with its systemd unit, account,\n"
        "/etc/kioskhub/kioskhub.env and an nginx TLS reverse-proxy example."
    ),
    # fonts-noto-cjk: the Simplified-Chinese face the A4 certificates are set in
    depends=("python3.11", "systemd", "fonts-noto-cjk"),
    recommends=("ca-certificates",),
    suggests=("nginx", "postgresql"),
    files=(
        ("systemd/kioskhub.service", "lib/systemd/system/kioskhub.service", 0o644),
        ("systemd/kioskhub.sysusers.conf", "usr/lib/sysusers.d/kioskhub.conf", 0o644),
        ("systemd/kioskhub.tmpfiles.conf", "usr/lib/tmpfiles.d/kioskhub.conf", 0o644),
        ("systemd/kioskhub.env.example", "etc/kioskhub/kioskhub.env", 0o644),  # 0640 root:kioskhub by postinst
        ("packaging/kioskhub/kioskhub", "usr/bin/kioskhub", 0o755),
        ("hub/README.md", "usr/share/doc/kioskhub/README.md", 0o644),
        ("packaging/kioskhub/nginx-kioskhub.conf", "usr/share/doc/kioskhub/examples/nginx-kioskhub.conf", 0o644),
        ("packaging/kioskhub/haproxy-kioskhub.cfg", "usr/share/doc/kioskhub/examples/haproxy-kioskhub.cfg", 0o644),
        ("systemd/kioskhub.env.example", "usr/share/doc/kioskhub/examples/kioskhub.env", 0o644),
        ("packaging/copyright", "usr/share/doc/kioskhub/copyright", 0o644),
    ),
    conffiles=("/etc/kioskhub/kioskhub.env",),
    requirements="packaging/kioskhub/requirements.txt",
    drop_scripts=("kioskd", "kiosk", "kioskctl"),
    smoke_imports=("hub.cli", "hub.app", "hub.certificates.render", "hub.certificates.signing", "wire.application",
                   "psycopg", "jinja2", "multipart", "websockets"),
)

PACKAGES = {p.name: p for p in (KIOSK, KIOSKHUB)}


def log(message: str) -> None:
    sys.stderr.write(f"[package] {message}\n")


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure, raise with the command and the end of what it said."""
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()[-3000:]
        raise BuildError(f"{' '.join(str(c) for c in command[:4])} ... failed ({done.returncode}):\n{said}")
    return done


# -- the build host ----------------------------------------------------------------------------------

def check_host() -> str:
    """The machine builds for bookworm: its Python and libc are the ones the venv will run on."""
    try:
        release = platform.freedesktop_os_release()
    except OSError:
        release = {}
    if (release.get("ID"), release.get("VERSION_ID")) != ("debian", "12"):
        raise BuildError(
            f"this is {release.get('PRETTY_NAME', 'not Debian')}; build on Debian 12 (bookworm): the venv links "
            "against the build machine's /usr/bin/python3.11 and glibc, so it must be the target's"
        )
    if not PYTHON.exists():
        raise BuildError(f"{PYTHON} is missing; apt-get install python3.11")
    if run(PYTHON, "-c", "import ensurepip", check=False).returncode != 0:
        raise BuildError("Debian's venv support is missing; apt-get install python3-venv")
    for tool in ("dpkg-deb", "dpkg"):
        if shutil.which(tool) is None:
            raise BuildError(f"{tool} is missing; this is not a Debian machine")
    return run("dpkg", "--print-architecture").stdout.strip()


def project() -> tuple[str, dict[str, str]]:
    """pyproject.toml's version and its pins (normalised name -> version)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for requirement in data["dependencies"]:
        name, _, version = requirement.partition("==")
        pins[normalise(name.split("[")[0])] = version.strip()
    return data["version"], pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def read_constraints() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[normalise(name)] = version.strip()
    return pins


def check_constraints(pins: dict[str, str]) -> None:
    """packaging/constraints.txt must agree with pyproject.toml, or the packages are not what was tested."""
    if not CONSTRAINTS.exists():
        raise BuildError("packaging/constraints.txt is missing; run ./dev package --relock")
    locked = read_constraints()
    for name, version in sorted(pins.items()):
        if locked.get(name) != version:
            raise BuildError(
                f"pyproject.toml pins {name}=={version} but packaging/constraints.txt has "
                f"{name}=={locked.get(name, '(nothing)')}; run ./dev package --relock and commit the result"
            )


def deb_version(base: str) -> str:
    """pyproject's version, then the commit's time and hash: later commits sort later for apt."""
    try:
        stamp, commit = run("git", "-C", ROOT, "log", "-1", "--format=%ct %h").stdout.split()
        dirty = run("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    except (BuildError, FileNotFoundError, ValueError):
        return base
    when = time.strftime("%Y%m%d%H%M%S", time.gmtime(int(stamp)))
    return f"{base}+git{when}.{commit}" + (".dirty" if dirty else "")


# -- the venv ----------------------------------------------------------------------------------------

def copy_source(target: Path) -> None:
    """The files git knows (tracked, or new and not ignored): no .venv, var/ or old build output in the wheel."""
    if target.exists():
        shutil.rmtree(target)
    try:
        listed = run("git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
        names = [n for n in listed.split("\0") if n]
    except (BuildError, FileNotFoundError):
        raise BuildError("packages are built from a git checkout (to know which files belong to it)") from None
    for name in names:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def pip(venv: Path, *args: str | Path, cache: Path) -> None:
    env = dict(os.environ, PIP_CACHE_DIR=str(cache), PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    run(venv / "bin" / "python", "-m", "pip", *args, env=env)


def build_wheel(work: Path, cache: Path) -> Path:
    log("building the project's wheel")
    copy_source(work / "src")
    tools = work / "tools"
    if not (tools / "bin" / "python").exists():
        run(PYTHON, "-m", "venv", tools)
    wheels = work / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    pip(tools, "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, work / "src", cache=cache)
    (wheel,) = wheels.glob("gov_kiosk-*.whl")
    return wheel


def build_venv(package: Package, stage: Path, wheel: Path, cache: Path) -> Path:
    venv = stage / package.venv.lstrip("/")
    log(f"{package.name}: installing into {package.venv} (staged)")
    run(PYTHON, "-m", "venv", venv)
    common = ("install", "--quiet", "--no-compile", "--constraint", CONSTRAINTS)
    if package.requirements is None:
        pip(venv, *common, wheel, cache=cache)
        pip(venv, "check", cache=cache)
    else:
        pip(venv, *common, "--no-deps", wheel, cache=cache)
        pip(venv, *common, "--requirement", ROOT / package.requirements, cache=cache)
    for script in package.drop_scripts:
        (venv / "bin" / script).unlink()
    for name in package.drop_files:
        (site,) = venv.glob("lib/python3*/site-packages")
        (site / name).unlink()  # missing: the dependency changed, and this list must be looked at again
    # pip and setuptools only build the venv: on the kiosk nothing installs into it but dpkg
    pip(venv, "uninstall", "--quiet", "--yes", "pip", "setuptools", cache=cache)
    if package.smoke_imports:
        code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
        try:
            run(venv / "bin" / "python", "-c", code, *package.smoke_imports,
                env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", KIVY_NO_ARGS="1"), cwd=stage)
        except BuildError as exc:
            raise BuildError(f"{package.name}: the built venv misses a module: {exc}") from None
    return venv


def relocate(venv: Path, final: str) -> None:
    """Point the venv's scripts at where the package puts it, as dh-virtualenv does; fail on any leftover."""
    old, new = str(venv).encode(), final.encode()
    for path in [*(venv / "bin").iterdir(), venv / "pyvenv.cfg"]:
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if old in data:
                path.write_bytes(data.replace(old, new))
    # pip records where a local wheel came from (the build folder); the package has no use for it
    for record in venv.glob("lib/python3*/site-packages/gov_kiosk-*.dist-info/direct_url.json"):
        record.unlink()
        listing = record.with_name("RECORD")
        kept = [line for line in listing.read_text().splitlines() if "/direct_url.json," not in line]
        listing.write_text("\n".join(kept) + "\n")
    leftovers = []
    needles = (old, str(ROOT).encode())
    for path in venv.rglob("*"):
        if path.is_symlink():
            if os.readlink(path).startswith(str(ROOT)):
                leftovers.append(path)
        elif path.is_file() and path.suffix != ".pyc":
            data = path.read_bytes()
            if any(n in data for n in needles):
                leftovers.append(path)
    if leftovers:
        shown = ", ".join(str(p.relative_to(venv)) for p in leftovers[:5])
        raise BuildError(f"the venv still names the build folder in {len(leftovers)} files: {shown}")


def byte_compile(stage: Path, venv: Path) -> None:
    """Compile here, not at install: the services cannot write under /opt (ProtectSystem=strict).

    unchecked-hash .pyc files are used without looking at the sources' times, which dpkg does not
    keep meaningful; the paths inside are the installed ones (-s/-p), for readable tracebacks.
    """
    done = subprocess.run(
        [str(PYTHON), "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
         "-s", str(stage), "-p", "/", str(venv / "lib")], capture_output=True, text=True)
    # a few wheels ship files that are not Python 3 (templates, fixtures); those stay uncompiled
    failed = [line for line in done.stdout.splitlines() if line.startswith("***")]
    if done.returncode != 0 and not failed:
        raise BuildError(f"byte-compiling failed: {done.stderr.strip()[-2000:]}")
    if failed:
        log(f"{len(failed)} files are not Python 3 and stay uncompiled")


# -- the .deb ----------------------------------------------------------------------------------------

def check_files(package: Package) -> None:
    """Before the slow part: every file the package takes from the repository is there."""
    wanted = [source for source, _, _ in package.files] + [f"packaging/{package.name}/{s}"
                                                           for s in package.maintainer_scripts]
    if package.requirements:
        wanted.append(package.requirements)
    missing = [name for name in wanted if not (ROOT / name).is_file()]
    if missing:
        raise BuildError(f"{package.name}: missing {', '.join(missing)}")


def lay_out(package: Package, stage: Path) -> None:
    for source, target, mode in package.files:
        path = stage / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / source, path)
        path.chmod(mode)


def control(package: Package, version: str, arch: str, stage: Path) -> str:
    size_kib = sum(-(-p.lstat().st_size // 1024) for p in stage.rglob("*") if not p.is_dir())
    fields = {
        "Package": package.name,
        "Version": version,
        "Architecture": arch,
        "Maintainer": MAINTAINER,
        "Installed-Size": str(size_kib),
        "Depends": ", ".join(package.depends),
        "Recommends": ", ".join(package.recommends),
        "Suggests": ", ".join(package.suggests),
        "Section": "misc",
        "Priority": "optional",
        "Description": package.summary + "\n" + "\n".join(f" {line}" for line in package.description.splitlines()),
    }
    return "".join(f"{k}: {v}\n" for k, v in fields.items() if v)


def write_debian_dir(package: Package, version: str, arch: str, stage: Path) -> None:
    debian = stage / "DEBIAN"
    debian.mkdir()
    sums = []
    for path in sorted(p for p in stage.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(stage).as_posix()
        if not relative.startswith("DEBIAN/") and f"/{relative}" not in package.conffiles:
            sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {relative}\n")  # dpkg --verify's format
    (debian / "control").write_text(control(package, version, arch, stage))
    (debian / "md5sums").write_text("".join(sums))
    (debian / "conffiles").write_text("".join(f"{c}\n" for c in package.conffiles))
    for script in package.maintainer_scripts:
        target = debian / script
        shutil.copyfile(HERE / package.name / script, target)
        target.chmod(0o644 if script == "triggers" else 0o755)


def build_package(package: Package, version: str, arch: str, work: Path, wheel: Path, out: Path,
                  compression: tuple[str, str]) -> Path:
    started = time.monotonic()
    stage = work / package.name
    shutil.rmtree(stage, ignore_errors=True)
    venv = build_venv(package, stage, wheel, work / "pip-cache")
    relocate(venv, package.venv)
    byte_compile(stage, venv)
    lay_out(package, stage)
    write_debian_dir(package, version, arch, stage)
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{package.name}_{version}_{arch}.deb"
    log(f"{package.name}: packing ({compression[0]} level {compression[1]})")
    run("dpkg-deb", "--root-owner-group", f"-Z{compression[0]}", f"-z{compression[1]}", "--build", stage, deb)
    log(f"{package.name}: {deb.relative_to(ROOT) if deb.is_relative_to(ROOT) else deb} "
        f"({deb.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s")
    return deb


def relock(work: Path) -> None:
    """Resolve pyproject's pins afresh and write every distribution they pull in to constraints.txt."""
    cache = work / "pip-cache"
    wheel = build_wheel(work, cache)
    fresh = Path(tempfile.mkdtemp(dir=work)) / "venv"
    run(PYTHON, "-m", "venv", fresh)
    pip(fresh, "install", "--quiet", wheel, cache=cache)
    frozen = run(fresh / "bin" / "python", "-m", "pip", "freeze", "--exclude", "gov-kiosk").stdout
    shutil.rmtree(fresh.parent)
    CONSTRAINTS.write_text(
        "# Every distribution in the packages' venvs, pinned: pyproject.toml's pins and what they pull in.\n"
        "# Written by ./dev package --relock (on Debian 12, with /usr/bin/python3.11); ./dev package refuses\n"
        "# to build while this disagrees with pyproject.toml.\n" + frozen
    )
    log(f"wrote {CONSTRAINTS.relative_to(ROOT)} ({len(frozen.splitlines())} pins)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev package",
        description="Build the Debian 12 (bookworm) packages kiosk and kioskhub (how and why: packaging/README.md).")
    parser.add_argument("packages", nargs="*", metavar="PACKAGE",
                        help=f"which to build ({', '.join(PACKAGES)}); all by default")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the .deb files go (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "packages",
                        help="staging and pip's cache (default: build/packages/)")
    parser.add_argument("--compression", default="zstd:9", metavar="TYPE:LEVEL",
                        help="dpkg-deb compression (default zstd:9; xz:6 is smaller and several times slower)")
    parser.add_argument("--relock", action="store_true",
                        help="re-resolve the dependencies into packaging/constraints.txt, then stop")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.packages) - set(PACKAGES))
    if unknown:
        parser.error(f"no package {unknown[0]!r}; there are {', '.join(PACKAGES)}")
    kind, _, level = args.compression.partition(":")
    if kind not in ("zstd", "xz", "gzip", "none") or not (level or "0").isdigit():
        parser.error(f"--compression {args.compression!r}: use zstd:N, xz:N, gzip:N or none")
    try:
        arch = check_host()
        args.work.mkdir(parents=True, exist_ok=True)
        if args.relock:
            relock(args.work)
            return 0
        base, pins = project()
        check_constraints(pins)
        for name in args.packages or PACKAGES:
            check_files(PACKAGES[name])
        version = deb_version(base)
        wheel = build_wheel(args.work, args.work / "pip-cache")
        for name in args.packages or PACKAGES:
            build_package(PACKAGES[name], version, arch, args.work, wheel, args.out.resolve(), (kind, level or "0"))
    except BuildError as exc:
        sys.stderr.write(f"./dev package: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
