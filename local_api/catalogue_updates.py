"""Signed catalogue updates from the hub: fetch, check, switch between citizens, keep the previous, roll back.

With ``KIOSK_CATALOGUE_KEY`` set, kioskd asks the hub every ``KIOSK_CATALOGUE_POLL_S`` for its site's
newest version; a newer one is downloaded, checked whole (``local_api.catalogue_bundle``) into
``catalogues/<version>/`` and switched to while no citizen is being served. ``catalogue.json`` keeps
the running and the previous version. A switch is a *trial* until kioskd has started with it once:
a kioskd killed during the switch, or one that fails to start with the new items, comes back on the
previous version by itself. A bundle that is refused (another key, changed, cut short, a broken item,
the hub down mid-download) is reported in health and the heartbeat, and the kiosk keeps serving what it
had. A kiosk that never took a bundle serves the shipped items and ``KIOSK_FLOWS_DIR``.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from local_api.catalogue_bundle import BundleRefused, public_key, unpack
from local_api.errors import HubUnreachable, SessionBusy
from local_api.hub_client import HubRejected
from local_api.worker import Worker

log = logging.getLogger(__name__)
STATE_FILE = "catalogue.json"


@dataclass
class CatalogueState:
    running: int | None = None  # the bundle version in use; None: the shipped items
    previous: int | None = None
    trial: bool = False  # switching, or starting with it: not yet seen serving
    problem: str = ""  # why the last bundle was refused or rolled back
    refused: int | None = None  # that version is not fetched again


def load_state(data_dir: Path) -> CatalogueState:
    try:
        raw = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
        return CatalogueState(**{k: raw.get(k) for k in CatalogueState.__dataclass_fields__ if k in raw})
    except (OSError, ValueError, TypeError):
        return CatalogueState()


def save_state(data_dir: Path, state: CatalogueState) -> None:
    tmp = data_dir / f"{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    tmp.replace(data_dir / STATE_FILE)


def bundle_dir(data_dir: Path, version: int) -> Path:
    return data_dir / "catalogues" / str(version)


def at_start(data_dir: Path) -> CatalogueState:
    """The state to start with. Still on trial means a switch was cut off, or the last start with this version
    never got to serving: back to the previous one. Otherwise this start is the version's next trial."""
    state = load_state(data_dir)
    if state.running is not None and not bundle_dir(data_dir, state.running).is_dir():
        state.problem = f"version {state.running} is missing on disk; back to version {state.previous or 'shipped'}"
        state.running, state.previous, state.trial = state.previous, None, False
        save_state(data_dir, state)
    elif state.trial:
        log.error("catalogue version %s did not start; rolling back", state.running)
        state.problem = f"kioskd did not start with version {state.running}; rolled back"
        state.refused, state.running, state.previous, state.trial = state.running, state.previous, None, False
        save_state(data_dir, state)
    elif state.running is not None:
        state.trial = True  # confirm_started() once serving
        save_state(data_dir, state)
    return state


def confirm_started(data_dir: Path) -> None:
    """kioskd is serving with the running version: it is no longer on trial."""
    state = load_state(data_dir)
    if state.trial:
        state.trial = False
        save_state(data_dir, state)


class CatalogueUpdater(Worker):
    def __init__(self, *, data_dir: Path, key_text: str | None, site: Callable[[], str | None], client: Any,
                 switch: Callable[[int, Path], str | None], interval_s: float = 300.0) -> None:
        """``switch(version, folder)`` puts the new items in force between citizens (SessionBusy while one is
        served) and answers a problem with them, or None."""
        super().__init__("catalogue update", self._step, interval_s=interval_s, jitter=0.1)
        self.data_dir = data_dir
        self.key = public_key(key_text) if key_text else None
        self.site = site
        self.client = client
        self.switch = switch

    @property
    def state(self) -> CatalogueState:
        return load_state(self.data_dir)

    def _step(self) -> float | None:
        if self.key is None:
            return math.inf  # no hub key given: the kiosk keeps its shipped items
        self.update()
        return None

    def update(self) -> str:
        """One round: what happened, in a few words (for logs and tests)."""
        state = load_state(self.data_dir)
        try:
            latest = self.client.catalogue_latest().get("version")
        except (HubUnreachable, HubRejected):
            return "hub not reachable"
        if not latest or latest == state.running or latest == state.refused or (
                state.running is not None and latest < state.running):
            return "up to date"
        target = bundle_dir(self.data_dir, latest)
        try:
            bundle = self.client.catalogue_bundle(latest)
            unpack(bundle, self.key, self.site(), target)  # type: ignore[arg-type]
        except (HubUnreachable, HubRejected) as exc:
            log.warning("catalogue download failed; will try again", extra={"version": latest, "error": str(exc)})
            return "download failed"
        except BundleRefused as exc:
            log.error("catalogue bundle refused: %s", exc, extra={"version": latest})
            state.problem, state.refused = f"version {latest} refused: {exc}", latest
            save_state(self.data_dir, state)
            return "refused"
        return self._switch(state, latest, target)

    def _switch(self, state: CatalogueState, version: int, folder: Path) -> str:
        new = CatalogueState(running=version, previous=state.running, trial=True)
        save_state(self.data_dir, new)  # a kioskd killed from here on comes back on the previous version
        try:
            problem = self.switch(version, folder)
        except SessionBusy:
            save_state(self.data_dir, state)
            return "waiting for the citizen"
        if problem:
            log.error("catalogue version %s has problems; rolled back", version)
            state.problem, state.refused = f"version {version} rolled back: {problem}", version
            save_state(self.data_dir, state)
            self.switch(state.running or 0, bundle_dir(self.data_dir, state.running or 0))
            return "rolled back"
        new.trial = False  # serving with it now; each start is a trial again (at_start)
        save_state(self.data_dir, new)
        self._prune(keep={version, state.running})
        log.info("catalogue switched", extra={"version": version, "previous": state.running})
        return "switched"

    def _prune(self, keep: set[int | None]) -> None:
        root = self.data_dir / "catalogues"
        for path in root.iterdir() if root.is_dir() else []:
            if not (path.name.isdigit() and int(path.name) in keep):
                shutil.rmtree(path, ignore_errors=True)
