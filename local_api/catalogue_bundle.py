"""Checking a catalogue bundle from the hub before anything of it is used (see ``hub.catalogue_bundles``).

In order: the tar is whole and holds the manifest and its signature; the signature is the hub's (the
key kioskd was given, ``KIOSK_CATALOGUE_KEY``); the manifest is for this kiosk's site; every file is
there with the size and SHA-256 the manifest gives, and nothing else is; and every service item in it
passes the same validation as the shipped ones. Only then are the files written, into a fresh
folder that the caller switches to. Any failure is a :class:`BundleRefused` saying why, and nothing
of the bundle is kept, so the kiosk goes on serving the catalogue it has.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import shutil
import tarfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from flows.catalog import assemble
from wire.catalogue import MAX_BYTES, CatalogueManifest


class BundleRefused(ValueError):
    """A bundle that is not used; the message says why (for the kiosk's health and the hub)."""


def public_key(text: str) -> Ed25519PublicKey:
    """KIOSK_CATALOGUE_KEY: base64 of the hub's raw 32-byte Ed25519 public key (kioskhub catalogue key)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ValueError("must be the base64 public key that 'kioskhub catalogue key' prints") from None


def _members(bundle: bytes) -> dict[str, bytes]:
    if len(bundle) > MAX_BYTES + 1024 * 1024:
        raise BundleRefused("the bundle is larger than any the hub publishes")
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:") as tar:
            for member in tar:
                if not member.isfile():
                    raise BundleRefused(f"the bundle holds {member.name!r}, which is not a plain file")
                data = tar.extractfile(member)
                found[member.name] = data.read() if data else b""
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleRefused(f"the bundle is cut short or not a bundle ({type(exc).__name__})") from None
    return found


def check(bundle: bytes, key: Ed25519PublicKey, site: str | None) -> tuple[CatalogueManifest, dict[str, bytes]]:
    """The manifest and the files of a bundle that passed every check but the items' validation."""
    members = _members(bundle)
    manifest_bytes, signature = members.pop("manifest.json", None), members.pop("manifest.sig", None)
    if manifest_bytes is None or signature is None:
        raise BundleRefused("the bundle is cut short: its manifest or signature is missing")
    try:
        key.verify(signature, manifest_bytes)
    except InvalidSignature:
        raise BundleRefused("the bundle's signature is not the hub's (another key, or the manifest was changed)") \
            from None
    try:
        manifest = CatalogueManifest.model_validate_json(manifest_bytes)
    except ValidationError as exc:
        raise BundleRefused(f"the bundle's manifest is not valid: {exc.error_count()} problem(s)") from None
    if site is not None and manifest.site != site:
        raise BundleRefused(f"the bundle is for site {manifest.site}, this kiosk is at {site}")
    files: dict[str, bytes] = {}
    for name, entry in manifest.files.items():
        data = members.pop(f"files/{name}", None)
        if data is None:
            raise BundleRefused(f"the bundle is cut short: {name} is missing")
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise BundleRefused(f"{name} is not the file the hub signed (changed or cut short)")
        files[name] = data
    if members:
        raise BundleRefused(f"the bundle holds files its manifest does not list: {', '.join(sorted(members))[:200]}")
    return manifest, files


def unpack(bundle: bytes, key: Ed25519PublicKey, site: str | None, target: Path) -> CatalogueManifest:
    """Check the bundle and write its files into ``target`` (made fresh); the items are validated there."""
    manifest, files = check(bundle, key, site)
    shutil.rmtree(target, ignore_errors=True)
    try:
        for name, data in files.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        problems = assemble([target]).problems
        if problems:
            raise BundleRefused(f"version {manifest.version} has {len(problems)} item problem(s); first: {problems[0]}")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return manifest
