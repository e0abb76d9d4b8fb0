"""The ``sign`` step: the citizen signs the 告知承诺书 of 个体工商户设立登记预审 on the screen; an empty pad or a dot
is refused, and the signature goes with the application together with the text it was given for."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import start, transition
from flows.signature import EMPTY, TOO_SMALL
from flows.view import session_view
from flows.walk import SAMPLE_SIGNATURE, happy_event, walk
from local_api.schemas import SessionSnapshot, SignStepView
from local_api.services.application import build_application
from wire.application import CaseApplication

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ITEM = load_catalog()["individual_business_precheck"]


def to_sign():
    """A cooperative citizen up to the 告知承诺书."""
    snap, _ = start(ITEM, session_id="s1", at=T0)
    at = T0
    while snap.step != "commitment":
        at += timedelta(seconds=5)
        snap, _ = transition(ITEM, snap, happy_event(ITEM, snap, at))
    return snap, at


def view(snap) -> SignStepView:
    step = SessionSnapshot.model_validate(session_view(ITEM, snap)).step
    assert isinstance(step, SignStepView)
    return step


def test_the_step_shows_the_commitment_with_the_item_named_and_its_digest():
    snap, _ = to_sign()
    data = view(snap).data
    assert data.document == "告知承诺书"
    assert data.text.startswith("本人申请办理个体工商户设立登记预审")
    assert data.text_sha256 == hashlib.sha256(data.text.encode()).hexdigest()
    assert view(snap).accepts[:1] == ["sign"]
    assert not data.signed


@pytest.mark.parametrize(("strokes", "message"), [
    ((), EMPTY),
    ((((400.0, 150.0, 1.0),),), TOO_SMALL),  # one tap
    ((((400.0, 150.0, 1.0), (402.0, 151.0, 1.0), (401.0, 153.0, 0.8)),), TOO_SMALL),  # a wobbling dot
    ((((400.0, 150.0, 1.0),),) * 3, TOO_SMALL),  # the same spot three times
], ids=["empty", "tap", "dot", "three-taps"])
def test_an_empty_pad_or_a_dot_is_refused_with_what_to_do(strokes, message):
    snap, at = to_sign()
    after, effects = transition(ITEM, snap, ev.Signed(at=at, width=800, height=300, strokes=strokes))
    assert after.step == "commitment"
    assert after.notice is not None and after.notice.message == message
    assert view(after).data.error == message
    assert after.signatures == ()
    assert effects == [fx.Speak(text=message)]


def test_points_off_the_pad_are_a_bad_event_saying_so():
    with pytest.raises(ev.InvalidEvent, match="outside the 800x300 pad"):
        ev.client_event("sign", {"width": 800, "height": 300, "strokes": [[[10, 10], [900, 10]]]}, T0)
    with pytest.raises(ev.InvalidEvent, match=r"\[x, y\] or \[x, y, pressure\]"):
        ev.client_event("sign", {"width": 800, "height": 300, "strokes": [[[10]]]}, T0)


def test_the_signature_goes_with_the_application_and_is_gone_with_the_session():
    trail = walk(ITEM, start_at=T0)
    submits = [e for _, _, effects in trail for e in effects if isinstance(e, fx.SubmitApplication)]
    [signed] = submits[0].signatures
    assert signed["document"] == "告知承诺书"
    assert signed["text_sha256"] == hashlib.sha256(signed["text"].encode()).hexdigest()
    assert signed["strokes"] == [list(map(list, s)) for s in SAMPLE_SIGNATURE]
    assert "commitment" in [snap.step for _, snap, _ in trail]
    assert "signatures" not in repr(trail[-2][1])  # strokes never appear in a log line of the snapshot
    assert trail[-1][1].signatures == ()


def test_signing_again_after_going_back_replaces_the_first_signature():
    snap, at = to_sign()
    snap, _ = transition(ITEM, snap, ev.Signed(at=at, width=800, height=300, strokes=SAMPLE_SIGNATURE))
    snap, _ = transition(ITEM, snap, ev.BackPressed(at=at))
    assert view(snap).data.signed
    snap, _ = transition(ITEM, snap, ev.Signed(at=at, width=800, height=300, strokes=SAMPLE_SIGNATURE[:1]))
    assert [s.step for s in snap.signatures] == ["commitment"]
    assert len(snap.signatures[0].strokes) == 1


def test_the_hub_gets_a_png_of_the_strokes_and_refuses_a_changed_text(tmp_path):
    trail = walk(ITEM, start_at=T0)
    submit = next(e for _, _, effects in trail for e in effects if isinstance(e, fx.SubmitApplication))
    submit = submit.model_copy(update={"materials": ()})  # the scans are another test's business
    application, files = build_application(submit, ITEM, tmp_path)
    parsed = CaseApplication.model_validate(application)
    [signed] = parsed.signatures
    png = next(f for f in files if f.name == signed.file)
    assert png.content_type == "image/png" and png.label == "告知承诺书（申请人签名）"
    assert hashlib.sha256(png.data).hexdigest() == signed.image_sha256
    image = cv2.imdecode(np.frombuffer(png.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (300, 800)
    ink = image < 128
    assert 0.005 < ink.mean() < 0.2  # strokes drawn, not a blank or black page
    rows = np.nonzero(ink.any(axis=1))[0]
    assert rows.min() > 60 and rows.max() < 220  # y runs up from the bottom of the pad, as Kivy's touches do
    assert list(tmp_path.iterdir()) == []  # nothing of the signature written to the kiosk's disk
    tampered = {**application, "signatures": [{**application["signatures"][0], "text": signed.text + "。"}]}
    with pytest.raises(ValidationError, match="signed text was changed"):
        CaseApplication.model_validate(tampered)


def test_pressure_makes_the_line_heavier(tmp_path):
    from local_api.signature_image import render_png

    def ink(pressure: float) -> float:
        line = (((100.0, 150.0, pressure), (700.0, 150.0, pressure)),)
        image = cv2.imdecode(np.frombuffer(render_png(line, 800, 300), np.uint8), cv2.IMREAD_GRAYSCALE)
        return float((image < 128).mean())

    assert ink(1.0) > 1.5 * ink(0.1)
