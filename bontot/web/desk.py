"""The review desk: readings a person must look at, and that person's decisions about them.

A reading is on the desk while it is the latest of its chain (no reading supersedes it) and
either the machine made it and it needs review or has problems, or a person made it and it still
has errors.  It leaves the desk only by a person's decision, which is itself a new reading that
supersedes it (the machine's is kept):

- ``confirm``: the values as the person corrected them, validated again; without errors the
  registration or assessment is stored and the unit-year evaluated again;
- ``reject``: not a usable form (a blank page, another document), with a written reason.

Every decision is audited with who made it and, field by field, what changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bontot import store as st
from bontot.errors import InputError
from bontot.formdata import (
    ASSESSMENT_TYPES,
    CHOICE,
    CHOICES,
    COMMON_TYPES,
    DATE,
    INT,
    PASS,
    REGISTRATION_TYPES,
    YESNO,
)
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.store import ReadingRecord, SourceFileRecord
from bontot.text import fold, nfc
from bontot.validation import ASSESSMENT, REGISTRATION, ValidationContext, label_of, validate
from bontot.web.busy import when_free
from parsers.base import FieldValue, ParsedForm, Problem

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FORM_TITLES = {REGISTRATION: "Mẫu 01-ĐK", ASSESSMENT: "Mẫu 02-TĐG"}
CONFIRM_PARSER = "web/xac-nhan"
REJECT_PARSER = "web/loai-bo"
_HEAD = ("unit_code", "unit_name", "unit_kind", "parent_name")
_TAIL = ("signed_place", "signed_on", "secretary_name")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


class FieldErrors(InputError):
    """Values typed on the desk that cannot be used; ``errors`` maps each key to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Có giá trị không hợp lệ: " + "; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str  # formdata's INT, YESNO, PASS, TEXT, DATE, CHOICE
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for CHOICE


def form_fields(form_code: str) -> list[FieldSpec]:
    """The fields of a form in the order the desk shows them (forms.md)."""
    own = ASSESSMENT_TYPES if form_code == ASSESSMENT else REGISTRATION_TYPES
    types = {**COMMON_TYPES, **own}
    order = [*_HEAD, *own, *_TAIL]
    specs = []
    for key in order:
        kind = types[key]
        choices = tuple((v, k) for k, v in CHOICES[key].items()) if kind == CHOICE else ()
        specs.append(FieldSpec(key, kind, label_of(form_code, key), choices))
    return specs


# --- which readings are on the desk -----------------------------------------------------------


def is_open(r: ReadingRecord) -> bool:
    if r.actor == st.MACHINE:
        return r.needs_review or bool(r.problems)
    return r.needs_review


def current_ids(readings: list[ReadingRecord]) -> set[int]:
    """Readings no other reading supersedes."""
    superseded = {r.supersedes_id for r in readings if r.supersedes_id is not None}
    return {r.id for r in readings if r.id not in superseded}


def open_readings(readings: list[ReadingRecord]) -> list[ReadingRecord]:
    """The desk, newest first."""
    current = current_ids(readings)
    return sorted(
        (r for r in readings if r.id in current and is_open(r)), key=lambda r: r.id, reverse=True
    )


def chain(readings: Mapping[int, ReadingRecord], reading_id: int) -> list[ReadingRecord]:
    """The reading and those it superseded, newest first."""
    out, seen = [], set()
    current: int | None = reading_id
    while current is not None and current in readings and current not in seen:
        seen.add(current)
        out.append(readings[current])
        current = readings[current].supersedes_id
    return out


def problems_of(r: ReadingRecord) -> list[Problem]:
    out = []
    for p in r.problems:
        if isinstance(p, Mapping):
            level = "error" if p.get("level") == "error" else "warning"
            out.append(Problem(p.get("field"), level, str(p.get("message", ""))))
    return out


# --- shown and typed values -------------------------------------------------------------------


def shown_value(spec: FieldSpec, value: Any) -> str:
    """A stored value as the input box shows it."""
    if value is None:
        return ""
    if spec.kind in (YESNO, PASS) and isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int(text: str) -> int | None:
    digits = text.replace(".", "").replace(" ", "").replace("\u00a0", "")
    return int(digits) if digits.isdecimal() else None


