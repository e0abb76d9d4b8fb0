"""What the engine's print orders become on paper: its print data → a printer Document."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common.masking import mask_id, mask_name
from drivers.printer.document import Align, Cut, Divider, Document, KeyValue, Text, title
from drivers.printer.templates import acceptance_receipt, queue_ticket
from wire.application import ASSIST_MODES

PROGRESS_TEXT = "凭办件编号在政务服务网、“我的办件”或本机“办件进度查询”查询"


def build_document(template: str, data: dict[str, Any], *, hall: str, tz: str = "Asia/Shanghai") -> Document:
    # Paper shows the hall's local time; the engine works in UTC.
    data = {**data, "printed_at": datetime.fromisoformat(data["printed_at"]).astimezone(ZoneInfo(tz)).isoformat()}
    if template == "queue_ticket":
        return _ticket(data, hall)
    if template == "receipt":
        return _receipt(data, hall)
    return _result(data, hall)


def _printed_at(data: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(data["printed_at"])


FOLLOW_CAPTION = "扫码查看排队进度"
PRIORITY_MARKS = {"elderly": "老年人", "pregnant": "孕妇", "disability": "残疾人", "appointment": "预约"}
SERVICE_QUESTION = "请选择要办理的业务"  # the choose step whose answer names the service on the ticket


def _ticket(data: dict[str, Any], hall: str) -> Document:
    """A queue ticket; a priority one says 优先 (and why) under the number, an appointment its number, a hub one the
    QR code of its follow page."""
    result = data.get("result") or {}
    number = result.get("number") or data.get("case_no") or ""
    notice = "请留意叫号，过号请重新取号。"
    if result.get("source") == "local":
        notice = "本号为自助机离线号段，请留意叫号屏幕，过号请重新取号。"
    answers = data.get("answers") or {}
    document = queue_ticket(
        number=number,
        service=result.get("service_label") or answers.get(SERVICE_QUESTION) or data["item_name"],
        waiting=int(result.get("people_ahead") or 0),
        issued_at=_printed_at(data),
        hall=hall,
        # Only hub numbers have a page to follow; the kiosk's own block (source "local") prints no code.
        qr=(result.get("follow_url") or None) if result.get("source") != "local" else None,
        qr_caption=FOLLOW_CAPTION,
        notice=notice,
    )
    extra: list[Any] = []
    category = result.get("priority_category")
    if result.get("priority") or category:
        why = PRIORITY_MARKS.get(category or "", "")
        extra.append(Text(f"优先 · {why}" if why else "优先", width=2, height=2, bold=True, align=Align.CENTER))
    if result.get("appointment_no"):
        extra.append(Text(f"预约号 {result['appointment_no']}", align=Align.CENTER))
    if not extra:
        return document
    blocks = list(document.blocks)
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Text) and b.text == number.strip()) + 1
    return Document(tuple(blocks[:at] + extra + blocks[at:]))


def _promised(data: dict[str, Any]) -> date | str:
    limit = str(data.get("promised_limit") or "")
    digits = "".join(c for c in limit if c.isdigit())
    if digits and "工作日" in limit:
        # Working days: count weekdays only (holidays are the hub's business; this is the kiosk's promise).
        day, left = _printed_at(data).date(), int(digits)
        while left:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day
    return limit or "以受理通知为准"


def _receipt(data: dict[str, Any], hall: str) -> Document:
    materials = [
        f"{m['name']}（{m['pages']}页）" if m.get("pages") else f"{m['name']}（{m.get('skipped') or '未提交'}）"
        for m in data.get("materials", [])
    ]
    number = data.get("case_no")
    return acceptance_receipt(
        item=data["item_name"],
        applicant=data.get("applicant_name") or "",
        materials=materials,
        promised_date=_promised(data),
        progress=f"{PROGRESS_TEXT}；咨询电话 {data.get('consult_phone', '')}",
        submitted_at=_printed_at(data),
        case_number=number or None,
        provisional_number=None if number else data.get("provisional_no") or "—",
        hall=hall,
        qr=f"https://zwfw.example.gov.cn/progress?no={number or data.get('provisional_no')}",
        assisted=f"帮办代办（{ASSIST_MODES.get(mode, mode)}）" if (mode := data.get("assisted_mode")) else None,
    )


def _result(data: dict[str, Any], hall: str) -> Document:
    result = data.get("result") or {}
    blocks: list[Any] = [title(result.get("title") or data["item_name"]), Text(hall, align=Align.CENTER),
                         Divider("=")]
    # The engine masks these already; masking again is idempotent and keeps paper safe if it ever did not.
    if data.get("applicant_name"):
        blocks.append(KeyValue("姓名", mask_name(data["applicant_name"])))
    if data.get("applicant_id"):
        blocks.append(KeyValue("证件号码", mask_id(data["applicant_id"])))
    for key, value in (result.get("fields") or {}).items():
        blocks.append(KeyValue(str(key), str(value)))
    for line in result.get("lines") or []:
        blocks.append(Text(str(line)))
    blocks += [Divider(), KeyValue("打印时间", _printed_at(data).strftime("%Y-%m-%d %H:%M")),
               Text(result.get("footer") or "本凭证由自助终端打印，以业务系统记录为准。", align=Align.CENTER), Cut()]
    return Document(tuple(blocks))
