"""What the store hands back: frozen dataclasses, detached from any session.

ORM rows never leave the store, so callers cannot edit history by accident and records stay
usable after the session that read them has closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class SourceFileRecord:
    id: int
    sha256: str
    original_name: str
    stored_path: str
    size: int
    received_at: dt.datetime


@dataclass(frozen=True)
class ReadingRecord:
    id: int
    source_file_id: int | None
    form_code: str
    unit_code: str | None
    year: int | None
    source: str
    parser: str
    fields: dict[str, Any]
    problems: list[Any]
    needs_review: bool
    created_at: dt.datetime
    actor: str
    supersedes_id: int | None


@dataclass(frozen=True)
class RegistrationRecord:
    id: int
    unit_code: str
    registered_on: dt.date
    title_registered: str
    admission_target: int | None
    members_total: int | None
    reading_id: int | None
    created_at: dt.datetime
    actor: str


@dataclass(frozen=True)
class AssessmentRecord:
    id: int
    unit_code: str
    year: int
    fields: dict[str, Any]  # forms.md Mẫu 02 keys → plain values
    received_on: dt.date
    reading_id: int | None
    created_at: dt.datetime
    actor: str


@dataclass(frozen=True)
class OverrideRecord:
    id: int
    unit_code: str
    year: int
    criterion: str  # "t1" … "t4"
    met: bool
    reason: str
    actor: str
    created_at: dt.datetime


@dataclass(frozen=True)
class EvaluationRecord:
    id: int
    unit_code: str
    year: int
    plan_id: str
    four_good: bool
    rating: str
    result: dict[str, Any]
    inputs_sha256: str
    computed_at: dt.datetime


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    kind: str
    scope: str
    committee_code: str | None
    path: str
    sha256: str
    inputs_sha256: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] | None


def to_record(cls: type[R], row: object) -> R:
    """Copy the attributes ``cls`` declares from an ORM row."""
    names = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return cls(**{name: getattr(row, name) for name in names})
