"""Fixtures of the outbox tests (see fakes.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from local_api.hub_client import HubClient
from local_api.outbox import Outbox
from tests.unit.outbox.fakes import Clock, FakeHub, make_outbox


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def client(hub: FakeHub) -> HubClient:
    return HubClient("http://hub.test", "token", transport=httpx.MockTransport(hub))


@pytest.fixture
def outbox(tmp_path: Path, clock: Clock) -> Outbox:
    return make_outbox(tmp_path, clock)


