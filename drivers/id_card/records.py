"""The 256-byte text block of the four card kinds → :class:`IdCardRecord`, and back (for the simulator).

UTF-16LE, space padded; the card kind is the character at byte offset 248: space = resident ID
card, ``J`` = HK/Macau/Taiwan residence permit, ``I`` = foreign permanent resident card (2017),
``Y`` = foreign permanent resident card (2023). Field offsets are in bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import logging
from dataclasses import dataclass, field
from typing import Any

from common import idnumber
from common.masking import mask_id, mask_name
from drivers.errors import ProtocolError
from drivers.id_card import codes
from drivers.id_card.protocol import PHOTO_SIZE, TEXT_SIZE

log = logging.getLogger(__name__)

FOREVER = "长期"
TYPE_OFFSET = 248


class CardType(enum.StrEnum):
    RESIDENT = "resident"
    HKMT_RESIDENCE = "hkmt_residence"
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"


TYPE_CHARS = {
    " ": CardType.RESIDENT,
    "J": CardType.HKMT_RESIDENCE,
    "I": CardType.FOREIGN_PERMANENT_2017,
    "Y": CardType.FOREIGN_PERMANENT_2023,
}
CHAR_OF_TYPE = {v: k for k, v in TYPE_CHARS.items()}

COMMON_KEYS = (
    "card_type", "name", "sex", "sex_code", "birth_date", "id_number", "valid_from", "valid_to",
    "authority", "photo_wlt",
)
KIND_KEYS = {
    CardType.RESIDENT: ("nation", "nation_code", "address"),
    CardType.HKMT_RESIDENCE: ("address", "pass_number", "issue_count"),
    CardType.FOREIGN_PERMANENT_2017: ("name_en", "nationality"),
    CardType.FOREIGN_PERMANENT_2023: ("name_en", "nationality"),
}


@dataclass(frozen=True, repr=False)
class IdCardRecord:
    """What one card read yields. Personal data: never log it; show it masked."""

    card_type: CardType
    name: str
    sex_code: str
    birth_date: str  # ISO YYYY-MM-DD
    id_number: str
    valid_from: str  # ISO YYYY-MM-DD
    valid_to: str  # ISO YYYY-MM-DD or 长期
    authority: str = ""
    photo_wlt: bytes = bytes(PHOTO_SIZE)
    nation_code: str | None = None
    address: str | None = None
    pass_number: str | None = None
    issue_count: int | None = None
    name_en: str | None = None
    nationality: str | None = None
    renewal_count: str | None = None
    fingerprint: bytes = b""
    appended_address: str | None = None
    id_number_problems: tuple[str, ...] = field(default=())

    @property
    def sex(self) -> str:
        return codes.sex_name(self.sex_code)

    @property
    def nation(self) -> str | None:
        return None if self.nation_code is None else codes.nation_name(self.nation_code)

    @property
    def id_number_valid(self) -> bool:
        return not self.id_number_problems

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_number_masked(self) -> str:
        return mask_id(self.id_number)

    def masked(self) -> dict[str, Any]:
        """A view fit for a screen a passer-by can see or a technician's console."""
        return {
            "card_type": self.card_type.value,
            "name": self.name_masked,
            "sex": self.sex,
            "id_number": self.id_number_masked,
            "id_number_valid": self.id_number_valid,
            "valid_to": self.valid_to,
        }

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on ``day``."""
        born = dt.date.fromisoformat(self.birth_date)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``kioskctl idcard read --json``: common fields plus the card kind's own."""
        values = {
            "card_type": self.card_type.value,
            "name": self.name,
            "sex": self.sex,
            "sex_code": self.sex_code,
            "birth_date": self.birth_date,
            "id_number": self.id_number,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "authority": self.authority,
            "photo_wlt": base64.b64encode(self.photo_wlt).decode("ascii"),
            "nation": self.nation,
            "nation_code": self.nation_code,
            "address": self.address,
            "pass_number": self.pass_number,
            "issue_count": self.issue_count,
            "name_en": self.name_en,
            "nationality": self.nationality,
        }
        out = {k: values[k] for k in (*COMMON_KEYS, *KIND_KEYS[self.card_type])}
        out["id_number_valid"] = self.id_number_valid
        return out

    def __repr__(self) -> str:
        return (
            f"IdCardRecord(card_type={self.card_type.value!r}, id_number_valid={self.id_number_valid}, "
            f"photo_wlt={len(self.photo_wlt)} bytes)"
        )

    __str__ = __repr__


