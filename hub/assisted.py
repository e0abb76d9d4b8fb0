"""The 帮办代办 台账: every case filled in with a helper, its progress and the citizen's rating; filters and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import statuses
from hub.db.assist_models import AssistedCase
from hub.db.models import Case, Rating
from hub.schemas import LEVEL_LABELS, Level
from wire.application import ASSIST_MODES

LIMIT = 1000


class AssistedCaseRow(BaseModel):
    """One line of the ledger; the applicant only masked, the helper by account id."""

    case_no: str
    item_name: str | None
    applicant_name_masked: str
    site_id: str
    kiosk_id: str
    helper_id: str
    mode: str = Field(description="video_filling | window | callback")
    mode_label: str
    entered: list[str] = Field(description="the fields and answers the helper entered (names)")
    authorised: bool = Field(description="the citizen signed a 委托书 for it")
    status: str
    status_label: str
    rating: str | None = Field(None, description="the citizen's 好差评, e.g. 非常满意; none yet")
    received_at: dt.datetime


def ledger(db: Session, *, site: str | None = None, helper: str | None = None, mode: str | None = None,
           since: dt.datetime | None = None, until: dt.datetime | None = None,
           limit: int = LIMIT) -> list[AssistedCaseRow]:
    """Assisted cases, newest first, filtered by site, helper, mode and the time the hub received them."""
    query = select(AssistedCase, Case).join(Case, Case.id == AssistedCase.case_id)
    if site:
        query = query.where(AssistedCase.site_id == site)
    if helper:
        query = query.where(AssistedCase.helper_id == helper)
    if mode:
        query = query.where(AssistedCase.mode == mode)
    if since:
        query = query.where(AssistedCase.received_at >= since)
    if until:
        query = query.where(AssistedCase.received_at < until)
    pairs = db.execute(query.order_by(AssistedCase.received_at.desc(), AssistedCase.id.desc()).limit(limit)).all()
    ratings: dict[int, str] = {}
    if pairs:
        ids = [case.id for _, case in pairs]
        for r in db.scalars(select(Rating).where(Rating.case_id.in_(ids)).order_by(Rating.id)):
            ratings[r.case_id] = LEVEL_LABELS[Level(r.level)]  # the newest rating of a case wins
    return [AssistedCaseRow(
        case_no=case.case_no, item_name=case.item_name, applicant_name_masked=case.applicant_name_masked,
        site_id=row.site_id, kiosk_id=case.kiosk_id, helper_id=row.helper_id, mode=row.mode,
        mode_label=ASSIST_MODES.get(row.mode, row.mode), entered=list(row.entered),
        authorised=row.authorisation_file is not None, status=case.status,
        status_label=statuses.LABELS.get(case.status, case.status), rating=ratings.get(case.id),
        received_at=row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=dt.UTC),
    ) for row, case in pairs]


CSV_COLUMNS = [("received_at", "受理时间"), ("case_no", "办件编号"), ("item_name", "事项"),
               ("applicant_name_masked", "申请人"), ("site_id", "网点"), ("kiosk_id", "终端"),
               ("helper_id", "帮办人员"), ("mode_label", "方式"), ("entered", "帮办填写项"),
               ("authorised", "委托书"), ("status_label", "办理进度"), ("rating", "评价")]


def to_csv(rows: list[AssistedCaseRow], zone: dt.tzinfo) -> str:
    """The ledger as CSV with a BOM, so a spreadsheet opens the Chinese headers right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([title for _, title in CSV_COLUMNS])
    for row in rows:
        values = row.model_dump()
        values["received_at"] = row.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        values["entered"] = "、".join(row.entered)
        values["authorised"] = "已签" if row.authorised else "未签"
        values["rating"] = row.rating or ""
        writer.writerow([_cell(values[key]) for key, _ in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
