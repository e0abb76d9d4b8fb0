"""Enrolment with the hub: a pairing code exchanged for the kiosk's id, site and token, kept in the data dir.

The answer is stored in ``hub-enrolment.json`` (mode 0600, written whole or not at all) and used at
once, without a restart (``local_api.hub_link``). The code and the token are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from local_api.errors import EnrolFailed
from local_api.hub_client import transport_kind
from local_api.settings import check_hub_url

log = logging.getLogger(__name__)

ENROLMENT_FILE = "hub-enrolment.json"


@dataclass(frozen=True)
class Enrolment:
    kiosk_id: str
    site_id: str
    hub_url: str
    token: str
    enrolled_at: str

    def save(self, path: Path) -> None:
        """Write the file atomically with mode 0600: a power cut leaves the old file or the new one."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(self), f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def load(cls, path: Path) -> Enrolment | None:
        """The stored enrolment; None when there is none, or when the file cannot be used (logged: enrol again)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            enrolment = cls(**{k: str(data[k]) for k in ("kiosk_id", "site_id", "hub_url", "token", "enrolled_at")})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("the hub enrolment file cannot be used; enrol the kiosk again",
                      extra={"file": str(path), "error": type(exc).__name__})
            return None
        try:
            # The same rule as KIOSK_HUB_URL: a file edited by hand must not send the token over plain http.
            check_hub_url(enrolment.hub_url)
        except ValueError as exc:
            log.error("the hub enrolment file names a hub kioskd will not use; enrol the kiosk again",
                      extra={"file": str(path), "error": str(exc)})
            return None
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)  # copied in by hand with a loose mode: it holds the kiosk's token
            log.warning("the hub enrolment file was readable by others; made it 0600", extra={"file": str(path)})
        return enrolment


def exchange(hub_url: str, code: str, *, timeout: float = 15.0,
             transport: httpx.BaseTransport | None = None) -> Enrolment:
    """POST the code to the hub's /api/v1/enrol; the enrolment it answers with, or EnrolFailed."""
    url = f"{hub_url}/api/v1/enrol"
    try:
        with httpx.Client(timeout=timeout, transport=transport) as http:
            response = http.post(url, json={"code": code.strip()})
    except httpx.TimeoutException:
        raise EnrolFailed(504, "unreachable", f"the hub at {hub_url} did not answer within {timeout:g} s; "
                                              "check the network and the address") from None
    except httpx.HTTPError as exc:
        if transport_kind(exc) == "tls_error":
            raise EnrolFailed(502, "tls_error", f"the TLS handshake with {hub_url} failed ({_short(exc)}); check "
                                                "the hub's certificate and this kiosk's clock") from None
        raise EnrolFailed(502, "unreachable", f"nothing answers at {hub_url} ({type(exc).__name__}); check the "
                                              "host and port, and that kioskhub is running") from None
    if response.status_code >= 500:  # the hub failing, or a proxy in front of a hub that is down
        raise EnrolFailed(502, "unreachable", f"{hub_url} answered {response.status_code}; try again in a minute "
                                              "(the code was not used)")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise EnrolFailed(502, "wrong_url", f"{hub_url} answered {response.status_code} with something that is not "
                                            "the hub's; check the address (scheme, host and port of kioskhub)")
    if response.status_code >= 400:
        if not body.get("code"):  # a 404 from something else on that port, or a hub without enrolment
            raise EnrolFailed(502, "wrong_url", f"{hub_url} has no kioskhub enrolment (it answered "
                                                f"{response.status_code} to POST /api/v1/enrol); check the address")
        detail = body.get("detail") if isinstance(body.get("detail"), str) else "refused"
        raise EnrolFailed(409, str(body["code"]), str(detail)[:300], hub_status=response.status_code)
    hub = body.get("hub") if isinstance(body.get("hub"), dict) else {}
    fields = [body.get("kiosk_id"), body.get("token"), body.get("site_id")]
    if hub.get("service") != "kioskhub" or not all(isinstance(f, str) and f for f in fields):
        raise EnrolFailed(502, "wrong_url", f"{hub_url} answered, but not as kioskhub does; check the address")
    return Enrolment(kiosk_id=body["kiosk_id"], site_id=body["site_id"], hub_url=hub_url, token=body["token"],
                     enrolled_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
