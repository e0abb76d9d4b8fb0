"""The face check's screens (人证核验) in a certificate item (tests/ui/items/sb-cx.yaml): its own consent, the live
view with the oval and the action asked for, the outcome and the alternative, in normal and elder mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import effects as fx

from .flows import walk_to
from .test_rendering import _compare, _overflows

pytestmark = pytest.mark.ui


def _to_consent(kiosk) -> None:
    walk_to(kiosk, "verify_face", item="sb-cx")
    kiosk.pilot.wait_until(lambda: kiosk.pilot.find("verify_face.agree") is not None, "the face check's consent")


def _checking(kiosk, hint: str) -> None:
    p = kiosk.pilot
    kiosk.fake.face_hint = hint
    words = {"blink": "请眨眨眼", "turn_left": "请向左转头", "turn_right": "请向右转头"}[hint]
    p.wait_until(lambda: p.find("verify_face.hint") is not None and p.text("verify_face.hint") == words, words)
    p.wait_until(lambda: kiosk.app.screens["verify_face"].view.texture is not None, "the camera's frame")


def test_a_certificate_is_printed_only_after_the_face_check_passed(kiosk):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    _to_consent(kiosk)
    words = p.all_text()
    assert "不保存您的照片和视频" in words and "相似度分数" in words and "取号到人工窗口" in words
    assert not any(isinstance(e, fx.CheckFace) for e in fake.effects)  # no camera before consent
    p.tap("verify_face.agree")
    _checking(kiosk, "turn_left")
    assert "向左转头" in p.text("verify_face.progress") and not any(e.type == "issue_certificate" for e in fake.effects)
    fake.finish_face("failed", "not_the_holder")
    p.wait_until(lambda: p.find("verify_face.option.retry") is not None, "the retry offer")
    assert "人脸与身份证照片不一致" in p.text("verify_face.outcome.message")
    assert p.find("verify_face.option.alternative") is not None
    p.tap("verify_face.option.retry")
    _checking(kiosk, "blink")
    assert p.text("verify_face.progress").startswith("✓ 向左转头")
    fake.finish_face("passed")
    p.wait_screen("print")
    (issue,) = [e for e in fake.effects if isinstance(e, fx.IssueCertificate)]
    assert issue.identity_check == "face_verified"
    assert app.screens["verify_face"].view.texture is None  # nothing of the face stays on screen
    p.wait_until(lambda: p.find("print.state") is not None and p.text("print.state") == "正在打印证明，请稍候",
                 "the certificate printing")  # the printer's job exists only from here
    fake.finish_a4()
    p.wait_until(lambda: p.find("print.next") is not None, "the printed certificate")
    p.tap("print.next")
    p.wait_screen("done")


def test_declining_gives_a_queue_ticket_for_a_window_and_no_certificate(kiosk):
    fake, p = kiosk.fake, kiosk.pilot
    _to_consent(kiosk)
    p.tap("verify_face.decline")
    p.wait_until(lambda: p.find("verify_face.option.alternative") is not None, "the alternative")
    assert p.text("verify_face.option.alternative") == "到窗口办理" and p.find("verify_face.option.retry") is None
    p.tap("verify_face.option.alternative")
    walk_to(kiosk, "done", item="sb-cx")
    (ticket,) = [e for e in fake.effects if isinstance(e, fx.SubmitApplication)]
    assert ticket.purpose == "queue_ticket" and ticket.form["service"] == "social_security"
    assert ticket.identity_check["outcome"] == "declined"
    assert not any(isinstance(e, fx.CheckFace | fx.IssueCertificate) for e in fake.effects)
    assert [e.template for e in fake.printed] == ["queue_ticket"]


def test_face_screens_match_their_reviewed_snapshots(kiosk, tmp_path: Path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    app.screenshot_dir = tmp_path
    failures = []

    def shoot(name: str) -> None:
        p.frame(3)
        p.shot(name)
        try:
            _compare(name, app.shots[-1], tmp_path)
        except pytest.fail.Exception as exc:
            failures.append(str(exc))

    for elder in (False, True):
        if elder:
            app.ts.elder = True
            app.ts.update()
            app.rebuild()
            p.wait_screen("home")
        suffix = "-elder" if elder else ""
        _to_consent(kiosk)
        shoot(f"face-consent{suffix}")
        p.tap("verify_face.agree")
        _checking(kiosk, "turn_left" if not elder else "blink")
        shoot(f"face-checking{suffix}")
        fake.finish_face("unavailable" if elder else "failed", "" if elder else "screen_or_print")
        p.wait_until(lambda: p.find("verify_face.option.alternative") is not None, "the outcome")
        shoot(f"face-{'unavailable' if elder else 'retry'}{suffix}")
        app.leave_session()
        p.wait_screen("home")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("elder", [False, True])
def test_the_face_screens_hold_when_every_string_is_twice_as_long(kiosk, elder):
    from kiosk.i18n import Catalogue

    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    app.catalogue = Catalogue(stretch=2)
    app.ts.elder = elder
    app.ts.update()
    app.rebuild()
    p.wait_screen("home")
    _to_consent(kiosk)
    p.frame(3)
    checked = {"consent": _overflows(app)}
    p.tap("verify_face.agree")
    fake.face_hint = "turn_right"
    p.wait_until(lambda: p.find("verify_face.hint") is not None and "向右转头" in p.text("verify_face.hint"), "hint")
    p.frame(3)
    checked["checking"] = _overflows(app)
    fake.finish_face("failed", "no_liveness")
    p.wait_until(lambda: p.find("verify_face.option.retry") is not None, "the retry offer")
    p.frame(3)
    checked["retry"] = _overflows(app)
    assert not {k: v for k, v in checked.items() if v}
