"""The helper's call page in Chromium: asking to fill in, the step shown as a form once the citizen agreed,
every change sent to the kiosk as typed, the card's fields not editable, and the form gone when taken back."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--no-sandbox"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None,
                                reason="needs the Debian chromium package and playwright (./dev setup)")

FORM = {"fields": [
    {"name": "operator_name", "label": "经营者姓名", "type": "text", "value": "王*兰", "choices": [],
     "may_set": False, "by_helper": False, "error": ""},
    {"name": "scope", "label": "经营范围", "type": "text", "value": "", "choices": [], "may_set": True,
     "by_helper": False, "error": ""},
    {"name": "form_of_organization", "label": "组成形式", "type": "choice", "value": "", "may_set": True,
     "choices": ["个人经营", "家庭经营"], "by_helper": False, "error": ""}], "options": [], "next": True}


def test_the_helper_fills_in_on_the_call_page(video_hub):
    from playwright.sync_api import sync_playwright

    call_id = video_hub.call()
    kiosk = video_hub.kiosk_socket(call_id)
    kiosk.expect("ringing")
    helper = video_hub.helper("wang", "王芳")
    assert video_hub.accept(helper, call_id).status_code == 303
    kiosk.expect("accepted")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(permissions=["camera", "microphone"])
            context.add_cookies([{"name": c.name, "value": c.value, "url": video_hub.url} for c in helper.cookies.jar])
            page = context.new_page()
            page.goto(f"{video_hub.url}/helper/calls/{call_id}")
            kiosk.expect("peer-joined")
            assert page.locator("#assist-form").is_hidden()
            page.click("#assist-request")
            assert kiosk.expect("assist_request")["helper_id"] == "wang"
            kiosk.send({"type": "assist", "state": "on"})
            kiosk.send({"type": "state", "step": {"id": "business", "kind": "form", "title": "填写登记信息",
                                                  "fields": {}, "form": FORM}})
            page.wait_for_selector("#assist-field-scope")
            assert page.locator("#assist-request").is_hidden() and page.locator("#assist-stop").is_visible()
            assert page.locator("#assist-field-operator_name").is_disabled()
            assert page.input_value("#assist-field-operator_name") == "王*兰"
            page.type("#assist-field-scope", "日用")
            typed = [kiosk.expect("assist_input") for _ in range(2)]  # one message per keystroke
            assert [(m["field"], m["value"]) for m in typed] == [("scope", "日"), ("scope", "日用")]
            page.select_option("#assist-field-form_of_organization", "家庭经营")
            assert kiosk.expect("assist_input")["value"] == "家庭经营"
            page.click("#assist-next")
            assert kiosk.expect("assist_input")["action"] == "next"
            kiosk.send({"type": "assist", "state": "off", "reason": "withdrawn"})
            page.wait_for_selector("#assist-form", state="hidden")
            assert "收回" in page.text_content("#assist-status")
        finally:
            browser.close()
