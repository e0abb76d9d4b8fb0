"""What goes on a certificate's page: the holder, the period, the monthly rows and totals, the issue details."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hub.certificates import layout
from hub.certificates.kinds import KINDS
from hub.records import HousingFund, SocialInsurance

NUMBER = "640104198007152039"
ISSUE = layout.Issue("K7QD3M9XA2HPT6WC", "示例市社会保险事业管理中心", dt.date(2026, 11, 21), dt.date(2027, 2, 19),
                     "https://hall.example.gov.cn/verify/K7QD-3M9X-A2HP-T6WC")  # fmt: skip


def months(first: str, count: int) -> list[str]:
    year, month = map(int, first.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index, index + count)]


def social(**changes) -> SocialInsurance:
    rows = [{"month": m, "base": "6200", "personal": "651", "unit": "1398.10"} for m in months("2025-07", 16)]
    data = {
        "id_type": "111", "id_number": NUMBER, "name": "李建国", "employer": "宁夏示例建设工程有限公司",
        "contribution_months": 238, "recent": list(reversed(rows)),
        "insurances": [{"type": t, "status": "参保缴费", "start_month": "2007-01"} for t in ("养老", "医疗", "失业")],
    }  # fmt: skip
    data.update(changes)
    return SocialInsurance.model_validate(data)


def test_social_insurance_page_names_the_holder_masks_the_number_and_lists_the_period_oldest_first():
    page = layout.build(KINDS["social_insurance_contribution"], social(), ("2025-11", "2026-10"), ISSUE)
    assert page.title == "社会保险参保缴费证明"
    fields = dict(page.fields)
    assert fields["姓名"] == "李建国"
    assert fields["证件号码"] == "6401**********2039"
    assert fields["参保单位"] == "宁夏示例建设工程有限公司"
    assert fields["参保险种"] == "养老、医疗、失业保险：参保缴费（2007年1月起）"
    assert fields["证明期间"] == "2025年11月至2026年10月"
    assert fields["期间缴费"] == "12 个月（期间共 12 个月）"
    assert "2025年11月至2026年10月" in page.preface
    assert page.columns == layout.SI_COLUMNS
    assert [r[0] for r in page.rows] == months("2025-11", 12)
    assert page.rows[0] == ("2025-11", "6,200.00", "1,398.10", "651.00", "2,049.10", "已实缴")
    assert page.totals == ("合计", "", "16,777.20", "7,812.00", "24,589.20", "")
    assert page.code == "K7QD-3M9X-A2HP-T6WC"
    assert page.issued_on == "2026年11月21日"
    assert page.issuer == ISSUE.issuer
    assert any("2027年2月19日" in n for n in page.notes)
    assert any("https://hall.example.gov.cn/verify " in n for n in page.notes)
    assert "样章" in page.sample_notice
    assert NUMBER not in page.text()


def test_owed_months_are_listed_but_not_counted_in_the_totals():
    record = social()
    rows = list(record.recent)
    rows[0] = rows[0].model_copy(update={"status": "欠缴"})
    rows[3] = rows[3].model_copy(update={"status": "补缴"})
    page = layout.build(KINDS["social_insurance_contribution"], record.model_copy(update={"recent": rows}),
                        ("2026-01", "2026-10"), ISSUE)  # fmt: skip
    assert page.rows[-1][-1] == "欠缴" and page.rows[-4][-1] == "补缴"
    assert page.totals[4] == f"{Decimal('2049.10') * 9:,.2f}"
    assert dict(page.fields)["期间缴费"] == "9 个月（期间共 10 个月）"
    assert any("欠缴" in n for n in page.notes)


def test_a_period_without_rows_says_so_instead_of_an_empty_table():
    page = layout.build(KINDS["social_insurance_contribution"], social(recent=[]), ("2026-01", "2026-10"), ISSUE)
    assert page.rows == () and page.totals is None
    assert page.empty == "所选期间内没有记录"


def test_housing_fund_page_uses_the_accounts_base_when_a_month_has_none():
    fund = HousingFund.model_validate({
        "id_type": "111", "id_number": NUMBER, "name": "李建国", "status": "正常", "balance": "86452.30",
        "monthly_deposit": "1488", "deposit_base": "6200", "employer": "宁夏示例建设工程有限公司",
        "deposits": [{"month": "2026-10", "amount": "1488"}, {"month": "2026-09", "amount": "1400", "base": "5900"}],
    })  # fmt: skip
    page = layout.build(KINDS["housing_fund_deposit"], fund, ("2026-09", "2026-10"), ISSUE)
    assert page.title == "住房公积金缴存证明"
    assert page.rows == (("2026-09", "5,900.00", "1,400.00", "已实缴"), ("2026-10", "6,200.00", "1,488.00", "已实缴"))
    assert page.totals == ("合计", "", "2,888.00", "")
    assert dict(page.fields)["账户余额"] == "86,452.30 元"


def test_the_default_period_is_the_twelve_months_up_to_the_newest_on_record():
    assert layout.default_period(social(), dt.date(2026, 11, 21)) == ("2025-11", "2026-10")
    assert layout.default_period(social(recent=[]), dt.date(2026, 1, 5)) == ("2025-01", "2025-12")
