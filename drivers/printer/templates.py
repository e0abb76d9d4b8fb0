"""The kiosk's two paper forms: the queue ticket (排队取号票) and the acceptance receipt (受理回执).

Personal data is masked here, before it reaches the renderer, by the one rule of ``common.masking``
(``张*丰``, ``6401**********123X``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from common.masking import mask_id, mask_name
from drivers.printer.document import (
    Align,
    Block,
    Cut,
    Divider,
    Document,
    Feed,
    InvalidDocument,
    KeyValue,
    QrCode,
    Text,
    title,
)


def _when(value: datetime | date | str) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return value


def queue_ticket(
    *,
    number: str,
    service: str,
    waiting: int,
    issued_at: datetime | str,
    hall: str = "政务服务中心",
    qr: str | None = None,
    name: str | None = None,
    qr_caption: str = "扫码查看叫号进度 · 办完请评价（好差评）",
    notice: str = "请留意叫号，过号请重新取号。",
) -> Document:
    """A queue ticket: hall, big number, service, people ahead, time, optional masked name and QR."""
    if not number.strip():
        raise InvalidDocument("a queue ticket needs a ticket number")
    if waiting < 0:
        raise InvalidDocument(f"people waiting cannot be negative ({waiting})")
    blocks: list[Block] = [
        Text(hall, height=2, bold=True, align=Align.CENTER),
        Divider("="),
        Text("您的号码", align=Align.CENTER),
        Text(number.strip(), width=4, height=4, bold=True, align=Align.CENTER),
        Text(service, width=2, height=2, align=Align.CENTER),
        Text(f"前面还有 {waiting} 人等候", align=Align.CENTER),
        Divider(),
    ]
    if name:
        blocks.append(KeyValue("姓名", mask_name(name)))
    blocks.append(KeyValue("取号时间", _when(issued_at)))
    if qr:
        blocks += [Feed(1), QrCode(qr, module=6, ec="M"), Text(qr_caption, align=Align.CENTER)]
    blocks += [Divider(), Text(notice, align=Align.CENTER), Cut()]
    return Document(tuple(blocks))


def acceptance_receipt(
    *,
    item: str,
    applicant: str,
    materials: Sequence[str],
    promised_date: date | str,
    progress: str,
    submitted_at: datetime | str,
    case_number: str | None = None,
    provisional_number: str | None = None,
    id_number: str | None = None,
    hall: str = "政务服务中心",
    qr: str | None = None,
    qr_caption: str = "扫码查询办理进度、评价服务（好差评）",
    assisted: str | None = None,
) -> Document:
    """An acceptance receipt for one case (事项, number, masked applicant, materials, promised date, QR)."""
    if bool(case_number) == bool(provisional_number):
        raise InvalidDocument("give exactly one of case_number or provisional_number")
    heading = "受理回执" if case_number else "申报回执"
    blocks: list[Block] = [
        title(heading),
        Text(hall, align=Align.CENTER),
        Divider("="),
        KeyValue("事项名称", item),
    ]
    if case_number:
        blocks.append(KeyValue("办件编号", case_number))
    else:
        blocks += [KeyValue("临时编号", provisional_number or ""),
                   Text("（受理后以正式办件编号为准）", align=Align.RIGHT)]
    blocks.append(KeyValue("申请人", mask_name(applicant)))
    if assisted:  # 帮办代办 and the service, never the helper's name
        blocks.append(KeyValue("办理方式", assisted, bold=True))
    if id_number:
        blocks.append(KeyValue("证件号码", mask_id(id_number)))
    blocks += [
        KeyValue("提交时间", _when(submitted_at)),
        KeyValue("承诺办结", _when(promised_date), bold=True),
        Divider(),
        Text(f"材料清单（{len(materials)} 项）：", bold=True),
    ]
    blocks += [Text(f"{i}. {m}") for i, m in enumerate(materials, 1)] or [Text("（无）")]
    blocks += [Divider(), Text("进度查询：", bold=True), Text(progress)]
    if qr:
        blocks += [Feed(1), QrCode(qr, module=5, ec="M"), Text(qr_caption, align=Align.CENTER)]
    blocks += [Divider(), Text("请妥善保管本回执。", align=Align.CENTER), Cut()]
    return Document(tuple(blocks))


def selftest_slip(
    *,
    kiosk_id: str,
    hall: str,
    tested_at: str,
    versions: Sequence[tuple[str, str]],
    devices: Sequence[tuple[str, str, str]],
    hub: str,
    ok: bool,
    qr: str | None = None,
) -> Document:
    """A technician's self-test slip (设备自检单): kiosk, versions, each device (label, state, what to do),
    the hub, the time, and a QR code of the kiosk's page on the hub. It carries no personal data."""
    if not kiosk_id.strip():
        raise InvalidDocument("a self-test slip needs the kiosk id")
    blocks: list[Block] = [
        title("设备自检单"),
        Text(hall, align=Align.CENTER),
        Divider("="),
        KeyValue("终端编号", kiosk_id),
        KeyValue("自检时间", tested_at),
    ]
    blocks += [KeyValue(f"版本 {name}", value) for name, value in versions]
    blocks += [Divider(), Text("设备状态", bold=True)]
    for label, state, advice in devices:
        blocks.append(KeyValue(label, state, bold=not state.startswith("正常")))
        if advice:
            blocks.append(Text(f"  {advice}"))
    if not devices:
        blocks.append(Text("（未配置任何设备）"))
    blocks += [KeyValue("中心平台", hub), Divider(),
               Text("自检结果：全部正常" if ok else "自检结果：有设备异常", width=2, height=2, bold=True,
                    align=Align.CENTER)]
    if qr:
        blocks += [Feed(1), QrCode(qr, module=5, ec="M"), Text("扫码查看本终端（需工作人员登录）", align=Align.CENTER)]
    blocks += [Divider(), Text("本单仅供运维人员使用，不含个人信息。", align=Align.CENTER), Cut()]
    return Document(tuple(blocks))
