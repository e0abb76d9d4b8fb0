"""How personal values are masked wherever someone else may see them: paper, the kiosk's screen, the
remote helper's view and the hub's pages. One rule per kind of value, used everywhere.

GB/T 35273-2020 (§3.14, §7.2 展示限制) asks that personal information shown or printed be
de-identified but fixes no pattern. These follow what service halls print on queue tickets and
acceptance receipts and what bank and public-security screens already show citizens:

- Names keep the first and the last character and star the rest: 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜,
  买买提·艾力 → 买****力. A citizen recognises their own name on the receipt or the hall display (张*丰 is not 张*明),
  while a passer-by learns neither given name. Two-character names keep only the first (张*), else
  the whole given name would show; a one-character name is fully starred (*). Compound surnames
  (欧阳, 司马) are not guessed at: a list would still miss some, and first-and-last shows no more of them.
  Latin names (the foreign permanent resident card's English name, e.g. ``SMITH JOHN``) follow the
  same rule character by character, spaces included, so word lengths do not show: ``S********N``.
- ID numbers keep the first four and the last four characters: 6401**********123X (18 characters),
  CAN1*******0101 (15-character permanent resident numbers). The first four only name a province
  and city; the last four let the holder recognise their card.
- Phone numbers keep the first three and the last four: 138****5678, 095*****4567.
- ID and phone numbers always hide at least four characters, as a mobile number's 138****5678
  does: when a number is too short for both ends, only its last four are kept (E12345678 →
  *****5678); when it is shorter still, all of it is starred.
- Addresses keep the place down to the district or county (北京市东城区****), or down to the city
  when no district is named, or nothing: enough to say which hall, nothing that leads to the door.
  Four stars whatever the length, so the length does not show.

Every mask is idempotent: masking a masked value gives it back unchanged, so a value masked by the
engine can safely be masked again by the receipt template. Logs keep less still: ``local_api.logs``
leaves only an ID number's first four characters and drops the session's names and addresses.
"""

from __future__ import annotations

MIN_HIDDEN = 4
ADDRESS_STARS = "****"


def mask_name(name: str | None) -> str:
    """张 → *, 张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜, SMITH JOHN → S********N."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(number: str | None) -> str:
    """6401**********123X: first four and last four kept, at least four hidden."""
    return _keep_ends((number or "").strip(), 4, 4)


def mask_phone(phone: str | None) -> str:
    """138****5678: first three and last four kept, at least four hidden."""
    return _keep_ends((phone or "").strip(), 3, 4)


def mask_address(address: str | None) -> str:
    """北京市东城区示例路1号 → 北京市东城区****; the street and number go."""
    address = (address or "").strip()
    if not address:
        return ""
    # the first 区/县/旗 after the city (自治区 names a province, 小区 comes after the district); a 市 that
    # comes after the county (城市花园) is no city, so then the first mark anywhere
    city = address.find("市") + 1
    keep = _end_of_mark(address, city) or _end_of_mark(address, 0) or city
    return address[:keep] + ADDRESS_STARS


def _end_of_mark(address: str, start: int) -> int:
    """Where the first 区, 县 or 旗 at or after ``start`` ends; 0 when there is none."""
    found = [i for i in (address.find(mark, start) for mark in "区县旗") if i >= 0]
    return min(found) + 1 if found else 0


def _keep_ends(value: str, head: int, tail: int) -> str:
    """``value`` with all but ``head`` leading and ``tail`` trailing characters starred, hiding at least four."""
    n = len(value)
    if n - head - tail >= MIN_HIDDEN:
        return value[:head] + "*" * (n - head - tail) + value[n - tail:]
    if n - tail >= MIN_HIDDEN:
        return "*" * (n - tail) + value[n - tail:]
    return "*" * n
