"""Reference records standing in for the 公积金 and 社保 centres' systems: import file checks, storage, lookup."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.models import ReferenceRecord
from hub.intake import utc
from hub.personal import Keys
from hub.schemas import Strict
from wire.person import PersonId

Writer = Callable[[], AbstractContextManager[Session]]

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, description="yuan, two decimals")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
INSURANCE_TYPES = ("养老", "医疗", "失业", "工伤", "生育")
HISTORY_MONTHS = 60  # monthly rows kept per person: a 缴费证明 may cover up to five years
PaymentStatus = Literal["已实缴", "补缴", "欠缴"]
_CHUNK = 500


class Person(PersonId):
    """Whose record it is; the ID number is indexed by keyed hash, never stored in clear."""

    name: str = Field(min_length=1, max_length=100)


class Deposit(Strict):
    month: Month
    amount: Money
    base: Money | None = Field(default=None, description="缴存基数 of that month; the account's deposit_base if absent")
    status: PaymentStatus = "已实缴"


class HousingFund(Person):
    """住房公积金个人账户."""

    status: Literal["正常", "封存"]
    balance: Money
    monthly_deposit: Money
    deposit_base: Money
    last_deposit_month: Month | None = None
    employer: str | None = Field(default=None, max_length=200)
    deposits: list[Deposit] = Field(
        default_factory=list, max_length=HISTORY_MONTHS, description="monthly deposits, up to the last 60"
    )


class Insurance(Strict):
    type: Literal["养老", "医疗", "失业", "工伤", "生育"]
    status: Literal["参保缴费", "暂停缴费", "终止参保"]
    start_month: Month


class Contribution(Strict):
    month: Month
    base: Money
    personal: Money
    unit: Money
    status: PaymentStatus = "已实缴"


class Pension(Strict):
    monthly_amount: Money
    start_month: Month


class SocialInsurance(Person):
    """社会保险个人参保记录."""

    employer: str | None = Field(default=None, max_length=200)
    contribution_months: int = Field(ge=0, le=1200, description="累计缴费月数")
    insurances: list[Insurance] = Field(min_length=1, max_length=len(INSURANCE_TYPES))
    recent: list[Contribution] = Field(
        default_factory=list, max_length=HISTORY_MONTHS, description="monthly contributions, up to the last 60"
    )
    pension: Pension | None = Field(default=None, description="养老保险待遇, for people drawing a pension")

    @field_validator("insurances")
    @classmethod
    def _one_per_type(cls, value: list[Insurance]) -> list[Insurance]:
        types = [i.type for i in value]
        if len(set(types)) != len(types):
            raise ValueError("each insurance type may appear once")
        return sorted(value, key=lambda i: INSURANCE_TYPES.index(i.type))


KINDS: dict[str, type[Person]] = {"housing_fund": HousingFund, "social_insurance": SocialInsurance}


class RecordFileError(ValueError):
    """An import file that cannot be used; the message names the entry and field, never a value."""


def parse_entries(kind: str, raw: bytes) -> list[Person]:
    """The validated entries of an import file (a JSON list); entries and list items are counted from 1."""
    model = KINDS[kind]
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise RecordFileError("is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RecordFileError(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, list):
        raise RecordFileError("must be a JSON list with one object per person")
    if not data:
        raise RecordFileError("holds no records; nothing to import")
    entries: list[Person] = []
    seen: dict[tuple[str, str], int] = {}
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise RecordFileError(f"entry {number}: must be an object with id_type, id_number, name, ...")
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            errors = exc.errors()
            first = errors[0]
            more = f" (and {len(errors) - 1} more problem(s) in this entry)" if len(errors) > 1 else ""
            msg = str(first["msg"]).removeprefix("Value error, ")
            raise RecordFileError(f"entry {number}: field {_field(first['loc'])}: {msg}{more}") from None
        person = (entry.id_type, entry.id_number)
        if person in seen:
            raise RecordFileError(f"entries {seen[person]} and {number} are the same person; keep one of them")
        seen[person] = number
        entries.append(entry)
    return entries


def _field(loc: Iterable[Any]) -> str:
    """('deposits', 2, 'amount') -> 'deposits[3].amount' (items counted from 1, as in the message)."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(entry)"


@dataclass(frozen=True)
class Imported:
    added: int
    replaced: int


def import_records(write: Writer, keys: Keys, kind: str, entries: list[Person], now: dt.datetime) -> Imported:
    """Store entries in one transaction; a person who already has a record of this kind gets it replaced."""
    added = replaced = 0
    with write() as db, db.begin():
        for start in range(0, len(entries), _CHUNK):
            chunk = {keys.id_index(e.id_type, e.id_number): e for e in entries[start : start + _CHUNK]}
            existing = {
                r.person_index: r
                for r in db.scalars(
                    select(ReferenceRecord).where(
                        ReferenceRecord.kind == kind, ReferenceRecord.person_index.in_(list(chunk))
                    )
                )
            }
            for index, entry in chunk.items():
                data_enc = keys.encrypt(entry.model_dump_json())
                row = existing.get(index)
                if row is None:
                    db.add(
                        ReferenceRecord(
                            kind=kind, person_index=index, id_type=entry.id_type, data_enc=data_enc, imported_at=now
                        )
                    )
                    added += 1
                else:
                    row.data_enc, row.imported_at = data_enc, now
                    replaced += 1
            db.flush()
    return Imported(added, replaced)


@dataclass(frozen=True)
class Found:
    entry: Person
    imported_at: dt.datetime


def find(db: Session, keys: Keys, kind: str, id_type: str, id_number: str) -> Found | None:
    """The person's record of this kind, decrypted, or None."""
    row = db.scalar(
        select(ReferenceRecord).where(
            ReferenceRecord.kind == kind, ReferenceRecord.person_index == keys.id_index(id_type, id_number)
        )
    )
    if row is None:
        return None
    return Found(KINDS[kind].model_validate_json(keys.decrypt(row.data_enc)), utc(row.imported_at))


def counts(db: Session) -> dict[str, int]:
    """How many people have a record, per kind (every kind listed)."""
    found = dict(db.execute(select(ReferenceRecord.kind, func.count()).group_by(ReferenceRecord.kind)).all())
    return {kind: int(found.get(kind, 0)) for kind in KINDS}
