"""The maintenance screen's self-test: a button runs it, each device's verdict is shown in words."""

from __future__ import annotations

from .flows import open_maintenance


def test_selftest_shows_every_device_in_words(kiosk, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    open_maintenance(kiosk)
    p.tap("tech.selftest")
    p.wait_until(lambda: p.find("tech.selftest.voice") is not None, "the self-test's results")
    assert fake.selftests == [False]
    assert p.text("tech.result") == "自检完成：全部正常"
    assert p.text("tech.selftest.id_reader") == "身份证读卡器：正常"
    assert p.text("tech.selftest.printer") == "打印机：正常"
    assert "清晰度" in p.text("tech.selftest.camera.detail")
    assert p.text("tech.selftest.a4_printer") == "A4打印机：正常"
    assert p.text("tech.selftest.a4_printer.detail") == "正常；墨粉不足，请备好墨粉盒"
    assert p.find("tech.selftest.printer").font_px == app.ts.heading  # large text, read standing back
    app.screenshot_dir = tmp_path
    p.shot("maintenance-selftest")
    assert app.shots[-1].stat().st_size > 10_000
    p.tap("tech.exit")
    p.wait_screen("home")


def test_selftest_with_paper_out_says_what_to_do_and_can_print_a_slip(kiosk, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    fake.printer_paper("out")
    open_maintenance(kiosk)
    p.tap("tech.selftest_print")
    p.wait_until(lambda: p.find("tech.selftest.printer") is not None, "the self-test's results")
    assert fake.selftests == [True]
    assert p.text("tech.result") == "自检完成：有设备异常，请按提示处理"
    assert p.text("tech.selftest.printer") == "打印机：异常"
    assert p.text("tech.selftest.printer.detail") == "缺纸；装入新纸卷后再自检"
    app.screenshot_dir = tmp_path
    p.shot("maintenance-selftest-paper-out")
    assert app.shots[-1].stat().st_size > 10_000
    p.tap("tech.exit")
    p.wait_screen("home")
