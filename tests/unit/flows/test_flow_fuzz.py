"""Random taps and device reports never crash the engine, never change a snapshot they do not fit, and
every state stays renderable; a session that ends is always wiped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import EventNotAccepted, accepted_events, current_material, start, transition
from flows.view import session_view
from flows.walk import SAMPLE_CARD, SAMPLE_SIGNATURE, form_values
from local_api.schemas import SessionSnapshot

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()
ALL_TYPES = ev.CLIENT_EVENT_TYPES + ev.SYSTEM_EVENT_TYPES


def make_event(item, snap, etype: str, pick: int, at: datetime):
    """A plausible event of ``etype``; ``pick`` chooses between good and bad data."""
    step = item.step(snap.step)
    good = pick % 3 != 0
    match etype:
        case "consent":
            return ev.ConsentAnswered(at=at, accepted=good)
        case "manual_id":
            number = SAMPLE_CARD["id_number"] if good else "110105194912310021"
            return ev.ManualIdEntered(at=at, id_number=number, name="李四")
        case "form_submit":
            values = form_values(item, step.id, SAMPLE_CARD, {}) if step.kind == "form" and good else {"x": "1"}
            return ev.FormSubmitted(at=at, values=values)
        case "choose":
            options = [o.value for o in getattr(step, "options", ())] + ["retry", "skip", "bogus"]
            return ev.OptionChosen(at=at, option=options[pick % len(options)])
        case "retake":
            codes = [m.code for m in item.materials] + ["bogus"]
            return ev.RetakeRequested(at=at, material=codes[pick % len(codes)])
        case "rate":
            return ev.Rated(at=at, level=pick % 5 + 1, reason="等待时间长" if good else "")
        case "card_read":
            variants = [SAMPLE_CARD, {**SAMPLE_CARD, "card_type": "foreign_permanent"},
                        {**SAMPLE_CARD, "birth_date": "20100101"}, {"name": None}]
            return ev.CardRead(at=at, record=variants[pick % len(variants)])
        case "pages_captured":
            material = current_material(item, snap, step) if step.kind == "capture" else None
            code = material.code if material and good else "bogus"
            return ev.PagesCaptured(at=at, material=code, refs=[f"r{pick}-{i}" for i in range(pick % 4 + 1)])
        case "printed" | "print_failed":
            job = snap.prints[-1].job_id if snap.prints and good else "stale"
            if etype == "printed":
                return ev.Printed(at=at, job_id=job)
            return ev.PrintFailed(at=at, job_id=job, code=("paper_out", "a4_failed", "a4_unknown")[pick % 3])
        case "certificate_issued" | "certificate_refused":
            key = f"{snap.session_id}-r{snap.run}-e{snap.entry}-{step.id}" if good else "stale"
            if etype == "certificate_issued":
                return ev.CertificateIssued(at=at, key=key, code="VJAJ-H05X-AQVH-V4A5")
            return ev.CertificateRefused(at=at, key=key, code=("no_record", "hub_down", "refused")[pick % 3])
        case "submitted":
            return ev.Submitted(at=at, case_no=f"C{pick}" if good else None)
        case "submit_duplicate":
            return ev.SubmitDuplicate(at=at, number=f"P{pick}" if good else "", when="10:05")
        case "sign":
            strokes = SAMPLE_SIGNATURE if good else (((10.0, 10.0, 1.0),),) * (pick % 2)  # a dot, or nothing
            return ev.Signed(at=at, width=800, height=300, strokes=strokes)
        case "assist_granted":
            return ev.AssistGranted(at=at, helper_id="h1" if good else "h2")
        case "assist_ended":
            return ev.AssistEnded(at=at, reason=("withdrawn", "stopped", "call_ended", "lost")[pick % 4])
        case "helper_input":
            names = [f.name for f in getattr(step, "fields", ())] + ["bogus"]
            action = ("set_field", "choose", "next")[pick % 3]
            options = [o.value for o in getattr(step, "options", ())] + ["bogus"]
            return ev.HelperInput(at=at, helper_id="h1" if good else "h2", action=action,
                                  field=names[pick % len(names)], value="12" * (pick % 4),
                                  option=options[pick % len(options)])
        case "device_fault":
            return ev.DeviceFault(at=at, device=["printer", "camera", "id_reader", "a4_printer"][pick % 4])
        case "face_checked":
            attempt = snap.face.attempts if snap.face else 1
            key = f"{snap.session_id}-r{snap.run}-e{snap.entry}-{step.id}-{attempt}" if good else "stale"
            return ev.FaceChecked(at=at, key=key, outcome=("passed", "failed", "unavailable")[pick % 3],
                                  reason=("not_the_holder", "no_face", "no_decoder")[pick % 3])
    simple = {"next": ev.NextPressed, "back": ev.BackPressed, "start_over": ev.StartOverPressed,
              "call_helper": ev.HelperCalled, "cancel_helper": ev.HelperCancelled,
              "capture_page": ev.PageRequested, "still_here": ev.StillHere, "finish": ev.FinishPressed,
              "card_failed": ev.CardFailed, "capture_failed": ev.CaptureFailed, "submit_failed": ev.SubmitFailed,
              "tick": ev.Tick}
    return simple[etype](at=at)


moves = st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 11), st.integers(0, 400)),
                 min_size=1, max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from(sorted(CATALOG)), script=moves, elder=st.booleans())
def test_random_sessions_stay_consistent(code, script, elder):
    item = CATALOG[code]
    snap, _ = start(item, session_id="fz", at=T0, elder_mode=elder)
    clock = T0
    for fitting, which, pick, seconds in script:
        clock += timedelta(seconds=seconds)
        choices = accepted_events(item, snap) if fitting and snap.status == "active" else list(ALL_TYPES)
        event = make_event(item, snap, choices[which % len(choices)], pick, clock)
        before = snap.model_dump()
        try:
            snap, effects = transition(item, snap, event)
        except EventNotAccepted as exc:
            assert snap.model_dump() == before
            assert exc.step_id == snap.step
            continue
        SessionSnapshot.model_validate(session_view(item, snap))
        if snap.status != "active":
            assert isinstance(effects[-1], fx.WipeSession)
            assert snap.card is None and snap.form == {} and snap.pages == {} and snap.signatures == ()
            assert snap.assist is None
            break
