"""The queue's and appointments' HTTP bodies: what kiosks and staff send and get back."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from hub.schemas import Strict
from wire.ticket import TicketRequest as TicketRequest  # kioskd builds this one too


class TicketPlace(BaseModel):
    """A ticket and its place in its line, as the kiosk and the follow page show it."""

    number: str
    service: str
    service_name: str
    position: int
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: dt.datetime
    priority: bool
    priority_category: Literal["elderly", "pregnant", "disability", "appointment"] | None


class TicketOut(TicketPlace):
    follow_url: str = Field(description="public page (no login) following this ticket; the kiosk prints it as a QR")


class CheckInOut(TicketOut):
    appointment_no: str


class ServiceOut(BaseModel):
    code: str
    prefix: str
    name: str
    waiting: int
    estimated_wait_minutes: int
    opens: str | None
    closes: str | None
    open: bool


class LocalOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[dict[str, str]] = Field(default_factory=list, description="tickets of services the site lacks")


class AppointmentRequest(Strict):
    service: str = Field(min_length=1, max_length=32)
    id_type: str = Field(pattern=r"^\d{3}$", description="GA/T 2000.156 document type, 111 = 居民身份证")
    id_number: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=50)
    start: AwareDatetime
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")
    site: str | None = Field(
        default=None, max_length=64, description="staff bookings only: the site; kiosks book for their own"
    )


class AppointmentOut(BaseModel):
    appointment_no: str
    service: str
    start: str
    name_masked: str
    qr: str
    status: str


class CheckInRequest(Strict):
    id_type: str | None = Field(default=None, pattern=r"^\d{3}$")
    id_number: str | None = Field(default=None, min_length=1, max_length=40)
    qr: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_way(self) -> CheckInRequest:
        by_id = self.id_type is not None and self.id_number is not None
        if by_id == (self.qr is not None):
            raise ValueError("send either id_type and id_number, or qr")
        return self


class CancelRequest(Strict):
    """The proof a kiosk sends that the person at it owns the appointment (staff need none)."""

    id_type: str | None = Field(default=None, pattern=r"^\d{3}$")
    id_number: str | None = Field(default=None, min_length=1, max_length=40)
    qr: str | None = Field(default=None, min_length=1, max_length=200)


class CancelOut(BaseModel):
    appointment_no: str
    service: str
    start: str
    status: str


class ServiceChoice(Strict):
    service: str = Field(min_length=1, max_length=32)


class CalledOut(BaseModel):
    number: str
    service: str
    service_name: str
    window: int | None
    name_masked: str | None
    priority_category: str | None
    recalls: int
    status: str
    called_at: dt.datetime | None


class WindowOut(BaseModel):
    site: str
    window: int
    current: CalledOut | None
    services: list[ServiceOut]


class AppointmentRow(BaseModel):
    appointment_no: str
    service: str
    start: str
    name_masked: str
    id_masked: str
    status: str
