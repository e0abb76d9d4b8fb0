"""Call recordings, for sites whose policy is to record (``KIOSKHUB_CALL_RECORDING``).

The call is peer to peer, so the hub never sees its media: the helper's page records what the
helper sees and hears (the citizen's camera and both voices) with the browser's MediaRecorder and
uploads it in WebM pieces while the call runs. Each piece is sealed as it arrives (AES-256-GCM,
bound to its name), so a call cut off midway keeps what came before it. A reconnection gives the
page new tracks and so a new recorder: a call may have several parts, each a playable file.
Recordings are personal data: they are purged after ``KIOSKHUB_RECORDING_RETENTION_DAYS``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from hub.personal import Keys

MAX_PIECE_BYTES = 8 * 1024 * 1024  # a few seconds of 640x480 video is far less
_CALL_ID = re.compile(r"^[0-9a-f]{32}$")
_PIECE = re.compile(r"^(\d{3})-(\d{6})\.bin$")


class RecordingRefused(ValueError):
    """A piece that cannot be taken (bad call id, part or sequence, too big)."""


@dataclass(frozen=True)
class Recording:
    call_id: str
    parts: dict[int, int]  # part -> number of pieces
    size: int
    updated: float  # seconds since the epoch


class Recordings:
    def __init__(self, root: Path, keys: Keys, retention_days: float) -> None:
        self.root = root
        self.keys = keys
        self.retention_s = retention_days * 86_400

    def add(self, call_id: str, part: int, seq: int, data: bytes) -> bool:
        """Store one piece; False when this piece was stored before (a retried upload)."""
        if not _CALL_ID.match(call_id):
            raise RecordingRefused("not a call id")
        if not (0 <= part <= 999 and 0 <= seq <= 999_999):
            raise RecordingRefused("part must be 0-999 and seq 0-999999")
        if not data or len(data) > MAX_PIECE_BYTES:
            raise RecordingRefused(f"a piece must be 1 byte to {MAX_PIECE_BYTES // (1024 * 1024)} MiB")
        folder = self.root / call_id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{part:03d}-{seq:06d}.bin"
        target = folder / name
        if target.exists():
            return False
        sealed = self.keys.seal_file(data, f"{call_id}/{name}")
        # A name of its own: a retried upload may be written by another node into the same shared folder at once.
        temp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        with open(temp, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
        return True

    def get(self, call_id: str) -> Recording | None:
        folder = self.root / call_id
        if not _CALL_ID.match(call_id) or not folder.is_dir():
            return None
        parts: dict[int, int] = {}
        size, updated = 0, 0.0
        for path in folder.iterdir():
            match = _PIECE.match(path.name)
            if match:
                part = int(match.group(1))
                parts[part] = parts.get(part, 0) + 1
                stat = path.stat()
                size += stat.st_size
                updated = max(updated, stat.st_mtime)
        return Recording(call_id, dict(sorted(parts.items())), size, updated) if parts else None

    def all(self) -> list[Recording]:
        """Every recording kept, newest first."""
        if not self.root.is_dir():
            return []
        found = [self.get(p.name) for p in self.root.iterdir() if p.is_dir()]
        return sorted((r for r in found if r is not None), key=lambda r: r.updated, reverse=True)

    def webm(self, call_id: str, part: int) -> bytes:
        """One part as a playable WebM file: its pieces decrypted and joined in order."""
        folder = self.root / call_id
        if not _CALL_ID.match(call_id):
            raise KeyError(call_id)
        pieces = sorted(p for p in folder.glob(f"{part:03d}-*.bin") if _PIECE.match(p.name))
        if not pieces:
            raise KeyError(f"{call_id} part {part}")
        return b"".join(self.keys.open_file(p.read_bytes(), f"{call_id}/{p.name}") for p in pieces)

    def purge(self, now: float | None = None) -> int:
        """Delete recordings older than the retention; returns how many calls' recordings went."""
        now = time.time() if now is None else now
        gone = 0
        for recording in self.all():
            if now - recording.updated > self.retention_s:
                shutil.rmtree(self.root / recording.call_id, ignore_errors=True)
                gone += 1
        return gone
