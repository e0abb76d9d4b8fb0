"""The device lifecycle every driver follows (after UnifiedPOS) and the status object it reports.

open → claim → enable → use → disable → release → close. A claim is exclusive: a technician's
self-test and a citizen's session never drive the same device at once.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from drivers.errors import DeviceBusy, LifecycleError


class Health(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"


class Stage(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    CLAIMED = "claimed"
    ENABLED = "enabled"


@dataclass(frozen=True)
class DeviceStatus:
    """What a device last knew about itself; ``sensors`` holds kind-specific readings."""

    health: Health = Health.UNKNOWN
    message: str = ""
    sensors: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"health": self.health.value, "message": self.message, "sensors": dict(self.sensors)}


StatusListener = Callable[["Device", DeviceStatus], None]


class Device:
    """Base class: lifecycle bookkeeping, exclusive claims and status events.

    Subclasses implement ``_open``, ``_close`` and optionally ``_enable``/``_disable`` and
    ``probe`` (a cheap check that refreshes the status).
    """

    kind: ClassVar[str] = "device"

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._stage = Stage.CLOSED
        self._owner: str | None = None
        self._status = DeviceStatus()
        self._listeners: list[StatusListener] = []
        self._lock = threading.RLock()

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def stage(self) -> Stage:
        return self._stage

    @property
    def owner(self) -> str | None:
        return self._owner

    def open(self) -> None:
        with self._lock:
            if self._stage is Stage.CLOSED:
                self._open()
                self._stage = Stage.OPEN

    def claim(self, owner: str) -> None:
        with self._lock:
            self._require(Stage.OPEN, Stage.CLAIMED, Stage.ENABLED, action="claim")
            if self._owner not in (None, owner):
                raise DeviceBusy(f"in use by {self._owner}; try again when it is released", device=self.uri)
            self._owner = owner
            if self._stage is Stage.OPEN:
                self._stage = Stage.CLAIMED

    def enable(self) -> None:
        with self._lock:
            self._require(Stage.CLAIMED, Stage.ENABLED, action="enable")
            if self._stage is Stage.CLAIMED:
                self._enable()
                self._stage = Stage.ENABLED

    def disable(self) -> None:
        with self._lock:
            if self._stage is Stage.ENABLED:
                self._disable()
                self._stage = Stage.CLAIMED

    def release(self, owner: str | None = None) -> None:
        with self._lock:
            if owner is not None and self._owner not in (None, owner):
                raise DeviceBusy(f"claimed by {self._owner}, not by {owner}", device=self.uri)
            self.disable()
            self._owner = None
            if self._stage is Stage.CLAIMED:
                self._stage = Stage.OPEN

    def close(self) -> None:
        with self._lock:
            if self._stage is Stage.CLOSED:
                return
            self.release()
            try:
                self._close()
            finally:
                self._stage = Stage.CLOSED

    def _require(self, *stages: Stage, action: str) -> None:
        if self._stage not in stages:
            raise LifecycleError(f"cannot {action} while {self._stage.value}", device=self.uri)

    # -- status ------------------------------------------------------------------------------
    @property
    def status(self) -> DeviceStatus:
        return self._status

    def on_status(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener(device, status)`` whenever the status changes; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def set_status(self, status: DeviceStatus) -> None:
        """Record a new status and tell listeners if anything changed."""
        if status == self._status:
            return
        self._status = status
        for listener in list(self._listeners):
            listener(self, status)

    def probe(self) -> DeviceStatus:
        """Refresh and return the status; the default just reports what is known."""
        return self._status

    # -- hooks -------------------------------------------------------------------------------
    def _open(self) -> None:
        """Acquire the transport (port, socket, camera)."""

    def _close(self) -> None:
        """Give the transport back; must not raise for an already-lost device."""

    def _enable(self) -> None:
        """Start delivering data (e.g. start polling for cards)."""

    def _disable(self) -> None:
        """Stop delivering data."""

    def __enter__(self) -> Device:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.uri} {self._stage.value}>"
