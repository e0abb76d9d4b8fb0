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
from hub import keyring
from hub.keyring import BASE, KeyRing
from wire.person import RESIDENT_ID as RESIDENT_ID  # defined with the payloads; imported from here too


class Keys:
    """The hub's key ring and what is derived from each key; which use rotates is decided in hub/README.md (Keys).

    Rotating: at-rest encryption (``key:token``), material and recording files (a header naming the key),
    queue follow links and staff session cookies; data and tokens made with an older key stay readable.
    Not rotating, on key 1 for good: the ID-number index (rows are found by it, so a new key would need every
    row re-indexed) and request fingerprints (a retry must hash as its first try did).
    """

    def __init__(self, secret: bytes | KeyRing) -> None:
        ring = secret if isinstance(secret, KeyRing) else KeyRing.single(secret)
        self.ring = ring
        base = ring.base.secret
        self._index = _derive(base, b"kioskhub id-number index")
        self._requests = _derive(base, b"kioskhub request fingerprint")
        self._active = ring.active.id
        self._fernet = {k.id: Fernet(base64.urlsafe_b64encode(_derive(k.secret, b"kioskhub at-rest encryption")))
                        for k in ring.keys}
        self._files = {k.id: AESGCM(_derive(k.secret, b"kioskhub material files")) for k in ring.keys}
        self._follow = {k.id: _derive(k.secret, b"kioskhub queue follow link") for k in ring.keys if k.verifies}
        self._sessions = {k.id: _derive(k.secret, b"kioskhub staff session") for k in ring.keys if k.verifies}

    @classmethod
    def load_or_create(cls, path: Path) -> Keys:
        """Read the secret (creating it with mode 0600 on first start) and the key ring beside it, if any."""
        from hub.auth import secret_file

        secret = bytes.fromhex(secret_file(path, lambda: secrets.token_hex(32)))
        if len(secret) < 16:
            raise ValueError(f"{path} holds a secret shorter than 16 bytes; delete it only on a fresh hub")
        return cls(keyring.with_base(keyring.load(path), secret))

    def id_index(self, id_type: str, number: str) -> str:
        """HMAC-SHA256 of the document type and number: what the database indexes instead of the number."""
        msg = f"{id_type}:{idnumber.normalise(number)}".encode()
        return hmac.new(self._index, msg, hashlib.sha256).hexdigest()

    def follow_mac(self, ticket_id: int, key_id: str | None = None) -> bytes:
        """HMAC-SHA256 of a queue ticket's row id (with the active key unless named): its unguessable follow link."""
        key = self._follow[key_id or self._active]
        return hmac.new(key, f"queue-ticket:{ticket_id}".encode(), hashlib.sha256).digest()

    def follow_key_ids(self) -> list[str]:
        """The keys a follow link may have been made with: the active one first, then the others not retired."""
        return [self._active, *(k for k in self._follow if k != self._active)]

    def session_keys(self) -> tuple[str, dict[str, bytes]]:
        """The active key's id and every verifying key, for signing staff session cookies."""
        return self._active, dict(self._sessions)

    def request_mac(self, text: str) -> str:
        """HMAC-SHA256 of a request: tells a repeat from a different request without keeping what it held."""
        return hmac.new(self._requests, text.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, text: str) -> str:
        """``<key id>:<Fernet token>`` under the active key."""
        return f"{self._active}:{self._fernet[self._active].encrypt(text.encode()).decode()}"

    def seal_file(self, data: bytes, name: str) -> bytes:
        """AES-256-GCM of a file under the active key, bound to its stored name (a file copied over another fails).

        Layout: FILE_MAGIC, one byte of key-id length, the key id, a 12-byte nonce, the ciphertext.
        """
        nonce = secrets.token_bytes(12)
        kid = self._active.encode()
        return FILE_MAGIC + bytes([len(kid)]) + kid + nonce + self._files[self._active].encrypt(nonce, data,
                                                                                                 name.encode())

    def open_file(self, sealed: bytes, name: str) -> bytes:
        if sealed.startswith(FILE_MAGIC) and len(sealed) > len(FILE_MAGIC):
            size = sealed[len(FILE_MAGIC)]
            start = len(FILE_MAGIC) + 1
            kid = sealed[start:start + size].decode("ascii", "replace")
            body = sealed[start + size:]
            if kid in self._files:
                try:
                    return self._files[kid].decrypt(body[:12], body[12:], name.encode())
                except (InvalidTag, ValueError):
                    pass  # perhaps a file of before the ring whose nonce began like the header: tried below
        try:  # sealed before the key ring: nonce and ciphertext under key 1
            return self._files[BASE].decrypt(sealed[:12], sealed[12:], name.encode())
        except (InvalidTag, ValueError):
            raise ValueError(f"file {name} does not decrypt with this hub's keys") from None

    def decrypt(self, token: str) -> str:
        kid, colon, body = token.partition(":")
        kid, body = (kid, body) if colon else (BASE, token)  # a Fernet token has no ':'; older values name no key
        fernet = self._fernet.get(kid)
        try:
            if fernet is None:
                raise InvalidToken
            return fernet.decrypt(body.encode()).decode()
        except InvalidToken:
            raise ValueError("stored value does not decrypt with this hub's keys (is keyring.json this hub's?)") \
                from None


FILE_MAGIC = b"\x00khk"  # a sealed file that names its key


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
