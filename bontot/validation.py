"""Check a form as read against the plan and the roster, before the rules decide anything.

A reader says what is written on a returned form; this stage says whether it can be used.
``validate(form, ctx)`` returns a new :class:`~parsers.base.ParsedForm` with the problems found
added (Vietnamese, naming the printed label, saying what to do) and ``needs_review`` recomputed.
Levels: ``error`` means the figures cannot be used as they are (a person must look); ``warning``
means accepted, but noted for the clerk (late, name spelt differently, a duplicate ...).

Each check is a small function of one :class:`_Facts` (the form, the context, the values of the
right type, the roster's unit) run in order from ``CHECKS``; a value of the wrong type is
reported once, by the type stage, and then left out so no later check trips on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

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
from bontot.models import ASSESSMENT_LABELS, UNIT_KIND_LABELS, Unit, UnitKind
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.rules import days_late
from bontot.text import fold, nfc
from bontot.vnformat import date_table, number
from parsers.base import FieldValue, ParsedForm, Problem
from parsers.fields import reassessed

REGISTRATION = "01-DK"
ASSESSMENT = "02-TDG"
FORM_NAMES = {REGISTRATION: "Mẫu 01-ĐK", ASSESSMENT: "Mẫu 02-TĐG"}
QR_PREFIX = "BT1"

FormKey = tuple[str, str, int | None]  # (unit_code, form_code, year); year None for Mẫu 01

COMMON_LABELS: dict[str, str] = {
    "form_code": "Mẫu phiếu",
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên tổ chức đảng",
    "unit_kind": "Loại tổ chức",
    "parent_name": "Trực thuộc",
    "secretary_name": "Bí thư",
    "signed_on": "Ngày ký",
    "signed_place": "Địa danh",
}
# Mẫu 01-ĐK (forms.md); "sub_cells_total" prints differently from Mẫu 02's.
REGISTRATION_LABELS: dict[str, str] = {
    "unit_type": "Loại hình",
    "members_total": "Tổng số đảng viên",
    "sub_cells_total": "Số chi bộ trực thuộc",
    "title_registered": "Đăng ký danh hiệu",
    "admission_target": "Chỉ tiêu kết nạp đảng viên",
    "commit_t1": "1. Hoàn thành tốt nhiệm vụ chính trị",
    "commit_t2": "2. Chất lượng sinh hoạt tốt",
    "commit_t3": "3. Đoàn kết, kỷ luật tốt",
    "commit_t4": "4. Cán bộ, đảng viên tốt",
}
_TITLE_OF_FAMILY = {"chi_bo": "chi_bo_bon_tot", "dang_bo_co_so": "dang_bo_co_so_bon_tot"}
_SUB_CELL_KEYS = {
    REGISTRATION: ("sub_cells_total",),
    ASSESSMENT: ("sub_cells_total", "sub_cells_four_good"),
}
_RATED = ("rated_excellent", "rated_good", "rated_complete", "rated_incomplete")
_CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,32}")
_SHOWN_DIGITS = 15  # a bigger number is not shown digit by digit: it is garbage anyway


# --- the context ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousForm:
    """A form of the same unit-year already stored: the duplicate warning dates it."""

    received_on: dt.date | None = None
    reading_id: int | None = None

    @classmethod
    def of(cls, value: PreviousForm | dt.date | str | None) -> PreviousForm:
        """Accept the record itself, a date, or an ISO date string (what a store query gives)."""
        if isinstance(value, PreviousForm):
            return value
        if isinstance(value, dt.datetime):
            return cls(value.date())
        if isinstance(value, dt.date) or value is None:
            return cls(value)
        if isinstance(value, str):
            try:
                return cls(dt.date.fromisoformat(value.strip()[:10]))
            except ValueError:
                pass
        raise InputError(f"Ngày nộp phiếu trước không hợp lệ: {value!r}.")


@dataclass(frozen=True)
class ValidationContext:
    """What a form is checked against, built once per batch by the caller.

    ``previous`` maps :func:`form_key` of the forms already stored to when they came in (a
    :class:`PreviousForm`, a date or an ISO string); the caller leaves out the form's own
    reading.  ``qr`` overrides the payload the reader found; ``expected_year`` is the year the
    clerk is entering forms for, when there is one.  The two numbers are heuristics of this
    check, not rules of the plan.
    """

    plan: Plan
    tree: RosterTree | None = None
    received_on: dt.date | None = None
    previous: Mapping[FormKey, Any] = field(default_factory=dict)
    expected_year: int | None = None
    qr: str | None = None
    members_tolerance_percent: int = 20  # roster vs form "Tổng số đảng viên"
    max_count: int = 10_000  # no count on these forms comes near it

    def __post_init__(self) -> None:
        if not isinstance(self.plan, Plan):
            raise InputError("Thiếu kế hoạch (plan) để kiểm tra phiếu.")
        if self.tree is not None and not isinstance(self.tree, RosterTree):
            raise InputError("Danh sách tổ chức đảng (tree) không hợp lệ.")
        received = self.received_on
        if isinstance(received, dt.datetime):
            received = received.date()  # a datetime does not compare with a date
        if received is not None and not isinstance(received, dt.date):
            raise InputError(f"Ngày nhận phiếu không hợp lệ: {received!r}.")
        if not isinstance(self.previous, Mapping):
            raise InputError("Danh sách phiếu đã nộp (previous) phải là một bảng tra.")
        for name in ("expected_year", "members_tolerance_percent", "max_count"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InputError(f"{name} phải là số nguyên, nhận được {value!r}.")
        previous = {k: PreviousForm.of(v) for k, v in self.previous.items()}
        object.__setattr__(self, "received_on", received)
        object.__setattr__(self, "previous", MappingProxyType(previous))


def form_key(form: ParsedForm) -> FormKey | None:
    """The (unit_code, form_code, year) a stored form is found by; None when it cannot be told.

    Mẫu 01 is sent once for the whole period, so its year is None.
    """
    values = form.values()
    code, year = values.get("unit_code"), values.get("year")
    if form.form_code not in FORM_NAMES or not isinstance(code, str) or not code.strip():
        return None
    if form.form_code == REGISTRATION:
        return (code.strip(), REGISTRATION, None)
    if isinstance(year, bool) or not isinstance(year, int):
        return None
    return (code.strip(), ASSESSMENT, year)


# --- the pipeline -----------------------------------------------------------------------------


def validate(form: ParsedForm, ctx: ValidationContext) -> ParsedForm:
    """A new ParsedForm with the validation problems added; the input is left as it was."""
    if not isinstance(form, ParsedForm):
        raise InputError("Cần một phiếu đã đọc (ParsedForm) để kiểm tra.")
    if not isinstance(ctx, ValidationContext):
        raise InputError("Cần ngữ cảnh kiểm tra (ValidationContext).")
    _require_fields(form)
    if form.form_code is None and not form.fields and _has_error(form.problems):
        # An unreadable file already says so; "no form code, no unit code" would only add noise.
        return replace(form, fields=dict(form.fields), needs_review=True)
    code = form.form_code if form.form_code in FORM_NAMES else None
    values, problems = _typed_values(form, code, ctx.max_count)
    reported = "unit_code" in _problem_keys(problems)
    unit, unit_problems = _find_unit(values, ctx.tree, reported, _reader_said_code(form))
    form = _against_roster(form, unit, ctx.tree)
    facts = _Facts(form, ctx, code, MappingProxyType(values), unit)
    found = [*_check_form_code(form), *problems, *unit_problems]
    for check in CHECKS:
        found += check(facts)
    merged = _merge(form.problems, found)
    return replace(
        form,
        fields=dict(form.fields),
        problems=merged,
        needs_review=form.needs_review or _has_error(merged),
    )


def _require_fields(form: ParsedForm) -> None:
    """The reader's contract: a mapping of keys to FieldValues (else a typed error, not a crash)."""
    if not isinstance(form.fields, Mapping) or not all(
        isinstance(k, str) and isinstance(v, FieldValue) for k, v in form.fields.items()
    ):
        raise InputError("Phiếu đã đọc không đúng dạng: trường phải là khóa → FieldValue.")
    if not all(isinstance(p, Problem) for p in form.problems):
        raise InputError("Phiếu đã đọc không đúng dạng: problems phải là danh sách Problem.")


