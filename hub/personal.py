"""Personal data at the hub: ID number checks, masking, the keyed index hash and encryption at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

RESIDENT_ID = "111"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")


def resident_id_problem(number: str) -> str | None:
    """Why an 18-character 居民身份证 number (GB 11643) is invalid, or None; never echoes the number."""
    if not _ID18.match(number):
        return "must be 18 characters: 17 digits then a digit or X"
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != number[17]:
        return "check digit does not match (GB 11643); re-read the card"
    return None


def normalise_id(number: str) -> str:
    """Upper-case and strip, so 'x' and 'X' index the same person."""
    return number.strip().upper()


def mask_id(number: str) -> str:
    """Keep the first 4 and last 4 characters, as on the kiosk's receipts: 6401**********123X."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """Keep the first character: 张*, 欧阳**."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


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
        msg = f"{id_type}:{normalise_id(number)}".encode()
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
