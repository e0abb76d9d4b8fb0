"""Personal data at the hub: the keyed index hash and encryption at rest (checks and masks: ``common``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common import idnumber
from wire.person import RESIDENT_ID as RESIDENT_ID  # defined with the payloads; imported from here too


class Keys:
    """The hub's secret (a file in its data dir) and what is derived from it."""

    def __init__(self, secret: bytes) -> None:
        self._index = _derive(secret, b"kioskhub id-number index")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"kioskhub at-rest encryption")))
        self._follow = _derive(secret, b"kioskhub queue follow link")
        self._files = AESGCM(_derive(secret, b"kioskhub material files"))
        self._requests = _derive(secret, b"kioskhub request fingerprint")

    @classmethod
    def load_or_create(cls, path: Path) -> Keys:
        """Read the secret, creating it with mode 0600 on first start."""
        from hub.auth import secret_file

        secret = bytes.fromhex(secret_file(path, lambda: secrets.token_hex(32)))
        if len(secret) < 16:
            raise ValueError(f"{path} holds a secret shorter than 16 bytes; delete it only on a fresh hub")
        return cls(secret)

    def id_index(self, id_type: str, number: str) -> str:
        """HMAC-SHA256 of the document type and number: what the database indexes instead of the number."""
        msg = f"{id_type}:{idnumber.normalise(number)}".encode()
        return hmac.new(self._index, msg, hashlib.sha256).hexdigest()

    def follow_mac(self, ticket_id: int) -> bytes:
        """HMAC-SHA256 of a queue ticket's row id: what makes its public follow link unguessable."""
        return hmac.new(self._follow, f"queue-ticket:{ticket_id}".encode(), hashlib.sha256).digest()

    def request_mac(self, text: str) -> str:
        """HMAC-SHA256 of a request: tells a repeat from a different request without keeping what it held."""
        return hmac.new(self._requests, text.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def seal_file(self, data: bytes, name: str) -> bytes:
        """AES-256-GCM of a material file, bound to its stored name (a file copied over another fails)."""
        nonce = secrets.token_bytes(12)
        return nonce + self._files.encrypt(nonce, data, name.encode())

    def open_file(self, sealed: bytes, name: str) -> bytes:
        try:
            return self._files.decrypt(sealed[:12], sealed[12:], name.encode())
        except (InvalidTag, ValueError):
            raise ValueError(f"material file {name} does not decrypt with this hub's secret") from None

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("stored value does not decrypt with this hub's secret") from None


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
