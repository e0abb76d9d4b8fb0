"""What can go wrong with a queue request; routes turn each into a refusal with a machine code."""

from __future__ import annotations


class QueueError(ValueError):
    """A queue request that cannot be done; the message says why."""


class UnknownService(QueueError):
    """No such service at the site."""


class ServiceClosed(QueueError):
    """Outside the service's opening hours (hall time)."""

    def __init__(self, opens: str, closes: str) -> None:
        super().__init__(f"the service takes numbers from {opens} to {closes}")
        self.opens, self.closes = opens, closes


class DayFull(QueueError):
    """The service's daily limit is reached or its number range is used up."""


class NoCurrentTicket(QueueError):
    """The window has no called ticket to act on."""


class BadWeights(QueueError):
    """Priority weights that are not category → 0..9."""


class UnknownSite(Exception):
    """No such site: a 404 wherever it happens (not a refusal a kiosk words for the citizen)."""

    def __init__(self, site_id: str) -> None:
        super().__init__(f"no site {site_id}; sites are created by 'kioskhub kiosks add'")
