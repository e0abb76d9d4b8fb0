"""The wire contract of POST /api/v1/certificates: what a kiosk sends and what it gets back."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.certificates.kinds import MAX_PERIOD_MONTHS
from hub.schemas import PersonId, Strict

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
KindCode = Literal["social_insurance_contribution", "housing_fund_deposit"]
IdentityCheck = Literal["card_read", "face_verified", "manual"]


def months_between(first: str, last: str) -> int:
    """How many months from ``first`` to ``last`` (YYYY-MM), both counted."""
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, last.split("-")))
    return (y2 - y1) * 12 + (m2 - m1) + 1


class Holder(PersonId):
    """The citizen the certificate is about; the number goes into a keyed index and onto the paper masked."""


class Period(Strict):
    """Months the certificate covers, both included."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: Month = Field(alias="from")
    last: Month = Field(alias="to")

    @model_validator(mode="after")
    def _span(self) -> Period:
        if self.first > self.last:
            raise ValueError("'from' must not be after 'to'")
        if months_between(self.first, self.last) > MAX_PERIOD_MONTHS:
            raise ValueError(f"a certificate covers at most {MAX_PERIOD_MONTHS} months; ask for a shorter period")
        return self


class CertificateRequest(Strict):
    """Body of POST /api/v1/certificates."""

    kind: KindCode = Field(
        description="social_insurance_contribution 社会保险参保缴费证明, housing_fund_deposit 住房公积金缴存证明"
    )
    holder: Holder
    period: Period | None = Field(default=None, description="default: the 12 months up to the newest on record")
    identity_check: IdentityCheck = Field(
        description="how the kiosk made sure the holder is present: card_read, face_verified (face against the "
        "card photo) or manual (hall staff looked)"
    )
    face_score: float | None = Field(default=None, ge=0, le=1, description="the match score, with face_verified")
    operator: str | None = Field(default=None, min_length=1, max_length=64, description="staff id, with manual")

    @model_validator(mode="after")
    def _check_details(self) -> CertificateRequest:
        if self.face_score is not None and self.identity_check != "face_verified":
            raise ValueError("face_score goes with identity_check face_verified only")
        if self.identity_check == "manual" and self.operator is None:
            raise ValueError("identity_check manual needs the operator (the staff id of who checked)")
        return self


class CertificateIssued(BaseModel):
    """The signed certificate and how to check it; the PDF is base64 in JSON, so one typed message carries all."""

    code: str = Field(description="verification code as printed, XXXX-XXXX-XXXX-XXXX")
    kind: KindCode
    title: str
    issued_at: dt.datetime
    valid_until: dt.date
    period: Period | None
    pages: int
    size: int = Field(description="bytes of the PDF")
    sha256: str = Field(description="SHA-256 of the PDF, as the check page shows it")
    verify_url: str
    pdf_base64: str = Field(
        description="the signed PDF (A4), base64; print it as it is: any change breaks the signature"
    )
