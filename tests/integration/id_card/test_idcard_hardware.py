"""The same driver against a real reader: set KIOSK_TEST_IDCARD_URI (e.g. serial:///dev/ttyUSB0) to run."""

from __future__ import annotations

import os

import pytest

from drivers import registry
from drivers.base import Health
from drivers.id_card import IdCardReader

URI = os.environ.get("KIOSK_TEST_IDCARD_URI", "")

pytestmark = [pytest.mark.hardware, pytest.mark.skipif(not URI, reason="no reader: set KIOSK_TEST_IDCARD_URI")]


def test_real_reader_answers_the_sam_status_command() -> None:
    reader = registry.create("id_reader", URI)
    assert isinstance(reader, IdCardReader)
    with reader:
        status = reader.probe()
    assert status.health is Health.ONLINE, status.message


def test_real_reader_reads_a_card_placed_within_30_seconds() -> None:
    """Place any card on the reader when this test starts."""
    reader = registry.create("id_reader", URI)
    with reader:
        record = reader.read_card(timeout=30)
    assert record.card_type in ("resident", "hkmt_residence", "foreign_permanent_2017", "foreign_permanent_2023")
    assert len(record.photo_wlt) == 1024
