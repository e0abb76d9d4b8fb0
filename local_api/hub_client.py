"""The kiosk's client of the central intake platform (kioskhub's /api/v1), used by the outbox and the effect services.

Every request says which kiosk sends it (``X-Kiosk-Id``): the hub refuses a token used under another
kiosk's id. An ``observer`` hears how each request went (``ok``, ``unreachable``, ``tls_error``,
``wrong_url``, ``unauthorised``), so kioskd's hub status follows real traffic, not only its probe.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from local_api.errors import HubBusy, HubUnreachable
from wire.commands import CommandResult
from wire.errors import parse
from wire.heartbeat import Heartbeat
from wire.notice import CaseNotice
from wire.ticket import LocalTicketBatch, TicketRequest

Observer = Callable[[str, str], None]


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


def is_tls_failure(exc: BaseException) -> bool:
    """A certificate or handshake failure somewhere in the chain httpx raised (it wraps ssl's errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    text = str(exc)
    return "[SSL" in text or "CERTIFICATE_VERIFY_FAILED" in text


def transport_kind(exc: httpx.HTTPError) -> str:
    return "tls_error" if is_tls_failure(exc) else "unreachable"


def transport_failure(exc: httpx.HTTPError, url: str) -> tuple[str, str]:
    """The hub state a failed request means, and a line saying what to check."""
    if transport_kind(exc) == "tls_error":
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return "tls_error", (f"the TLS handshake with {url} failed ({first}); check the hub's certificate, the "
                             "CA this kiosk trusts, and its clock")
    if isinstance(exc, httpx.TimeoutException):
        return "unreachable", f"no answer from {url} in time ({type(exc).__name__}); check the network"
    return "unreachable", (f"nothing answers at {url} ({type(exc).__name__}); check the host and port, "
                           "and that kioskhub is running")


def http_client(base_url: str, token: str, kiosk_id: str | None, timeout: float,
                transport: httpx.BaseTransport | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    if kiosk_id:
        headers["X-Kiosk-Id"] = kiosk_id
    return httpx.Client(base_url=base_url.rstrip("/") + "/api/v1", headers=headers, timeout=timeout,
                        transport=transport)


class HubClient:
    def __init__(self, base_url: str, token: str, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None, *, kiosk_id: str | None = None,
                 observer: Observer | None = None) -> None:
        self.http = http_client(base_url, token, kiosk_id, timeout, transport)
        self.observer = observer

    def close(self) -> None:
        self.http.close()

    def _client(self) -> httpx.Client:
        return self.http

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        http = self._client()
        # Taken with the connection: an enrolment may replace both while this request is under way.
        observe = self.observer or (lambda _state, _detail: None)
        url = str(http.base_url).removesuffix("/api/v1/")
        try:
            response = http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:  # connect errors, timeouts, a connection closed mid-response, TLS
            kind, detail = transport_failure(exc, url)
            observe(kind, detail)
            raise HubUnreachable(f"{type(exc).__name__}: {exc}", kind) from None
        if response.status_code == 429:
            wait = response.headers.get("retry-after", "")
            raise HubBusy(f"hub answered 429 to {method} {path}" + (f"; retry after {wait} s" if wait else ""),
                          int(wait) if wait.isdigit() else None)
        if response.status_code >= 500 or response.status_code == 408:
            if response.status_code >= 500:
                observe("unreachable", f"{url} answered {response.status_code} to {method} {path}")
            raise HubUnreachable(f"hub answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            observe("wrong_url", f"{url} answered {response.status_code} to {method} {path} with something that is "
                                 "not the hub's JSON (a login page, a proxy or another service); check the address")
            raise HubUnreachable(f"hub answered {response.status_code} with a body that is not JSON",
                                 "wrong_url") from None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else body
            text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
            if response.status_code in (401, 403):
                observe("unauthorised", f"the hub refused this kiosk ({response.status_code}): {text[:300]}")
            raise HubRejected(response.status_code, text[:500], body if isinstance(body, dict) else None)
        observe("ok", "")
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
            raise HubUnreachable("the answer to POST /cases carried no case number")
        return answer

    def submit_rating(self, rating: dict[str, Any], *, key: str) -> dict[str, Any]:
        """POST /ratings: 201 new, 200 the rating this key already made (a retry after a lost answer)."""
        return self._call("POST", "/ratings", json=rating, headers={"Idempotency-Key": key})

    def case_notice(self, case_no: str, notice: str, *, key: str) -> dict[str, Any]:
        """POST /cases/{case_no}/notices: e.g. ``receipt_not_shown``, for staff to follow the case up."""
        body = parse(CaseNotice, {"notice": notice}, "case notice").model_dump(mode="json")
        return self._call("POST", f"/cases/{case_no}/notices", json=body, headers={"Idempotency-Key": key})

    def case(self, case_no: str) -> dict[str, Any]:
        return self._call("GET", f"/cases/{case_no}")

    def by_provisional(self, provisional_no: str) -> dict[str, Any]:
        return self._call("GET", "/cases", params={"provisional_no": provisional_no})

    def lookup(self, id_type: str, id_number: str) -> dict[str, Any]:
        return self._call("POST", "/cases/lookup", json={"id_type": id_type, "id_number": id_number})

    def issue_certificate(self, request: dict[str, Any], *, key: str) -> dict[str, Any]:
        """POST /certificates: a signed A4 certificate; the same key always answers the same certificate."""
        return self._call("POST", "/certificates", json=request, headers={"Idempotency-Key": key})

    def heartbeat(self, report: dict[str, Any]) -> dict[str, Any]:
        """POST /heartbeat; a report the hub's model would refuse raises ``PayloadInvalid`` unsent."""
        parse(Heartbeat, report, "heartbeat")
        return self._call("POST", "/heartbeat", json=report)

    def catalogue_latest(self) -> dict[str, Any]:
        """GET /catalogue: the newest catalogue version published for this kiosk's site (None: none)."""
        return self._call("GET", "/catalogue")

    def catalogue_bundle(self, version: int) -> bytes:
        """GET /catalogue/{version}: the signed bundle as published (checked by local_api.catalogue_bundle)."""
        http = self._client()
        try:
            response = http.get(f"/catalogue/{version}", timeout=120)
        except httpx.HTTPError as exc:  # the hub down or gone mid-download
            raise HubUnreachable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500:
            raise HubUnreachable(f"hub answered {response.status_code}")
        if response.status_code >= 400:
            raise HubRejected(response.status_code, response.text[:300], None)
        return response.content

    def command_result(self, command_id: int, result: dict[str, Any]) -> dict[str, Any]:
        """POST /commands/{id}/result: how a remote command went."""
        parse(CommandResult, result, "command result")
        return self._call("POST", f"/commands/{command_id}/result", json=result)

    def upload_logs(self, command_id: int, data: bytes) -> dict[str, Any]:
        """POST /commands/{id}/logs: gzip of redacted log lines, for an ``upload_logs`` command."""
        return self._call("POST", f"/commands/{command_id}/logs", content=data,
                          headers={"Content-Type": "application/gzip"})

    def take_ticket(self, service: str, *, key: str, priority: str | None = None,
                    birth_date: str | None = None) -> dict[str, Any]:
        """POST /queue/tickets; a 404 without a refusal code (a hub without a queue) counts as unavailable,
        so the kiosk's block is used. ``birth_date`` (YYYY-MM-DD) lets the hub give 60+ priority."""
        request = parse(TicketRequest, {"service": service, "priority": priority, "birth_date": birth_date},
                        "queue ticket request")
        body = request.model_dump(mode="json")
        try:
            return self._call("POST", "/queue/tickets", json=body, headers={"Idempotency-Key": key})
        except HubRejected as exc:
            if exc.status == 404 and not exc.code:
                raise HubUnreachable("the hub has no queue for this site") from None
            raise

    def check_in(self, *, key: str, qr: str | None = None, id_type: str | None = None,
                 id_number: str | None = None) -> dict[str, Any]:
        """POST /appointments/check-in by the appointment's QR text or by the holder's ID: a ticket, or a refusal."""
        body = {"qr": qr} if qr else {"id_type": id_type, "id_number": id_number}
        return self._call("POST", "/appointments/check-in", json=body, headers={"Idempotency-Key": key})

    def report_local_tickets(self, batch: LocalTicketBatch, *, key: str) -> dict[str, Any]:
        """POST /queue/local-tickets: numbers this kiosk issued from its own block while the hub was away."""
        return self._call("POST", "/queue/local-tickets", json=batch.model_dump(mode="json"),
                          headers={"Idempotency-Key": key})

    def queue_services(self) -> list[dict[str, Any]]:
        """GET /queue/services: the site's services with their ticket letters."""
        return self._call("GET", "/queue/services")  # type: ignore[return-value]

    def query(self, item_code: str, *, id_type: str, id_number: str, form: dict[str, Any]) -> dict[str, Any]:
        """POST /queries/{item_code}: the platform answers a record query for the applicant."""
        return self._call("POST", f"/queries/{item_code}",
                          json={"id_type": id_type, "id_number": id_number, "form": form})
