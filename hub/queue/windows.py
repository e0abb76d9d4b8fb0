"""A counter window as staff work it (the staff pages and the staff API share these)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.db.models import Site
from hub.queue import counters, services
from hub.queue.errors import UnknownSite
from hub.queue.policy import policy
from hub.queue.schemas import CalledOut, WindowOut
from hub.state import HubState

ACTIONS = ("next", "recall", "no-show", "done", "transfer")


def known_site(db: Session, site: str) -> None:
    if db.get(Site, site) is None:
        raise UnknownSite(site)


def window_state(state: HubState, site: str, window: int) -> WindowOut:
    """What a window's staff see: their current ticket and every service's line."""
    with state.db.read() as db:
        known_site(db, site)
        row = counters.current(db, site, window)
        now = state.now()
        return WindowOut(
            site=site,
            window=window,
            current=counters.called_view(db, row) if row else None,
            services=services.summaries(db, site, now, state.settings.zone, policy(state)),
        )


def window_action(state: HubState, site: str, window: int, action: str, service: str | None) -> CalledOut:
    """Run a counter action (one of ACTIONS); raises QueueError subclasses, or LookupError when nobody waits."""
    if action not in ACTIONS:
        raise ValueError(f"no window action {action!r}")
    now = state.now()
    with state.db.write() as db, db.begin():
        known_site(db, site)
        if action == "next":
            row = counters.call_next(db, site, window, service or "", now, state.settings.zone, policy(state))
        elif action == "recall":
            row = counters.recall(db, site, window, now)
        elif action == "transfer":
            row = counters.transfer(db, site, window, service or "")
        else:
            row = counters.finish(db, site, window, now, no_show=action == "no-show")
        called = counters.called_view(db, row) if row is not None else None
    if called is None:  # raised after the commit: calling next still finished the window's previous ticket
        raise LookupError(f"nobody is waiting for {service}")
    return called
