"""Every step of every shipped item projects onto its own step-view model, in every state it can be in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from flows.catalog import load_catalog
from flows.engine import start
from flows.model import STEP_KINDS, Notice, PrintRecord
from flows.view import session_view
from flows.walk import SAMPLE_CARD, walk
from local_api.schemas import STEP_VIEWS, IdentifyData, IdentifyStepView, SessionSnapshot, StepKind

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]
SHIPPED = {**load_catalog(), **load_catalog(ROOT / "tests" / "ui" / "items")}


def _states(snap):
    """The step as it first shows, with a card read, and in each device state a view reports."""
    yield snap
    yield snap.model_copy(update={"card": SAMPLE_CARD, "pending": "card"})
    for pending in ("capture", "submit", "print"):
        yield snap.model_copy(update={"pending": pending})
    yield snap.model_copy(update={"notice": Notice(level="error", code="duplicate", message="已提交过")})
    failed = PrintRecord(job_id="j", template="receipt", step=snap.step, code="paper_out", status="failed")
    yield snap.model_copy(update={"prints": (failed,)})


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_every_step_of_a_shipped_item_validates_as_its_kinds_view(code):
    item = SHIPPED[code]
    first, _ = start(item, session_id="v", at=T0)
    for step in item.steps:
        for snap in _states(first.model_copy(update={"step": step.id})):
            view = SessionSnapshot.model_validate(session_view(item, snap))
            assert type(view.step) is STEP_VIEWS[step.kind], step.id
    for _, snap, _ in walk(item, start_at=T0):  # and with the answers and pages a real session gathers
        SessionSnapshot.model_validate(session_view(item, snap))


def test_the_shipped_items_use_every_step_kind_and_each_kind_has_one_view():
    used = {step.kind for item in SHIPPED.values() for step in item.steps}
    assert used == set(STEP_KINDS) == set(get_args(StepKind)) == set(STEP_VIEWS)


def test_a_key_the_view_does_not_define_is_refused_not_ignored():
    """The identify screen once read ``manual_allowed``, which no view sent: such drift fails here now."""
    with pytest.raises(ValidationError, match="manual_allowed"):
        IdentifyStepView.model_validate({"id": "id", "title": "t", "prompt": "p", "data": {"manual_allowed": True}})
    assert IdentifyData().allow_manual is False  # typing the number is allowed only where the item says so
