"""The keys of the two forms (forms.md), their types, and turning input values into typed ones.

Used by ``bontot assess`` on JSON (a flat object of keys and values, or the object that
``bontot parse --json`` prints) and by the parsers' validation.  Unknown keys are kept aside, never
guessed into a field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bontot.errors import InputError
from bontot.models import ASSESSMENT_LABELS, UNIT_KIND_LABELS, UNIT_TYPE_LABELS, UnitKind

INT = "int"
YESNO = "yesno"  # Có / Không
PASS = "pass"  # Đạt / Không đạt
TEXT = "text"
DATE = "date"
CHOICE = "choice"

# Mẫu 02-TĐG keys → type (forms.md).  Choices carry their own tables below.
ASSESSMENT_TYPES: dict[str, str] = {
    "year": INT,
    "months_active": INT,
    "t1_work_program": YESNO,
    "t1_targets_assigned": INT,
    "t1_targets_met": INT,
    "t1_admission_target": INT,
    "t1_admitted": INT,
    "t1_backlog_cases": INT,
    "t1_other_tasks": YESNO,
    "t1_self": PASS,
    "t2_regular_meetings": INT,
    "t2_thematic_meetings": INT,
    "t2_quality_ok": YESNO,
    "t2_self": PASS,
    "t3_working_rules": YESNO,
    "t3_violations": INT,
    "t3_external_detection": YESNO,
    "t3_self": PASS,
    "t4_movement": YESNO,
    "members_total": INT,
    "members_evaluated": INT,
    "rated_excellent": INT,
    "rated_good": INT,
    "rated_complete": INT,
    "rated_incomplete": INT,
    "t4_self": PASS,
    "sub_cells_total": INT,
    "sub_cells_four_good": INT,
    "self_title": PASS,
    "proposed_rating": CHOICE,
}

COMMON_TYPES: dict[str, str] = {
    "form_code": CHOICE,
    "unit_code": TEXT,
    "unit_name": TEXT,
    "unit_kind": CHOICE,
    "parent_name": TEXT,
    "secretary_name": TEXT,
    "signed_on": DATE,
    "signed_place": TEXT,
}

# Mẫu 01-ĐK keys → type (forms.md); the commitments are free text kept as written.
REGISTRATION_TYPES: dict[str, str] = {
    "unit_type": CHOICE,
    "members_total": INT,
    "sub_cells_total": INT,
    "title_registered": CHOICE,
    "admission_target": INT,
    "commit_t1": TEXT,
    "commit_t2": TEXT,
    "commit_t3": TEXT,
    "commit_t4": TEXT,
}

CHOICES: dict[str, dict[str, str]] = {
    "form_code": {"Mẫu 01-ĐK": "01-DK", "Mẫu 02-TĐG": "02-TDG"},
    "unit_kind": {
        UNIT_KIND_LABELS[UnitKind.CHI_BO]: "chi_bo",
        UNIT_KIND_LABELS[UnitKind.CHI_BO_CO_SO]: "chi_bo_co_so",
        UNIT_KIND_LABELS[UnitKind.DANG_BO_CO_SO]: "dang_bo_co_so",
    },
    "proposed_rating": {
        "Hoàn thành xuất sắc nhiệm vụ": "hoan_thanh_xuat_sac",
        "Hoàn thành tốt nhiệm vụ": "hoan_thanh_tot",
        "Hoàn thành nhiệm vụ": "hoan_thanh",
        "Không hoàn thành nhiệm vụ": "khong_hoan_thanh",
    },
    "unit_type": {label: t.value for t, label in UNIT_TYPE_LABELS.items()},
    "title_registered": {
        "Chi bộ bốn tốt": "chi_bo_bon_tot",
        "Đảng bộ cơ sở bốn tốt": "dang_bo_co_so_bon_tot",
    },
}

_TRUE_WORDS = {"co", "dat", "true", "x", "yes", "1"}
_FALSE_WORDS = {"khong", "khong dat", "false", "no", "0"}


def _fold(text: str) -> str:
    from bontot.text import fold  # local: the text helpers are a leaf module

    return fold(text)


def coerce(key: str, kind: str, value: Any) -> Any:
    """One input value → its typed value; InputError (Vietnamese) when it cannot be."""
    label = ASSESSMENT_LABELS.get(key, key)
    if kind == INT:
        if isinstance(value, bool):
            raise InputError(f"\u201c{label}\u201d phải là số nguyên, không phải có/không.")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.strip().isdecimal():
            number = int(value.strip())
        else:
            raise InputError(f"\u201c{label}\u201d phải là số nguyên (đang là {value!r}).")
        if number < 0:
            raise InputError(f"\u201c{label}\u201d không được âm (đang là {number}).")
        return number
    if kind in (YESNO, PASS):
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = _fold(value)
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
        expected = "Có/Không" if kind == YESNO else "Đạt/Không đạt"
        raise InputError(f"\u201c{label}\u201d phải là {expected} (đang là {value!r}).")
    if kind == CHOICE:
        table = CHOICES[key]
        if isinstance(value, str):
            if value in table.values():
                return value
            for text, choice in table.items():
                if _fold(text) == _fold(value):
                    return choice
        raise InputError(f"\u201c{label}\u201d không hợp lệ (đang là {value!r}).")
    if kind == DATE:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(
                f"\u201c{label}\u201d phải là ngày YYYY-MM-DD (đang là {value!r})."
            ) from None
    if not isinstance(value, str):
        raise InputError(f"\u201c{label}\u201d phải là chữ (đang là {value!r}).")
    return value


def flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    """A flat {key: value} from either input shape of ``bontot assess``."""
    fields = data.get("fields")
    if isinstance(fields, Mapping):
        flat = {}
        for key, item in fields.items():
            flat[key] = item.get("value") if isinstance(item, Mapping) else item
        if "form_code" in data and "form_code" not in flat:
            flat["form_code"] = data["form_code"]
        return flat
    return dict(data)


def typed_assessment(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed Mẫu 02 values and the list of keys that are not form keys (ignored)."""
    flat = flatten(data)
    types = {**COMMON_TYPES, **ASSESSMENT_TYPES}
    typed: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in flat.items():
        if key not in types:
            unknown.append(key)
            continue
        if value is None or value == "":
            continue  # blank on the form: absent, never invented
        typed[key] = coerce(key, types[key], value)
    return typed, unknown