def _has_error(problems: Iterable[Problem]) -> bool:
    return any(p.level == "error" for p in problems)


def _merge(old: tuple[Problem, ...], new: Iterable[Problem]) -> tuple[Problem, ...]:
    """Old problems first, each new one once: validating twice gives the same form."""
    merged = list(old)
    for problem in new:
        if problem not in merged:
            merged.append(problem)
    return tuple(merged)


@dataclass(frozen=True)
class _Facts:
    """What every check reads: only values of the right type are in ``values``."""

    form: ParsedForm
    ctx: ValidationContext
    code: str | None  # REGISTRATION / ASSESSMENT when known
    values: Mapping[str, Any]
    unit: Unit | None  # the roster's unit, when the code was found in it

    @property
    def kind(self) -> UnitKind | None:
        """The roster's kind (the truth), else the printed one."""
        if self.unit is not None:
            return self.unit.kind
        printed = self.values.get("unit_kind")
        return UnitKind(printed) if printed else None

    @property
    def family(self) -> str | None:
        return self.kind.rule_family if self.kind is not None else None

    def q(self, key: str) -> str:
        return _q(label_of(self.code, key))

    def num(self, key: str) -> int | None:
        return self.values.get(key)


def label_of(form_code: str | None, key: str) -> str:
    """The label printed on the form for ``key`` (forms.md), so a clerk can find the line."""
    if form_code == REGISTRATION:
        table = {**COMMON_LABELS, **REGISTRATION_LABELS}
    else:
        table = {**COMMON_LABELS, **ASSESSMENT_LABELS}
    return table.get(key, key)


