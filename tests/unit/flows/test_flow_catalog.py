"""Every shipped item loads, validates, walks start to done, and projects onto the wire schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest
from pydantic import TypeAdapter

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog, summaries
from flows.diagram import mermaid
from flows.engine import EventNotAccepted, accepted_client_events, start, transition
from flows.loader import check_text
from flows.model import Snapshot
from flows.view import rejection_view, session_view
from flows.walk import SAMPLE_CARD, client_action, happy_event, happy_path_events, walk
from local_api.schemas import ClientEventType, EventRejected, ServiceItemSummary, SessionSnapshot

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()
HIGH_FREQUENCY = {"si_record_certificate", "residence_permit", "elderly_card", "individual_business_precheck",
                  "housing_fund_query", "case_progress_query", "queue_ticket"}


def test_shipped_items_cover_the_high_frequency_services():
    assert set(CATALOG) >= HIGH_FREQUENCY
    for row in summaries(CATALOG):
        ServiceItemSummary.model_validate(row)
        assert row["theme"]


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_item_has_the_national_elements(code):
    item = CATALOG[code]
    assert item.name and item.item_type and item.department and item.consult_phone
    assert item.result is not None and item.promised_limit is not None
    assert all(step.prompt.strip() for step in item.steps)
    captured = {m for step in item.steps if step.kind == "capture" for m in step.materials}
    assert captured == {m.code for m in item.materials}, "every material is captured somewhere"


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_item_walks_from_start_to_done_and_wipes(code):
    trail = walk(CATALOG[code], start_at=T0)
    last_event, last, effects = trail[-1]
    assert last.status == "finished" and last_event.type == "finish"
    assert effects[-1] == fx.WipeSession(session_id="walk-1", reason="finished")
    assert item_step_kinds(CATALOG[code], trail) >= {"done"}


def item_step_kinds(item, trail):
    return {item.step(snap.step).kind for _, snap, _ in trail}


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_state_validates_as_the_wire_snapshot(code):
    item = CATALOG[code]
    allowed = set(get_args(ClientEventType))
    for _, snap, _ in walk(item, start_at=T0):
        view = SessionSnapshot.model_validate(session_view(item, snap))
        assert set(view.step.accepts) <= allowed
        assert view.step.accepts == accepted_client_events(item, snap)
        if view.applicant:
            assert view.applicant.name_masked == "张*国"
            assert view.applicant.id_number_masked == "6401**********" + SAMPLE_CARD["id_number"][-4:]


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_happy_path_events_replay_to_the_same_end(code):
    item = CATALOG[code]
    events = happy_path_events(item, start_at=T0)
    snap, _ = start(item, session_id="walk-1", at=T0)
    for event in events:
        snap, _ = transition(item, snap, event)
    assert snap.status == "finished"
    for event in events:
        action = client_action(event)
        if action is not None:
            assert ev.client_event(action[0], action[1], event.at) == event


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_diagram_shows_every_step(code):
    text = mermaid(CATALOG[code])
    assert text.startswith("flowchart TD\n")
    for step in CATALOG[code].steps:
        assert f"    {step.id}[" in text or f"    {step.id}([" in text


BRANCHES = [
    ("elderly_card", {**SAMPLE_CARD, "birth_date": "19900101"}, {}, "not_eligible"),
    ("elderly_card", {**SAMPLE_CARD, "card_type": "foreign_permanent"}, {}, "capture_residence"),
    ("elderly_card", SAMPLE_CARD, {}, "capture_photo"),
    ("residence_permit", SAMPLE_CARD, {"reason": "就读"}, "capture_study"),
    ("residence_permit", SAMPLE_CARD, {"reason": "投靠亲属"}, "review"),
    ("individual_business_precheck", SAMPLE_CARD, {"form_of_organization": "家庭经营"}, "capture_family"),
    ("housing_fund_query", SAMPLE_CARD, {"want_print": "no"}, "rate"),
]


@pytest.mark.parametrize(("code", "card", "answers", "visited"), BRANCHES)
def test_branches_follow_age_card_type_and_answers(code, card, answers, visited):
    trail = walk(CATALOG[code], start_at=T0, card=card, answers=answers)
    steps = [snap.step for _, snap, _ in trail]
    assert visited in steps
    assert trail[-1][1].status == "finished"


def test_skipped_branch_is_not_visited():
    steps = [snap.step for _, snap, _ in walk(CATALOG["residence_permit"], start_at=T0,
                                               answers={"reason": "投靠亲属"})]
    assert "capture_work" not in steps and "capture_study" not in steps


def test_queue_ticket_prints_the_chosen_service():
    trail = walk(CATALOG["queue_ticket"], start_at=T0, answers={"service": "tax", "priority": "none"})
    jobs = [e for _, _, effects in trail for e in effects if isinstance(e, fx.PrintDocument)]
    assert [j.template for j in jobs] == ["queue_ticket"]
    assert jobs[0].data["answers"] == {"请选择要办理的业务": "税务", "是否需要优先办理": "直接取号"}
    assert jobs[0].data["case_no"] == "A023"


def test_print_failure_view_offers_retry_and_skip():
    item = CATALOG["queue_ticket"]
    snap, _ = start(item, session_id="q", at=T0)
    snap, _ = transition(item, snap, ev.OptionChosen(at=T0, option="tax"))
    snap, _ = transition(item, snap, ev.OptionChosen(at=T0, option="none"))
    snap, _ = transition(item, snap, ev.Submitted(at=T0, case_no="B007"))
    snap, _ = transition(item, snap, ev.PrintFailed(at=T0, code="paper_out"))
    view = SessionSnapshot.model_validate(session_view(item, snap))
    assert [o.value for o in view.step.options] == ["retry", "skip"]
    assert view.notice.code == "paper_out" and view.step.data.state == "failed"
    assert "choose" in view.step.accepts and "back" not in view.step.accepts


def test_form_view_shows_prefill_errors_and_keypads():
    item = CATALOG["residence_permit"]
    trail = walk(item, start_at=T0)
    snap = next(s for _, s, _ in trail if s.step == "application")
    snap, _ = transition(item, snap, ev.FormSubmitted(at=T0, values={"phone": "12", "arrival_date": "2025-13-01"}))
    view = SessionSnapshot.model_validate(session_view(item, snap))
    fields = {f.name: f for f in view.step.fields}
    assert fields["name"].value == "张*国" and fields["name"].masked  # from the card: masked on screen
    assert fields["id_number"].keypad == "id"
    assert fields["phone"].keypad == "digits" and "11位手机号码" in fields["phone"].error
    assert "有效日期" in fields["arrival_date"].error and fields["residence_address"].error == "请填写本市居住地址"
    assert view.notice.level == "error" and view.idle_deadline == snap.idle_deadline


def test_review_view_shows_option_labels_and_skipped_materials():
    item = CATALOG["individual_business_precheck"]
    snap = next(s for _, s, _ in walk(item, start_at=T0) if s.pages.get("id_card") and s.step == "capture_basic")
    snap, _ = transition(item, snap, ev.NextPressed(at=T0))  # 经营场所使用证明: 不动产权证书 is fetched instead
    while snap.step != "review":
        snap, _ = transition(item, snap, happy_event(item, snap, T0))
    data = session_view(item, snap)["step"]["data"]
    assert {"label": "是否委托他人办理", "value": "经营者本人"} in data["answers"]
    assert data["skipped"] == [{"name": "经营场所使用证明（产权证明或租赁协议）", "reason": "电子证照"}]


@pytest.mark.parametrize("code", ["residence_permit", "queue_ticket"])
def test_snapshots_and_effects_survive_a_json_round_trip(code):
    """kioskd stores snapshots and queues effects as JSON; nothing may change on the way back."""
    effect_adapter = TypeAdapter(fx.Effect)
    for _, snap, effects in walk(CATALOG[code], start_at=T0):
        assert Snapshot.model_validate_json(snap.model_dump_json()) == snap
        for effect in effects:
            assert effect_adapter.validate_json(effect_adapter.dump_json(effect)) == effect


def test_diagram_labels_branches_and_escapes_keywords():
    text = mermaid(CATALOG["housing_fund_query"])
    assert 'want_print -->|"不打印"| rate' in text and 'want_print -->|"打印明细"| print' in text
    assert 'identify -->|"age < 60"| not_eligible' in mermaid(CATALOG["elderly_card"])
    item, problems = check_text(
        "code: t\nname: t\nitem_type: 公共服务\ndepartment: d\nsteps:\n"
        "  - {id: end, kind: guide, title: t, prompt: p}\n  - {id: done, kind: done, title: t, prompt: p}\n", "t.yaml")
    assert problems == []
    assert "    __start((开始)) --> end_\n    end_ --> done\n" in mermaid(item)


def test_rejection_becomes_the_409_body():
    item = CATALOG["queue_ticket"]
    snap, _ = start(item, session_id="q", at=T0)
    with pytest.raises(EventNotAccepted) as caught:
        transition(item, snap, ev.Rated(at=T0, level=5))
    body = EventRejected.model_validate(rejection_view(caught.value))
    assert body.step == "service" and body.expected == ["choose", "start_over", "call_helper", "still_here"]
    assert "'rate' is not accepted" in body.detail
