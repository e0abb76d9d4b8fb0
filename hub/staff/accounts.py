"""Staff accounts: one per person with a role, scrypt password hashes (as helpers'), throttling of wrong
passwords per source and user instead of a lock a stranger could set off."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.db.call_models import Helper
from hub.db.staff_models import StaffAccount, StaffLoginFailure
from hub.staff.roles import STAFF_ROLES, Role
from hub.video.accounts import LOCKOUT, MAX_FAILED, USERNAME, check_password, hash_password, new_password

SESSION_AGE = dt.timedelta(hours=10)  # a working day; then log in again


class AccountError(ValueError):
    """An account request that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class StaffUser:
    """Who is at the staff pages (or calling the staff API)."""

    username: str
    name: str
    role: str


@dataclass(frozen=True)
class AccountInfo:
    username: str
    display_name: str
    role: str
    disabled: bool
    last_login_at: dt.datetime | None


def add(db: Session, username: str, display_name: str, role: Role, now: dt.datetime) -> str:
    """Create the account and return its generated password, which is not kept."""
    if role not in STAFF_ROLES:
        raise AccountError(f"{role} accounts are helper accounts; the staff roles are "
                           f"{', '.join(STAFF_ROLES)}")
    if not USERNAME.match(username):
        raise AccountError("--username must be 1-64 letters, digits, '.', '_' or '-', starting alphanumeric")
    display_name = display_name.strip()
    if not display_name or len(display_name) > 100:
        raise AccountError("--name must be 1-100 characters, e.g. 王芳")
    if db.get(StaffAccount, username) is not None or db.get(Helper, username) is not None:
        raise AccountError(f"{username} is already taken (by a staff or helper account); choose another user name")
    password = new_password()
    db.add(StaffAccount(username=username, display_name=display_name, role=role.value,
                        password_hash=hash_password(password), session_epoch=0, created_at=now))
    return password


def list_accounts(db: Session) -> list[AccountInfo]:
    return [AccountInfo(a.username, a.display_name, a.role, a.disabled_at is not None, a.last_login_at)
            for a in db.scalars(select(StaffAccount).order_by(StaffAccount.username))]


def count_active(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(StaffAccount).where(StaffAccount.disabled_at.is_(None))) or 0


def get(db: Session, username: str) -> StaffAccount | None:
    return db.get(StaffAccount, username) if USERNAME.match(username) else None


def log_in(db: Session, username: str, password: str, now: dt.datetime, source: str) -> StaffAccount | str:
    """The account if the password is right, else the reason to show.

    After MAX_FAILED wrong passwords for this user from this ``source`` (a keyed hash of the address)
    within LOCKOUT, that source waits; the person at their own desk is not locked out by a stranger.
    Returns rather than raises, so the caller's transaction keeps the failure rows.
    """
    since = now - LOCKOUT
    key = username[:64]
    count, oldest = db.execute(select(func.count(), func.min(StaffLoginFailure.at)).where(
        StaffLoginFailure.username == key, StaffLoginFailure.source == source, StaffLoginFailure.at > since)).one()
    if count >= MAX_FAILED and oldest is not None:
        minutes = int((_utc(oldest) + LOCKOUT - now).total_seconds() // 60) + 1
        return f"密码错误次数过多，请 {minutes} 分钟后再试"
    account = get(db, username)
    if account is None or account.disabled_at is not None or not check_password(password, account.password_hash):
        if account is None or account.disabled_at is not None:
            check_password(password, _dummy_hash())  # as slow as a real check: names cannot be probed by timing
        db.add(StaffLoginFailure(username=key, source=source, at=now))
        db.execute(delete(StaffLoginFailure).where(StaffLoginFailure.at <= since))  # nothing older counts
        if count + 1 >= MAX_FAILED:
            return f"密码错误次数过多，请 {int(LOCKOUT.total_seconds() // 60)} 分钟后再试"
        return "用户名或密码错误"
    account.last_login_at = now
    return account


def _existing(db: Session, username: str) -> StaffAccount:
    account = get(db, username)
    if account is None:
        raise AccountError(f"no staff account {username!r}; see kioskhub staff list")
    return account


def disable(db: Session, username: str, now: dt.datetime) -> None:
    """The person can no longer log in, and every session of theirs ends at its next request."""
    account = _existing(db, username)
    account.disabled_at = account.disabled_at or now
    account.session_epoch += 1


def enable(db: Session, username: str) -> None:
    """A disabled account may log in again (with its old password; reset gives a new one)."""
    _existing(db, username).disabled_at = None
    db.execute(delete(StaffLoginFailure).where(StaffLoginFailure.username == username))


def reset(db: Session, username: str) -> str:
    """A new password (returned, not kept); the old one and every session stop working."""
    account = _existing(db, username)
    password = new_password()
    account.password_hash = hash_password(password)
    account.session_epoch += 1
    db.execute(delete(StaffLoginFailure).where(StaffLoginFailure.username == username))
    return password


def unlock(db: Session, username: str) -> bool:
    """Forget the wrong passwords counted against the account, from every source; False when there were none."""
    _existing(db, username)
    return (db.execute(delete(StaffLoginFailure).where(StaffLoginFailure.username == username)).rowcount or 0) > 0


def log_out(db: Session, username: str) -> None:
    """End every session of the account (its cookies stop working everywhere)."""
    account = get(db, username)
    if account is not None:
        account.session_epoch += 1


def session_account(db: Session, claims: dict[str, object]) -> StaffAccount | None:
    """The account a verified cookie names, if it is active and the session was not ended."""
    username = claims.get("u")
    account = db.get(StaffAccount, username) if isinstance(username, str) else None
    if account is None or account.disabled_at is not None or account.session_epoch != claims.get("e"):
        return None
    return account


def user(account: StaffAccount) -> StaffUser:
    return StaffUser(account.username, account.display_name, account.role)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))
