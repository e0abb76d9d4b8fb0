"""Realistic sample people for the reference records: names, GB 11643 ID numbers, employers, monthly rows.

For demonstrations and tests only; everyone here is made up. The same seed gives the same people.
Contribution rates follow common practice (养老 8% + 医疗 2% + 失业 0.5% from the person; 养老 16%,
医疗含生育 6.5%, 失业 0.5%, 工伤 0.4% from the employer); the base changes each July, as the 社保年度 does.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from common import idnumber

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_FEMALE = ("芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "霞", "桂英", "红梅", "玉兰", "海燕", "欣怡", "梓涵",
                "雨萱", "佳琪", "婷", "嘉怡", "淑珍", "晓燕", "丽华")
GIVEN_MALE = ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "建华", "建国", "志强", "子轩", "浩宇",
              "俊杰", "思远", "鑫", "宇航", "博文", "立新", "国庆")
# 宁夏 counties and districts (GB/T 2260), matching the hub's other samples
REGIONS = ("640104", "640105", "640106", "640121", "640122", "640181", "640202", "640205", "640302", "640381",
           "640402", "640502")
EMPLOYERS = ("宁夏示例建设工程有限公司", "银川示例物流有限公司", "示例市第一人民医院", "宁夏示例电子科技有限公司",
             "示例市实验中学", "宁夏示例乳业有限公司", "示例市城市管理局", "宁夏示例能源集团有限公司",
             "示例市商业银行股份有限公司", "宁夏示例餐饮管理有限公司", "示例县供销合作社", "宁夏示例葡萄酒庄有限公司")
PERSONAL_RATE = Decimal("0.105")
UNIT_RATE = Decimal("0.234")
CENT = Decimal("0.01")


def resident_id(region: str, birth: dt.date, sequence: int) -> str:
    """An 18-character number whose check digit is right: the one candidate the hub's own check accepts."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + idnumber.check_char(body)


def generate(people: int, seed: int, until: str, months: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(社保 records, 公积金 records) for ``people`` made-up people, ``months`` of rows up to ``until`` (YYYY-MM)."""
    rng = random.Random(seed)
    social: list[dict[str, Any]] = []
    fund: list[dict[str, Any]] = []
    end_year, end_month = map(int, until.split("-"))
    seen: set[str] = set()
    while len(social) < people:
        birth = dt.date(rng.randint(1958, 2003), rng.randint(1, 12), rng.randint(1, 28))
        female = rng.random() < 0.5
        sequence = rng.randrange(0, 500) * 2 + (0 if female else 1)  # odd for men (GB 11643)
        number = resident_id(rng.choice(REGIONS), birth, sequence)
        if number in seen:
            continue
        seen.add(number)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        employer = rng.choice(EMPLOYERS)
        retired = birth.year + (55 if female else 60) <= end_year
        start_year = max(birth.year + rng.randint(19, 26), 1995)
        start = f"{start_year}-{rng.randint(1, 12):02d}"
        person = {"id_type": "111", "id_number": number, "name": name}
        rows = [] if retired else _months(end_year, end_month, min(months, _count(start, until)))
        base = Decimal(rng.randrange(4000, 16000, 100))
        arrears = rng.random() < 0.06  # the last month or two not yet paid
        back_paid = rng.random() < 0.06  # one month paid late
        contributions, deposits = [], []
        fund_rate = Decimal(rng.choice(("0.05", "0.08", "0.10", "0.12")))
        for i, month in enumerate(rows):
            if month.endswith("-07") and i:
                base = (base * Decimal("1.04") / 100).quantize(Decimal(1), ROUND_HALF_UP) * 100  # whole hundreds
            status = "已实缴"
            if arrears and i >= len(rows) - 2:
                status = "欠缴"
            elif back_paid and i == len(rows) // 2:
                status = "补缴"
            contributions.append({"month": month, "base": _yuan(base), "status": status,
                                  "personal": str((base * PERSONAL_RATE).quantize(CENT, ROUND_HALF_UP)),
                                  "unit": str((base * UNIT_RATE).quantize(CENT, ROUND_HALF_UP))})  # fmt: skip
            deposits.append({"month": month, "base": _yuan(base), "status": "欠缴" if status == "欠缴" else "已实缴",
                             "amount": _yuan((base * fund_rate * 2).quantize(Decimal(1), ROUND_HALF_UP))})  # fmt: skip
        insurance_status = "终止参保" if retired else ("暂停缴费" if arrears else "参保缴费")
        types = ("养老", "医疗") if retired else ("养老", "医疗", "失业", "工伤", "生育")
        record: dict[str, Any] = {
            **person, "employer": employer, "contribution_months": min(_count(start, until), 540),
            "insurances": [{"type": t, "status": "参保缴费" if retired and t == "医疗" else insurance_status,
                            "start_month": start} for t in types],
            "recent": list(reversed(contributions)),
        }  # fmt: skip
        if retired:
            record["pension"] = {"monthly_amount": str(Decimal(rng.randrange(220000, 520000)) / 100),
                                 "start_month": f"{birth.year + (55 if female else 60)}-{birth.month:02d}"}  # fmt: skip
        social.append(record)
        paid = [d for d in deposits if d["status"] == "已实缴"]
        fund.append({
            **person, "employer": employer, "status": "封存" if retired else "正常",
            "balance": str(Decimal(rng.randrange(500000, 30000000)) / 100),
            "monthly_deposit": paid[-1]["amount"] if paid else "0.00",
            "deposit_base": paid[-1]["base"] if paid else "0.00",
            "last_deposit_month": paid[-1]["month"] if paid else None,
            "deposits": list(reversed(deposits)),
        })  # fmt: skip
    return social, fund


def _yuan(amount: Decimal) -> str:
    return str(amount.quantize(CENT, ROUND_HALF_UP))


def _count(first: str, last: str) -> int:
    (y1, m1), (y2, m2) = map(int, first.split("-")), map(int, last.split("-"))
    return max(0, (y2 - y1) * 12 + (m2 - m1) + 1)


def _months(year: int, month: int, count: int) -> list[str]:
    """``count`` months ending at year-month, oldest first."""
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]
