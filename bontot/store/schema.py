"""The database tables, as typed SQLAlchemy declarative classes.

The schema is created and changed only by the Alembic migrations in ``bontot/migrations``; these
classes describe it to the ORM and must match the newest migration (a test compares the two).
Rows are appended rather than edited wherever a clerk's input or a derived result is concerned:
the latest row of a group is the current one, older rows are the history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Explicit constraint names keep later migrations (and SQLite's batch mode) deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Code = String(32)  # unit codes: [A-Za-z0-9._-]{1,32} (forms.md)
Sha256 = String(64)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite keeps no offset, so values are converted to UTC before they are written and read back
    as UTC; a naive datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times with a timezone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RosterImportRow(Base):
    """One import of the roster file, even one that changed nothing."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    source_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(Sha256)
    actor: Mapped[str] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class UnitRow(Base):
    """The current state of a roster unit; its history is in ``unit_versions``."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(Code, primary_key=True)
    position: Mapped[int]  # order in the latest roster that listed it
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str | None] = mapped_column(Code, index=True)
    unit_type: Mapped[str | None] = mapped_column(String(32))
    members: Mapped[int | None]
    secretary: Mapped[str | None] = mapped_column(Text)
    recognising: Mapped[bool]
    pilot: Mapped[bool]
    issuer_name: Mapped[str | None] = mapped_column(Text)
    abbreviation: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    signer_name: Mapped[str | None] = mapped_column(Text)
    signer_title: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool]
    updated_import_id: Mapped[int] = mapped_column(ForeignKey("roster_imports.id"))


class UnitVersionRow(Base):
    """A unit as one roster import left it: the roster's history."""

    __tablename__ = "unit_versions"
    __table_args__ = (
        CheckConstraint("change IN ('added', 'changed', 'removed')", name="change"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("roster_imports.id"), index=True)
    change: Mapped[str] = mapped_column(String(8))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SourceFileRow(Base):
    """An original file as received, known by its content hash."""

    __tablename__ = "source_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(Sha256, unique=True)
    original_name: Mapped[str] = mapped_column(Text)
    stored_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReadingRow(Base):
    """One reading of a form (by a parser, or a person's correction); none is ever overwritten."""

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("source_files.id"), index=True)
    form_code: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(Code, index=True)  # as read: may be unknown
    year: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(16))
    parser: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    problems: Mapped[list[Any]] = mapped_column(JSON)
    needs_review: Mapped[bool]
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text)  # "machine" or a user name
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"))


class RegistrationRow(Base):
    """A unit's registration (Mẫu 01-ĐK); the latest row per unit is current."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)
    title_registered: Mapped[str] = mapped_column(String(32))
    admission_target: Mapped[int | None]
    members_total: Mapped[int | None]
    reading_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text)


class AssessmentRow(Base):
    """A yearly self-assessment (Mẫu 02-TĐG); the latest row per (unit, year) is current."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_unit_code_year", "unit_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int]
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_on: Mapped[dt.date] = mapped_column(Date)
    reading_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text)


class EvaluationRow(Base):
    """A derived unit-year result; the latest row per (unit, year, plan) is current."""

    __tablename__ = "evaluations"
    __table_args__ = (
        Index("ix_evaluations_unit_code_year_plan_id", "unit_code", "year", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int]
    plan_id: Mapped[str] = mapped_column(String(64))
    four_good: Mapped[bool]
    rating: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_sha256: Mapped[str] = mapped_column(Sha256)
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class OverrideRow(Base):
    """The recognising committee's decision on one criterion, with its written reason."""

    __tablename__ = "overrides"
    __table_args__ = (
        CheckConstraint("criterion IN ('t1', 't2', 't3', 't4')", name="criterion"),
        CheckConstraint("length(trim(reason)) > 0", name="reason"),
        Index("ix_overrides_unit_code_year", "unit_code", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int]
    criterion: Mapped[str] = mapped_column(String(2))
    met: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DocumentRow(Base):
    """A generated document and the inputs it was made from."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_kind_scope", "kind", "scope", "committee_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(32))  # "2024", "so-ket", "tong-ket"
    committee_code: Mapped[str | None] = mapped_column(Code)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(Sha256)
    inputs_sha256: Mapped[str] = mapped_column(Sha256)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AuditRow(Base):
    """Who did what, when: every change a person makes, and every roster import."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(Text, index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
