"""Talking to a running kioskd from kioskctl: address and token from the same KIOSK_* settings."""

from __future__ import annotations

import json
from typing import Any

import httpx

from kioskctl.output import FAILED, NOTHING, USAGE, fail
from local_api.settings import ConfigError, Settings, load_settings
from local_api.token import read_token


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc), USAGE)


class DaemonClient:
    """A thin synchronous client of kioskd's /v1 API with one-line errors.

    ``offline_hint`` completes the message when kioskd is not running, e.g. with the command's own
    option that works without it; commands without one get no hint (never a flag they do not have).
    """

    def __init__(self, settings: Settings, timeout: float = 10.0, *, offline_hint: str = "") -> None:
        host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
        self.base = f"http://{host}:{settings.api_port}/v1"
        self.offline_hint = offline_hint
        token = read_token(settings.token_path)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.base, headers=headers, timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            fail(f"kioskd at {self.base} did not answer in time", NOTHING)
        except httpx.TransportError:
            hint = f", or {self.offline_hint}" if self.offline_hint else ""
            fail(f"kioskd is not running at {self.base}; start it (systemctl start kioskd, or kioskd in a shell)"
                 f"{hint}", FAILED)
        if response.status_code == 401:
            fail("kioskd refused the API token; run kioskctl with the same KIOSK_DATA_DIR as kioskd", FAILED)
        if response.status_code == 504:  # kioskd waited for something (the hub) that did not answer in time
            fail(http_error(response), NOTHING)
        if response.status_code >= 400:
            fail(http_error(response), USAGE if response.status_code in (404, 409, 422) else FAILED)
        try:
            return response.json()
        except ValueError:
            fail(f"kioskd answered {response.status_code} with a body that is not JSON; is {self.base} kioskd?",
                 FAILED)


def http_error(response: httpx.Response) -> str:
    """kioskd's error, or the hub's that kioskd passes on, with its real status and detail in one line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = " ".join(response.text.split())[:200] or response.reason_phrase
        return f"kioskd answered {response.status_code}: {text}"
    detail = _detail(body.get("detail"))
    code = f" ({body['code']})" if body.get("code") else ""
    if body.get("hub_status"):  # a refusal kioskd got from the hub and passes on (as its own 409)
        return f"the hub answered {body['hub_status']}: {detail}{code}"
    return f"kioskd answered {response.status_code}: {detail}{code}"


def _detail(detail: Any) -> str:
    """FastAPI's detail: a sentence, or a list of validation errors (where, what)."""
    if isinstance(detail, list):
        parts = []
        for err in detail:
            if isinstance(err, dict):
                where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
                parts.append(f"{where}: {err.get('msg', '')}" if where else str(err.get("msg", "")))
            else:
                parts.append(str(err))
        return "; ".join(parts)
    if detail is None:
        return "no detail"
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
