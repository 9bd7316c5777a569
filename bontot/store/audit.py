"""The audit log: who changed what and when, in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bontot.store._common import jsonable, require_text, utcnow
from bontot.store.records import AuditEntry, to_record
from bontot.store.schema import AuditRow


def audit(
    session: Session,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry; returns its id. ``action`` is a dotted code, e.g. ``override.add``."""
    row = AuditRow(
        at=utcnow(),
        actor=require_text(actor, "người thực hiện"),
        action=action,
        subject=subject,
        detail=None if detail is None else jsonable(detail),
    )
    session.add(row)
    session.flush()
    return row.id


def audit_entries(
    session: Session,
    limit: int = 100,
    *,
    action: str | None = None,
    subject: str | None = None,
) -> list[AuditEntry]:
    """The latest entries first, optionally only one action or one subject."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if action is not None:
        query = query.where(AuditRow.action == action)
    if subject is not None:
        query = query.where(AuditRow.subject == subject)
    return [to_record(AuditEntry, row) for row in session.scalars(query)]
