"""Kiosk registry: add (or re-activate), rotate, revoke, list, authenticate, record heartbeats."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import pairing
from hub.auth import new_token, token_hash
from hub.db.models import Kiosk, Site

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SITE_KINDS = ("hall", "bank", "post", "community", "other")


class RegistryError(ValueError):
    """A registry request that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class KioskInfo:
    id: str
    site_id: str
    site_kind: str
    region_code: str | None
    revoked: bool
    last_seen_at: dt.datetime | None
    last_status: dict[str, Any] | None


def add_kiosk(
    db: Session,
    kiosk_id: str,
    site_id: str,
    now: dt.datetime,
    site_kind: str | None = None,
    region_code: str | None = None,
    site_name: str | None = None,
) -> str:
    """Register a kiosk (creating its site when new) and return its token, which is not kept.

    A revoked kiosk is re-activated under the same id, at ``site_id``, with a new token: a kiosk
    taken out of service and brought back keeps its id (and its history of cases).
    """
    for label, value in (("--id", kiosk_id), ("--site", site_id)):
        if not ID_PATTERN.match(value):
            raise RegistryError(f"{label} must be 1-64 letters, digits, '.', '_' or '-', starting alphanumeric")
    if site_kind is not None and site_kind not in SITE_KINDS:
        raise RegistryError(f"--site-kind must be one of {', '.join(SITE_KINDS)}")
    if region_code is not None and not re.fullmatch(r"\d{6}(\d{3}|\d{6})?", region_code):
        raise RegistryError("--region must be a 6, 9 or 12 digit 行政区划 code such as 640104")
    existing = db.get(Kiosk, kiosk_id)
    if existing is not None and existing.revoked_at is None:
        raise RegistryError(f"kiosk {kiosk_id} is already registered; to give it a new token use "
                            f"kioskhub kiosks rotate --id {kiosk_id} (add --pairing for a pairing code), "
                            "or choose another id")
    site = db.get(Site, site_id)
    if site is None:
        site = Site(id=site_id, kind=site_kind or "hall", region_code=region_code, name=site_name, created_at=now)
        db.add(site)
    else:
        site.kind = site_kind or site.kind
        site.region_code = region_code or site.region_code
        site.name = site_name or site.name
    token = new_token()
    if existing is not None:
        pairing.cancel(db, kiosk_id)
        existing.site_id, existing.revoked_at, existing.token_hash = site_id, None, token_hash(token)
    else:
        db.add(Kiosk(id=kiosk_id, site_id=site_id, token_hash=token_hash(token), created_at=now))
    db.flush()
    return token


def is_revoked(db: Session, kiosk_id: str) -> bool:
    kiosk = db.get(Kiosk, kiosk_id)
    return kiosk is not None and kiosk.revoked_at is not None


def rotate_kiosk(db: Session, kiosk_id: str) -> str:
    """Give an active kiosk a new token (returned, not kept); the old one and any unused pairing code stop working."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise RegistryError(f"no kiosk {kiosk_id}; see kioskhub kiosks list, or add it with kioskhub kiosks add")
    if kiosk.revoked_at is not None:
        raise RegistryError(f"kiosk {kiosk_id} is revoked; bring it back with "
                            f"kioskhub kiosks add --id {kiosk_id} --site SITE (with --pairing for a pairing code)")
    pairing.cancel(db, kiosk_id)
    token = new_token()
    kiosk.token_hash = token_hash(token)
    return token


def revoke_kiosk(db: Session, kiosk_id: str, now: dt.datetime) -> bool:
    """Revoke a kiosk's token; False when it was already revoked."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise RegistryError(f"no kiosk {kiosk_id}; see kioskhub kiosks list")
    if kiosk.revoked_at is not None:
        return False
    kiosk.revoked_at = now
    pairing.cancel(db, kiosk_id)
    return True


def info(k: Kiosk) -> KioskInfo:
    return KioskInfo(k.id, k.site_id, k.site.kind, k.site.region_code, k.revoked_at is not None, k.last_seen_at,
                     k.last_status)


def list_kiosks(db: Session) -> list[KioskInfo]:
    return [info(k) for k in db.scalars(select(Kiosk).order_by(Kiosk.id))]


def kiosk_for_token(db: Session, token: str) -> Kiosk | None:
    return db.scalar(select(Kiosk).where(Kiosk.token_hash == token_hash(token)))


def claim_problem(kiosk: Kiosk, claimed: str | None) -> str | None:
    """Why a request whose token belongs to ``kiosk`` but which calls itself ``claimed`` is refused, if it is.

    A kiosk says who it is (``X-Kiosk-Id``, from KIOSK_KIOSK_ID or its enrolment). A token copied to a
    second kiosk, or typed next to the wrong id, would otherwise mix two kiosks' cases, provisional
    numbers and queue blocks under one id without a word. No claim at all is accepted: kiosks of
    older releases send none.
    """
    if claimed is None or claimed == kiosk.id:
        return None
    shown = claimed[:64]
    return (f"this token belongs to kiosk {kiosk.id}, but the kiosk calls itself {shown!r}; set "
            f"KIOSK_KIOSK_ID={kiosk.id} on it, or enrol it again with a pairing code "
            f"(kioskhub kiosks rotate --id {kiosk.id} --pairing, then kioskctl enroll)")


def record_heartbeat(db: Session, kiosk_id: str, report: dict[str, Any], now: dt.datetime) -> KioskInfo:
    """Keep the kiosk's latest report; the kiosk as it now stands, for the alerts."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:  # pragma: no cover - authenticated just before
        raise RegistryError(f"no kiosk {kiosk_id}")
    kiosk.last_seen_at = now
    kiosk.last_status = report
    kiosk.software_version = report.get("software_version")
    return info(kiosk)
