"""The audit trail: who viewed or changed what, when, from where. Rows are only ever added.

Written in the transaction of the change it records where there is one, so a change and its row
commit together; a view gets a row of its own. No route or command deletes a row, and the database
refuses UPDATE and DELETE on the table (migration 0012). Rows hold account names, case numbers,
rating ids, kiosk ids and a 12-character prefix of an ID number's keyed hash at most: never a name
or a number, so the trail itself is not personal data to guard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.staff_models import AuditEvent

CLI_ROLE = "cli"  # a command run on the hub's machine; the actor is the system user


@dataclass(frozen=True)
class Actor:
    """Who did it (a staff account, or ``cli:user@host``), in which role, from where."""

    name: str
    role: str
    source: str


# What the trail says, in the words on the auditor's page.
ACTIONS = {
    "login": "登录",
    "access.denied": "越权访问被拒绝",
    "logout": "退出登录",
    "cases.list": "查看办件列表",
    "case.view": "查看办件",
    "case.status": "变更办件状态",
    "material.view": "查看材料",
    "rating.followup": "好差评回访办结",
    "recording.view": "查看通话录像",
    "lookups.view": "查看证件号码查询记录",
    "lookups.search": "按证件号码检索查询记录",
    "alert.clear": "处理终端告警",
    "kiosk.command": "向终端下发远程指令",
    "kiosk.logs": "下载终端日志",
    "assisted.view": "查看帮办代办台账",
    "assisted.export": "导出帮办代办台账",
    "appointments.list": "查看预约名单",
    "ticket.next": "叫号",
    "ticket.recall": "重呼",
    "ticket.no-show": "过号",
    "ticket.done": "办结（叫号）",
    "ticket.transfer": "转其他业务",
    "appointment.book": "代为预约",
    "appointment.cancel": "取消预约",
    "accounts.view": "查看工作人员账号",
    "audit.view": "查看审计记录",
    "audit.list": "导出审计记录",
    "staff.add": "新增工作人员账号",
    "staff.disable": "停用工作人员账号",
    "staff.enable": "启用工作人员账号",
    "staff.reset": "重置工作人员密码",
    "staff.unlock": "解除登录限制",
    "helper.add": "新增帮办账号",
    "helper.disable": "停用帮办账号",
    "helper.enable": "启用帮办账号",
    "helper.reset": "重置帮办密码",
    "helper.unlock": "解除帮办登录限制",
    "certificates.list": "查看已出具证明",
    "certificates.revoke": "撤销证明",
    "keys.rotate": "轮换密钥",
    "keys.activate": "启用密钥",
    "keys.retire": "停用旧密钥",
}


def record(db: Session, actor: Actor, action: str, now: dt.datetime, *, target: str | None = None,
           case_no: str | None = None, detail: str | None = None) -> None:
    """Add one row in ``db``'s transaction (the caller commits it with the change it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.add(AuditEvent(at=now, actor=actor.name[:80], role=actor.role[:16], action=action,
                      target=target[:120] if target else None, case_no=case_no,
                      source=actor.source[:80], detail=detail[:300] if detail else None))


def search(db: Session, *, since: dt.datetime | None = None, actor: str | None = None, case_no: str | None = None,
           action: str | None = None, limit: int = 500) -> list[AuditEvent]:
    """Newest rows first, narrowed by time, actor, case and action."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if case_no:
        query = query.where(AuditEvent.case_no == case_no)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.scalars(query))


def as_json(row: AuditEvent) -> dict[str, object]:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return {"id": row.id, "at": at.isoformat(), "actor": row.actor, "role": row.role, "action": row.action,
            "target": row.target, "case_no": row.case_no, "source": row.source, "detail": row.detail}
