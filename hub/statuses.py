"""Case statuses at the hub and their 好差评 proStatus codes."""

from __future__ import annotations

SUBMITTED = "submitted"
LABELS = {
    SUBMITTED: "已提交",
    "supplement": "待补正",
    "accepted": "已受理",
    "rejected": "不予受理",
    "in_progress": "办理中",
    "completed": "已办结",
}
# proStatus: 1 待受理, 2 已受理, 3 已办结 (a refusal closes the case).
PRO_STATUS = {
    SUBMITTED: 1,
    "supplement": 1,
    "accepted": 2,
    "in_progress": 2,
    "rejected": 3,
    "completed": 3,
}
