"""The queue policy a request works with: the hub's settings, with a site's own priority weights over them."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from hub.db.models import Site
from hub.queue.errors import QueueError
from hub.queue.rules import QueuePolicy, parse_weights, site_weights
from hub.state import HubState


def policy(state: HubState, site: str | None = None) -> QueuePolicy:
    """The hub's queue settings, with the site's own priority weights when ``site`` is given.

    Weights are fixed on a ticket when it is issued, so only the paths that issue tickets pass the site.
    """
    s = state.settings
    weights = {
        "elderly": s.queue_weight_elderly,
        "pregnant": s.queue_weight_pregnant,
        "disability": s.queue_weight_disability,
        "appointment": s.queue_weight_appointment,
    }
    if site is not None:
        with state.db.read() as db:
            row = db.get(Site, site)
            weights = site_weights(weights, row.queue_weights if row else None)
    return QueuePolicy(
        weights=weights,
        max_streak=s.queue_priority_streak,
        elderly_age=s.queue_elderly_age,
        samples=s.queue_estimate_samples,
        window_idle_minutes=s.queue_window_idle_minutes,
    )


def set_site_weights(db: Session, site_id: str, weights: dict[str, int] | None) -> None:
    """Store a site's own weights (None: back to the hub's defaults)."""
    site = db.get(Site, site_id)
    if site is None:
        raise QueueError(f"no site {site_id}; sites are created by 'kioskhub kiosks add'")
    site.queue_weights = json.dumps(parse_weights(weights), sort_keys=True) if weights else None
