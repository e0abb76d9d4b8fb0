"""Talking to a running kioskd from kioskctl: address and token from the same KIOSK_* settings."""

from __future__ import annotations

from typing import Any

import httpx

from kioskctl.output import FAILED, NOTHING, fail
from local_api.settings import ConfigError, Settings, load_settings
from local_api.token import read_token


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc), 2)


class DaemonClient:
    """A thin synchronous client of kioskd's /v1 API with one-line errors."""

    def __init__(self, settings: Settings, timeout: float = 10.0) -> None:
        host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
        self.base = f"http://{host}:{settings.api_port}/v1"
        token = read_token(settings.token_path)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.base, headers=headers, timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            fail(f"kioskd at {self.base} did not answer in time", NOTHING)
        except httpx.TransportError:
            fail(f"kioskd is not running at {self.base}; start it (kioskd) or use --direct", FAILED)
        if response.status_code == 401:
            fail("kioskd refused the API token; run kioskctl with the same KIOSK_DATA_DIR as kioskd", FAILED)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            code = 2 if response.status_code in (404, 409, 422) else FAILED
            fail(f"kioskd answered {response.status_code}: {detail}", code)
        return response.json()
