"""The web desk's own tables: accounts, login attempts, sessions, and files sent through the page.

Passwords arrive here already hashed (the web layer owns the hashing), session ids as the hash of
the cookie's token, so nothing in this database lets anyone log in by reading it.  Accounts and
their changes are audited; login attempts are kept as rows (they are the lock-out's memory);
sessions are the only rows ever deleted (a logout, an expiry, a password change).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from bontot.errors import InputError
from bontot.store._common import require_text, utcnow
from bontot.store.audit import audit
from bontot.store.records import DocumentRecord, SourceFileRecord, to_record
from bontot.store.schema import Base, DocumentRow, Sha256, SourceFileRow, UtcDateTime
from bontot.store.submissions import require_unit

ROLES = ("province", "committee")
ROLE_LABELS = {"province": "Tỉnh ủy (xem tất cả)", "committee": "Cấp ủy (đơn vị của mình)"}
OUTCOMES = ("ok", "failed", "locked")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")


# --- tables -----------------------------------------------------------------------------------


class UserRow(Base):
    """One person's account: a role, and for a committee the unit whose subtree it sees."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('province', 'committee')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LoginAttemptRow(Base):
    """One try at the login form, kept so repeated failures can slow the next ones down."""

    __tablename__ = "login_attempts"
    __table_args__ = (CheckConstraint("outcome IN ('ok', 'failed', 'locked')", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(8))


class WebSessionRow(Base):
    """A logged-in browser: the id is the SHA-256 of the cookie's token, never the token."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(Sha256, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ip: Mapped[str] = mapped_column(String(64))


class UploadRow(Base):
    """A file sent through the web page: who sent it, under which name it went to the inbox."""

    __tablename__ = "web_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    client_name: Mapped[str] = mapped_column(Text)  # for display only, made safe
    stored_name: Mapped[str | None] = mapped_column(Text)  # None when refused
    sha256: Mapped[str | None] = mapped_column(Sha256, index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    refused: Mapped[str | None] = mapped_column(Text)  # the Vietnamese reason, when refused
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    role: str
    unit_code: str | None
    active: bool
    created_at: dt.datetime
    password_changed_at: dt.datetime


@dataclass(frozen=True)
class WebSessionRecord:
    id: str
    user_id: int
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ip: str


@dataclass(frozen=True)
class UploadRecord:
    id: int
    batch: str
    user_id: int
    client_name: str
    stored_name: str | None
    sha256: str | None
    size: int
    refused: str | None
    created_at: dt.datetime


# --- accounts ---------------------------------------------------------------------------------


def normalize_username(name: str) -> str:
    """The account name as stored and compared: trimmed, lower case; refused when unusable."""
    folded = unicodedata.normalize("NFC", str(name)).strip().lower()
    if not _USERNAME.fullmatch(folded):
        raise InputError(
            f"Tên đăng nhập {name!r} không dùng được: 2–64 ký tự, chỉ gồm chữ cái không dấu, "
            "chữ số và các dấu . _ @ -, bắt đầu bằng chữ cái hoặc chữ số."
        )
    return folded


def _user_row(session: Session, username: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.username == username))


def add_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: str,
    unit_code: str | None,
    actor: str,
) -> UserRecord:
    """Create an account; a committee account must name a unit of the roster."""
    name = normalize_username(username)
    if role not in ROLES:
        raise InputError(f"Vai trò {role!r} không hợp lệ: chỉ dùng province hoặc committee.")
    if role == "committee" and not unit_code:
        raise InputError("Tài khoản cấp ủy phải có mã đơn vị (--unit MÃ).")
    if unit_code is not None:
        require_unit(session, unit_code)
    if _user_row(session, name) is not None:
        raise InputError(f"Tài khoản {name!r} đã có.")
    now = utcnow()
    row = UserRow(
        username=name,
        password_hash=require_text(password_hash, "mật khẩu"),
        role=role,
        unit_code=unit_code,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(row)
    session.flush()
    audit(session, actor, "user.add", name, {"role": role, "unit_code": unit_code})
    return to_record(UserRecord, row)


def find_login(session: Session, username: str) -> tuple[UserRecord, str] | None:
    """The account and its password hash, for checking a login; None when there is none."""
    try:
        name = normalize_username(username)
    except InputError:
        return None
    row = _user_row(session, name)
    return None if row is None else (to_record(UserRecord, row), row.password_hash)


def get_user(session: Session, user_id: int) -> UserRecord | None:
    row = session.get(UserRow, user_id)
    return None if row is None else to_record(UserRecord, row)


def list_users(session: Session) -> list[UserRecord]:
    return [to_record(UserRecord, r) for r in session.scalars(select(UserRow).order_by(UserRow.id))]


def _require_user(session: Session, username: str) -> UserRow:
    row = _user_row(session, normalize_username(username))
    if row is None:
        raise InputError(f"Không có tài khoản {username!r}.")
    return row


def set_password(session: Session, username: str, password_hash: str, actor: str) -> None:
    """Replace the password; every open session of the account ends."""
    row = _require_user(session, username)
    row.password_hash = require_text(password_hash, "mật khẩu")
    row.password_changed_at = utcnow()
    session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
    audit(session, actor, "user.password", row.username, None)


def set_active(session: Session, username: str, active: bool, actor: str) -> None:
    """Lock or unlock an account; locking ends its sessions."""
    row = _require_user(session, username)
    row.active = bool(active)
    if not active:
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
    audit(session, actor, "user.enable" if active else "user.disable", row.username, None)


# --- login attempts ---------------------------------------------------------------------------


def record_login_attempt(session: Session, *, username: str, ip: str, outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise InputError(f"Kết quả đăng nhập {outcome!r} không hợp lệ.")
    session.add(LoginAttemptRow(at=utcnow(), username=username[:64], ip=ip[:64], outcome=outcome))
    session.flush()


def recent_failures(
    session: Session,
    since: dt.datetime,
    *,
    username: str | None = None,
    ip: str | None = None,
) -> list[dt.datetime]:
    """Times of the failed logins of one name (since its last success) or one address.

    For an address a success does not wipe the slate: one valid account must not buy unlimited
    guesses at the others.
    """
    if (username is None) == (ip is None):
        raise InputError("Cần đúng một trong hai: tên đăng nhập hoặc địa chỉ máy.")
    if username is not None:
        key = LoginAttemptRow.username == username[:64]
    else:
        key = LoginAttemptRow.ip == str(ip)[:64]
    start = since
    if username is not None:
        last_ok = session.scalar(
            select(func.max(LoginAttemptRow.at)).where(key, LoginAttemptRow.outcome == "ok")
        )
        if last_ok is not None:
            start = max(start, last_ok)
    query = (
        select(LoginAttemptRow.at)
        .where(key, LoginAttemptRow.outcome == "failed", LoginAttemptRow.at > start)
        .order_by(LoginAttemptRow.at)
    )
    return list(session.scalars(query))


# --- sessions ---------------------------------------------------------------------------------


def create_web_session(
    session: Session,
    *,
    session_id: str,
    user_id: int,
    csrf_token: str,
    expires_at: dt.datetime,
    ip: str,
) -> WebSessionRecord:
    now = utcnow()
    row = WebSessionRow(
        id=session_id,
        user_id=user_id,
        csrf_token=csrf_token,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        ip=ip[:64],
    )
    session.add(row)
    session.flush()
    return to_record(WebSessionRecord, row)


def get_web_session(
    session: Session, session_id: str
) -> tuple[WebSessionRecord, UserRecord] | None:
    """The session and its account, or None when either is gone."""
    found = session.execute(
        select(WebSessionRow, UserRow)
        .join(UserRow, UserRow.id == WebSessionRow.user_id)
        .where(WebSessionRow.id == session_id)
    ).first()
    if found is None:
        return None
    return to_record(WebSessionRecord, found[0]), to_record(UserRecord, found[1])


def touch_web_session(session: Session, session_id: str, at: dt.datetime) -> None:
    """Note the session's last request: one UPDATE, so that a transaction doing only this
    takes the write lock at once (on SQLite a read first would risk an immediate "busy")."""
    session.execute(
        update(WebSessionRow).where(WebSessionRow.id == session_id).values(last_seen_at=at)
    )


def delete_web_session(session: Session, session_id: str) -> None:
    session.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))


def purge_web_sessions(session: Session, before: dt.datetime) -> int:
    """Remove the sessions that expired before ``before``; returns how many."""
    result = session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < before))
    return result.rowcount or 0


# --- uploads ----------------------------------------------------------------------------------


def add_upload(
    session: Session,
    *,
    batch: str,
    user_id: int,
    client_name: str,
    stored_name: str | None,
    sha256: str | None,
    size: int,
    refused: str | None = None,
) -> UploadRecord:
    row = UploadRow(
        batch=batch,
        user_id=user_id,
        client_name=client_name,
        stored_name=stored_name,
        sha256=sha256,
        size=size,
        refused=refused,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return to_record(UploadRecord, row)


def uploads_in_batch(session: Session, batch: str) -> list[UploadRecord]:
    query = select(UploadRow).where(UploadRow.batch == batch).order_by(UploadRow.id)
    return [to_record(UploadRecord, r) for r in session.scalars(query)]


def uploaders(session: Session, sha256s: list[str]) -> dict[str, set[int]]:
    """Who sent each of these files through the web page (sha256 → user ids)."""
    out: dict[str, set[int]] = {}
    if not sha256s:
        return out
    query = select(UploadRow.sha256, UploadRow.user_id).where(UploadRow.sha256.in_(sha256s))
    for sha, user_id in session.execute(query):
        out.setdefault(sha, set()).add(user_id)
    return out


# --- lookups the desk needs (they belong beside their tables; kept here so this change only adds)


def get_source_file(session: Session, source_file_id: int) -> SourceFileRecord | None:
    """An original file by its id (the readings point at it)."""
    row = session.get(SourceFileRow, source_file_id)
    return None if row is None else to_record(SourceFileRecord, row)


def documents_version(session: Session) -> int:
    """The newest document id: documents are only ever appended, so an unchanged number means
    an unchanged list (the web desk caches the list by it)."""
    return session.scalar(select(func.max(DocumentRow.id))) or 0


def current_document(session: Session, document_id: int) -> DocumentRecord | None:
    """One document by id, only while it is the latest of its (kind, scope, committee)."""
    row = session.get(DocumentRow, document_id)
    if row is None:
        return None
    same = (DocumentRow.kind == row.kind) & (DocumentRow.scope == row.scope)
    if row.committee_code is None:
        same &= DocumentRow.committee_code.is_(None)
    else:
        same &= DocumentRow.committee_code == row.committee_code
    latest = session.scalar(select(func.max(DocumentRow.id)).where(same))
    return to_record(DocumentRecord, row) if latest == row.id else None


__all__ = [
    "ROLES",
    "ROLE_LABELS",
    "UploadRecord",
    "UserRecord",
    "WebSessionRecord",
    "add_upload",
    "add_user",
    "create_web_session",
    "current_document",
    "delete_web_session",
    "documents_version",
    "find_login",
    "get_user",
    "get_source_file",
    "get_web_session",
    "list_users",
    "normalize_username",
    "purge_web_sessions",
    "recent_failures",
    "record_login_attempt",
    "set_active",
    "set_password",
    "touch_web_session",
    "uploaders",
    "uploads_in_batch",
]
