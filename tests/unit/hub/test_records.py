"""Reference record files and the answers built from them: what an operator and a citizen get to read."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import hub as hub_package
from hub import answers
from hub.records import Found, HousingFund, RecordFileError, SocialInsurance, parse_entries
from hub.schemas import CaseOut, StatusStep

SAMPLES = Path(hub_package.__file__).parent / "sample_records"
WANG = "640104195203121244"
AT = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)


def sample(kind: str) -> list[dict]:
    return json.loads((SAMPLES / f"{kind}.json").read_text(encoding="utf-8"))


def problem(kind: str, entries: object) -> str:
    with pytest.raises(RecordFileError) as info:
        parse_entries(kind, json.dumps(entries, ensure_ascii=False).encode())
    return str(info.value)


def test_sample_files_are_valid_and_hold_the_test_person():
    fund = parse_entries("housing_fund", (SAMPLES / "housing_fund.json").read_bytes())
    social = parse_entries("social_insurance", (SAMPLES / "social_insurance.json").read_bytes())
    assert any(e.id_number == WANG and e.name == "王秀兰" for e in fund)
    assert any(e.id_number == WANG and e.name == "王秀兰" for e in social)


def test_entry_errors_name_entry_and_field_counted_from_one_without_values():
    entries = sample("housing_fund")
    entries[1]["deposits"][2]["amount"] = "-1"
    entries[1]["last_deposit_month"] = "2026-13"
    msg = problem("housing_fund", entries)
    assert msg == (
        "entry 2: field last_deposit_month: String should match pattern '^\\d{4}-(0[1-9]|1[0-2])$'"
        " (and 1 more problem(s) in this entry)"
    )
    entries = sample("housing_fund")
    entries[0]["deposits"] = [{"month": "2026-10", "amount": "1.005"}]
    assert problem("housing_fund", entries).startswith("entry 1: field deposits[1].amount: Decimal input should have")
    entries = sample("housing_fund")
    entries[2]["id_number"] = entries[2]["id_number"][:-1] + "X"
    msg = problem("housing_fund", entries)
    assert msg == "entry 3: field id_number: check character does not match (GB 11643)"
    assert sample("housing_fund")[2]["id_number"][:-1] not in msg


def test_social_insurance_types_once_each_and_shown_in_statutory_order():
    entries = sample("social_insurance")
    entries[0]["insurances"].append({"type": "医疗", "status": "参保缴费", "start_month": "2010-01"})
    assert problem("social_insurance", entries) == "entry 1: field insurances: each insurance type may appear once"
    entries = sample("social_insurance")
    entries[1]["insurances"].reverse()
    parsed = parse_entries("social_insurance", json.dumps(entries, ensure_ascii=False).encode())[1]
    assert isinstance(parsed, SocialInsurance)
    assert [i.type for i in parsed.insurances] == ["养老", "医疗", "失业", "工伤", "生育"]


def test_same_person_twice_in_one_file_is_refused():
    entries = sample("housing_fund")
    twin = dict(entries[0])
    entries.append(twin)
    assert problem("housing_fund", entries) == "entries 1 and 4 are the same person; keep one of them"


def fund(**changes) -> Found:
    entry = HousingFund.model_validate(sample("housing_fund")[1] | changes)
    return Found(entry, AT)


def test_housing_fund_answer_masks_the_name_and_lists_deposits_newest_first():
    deposits = [{"month": "2026-08", "amount": "1000"}, {"month": "2026-10", "amount": "1234567.5"}]
    result = answers.housing_fund(fund(deposits=deposits, employer=None))
    assert "单位名称" not in result.fields and result.fields["职工姓名"] == "李*国"
    assert result.lines == ["近12个月缴存明细：", "2026-10  缴存 1,234,567.50 元", "2026-08  缴存 1,000.00 元"]
    assert result.as_of == AT
    with pytest.raises(answers.NoRecord, match="没有找到您的住房公积金账户记录"):
        answers.housing_fund(None)


def test_payments_before_the_stored_months_say_where_to_ask():
    entry = SocialInsurance.model_validate(sample("social_insurance")[1])
    found = Found(entry, AT)
    form = {"certificate": "payments", "from_date": "2020-01-01", "to_date": "2020-12-31"}
    result = answers.social_insurance(found, form)
    assert result.lines == ["所选期间内没有缴费记录", "本机可查近12个月的缴费，更早的记录请到社保窗口查询"]
    with pytest.raises(answers.FormProblem) as info:
        answers.social_insurance(found, {"certificate": "payments", "from_date": "2026-01-01"})
    assert info.value.field == "to_date"
    # A bad form answer is reported before "no record": the citizen can fix it.
    with pytest.raises(answers.FormProblem):
        answers.social_insurance(None, {"certificate": "x"})


def case(no: str, status_label: str, received: dt.datetime) -> CaseOut:
    return CaseOut(
        case_no=no,
        provisional_no=None,
        kiosk_id="k1",
        item_code="0000000003",
        item_name=None,
        status="accepted",
        status_label=status_label,
        pro_status=2,
        applicant_name="张*",
        applicant_id_number="6401**********123X",
        received_at=received,
        materials=[],
        history=[StatusStep(status="accepted", label=status_label, at=received + dt.timedelta(hours=1))],
    )


def test_case_progress_uses_the_hall_date_and_says_when_older_cases_are_left_out():
    late_evening = dt.datetime(2026, 11, 21, 17, 0, tzinfo=dt.UTC)  # 01:00 on the 22nd in the hall
    result = answers.case_progress(
        [case("0000000003202611220001", "已受理", late_evening)],
        total=3,
        form={"case_no": "0000000003202611220001"},
        now=AT,
        zone=ZoneInfo("Asia/Shanghai"),
    )
    assert result.lines == [
        "0000000003202611220001 0000000003 已受理 2026-11-22",
        "另有 2 件较早的办件未列出，请到窗口查询",
    ]
    assert result.fields["最近更新"] == "2026-11-22 02:00"
    assert answers.yuan(Decimal("0")) == "0.00 元"
