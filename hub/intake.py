"""Case intake, progress, citizen lookup and ratings: the hub's work, apart from HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.masking import mask_id, mask_name
from hub import statuses
from hub.casenumbers import format_case_no, next_sequence
from hub.db.assist_models import AssistedCase, CaseSignature
from hub.db.models import Case, CaseEvent, Kiosk, Material, Rating
from hub.db.session import lock_materials
from hub.personal import Keys
from hub.schemas import (
    BAD_LEVELS,
    CHANNELS,
    LEVEL_LABELS,
    STARS,
    CaseApplication,
    CaseOut,
    Level,
    MaterialOut,
    RatingIn,
    RatingOut,
    StatusStep,
)
from hub.storage import MaterialFiles, StoredFile

Writer = Callable[[], AbstractContextManager[Session]]


class KeyReused(Exception):
    """An Idempotency-Key already used for a different application."""

    def __init__(self, case_no: str) -> None:
        super().__init__(case_no)
        self.case_no = case_no


class UnknownCase(LookupError):
    """No case with that number (or none the asking kiosk's site may see)."""


class AlreadyRated(Exception):
    """The case has its rating; a case takes one."""

    def __init__(self, case_no: str) -> None:
        super().__init__(case_no)
        self.case_no = case_no


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    file: BinaryIO


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything the hub stores is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def case_out(case: Case) -> CaseOut:
    return CaseOut(
        case_no=case.case_no,
        provisional_no=case.provisional_no,
        kiosk_id=case.kiosk_id,
        item_code=case.item_code,
        item_name=case.item_name,
        status=case.status,
        status_label=statuses.LABELS[case.status],
        pro_status=statuses.PRO_STATUS[case.status],
        applicant_name=case.applicant_name_masked,
        applicant_id_number=case.applicant_id_masked,
        received_at=utc(case.received_at),
        materials=[
            MaterialOut(label=m.label, filename=m.filename, content_type=m.content_type, size=m.size, sha256=m.sha256)
            for m in case.materials
        ],
        history=[
            StatusStep(status=e.status, label=statuses.LABELS[e.status], at=utc(e.at), note=e.note) for e in case.events
        ],
    )


def request_fingerprint(app: CaseApplication, files: list[StoredFile]) -> str:
    """What makes two submissions 'the same': the validated application and the files' contents."""
    body = json.dumps(
        {"application": app.model_dump(mode="json"), "files": sorted(f.sha256 for f in files)},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def submit_case(
    write: Writer,
    keys: Keys,
    store: MaterialFiles,
    kiosk_id: str,
    idempotency_key: str,
    app: CaseApplication,
    uploads: list[Upload],
    max_file_bytes: int,
    now: dt.datetime,
    zone: ZoneInfo,
) -> tuple[CaseOut, bool]:
    """Store a case once per (kiosk, key); returns the case and whether it was created now.

    The files are staged first and published only after the commit (hub.storage), so a kill at any
    moment leaves no file in the store without its case; what it leaves in staging the sweep settles.
    """
    stored: list[StoredFile] = []
    created = False
    try:
        for upload in uploads:
            stored.append(store.stage(upload.file, max_file_bytes))
        fingerprint = request_fingerprint(app, stored)
        try:
            with write() as db, db.begin():
                existing = _by_key(db, kiosk_id, idempotency_key)
                if existing is not None:
                    return _replay(existing, fingerprint), False
                case = _insert_case(db, keys, kiosk_id, idempotency_key, fingerprint, app, uploads, stored, now, zone)
                db.flush()
                _record_signed(db, case, kiosk_id, app, now)
                out = case_out(case)
                # Last before the commit, under the lock the sweep deletes under: files it already
                # took from a request that waited past the grace make that request roll back instead.
                lock_materials(db, exclusive=False)
                store.require_staged([s.stored_name for s in stored])
        except IntegrityError:
            # A concurrent request with the same key committed first (PostgreSQL); ours rolled back
            # together with its sequence number, so no gap is left.
            with write() as db, db.begin():
                existing = _by_key(db, kiosk_id, idempotency_key)
                if existing is None:
                    raise
                return _replay(existing, fingerprint), False
        created = True
        store.publish([s.stored_name for s in stored])
        return out, True
    finally:
        if not created:
            # A replay keeps the first request's files; a failure keeps none.
            store.discard([s.stored_name for s in stored])


def _replay(existing: Case, fingerprint: str) -> CaseOut:
    if existing.request_sha256 != fingerprint:
        raise KeyReused(existing.case_no)
    return case_out(existing)


def _by_key(db: Session, kiosk_id: str, key: str) -> Case | None:
    return db.scalar(select(Case).where(Case.kiosk_id == kiosk_id, Case.idempotency_key == key))


def _insert_case(
    db: Session,
    keys: Keys,
    kiosk_id: str,
    idempotency_key: str,
    fingerprint: str,
    app: CaseApplication,
    uploads: list[Upload],
    stored: list[StoredFile],
    now: dt.datetime,
    zone: ZoneInfo,
) -> Case:
    day = now.astimezone(zone).date()
    seq = next_sequence(db, app.item_code, day)
    applicant = app.applicant
    labels = {m.file: m.label for m in app.materials}
    case = Case(
        case_no=format_case_no(app.item_code, day, seq),
        kiosk_id=kiosk_id,
        idempotency_key=idempotency_key,
        request_sha256=fingerprint,
        provisional_no=app.provisional_no,
        item_code=app.item_code,
        item_name=app.item_name,
        applicant_id_type=applicant.id_type,
        applicant_index=keys.id_index(applicant.id_type, applicant.id_number),
        applicant_id_masked=mask_id(applicant.id_number),
        applicant_name_masked=mask_name(applicant.name),
        applicant_enc=keys.encrypt(applicant.model_dump_json()),
        form_enc=keys.encrypt(json.dumps(app.form, ensure_ascii=False)),
        status=statuses.SUBMITTED,
        kiosk_submitted_at=app.submitted_at,
        received_at=now,
        events=[CaseEvent(status=statuses.SUBMITTED, note="自助终端提交", at=now)],
        materials=[
            Material(
                label=labels.get(u.filename, u.filename),
                filename=u.filename,
                stored_name=s.stored_name,
                content_type=u.content_type,
                size=s.size,
                sha256=s.sha256,
            )
            for u, s in zip(uploads, stored, strict=True)
        ],
    )
    db.add(case)
    return case


def _record_signed(db: Session, case: Case, kiosk_id: str, app: CaseApplication, now: dt.datetime) -> None:
    """The documents signed on the kiosk's screen, and the 帮办代办 ledger row of an assisted case."""
    for signed in app.signatures:
        db.add(CaseSignature(case_id=case.id, document=signed.document, text=signed.text,
                             text_sha256=signed.text_sha256, signed_at=signed.signed_at, file=signed.file,
                             image_sha256=signed.image_sha256))
    if app.assisted is not None:
        kiosk = db.get(Kiosk, kiosk_id)
        db.add(AssistedCase(case_id=case.id, site_id=kiosk.site_id if kiosk else "", helper_id=app.assisted.helper_id,
                            mode=app.assisted.mode, entered=list(app.assisted.entered),
                            authorisation_file=app.assisted.authorisation_file, received_at=now))


def get_case(db: Session, case_no: str) -> Case:
    case = db.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        raise UnknownCase(case_no)
    return case


def case_at_site(db: Session, case_no: str, site_id: str, *, lock: bool = False) -> Case:
    """A case filed at this site; UnknownCase for one filed elsewhere too, so numbers cannot be probed.

    ``lock``: a row lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already makes writers take turns).
    """
    query = select(Case).where(Case.case_no == case_no)
    case = db.scalar(query.with_for_update(of=Case) if lock else query)
    if case is None or case.kiosk.site_id != site_id:
        raise UnknownCase(case_no)
    return case


def by_provisional(db: Session, kiosk_id: str, provisional_no: str) -> list[CaseOut]:
    rows = db.scalars(
        select(Case).where(Case.kiosk_id == kiosk_id, Case.provisional_no == provisional_no).order_by(Case.id)
    )
    return [case_out(c) for c in rows]


def by_applicant(db: Session, keys: Keys, id_type: str, id_number: str, limit: int = 50) -> list[CaseOut]:
    index = keys.id_index(id_type, id_number)
    rows = db.scalars(select(Case).where(Case.applicant_index == index).order_by(Case.id.desc()).limit(limit))
    return [case_out(c) for c in rows]


def count_by_applicant(db: Session, keys: Keys, id_type: str, id_number: str) -> int:
    index = keys.id_index(id_type, id_number)
    return db.scalar(select(func.count()).select_from(Case).where(Case.applicant_index == index)) or 0


def set_status(db: Session, case_no: str, status: str, note: str | None, now: dt.datetime) -> Case:
    if status not in statuses.LABELS:
        raise ValueError(f"status must be one of {', '.join(statuses.LABELS)}")
    case = get_case(db, case_no)
    case.status = status
    case.events.append(CaseEvent(status=status, note=note, at=now))
    return case


def add_working_days(day: dt.date, days: int) -> dt.date:
    """day plus n Monday-to-Friday days (public holidays are not known to the hub)."""
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def rating_out(r: Rating) -> RatingOut:
    level = Level(r.level)
    return RatingOut(
        rating_id=r.id,
        case_no=r.case.case_no,
        level=level,
        stars=STARS[level],
        label=LEVEL_LABELS[level],
        channel=next(name for name, code in CHANNELS.items() if code == r.channel),
        channel_code=r.channel,
        needs_followup=r.needs_followup,
        followup_due=r.followup_due,
    )


def rate(
    write: Writer,
    kiosk_id: str,
    site_id: str,
    idempotency_key: str | None,
    rating: RatingIn,
    now: dt.datetime,
    zone: ZoneInfo,
    followup_days: int,
) -> tuple[RatingOut, bool]:
    """Record a case's one 好差评, from a kiosk of the case's site; bad ones get a follow-up deadline.

    The same Idempotency-Key again gets the first answer; any other second rating is AlreadyRated, and a
    case of another site is UnknownCase (each bad rating opens a follow-up: nobody may pile them up).
    """

    def existing(db: Session) -> Rating | None:
        if idempotency_key is None:
            return None
        return db.scalar(select(Rating).where(Rating.kiosk_id == kiosk_id, Rating.idempotency_key == idempotency_key))

    try:
        with write() as db, db.begin():
            if (found := existing(db)) is not None:
                return rating_out(found), False
            # Locked, so two first ratings of one case cannot both pass the check below.
            case = case_at_site(db, rating.case_no, site_id, lock=True)
            if db.scalar(select(Rating.id).where(Rating.case_id == case.id).limit(1)) is not None:
                raise AlreadyRated(case.case_no)
            bad = rating.level in BAD_LEVELS
            row = Rating(
                case=case,
                kiosk_id=kiosk_id,
                idempotency_key=idempotency_key,
                level=rating.level.value,
                channel=CHANNELS[rating.channel],
                reasons=rating.reasons,
                comment=rating.comment,
                needs_followup=bad,
                followup_due=add_working_days(now.astimezone(zone).date(), followup_days) if bad else None,
                rated_at=rating.rated_at or now,
                received_at=now,
            )
            db.add(row)
            db.flush()
            return rating_out(row), True
    except IntegrityError:
        with write() as db:
            if (found := existing(db)) is None:
                raise
            return rating_out(found), False
