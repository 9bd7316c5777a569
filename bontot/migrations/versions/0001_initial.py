"""Initial schema: roster and its history, received files and readings, registrations,
assessments, evaluations, overrides, documents, audit log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Self-contained on purpose: it uses plain SQLAlchemy types, not the ORM classes, so that later
changes to ``bontot.store.schema`` never change what this revision does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Code = sa.String(32)
Sha256 = sa.String(64)


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id(table: str) -> list[sa.SchemaItem]:
    return [sa.Column("id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))]


def _fk(table: str, column: str, target: str, key: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str, unique: bool = False) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns), unique=unique)


def _roster() -> None:
    op.create_table(
        "roster_imports",
        *_id("roster_imports"),
        sa.Column("imported_at", _utc(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", Sha256, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
    )
    op.create_table(
        "units",
        sa.Column("code", Code, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("parent_code", Code, nullable=True),
        sa.Column("unit_type", sa.String(32), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("secretary", sa.Text(), nullable=True),
        sa.Column("recognising", sa.Boolean(), nullable=False),
        sa.Column("pilot", sa.Boolean(), nullable=False),
        sa.Column("issuer_name", sa.Text(), nullable=True),
        sa.Column("abbreviation", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("signer_name", sa.Text(), nullable=True),
        sa.Column("signer_title", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_import_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_units")),
        _fk("units", "updated_import_id", "roster_imports"),
    )
    _index("units", "parent_code")
    op.create_table(
        "unit_versions",
        *_id("unit_versions"),
        sa.Column("unit_code", Code, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "change IN ('added', 'changed', 'removed')", name=op.f("ck_unit_versions_change")
        ),
        _fk("unit_versions", "unit_code", "units", "code"),
        _fk("unit_versions", "import_id", "roster_imports"),
    )
    _index("unit_versions", "unit_code")
    _index("unit_versions", "import_id")


def _intake() -> None:
    op.create_table(
        "source_files",
        *_id("source_files"),
        sa.Column("sha256", Sha256, nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.UniqueConstraint("sha256", name=op.f("uq_source_files_sha256")),
    )
    op.create_table(
        "readings",
        *_id("readings"),
        sa.Column("source_file_id", sa.Integer(), nullable=True),
        sa.Column("form_code", sa.String(16), nullable=False),
        sa.Column("unit_code", Code, nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("parser", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        _fk("readings", "source_file_id", "source_files"),
        _fk("readings", "supersedes_id", "readings"),
    )
    _index("readings", "source_file_id")
    _index("readings", "unit_code")


def _submissions() -> None:
    op.create_table(
        "registrations",
        *_id("registrations"),
        sa.Column("unit_code", Code, nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("title_registered", sa.String(32), nullable=False),
        sa.Column("admission_target", sa.Integer(), nullable=True),
        sa.Column("members_total", sa.Integer(), nullable=True),
        sa.Column("reading_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        _fk("registrations", "unit_code", "units", "code"),
        _fk("registrations", "reading_id", "readings"),
    )
    _index("registrations", "unit_code")
    op.create_table(
        "assessments",
        *_id("assessments"),
        sa.Column("unit_code", Code, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        _fk("assessments", "unit_code", "units", "code"),
        _fk("assessments", "reading_id", "readings"),
    )
    _index("assessments", "unit_code", "year")


def _results() -> None:
    op.create_table(
        "evaluations",
        *_id("evaluations"),
        sa.Column("unit_code", Code, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("four_good", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.String(32), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", Sha256, nullable=False),
        sa.Column("computed_at", _utc(), nullable=False),
        _fk("evaluations", "unit_code", "units", "code"),
    )
    _index("evaluations", "unit_code", "year", "plan_id")
    op.create_table(
        "overrides",
        *_id("overrides"),
        sa.Column("unit_code", Code, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(2), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "criterion IN ('t1', 't2', 't3', 't4')", name=op.f("ck_overrides_criterion")
        ),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_overrides_reason")),
        _fk("overrides", "unit_code", "units", "code"),
    )
    _index("overrides", "unit_code", "year")
    op.create_table(
        "documents",
        *_id("documents"),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("committee_code", Code, nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", Sha256, nullable=False),
        sa.Column("inputs_sha256", Sha256, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
    )
    op.create_index(
        op.f("ix_documents_kind_scope"), "documents", ["kind", "scope", "committee_code"]
    )
    op.create_table(
        "audit_log",
        *_id("audit_log"),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    _index("audit_log", "action")
    _index("audit_log", "subject")


def upgrade() -> None:
    _roster()
    _intake()
    _submissions()
    _results()


def downgrade() -> None:
    for table in (
        "audit_log", "documents", "overrides", "evaluations", "assessments", "registrations",
        "readings", "source_files", "unit_versions", "units", "roster_imports",
    ):
        op.drop_table(table)
