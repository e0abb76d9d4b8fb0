"""取号 and 预约签到 as pure transitions: priority choices, refusals that print nothing, check-in branches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import start, transition
from flows.loader import check_text
from flows.view import session_view
from flows.walk import SAMPLE_CARD, walk
from local_api.schemas import SessionSnapshot

T0 = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)
CATALOG = load_catalog()
QUEUE, CHECKIN = CATALOG["queue_ticket"], CATALOG["appointment_checkin"]
TICKET = {"number": "A007", "priority": True, "priority_category": "elderly", "priority_label": "老年人优先",
          "people_ahead": 2, "source": "hub"}


def play(item, events):
    """Apply events in order; return the final snapshot and every effect on the way."""
    snap, effects = start(item, session_id="s1", at=T0)
    seen = list(effects)
    for event in events:
        snap, effects = transition(item, snap, event)
        seen += effects
    return snap, seen


def of(effects, kind):
    return [e for e in effects if isinstance(e, kind)]


def spoken(effects) -> str:
    return "\n".join(e.text for e in of(effects, fx.Speak))


def choose(option):
    return ev.OptionChosen(at=T0, option=option)


def test_the_card_read_sends_its_birth_date_and_a_priority_ticket_is_announced_as_such():
    snap, effects = play(QUEUE, [choose("social_security"), choose("card"), ev.CardRead(at=T0, record=SAMPLE_CARD)])
    [submit] = of(effects, fx.SubmitApplication)
    assert submit.purpose == "queue_ticket" and submit.form == {"service": "social_security", "priority": "card"}
    assert submit.applicant["birth_date"] == SAMPLE_CARD["birth_date"]
    snap, effects = transition(QUEUE, snap, ev.Submitted(at=T0, case_no="A007", result=TICKET))
    [job] = of(effects, fx.PrintDocument)
    assert job.data["result"]["priority_category"] == "elderly"
    snap, effects = transition(QUEUE, snap, ev.Printed(at=T0, job_id=job.job_id))
    assert snap.step == "done_priority" and "您的号码是A007，老年人优先" in spoken(effects)
    snap, effects = transition(QUEUE, snap, ev.FinishPressed(at=T0))
    assert snap.status == "finished" and snap.card is None and snap.result == {}  # the card is wiped
    assert of(effects, fx.WipeSession)


def test_the_card_is_optional_back_from_it_takes_a_plain_number():
    snap, _ = play(QUEUE, [choose("tax"), choose("card")])
    assert snap.step == "card" and "back" in session_view(QUEUE, snap)["step"]["accepts"]
    snap, effects = play(QUEUE, [choose("tax"), choose("card"), ev.BackPressed(at=T0), choose("none")])
    [submit] = of(effects, fx.SubmitApplication)
    assert submit.applicant == {} and submit.form["priority"] == "none"


@pytest.mark.parametrize("declared", ["pregnant", "disability"])
def test_a_declaration_shows_the_honesty_note_before_the_number(declared):
    snap, effects = play(QUEUE, [choose("social_security"), choose(declared)])
    assert snap.step == "declare" and "如实申报" in QUEUE.step("declare").prompt
    snap, effects = transition(QUEUE, snap, ev.NextPressed(at=T0))
    [submit] = of(effects, fx.SubmitApplication)
    assert submit.form["priority"] == declared and submit.applicant == {}


@pytest.mark.parametrize(("result", "step", "said"), [
    ({"refused": "service_closed", "opens": "08:30", "closes": "17:30"}, "closed", "08:30到17:30"),
    ({"refused": "day_full"}, "day_full", "今天的号已经取完"),
    ({"refused": "unknown_service", "message": "本大厅暂不办理这项业务。"}, "unknown_service", "请到服务台咨询"),
])
def test_refusals_get_their_own_screen_and_print_nothing(result, step, said):
    snap, effects = play(QUEUE, [choose("tax"), choose("none"), ev.Submitted(at=T0, case_no=None, result=result)])
    assert snap.step == step and not of(effects, fx.PrintDocument) and said in spoken(effects)
    view = SessionSnapshot.model_validate(session_view(QUEUE, snap))
    assert view.step.kind == "done" and "没有打印号票" in view.step.body and view.case_no is None
    if step == "closed":
        assert "08:30至17:30" in view.step.body


def test_check_in_by_qr_scans_the_slip_and_sends_the_page():
    snap, effects = play(CHECKIN, [choose("qr")])
    [capture] = of(effects, fx.CapturePages)
    assert snap.step == "scan" and capture.kind == "qr" and capture.material == "appointment_qr"
    snap, effects = transition(CHECKIN, snap, ev.PagesCaptured(at=T0, material="appointment_qr", refs=["m/01.jpg"]))
    [submit] = of(effects, fx.SubmitApplication)
    assert submit.purpose == "appointment_checkin" and submit.form == {"method": "qr"}
    assert submit.materials[0]["refs"] == ["m/01.jpg"]
    ticket = {**TICKET, "priority_category": "appointment", "appointment_no": "YY20261122-0001"}
    snap, effects = transition(CHECKIN, snap, ev.Submitted(at=T0, case_no="A007", result=ticket))
    assert of(effects, fx.PrintDocument)[0].template == "queue_ticket"


@pytest.mark.parametrize(("result", "step", "said"), [
    ({"refused": "too_early", "window_opens": "09:30"}, "too_early", "09:30开始签到"),
    ({"refused": "already_checked_in", "number": "A012"}, "already_checked_in", "您的号码是A012"),
    ({"refused": "too_late"}, "too_late", "取一个普通号"),
    ({"refused": "no_appointment"}, "no_appointment", "没有查到您今天的预约"),
])
def test_check_in_refusals_print_nothing(result, step, said):
    snap, effects = play(CHECKIN, [choose("card"), ev.CardRead(at=T0, record=SAMPLE_CARD),
                                   ev.Submitted(at=T0, case_no=None, result=result)])
    assert snap.step == step and not of(effects, fx.PrintDocument) and said in spoken(effects)


def test_a_late_citizen_can_take_a_normal_number_with_the_card_already_read():
    snap, effects = play(CHECKIN, [choose("card"), ev.CardRead(at=T0, record=SAMPLE_CARD),
                                   ev.Submitted(at=T0, case_no=None, result={"refused": "too_late"}),
                                   choose("take_number"), choose("housing_fund")])
    assert snap.step == "issue"
    submit = of(effects, fx.SubmitApplication)[-1]
    assert submit.purpose == "queue_ticket" and submit.form["service"] == "housing_fund"
    assert submit.applicant["birth_date"] == SAMPLE_CARD["birth_date"]  # 60+ still counts for the normal number


@pytest.mark.parametrize("code", ["queue_ticket", "appointment_checkin"])
def test_the_happy_path_walks_to_the_end(code):
    trail = walk(CATALOG[code], start_at=T0)
    assert trail[-1][1].status == "finished"
    assert [e.template for _, _, effects in trail for e in effects if isinstance(e, fx.PrintDocument)] == [
        "queue_ticket"]


def test_result_conditions_must_name_a_key():
    text = ("code: t\nname: t\nitem_type: 公共服务\ndepartment: d\nsteps:\n"
            "  - {id: a, kind: guide, title: t, prompt: p, branches: [{when: {var: 'result.', present: true}, "
            "goto: done}]}\n  - {id: done, kind: done, title: t, prompt: p}\n")
    _, problems = check_text(text, "t.yaml")
    assert any("unknown variable 'result.'" in p.message for p in problems)


def test_a_busy_hub_at_check_in_is_said_to_the_citizen_with_what_to_do():
    from local_api.errors import BUSY_MESSAGE

    snap, _ = play(CHECKIN, [choose("card"), ev.CardRead(at=T0, record=SAMPLE_CARD),
                             ev.SubmitFailed(at=T0, reason=BUSY_MESSAGE)])
    view = SessionSnapshot.model_validate(session_view(CHECKIN, snap))
    assert view.notice is not None and "服务繁忙，请稍后再试，或到窗口办理" in view.notice.message
