"""The engine steps a citizen through an item: transitions, rejections, idle rule, back, start over, wipe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import effects as fx
from flows import events as ev
from flows.engine import IDLE_QUESTION, EventNotAccepted, accepted_events, start, transition
from flows.walk import SAMPLE_CARD

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)  # the same origin as the session fixture's clock


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)

# ---- table-driven transitions ----

TRANSITIONS = [
    # (setup, event, data, expected step, expected effect types)
    ("start", ev.NextPressed, {}, "consent", ["speak"]),
    ("consent", ev.ConsentAnswered, {"accepted": True}, "identify",
     ["record_consent", "speak", "start_card_reader"]),
    ("identify", ev.CardRead, {"record": SAMPLE_CARD}, "contact", ["stop_card_reader", "speak"]),
    ("identify", ev.CardFailed, {"reason": "timeout"}, "identify", ["speak", "start_card_reader"]),
    ("contact", ev.FormSubmitted, {"values": {"phone": "13912345678", "reason": "就读"}}, "kind", ["speak"]),
    ("contact", ev.FormSubmitted, {"values": {"phone": "12345", "reason": "就读"}}, "contact", ["speak"]),
    ("kind", ev.OptionChosen, {"option": "self"}, "capture", ["speak", "capture_pages"]),
    ("kind", ev.OptionChosen, {"option": "skip"}, "review", ["speak"]),
    ("capture", ev.PagesCaptured, {"material": "id_card", "refs": ["a"]}, "capture", []),
    ("capture", ev.PagesCaptured, {"material": "id_card", "refs": ["a", "b"]}, "capture", ["capture_pages"]),
    ("capture", ev.CaptureFailed, {"material": "id_card"}, "capture", ["speak"]),
    ("capture", ev.HelperCalled, {}, "capture", ["call_helper"]),
    ("capture", ev.BackPressed, {}, "kind", ["stop_capture", "speak"]),
    ("capture", ev.StartOverPressed, {}, "guide", ["stop_capture", "speak"]),
    ("review", ev.NextPressed, {}, "submit", ["speak", "submit_application"]),
    ("submit", ev.Submitted, {"case_no": "C1"}, "receipt", ["speak", "print_document"]),
    ("submit", ev.SubmitFailed, {"reason": "hub unreachable"}, "submit", ["speak"]),
]


def _setup(session, name: str):
    steps = {
        "start": lambda: None,
        "consent": lambda: session.send(ev.NextPressed),
        "identify": lambda: (session.send(ev.NextPressed), session.send(ev.ConsentAnswered, accepted=True)),
        "contact": session.to_contact,
        "kind": lambda: (session.to_contact(),
                         session.send(ev.FormSubmitted, values={"phone": "13912345678", "reason": "就业"})),
        "capture": session.to_capture,
        "review": lambda: (session.to_capture(), session.send(ev.BackPressed),
                           session.send(ev.OptionChosen, option="skip")),
        "submit": session.to_submit,
    }
    steps[name]()
    return session


@pytest.mark.parametrize(("setup", "event", "data", "step", "effects"), TRANSITIONS,
                         ids=[f"{t[0]}-{t[1].__name__}-{i}" for i, t in enumerate(TRANSITIONS)])
def test_transition_table(session, setup, event, data, step, effects):
    _setup(session, setup)
    session.send(event, **data)
    assert session.snap.step == step
    assert session.kinds() == effects


# ---- 409: events that do not fit never change the snapshot ----

REJECTIONS = [
    ("start", ev.ConsentAnswered, {"accepted": True}),
    ("start", ev.BackPressed, {}),
    ("start", ev.Printed, {"job_id": "x"}),
    ("identify", ev.FormSubmitted, {"values": {}}),
    ("contact", ev.CardRead, {"record": SAMPLE_CARD}),
    ("kind", ev.OptionChosen, {"option": "nonsense"}),
    ("capture", ev.PagesCaptured, {"material": "lease", "refs": ["x"]}),
    ("capture", ev.RetakeRequested, {"material": "photo"}),
    ("capture", ev.FinishPressed, {}),
    ("submit", ev.BackPressed, {}),
    ("submit", ev.StartOverPressed, {}),
    ("submit", ev.NextPressed, {}),
]


@pytest.mark.parametrize(("setup", "event", "data"), REJECTIONS,
                         ids=[f"{r[0]}-{r[1].__name__}-{i}" for i, r in enumerate(REJECTIONS)])
def test_rejected_event_leaves_snapshot_unchanged(session, setup, event, data):
    _setup(session, setup)
    before = session.snap.model_dump()
    with pytest.raises(EventNotAccepted) as caught:
        transition(session.item, session.snap, event(at=at(999), **data))
    assert caught.value.step_id == session.snap.step
    assert caught.value.expected == accepted_events(session.item, session.snap)
    assert caught.value.detail
    assert session.snap.model_dump() == before


def test_rejection_lists_what_the_step_accepts(session):
    with pytest.raises(EventNotAccepted) as caught:
        transition(session.item, session.snap, ev.FinishPressed(at=at(1)))
    assert caught.value.step_id == "guide"
    assert caught.value.expected == ["next", "start_over", "call_helper", "still_here", "tick", "device_fault",
                                     "assist_granted"]
    assert caught.value.expected_client == ["next", "start_over", "call_helper", "still_here"]


def test_ended_session_accepts_nothing(session):
    session.send(ev.NextPressed)
    session.send(ev.ConsentAnswered, accepted=False)
    assert session.snap.status == "finished"
    with pytest.raises(EventNotAccepted) as caught:
        transition(session.item, session.snap, ev.StillHere(at=at(50)))
    assert caught.value.expected == []
    assert caught.value.detail == "the session has ended"


# ---- idle rule ----

def test_idle_warns_then_abandons_and_wipes(session):
    session.to_contact()
    deadline = session.snap.idle_deadline
    assert deadline == at(session.clock) + timedelta(seconds=120)
    snap_before = session.snap
    session.send(ev.Tick, after=119)
    assert session.snap is snap_before and session.effects == []
    session.send(ev.Tick, after=1)
    assert session.snap.idle_warned and session.snap.notice.code == "idle"
    assert session.effects == [fx.Speak(text=IDLE_QUESTION)]
    session.send(ev.Tick, after=29)
    assert session.snap.status == "active" and session.effects == []
    session.send(ev.Tick, after=1)
    assert session.snap.status == "abandoned"
    assert session.effects == [fx.WipeSession(session_id="s1", reason="abandoned")]
    assert session.snap.card is None and session.snap.form == {} and session.snap.idle_deadline is None


def test_still_here_clears_the_warning(session):
    session.send(ev.Tick, after=100)
    assert session.snap.idle_warned
    session.send(ev.StillHere, after=5)
    assert not session.snap.idle_warned and session.snap.notice is None
    assert session.snap.idle_deadline == at(105) + timedelta(seconds=100)


def test_idle_at_identify_stops_the_reader(session):
    session.send(ev.NextPressed)
    session.send(ev.ConsentAnswered, accepted=True)
    session.send(ev.Tick, after=60)
    session.send(ev.Tick, after=30)
    assert session.kinds() == ["stop_card_reader", "wipe_session"]


def test_elder_mode_doubles_timeouts(item, make_session):
    elder = make_session(item, elder_mode=True)
    assert elder.snap.idle_deadline == T0 + timedelta(seconds=200)
    elder.send(ev.Tick, after=200)
    assert elder.snap.idle_deadline == at(200) + timedelta(seconds=60)


def test_elder_mode_switched_on_mid_session_slows_the_timeouts_from_then_on(item, make_session):
    session = make_session(item)
    assert session.snap.idle_deadline == T0 + timedelta(seconds=100)
    session.send(ev.StillHere, after=10, elder_mode=True)
    assert session.snap.elder_mode and session.snap.idle_deadline == at(10) + timedelta(seconds=200)
    session.send(ev.StillHere, after=20, elder_mode=False)
    assert not session.snap.elder_mode and session.snap.idle_deadline == at(30) + timedelta(seconds=100)


def test_waiting_for_a_helper_is_never_abandoned(session):
    session.send(ev.HelperCalled)
    assert session.kinds() == ["call_helper"] and session.snap.idle_deadline is None
    session.send(ev.Tick, after=10_000)
    assert session.snap.status == "active" and session.effects == []
    session.send(ev.HelperCancelled)
    assert session.effects == [fx.CancelHelper(session_id="s1")]
    assert session.snap.idle_deadline is not None


def test_idle_on_the_done_step_counts_as_finished(item, make_session):
    s = make_session(item).to_submit()
    s.send(ev.Submitted, case_no="C1")
    s.send(ev.Printed, job_id=s.snap.prints[-1].job_id)
    s.send(ev.NextPressed)
    assert s.snap.step == "done"
    s.send(ev.Tick, after=30)
    s.send(ev.Tick, after=30)
    assert s.snap.status == "finished"
    assert s.effects[-1] == fx.WipeSession(session_id="s1", reason="finished")


# ---- back, start over, helper ----

def test_back_restarts_the_reader_and_keeps_the_card(session):
    session.to_contact()
    session.send(ev.BackPressed)
    assert session.snap.step == "identify" and session.kinds() == ["speak", "start_card_reader"]
    assert session.snap.card is not None
    assert "next" in accepted_events(session.item, session.snap)
    session.send(ev.NextPressed)
    assert session.snap.step == "contact" and session.kinds() == ["stop_card_reader", "speak"]


def test_start_over_discards_scans_and_clears_the_form(session):
    session.to_capture()
    session.send(ev.PagesCaptured, material="id_card", refs=["p1", "p2"])
    old_key = session.snap.run
    session.send(ev.StartOverPressed)
    assert session.effects[:2] == [fx.StopCapture(), fx.DiscardPages(refs=("p1", "p2"))]
    snap = session.snap
    assert (snap.step, snap.history, snap.card, snap.form, snap.pages) == ("guide", (), None, {}, {})
    assert snap.run == old_key + 1


def test_submission_after_start_over_uses_a_new_key(item, make_session):
    first = make_session(item).to_submit()
    key1 = first.effects[-1].idempotency_key
    second = make_session(item).to_submit()
    assert second.effects[-1].idempotency_key == key1 == "s1-r1-e8-submit"
    first.send(ev.SubmitFailed)
    first.send(ev.StartOverPressed)
    first.to_submit()
    assert first.effects[-1].idempotency_key == "s1-r2-e16-submit"


# ---- step kinds ----

def test_form_is_prefilled_from_the_card_and_validated(session):
    session.to_contact()
    assert session.snap.form == {"name": "张建国", "birth": "1958-03-12"}
    session.send(ev.FormSubmitted, values={"phone": "1391234", "reason": "打工"})
    assert set(session.snap.field_errors) == {"phone", "reason"}
    assert session.snap.notice.code == "form_invalid"
    session.send(ev.FormSubmitted, values={"phone": "139 1234 5678", "reason": "就读"})
    assert session.snap.field_errors == {} and session.snap.form["phone"] == "13912345678"
    assert session.snap.step == "kind"


@pytest.mark.parametrize(("change", "code"), [
    ({"card_type": "foreign_permanent"}, "card_type"),
    ({"id_number_valid": False}, "card_invalid"),
    ({"valid_to": "20200101"}, "card_expired"),
])
def test_unusable_card_keeps_reading(session, change, code):
    session.send(ev.NextPressed)
    session.send(ev.ConsentAnswered, accepted=True)
    session.send(ev.CardRead, record={**SAMPLE_CARD, **change})
    assert session.snap.step == "identify" and session.snap.notice.code == code
    assert session.kinds() == ["speak", "start_card_reader"] and session.snap.card is None


def test_manual_id_checks_the_check_digit(session):
    session.send(ev.NextPressed)
    session.send(ev.ConsentAnswered, accepted=True)
    number = SAMPLE_CARD["id_number"]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    session.send(ev.ManualIdEntered, id_number=wrong, name="张建国")
    assert session.snap.step == "identify" and session.snap.notice.code == "manual_id_invalid"
    session.send(ev.ManualIdEntered, id_number=number.lower(), name=" 张建国 ")
    assert session.snap.step == "contact"
    assert session.snap.card["card_type"] == "manual" and session.snap.age == 68


def test_capture_skips_deferrable_and_e_licence_materials(session):
    session.to_capture()
    assert "next" not in accepted_events(session.item, session.snap)
    session.send(ev.PagesCaptured, material="id_card", refs=["p1", "p2", "p3"])
    assert session.effects == [fx.DiscardPages(refs=("p3",)),
                               fx.CapturePages(material="lease", pages=1, kind="a4")]
    session.send(ev.NextPressed)
    assert session.effects == [fx.StopCapture(), fx.CapturePages(material="deed", pages=1, kind="a4")]
    session.send(ev.NextPressed)
    assert session.snap.step == "review"
    assert session.snap.skipped == {"lease": "容缺", "deed": "电子证照"}


def test_retake_discards_the_old_pages(session):
    session.to_capture()
    session.send(ev.PagesCaptured, material="id_card", refs=["p1", "p2"])
    session.send(ev.RetakeRequested, material="id_card")
    assert session.effects == [fx.DiscardPages(refs=("p1", "p2")), fx.StopCapture(),
                               fx.CapturePages(material="id_card", pages=2, kind="id_card")]
    session.send(ev.CaptureFailed)
    session.send(ev.PageRequested)
    assert session.effects == [fx.CapturePages(material="id_card", pages=2, kind="id_card", now=True)]


def test_submission_carries_applicant_form_and_materials(session):
    session.to_submit()
    submit = session.effects[-1]
    assert isinstance(submit, fx.SubmitApplication)
    assert submit.idempotency_key == "s1-r1-e8-submit" and submit.item_code == "sample"
    assert submit.applicant["id_number"] == SAMPLE_CARD["id_number"]
    assert submit.form["phone"] == "13912345678"
    assert [(m["code"], m["pages"], m["skipped"]) for m in submit.materials] == [
        ("id_card", 2, ""), ("lease", 0, "容缺"), ("deed", 0, "电子证照")]
    assert "13912345678" not in repr(submit) and "张建国" not in repr(submit)


def test_submit_failure_retries_with_the_same_key(session):
    session.to_submit()
    session.send(ev.SubmitFailed, reason="网络中断")
    assert session.snap.notice.code == "submit_failed" and session.snap.pending is None
    session.send(ev.NextPressed)
    assert session.effects[-1].idempotency_key == "s1-r1-e8-submit"


def test_a_repeat_application_is_pointed_out_and_filed_only_if_the_citizen_insists(session):
    from flows.view import session_view

    session.to_submit()
    assert session.effects[-1].allow_duplicate is False
    session.send(ev.SubmitDuplicate, number="P261121-k1-0003", when="10:05")
    notice = session.snap.notice
    assert notice.code == "duplicate" and "您刚才（10:05）已提交过" in notice.message
    assert "P261121-k1-0003" in notice.message
    assert session.snap.pending is None and session.snap.case_no is None
    assert session_view(session.item, session.snap)["step"]["data"]["state"] == "duplicate"
    assert any(isinstance(e, fx.Speak) for e in session.effects)
    session.send(ev.NextPressed)  # 仍要提交
    again = session.effects[-1]
    assert isinstance(again, fx.SubmitApplication) and again.allow_duplicate
    assert again.idempotency_key == "s1-r1-e8-submit"
    session.send(ev.SubmitFailed, reason="网络中断")
    session.send(ev.StartOverPressed)
    assert session.snap.repeat_of is None  # a new attempt is checked afresh


def test_submitting_again_after_back_uses_a_new_key(session):
    session.to_submit()
    session.send(ev.SubmitFailed, reason="材料不全")
    session.send(ev.BackPressed)
    session.send(ev.NextPressed)
    assert session.effects[-1].idempotency_key == "s1-r1-e10-submit"


def test_print_failure_offers_retry_or_skip(session):
    session.to_submit()
    session.send(ev.Submitted, provisional_no="L-0001")
    job = session.effects[-1]
    assert job.job_id == "s1-r1-e9-receipt-1" and job.data["applicant_id"] == "6401**********" + \
        SAMPLE_CARD["id_number"][-4:] and job.data["applicant_name"] == "张*国"
    session.send(ev.PrintFailed, job_id=job.job_id, code="paper_out")
    assert session.snap.notice.code == "paper_out" and "back" not in accepted_events(session.item, session.snap)
    session.send(ev.OptionChosen, option="retry")
    assert session.effects[-1].job_id == "s1-r1-e9-receipt-2"
    assert session.effects[-1].replaces == (job.job_id,)  # the first attempt must not come out as a second copy
    with pytest.raises(EventNotAccepted):
        transition(session.item, session.snap, ev.Printed(at=at(900), job_id=job.job_id))
    session.send(ev.PrintFailed, code="paper_out")
    session.send(ev.OptionChosen, option="skip")
    assert session.snap.step == "rate" and session.snap.history == ()


def test_a_job_that_waited_for_paper_can_still_complete_the_print_step(session):
    session.to_submit()
    session.send(ev.Submitted, case_no="C9")
    job = session.effects[-1]
    session.send(ev.PrintFailed, job_id=job.job_id, code="paper_out")
    assert "printed" in accepted_events(session.item, session.snap)
    session.send(ev.Printed, job_id=job.job_id)  # staff loaded paper; the waiting job came out
    assert session.snap.step == "rate" and session.snap.prints[-1].status == "printed"


def test_bad_rating_needs_a_reason(session):
    session.to_submit()
    session.send(ev.Submitted, case_no="C9")
    session.send(ev.Printed, job_id=session.snap.prints[-1].job_id)
    session.send(ev.Rated, level=2)
    assert session.snap.step == "rate" and session.snap.field_errors == {"reason": session.snap.notice.message}
    session.send(ev.Rated, level=2, reason="等待时间长")
    rating = session.effects[0]
    assert isinstance(rating, fx.SubmitRating)
    assert (rating.level, rating.level_name, rating.reason, rating.case_no) == (2, "不满意", "等待时间长", "C9")
    assert session.effects[1] == fx.Speak(text="编号C9，5个工作日内办结。")
    session.send(ev.FinishPressed)
    assert session.snap.status == "finished"
    assert session.effects == [fx.WipeSession(session_id="s1", reason="finished")]
    assert session.snap.card is None and session.snap.form == {}


def test_declining_consent_ends_and_wipes(session):
    session.send(ev.NextPressed)
    session.send(ev.ConsentAnswered, accepted=False)
    assert session.kinds() == ["record_consent", "speak", "wipe_session"]
    assert session.effects[0].accepted is False
    assert session.snap.consents[0].accepted is False


def test_device_fault_on_the_printer_fails_the_job(session):
    session.to_submit()
    session.send(ev.Submitted, case_no="C1")
    session.send(ev.DeviceFault, device="printer", reason="offline")
    assert session.snap.notice.code == "device_fault:printer"
    assert session.snap.prints[-1].status == "failed"
    assert "choose" in accepted_events(session.item, session.snap)


def test_same_inputs_same_outputs(item, make_session):
    def run():
        s = make_session(item).to_submit()
        return s.snap.model_dump(), [e.model_dump() for e in s.effects]

    assert run() == run()


def test_start_needs_an_aware_time(item):
    with pytest.raises(ValueError, match="timezone-aware"):
        start(item, session_id="x", at=T0.replace(tzinfo=None))
