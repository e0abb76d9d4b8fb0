"""What the helper sees of the citizen's step: useful titles, personal values masked or withheld."""

from __future__ import annotations

from local_api.video.stepstate import step_summary


def session(step: dict, **extra: object) -> dict:
    return {"item_code": "housing_fund", "item_name": "住房公积金查询", "step_number": 3, "step_total": 7,
            "step": step, **extra}


def test_form_values_are_masked_by_kind() -> None:
    step = {"id": "contact", "kind": "form", "title": "填写联系方式", "fields": [
        {"name": "applicant_name", "label": "姓名", "type": "text", "value": "张三丰"},
        {"name": "id_no", "label": "身份证号", "type": "id_number", "value": "640104195203121246"},
        {"name": "phone", "label": "手机号码", "type": "phone", "value": "13800001234"},
        {"name": "address", "label": "住址", "type": "address", "value": "银川市金凤区正源北街1号"},
        {"name": "birth", "label": "出生日期", "type": "date", "value": "1952-03-12"},
        {"name": "purpose", "label": "用途", "type": "choice", "value": "贷款"},
        {"name": "note", "label": "备注", "type": "text", "value": ""},
        {"name": "count", "label": "份数", "type": "number", "value": "2", "error": "不能大于1"},
    ]}
    out = step_summary(session(step, applicant={"name_masked": "张*丰", "id_number_masked": "6401**********1246"}))
    assert out["id"] == "contact" and out["kind"] == "form" and out["title"] == "填写联系方式"
    fields = out["fields"]
    assert fields["姓名"] == "张*丰"
    assert fields["身份证号"] == "6401**********1246"
    assert fields["手机号码"] == "138****1234"
    assert fields["住址"] == "已填写" and fields["出生日期"] == "已填写"
    assert fields["用途"] == "贷款" and fields["备注"] == "未填写" and fields["份数"] == "2（有误）"
    assert fields["申请人"] == "张*丰" and fields["步骤"] == "3/7"
    text = str(out)
    for secret in ("张三丰", "640104195203121246", "13800001234", "正源北街", "1952-03-12"):
        assert secret not in text


def test_capture_and_choose_steps_show_progress_and_choice() -> None:
    capture = step_summary(session({"id": "scan", "kind": "capture", "title": "拍摄材料",
                                    "materials": [{"name": "户口簿", "pages": 2, "captured": 1}]}))
    assert capture["fields"]["户口簿"] == "已拍 1/2 页"
    choose = step_summary(session({"id": "kind", "kind": "choose", "title": "选择业务", "data": {"chosen": "b"},
                                   "options": [{"value": "a", "label": "首次申领"}, {"value": "b", "label": "补领"}]}))
    assert choose["fields"]["已选择"] == "补领"


def test_the_rating_reason_is_not_shown_and_no_session_is_said_plainly() -> None:
    rate = step_summary(session({"id": "rate", "kind": "rate", "title": "评价",
                                 "fields": [{"name": "reason", "label": "原因", "type": "text", "value": "很慢"}]}))
    assert "原因" not in rate["fields"]
    assert step_summary(None) == {"id": "home", "kind": "none", "title": "未开始办理", "fields": {}}


def test_at_most_forty_fields_go_to_the_hub() -> None:
    step = {"id": "big", "kind": "form", "title": "很多字段",
            "fields": [{"name": f"f{i}", "label": f"字段{i}", "type": "number", "value": str(i)} for i in range(60)]}
    assert len(step_summary(session(step))["fields"]) == 40
