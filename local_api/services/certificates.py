"""Certificates for sessions: obtained from the hub, printed on the A4 printer, each outcome fed back as an event.

The signed PDF is held in this service's memory from the hub's answer until it is printed or the
session ends; it is never written by kioskd. The hub is asked with the engine's key, so a repeat
(a retry after the hub was away, a reply lost on the way) gets the certificate first issued, never
a second code; the printer is sent (key, copy) as a digest, so one attempt never prints twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flows import effects as fx
from flows import events as ev
from flows.model import PrintStep, ServiceItem
from local_api.a4_printing import A4Printing
from local_api.codes import id_type
from local_api.errors import HubUnreachable, NotReady
from local_api.hub_client import HubClient, HubRejected
from local_api.sessions import SessionService

log = logging.getLogger(__name__)

OUTCOME_CODES = {"failed": "a4_failed", "unknown": "a4_unknown", "unavailable": "a4_unavailable"}


def prints_a4(item: ServiceItem) -> bool:
    return any(isinstance(step, PrintStep) and step.on_a4 for step in item.steps)


class CertificateService:
    def __init__(self, sessions: SessionService, a4: Callable[[], A4Printing],
                 hub: Callable[[], HubClient | None], *, clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.a4 = a4  # the A4 printer as it is now (a device may come and go)
        self.hub = hub
        self.clock = clock
        self._pdfs: dict[str, dict[str, bytes]] = {}  # session → key → the signed PDF
        self._lock = threading.Lock()

    def precheck(self, item: ServiceItem) -> None:
        """Refuse to start an item that prints A4 when the A4 printer cannot print now (NotReady)."""
        if not prints_a4(item):
            return
        ready = self.a4().readiness()
        if not ready.ready:
            log.warning("a4 item refused: the printer is not ready", extra={"item": item.code,
                                                                          "detail": ready.detail[:200]})
            raise NotReady("a4_not_ready", ready.citizen_message)

    def issue(self, session_id: str, effect: fx.IssueCertificate) -> None:
        """Ask the hub for the certificate; tell the session it was issued, or why not."""
        refused = self._ask(session_id, effect)
        if refused is None:
            return
        code, reason = refused
        self.sessions.system_event(session_id, ev.CertificateRefused(at=self.clock(), key=effect.key, code=code,
                                                                     reason=reason))

    def _ask(self, session_id: str, effect: fx.IssueCertificate) -> tuple[str, str] | None:
        client = self.hub()
        if client is None:
            return "hub_down", ""
        holder = {"id_type": id_type(effect.holder), "id_number": effect.holder.get("id_number", "")}
        body = {"kind": effect.kind, "holder": holder, "identity_check": effect.identity_check}
        try:
            reply = client.issue_certificate(body, key=effect.key)
        except HubUnreachable as exc:
            log.warning("certificate: the hub did not answer", extra={"detail": str(exc)[:200]})
            return "hub_down", ""
        except HubRejected as exc:
            if exc.status == 404 and exc.code == "no_record":
                return "no_record", exc.detail[:80]  # the hub's words for the citizen, e.g. 没有找到您的…记录
            log.error("certificate refused by the hub", extra={"status": exc.status, "code": exc.code})
            return "refused", ""
        pdf = _pdf_of(reply)
        if pdf is None:
            log.error("certificate: the hub's PDF does not match its digest")
            return "refused", ""
        with self._lock:
            self._pdfs.setdefault(session_id, {})[effect.key] = pdf
        self.sessions.system_event(session_id, ev.CertificateIssued(
            at=self.clock(), key=effect.key, code=str(reply.get("code", "")), title=str(reply.get("title", "")),
            verify_url=str(reply.get("verify_url", ""))))
        return None

    def print(self, session_id: str, effect: fx.PrintCertificate) -> None:
        """Print the certificate held under the effect's key; the session learns printed, failed or unknown."""
        with self._lock:
            pdf = self._pdfs.get(session_id, {}).get(effect.key)
        if pdf is None:  # only if the session was wiped meanwhile: nothing to print
            self.sessions.system_event(session_id, ev.PrintFailed(at=self.clock(), job_id=effect.job_id,
                                                                  code="a4_unavailable"))
            return
        result = self.a4().print_certificate(session_id, pdf, key=effect.key, copy=effect.copy_no)
        if result.outcome in ("printed", "unknown"):
            self._drop(session_id, effect.key)  # out (or perhaps out): never printed again from here
        if result.outcome == "printed":
            self.sessions.system_event(session_id, ev.Printed(at=self.clock(), job_id=effect.job_id))
        else:
            self.sessions.system_event(session_id, ev.PrintFailed(
                at=self.clock(), job_id=effect.job_id, code=OUTCOME_CODES[result.outcome],
                reason=result.citizen_message))

    def forget(self, session_id: str) -> None:
        """The session is over: its certificates' PDFs go."""
        with self._lock:
            self._pdfs.pop(session_id, None)

    def held(self) -> int:
        """How many PDFs are held now (for tests and the technician)."""
        with self._lock:
            return sum(len(pdfs) for pdfs in self._pdfs.values())

    def _drop(self, session_id: str, key: str) -> None:
        with self._lock:
            self._pdfs.get(session_id, {}).pop(key, None)


def _pdf_of(reply: dict[str, Any]) -> bytes | None:
    """The PDF of the hub's answer, if it is one and its SHA-256 is the one the hub recorded."""
    try:
        pdf = base64.b64decode(str(reply.get("pdf_base64", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not pdf.startswith(b"%PDF-") or hashlib.sha256(pdf).hexdigest() != reply.get("sha256"):
        return None
    return pdf
