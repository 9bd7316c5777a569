"""The store: everything the clerk gave us and everything derived from it, in one database.

SQLite by default, PostgreSQL by URL; the schema comes only from the Alembic migrations, which
``open_store`` applies. Functions take a ``Session`` from ``Store.session()`` (one transaction)
and return frozen records, never ORM rows. Input rows are appended, never edited: the latest row
of a group is the current one, and the older ones are its history.
"""

from __future__ import annotations

from bontot.store import accounts
from bontot.store.audit import audit, audit_entries
from bontot.store.db import Store, open_store, redact, sqlite_url
from bontot.store.records import (
    AssessmentRecord,
    AuditEntry,
    DocumentRecord,
    EvaluationRecord,
    OverrideRecord,
    ReadingRecord,
    RegistrationRecord,
    SourceFileRecord,
)
from bontot.store.results import (
    add_override,
    current_documents,
    current_evaluations,
    current_overrides,
    record_document,
    save_evaluation,
)
from bontot.store.roster import apply_roster, load_units, unit_history
from bontot.store.submissions import (
    MACHINE,
    add_assessment,
    add_reading,
    add_registration,
    add_source_file,
    assessment_history,
    current_assessments,
    current_registrations,
    find_source_file,
    get_reading,
    last_received,
    list_readings,
)

__all__ = [
    "MACHINE",
    "AssessmentRecord",
    "AuditEntry",
    "DocumentRecord",
    "EvaluationRecord",
    "OverrideRecord",
    "ReadingRecord",
    "RegistrationRecord",
    "SourceFileRecord",
    "Store",
    "accounts",
    "add_assessment",
    "add_override",
    "add_reading",
    "add_registration",
    "add_source_file",
    "apply_roster",
    "assessment_history",
    "audit",
    "audit_entries",
    "current_assessments",
    "current_documents",
    "current_evaluations",
    "current_overrides",
    "current_registrations",
    "last_received",
    "find_source_file",
    "get_reading",
    "list_readings",
    "load_units",
    "open_store",
    "record_document",
    "redact",
    "save_evaluation",
    "sqlite_url",
    "unit_history",
]
