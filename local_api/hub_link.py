"""Which hub kioskd talks to, with which token and as which kiosk: settings first, then the stored enrolment.

``KIOSK_HUB_URL``, ``KIOSK_HUB_TOKEN`` and ``KIOSK_KIOSK_ID``, when set (and not empty), win over
``hub-enrolment.json``, one by one. Everything that talks to the hub gets a :class:`LiveHubClient`
from here, which rebuilds its connection when an enrolment changes the credentials: the outbox
forwarder, the heartbeat, the local-ticket reporter, queries and queue numbers take the new token
with their next request, without a restart. Video help asks :meth:`HubLink.access` per call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import httpx

from local_api.enrolment import ENROLMENT_FILE, Enrolment
from local_api.hub_client import HubClient, HubUnreachable, http_client
from local_api.hub_status import HubStatus
from local_api.settings import Settings

log = logging.getLogger(__name__)

Source = Literal["settings", "enrolment", "mixed", "none"]


@dataclass(frozen=True)
class HubAccess:
    url: str
    token: str  # empty when a hub address is known but no token yet
    kiosk_id: str
    version: int


class HubLink:
    def __init__(self, settings: Settings, *, listeners: Sequence[Callable[[], None]] = ()) -> None:
        self.settings = settings
        self.path = settings.data_dir / ENROLMENT_FILE
        self.enrolment = Enrolment.load(self.path)
        self.version = 1
        self.status = HubStatus(configured=self.access() is not None)
        self.listeners = tuple(listeners)  # told after every change of credentials
        self._lock = threading.Lock()

    # -- what is in force ------------------------------------------------------------------------
    def _explicit_id(self) -> str | None:
        return self.settings.kiosk_id if "kiosk_id" in self.settings.model_fields_set else None

    @property
    def kiosk_id(self) -> str:
        """The id kioskd goes by: KIOSK_KIOSK_ID when set, else the enrolled one, else the default."""
        return self._explicit_id() or (self.enrolment.kiosk_id if self.enrolment else self.settings.kiosk_id)

    @property
    def site_id(self) -> str | None:
        return self.enrolment.site_id if self.enrolment else None

    def access(self) -> HubAccess | None:
        """The hub's address, the token and the kiosk id to use now; None when no hub is configured."""
        enrolled = self.enrolment
        url = self.settings.hub_url or (enrolled.hub_url if enrolled else None)
        if not url:
            return None
        token = self.settings.hub_token or (enrolled.token if enrolled else "")
        return HubAccess(url=url, token=token, kiosk_id=self.kiosk_id, version=self.version)

    def source(self) -> Source:
        """Where the credentials in force come from."""
        from_settings = bool(self.settings.hub_url or self.settings.hub_token)
        if self.enrolment is None:
            return "settings" if from_settings else "none"
        return "mixed" if from_settings or self._explicit_id() else "enrolment"

    def overrides(self) -> list[str]:
        """The settings that win over the stored enrolment (they differ from it), by variable name."""
        e = self.enrolment
        if e is None:
            return []
        found = []
        if self.settings.hub_url and self.settings.hub_url != e.hub_url:
            found.append("KIOSK_HUB_URL")
        if self.settings.hub_token and self.settings.hub_token != e.token:
            found.append("KIOSK_HUB_TOKEN")
        explicit = self._explicit_id()
        if explicit and explicit != e.kiosk_id:
            found.append("KIOSK_KIOSK_ID")
        return found

    # -- changes ---------------------------------------------------------------------------------
    def enrol(self, enrolment: Enrolment) -> None:
        """Store a new enrolment and switch every user of the hub to it."""
        with self._lock:
            enrolment.save(self.path)
            self.enrolment = enrolment
            self.version += 1
        self.status.new_credentials(self.version, configured=self.access() is not None)
        log.info("kiosk enrolled with the hub", extra={"kiosk_id": enrolment.kiosk_id, "site": enrolment.site_id,
                                                       "hub": enrolment.hub_url, "overridden_by": self.overrides()})
        for listener in self.listeners:
            try:
                listener()
            except Exception:  # one user of the hub failing to wake must not hide the enrolment from the rest
                log.exception("a listener of the hub credentials failed")

    def client(self, timeout: float) -> LiveHubClient:
        return LiveHubClient(self, timeout)


class LiveHubClient(HubClient):
    """A HubClient that always uses the credentials in force; without a hub, requests raise HubUnreachable."""

    def __init__(self, link: HubLink, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        self.link = link
        self.timeout = timeout
        self.transport = transport
        self.observer = None
        self._built: tuple[int, httpx.Client] | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self.link.access() is not None

    @property
    def http(self) -> httpx.Client:  # type: ignore[override]
        return self._client()

    def _client(self) -> httpx.Client:
        access = self.link.access()
        if access is None:
            raise HubUnreachable("no hub configured: enrol this kiosk (kioskctl enroll --hub URL --code CODE) or set "
                                 "KIOSK_HUB_URL and KIOSK_HUB_TOKEN")
        with self._lock:
            if self._built is None or self._built[0] != access.version:
                # The replaced client is left to the garbage collector, not closed: another thread may be in
                # the middle of a request on it, and enrolments are rare.
                client = http_client(access.url, access.token, access.kiosk_id, self.timeout, self.transport)
                self._built = (access.version, client)
                self.observer = self.link.status.observer(access.version)
            return self._built[1]

    def close(self) -> None:
        with self._lock:
            if self._built is not None:
                self._built[1].close()
                self._built = None
