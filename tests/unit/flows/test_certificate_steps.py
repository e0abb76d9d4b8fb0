"""A print step with ``document: certificate``: the hub issues the certificate, the A4 printer prints it once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import EventNotAccepted, accepted_client_events, start, transition
from flows.model import PrintStep
from flows.view import session_view
from flows.walk import SAMPLE_CARD
from local_api.schemas import SessionSnapshot

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()
ITEMS = {"si_record_certificate": "social_insurance_contribution",
         "housing_fund_certificate": "housing_fund_deposit"}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def to_print(code: str = "si_record_certificate"):
    """Through guide, consent, the card and the face check to the print step: (item, snapshot, the effects of
    entering it)."""
    item = CATALOG[code]
    snap, _ = start(item, session_id="s1", at=T0)
    snap, _ = transition(item, snap, ev.NextPressed(at=at(1)))
    snap, _ = transition(item, snap, ev.ConsentAnswered(at=at(2), accepted=True))
    snap, effects = transition(item, snap, ev.CardRead(at=at(3), record=SAMPLE_CARD))
    assert snap.step == "face"  # 人证核验 before anything is printed
    snap, effects = transition(item, snap, ev.ConsentAnswered(at=at(3.5), accepted=True))
    check = next(e for e in effects if isinstance(e, fx.CheckFace))
    snap, effects = transition(item, snap, ev.FaceChecked(at=at(4), key=check.key, outcome="passed", score=0.63,
                                                          threshold=0.48))
    assert snap.step == "print"
    return item, snap, effects


def view(item, snap):
    return SessionSnapshot.model_validate(session_view(item, snap)).step


def issue_effect(effects) -> fx.IssueCertificate:
    return next(e for e in effects if isinstance(e, fx.IssueCertificate))


@pytest.mark.parametrize(("code", "kind"), sorted(ITEMS.items()))
def test_entering_the_step_asks_the_hub_for_the_items_certificate_after_the_card(code, kind):
    item, snap, effects = to_print(code)
    order = issue_effect(effects)
    assert order.kind == kind and order.identity_check == "face_verified"
    assert order.holder == {"card_type": "resident", "id_number": SAMPLE_CARD["id_number"]}
    assert SAMPLE_CARD["id_number"] not in repr(order)  # never in logs
    assert snap.pending == "certificate" and view(item, snap).data.state == "issuing"
    assert accepted_client_events(item, snap) == ["start_over", "call_helper", "still_here"]  # no back while asking


def test_issued_then_printed_once_shows_where_to_take_it_and_waits_for_the_citizen():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, effects = transition(item, snap, ev.CertificateIssued(at=at(5), key=key, code="VJAJ-H05X-AQVH-V4A5",
                                                                title="社会保险参保缴费证明"))
    job = next(e for e in effects if isinstance(e, fx.PrintCertificate))
    assert (job.key, job.copy_no) == (key, 1)
    step = view(item, snap)
    assert step.data.state == "printing" and step.data.verification_code == "VJAJ-H05X-AQVH-V4A5"
    snap, effects = transition(item, snap, ev.Printed(at=at(20), job_id=job.job_id))
    step = view(item, snap)
    assert snap.step == "print" and step.data.state == "printed" and "A4出纸口" in snap.notice.message
    assert accepted_client_events(item, snap) == ["next", "start_over", "call_helper", "still_here"]  # no back
    snap, effects = transition(item, snap, ev.NextPressed(at=at(25)))
    assert snap.step == "rate" and snap.history == ()
    assert not any(isinstance(e, fx.PrintCertificate | fx.IssueCertificate) for e in effects)


def test_no_record_sends_the_citizen_to_a_counter_and_offers_no_retry():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, effects = transition(item, snap, ev.CertificateRefused(at=at(5), key=key, code="no_record",
                                                                 reason="没有找到您的社会保险参保记录"))
    step = view(item, snap)
    assert step.data.state == "failed" and step.data.code == "no_record" and not step.data.may_retry
    assert "没有找到您的社会保险参保记录" in step.data.message and "人工窗口" in step.data.message
    assert [o.value for o in step.options] == ["skip"]
    with pytest.raises(EventNotAccepted):
        transition(item, snap, ev.OptionChosen(at=at(6), option="retry"))
    snap, effects = transition(item, snap, ev.OptionChosen(at=at(7), option="skip"))
    assert snap.step == "rate" and not any(isinstance(e, fx.IssueCertificate) for e in effects)


def test_hub_down_may_be_retried_with_the_same_key_so_the_hub_gives_no_second_code():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, _ = transition(item, snap, ev.CertificateRefused(at=at(5), key=key, code="hub_down"))
    step = view(item, snap)
    assert step.data.may_retry and [o.value for o in step.options] == ["retry", "skip"]
    snap, effects = transition(item, snap, ev.OptionChosen(at=at(9), option="retry"))
    assert issue_effect(effects).key == key and snap.pending == "certificate"


def test_a_failed_print_is_retried_as_a_new_copy_of_the_same_certificate_without_asking_the_hub_again():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, effects = transition(item, snap, ev.CertificateIssued(at=at(5), key=key, code="C"))
    first = next(e for e in effects if isinstance(e, fx.PrintCertificate))
    snap, _ = transition(item, snap, ev.PrintFailed(at=at(9), job_id=first.job_id, code="a4_failed",
                                                    reason="证明没有打印出来（A4打印机缺纸）；请联系大厅工作人员"))
    assert "缺纸" in view(item, snap).data.message
    snap, effects = transition(item, snap, ev.OptionChosen(at=at(12), option="retry"))
    assert not any(isinstance(e, fx.IssueCertificate) for e in effects)
    second = next(e for e in effects if isinstance(e, fx.PrintCertificate))
    assert (second.key, second.copy_no) == (key, 2) and second.job_id != first.job_id


def test_an_unknown_outcome_is_never_printed_again_from_the_kiosk():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, effects = transition(item, snap, ev.CertificateIssued(at=at(5), key=key, code="C"))
    job = next(e for e in effects if isinstance(e, fx.PrintCertificate))
    snap, _ = transition(item, snap, ev.PrintFailed(at=at(9), job_id=job.job_id, code="a4_unknown"))
    step = view(item, snap)
    assert not step.data.may_retry and [o.value for o in step.options] == ["skip"]
    assert "不要重复打印" in step.data.message
    with pytest.raises(EventNotAccepted):
        transition(item, snap, ev.OptionChosen(at=at(10), option="retry"))


def test_an_answer_for_an_earlier_request_is_refused():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, _ = transition(item, snap, ev.StartOverPressed(at=at(5)))
    for late in (ev.CertificateIssued(at=at(6), key=key, code="C"),
                 ev.CertificateRefused(at=at(6), key=key, code="hub_down")):
        with pytest.raises(EventNotAccepted):
            transition(item, snap, late)


def test_after_the_face_check_there_is_no_way_back_and_a_retry_asks_under_the_same_key():
    """Back would mean the face check again, whose card photo is gone: a passed check is a barrier."""
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, _ = transition(item, snap, ev.CertificateRefused(at=at(5), key=key, code="hub_down"))
    assert "back" not in accepted_client_events(item, snap)
    snap, effects = transition(item, snap, ev.OptionChosen(at=at(7), option="retry"))
    assert snap.step == "print" and issue_effect(effects).key == key


def test_a_session_that_ends_forgets_the_certificate():
    item, snap, effects = to_print()
    key = issue_effect(effects).key
    snap, _ = transition(item, snap, ev.CertificateIssued(at=at(5), key=key, code="C"))
    snap, effects = transition(item, snap, ev.Tick(at=at(5000)))
    snap, effects = transition(item, snap, ev.Tick(at=at(9000)))
    assert snap.status == "abandoned" and snap.certificate is None
    assert isinstance(effects[-1], fx.WipeSession)


@pytest.mark.parametrize("bad", [
    {"document": "certificate"},
    {"document": "certificate", "certificate": "housing_fund_deposit", "template": "receipt"},
    {"certificate": "housing_fund_deposit"},
    {"document": "slip"},
])
def test_a_print_step_names_either_a_slip_template_or_a_certificate_kind(bad):
    with pytest.raises(ValidationError):
        PrintStep.model_validate({"id": "p", "kind": "print", "title": "打印", **bad})
