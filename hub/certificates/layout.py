"""What goes on a certificate: pure data from a record, a period and the issue details; no drawing here.

On paper the holder's name is printed in full and the ID number masked with the hub's one rule
(``common.masking.mask_id``). The paper exists to tell a bank or an employer whose contributions these
are, and they compare the name and the visible part of the number with the ID card the holder shows
them; the full number adds nothing to that check, while a paper left in the tray or passed around
would spread it (GB/T 35273-2020 §7.2, 展示限制). What ties the paper to the record is the verification
code and the hub's signature, not the number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from common.masking import mask_id
from hub.certificates.codes import display
from hub.certificates.kinds import DEFAULT_PERIOD_MONTHS, Kind
from hub.certificates.schemas import months_between
from hub.records import Contribution, HousingFund, SocialInsurance

ID_TYPE_NAMES = {"111": "居民身份证", "414": "普通护照", "511": "台湾居民来往大陆通行证",
                 "516": "港澳居民来往内地通行证", "553": "外国人永久居留身份证"}  # fmt: skip
PAID = ("已实缴", "补缴")  # months that count in the totals; 欠缴 is owed, not paid
SI_COLUMNS = ("费款所属期", "缴费基数(元)", "单位缴费(元)", "个人缴费(元)", "合计(元)", "缴费状态")
HF_COLUMNS = ("缴存月份", "缴存基数(元)", "月缴存额(元)", "缴存状态")
SAMPLE_NOTICE = "本证明所盖为测试样章，仅供系统测试，不作任何证明用途。"


@dataclass(frozen=True)
class Issue:
    """Who issues, when, and how the paper is checked."""

    code: str
    issuer: str
    issued_on: dt.date
    valid_until: dt.date
    verify_url: str  # the check page of this code, as the QR code and the notes give it


@dataclass(frozen=True)
class Layout:
    """Everything printed on the certificate, in reading order."""

    title: str
    preface: str
    fields: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None
    empty: str | None  # said in place of the table when the period holds no month on record
    closing: str
    notes: tuple[str, ...]
    issuer: str
    issued_on: str
    code: str
    verify_url: str
    sample_notice: str

    def text(self) -> str:
        """Every character on the page (the font must have a glyph for each)."""
        cells = [c for row in (self.columns, *self.rows, self.totals or ()) for c in row]
        parts = [self.title, self.preface, self.empty or "", *(f"{k}{v}" for k, v in self.fields), *cells, self.closing,
                 *self.notes, self.issuer, self.issued_on, self.code, self.verify_url, self.sample_notice]  # fmt: skip
        return "".join(parts)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_month(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def default_period(record: SocialInsurance | HousingFund, today: dt.date) -> tuple[str, str]:
    """The 12 months up to the newest on record; with no rows, up to last month."""
    months = [r.month for r in _rows_of(record)]
    if months:
        last = max(months)
    else:
        first_of_month = today.replace(day=1)
        last = (first_of_month - dt.timedelta(days=1)).strftime("%Y-%m")
    year, mon = map(int, last.split("-"))
    index = year * 12 + (mon - 1) - (DEFAULT_PERIOD_MONTHS - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", last


def build(kind: Kind, record: SocialInsurance | HousingFund, period: tuple[str, str], issue: Issue) -> Layout:
    """The certificate of ``kind`` for ``record`` over ``period`` (YYYY-MM, both included)."""
    first, last = period
    span = f"{chinese_month(first)}至{chinese_month(last)}"
    holder = (
        ("姓名", record.name),
        ("证件类型", ID_TYPE_NAMES.get(record.id_type, "证件")),
        ("证件号码", mask_id(record.id_number)),
    )
    in_period = sorted((r for r in _rows_of(record) if first <= r.month <= last), key=lambda r: r.month)
    paid_months = sum(1 for r in in_period if r.status in PAID)
    counted = f"{paid_months} 个月（期间共 {months_between(first, last)} 个月）"
    notes = [
        f"本证明依据{issue.issuer}业务系统记录出具，经政务服务自助终端打印。",
        f"本证明自出具之日起至{chinese_date(issue.valid_until)}有效。",
        f"核验真伪：扫描二维码，或访问 {issue.verify_url.rsplit('/', 1)[0]} 输入验证码。",
        "证件号码已按个人信息保护要求部分隐去，请与持证人所持证件核对。",
    ]
    if any(r.status == "欠缴" for r in in_period):
        notes.insert(1, "“欠缴”月份的金额为应缴未缴金额，未计入合计。")
    if isinstance(record, SocialInsurance):
        title_fields, columns, rows, totals = _social_insurance(record, in_period, span, counted)  # type: ignore[arg-type]
        preface = f"兹证明{record.name}在{issue.issuer}参加社会保险，{span}期间缴费情况如下："
    else:
        title_fields, columns, rows, totals = _housing_fund(record, in_period, span, counted)  # type: ignore[arg-type]
        preface = f"兹证明{record.name}在{issue.issuer}缴存住房公积金，{span}期间缴存情况如下："
    return Layout(
        title=kind.title,
        preface=preface,
        fields=holder + title_fields,
        columns=columns,
        rows=rows,
        totals=totals,
        empty=None if rows else "所选期间内没有记录",
        closing="特此证明。",
        notes=tuple(f"{n}. {text}" for n, text in enumerate(notes, start=1)),
        issuer=issue.issuer,
        issued_on=chinese_date(issue.issued_on),
        code=display(issue.code),
        verify_url=issue.verify_url,
        sample_notice=SAMPLE_NOTICE,
    )


def _social_insurance(
    record: SocialInsurance, rows: list[Contribution], span: str, counted: str
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...] | None]:
    groups: dict[tuple[str, str], list[str]] = {}
    for i in record.insurances:  # 养老、医疗、失业保险：参保缴费（2007年1月起）
        groups.setdefault((i.status, i.start_month), []).append(i.type)
    insured = "；".join(f"{'、'.join(types)}保险：{status}（{chinese_month(start)}起）"
                       for (status, start), types in groups.items())  # fmt: skip
    fields = (
        ("参保单位", record.employer or "无"),
        ("参保险种", insured),
        ("累计缴费", f"{record.contribution_months} 个月"),
        ("证明期间", span),
        ("期间缴费", counted),
    )
    columns = SI_COLUMNS
    table = tuple(
        (c.month, money(c.base), money(c.unit), money(c.personal), money(c.unit + c.personal), c.status) for c in rows
    )
    paid = [c for c in rows if c.status in PAID]
    unit, personal = sum((c.unit for c in paid), Decimal(0)), sum((c.personal for c in paid), Decimal(0))
    totals = ("合计", "", money(unit), money(personal), money(unit + personal), "") if rows else None
    return fields, columns, table, totals


def _housing_fund(
    record: HousingFund, rows: list, span: str, counted: str
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...] | None]:
    fields = (
        ("单位名称", record.employer or "无"),
        ("账户状态", record.status),
        ("账户余额", f"{money(record.balance)} 元"),
        ("证明期间", span),
        ("期间缴存", counted),
    )
    columns = HF_COLUMNS
    table = tuple((d.month, money(d.base or record.deposit_base), money(d.amount), d.status) for d in rows)
    paid = sum((d.amount for d in rows if d.status in PAID), Decimal(0))
    totals = ("合计", "", money(paid), "") if rows else None
    return fields, columns, table, totals


def _rows_of(record: SocialInsurance | HousingFund) -> list:
    return list(record.recent) if isinstance(record, SocialInsurance) else list(record.deposits)