def _q(text: str) -> str:
    return f"\u201c{text}\u201d"


def _err(key: str | None, message: str) -> Problem:
    return Problem(key, "error", message)


def _warn(key: str | None, message: str) -> Problem:
    return Problem(key, "warning", message)


def _show_int(value: int) -> str:
    if abs(value) >= 10**_SHOWN_DIGITS:
        return "một số quá lớn"
    return number(value)


def _shown(value: Any, raw: Any) -> str:
    """What was read, for a message: the text as written, else a short form of the value."""
    if isinstance(raw, str) and raw.strip():
        text = raw
    elif isinstance(value, int) and not isinstance(value, bool):
        text = _show_int(value)
    else:
        text = str(value) if isinstance(value, str | float | bool) else type(value).__name__
    text = " ".join(text.split())
    return _q(text if len(text) <= 40 else text[:39] + "…")


# --- stage 1: form code, types, unit ----------------------------------------------------------


def _check_form_code(form: ParsedForm) -> Iterator[Problem]:
    """Without the form code nothing else of the form can be checked or used."""
    if form.form_code is None:
        yield _err(
            "form_code",
            "Không xác định được mẫu phiếu (Mẫu 01-ĐK hay Mẫu 02-TĐG): đề nghị xem góc trên "
            "bên phải của phiếu và nhập lại đúng mẫu.",
        )
    elif form.form_code not in FORM_NAMES:
        yield _err(
            "form_code",
            f"Mẫu phiếu {_q(str(form.form_code)[:40])} không phải Mẫu 01-ĐK hay Mẫu 02-TĐG: "
            "đề nghị đơn vị dùng đúng mẫu phiếu của phong trào.",
        )


def _types_of(code: str | None) -> dict[str, str]:
    if code == REGISTRATION:
        return {**COMMON_TYPES, **REGISTRATION_TYPES}
    if code == ASSESSMENT:
        return {**COMMON_TYPES, **ASSESSMENT_TYPES}
    return dict(COMMON_TYPES)  # unknown form: its own keys cannot be told


def _typed_values(
    form: ParsedForm, code: str | None, max_count: int
) -> tuple[dict[str, Any], list[Problem]]:
    """Values of the right type and range; every other one reported once and left out."""
    types = _types_of(code)
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, item in form.fields.items():
        kind, value = types.get(key), item.value
        if kind is None or value is None:
            continue  # not a key of this form / unreadable (the reader reports that)
        value = _normalised(kind, value)
        message = _type_problem(kind, key, value, max_count)
        if message is None:
            values[key] = value.strip() if key == "unit_code" else value
        else:
            label = _q(label_of(code, key))
            problems.append(_err(key, f"{label} {message.format(shown=_shown(value, item.raw))}"))
    return values, problems


