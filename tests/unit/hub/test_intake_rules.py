"""Pure rules of intake: working-day deadlines and the request fingerprint."""

from __future__ import annotations

import datetime as dt

from hub.intake import add_working_days, request_fingerprint
from hub.schemas import CaseApplication
from hub.storage import StoredFile

APP = {"item_code": "A1", "applicant": {"name": "张三", "id_number": "11010519491231002X"}, "form": {"a": 1, "b": 2}}


def test_working_days_skip_weekends():
    friday = dt.date(2026, 11, 20)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 23)
    assert add_working_days(friday, 5) == dt.date(2026, 11, 27)


def test_fingerprint_ignores_key_order_but_not_content():
    a = CaseApplication.model_validate(APP)
    b = CaseApplication.model_validate(APP | {"form": {"b": 2, "a": 1}})
    c = CaseApplication.model_validate(APP | {"form": {"a": 1, "b": 3}})
    f = [StoredFile("0" * 32, 1, "ab")]
    assert request_fingerprint(a, f) == request_fingerprint(b, f)
    assert request_fingerprint(a, f) != request_fingerprint(c, f)
    assert request_fingerprint(a, f) != request_fingerprint(a, [StoredFile("0" * 32, 1, "cd")])
