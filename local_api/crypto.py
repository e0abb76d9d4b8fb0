"""Encryption at rest for personal data in the outbox: one Fernet key in the data dir, mode 0600."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Encrypts and authenticates blobs; a tampered or foreign blob raises ``InvalidToken``."""

    def __init__(self, key_path: Path) -> None:
        self._fernet = Fernet(_ensure_key(key_path))

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)


def _ensure_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


__all__ = ["InvalidToken", "Sealer"]
