"""A ticket's public follow link (扫码看进度): an unguessable token and what its page may show."""

from __future__ import annotations

import base64
import datetime as dt
import hmac
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub.db.models import QueueTicket
from hub.personal import Keys
from hub.queue.rules import QueuePolicy, hall_day
from hub.queue.tickets import ticket_view

FOLLOW_MAC_BYTES = 15  # 120 bits: 20 base64url characters, no padding


def follow_token(keys: Keys, ticket_id: int, key_id: str | None = None) -> str:
    """The public, unguessable name of one ticket: ``<row id>.<truncated HMAC of the id>``; nothing is stored.

    Made with the active key; a link printed before a rotation is checked against the other keys not retired
    (the token has no room for a key id: it is in the ticket's QR code, which must stay small).
    """
    mac = base64.urlsafe_b64encode(keys.follow_mac(ticket_id, key_id)[:FOLLOW_MAC_BYTES]).decode()
    return f"{ticket_id}.{mac}"


def follow_ticket_id(keys: Keys, token: str) -> int | None:
    """The ticket id a follow token names, or None when the token is malformed or was not made with this hub's key."""
    head, dot, _ = token.partition(".")
    if not dot or not head.isascii() or not head.isdigit() or len(head) > 18 or head != str(int(head)):
        return None
    ticket_id = int(head)
    for key_id in keys.follow_key_ids():
        if hmac.compare_digest(follow_token(keys, ticket_id, key_id).encode(), token.encode()):
            return ticket_id
    return None


@dataclass(frozen=True)
class Followed:
    """What a ticket's public follow page shows: nothing about its holder."""

    number: str
    service_name: str
    status: str
    people_ahead: int
    estimated_wait_minutes: int
    window: int | None
    transferred: bool
    today: bool


def follow_view(db: Session, ticket_id: int, now: dt.datetime, zone: ZoneInfo, policy: QueuePolicy) -> Followed | None:
    """A ticket's state for its follow page, with people ahead and the wait as the ticket answer counts them."""
    row = db.get(QueueTicket, ticket_id)
    if row is None:
        return None
    view = ticket_view(db, row, now, policy)
    return Followed(
        number=row.number,
        service_name=view.service_name,
        status=row.status,
        people_ahead=view.people_ahead,
        estimated_wait_minutes=view.estimated_wait_minutes,
        window=row.window_no,
        transferred=row.transferred_from is not None,
        today=row.day == hall_day(now, zone),
    )