# ---------------------------------------------------------------------------------------------
# decoding


class _Text:
    """Field access into one text block; errors name the field and offset, never its content."""

    def __init__(self, text: bytes) -> None:
        if len(text) != TEXT_SIZE:
            raise ProtocolError(f"text block is {len(text)} bytes, expected {TEXT_SIZE}")
        self.raw = text

    def str(self, offset: int, size: int, name: str, *, more: tuple[int, int] | None = None) -> str:
        chunk = self.raw[offset : offset + size]
        if more is not None:  # a field continued elsewhere (2023 English name)
            chunk += self.raw[more[0] : more[0] + more[1]]
        try:
            value = chunk.decode("utf-16-le")
        except UnicodeDecodeError:
            raise ProtocolError(
                f"text field {name} (offset {offset}, {size} bytes) is not valid UTF-16"
            ) from None
        return value.strip(" \x00\u3000")

    def date(self, offset: int, name: str, *, allow_forever: bool = False) -> str:
        value = self.str(offset, 16, name)
        if allow_forever and value == FOREVER:
            return FOREVER
        try:
            if len(value) != 8 or not value.isascii() or not value.isdigit():
                raise ValueError
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
        except ValueError:
            raise ProtocolError(f"text field {name} (offset {offset}) is not a YYYYMMDD date") from None

    def digits(self, offset: int, size: int, name: str) -> str:
        value = self.str(offset, size, name)
        if value and not (value.isascii() and value.isdigit()):
            raise ProtocolError(f"text field {name} (offset {offset}) should be digits")
        return value


def card_type_of(text: bytes) -> CardType:
    """The card kind from the character at text offset 248 (unknown → resident, with a warning)."""
    mark = text[TYPE_OFFSET : TYPE_OFFSET + 2]
    try:
        char = mark.decode("utf-16-le")
    except UnicodeDecodeError:
        char = "?"
    kind = TYPE_CHARS.get(char)
    if kind is None:
        log.warning("unknown card type mark %s at text offset 248; decoding as a resident card", mark.hex())
        return CardType.RESIDENT
    return kind


def decode_text(
    text: bytes, photo: bytes = bytes(PHOTO_SIZE), *, fingerprint: bytes = b"",
    appended_address: str | None = None,
) -> IdCardRecord:
    """Decode a 256-byte text block (plus the raw photo) into a record; malformed text raises."""
    t = _Text(text)
    kind = card_type_of(text)
    common = {"photo_wlt": bytes(photo), "fingerprint": bytes(fingerprint),
              "appended_address": appended_address}
    if kind in (CardType.RESIDENT, CardType.HKMT_RESIDENCE):
        sex_code = t.digits(30, 2, "sex")
        birth = t.date(36, "birth_date")
        number = t.str(122, 36, "id_number")
        rec: dict[str, Any] = {
            "name": t.str(0, 30, "name"),
            "sex_code": sex_code,
            "birth_date": birth,
            "address": t.str(52, 70, "address"),
            "id_number": number,
            "authority": t.str(158, 30, "authority"),
            "valid_from": t.date(188, "valid_from"),
            "valid_to": t.date(204, "valid_to", allow_forever=True),
            "id_number_problems": tuple(idnumber.problems(number, birth=birth, sex=sex_code)),
        }
        if kind is CardType.RESIDENT:
            rec["nation_code"] = t.digits(32, 4, "nation")
        else:
            rec["pass_number"] = t.str(220, 18, "pass_number")
            count = t.digits(238, 4, "issue_count")
            rec["issue_count"] = int(count) if count else None
        return IdCardRecord(card_type=kind, **rec, **common)
    if kind is CardType.FOREIGN_PERMANENT_2017:
        name_en = t.str(0, 120, "name_en")
        name_cn = t.str(158, 30, "name")
        sex_code = t.digits(120, 2, "sex")
        birth = t.date(220, "birth_date")
        number = t.str(122, 30, "id_number")
        nationality = t.str(152, 6, "nationality")
        return IdCardRecord(
            card_type=kind,
            name=name_cn or name_en,
            name_en=name_en,
            sex_code=sex_code,
            id_number=number,
            nationality=nationality,
            valid_from=t.date(188, "valid_from"),
            valid_to=t.date(204, "valid_to", allow_forever=True),
            birth_date=birth,
            renewal_count=t.str(236, 4, "card_version") or None,
            authority=t.str(240, 8, "authority"),
            id_number_problems=tuple(
                idnumber.permit_2017_problems(number, birth=birth, nationality=nationality)
            ),
            **common,
        )
    # 2023 foreign permanent resident card mirrors the resident layout for number and dates.
    sex_code = t.digits(30, 2, "sex")
    birth = t.date(36, "birth_date")
    number = t.str(122, 36, "id_number")
    return IdCardRecord(
        card_type=kind,
        name=t.str(0, 30, "name"),
        sex_code=sex_code,
        renewal_count=t.digits(32, 4, "renewal_count") or None,
        birth_date=birth,
        name_en=t.str(52, 70, "name_en", more=(220, 22)),
        id_number=number,
        authority=t.str(158, 30, "authority"),
        valid_from=t.date(188, "valid_from"),
        valid_to=t.date(204, "valid_to", allow_forever=True),
        nationality=t.str(242, 6, "nationality"),
        id_number_problems=tuple(idnumber.problems(number, birth=birth, sex=sex_code)),
        **common,
    )


