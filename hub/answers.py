"""Answers to record queries: the title, fields and lines a kiosk shows and prints, personal values masked."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from common.masking import mask_name
from hub.records import Found, HousingFund, SocialInsurance
from hub.schemas import CaseOut, QueryResult

NO_HOUSING_FUND = "没有找到您的住房公积金账户记录"
NO_SOCIAL_INSURANCE = "没有找到您的社会保险参保记录"
NO_PENSION = "没有找到您的养老保险待遇领取记录"
CERTIFICATES = ("enrolment", "payments", "pension")
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
_SHOWN_MONTHS = 12  # a query shows the last year; records may hold more, for certificates (hub/certificates)


class NoRecord(LookupError):
    """The centre has no record for this person; the message is for the citizen."""


class FormProblem(ValueError):
    """An answer in the query's form that cannot be used; names the field, never echoes the value."""

    def __init__(self, field: str, msg: str) -> None:
        super().__init__(msg)
        self.field = field
        self.msg = msg


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def case_progress(
    cases: list[CaseOut], total: int, form: dict[str, Any], now: dt.datetime, zone: ZoneInfo
) -> QueryResult:
    """The applicant's own cases, newest first; the one whose number was typed in is spelled out."""
    fields = {"办件数量": str(total)}
    lines: list[str] = []
    wanted = str(form.get("case_no") or "").strip()
    chosen = next((c for c in cases if c.case_no == wanted), None) if wanted else None
    if chosen is not None:
        last = chosen.history[-1].at if chosen.history else chosen.received_at
        fields |= {
            "办件编号": chosen.case_no,
            "事项名称": chosen.item_name or chosen.item_code,
            "当前状态": chosen.status_label,
            "最近更新": last.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        }
    elif wanted and cases:
        lines.append("未找到您输入的办件编号对应的本人办件，以下是您本人的全部办件")
    for case in cases:
        day = case.received_at.astimezone(zone).strftime("%Y-%m-%d")
        lines.append(f"{case.case_no} {case.item_name or case.item_code} {case.status_label} {day}")
    if not cases:
        lines.append("未查询到办件记录")
    elif total > len(cases):
        lines.append(f"另有 {total - len(cases)} 件较早的办件未列出，请到窗口查询")
    footer = "办件进度以政务服务平台记录为准。"
    return QueryResult(title="办件进度", fields=fields, lines=lines, footer=footer, as_of=now)


def housing_fund(found: Found | None) -> QueryResult:
    """住房公积金个人账户: status, balance, deposits of the last 12 months, newest first."""
    if found is None:
        raise NoRecord(NO_HOUSING_FUND)
    fund = found.entry
    assert isinstance(fund, HousingFund)
    fields = {"职工姓名": mask_name(fund.name)}
    if fund.employer:
        fields["单位名称"] = fund.employer
    fields |= {
        "账户状态": fund.status,
        "账户余额": yuan(fund.balance),
        "月缴存额": yuan(fund.monthly_deposit),
        "缴存基数": yuan(fund.deposit_base),
        "最近缴存月份": fund.last_deposit_month or "无",
    }
    deposits = sorted(fund.deposits, key=lambda d: d.month, reverse=True)[:_SHOWN_MONTHS]
    lines = ["近12个月缴存明细："] + [f"{d.month}  缴存 {yuan(d.amount)}" for d in deposits]
    if not deposits:
        lines = ["近12个月没有缴存记录"]
    return QueryResult(
        title="住房公积金个人账户信息",
        fields=fields,
        lines=lines,
        footer="以上信息以市住房公积金管理中心系统记录为准。",
        as_of=found.imported_at,
    )


def social_insurance(found: Found | None, form: dict[str, Any]) -> QueryResult:
    """社会保险个人参保证明, 缴费明细 for a period, or 养老保险待遇领取证明, as the citizen chose."""
    certificate = form.get("certificate") or "enrolment"
    if certificate not in CERTIFICATES:
        raise FormProblem("certificate", f"must be one of {', '.join(CERTIFICATES)}")
    period = _period(form) if certificate == "payments" else None
    if found is None:
        raise NoRecord(NO_SOCIAL_INSURANCE)
    record = found.entry
    assert isinstance(record, SocialInsurance)
    # The kiosk prints the reader's own 姓名 and 证件号码 above every result, so the number is not repeated here.
    fields = {"参保人": mask_name(record.name)}
    if record.employer:
        fields["参保单位"] = record.employer
    fields["累计缴费月数"] = f"{record.contribution_months} 个月"
    recent = sorted(record.recent, key=lambda c: c.month, reverse=True)[:_SHOWN_MONTHS]
    if certificate == "pension":
        if record.pension is None:
            raise NoRecord(NO_PENSION)
        title = "养老保险待遇领取证明"
        fields |= {
            "待遇类别": "基本养老金",
            "开始领取月份": record.pension.start_month,
            "月领取金额": yuan(record.pension.monthly_amount),
        }
        lines = ["以上人员按月领取基本养老金，特此证明。"]
    elif period is not None:
        title = "社会保险个人缴费明细"
        first, last = period
        fields["查询期间"] = f"{first} 至 {last}"
        chosen = [c for c in recent if first <= c.month <= last]
        lines = [_contribution(c) for c in chosen] or ["所选期间内没有缴费记录"]
        if not recent or first < recent[-1].month:
            lines.append("本机可查近12个月的缴费，更早的记录请到社保窗口查询")
    else:
        title = "社会保险个人参保证明"
        for insurance in record.insurances:
            fields[f"{insurance.type}保险"] = f"{insurance.status}（{insurance.start_month}起）"
        lines = ["近12个月缴费情况：", *map(_contribution, recent)] if recent else ["近12个月没有缴费记录"]
    return QueryResult(
        title=title, fields=fields, lines=lines, footer="以上信息以社会保险经办机构记录为准。", as_of=found.imported_at
    )


def _contribution(c: Any) -> str:
    return f"{c.month} 基数 {c.base:,.2f} 个人 {c.personal:,.2f} 单位 {c.unit:,.2f}"


def _period(form: dict[str, Any]) -> tuple[str, str]:
    """The from_date/to_date answers as a YYYY-MM range."""
    months = []
    for name in ("from_date", "to_date"):
        value = form.get(name)
        match = _DATE.match(value.strip()) if isinstance(value, str) else None
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3])) if match else None
        except ValueError:
            day = None
        if day is None:
            raise FormProblem(name, "must be a date, YYYY-MM-DD")
        months.append(day.strftime("%Y-%m"))
    if months[0] > months[1]:
        raise FormProblem("to_date", "must not be before from_date")
    return months[0], months[1]