def _normalised(kind: str, value: Any) -> Any:
    """A datetime compares with no date: keep its day; an ISO date string (JSON) is a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if kind == DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value  # reported as not a date
    return value


def _type_problem(kind: str, key: str, value: Any, max_count: int) -> str | None:
    """Why ``value`` is not a ``kind``, as the end of a sentence after the label; None if it is."""
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            return "phải là số nguyên (đọc được {shown}): đề nghị đối chiếu phiếu gốc."
        if value < 0:
            return f"không thể là số âm ({_show_int(value)}): đề nghị đối chiếu phiếu gốc."
        if value > max_count:
            return (
                f"quá lớn ({_show_int(value)}, trên {number(max_count)}): "
                "đề nghị đối chiếu phiếu gốc."
            )
        return None
    if kind in (YESNO, PASS):
        if isinstance(value, bool):
            return None
        words = "Có hoặc Không" if kind == YESNO else "Đạt hoặc Không đạt"
        return f"phải là {words} (đọc được {{shown}}): đề nghị đối chiếu phiếu gốc."
    if kind == DATE:
        if isinstance(value, dt.date):
            return None
        return "không phải một ngày (đọc được {shown}): đề nghị đối chiếu phiếu gốc."
    if kind == CHOICE:
        table = CHOICES[key]
        if isinstance(value, str) and value in table.values():
            return None
        allowed = ", ".join(table)
        return f"không hợp lệ (đọc được {{shown}}): phải là một trong: {allowed}."
    if isinstance(value, str):
        return None
    return "phải là chữ (đọc được {shown}): đề nghị đối chiếu phiếu gốc."


def _problem_keys(problems: Iterable[Problem]) -> set[str | None]:
    return {p.field for p in problems}


def _reader_said_code(form: ParsedForm) -> bool:
    """The reader already reported the unit code as an error (printed, but not a valid code)."""
    return any(p.field == "unit_code" and p.level == "error" for p in form.problems)


def _find_unit(
    values: Mapping[str, Any], tree: RosterTree | None, reported: bool, read_badly: bool = False
) -> tuple[Unit | None, list[Problem]]:
    """The roster's unit for the printed code; the code must be there and well formed.

    ``reported``: the code was read but is not text, and the type stage said so already;
    ``read_badly``: the reader said why it has no code, so "missing" would only contradict it.
    """
    code = values.get("unit_code")
    label = _q(COMMON_LABELS["unit_code"])
    if reported or (read_badly and not code):
        return None, []
    if not code:
        return None, [
            _err(
                "unit_code",
                f"Thiếu {label}: đề nghị ghi mã đơn vị theo danh sách tổ chức đảng "
                "(hoặc chọn đơn vị khi nhập phiếu).",
            )
        ]
    if not _CODE_RE.fullmatch(code):
        return None, [
            _err(
                "unit_code",
                f"{label} {_shown(code, code)} không đúng dạng (chỉ gồm chữ không dấu, số, "
                "dấu chấm, gạch dưới, gạch ngang; tối đa 32 ký tự): đề nghị kiểm tra lại.",
            )
        ]
    if tree is None:
        return None, []
    try:
        return tree.unit(code), []
    except InputError:
        near = next((u.code for u in tree.units if u.code.lower() == code.lower()), None)
        hint = f" (có phải {_q(near)}?)" if near else ""
        return None, [
            _err(
                "unit_code",
                f"Mã đơn vị {_q(code)} không có trong danh sách tổ chức đảng{hint}: đề nghị "
                "kiểm tra lại mã trên phiếu hoặc bổ sung đơn vị vào danh sách.",
            )
        ]


# --- the unit against the roster --------------------------------------------------------------

OCR_SOURCES = frozenset({"pdf-scan", "image"})


def _spelt(text: str) -> str:
    """A name letter for letter, tone marks included; case and spacing aside."""
    return " ".join(nfc(text).casefold().split())


def _against_roster(form: ParsedForm, unit: Unit | None, tree: RosterTree | None) -> ParsedForm:
    """On a scan, the names the roster also spells: the unit's, its superior's, and the place
    before the signing date (the commune or district a name ends with).

    Read letter for letter as the roster has it, a name is right (OCR does not slip into the
    very spelling of the unit the code names): it needs no person.  So is one whose only
    difference is Tesseract's "Chỉ bộ" for the "Chi bộ" every such name starts with (no unit is
    called "Chỉ bộ ..."): it takes the roster's spelling.  Read otherwise only in its tone marks
    ("Sơn Lầm" for "Sơn Lâm"), it is OCR's usual slip, sure as it may look: a person looks.  A
    name that differs more is the unit's own spelling, noted by check_unit_name.  The secretary's
    name, where the roster has one, is held to it the same way (a new secretary's name differs
    more, and stays with the OCR's own confidence).
    """
    if form.source not in OCR_SOURCES or unit is None or tree is None:
        return form
    ancestors = tree.ancestors(unit.code)
    spelt = {"unit_name": unit.name}
    if ancestors:
        spelt["parent_name"] = ancestors[0].name
    if unit.secretary:
        spelt["secretary_name"] = unit.secretary
    confirmed: list[str] = []
    doubted: dict[str, str] = {}
    mended: dict[str, str] = {}
    for key, name in spelt.items():
        read = form.fields.get(key)
        if read is None or not isinstance(read.value, str):
            continue
        if _spelt(read.value) == _spelt(name):
            confirmed.append(key)
        elif key != "secretary_name" and _mended(read.value) == _spelt(name):
            confirmed.append(key)
            mended[key] = name
        elif fold(read.value) == fold(name):
            doubted[key] = f"danh sách tổ chức đảng ghi {_q(name)}"
    place = form.fields.get("signed_place")
    if place is not None and isinstance(place.value, str) and place.value.strip():
        names = [unit.name, *(a.name for a in ancestors)]
        ends = [n for n in names if f" {fold(n)}".endswith(f" {fold(place.value)}")]
        if any(f" {_spelt(n)}".endswith(f" {_spelt(place.value)}") for n in ends):
            confirmed.append("signed_place")
        elif ends:
            doubted["signed_place"] = f"danh sách tổ chức đảng ghi {_q(ends[0])}"
    return reassessed(form, confirmed, doubted, mended)


def _mended(name: str) -> str:
    """A unit's name as read, with OCR's "Chỉ bộ" for the "Chi bộ" it starts with mended."""
    read = _spelt(name)
    return "chi bộ" + read[len("chỉ bộ"):] if read.startswith("chỉ bộ") else read


def check_unit_name(f: _Facts) -> Iterator[Problem]:
    """A name spelt differently is usual (accents, abbreviations): noted, the roster's is used."""
    printed = f.values.get("unit_name")
    if f.unit is None or printed is None or fold(printed) == fold(f.unit.name):
        return
    yield _warn(
        "unit_name",
        f"{f.q('unit_name')} trên phiếu là {_q(printed)}, danh sách tổ chức đảng ghi "
        f"{_q(f.unit.name)}: phần mềm dùng tên trong danh sách; đề nghị kiểm tra lại mã đơn vị "
        "nếu đây không phải cùng một tổ chức.",
    )


def check_unit_kind(f: _Facts) -> Iterator[Problem]:
    """The rules differ by kind: a chi bộ's form read as a đảng bộ's would be judged wrongly."""
    printed = f.values.get("unit_kind")
    unit = f.unit
    if unit is None or printed is None or not unit.kind.is_grassroots_candidate:
        return  # a unit that is no candidate at all is reported by check_candidate
    if printed != unit.kind.value:
        yield _err(
            "unit_kind",
            f"{f.q('unit_kind')} trên phiếu là {_q(UNIT_KIND_LABELS[UnitKind(printed)])}, danh "
            f"sách tổ chức đảng ghi {_q(unit.kind.label)}: đề nghị kiểm tra lại mã đơn vị "
            "hoặc sửa danh sách.",
        )


def check_candidate(f: _Facts) -> Iterator[Problem]:
    """Only chi bộ, chi bộ cơ sở and đảng bộ cơ sở register and assess themselves (rules.md)."""
    unit = f.unit
    if unit is None or unit.kind.is_grassroots_candidate:
        return
    yield _err(
        "unit_code",
        f"Mã đơn vị {_q(unit.code)} là {unit.kind.label.lower()} {_q(unit.name)}, không phải "
        "chi bộ, chi bộ cơ sở hay đảng bộ cơ sở nên không nộp phiếu này: đề nghị kiểm tra lại "
        "mã đơn vị trên phiếu.",
    )


def check_members_vs_roster(f: _Facts) -> Iterator[Problem]:
    """A large gap from the roster hints at a wrong unit code or an outdated roster."""
    total = f.num("members_total")
    known = f.unit.members if f.unit is not None else None
    if total is None or known is None:
        return
    if abs(total - known) * 100 > f.ctx.members_tolerance_percent * known:
        yield _warn(
            "members_total",
            f"{f.q('members_total')} trên phiếu ({number(total)}) khác nhiều so với danh sách "
            f"tổ chức đảng ({number(known)}): đề nghị kiểm tra lại phiếu hoặc cập nhật danh sách.",
        )


# --- ranges and the year ----------------------------------------------------------------------


def check_months_active(f: _Facts) -> Iterator[Problem]:
    """T2 counts meetings per active month: 0 or 13 months cannot be right."""
    months = f.num("months_active") if f.code == ASSESSMENT else None
    if months is not None and not 1 <= months <= 12:
        yield _err(
            "months_active",
            f"{f.q('months_active')} là {months}, phải từ 1 đến 12: đề nghị đơn vị kiểm tra "
            "lại (để trống nếu hoạt động cả năm).",
        )


def check_year(f: _Facts) -> Iterator[Problem]:
    """Mẫu 02 is one unit-year: without its year, or out of the plan, it belongs nowhere."""
    if f.code != ASSESSMENT:
        return
    year, period = f.num("year"), f.ctx.plan.period
    if year is None:
        if "year" not in f.form.fields or f.form.fields["year"].value is None:
            yield _err(
                "year",
                f"Thiếu hoặc không đọc được {f.q('year')}: đề nghị ghi năm đánh giá trên phiếu "
                "(hoặc chọn năm khi nhập phiếu).",
            )
        return
    if year not in period.years:
        yield _err(
            "year",
            f"{f.q('year')} là {year}, nằm ngoài giai đoạn {period.first_year}–{period.last_year}"
            " của kế hoạch: đề nghị đơn vị kiểm tra lại năm ghi trên phiếu.",
        )
    expected = f.ctx.expected_year
    if expected is not None and year != expected:
        yield _err(
            "year",
            f"Phiếu năm {year} không đúng năm đang xét {expected}: đề nghị kiểm tra "
            f"{f.q('year')} hoặc chọn đúng năm khi nhập phiếu.",
        )


# --- Mẫu 02: figures that must add up ---------------------------------------------------------


def _not_above(f: _Facts, small: str, big: str) -> Iterator[Problem]:
    a, b = f.num(small), f.num(big)
    if a is not None and b is not None and a > b:
        yield _err(
            small,
            f"{f.q(small)} ({number(a)}) lớn hơn {f.q(big)} ({number(b)}): "
            "đề nghị đơn vị kiểm tra lại.",
        )


def check_ratings_sum(f: _Facts) -> Iterator[Problem]:
    """T4 divides by members evaluated: the four ratings must account for each of them."""
    if f.code != ASSESSMENT:
        return
    parts = [f.num(k) for k in _RATED]
    evaluated = f.num("members_evaluated")
    if evaluated is None or any(p is None for p in parts):
        return
    total = sum(p for p in parts if p is not None)
    if total != evaluated:
        yield _err(
            "members_evaluated",
            f"Tổng bốn mức xếp loại ({number(total)}) khác {f.q('members_evaluated')} "
            f"({number(evaluated)}): đề nghị đơn vị kiểm tra lại.",
        )


def check_counts_not_above(f: _Facts) -> Iterator[Problem]:
    """A part larger than its whole (forms.md: evaluated ≤ total, met ≤ assigned, good ≤ cells)."""
    if f.code != ASSESSMENT:
        return
    yield from _not_above(f, "members_evaluated", "members_total")
    yield from _not_above(f, "t1_targets_met", "t1_targets_assigned")
    yield from _not_above(f, "sub_cells_four_good", "sub_cells_total")


def check_sub_cells(f: _Facts) -> Iterator[Problem]:
    """Sub-cell figures are a đảng bộ's; on a chi bộ they are ignored, on a đảng bộ expected."""
    if f.code not in _SUB_CELL_KEYS:
        return
    keys = _SUB_CELL_KEYS[f.code]
    if f.family == "chi_bo":
        filled = [k for k in keys if f.num(k)]
        if filled:
            labels = ", ".join(f.q(k) for k in filled)
            yield _warn(
                filled[0],
                f"Chi bộ không có chi bộ trực thuộc: {labels} trên phiếu không được dùng.",
            )
    elif f.family == "dang_bo_co_so" and f.code == ASSESSMENT:
        missing = [k for k in keys if f.num(k) is None]
        if missing:
            labels = ", ".join(f.q(k) for k in missing)
            yield _warn(
                missing[0],
                f"Thiếu {labels}: phần mềm dùng kết quả xét các chi bộ trực thuộc nếu đã có; "
                "nếu chưa có, đề nghị đơn vị bổ sung.",
            )


def check_self_title(f: _Facts) -> Iterator[Problem]:
    """A unit claiming the title while failing a criterion: a hint, the rules decide anyway."""
    if f.code != ASSESSMENT or f.values.get("self_title") is not True:
        return
    failed = [f"t{n}_self" for n in range(1, 5) if f.values.get(f"t{n}_self") is False]
    if failed:
        labels = ", ".join(f.q(k) for k in failed)
        yield _warn(
            "self_title",
            f"{f.q('self_title')} là Đạt nhưng {labels} là Không đạt: đề nghị đơn vị kiểm tra "
            "lại (phần mềm xét theo từng tiêu chí).",
        )


# --- Mẫu 01 -----------------------------------------------------------------------------------


def check_title_registered(f: _Facts) -> Iterator[Problem]:
    """A chi bộ registers "Chi bộ bốn tốt", a đảng bộ cơ sở "Đảng bộ cơ sở bốn tốt"."""
    title = f.values.get("title_registered") if f.code == REGISTRATION else None
    expected = _TITLE_OF_FAMILY.get(f.family or "")
    if title is None or expected is None or title == expected:
        return
    shown = {v: k for k, v in CHOICES["title_registered"].items()}
    kind = f.kind.label.lower() if f.kind is not None else ""
    yield _err(
        "title_registered",
        f"{f.q('title_registered')} là {_q(shown[title])} nhưng đơn vị là {kind}: "
        f"{kind} đăng ký {_q(shown[expected])}; đề nghị đơn vị kiểm tra lại.",
    )


# --- the QR code ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrPayload:
    """``BT1|<form_code>|<unit_code>|<year or period>`` as our pre-filled forms print it."""

    form_code: str
    unit_code: str
    year: int | None = None
    period: tuple[int, int] | None = None


_QR_FORMS = {
    fold(text): code
    for code, name in FORM_NAMES.items()
    for text in (code, name, name.removeprefix("Mẫu "))
}
_QR_YEAR = re.compile(r"\d{4}")
_QR_PERIOD = re.compile(r"(\d{4})\s*[-–]\s*(\d{4})")


def parse_qr(payload: str) -> QrPayload:
    """The payload's parts; InputError (Vietnamese) when it is not one of ours."""
    parts = [p.strip() for p in str(payload).split("|")]
    bad = InputError(f"Mã QR {_q(str(payload)[:60])} không đúng dạng của phần mềm.")
    if len(parts) != 4 or parts[0] != QR_PREFIX:
        raise bad
    form_code = _QR_FORMS.get(fold(parts[1]))
    if form_code is None or not _CODE_RE.fullmatch(parts[2]):
        raise bad
    if _QR_YEAR.fullmatch(parts[3]):
        return QrPayload(form_code, parts[2], year=int(parts[3]))
    if match := _QR_PERIOD.fullmatch(parts[3]):
        return QrPayload(form_code, parts[2], period=(int(match[1]), int(match[2])))
    raise bad


def check_qr(f: _Facts) -> Iterator[Problem]:
    """Our QR code says which form and unit it was printed for; the printed text must agree."""
    payload = f.ctx.qr if f.ctx.qr is not None else f.form.qr
    if payload is None or not str(payload).strip():
        return
    try:
        qr = parse_qr(payload)
    except InputError as exc:
        yield _warn(None, f"{exc.message} Phần mềm bỏ qua mã QR và dùng nội dung in trên phiếu.")
        return
    printed_codes = {c for c in (f.form.form_code, f.values.get("form_code")) if c in FORM_NAMES}
    for code in sorted(printed_codes - {qr.form_code}):
        yield _err(
            "form_code",
            f"Mã QR ghi {FORM_NAMES[qr.form_code]}, mẫu phiếu in là {FORM_NAMES[code]}: đề nghị "
            "kiểm tra đơn vị có dùng nhầm mẫu hay dán nhầm trang không.",
        )
    yield from _qr_unit_and_year(f, qr)


def _qr_unit_and_year(f: _Facts, qr: QrPayload) -> Iterator[Problem]:
    unit_code, year = f.values.get("unit_code"), f.num("year")
    if unit_code is not None and unit_code != qr.unit_code:
        yield _err(
            "unit_code",
            f"Mã QR ghi mã đơn vị {_q(qr.unit_code)}, phiếu ghi {f.q('unit_code')} "
            f"{_q(unit_code)}: đề nghị đối chiếu với danh sách tổ chức đảng.",
        )
    if qr.year is not None and year is not None and year != qr.year:
        yield _err(
            "year",
            f"Mã QR ghi năm {qr.year}, phiếu ghi {f.q('year')} {year}: "
            "đề nghị đơn vị kiểm tra lại.",
        )
    period = f.ctx.plan.period
    if qr.period is not None and qr.period != (period.first_year, period.last_year):
        yield _err(
            None,
            f"Mã QR ghi giai đoạn {qr.period[0]}–{qr.period[1]}, kế hoạch đang xét là giai "
            f"đoạn {period.first_year}–{period.last_year}: đề nghị đơn vị dùng đúng mẫu phiếu.",
        )


# --- dates: late, signed, duplicate -----------------------------------------------------------


def _deadline(f: _Facts) -> dt.date | None:
    calendar = f.ctx.plan.calendar
    if f.code == REGISTRATION:
        return calendar.unit_registration
    year = f.num("year")
    if f.code == ASSESSMENT and year is not None and year in calendar.annual_evaluation:
        return f.ctx.plan.annual_deadline(year)
    return None


def check_late(f: _Facts) -> Iterator[Problem]:
    """A late form is accepted and flagged (rules.md, "Calendar"): a warning, never an error."""
    deadline = _deadline(f)
    if deadline is None or f.ctx.received_on is None:
        return
    late = days_late(f.ctx.received_on, deadline)
    if late:
        yield _warn(None, f"Nộp muộn {late} ngày so với hạn {date_table(deadline)}.")


def check_signed_on(f: _Facts) -> Iterator[Problem]:
    """A date after receipt or before the movement began is likely misread or mistyped."""
    signed = f.values.get("signed_on")
    if signed is None:
        return
    received, start = f.ctx.received_on, f.ctx.plan.period.start
    if received is not None and signed > received:
        yield _warn(
            "signed_on",
            f"{f.q('signed_on')} ({date_table(signed)}) sau ngày nhận phiếu "
            f"({date_table(received)}): đề nghị kiểm tra lại ngày ghi trên phiếu.",
        )
    if signed < start:
        yield _warn(
            "signed_on",
            f"{f.q('signed_on')} ({date_table(signed)}) trước ngày bắt đầu phong trào "
            f"({date_table(start)}): đề nghị kiểm tra lại ngày ghi trên phiếu.",
        )


def check_duplicate(f: _Facts) -> Iterator[Problem]:
    """Both copies are kept; the one received later is used (a correction replaces)."""
    key = _key_of(f)
    previous = f.ctx.previous.get(key) if key is not None else None
    if previous is None:
        return
    before, now = previous.received_on, f.ctx.received_on
    if before is None:
        yield _warn(
            None, "Đơn vị đã nộp phiếu này trước đây: bản mới được dùng, bản cũ vẫn được lưu."
        )
    elif now is not None and now < before:
        yield _warn(
            None,
            f"Đơn vị đã nộp phiếu này ngày {date_table(before)}, sau bản này (nhận ngày "
            f"{date_table(now)}): bản nộp sau được dùng, bản này vẫn được lưu.",
        )
    else:
        yield _warn(
            None,
            f"Đơn vị đã nộp phiếu này ngày {date_table(before)}: bản mới được dùng, "
            "bản cũ vẫn được lưu.",
        )


def _key_of(f: _Facts) -> FormKey | None:
    unit_code, year = f.values.get("unit_code"), f.num("year")
    if not unit_code or f.code is None:
        return None
    if f.code == REGISTRATION:
        return (unit_code, REGISTRATION, None)
    return (unit_code, ASSESSMENT, year) if year is not None else None


Check = Callable[[_Facts], Iterable[Problem]]

CHECKS: tuple[Check, ...] = (
    check_unit_name,
    check_unit_kind,
    check_candidate,
    check_year,
    check_months_active,
    check_ratings_sum,
    check_counts_not_above,
    check_members_vs_roster,
    check_sub_cells,
    check_title_registered,
    check_qr,
    check_late,
    check_signed_on,
    check_duplicate,
    check_self_title,
)