def decode_appended_address(data: bytes) -> str:
    """The 70-byte UCS-2 appended address (30 03 reply)."""
    try:
        return data.decode("utf-16-le").strip(" \x00\u3000")
    except UnicodeDecodeError:
        raise ProtocolError(f"appended address ({len(data)} bytes) is not valid UTF-16") from None


# ---------------------------------------------------------------------------------------------
# encoding (simulator and tests)


def ucs2(value: str, size: int) -> bytes:
    """UTF-16LE, space padded to ``size`` bytes; too long is an error."""
    raw = value.encode("utf-16-le")
    if len(raw) > size or size % 2:
        raise ValueError(f"{len(value)} characters do not fit in {size} bytes")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


def _ymd(iso: str) -> str:
    return iso if iso == FOREVER else iso.replace("-", "")


def encode_text(rec: IdCardRecord) -> bytes:
    """The 256-byte text block a card of this record carries."""
    kind = rec.card_type
    mark = ucs2(CHAR_OF_TYPE[kind], 2)
    if kind in (CardType.RESIDENT, CardType.HKMT_RESIDENCE):
        head = b"".join([
            ucs2(rec.name, 30), ucs2(rec.sex_code, 2),
            ucs2(rec.nation_code or "" if kind is CardType.RESIDENT else "", 4),
            ucs2(_ymd(rec.birth_date), 16), ucs2(rec.address or "", 70), ucs2(rec.id_number, 36),
            ucs2(rec.authority, 30), ucs2(_ymd(rec.valid_from), 16), ucs2(_ymd(rec.valid_to), 16),
        ])
        if kind is CardType.RESIDENT:
            tail = ucs2("", 28)
        else:
            count = "" if rec.issue_count is None else f"{rec.issue_count:02d}"
            tail = ucs2(rec.pass_number or "", 18) + ucs2(count, 4) + ucs2("", 6)
        text = head + tail + mark + ucs2("", 6)
    elif kind is CardType.FOREIGN_PERMANENT_2017:
        text = b"".join([
            ucs2(rec.name_en or "", 120), ucs2(rec.sex_code, 2), ucs2(rec.id_number, 30),
            ucs2(rec.nationality or "", 6), ucs2(rec.name if rec.name != rec.name_en else "", 30),
            ucs2(_ymd(rec.valid_from), 16), ucs2(_ymd(rec.valid_to), 16), ucs2(_ymd(rec.birth_date), 16),
            ucs2(rec.renewal_count or "", 4), ucs2(rec.authority, 8), mark, ucs2("", 6),
        ])
    else:
        en = ucs2(rec.name_en or "", 92)
        text = b"".join([
            ucs2(rec.name, 30), ucs2(rec.sex_code, 2), ucs2(rec.renewal_count or "", 4),
            ucs2(_ymd(rec.birth_date), 16), en[:70], ucs2(rec.id_number, 36), ucs2(rec.authority, 30),
            ucs2(_ymd(rec.valid_from), 16), ucs2(_ymd(rec.valid_to), 16), en[70:],
            ucs2(rec.nationality or "", 6), mark, ucs2("", 6),
        ])
    assert len(text) == TEXT_SIZE
    return text
