"""Made-up sample people: their files import cleanly, ID numbers pass GB 11643, and a seed repeats them."""

from __future__ import annotations

import json
from collections import Counter

from common import idnumber
from hub.records import parse_entries
from hub.sample_people import generate, resident_id


def test_resident_id_gets_the_check_digit_the_hub_accepts():
    import datetime as dt

    number = resident_id("640104", dt.date(1980, 7, 15), 203)
    assert number == "640104198007152039"  # the hub's own sample person, computed independently
    assert idnumber.problems(number) == []


def test_generated_files_import_and_look_like_real_records():
    social, fund = generate(200, seed=7, until="2026-10", months=36)
    people = parse_entries("social_insurance", json.dumps(social, ensure_ascii=False).encode())
    accounts = parse_entries("housing_fund", json.dumps(fund, ensure_ascii=False).encode())
    assert len(people) == len(accounts) == 200
    assert all(idnumber.problems(p.id_number) == [] for p in people)
    from hub.sample_people import GIVEN_FEMALE

    women = [p for p in people if int(p.id_number[16]) % 2 == 0]  # GB 11643: an even sequence number is a woman
    assert women and all(p.name[1:] in GIVEN_FEMALE for p in women)
    assert {p.id_number for p in people} == {a.id_number for a in accounts}
    working = [p for p in people if p.recent]
    assert working and all(len(p.recent) <= 36 and p.recent[0].month == "2026-10" for p in working)
    statuses = Counter(c.status for p in working for c in p.recent)
    assert statuses["已实缴"] > 0 and statuses["欠缴"] > 0 and statuses["补缴"] > 0
    assert any(p.pension is not None for p in people)  # some have retired
    assert all(c.base % 100 == 0 for p in working for c in p.recent)


def test_the_same_seed_gives_the_same_people():
    assert generate(20, 3, "2026-10", 12) == generate(20, 3, "2026-10", 12)
    assert generate(20, 3, "2026-10", 12) != generate(20, 4, "2026-10", 12)
