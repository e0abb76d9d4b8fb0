"""The face check's outcome travels in the application as the hub's typed ``identity_check``, never an image."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from flows import effects as fx
from local_api.services.application import build_application
from wire.application import CaseApplication

CHECK = {"method": "face", "outcome": "passed", "score": 0.6337, "threshold": 0.48, "attempts": 2, "reason": ""}


def _effect(identity_check):
    return fx.SubmitApplication(
        idempotency_key="s1-r1-e5-submit", item_code="face_demo",
        applicant={"card_type": "resident", "name": "李建国", "id_number": "640104198007152039"},
        form={}, submitted_at=datetime(2026, 5, 1, 9, tzinfo=UTC), identity_check=identity_check)


def test_the_application_carries_the_outcome_and_the_hub_model_reads_it(tmp_path):
    application, files = build_application(_effect(CHECK), None, tmp_path)
    parsed = CaseApplication.model_validate(application)
    assert parsed.identity_check is not None and parsed.identity_check.model_dump() == CHECK
    assert files == []  # no picture goes with it
    assert set(application["identity_check"]) == set(CHECK)


def test_an_item_without_a_face_check_sends_none(tmp_path):
    application, _ = build_application(_effect(None), None, tmp_path)
    assert "identity_check" not in application
    assert CaseApplication.model_validate(application).identity_check is None


def test_an_image_or_anything_else_in_the_outcome_is_refused_by_the_hub_model(tmp_path):
    application, _ = build_application(_effect({**CHECK, "frame": "/9j/4AAQSkZJRg"}), None, tmp_path)
    with pytest.raises(ValidationError, match="frame"):
        CaseApplication.model_validate(application)