def parse_value(spec: FieldSpec, text: str) -> Any:
    """What a person typed → the typed value (None: left blank); ValueError with the reason."""
    text = nfc(text).strip()
    if not text:
        return None
    if spec.kind == INT:
        number = _int(text)
        if number is None:
            raise ValueError("phải là số nguyên không âm (ví dụ 12)")
        return number
    if spec.kind in (YESNO, PASS):
        if text in ("true", "false"):
            return text == "true"
        word = fold(text)
        if word in ("co", "dat"):
            return True
        if word in ("khong", "khong dat"):
            return False
        raise ValueError("chọn Có hoặc Không" if spec.kind == YESNO else "chọn Đạt hoặc Không đạt")
    if spec.kind == CHOICE:
        for value, label in spec.choices:
            if text == value or fold(text) == fold(label):
                return value
        raise ValueError("chọn một giá trị trong danh sách")
    if spec.kind == DATE:
        found = _DMY.fullmatch(text)
        iso = f"{found[3]}-{int(found[2]):02d}-{int(found[1]):02d}" if found else text
        try:
            return dt.date.fromisoformat(iso)
        except ValueError:
            raise ValueError("phải là ngày dạng ngày/tháng/năm, ví dụ 15/12/2024") from None
    return text


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def typed_values(form_code: str, posted: Mapping[str, str]) -> dict[str, Any]:
    """Every field of the form from ``posted`` (key → text); FieldErrors lists what is wrong."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in form_fields(form_code):
        try:
            value = parse_value(spec, posted.get(spec.key, ""))
        except ValueError as exc:
            errors[spec.key] = f"\u201c{spec.label}\u201d {exc}."
            continue
        if value is not None:
            values[spec.key] = value
    if errors:
        raise FieldErrors(errors)
    return values


# --- decisions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    reading_id: int  # the new reading
    stored: str | None  # "assessment" | "registration" | None (still has errors / rejected)
    problems: tuple[Problem, ...]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    unit_code: str | None = None
    year: int | None = None


def received_on(source: SourceFileRecord | None) -> dt.date:
    when = source.received_at if source else dt.datetime.now(dt.UTC)
    return when.astimezone(LOCAL_TZ).date()


def _previous(session: Any, own: set[int]) -> dict[tuple[str, str, int | None], dt.date]:
    """Forms already stored, minus those stored from this reading's own chain."""
    out: dict[tuple[str, str, int | None], dt.date] = {}
    for (code, year), rec in st.current_assessments(session).items():
        if rec.reading_id not in own:
            out[(code, ASSESSMENT, year)] = rec.received_on
    for code, reg in st.current_registrations(session).items():
        if reg.reading_id not in own:
            out[(code, REGISTRATION, None)] = reg.registered_on
    return out


def _load_current(session: Any, reading_id: int) -> tuple[ReadingRecord, dict[int, ReadingRecord]]:
    readings = {r.id: r for r in st.list_readings(session)}
    old = readings.get(reading_id)
    if old is None:
        raise InputError(f"Không có bản đọc số {reading_id}.")
    if reading_id not in current_ids(list(readings.values())):
        raise InputError("Phiếu này đã có người xử lý trước; hãy mở lại danh sách kiểm tra.")
    return old, readings


def _refuse_if_decided(session: Any, old: ReadingRecord, new_id: int) -> None:
    """Inside the writing transaction (which holds the lock): another person's decision on the
    same reading since it was read rolls this one back."""
    same_file = (
        st.list_readings(session, source_file_id=old.source_file_id)
        if (old.source_file_id)
        else st.list_readings(session)
    )
    if any(r.supersedes_id == old.id and r.id != new_id for r in same_file):
        raise InputError("Phiếu này đã có người xử lý trước; hãy mở lại danh sách kiểm tra.")


def confirm(
    *,
    store: st.Store,
    plan: Plan,
    tree: RosterTree | None,
    reading_id: int,
    form_code: str,
    posted: Mapping[str, str],
    actor: str,
    allowed_unit: Callable[[str | None], bool],
    note: str = "",
) -> Decision:
    """Store the person's values as a new reading; store the form itself when it holds up."""
    if form_code not in FORM_TITLES:
        raise InputError("Hãy chọn mẫu phiếu (Mẫu 01-ĐK hoặc Mẫu 02-TĐG).")
    values = {"form_code": form_code, **typed_values(form_code, posted)}
    unit_code = values.get("unit_code")
    if not allowed_unit(unit_code):
        raise FieldErrors(
            {
                "unit_code": f"Mã đơn vị {unit_code!r} không thuộc phạm vi tài khoản "
                "này; hãy kiểm tra lại mã trên phiếu."
            }
        )
    with store.session() as s:  # the reads; the writes below start a transaction of their own
        old, readings = _load_current(s, reading_id)
        own = {r.id for r in chain(readings, reading_id)}
        source = st.accounts.get_source_file(s, old.source_file_id) if old.source_file_id else None
        previous = _previous(s, own)
    fields, changes = _new_fields(old, values)
    form = ParsedForm(form_code, old.source, fields, (), False, parser=CONFIRM_PARSER)
    ctx = ValidationContext(
        plan=plan, tree=tree, received_on=received_on(source), previous=previous
    )
    checked = validate(form, ctx)

    def write() -> tuple[int, str | None]:
        with store.session() as s:
            new_id = st.add_reading(
                s,
                form_code=form_code,
                unit_code=unit_code,
                year=values.get("year"),
                source=old.source,
                parser=CONFIRM_PARSER,
                fields={k: v.to_json() for k, v in checked.fields.items()},
                problems=[p.to_json() for p in checked.problems],
                needs_review=checked.needs_review,
                actor=actor,
                source_file_id=old.source_file_id,
                supersedes_id=old.id,
            )
            _refuse_if_decided(s, old, new_id)
            st.audit(
                s,
                actor,
                "review.confirm",
                unit_code or form_code,
                {
                    "reading_id": new_id,
                    "supersedes_id": old.id,
                    "note": note.strip() or None,
                    "changes": {k: [_plain(a), _plain(b)] for k, (a, b) in changes.items()},
                },
            )
            stored = None
            if not checked.needs_review:
                stored = _store(s, form_code, values, received_on(source), new_id, actor)
        return new_id, stored

    new_id, stored = when_free(write)
    return Decision(new_id, stored, checked.problems, changes, unit_code, values.get("year"))


