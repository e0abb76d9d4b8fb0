"""Encryption at rest for personal data in the outbox: one Fernet key in the data dir, mode 0600."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Encrypts and authenticates blobs; a tampered or foreign blob raises ``InvalidToken``."""

    def __init__(self, key_path: Path) -> None:
        key = _ensure_key(key_path)
        self._fernet = Fernet(key)
        # A separate key for digests, derived so that a digest never reveals anything of the Fernet key.
        self._digest_key = hmac.new(key, b"kiosk subject digest v1", hashlib.sha256).digest()

    def digest(self, text: str) -> str:
        """A keyed hash (HMAC-SHA256) of personal data: equal inputs match, the input cannot be guessed back
        from it without this kiosk's key (ID numbers are too few for a plain hash)."""
        return hmac.new(self._digest_key, text.encode(), hashlib.sha256).hexdigest()

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
