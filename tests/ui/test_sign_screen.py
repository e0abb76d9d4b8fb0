"""The sign screen: the citizen reads the 告知承诺书 and signs it with a finger; an empty pad or a dot is refused
by kioskd's engine and said on the screen; what was signed is gone when the next citizen comes."""

from __future__ import annotations

import pytest

from .test_rendering import _compare

pytestmark = pytest.mark.ui

NAME = [(0.10, 0.45), (0.16, 0.70), (0.22, 0.40), (0.28, 0.66), (0.34, 0.42)]  # a scrawl left to right
TAIL = [(0.40, 0.60), (0.52, 0.36), (0.60, 0.58), (0.72, 0.50)]


def test_the_citizen_signs_the_commitment_and_a_dot_is_refused(kiosk, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    p.tap("home.item.yb-bx")
    p.wait_screen("guide")
    p.tap("guide.next")
    p.wait_screen("sign")
    assert p.text("sign.title") == "告知承诺书"
    assert p.text("sign.text").startswith("本人申请办理医保异地就医备案")
    p.tap("sign.confirm")  # nothing written yet
    p.wait_until(lambda: p.find("sign.notice") is not None and "还没有签名" in p.text("sign.notice"),
                 "the empty pad refused")  # the notice is drawn once kioskd has answered
    p.stroke("sign.pad", [(0.5, 0.5)])  # a tap: a dot
    p.tap("sign.confirm")
    p.wait_until(lambda: p.find("sign.notice") is not None and "只有一个点" in p.text("sign.notice"),
                 "the dot refused")
    assert app.current == "sign"
    p.stroke("sign.pad", NAME)
    p.tap("sign.redo")
    assert app.screens["sign"].pad.strokes == []
    p.stroke("sign.pad", NAME)
    p.stroke("sign.pad", TAIL)
    p.wait_until(lambda: p.find("sign.redo").state == "normal", "重写 to look released")
    app.screenshot_dir = tmp_path
    p.shot("sign")
    _compare("sign", app.shots[-1], tmp_path)
    p.tap("sign.confirm")
    p.wait_screen("done")
    kind, data = fake.events[-1]
    assert kind == "sign" and len(data["strokes"]) == 2
    assert all(0 <= x <= data["width"] and 0 <= y <= data["height"] and pressure == 1.0
               for stroke in data["strokes"] for x, y, pressure in stroke)
    assert fake.sessions.snapshot().signatures[0].document == "告知承诺书"
    p.tap("done.finish")
    p.wait_screen("home")
    assert app.screens["sign"].pad.strokes == []
