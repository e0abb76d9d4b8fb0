"""帮办 in the engine: a helper on the call fills in with the citizen once the citizen agreed, through the same
handlers as the citizen's taps; card, consent, papers, 确认提交 and signing stay with the citizen, and
taking the control back or losing the call leaves the step as last confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import EventNotAccepted, accepted_events, start, transition
from flows.view import session_view
from flows.walk import happy_event, walk
from local_api.schemas import SessionSnapshot
from local_api.services.application import build_application
from wire.application import CaseApplication

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ITEM = load_catalog()["individual_business_precheck"]


def to_step(step_id: str, snap=None):
    snap = snap or start(ITEM, session_id="s1", at=T0)[0]
    at = snap.updated_at
    while snap.step != step_id:
        at += timedelta(seconds=5)
        snap, _ = transition(ITEM, snap, happy_event(ITEM, snap, at))
    return snap


def grant(snap, helper="h-wang"):
    return transition(ITEM, snap, ev.AssistGranted(at=snap.updated_at, helper_id=helper))[0]


def helper(snap, action, helper_id="h-wang", **data):
    return transition(ITEM, snap, ev.HelperInput(at=snap.updated_at + timedelta(seconds=1), helper_id=helper_id,
                                                 action=action, **data))


def fields(snap) -> dict:
    view = SessionSnapshot.model_validate(session_view(ITEM, snap))
    return {f.name: f for f in view.step.fields}


def test_nothing_is_entered_for_the_citizen_before_they_agree():
    snap = to_step("business")
    assert "helper_input" not in accepted_events(ITEM, snap)
    with pytest.raises(EventNotAccepted):
        helper(snap, "set_field", field="scope", value="日用百货零售")


def test_the_helper_types_the_citizen_sees_it_marked_and_next_confirms_it_through_the_form_rules():
    snap = grant(to_step("business"))
    assert snap.notice is not None and "收回操作" in snap.notice.message
    snap, _ = helper(snap, "set_field", field="scope", value="日用百货零售")
    shown = fields(snap)["scope"]
    assert shown.value == "日用百货零售" and shown.by_helper
    assert "scope" not in snap.form  # typed, not yet confirmed
    for name, value in (("premises", "宁夏回族自治区银川市金凤区正源北街1号"), ("form_of_organization", "个人经营"),
                        ("capital", "5"), ("phone", "13800000000"), ("employees", "0")):
        snap, _ = helper(snap, "set_field", field=name, value=value)
    snap, _ = helper(snap, "next")
    assert snap.step == "business" and "employees" in snap.field_errors  # the form's own rule: at least 1
    snap, _ = helper(snap, "set_field", field="employees", value="2")
    snap, _ = helper(snap, "next")
    assert snap.step == "capture_basic"  # the camera step: the citizen's papers
    assert snap.form["scope"] == "日用百货零售" and snap.form["employees"] == "2"
    assert "helper_input" not in accepted_events(ITEM, snap)
    view = SessionSnapshot.model_validate(session_view(ITEM, snap))
    assert view.assist is not None
    assert view.assist.entered == ["scope", "premises", "form_of_organization", "capital", "phone", "employees"]


def test_the_card_fields_and_the_citizens_own_steps_are_not_the_helpers():
    snap = grant(to_step("business"))
    with pytest.raises(EventNotAccepted, match="ID card"):
        helper(snap, "set_field", field="operator_name", value="李四")
    assert not fields(snap)["operator_name"].helper_may_set
    for step in ("consent", "identify", "capture_basic", "commitment", "review"):
        at = grant(to_step(step))
        assert "helper_input" not in accepted_events(ITEM, at), step


def test_taking_back_or_losing_the_call_drops_what_the_helper_did_not_confirm():
    for reason in ("withdrawn", "lost"):
        snap = grant(to_step("business"))
        snap, _ = helper(snap, "set_field", field="scope", value="餐饮服务")
        snap, effects = transition(ITEM, snap, ev.AssistEnded(at=snap.updated_at, reason=reason))
        assert fields(snap)["scope"].value == "" and snap.step == "business"
        assert "helper_input" not in accepted_events(ITEM, snap)
        assert isinstance(effects[0], fx.Speak)
        with pytest.raises(EventNotAccepted):
            helper(snap, "set_field", field="scope", value="餐饮服务")


def test_two_helpers_never_control_one_session():
    snap = grant(to_step("business"), "h-wang")
    assert "assist_granted" not in accepted_events(ITEM, snap)
    with pytest.raises(EventNotAccepted, match="another helper"):
        helper(snap, "set_field", helper_id="h-li", field="scope", value="x")


def test_the_helper_chooses_and_the_application_says_who_assisted_and_what_they_entered(tmp_path):
    snap = grant(to_step("business"))
    for name, value in (("scope", "日用百货零售"), ("premises", "宁夏回族自治区银川市金凤区正源北街1号"),
                        ("form_of_organization", "个人经营"), ("employees", "1"), ("capital", "5"),
                        ("phone", "13800000000")):
        snap, _ = helper(snap, "set_field", field=name, value=value)
    snap, _ = helper(snap, "next")
    snap = to_step("agent", snap)
    snap, _ = helper(snap, "choose", option="self")
    assert snap.step == "commitment"
    at = snap.updated_at
    submit, seen = None, []
    while submit is None:
        at += timedelta(seconds=5)
        seen.append(snap.step)
        snap, effects = transition(ITEM, snap, happy_event(ITEM, snap, at))
        submit = next((e for e in effects if isinstance(e, fx.SubmitApplication)), None)
    assert seen[:3] == ["commitment", "authorisation", "review"]  # an assisted case signs the 委托书 too
    assert submit.assisted == {"helper_id": "h-wang", "mode": "video_filling",
                               "entered": ["scope", "premises", "form_of_organization", "employees", "capital",
                                           "phone", "by_agent"]}
    application, _ = build_application(submit.model_copy(update={"materials": ()}), ITEM, tmp_path)
    parsed = CaseApplication.model_validate(application)
    assert [s.document for s in parsed.signatures] == ["告知承诺书", "委托书"]
    assert parsed.assisted is not None and parsed.assisted.authorisation_file == parsed.signatures[1].file


def test_a_citizen_alone_signs_no_authorisation():
    snap = to_step("review", to_step("commitment"))
    assert "authorisation" not in snap.history


def test_the_receipt_says_bang_ban_dai_ban_and_the_service_not_the_helper():
    from drivers.printer.document import KeyValue
    from local_api.tickets import build_document

    snap = grant(to_step("business"), "h-wang")
    at = snap.updated_at
    job = None
    while job is None:
        at += timedelta(seconds=5)
        snap, effects = transition(ITEM, snap, happy_event(ITEM, snap, at))
        job = next((e for e in effects if isinstance(e, fx.PrintDocument)), None)
    document = build_document(job.template, job.data, hall="兴庆区政务服务中心")
    rows = {b.key: b.value for b in document.blocks if isinstance(b, KeyValue)}
    assert rows["办理方式"] == "帮办代办（视频帮办）"
    assert "h-wang" not in repr(document)
    alone = next(e for _, _, effects in walk(ITEM, start_at=T0) for e in effects
                 if isinstance(e, fx.PrintDocument))
    assert "办理方式" not in {b.key for b in build_document(alone.template, alone.data, hall="x").blocks
                           if isinstance(b, KeyValue)}
