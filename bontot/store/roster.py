"""The roster in the database: the current units and every import's changes to them.

A roster import never deletes: a unit missing from the new file is marked inactive with a
``removed`` version, so last year's results still name the unit they were about.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bontot.errors import InputError
from bontot.models import Unit, UnitKind, UnitType
from bontot.store._common import require_text, utcnow
from bontot.store.audit import audit
from bontot.store.schema import RosterImportRow, UnitRow, UnitVersionRow

# Unit attributes kept in the database (``row`` is where it sat in one Excel file, not data).
UNIT_FIELDS = tuple(f.name for f in dataclasses.fields(Unit) if f.name != "row")


def unit_snapshot(unit: Unit) -> dict[str, Any]:
    """The unit as plain JSON values (enums as their values)."""
    data = {name: getattr(unit, name) for name in UNIT_FIELDS}
    data["kind"] = UnitKind(data["kind"]).value
    if data["unit_type"] is not None:
        data["unit_type"] = UnitType(data["unit_type"]).value
    return data


def _row_snapshot(row: UnitRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in UNIT_FIELDS}


def _to_unit(row: UnitRow) -> Unit:
    data = _row_snapshot(row)
    data["kind"] = UnitKind(data["kind"])
    data["unit_type"] = UnitType(data["unit_type"]) if data["unit_type"] else None
    return Unit(**data)


def apply_roster(
    session: Session,
    units: list[Unit],
    *,
    source_name: str,
    file_sha256: str,
    actor: str,
) -> dict[str, int]:
    """Make ``units`` the current roster, keeping every earlier state as a version.

    Runs inside the caller's transaction: either the whole roster lands or none of it. Returns
    ``{added, changed, removed, unchanged}``; re-importing the same roster changes no unit but is
    still recorded as an import (and in the audit log).
    """
    require_text(actor, "người thực hiện")
    listed = Counter(u.code for u in units)
    duplicates = sorted(code for code, n in listed.items() if n > 1)
    if duplicates:
        raise InputError(f"Mã đơn vị bị trùng trong danh sách: {', '.join(duplicates)}")
    imp = RosterImportRow(
        imported_at=utcnow(), source_name=source_name, file_sha256=file_sha256,
        actor=actor, summary={},
    )
    session.add(imp)
    session.flush()
    existing = {row.code: row for row in session.scalars(select(UnitRow))}
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    touched: list[tuple[UnitRow, str]] = []

    for position, unit in enumerate(units):
        data = unit_snapshot(unit)
        row = existing.get(unit.code)
        if row is None:
            row = UnitRow(**data, position=position, active=True)
            session.add(row)
            touched.append((row, "added"))
            continue
        row.position = position
        if row.active and _row_snapshot(row) == data:
            counts["unchanged"] += 1
            continue
        for name, value in data.items():
            setattr(row, name, value)
        touched.append((row, "changed" if row.active else "added"))  # back again: re-added
        row.active = True

    gone = [row for code, row in existing.items() if code not in listed and row.active]
    for offset, row in enumerate(sorted(gone, key=lambda r: r.position)):
        row.active = False
        row.position = len(units) + offset
        touched.append((row, "removed"))

    for row, change in touched:
        row.updated_import_id = imp.id
        counts[change] += 1
    session.flush()  # unit rows first: the versions refer to them
    session.add_all(
        UnitVersionRow(unit_code=row.code, import_id=imp.id, change=change,
                       data=_row_snapshot(row))
        for row, change in touched
    )
    imp.summary = dict(counts)
    session.flush()
    audit(session, actor, "roster.import", source_name,
          {**counts, "import_id": imp.id, "file_sha256": file_sha256})
    return counts


def load_units(session: Session, *, include_inactive: bool = False) -> list[Unit]:
    """The roster's units in roster order (inactive ones after the active, if asked for)."""
    query = select(UnitRow).order_by(UnitRow.position, UnitRow.code)
    if not include_inactive:
        query = query.where(UnitRow.active.is_(True))
    return [_to_unit(row) for row in session.scalars(query)]


def unit_history(session: Session, code: str) -> list[dict[str, Any]]:
    """Every version of one unit, oldest first, with the import that made it.

    An unknown code has no history: the result is an empty list.
    """
    query = (
        select(UnitVersionRow, RosterImportRow)
        .join(RosterImportRow, UnitVersionRow.import_id == RosterImportRow.id)
        .where(UnitVersionRow.unit_code == code)
        .order_by(UnitVersionRow.id)
    )
    return [
        {
            "import_id": imp.id,
            "imported_at": imp.imported_at,
            "source_name": imp.source_name,
            "actor": imp.actor,
            "change": version.change,
            "data": dict(version.data),
        }
        for version, imp in session.execute(query)
    ]
