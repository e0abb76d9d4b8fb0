"""Material files under the data dir: encrypted at rest, safe display names, random stored names, size limits."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from hub.personal import Keys

_CHUNK = 256 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_STORED = re.compile(r"^[0-9a-f]{32}$")
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


class MaterialStore:
    """Keeps material files by random name in one folder; the database maps them to cases.

    With ``keys`` (the hub always passes them) each file is sealed with AES-GCM: scans of ID cards
    and household registers are the most sensitive thing the hub holds, and a copied disk or backup
    must not show them. Files are at most ``max_bytes`` (10 MB by default), so sealing in memory is fine.
    """

    def __init__(self, root: Path, keys: Keys | None = None) -> None:
        self.root = root
        self.keys = keys
        root.mkdir(parents=True, exist_ok=True)

    def save(self, source: BinaryIO, max_bytes: int) -> StoredFile:
        """Copy source into the store, refusing (and leaving nothing) past max_bytes."""
        stored_name = secrets.token_hex(16)
        path = self.root / stored_name
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
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredFile(stored_name, len(data), digest.hexdigest())

    def read(self, stored_name: str) -> bytes:
        """A stored file's content, decrypted."""
        raw = self.path(stored_name).read_bytes()
        if not raw.startswith(SEALED):
            return raw
        if self.keys is None:
            raise ValueError("this material file is encrypted; open the store with the hub's keys")
        return self.keys.open_file(raw[len(SEALED):], stored_name)

    def path(self, stored_name: str) -> Path:
        """Where a stored file lives; stored names are only ever our own hex names."""
        if not _STORED.match(stored_name):
            raise FileNameError("not a stored material name")
        return self.root / stored_name

    def discard(self, stored_names: list[str]) -> None:
        for name in stored_names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(name))
