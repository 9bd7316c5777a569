"""What units send in: original files, their readings, registrations and self-assessments.

Nothing here is updated in place. A corrected reading is a new reading that supersedes the old;
a corrected registration or assessment is a new row, and the latest row is the current one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bontot.errors import InputError
from bontot.store._common import jsonable, latest_ids, require_text, utcnow
from bontot.store.audit import audit
from bontot.store.records import (
    AssessmentRecord,
    ReadingRecord,
    RegistrationRecord,
    SourceFileRecord,
    to_record,
)
from bontot.store.schema import (
    AssessmentRow,
    ReadingRow,
    RegistrationRow,
    SourceFileRow,
    UnitRow,
)

MACHINE = "machine"


def require_unit(session: Session, unit_code: str) -> None:
    """Refuse rows about a unit the roster never had (a typo must not start a new unit)."""
    if session.get(UnitRow, unit_code) is None:
        raise InputError(f"Mã đơn vị {unit_code!r} không có trong danh sách tổ chức đảng.")


def add_source_file(
    session: Session,
    *,
    sha256: str,
    original_name: str,
    stored_path: str,
    size: int,
    received_at: dt.datetime | None = None,
) -> SourceFileRecord:
    """Record an original file; the same content received again returns the first record."""
    known = find_source_file(session, sha256)
    if known is not None:
        return known
    row = SourceFileRow(
        sha256=sha256, original_name=original_name, stored_path=stored_path, size=size,
        received_at=received_at or utcnow(),
    )
    session.add(row)
    session.flush()
    return to_record(SourceFileRecord, row)


def find_source_file(session: Session, sha256: str) -> SourceFileRecord | None:
    """The file with this content hash, or None when it was never received."""
    row = session.scalar(select(SourceFileRow).where(SourceFileRow.sha256 == sha256))
    return None if row is None else to_record(SourceFileRecord, row)


def add_reading(
    session: Session,
    *,
    form_code: str,
    unit_code: str | None,
    year: int | None,
    source: str,
    parser: str,
    fields: dict[str, Any],
    problems: list[Any],
    needs_review: bool,
    actor: str = MACHINE,
    source_file_id: int | None = None,
    supersedes_id: int | None = None,
) -> int:
    """Keep one reading of a form; a person's correction is audited, a parser's is not."""
    row = ReadingRow(
        source_file_id=source_file_id, form_code=form_code, unit_code=unit_code, year=year,
        source=source, parser=parser, fields=jsonable(fields), problems=jsonable(problems),
        needs_review=needs_review, created_at=utcnow(),
        actor=require_text(actor, "người thực hiện"), supersedes_id=supersedes_id,
    )
    session.add(row)
    session.flush()
    if actor != MACHINE:
        audit(session, actor, "reading.add", unit_code or form_code,
              {"reading_id": row.id, "supersedes_id": supersedes_id})
    return row.id


def get_reading(session: Session, reading_id: int) -> ReadingRecord:
    row = session.get(ReadingRow, reading_id)
    if row is None:
        raise InputError(f"Không có bản đọc số {reading_id}.")
    return to_record(ReadingRecord, row)


def list_readings(
    session: Session,
    *,
    source_file_id: int | None = None,
    unit_code: str | None = None,
    needs_review: bool | None = None,
) -> list[ReadingRecord]:
    """Readings in the order they were made, filtered by whichever arguments are given."""
    query = select(ReadingRow).order_by(ReadingRow.id)
    if source_file_id is not None:
        query = query.where(ReadingRow.source_file_id == source_file_id)
    if unit_code is not None:
        query = query.where(ReadingRow.unit_code == unit_code)
    if needs_review is not None:
        query = query.where(ReadingRow.needs_review.is_(needs_review))
    return [to_record(ReadingRecord, row) for row in session.scalars(query)]


def add_registration(
    session: Session,
    *,
    unit_code: str,
    registered_on: dt.date,
    title_registered: str,
    admission_target: int | None = None,
    members_total: int | None = None,
    reading_id: int | None = None,
    actor: str,
) -> int:
    """Append a registration; it becomes the unit's current one."""
    require_unit(session, unit_code)
    row = RegistrationRow(
        unit_code=unit_code, registered_on=registered_on,
        title_registered=require_text(title_registered, "danh hiệu đăng ký"),
        admission_target=admission_target, members_total=members_total,
        reading_id=reading_id, created_at=utcnow(), actor=require_text(actor, "người thực hiện"),
    )
    session.add(row)
    session.flush()
    audit(session, actor, "registration.add", unit_code,
          {"registration_id": row.id, "reading_id": reading_id})
    return row.id


def current_registrations(session: Session) -> dict[str, RegistrationRecord]:
    """The latest registration of each unit that registered."""
    ids = latest_ids(RegistrationRow.id, RegistrationRow.unit_code)
    query = select(RegistrationRow).where(RegistrationRow.id.in_(ids.scalar_subquery()))
    return {
        row.unit_code: to_record(RegistrationRecord, row)
        for row in session.scalars(query.order_by(RegistrationRow.unit_code))
    }


def add_assessment(
    session: Session,
    *,
    unit_code: str,
    year: int,
    fields: dict[str, Any],
    received_on: dt.date,
    reading_id: int | None = None,
    actor: str,
) -> int:
    """Append a self-assessment; it becomes the current one for (unit, year)."""
    require_unit(session, unit_code)
    row = AssessmentRow(
        unit_code=unit_code, year=year, fields=jsonable(fields), received_on=received_on,
        reading_id=reading_id, created_at=utcnow(), actor=require_text(actor, "người thực hiện"),
    )
    session.add(row)
    session.flush()
    audit(session, actor, "assessment.add", unit_code,
          {"assessment_id": row.id, "year": year, "reading_id": reading_id})
    return row.id


def current_assessments(
    session: Session, year: int | None = None
) -> dict[tuple[str, int], AssessmentRecord]:
    """The latest assessment per (unit, year), for one year or all."""
    ids = latest_ids(AssessmentRow.id, AssessmentRow.unit_code, AssessmentRow.year)
    if year is not None:
        ids = ids.where(AssessmentRow.year == year)
    query = select(AssessmentRow).where(AssessmentRow.id.in_(ids.scalar_subquery()))
    query = query.order_by(AssessmentRow.year, AssessmentRow.unit_code)
    return {
        (row.unit_code, row.year): to_record(AssessmentRecord, row)
        for row in session.scalars(query)
    }


def last_received(session: Session, unit_code: str, year: int | None) -> dt.date | None:
    """When the unit's current form came in: its self-assessment of ``year``, or its
    registration when ``year`` is None; None when it sent none.  One indexed look-up, for the
    intake's check of each form against those already stored."""
    if year is None:
        query = (select(RegistrationRow.registered_on)
                 .where(RegistrationRow.unit_code == unit_code)
                 .order_by(RegistrationRow.id.desc()).limit(1))
    else:
        query = (select(AssessmentRow.received_on)
                 .where(AssessmentRow.unit_code == unit_code, AssessmentRow.year == year)
                 .order_by(AssessmentRow.id.desc()).limit(1))
    return session.scalar(query)


def assessment_history(session: Session, unit_code: str, year: int) -> list[AssessmentRecord]:
    """Every assessment of one unit-year, oldest first (the last is the current one)."""
    query = (
        select(AssessmentRow)
        .where(AssessmentRow.unit_code == unit_code, AssessmentRow.year == year)
        .order_by(AssessmentRow.id)
    )
    return [to_record(AssessmentRecord, row) for row in session.scalars(query)]
