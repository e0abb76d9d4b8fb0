"""Material files under the data dir: staged until their case commits, encrypted at rest, random stored names."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from hub.personal import Keys

_CHUNK = 256 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_STORED = re.compile(r"^[0-9a-f]{32}$")
log = logging.getLogger(__name__)
STAGING = "staging"  # files whose case has not committed yet
SEALED = b"KHSEAL1\n"  # files written before encryption have no such header and are read as they are


class FileNameError(ValueError):
    """A file name that tries to leave its folder or is not a usable name."""


class FileTooLarge(ValueError):
    """A material file over the configured size limit."""


def safe_filename(name: str | None) -> str:
    """A display name for an uploaded file; raises on path tricks rather than silently rewriting them."""
    if not name:
        raise FileNameError("each material file needs a file name")
    name = unicodedata.normalize("NFC", name)
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        raise FileNameError("file names may not contain folders ('/', '\\') or start with '.'")
    if _UNSAFE.search(name):
        raise FileNameError('file names may not contain control characters or any of :*?"<>|')
    if len(name) > 200:
        raise FileNameError("file names may be at most 200 characters")
    return name


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    size: int
    sha256: str


class StagedFileGone(RuntimeError):
    """A staged file the sweep removed before its case could commit (the request waited past the grace)."""


class MaterialFiles(Protocol):
    """Where material files live, as intake and the staff pages use it; every hub node must reach the same one.

    ``MaterialStore`` keeps them in a directory, which several nodes share by mounting it (NFS, CephFS);
    its writes are atomic by rename. Another store (S3-compatible) implements these five, and brings
    its own sweep of staged files (``hub.sweep`` lists and locks the directory).
    """

    def stage(self, source: BinaryIO, max_bytes: int) -> StoredFile: ...
    def require_staged(self, stored_names: list[str]) -> None: ...
    def publish(self, stored_names: list[str]) -> None: ...
    def discard(self, stored_names: list[str]) -> None: ...
    def read(self, stored_name: str) -> bytes: ...


class MaterialStore:
    """Keeps material files by random name in one folder; the database maps them to cases.

    A file is written into ``staging/`` first and moved into the store (``publish``) only once the
    transaction that records its case has committed. So a file in the store always has its case;
    a process killed mid-intake leaves at most staged files, which ``hub.sweep`` deletes (no case)
    or publishes (its case committed just before the kill). ``grace_s`` is how old a staged file
    must be before the sweep may treat it as abandoned.

    With ``keys`` (the hub always passes them) each file is sealed with AES-GCM: scans of ID cards
    and household registers are the most sensitive thing the hub holds, and a copied disk or backup
    must not show them. Files are at most ``max_bytes`` (10 MB by default), so sealing in memory is fine.
    """

    def __init__(self, root: Path, keys: Keys | None = None, grace_s: float = 300.0) -> None:
        self.root = root
        self.staging = root / STAGING
        self.keys = keys
        self.grace_s = grace_s
        # Inside the store, so publishing is a rename within one file system.
        self.staging.mkdir(parents=True, exist_ok=True)

    def stage(self, source: BinaryIO, max_bytes: int) -> StoredFile:
        """Copy source into staging/, on disk before returning; refuses (and leaves nothing) past max_bytes."""
        stored_name = secrets.token_hex(16)
        path = self.staging / stored_name
        digest = hashlib.sha256()
        data = bytearray()
        while chunk := source.read(_CHUNK):
            if len(data) + len(chunk) > max_bytes:
                raise FileTooLarge(f"a material file may be at most {max_bytes} bytes")
            digest.update(chunk)
            data += chunk
        body = SEALED + self.keys.seal_file(bytes(data), stored_name) if self.keys else bytes(data)
        try:
            with open(path, "xb") as out:
                out.write(body)
                out.flush()
                # Synced before the case commits: a committed case must not point at a file a power cut lost.
                os.fsync(out.fileno())
            _sync_dir(self.staging)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredFile(stored_name, len(data), digest.hexdigest())

    def require_staged(self, stored_names: list[str]) -> None:
        """Raise unless every file is still staged: the last check before a case commits (see hub.sweep)."""
        if not all((self.staging / name).is_file() for name in stored_names):
            raise StagedFileGone("the hub took too long to record the case; nothing was kept, send it again")

    def publish(self, stored_names: list[str]) -> None:
        """Move staged files into the store once their case has committed; never raises.

        A file left in staging/ (a rename that failed, or a kill just before it) is still read from
        there and is published by the next sweep.
        """
        for name in stored_names:
            try:
                os.rename(self.staging / name, self.path(name))
            except FileNotFoundError:
                if not self.path(name).exists():  # a sweep may have published it already
                    log.error("a committed material file is missing from staging", extra={"stored_name": name})
            except OSError:
                log.exception("could not publish a material file; the sweep will", extra={"stored_name": name})

    def read(self, stored_name: str) -> bytes:
        """A stored file's content, decrypted (from staging/ if its case committed but it is not yet published)."""
        try:
            raw = self.path(stored_name).read_bytes()
        except FileNotFoundError:
            raw = (self.staging / stored_name).read_bytes()
        if not raw.startswith(SEALED):
            return raw
        if self.keys is None:
            raise ValueError("this material file is encrypted; open the store with the hub's keys")
        return self.keys.open_file(raw[len(SEALED):], stored_name)

    def path(self, stored_name: str) -> Path:
        """Where a published file lives; stored names are only ever our own hex names."""
        if not _STORED.match(stored_name):
            raise FileNameError("not a stored material name")
        return self.root / stored_name

    def discard(self, stored_names: list[str]) -> None:
        """Delete staged files whose case was not recorded (a replay, a refusal, a failure)."""
        for name in stored_names:
            if not _STORED.match(name):
                raise FileNameError("not a stored material name")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.staging / name)

    def published(self) -> list[tuple[str, float]]:
        """(stored name, modification time) of every file in the store."""
        return _listing(self.root)

    def staged(self) -> list[tuple[str, float]]:
        """(stored name, modification time) of every staged file."""
        return _listing(self.staging)


def _listing(folder: Path) -> list[tuple[str, float]]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if _STORED.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):  # gone since the listing: published or swept
                    found.append((entry.name, entry.stat(follow_symlinks=False).st_mtime))
    return found


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
