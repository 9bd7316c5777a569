"""The web desk: accounts, login attempts, sessions, files sent through the page.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Self-contained like 0001: plain SQLAlchemy types, not the ORM classes of
``bontot.store.accounts``, which must match what this revision creates.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Code = sa.String(32)
Sha256 = sa.String(64)


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, key: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit_code", Code, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("password_changed_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.CheckConstraint("role IN ('province', 'committee')", name=op.f("ck_users_role")),
        _fk("users", "unit_code", "units", "code"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
        sa.CheckConstraint(
            "outcome IN ('ok', 'failed', 'locked')", name=op.f("ck_login_attempts_outcome")
        ),
    )
    _index("login_attempts", "username")
    _index("login_attempts", "ip")
    op.create_table(
        "web_sessions",
        sa.Column("id", Sha256, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        _fk("web_sessions", "user_id", "users"),
    )
    _index("web_sessions", "user_id")
    op.create_table(
        "web_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_name", sa.Text(), nullable=False),
        sa.Column("stored_name", sa.Text(), nullable=True),
        sa.Column("sha256", Sha256, nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("refused", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_uploads")),
        _fk("web_uploads", "user_id", "users"),
    )
    _index("web_uploads", "batch")
    _index("web_uploads", "user_id")
    _index("web_uploads", "sha256")


def downgrade() -> None:
    for table in ("web_uploads", "web_sessions", "login_attempts", "users"):
        op.drop_table(table)
