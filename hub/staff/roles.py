"""What each staff role may do: a fixed table from role to permits, checked by every staff route.

The roles follow the separation of duties of 等保 2.0 (系统管理员, 安全审计员 apart from the people who
handle cases): the admin manages accounts and the kiosk fleet but reads no case; the auditor reads the
audit trail and the ID-lookup log and nothing else; nobody but the auditor reads the audit trail, so
the people it records cannot look up what was noted about them.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CLERK = "clerk"
    AUDITOR = "auditor"
    HELPER = "helper"


class Permit(StrEnum):
    CASES = "cases"  # case list and pages, materials, status changes
    QUEUE = "queue"  # counter windows, calling numbers, appointments
    RATINGS = "ratings"  # bad ratings and their follow-up
    RECORDINGS = "recordings"  # call recordings
    FLEET = "fleet"  # kiosks, their self-tests, alerts
    LOOKUPS = "lookups"  # the log of kiosks' lookups by ID number
    AUDIT = "audit"  # the audit trail
    ACCOUNTS = "accounts"  # the list of staff accounts


GRANTS: dict[Role, frozenset[Permit]] = {
    Role.CLERK: frozenset({Permit.CASES, Permit.QUEUE}),
    Role.SUPERVISOR: frozenset({Permit.CASES, Permit.QUEUE, Permit.RATINGS, Permit.RECORDINGS, Permit.FLEET,
                                Permit.LOOKUPS}),
    Role.ADMIN: frozenset({Permit.FLEET, Permit.ACCOUNTS}),
    Role.AUDITOR: frozenset({Permit.AUDIT, Permit.LOOKUPS}),
    Role.HELPER: frozenset(),  # a helper account: the video-help console at /helper only
}

LABELS = {
    Role.ADMIN: "系统管理员",
    Role.SUPERVISOR: "值班主管",
    Role.CLERK: "窗口人员",
    Role.AUDITOR: "审计员",
    Role.HELPER: "远程帮办",
}

STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.CLERK, Role.AUDITOR)  # the ones that log in at /staff


def may(role: str, permit: Permit) -> bool:
    try:
        return permit in GRANTS[Role(role)]
    except ValueError:
        return False


def parse(text: str) -> Role:
    """The role named by ``text``; ValueError naming the roles there are."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(f"role must be one of {', '.join(r.value for r in Role)}") from None


def home(role: str) -> str:
    """The page a role lands on after log-in."""
    return "/staff/audit" if role == Role.AUDITOR else "/staff"
