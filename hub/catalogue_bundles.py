"""Catalogue bundles: a site's service items published as a versioned tar, signed with the hub's Ed25519 key.

A bundle is an uncompressed tar of ``manifest.json`` (``wire.catalogue.CatalogueManifest``),
``manifest.sig`` (the raw 64-byte Ed25519 signature of manifest.json's bytes) and ``files/<name>`` for
each file the manifest lists. Bundles are kept under ``catalogues/<site>/<version>.tar`` in the data
dir, never rewritten; versions count per site from 1. The key is ``catalogue-signing.pem`` (0600),
made on the first publish; kiosks learn its public half from ``KIOSK_CATALOGUE_KEY`` (printed by
``kioskhub catalogue key``). The hub does not read the definitions (it imports no flows code): each
kiosk validates every item before it switches.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import tarfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.auth import secret_file
from wire.catalogue import MAX_BYTES, MAX_FILES, NAME, BundleFile, CatalogueManifest

KEY_FILE = "catalogue-signing.pem"


class PublishError(ValueError):
    """A folder that cannot be published as it is; the message says which file and why."""


def signing_key(data_dir: Path) -> Ed25519PrivateKey:
    pem = secret_file(data_dir / KEY_FILE, lambda: Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise PublishError(f"{KEY_FILE} holds no Ed25519 key")
    return key


def public_key_text(data_dir: Path) -> str:
    """The public key as kiosks take it (KIOSK_CATALOGUE_KEY): base64 of the raw 32 bytes."""
    raw = signing_key(data_dir).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _collect(source: Path) -> dict[str, bytes]:
    if not source.is_dir():
        raise PublishError(f"{source} is not a folder")
    found: dict[str, bytes] = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(source).as_posix()
        if name.startswith(".") or name == "README.md":
            continue
        if not NAME.match(name):
            raise PublishError(f"{name}: not a definition (*.yaml at the top), locale/*.po|mo|json or "
                               "prompts/*.wav|ogg|mp3|txt; move or remove it")
        found[name] = path.read_bytes()
    if not any(name.endswith(".yaml") and "/" not in name for name in found):
        raise PublishError(f"{source} holds no definition (*.yaml)")
    if len(found) > MAX_FILES or sum(len(b) for b in found.values()) > MAX_BYTES:
        raise PublishError(f"a bundle takes at most {MAX_FILES} files and {MAX_BYTES // (1024 * 1024)} MB")
    return found


def site_dir(data_dir: Path, site: str) -> Path:
    return data_dir / "catalogues" / site


def latest_version(data_dir: Path, site: str) -> int | None:
    versions = [int(p.stem) for p in site_dir(data_dir, site).glob("*.tar") if p.stem.isdigit()]
    return max(versions) if versions else None


def bundle_path(data_dir: Path, site: str, version: int) -> Path:
    return site_dir(data_dir, site) / f"{version:06d}.tar"


def publish(data_dir: Path, site: str, source: Path, now: dt.datetime) -> tuple[int, Path]:
    """Sign and keep the next version of ``site``'s catalogue from the files of ``source``."""
    files = _collect(source)
    version = (latest_version(data_dir, site) or 0) + 1
    manifest = CatalogueManifest(site=site, version=version, created_at=now, files={
        name: BundleFile(sha256=hashlib.sha256(data).hexdigest(), size=len(data)) for name, data in files.items()})
    manifest_bytes = manifest.model_dump_json().encode()
    signature = signing_key(data_dir).sign(manifest_bytes)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [("manifest.json", manifest_bytes), ("manifest.sig", signature)] + [
                (f"files/{n}", d) for n, d in files.items()]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o644
            tar.addfile(info, io.BytesIO(data))
    target = bundle_path(data_dir, site, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.link(tmp, target)  # FileExistsError if another publish took this version meanwhile: never overwritten
    tmp.unlink()
    return version, target
