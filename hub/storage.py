"""Material files under the data dir: safe display names, random stored names, size limits while copying."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_CHUNK = 256 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_STORED = re.compile(r"^[0-9a-f]{32}$")


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
    """Keeps material files by random name in one folder; the database maps them to cases."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def save(self, source: BinaryIO, max_bytes: int) -> StoredFile:
        """Copy source into the store, stopping (and removing the partial copy) past max_bytes."""
        stored_name = secrets.token_hex(16)
        path = self.root / stored_name
        digest = hashlib.sha256()
        size = 0
        try:
            with open(path, "xb") as out:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(f"a material file may be at most {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredFile(stored_name, size, digest.hexdigest())

    def path(self, stored_name: str) -> Path:
        """Where a stored file lives; stored names are only ever our own hex names."""
        if not _STORED.match(stored_name):
            raise FileNameError("not a stored material name")
        return self.root / stored_name

    def discard(self, stored_names: list[str]) -> None:
        for name in stored_names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(name))
