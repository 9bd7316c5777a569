"""Derived results and the committee's decisions about them: evaluations, overrides, documents.

An evaluation is recomputed, never edited; a committee that disagrees writes an override row with
its reason, and the rules read the overrides when they evaluate again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bontot.errors import InputError
from bontot.models import CRITERIA
from bontot.store._common import jsonable, latest_ids, require_text, utcnow
from bontot.store.audit import audit
from bontot.store.records import DocumentRecord, EvaluationRecord, OverrideRecord, to_record
from bontot.store.schema import DocumentRow, EvaluationRow, OverrideRow
from bontot.store.submissions import require_unit


def add_override(
    session: Session,
    *,
    unit_code: str,
    year: int,
    criterion: str,
    met: bool,
    reason: str,
    actor: str,
) -> int:
    """Record the committee's decision on one criterion; refused without a written reason."""
    if criterion not in CRITERIA:
        raise InputError(
            f"Tiêu chí {criterion!r} không hợp lệ: chỉ dùng {', '.join(CRITERIA)}."
        )
    require_text(reason, "lý do điều chỉnh tiêu chí (bắt buộc ghi rõ)")
    require_unit(session, unit_code)
    row = OverrideRow(
        unit_code=unit_code, year=year, criterion=criterion, met=bool(met),
        reason=reason.strip(), actor=require_text(actor, "người thực hiện"), created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit(session, actor, "override.add", unit_code,
          {"override_id": row.id, "year": year, "criterion": criterion, "met": row.met,
           "reason": row.reason})
    return row.id


def current_overrides(session: Session, year: int) -> dict[tuple[str, str], OverrideRecord]:
    """The latest override per (unit, criterion) for one year."""
    ids = latest_ids(OverrideRow.id, OverrideRow.unit_code, OverrideRow.criterion)
    ids = ids.where(OverrideRow.year == year)
    query = select(OverrideRow).where(OverrideRow.id.in_(ids.scalar_subquery()))
    return {
        (row.unit_code, row.criterion): to_record(OverrideRecord, row)
        for row in session.scalars(query.order_by(OverrideRow.unit_code, OverrideRow.criterion))
    }


def _latest_evaluation(
    session: Session, unit_code: str, year: int, plan_id: str
) -> EvaluationRow | None:
    query = (
        select(EvaluationRow)
        .where(EvaluationRow.unit_code == unit_code, EvaluationRow.year == year,
               EvaluationRow.plan_id == plan_id)
        .order_by(EvaluationRow.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def save_evaluation(
    session: Session,
    *,
    unit_code: str,
    year: int,
    plan_id: str,
    four_good: bool,
    rating: str,
    result: dict[str, Any],
    inputs_sha256: str,
) -> bool:
    """Append a result unless it repeats the current one; True when a row was written.

    Re-running an evaluation on unchanged inputs must not grow the history or touch timestamps.
    """
    stored = jsonable(result)
    rating = str(getattr(rating, "value", rating))
    latest = _latest_evaluation(session, unit_code, year, plan_id)
    if (
        latest is not None
        and latest.inputs_sha256 == inputs_sha256
        and latest.four_good == bool(four_good)
        and latest.rating == rating
        and latest.result == stored
    ):
        return False
    require_unit(session, unit_code)
    session.add(EvaluationRow(
        unit_code=unit_code, year=year, plan_id=plan_id, four_good=bool(four_good),
        rating=rating, result=stored, inputs_sha256=inputs_sha256, computed_at=utcnow(),
    ))
    session.flush()
    return True


def current_evaluations(
    session: Session, year: int | None = None, plan_id: str | None = None
) -> dict[tuple[str, int, str], EvaluationRecord]:
    """The latest evaluation per (unit, year, plan), optionally for one year and/or plan."""
    ids = latest_ids(
        EvaluationRow.id, EvaluationRow.unit_code, EvaluationRow.year, EvaluationRow.plan_id
    )
    if year is not None:
        ids = ids.where(EvaluationRow.year == year)
    if plan_id is not None:
        ids = ids.where(EvaluationRow.plan_id == plan_id)
    query = select(EvaluationRow).where(EvaluationRow.id.in_(ids.scalar_subquery()))
    query = query.order_by(EvaluationRow.year, EvaluationRow.plan_id, EvaluationRow.unit_code)
    return {
        (row.unit_code, row.year, row.plan_id): to_record(EvaluationRecord, row)
        for row in session.scalars(query)
    }


def record_document(
    session: Session,
    *,
    kind: str,
    scope: str,
    committee_code: str | None,
    path: str,
    sha256: str,
    inputs_sha256: str,
) -> int:
    """Note a generated document, so a later run can tell whether its inputs changed."""
    row = DocumentRow(
        kind=kind, scope=scope, committee_code=committee_code, path=str(path), sha256=sha256,
        inputs_sha256=inputs_sha256, created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row.id


def current_documents(
    session: Session, scope: str | None = None
) -> dict[tuple[str, str, str | None], DocumentRecord]:
    """The latest document per (kind, scope, committee)."""
    ids = latest_ids(
        DocumentRow.id, DocumentRow.kind, DocumentRow.scope, DocumentRow.committee_code
    )
    if scope is not None:
        ids = ids.where(DocumentRow.scope == scope)
    query = select(DocumentRow).where(DocumentRow.id.in_(ids.scalar_subquery()))
    return {
        (row.kind, row.scope, row.committee_code): to_record(DocumentRecord, row)
        for row in session.scalars(query.order_by(DocumentRow.id))
    }
