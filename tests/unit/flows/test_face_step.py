"""The ``verify_face`` step (人证核验) in the pure engine: consent first, N attempts, the outcome, the alternative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import EventNotAccepted, accepted_client_events, start, transition
from flows.model import ServiceItem, VerifyFaceStep
from flows.view import session_view
from flows.walk import SAMPLE_CARD
from local_api.schemas import SessionSnapshot

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def of(effects, kind):
    return [e for e in effects if isinstance(e, kind)]


def view(item, snap):
    return SessionSnapshot.model_validate(session_view(item, snap)).step


def to_face(item: ServiceItem | None = None, *, elder: bool = False):
    item = item or CATALOG["si_record_certificate"]
    snap, _ = start(item, session_id="s1", at=T0, elder_mode=elder)
    snap, _ = transition(item, snap, ev.NextPressed(at=at(1)))
    snap, _ = transition(item, snap, ev.ConsentAnswered(at=at(2), accepted=True))
    snap, effects = transition(item, snap, ev.CardRead(at=at(3), record=SAMPLE_CARD))
    assert snap.step == "face"
    return item, snap, effects


def consent(item, snap, accepted=True, t=4):
    return transition(item, snap, ev.ConsentAnswered(at=at(t), accepted=accepted))


def checked(item, snap, outcome, t, **kw):
    return transition(item, snap, ev.FaceChecked(at=at(t), key=snap_key(snap), outcome=outcome, **kw))


def snap_key(snap):
    return f"{snap.session_id}-r{snap.run}-e{snap.entry}-{snap.step}-{snap.face.attempts}"


def test_the_step_asks_its_own_consent_first_and_starts_no_camera_before_it():
    item, snap, effects = to_face()
    assert not of(effects, fx.CheckFace)
    step = view(item, snap)
    assert step.kind == "verify_face" and step.data.state == "consent"
    assert "不保存您的照片" in step.body and step.data.purpose.startswith("核验您是否为身份证本人")
    assert accepted_client_events(item, snap) == ["consent", "back", "start_over", "call_helper", "still_here"]


def test_consent_given_is_recorded_separately_and_starts_the_first_attempt():
    item, snap, _ = to_face(elder=True)
    snap, effects = consent(item, snap)
    (record,) = of(effects, fx.RecordConsent)
    assert record.consent_id == "face_verification" and record.accepted
    (check,) = of(effects, fx.CheckFace)
    assert check.attempt == 1 and check.elder_mode  # elder mode: slower challenge
    assert snap.pending == "face" and view(item, snap).data.state == "checking"
    assert accepted_client_events(item, snap) == ["back", "start_over", "call_helper", "still_here"]


def test_passed_goes_on_to_print_with_the_outcome_kept_and_the_images_wiped():
    item, snap, _ = to_face()
    snap, _ = consent(item, snap)
    snap, effects = checked(item, snap, "passed", 9, score=0.63, threshold=0.48)
    assert snap.step == "print" and snap.history == ()  # no way back into a check whose photo is gone
    assert of(effects, fx.WipeFace)
    assert snap.face.state == "passed" and (snap.face.score, snap.face.threshold, snap.face.attempts) == (
        0.63, 0.48, 1)
    assert of(effects, fx.IssueCertificate)[0].identity_check == "face_verified"


def test_failures_offer_a_retry_until_the_attempts_are_used_then_only_the_alternative():
    item, snap, _ = to_face()
    snap, _ = consent(item, snap)
    for n in (1, 2):
        snap, effects = checked(item, snap, "failed", 5 + n * 10, score=0.2, threshold=0.48, reason="not_the_holder")
        assert snap.face.state == "retry" and not of(effects, fx.WipeFace)
        assert "人脸与身份证照片不一致" in snap.notice.message and f"还可以再试{3 - n}次" in snap.notice.message
        assert [o.value for o in view(item, snap).options] == ["retry", "alternative"]
        snap, effects = transition(item, snap, ev.OptionChosen(at=at(6 + n * 10), option="retry"))
        assert of(effects, fx.CheckFace)[0].attempt == n + 1
    snap, effects = checked(item, snap, "failed", 40, reason="no_liveness")
    assert snap.face.state == "failed" and snap.face.attempts == 3 and of(effects, fx.WipeFace)
    assert [o.value for o in view(item, snap).options] == ["alternative"]
    with pytest.raises(EventNotAccepted):
        transition(item, snap, ev.OptionChosen(at=at(41), option="retry"))
    assert snap.step == "face"  # never on to print


def test_declining_offers_the_counter_and_the_ticket_goes_to_the_items_window():
    item, snap, _ = to_face()
    snap, effects = consent(item, snap, accepted=False)
    assert of(effects, fx.RecordConsent)[0].accepted is False and not of(effects, fx.CheckFace)
    assert snap.face.state == "declined" and of(effects, fx.WipeFace)
    assert [o.label for o in view(item, snap).options] == ["到窗口办理"]
    snap, effects = transition(item, snap, ev.OptionChosen(at=at(6), option="alternative"))
    assert snap.step == "counter_ticket"
    (ticket,) = of(effects, fx.SubmitApplication)
    assert ticket.purpose == "queue_ticket" and ticket.form["service"] == "social_security"
    assert ticket.identity_check == {"method": "face", "outcome": "declined", "score": None, "threshold": None,
                                     "attempts": 0, "reason": ""}


def test_unavailable_offers_only_the_alternative():
    item, snap, _ = to_face()
    snap, _ = consent(item, snap)
    snap, _ = checked(item, snap, "unavailable", 6, reason="no_decoder")
    assert snap.face.state == "unavailable" and "本机暂时不能进行人脸核验" in snap.notice.message
    assert [o.value for o in view(item, snap).options] == ["alternative"]


def test_a_stale_result_is_refused():
    item, snap, _ = to_face()
    snap, _ = consent(item, snap)
    with pytest.raises(EventNotAccepted):
        transition(item, snap, ev.FaceChecked(at=at(6), key="old-key", outcome="passed"))


@pytest.mark.parametrize("event", [ev.BackPressed, ev.StartOverPressed])
def test_leaving_during_a_check_stops_the_camera_and_wipes(event):
    item, snap, _ = to_face()
    snap, _ = consent(item, snap)
    snap, effects = transition(item, snap, event(at=at(6)))
    assert of(effects, fx.StopFaceCheck) and of(effects, fx.WipeFace)


def test_idling_out_during_a_check_stops_it_and_wipes_the_session():
    item, snap, _ = to_face()
    snap, _ = consent(item, snap)
    snap, _ = transition(item, snap, ev.Tick(at=at(1000)))
    snap, effects = transition(item, snap, ev.Tick(at=at(2000)))
    assert snap.status == "abandoned"
    assert of(effects, fx.StopFaceCheck) and of(effects, fx.WipeFace) and isinstance(effects[-1], fx.WipeSession)


def _item(**face) -> ServiceItem:
    return ServiceItem.model_validate({
        "code": "face_demo", "name": "人脸演示", "item_type": "公共服务", "department": "测试", "steps": [
            {"id": "identify", "kind": "identify", "title": "读卡", "prompt": "请放身份证"},
            {"id": "face", "kind": "verify_face", "title": "人脸核验", "prompt": "核验", "purpose": "核验本人",
             **face},
            {"id": "submit", "kind": "submit", "title": "提交", "prompt": "提交中"},
            {"id": "done", "kind": "done", "title": "完成", "prompt": "完成"},
        ]})


def test_the_video_alternative_calls_a_helper_and_stays():
    item = _item(alternative="video", attempts=1)
    snap, _ = start(item, session_id="s2", at=T0)
    snap, _ = transition(item, snap, ev.CardRead(at=at(1), record=SAMPLE_CARD))
    snap, _ = consent(item, snap, t=2)
    snap, _ = checked(item, snap, "failed", 3, reason="screen_or_print")
    assert "视频核验" in snap.notice.message
    snap, effects = transition(item, snap, ev.OptionChosen(at=at(4), option="alternative"))
    assert of(effects, fx.CallHelper) and snap.helper_requested and snap.step == "face"


def test_the_application_carries_the_outcome_and_score_never_an_image():
    item = _item(alternative="video")
    snap, _ = start(item, session_id="s3", at=T0)
    snap, _ = transition(item, snap, ev.CardRead(at=at(1), record=SAMPLE_CARD))
    snap, _ = consent(item, snap, t=2)
    snap, _ = checked(item, snap, "failed", 3, score=0.31, threshold=0.48, reason="not_the_holder")
    snap, _ = transition(item, snap, ev.OptionChosen(at=at(4), option="retry"))
    snap, effects = checked(item, snap, "passed", 5, score=0.61, threshold=0.48)
    (submit,) = of(effects, fx.SubmitApplication)
    assert submit.identity_check == {"method": "face", "outcome": "passed", "score": 0.61, "threshold": 0.48,
                                     "attempts": 2, "reason": ""}


def test_a_counter_alternative_needs_its_step_and_the_check_needs_a_card_before_it():
    with pytest.raises(ValidationError, match="on_alternative"):
        VerifyFaceStep.model_validate({"id": "f", "kind": "verify_face", "title": "t", "purpose": "p"})
    from flows.validate import check

    data = _item(alternative="video").model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["steps"] = data["steps"][1:]
    data["steps"].insert(0, {"id": "guide", "kind": "guide", "title": "指南", "prompt": "请看"})
    problems = check(data, {}, "face_demo.yaml")[1]
    assert any("put an identify step before it" in p.message for p in problems)


@pytest.mark.parametrize("code", ["si_record_certificate", "housing_fund_certificate", "housing_fund_query"])
def test_the_certificate_and_account_items_check_the_face_before_anything_is_printed_or_looked_up(code):
    item = CATALOG[code]
    kinds = [s.kind for s in item.steps]
    assert kinds.index("identify") < kinds.index("verify_face") < min(
        kinds.index(k) for k in ("print", "submit") if k in kinds)
