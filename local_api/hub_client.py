"""The kiosk's client of the central intake platform (kioskhub's /api/v1), used by the outbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx


class HubUnavailable(Exception):
    """The hub could not be reached or failed (5xx, timeout, cut connection): try again later."""


class HubRejected(Exception):
    """The hub refused the request for good (4xx): retrying the same bytes will not help."""

    def __init__(self, status: int, detail: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.body = body or {}  # the whole answer: machine codes such as {"code": "service_closed", "opens": ...}

    @property
    def code(self) -> str:
        return str(self.body.get("code") or "")


@dataclass(frozen=True)
class UploadFile:
    name: str
    content_type: str
    data: bytes


class HubClient:
    def __init__(self, base_url: str, token: str, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:  # connect errors, timeouts, a connection closed mid-response
            raise HubUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise HubUnavailable(f"hub answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise HubUnavailable(f"hub answered {response.status_code} with a body that is not JSON") from None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else body
            text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
            raise HubRejected(response.status_code, text[:500], body if isinstance(body, dict) else None)
        return body

    def submit_case(self, key: str, application: dict[str, Any], files: list[UploadFile]) -> dict[str, Any]:
        """POST /cases: 201 new case, 200 the case this key already made."""
        parts = [("materials", (f.name, f.data, f.content_type)) for f in files]
        answer = self._call(
            "POST", "/cases", headers={"Idempotency-Key": key},
            data={"application": json.dumps(application, ensure_ascii=False)}, files=parts or None,
        ) if parts else self._call("POST", "/cases", headers={"Idempotency-Key": key}, json=application)
        if not isinstance(answer, dict) or not isinstance(answer.get("case_no"), str) or not answer["case_no"]:
            # Not the hub's answer (a captive portal, a misrouted proxy): nothing was acknowledged.
            raise HubUnavailable("the answer to POST /cases carried no case number")
        return answer

    def submit_rating(self, rating: dict[str, Any], *, key: str) -> dict[str, Any]:
        """POST /ratings: 201 new, 200 the rating this key already made (a retry after a lost answer)."""
        return self._call("POST", "/ratings", json=rating, headers={"Idempotency-Key": key})

    def case_notice(self, case_no: str, notice: str, *, key: str) -> dict[str, Any]:
        """POST /cases/{case_no}/notices: e.g. ``receipt_not_shown``, for staff to follow the case up."""
        return self._call("POST", f"/cases/{case_no}/notices", json={"notice": notice},
                          headers={"Idempotency-Key": key})

    def case(self, case_no: str) -> dict[str, Any]:
        return self._call("GET", f"/cases/{case_no}")

    def by_provisional(self, provisional_no: str) -> dict[str, Any]:
        return self._call("GET", "/cases", params={"provisional_no": provisional_no})

    def lookup(self, id_type: str, id_number: str) -> dict[str, Any]:
        return self._call("POST", "/cases/lookup", json={"id_type": id_type, "id_number": id_number})

    def heartbeat(self, report: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/heartbeat", json=report)

    def take_ticket(self, service: str, *, key: str, priority: str | None = None,
                    birth_date: str | None = None) -> dict[str, Any]:
        """POST /queue/tickets; a 404 without a refusal code (a hub without a queue) counts as unavailable,
        so the kiosk's block is used. ``birth_date`` (YYYY-MM-DD) lets the hub give 60+ priority."""
        body = {"service": service, "priority": priority, "birth_date": birth_date}
        try:
            return self._call("POST", "/queue/tickets", json=body, headers={"Idempotency-Key": key})
        except HubRejected as exc:
            if exc.status == 404 and not exc.code:
                raise HubUnavailable("the hub has no queue for this site") from None
            raise

    def check_in(self, *, key: str, qr: str | None = None, id_type: str | None = None,
                 id_number: str | None = None) -> dict[str, Any]:
        """POST /appointments/check-in by the appointment's QR text or by the holder's ID: a ticket, or a refusal."""
        body = {"qr": qr} if qr else {"id_type": id_type, "id_number": id_number}
        return self._call("POST", "/appointments/check-in", json=body, headers={"Idempotency-Key": key})

    def report_local_tickets(self, tickets: list[dict[str, Any]], *, key: str) -> dict[str, Any]:
        """POST /queue/local-tickets: numbers this kiosk issued from its own block while the hub was away."""
        return self._call("POST", "/queue/local-tickets", json={"tickets": tickets}, headers={"Idempotency-Key": key})

    def queue_services(self) -> list[dict[str, Any]]:
        """GET /queue/services: the site's services with their ticket letters."""
        return self._call("GET", "/queue/services")  # type: ignore[return-value]

    def query(self, item_code: str, *, id_type: str, id_number: str, form: dict[str, Any]) -> dict[str, Any]:
        """POST /queries/{item_code}: the platform answers a record query for the applicant."""
        return self._call("POST", f"/queries/{item_code}",
                          json={"id_type": id_type, "id_number": id_number, "form": form})
