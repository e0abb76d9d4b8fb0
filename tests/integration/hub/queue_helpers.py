"""Request helpers shared by the queue and appointment tests."""

from __future__ import annotations

import pytest

from tests.integration.hub.conftest import HALL, Clock, Hub

__all__ = ["HALL", "SQLITE_ONLY", "Clock", "call_all", "staff", "take"]

TICKETS = "/api/v1/queue/tickets"
SQLITE_ONLY = pytest.mark.parametrize("database_url", [None], ids=["sqlite"])


def take(hub: Hub, service: str = "social_security", token: str | None = None, key: str | None = None, **extra):
    headers = hub.auth(token) | ({"Idempotency-Key": key} if key else {})
    return hub.client.post(TICKETS, headers=headers, json={"service": service, **extra})


def staff(hub: Hub, action: str, window: int = 1, service: str | None = None, site: str = "hall-1"):
    body = {"service": service} if service else None
    return hub.client.post(
        f"/api/v1/staff/queue/{site}/windows/{window}/{action}", json=body, auth=hub.staff()
    )


def call_all(hub: Hub, service: str = "social_security", window: int = 1) -> list[str]:
    called = []
    while (r := staff(hub, "next", window, service)).status_code == 200:
        called.append(r.json()["number"])
    assert r.json()["code"] == "nobody_waiting"
    return called
