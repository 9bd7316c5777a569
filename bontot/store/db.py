"""Opening the database: engine set-up, migrations to head, sessions, and errors a clerk can read.

``open_store(url)`` is the only way in. It brings the schema to the newest Alembic revision
(nothing else ever creates tables) and wraps every driver failure in :class:`StoreError` with a
Vietnamese message that names the database without its password.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from bontot.errors import StoreError
from bontot.store._common import dumps

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30  # a second writer waits this long before "database is locked"
PG_CONNECT_TIMEOUT_S = 10
_MIGRATION_LOCK = 0x626F6E746F74  # "bontot": serialises concurrent upgrades on PostgreSQL


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The URL of a SQLite file, absolute so that it does not depend on the working directory."""
    return URL.create("sqlite+pysqlite", database=str(Path(path).resolve())).render_as_string()


_USERINFO = re.compile(r"(://[^:/@]*:)(.*)@")  # "user:" then everything up to the last "@"


def redact(url: str) -> str:
    """``url`` fit to show a clerk or a log: the password replaced by ``***``.

    Works on the raw text, so a malformed URL (an unescaped ``@`` in the password) is hidden too.
    """
    return _USERINFO.sub(r"\1***@", url, count=1)


def _secrets(url: str) -> list[str]:
    """The password as written and as decoded, to scrub from driver messages."""
    found = _USERINFO.search(url)
    secrets = [found.group(2)] if found and found.group(2) else []
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        secrets.append(str(password))
    return secrets


def _reason(err: BaseException, url: str) -> str:
    """The driver's own words, without the password should it echo the URL."""
    message = str(getattr(err, "orig", None) or err).strip().splitlines()
    reason = message[0] if message else type(err).__name__
    for secret in _secrets(url):
        reason = reason.replace(secret, "***")
    return reason


def _check_userinfo(url: str) -> None:
    """Refuse a password with an unescaped ``@`` or ``/``: the driver would misread the host."""
    found = _USERINFO.search(url)
    if found and any(char in found.group(2) for char in "@/"):
        raise StoreError(
            f"Địa chỉ cơ sở dữ liệu không dùng được ({redact(url)}): mật khẩu có ký tự @ hoặc / "
            "phải được mã hóa (@ thành %40, / thành %2F)."
        )


_DISK_FULL = ("disk is full", "no space left", "could not extend file", "disk full")


def store_error(err: BaseException, url: str) -> StoreError:
    """Translate a database failure into the clerk's words."""
    where, why = redact(url), _reason(err, url)
    if any(full in why.lower() for full in _DISK_FULL):
        return StoreError(f"Ổ đĩa chứa cơ sở dữ liệu {where} đã đầy nên chưa lưu được (không có gì "
                          "được lưu dở); hãy giải phóng chỗ trống rồi chạy lại: các tệp chưa lưu "
                          f"vẫn còn trong inbox. ({why})")
    if isinstance(err, OperationalError | InterfaceError):
        if "locked" in why.lower():
            return StoreError(f"Cơ sở dữ liệu {where} đang bận (tệp bị khóa), hãy thử lại: {why}")
        return StoreError(f"Không kết nối được cơ sở dữ liệu {where}: {why}")
    if isinstance(err, IntegrityError):
        return StoreError(f"Cơ sở dữ liệu {where} từ chối ghi dữ liệu không hợp lệ: {why}")
    return StoreError(f"Lỗi cơ sở dữ liệu {where}: {why}")


def _sqlite_events(engine: Engine) -> None:
    """Foreign keys on, WAL, and real transactions (so DDL and SAVEPOINTs roll back)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this project relies on, per backend."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
    elif backend == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    engine = create_engine(
        parsed, connect_args=connect_args, json_serializer=dumps, pool_pre_ping=True
    )
    if backend == "sqlite":
        _sqlite_events(engine)
    return engine


def alembic_config() -> Config:
    """Alembic's settings built in code: no alembic.ini in the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` in one transaction on ``engine``."""
    config = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


@dataclass
class Store:
    """An open database whose schema is at the newest revision."""

    engine: Engine
    url: str  # as given, password included: to reopen it elsewhere; show ``display_url``
    _sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    @property
    def display_url(self) -> str:
        return redact(self.url)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as err:
            session.rollback()
            raise store_error(err, self.url) from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        """Close every pooled connection (a PostgreSQL database can then be dropped)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_store(url: str) -> Store:
    """Open (creating or upgrading the schema as needed) the database at ``url``."""
    _check_userinfo(url)
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as err:
        raise StoreError(
            f"Địa chỉ cơ sở dữ liệu không dùng được ({redact(url)}): {_reason(err, url)}. "
            "Dùng dạng sqlite:///đường/dẫn/bontot.db hoặc "
            "postgresql+psycopg://người_dùng@máy_chủ:5432/tên_csdl."
        ) from err
    try:
        upgrade(engine)
    except DBAPIError as err:
        engine.dispose()
        raise store_error(err, url) from err
    except CommandError as err:
        engine.dispose()
        raise StoreError(
            f"Không nâng cấp được cấu trúc cơ sở dữ liệu {redact(url)}: {_reason(err, url)}. "
            "Có thể cơ sở dữ liệu do một phiên bản bontot mới hơn tạo ra."
        ) from err
    return Store(engine=engine, url=url)
