"""The kinds of certificate the hub issues, what records each reads, and who issues it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hub.settings import HubSettings

RecordKind = Literal["social_insurance", "housing_fund"]
MAX_PERIOD_MONTHS = 36  # one A4 sheet and a second page at most; longer spans are asked for at the counter
DEFAULT_PERIOD_MONTHS = 12


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    records: RecordKind
    no_record: str  # what the kiosk shows when the centre has no record for the person

    def issuer(self, settings: HubSettings) -> str:
        if self.records == "social_insurance":
            return settings.certificate_issuer_social_insurance
        return settings.certificate_issuer_housing_fund


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("social_insurance_contribution", "社会保险参保缴费证明", "social_insurance",
             "没有找到您的社会保险参保记录"),
        Kind("housing_fund_deposit", "住房公积金缴存证明", "housing_fund", "没有找到您的住房公积金账户记录"),
    )
}
