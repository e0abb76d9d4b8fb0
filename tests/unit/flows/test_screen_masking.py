"""What the ID card gave is masked on screen as on paper; what the citizen typed is shown for checking."""

from __future__ import annotations

from flows import events as ev
from flows.view import session_view


def test_form_shows_the_cards_name_masked_and_the_form_keeps_the_real_name(session):
    session.to_contact()
    fields = {f["name"]: f for f in session_view(session.item, session.snap)["step"]["fields"]}
    assert (fields["name"]["value"], fields["name"]["masked"]) == ("张*国", True)
    assert session.snap.form["name"] == "张建国"  # the application still carries it
    assert fields["phone"]["masked"] is False


def test_a_name_the_citizen_typed_instead_is_shown_as_typed(session):
    session.to_contact()
    session.send(ev.FormSubmitted, values={"name": "张建军", "phone": "13912345678", "reason": "就业"})
    session.send(ev.BackPressed)
    fields = {f["name"]: f for f in session_view(session.item, session.snap)["step"]["fields"]}
    assert (fields["name"]["value"], fields["name"]["masked"]) == ("张建军", False)


def test_review_masks_what_came_from_the_card(session):
    session.to_capture()
    session.send(ev.PagesCaptured, material="id_card", refs=["p1", "p2"])
    session.send(ev.NextPressed)  # lease: 容缺
    session.send(ev.NextPressed)  # deed: 电子证照
    view = session_view(session.item, session.snap)["step"]
    assert view["kind"] == "review"
    answers = {a["label"]: a["value"] for a in view["data"]["answers"]}
    assert answers["姓名"] == "张*国" and "张建国" not in str(answers)
    assert answers["联系电话"] == "13912345678"  # typed: shown to be checked


def test_the_masked_text_sent_back_unchanged_keeps_the_cards_value(session):
    session.to_contact()
    session.send(ev.FormSubmitted, values={"name": "张*国", "phone": "13912345678", "reason": "就业"})
    assert session.snap.form["name"] == "张建国" and not session.snap.field_errors