def _new_fields(
    old: ReadingRecord, values: dict[str, Any]
) -> tuple[dict[str, FieldValue], dict[str, tuple[Any, Any]]]:
    """The new reading's fields, and what changed.  A value the person left as the machine read
    it keeps the machine's confidence and text; a changed one is the person's, fully trusted."""
    fields: dict[str, FieldValue] = {}
    changes: dict[str, tuple[Any, Any]] = {}
    before_of = {k: v for k, v in old.fields.items() if isinstance(v, Mapping)}
    for key, before in before_of.items():  # not a key of any form: kept as it was read
        if key not in _ALL_KEYS:
            fields[key] = FieldValue(
                before.get("value"),
                float(before.get("confidence", 0.0)),
                str(before.get("raw", "")),
            )
    for key in sorted(set(values) | (set(before_of) & _ALL_KEYS)):
        before = before_of.get(key)
        before_value = before.get("value") if before else None
        after = values.get(key)
        if after is None:
            if before_value is not None:
                changes[key] = (before_value, None)
        elif before is not None and _plain(after) == before_value:
            fields[key] = FieldValue(
                after, float(before.get("confidence", 1.0)), str(before.get("raw", ""))
            )
        else:
            changes[key] = (before_value, after)
            fields[key] = FieldValue(after, 1.0, str(_plain(after)))
    return fields, changes


_ALL_KEYS = set(COMMON_TYPES) | set(ASSESSMENT_TYPES) | set(REGISTRATION_TYPES)


def _store(
    session: Any,
    form_code: str,
    values: dict[str, Any],
    received: dt.date,
    reading_id: int,
    actor: str,
) -> str | None:
    if form_code == ASSESSMENT and values.get("unit_code") and values.get("year"):
        st.add_assessment(
            session,
            unit_code=values["unit_code"],
            year=values["year"],
            fields=values,
            received_on=received,
            reading_id=reading_id,
            actor=actor,
        )
        return "assessment"
    if form_code == REGISTRATION and values.get("unit_code") and values.get("title_registered"):
        st.add_registration(
            session,
            unit_code=values["unit_code"],
            registered_on=received,
            title_registered=values["title_registered"],
            admission_target=values.get("admission_target"),
            members_total=values.get("members_total"),
            reading_id=reading_id,
            actor=actor,
        )
        return "registration"
    return None


def reject(*, store: st.Store, reading_id: int, reason: str, actor: str) -> Decision:
    """Take a reading off the desk as not usable, with the person's written reason."""
    reason = " ".join(nfc(reason).split())
    if not reason:
        raise InputError("Hãy ghi lý do loại bỏ phiếu.")
    with store.session() as s:
        old, _ = _load_current(s, reading_id)
    problems = [*old.problems, Problem(None, "warning", f"Đã loại bỏ: {reason}").to_json()]

    def write() -> int:
        with store.session() as s:
            new_id = st.add_reading(
                s,
                form_code=old.form_code,
                unit_code=old.unit_code,
                year=old.year,
                source=old.source,
                parser=REJECT_PARSER,
                fields=old.fields,
                problems=problems,
                needs_review=False,
                actor=actor,
                source_file_id=old.source_file_id,
                supersedes_id=old.id,
            )
            _refuse_if_decided(s, old, new_id)
            st.audit(
                s,
                actor,
                "review.reject",
                old.unit_code or old.form_code,
                {"reading_id": new_id, "supersedes_id": old.id, "reason": reason},
            )
        return new_id

    new_id = when_free(write)
    return Decision(new_id, None, (), {}, old.unit_code, old.year)
