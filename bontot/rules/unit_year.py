"""The result of one unit-year: the four criteria, the 3/4 rule, the title and the rating.

Pure functions over plain values (the forms.md keys of Mẫu 02-TĐG) and the plan: no I/O, no
Prefect, integers only.  Every failed check gives a Vietnamese reason quoting the form's label,
so a clerk can find the line on paper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bontot.models import ASSESSMENT_LABELS, CRITERIA, CRITERION_NAMES, Rating, UnitKind
from bontot.plan import Plan


@dataclass(frozen=True)
class Criterion:
    """One criterion's outcome; ``reasons`` says why it is not met (empty when met)."""

    met: bool
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # form keys the checks needed but did not get
    override: str | None = None  # the committee's written reason, when overridden

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"met": self.met, "reasons": list(self.reasons)}
        if self.missing:
            out["missing"] = list(self.missing)
        if self.override is not None:
            out["override"] = self.override
        return out


@dataclass(frozen=True)
class Override:
    """A recognising committee's decision on one criterion, with its written reason."""

    criterion: str
    met: bool
    reason: str
    actor: str = ""


@dataclass(frozen=True)
class SubCells:
    """Input of the 3/4 rule: the đảng bộ's chi bộ and how many are four-good."""

    total: int
    four_good: int
    from_form: bool  # True when the unit's own figures were used, not the software's results


@dataclass(frozen=True)
class Flag:
    code: str  # not_registered | late | sub_cells_from_form | missing_data
    message: str


@dataclass(frozen=True)
class UnitYearResult:
    family: str  # "chi_bo" | "dang_bo_co_so"
    criteria: dict[str, Criterion]
    sub_cells: Criterion | None  # the 3/4 rule, for a đảng bộ cơ sở only
    four_good: bool
    title: str | None
    rating: Rating
    flags: tuple[Flag, ...] = field(default=())

    @property
    def criteria_met(self) -> int:
        return sum(1 for c in self.criteria.values() if c.met)

    @property
    def missing(self) -> tuple[str, ...]:
        """Form keys the rules needed but did not get (the 3/4 rule's included)."""
        keys: list[str] = []
        checked = list(self.criteria.values())
        if self.sub_cells is not None:
            checked.append(self.sub_cells)
        for crit in checked:
            keys.extend(k for k in crit.missing if k not in keys)
        return tuple(keys)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "criteria": {k: c.to_json() for k, c in self.criteria.items()},
            "four_good": self.four_good,
            "classification": self.rating.value,
            "title": self.title,
            "criteria_met": self.criteria_met,
            "flags": [{"code": f.code, "message": f.message} for f in self.flags],
        }
        if self.sub_cells is not None:
            out["sub_cells_rule"] = self.sub_cells.to_json()
        return out


def _q(key: str) -> str:
    """A form label as the reasons quote it, so a clerk can find the line on paper."""
    return f"\u201c{ASSESSMENT_LABELS[key]}\u201d"


class _Checks:
    """Collects the reasons and missing keys of one criterion's checks."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = fields
        self.reasons: list[str] = []
        self.missing: list[str] = []

    def get(self, key: str) -> Any:
        value = self.fields.get(key)
        if value is None:
            self.missing.append(key)
            self.reasons.append(f"Thiếu số liệu {_q(key)}.")
        return value

    def require_yes(self, key: str, wanted: bool = True) -> None:
        value = self.get(key)
        if value is not None and bool(value) is not wanted:
            answer = "Không" if wanted else "Có"
            self.reasons.append(f"{_q(key)}: {answer}.")

    def fail(self, reason: str) -> None:
        self.reasons.append(reason)

    def self_rating(self, key: str, binding: bool) -> None:
        # A self-assessment of "Không đạt" makes the criterion not met; a blank one binds nothing.
        if binding and self.fields.get(key) is False:
            self.reasons.append(f"{_q(key)}: đơn vị tự đánh giá \u201cKhông đạt\u201d.")

    def result(self) -> Criterion:
        return Criterion(not self.reasons, tuple(self.reasons), tuple(self.missing))


def _months(fields: Mapping[str, Any], plan: Plan) -> int:
    value = fields.get("months_active")
    return plan.criteria.default_months_active if value is None else int(value)


def check_t1(fields: Mapping[str, Any], plan: Plan) -> Criterion:
    """II.1 Hoàn thành tốt nhiệm vụ chính trị."""
    s, c = plan.criteria.t1, _Checks(fields)
    if s.require_work_program:
        c.require_yes("t1_work_program")
    if s.require_targets_met:
        assigned, met = c.get("t1_targets_assigned"), c.get("t1_targets_met")
        if assigned is not None and met is not None and met < assigned:
            c.fail(
                f"{_q('t1_targets_met')} là {met}, ít hơn {_q('t1_targets_assigned')} là"
                f" {assigned}: phải đạt và vượt chỉ tiêu được giao."
            )
    if s.require_admission_target:
        target, admitted = c.get("t1_admission_target"), c.get("t1_admitted")
        if target is not None and admitted is not None and admitted < target:
            c.fail(
                f"{_q('t1_admitted')} là {admitted}, chưa đạt"
                f" {_q('t1_admission_target')} là {target}."
            )
    backlog = c.get("t1_backlog_cases")
    if backlog is not None and backlog > s.max_backlog_cases:
        c.fail(f"{_q('t1_backlog_cases')} là {backlog}, tối đa được phép là {s.max_backlog_cases}.")
    if s.require_other_tasks:
        c.require_yes("t1_other_tasks")
    c.self_rating("t1_self", plan.criteria.self_assessment_binding)
    return c.result()


def check_t2(fields: Mapping[str, Any], plan: Plan) -> Criterion:
    """II.2 Chất lượng sinh hoạt tốt: monthly meetings, one thematic meeting a quarter."""
    s, c = plan.criteria.t2, _Checks(fields)
    months = _months(fields, plan)
    need_regular = months * s.regular_meetings_per_active_month
    regular = c.get("t2_regular_meetings")
    if regular is not None and regular < need_regular:
        c.fail(
            f"{_q('t2_regular_meetings')} là {regular}, ít hơn {need_regular} kỳ"
            f" ({s.regular_meetings_per_active_month} kỳ mỗi tháng hoạt động, {months} tháng)."
        )
    quarters = (months + 2) // 3
    need_thematic = quarters * s.thematic_meetings_per_active_quarter
    thematic = c.get("t2_thematic_meetings")
    if thematic is not None and thematic < need_thematic:
        c.fail(
            f"{_q('t2_thematic_meetings')} là {thematic}, ít hơn {need_thematic} kỳ"
            f" ({s.thematic_meetings_per_active_quarter} kỳ mỗi quý hoạt động, {quarters} quý)."
        )
    if s.require_quality_ok:
        c.require_yes("t2_quality_ok")
    c.self_rating("t2_self", plan.criteria.self_assessment_binding)
    return c.result()


def check_t3(fields: Mapping[str, Any], plan: Plan) -> Criterion:
    """II.3 Đoàn kết, kỷ luật tốt, with the press/public override of the bracketed note."""
    s, c = plan.criteria.t3, _Checks(fields)
    if s.require_working_rules:
        c.require_yes("t3_working_rules")
    violations = c.get("t3_violations")
    if violations is not None and violations > s.max_violations:
        c.fail(f"{_q('t3_violations')} là {violations}, tối đa được phép là {s.max_violations}.")
    if s.external_detection_fails:
        external = c.get("t3_external_detection")
        if external:
            c.fail(
                f"{_q('t3_external_detection')}: Có. Vi phạm để báo chí, người dân phát hiện thì"
                " không đạt \u201cđoàn kết, kỷ luật tốt\u201d (ghi chú mục II.3)."
            )
    c.self_rating("t3_self", plan.criteria.self_assessment_binding)
    return c.result()


def check_t4(fields: Mapping[str, Any], family: str, plan: Plan) -> Criterion:
    """II.4 Cán bộ, đảng viên tốt: the movement, and the share rated HTTNV or better (4.2)."""
    s, c = plan.criteria.t4, _Checks(fields)
    if s.require_movement:
        c.require_yes("t4_movement")
    percent = getattr(s.min_good_or_better_percent, family)
    evaluated = c.get("members_evaluated")
    excellent, good = c.get("rated_excellent"), c.get("rated_good")
    if evaluated is not None and excellent is not None and good is not None:
        better = excellent + good
        if evaluated == 0:
            if not s.none_evaluated_meets:
                c.fail(
                    f"{_q('members_evaluated')} là 0: không có đảng viên được đánh giá,"
                    " xếp loại trong năm."
                )
        elif better * 100 < percent * evaluated:
            c.fail(
                f"{better}/{evaluated} đảng viên được xếp loại hoàn thành tốt nhiệm vụ trở lên"
                f" ({_q('rated_excellent')} cộng {_q('rated_good')} trên"
                f" {_q('members_evaluated')}), chưa đạt {percent} %."
            )
    c.self_rating("t4_self", plan.criteria.self_assessment_binding)
    return c.result()


_SUB_CELL_KEYS = ("sub_cells_total", "sub_cells_four_good")


def check_sub_cells(
    sub: SubCells | None, plan: Plan, missing: tuple[str, ...] = _SUB_CELL_KEYS
) -> Criterion:
    """IV.3: a đảng bộ is four-good only with 3/4 of its chi bộ four-good (integers).

    ``sub`` is None when neither the software's results nor the form give the figures;
    ``missing`` then names the form's blank keys.
    """
    frac = plan.criteria.dang_bo.four_good_sub_cells
    rule = f"{frac.numerator}/{frac.denominator}"
    if sub is None:
        labels = ", ".join(_q(k) for k in missing)
        return Criterion(
            False,
            (f"Thiếu số liệu {labels}: chưa xét được tỷ lệ {rule} chi bộ trực thuộc đạt bốn tốt.",),
            tuple(missing),
        )
    if sub.total <= 0:
        return Criterion(False, ("Đảng bộ không có chi bộ trực thuộc để xét tỷ lệ " + rule + ".",))
    if sub.four_good * frac.denominator < sub.total * frac.numerator:
        return Criterion(
            False,
            (f"{sub.four_good}/{sub.total} chi bộ trực thuộc đạt bốn tốt, chưa đạt {rule}.",),
        )
    return Criterion(True)


def apply_overrides(
    criteria: Mapping[str, Criterion], overrides: Iterable[Override]
) -> dict[str, Criterion]:
    """The committee's written decisions replace the computed outcome (derived, not mutated)."""
    out = dict(criteria)
    for ov in overrides:
        if ov.criterion not in out:
            # Fail loudly: a committee's written decision must never vanish without a trace.
            raise ValueError(
                f"Tiêu chí {ov.criterion!r} không hợp lệ: chỉ dùng {', '.join(out)}."
            )
        verdict = "đạt" if ov.met else "không đạt"
        reasons = () if ov.met else (f"Cấp ủy quyết định {verdict}: {ov.reason}",)
        out[ov.criterion] = Criterion(ov.met, reasons, out[ov.criterion].missing, ov.reason)
    return out


def classify(
    criteria: Mapping[str, Criterion], sub_cells: Criterion | None, plan: Plan
) -> tuple[bool, Rating]:
    """IV.3's table: criteria met (with T1) → four-good and the proposed rating."""
    met = sum(1 for k in CRITERIA if criteria[k].met)
    t1 = criteria["t1"].met
    for row in plan.classification:
        if row.criteria_met == met and (t1 or not row.requires_t1):
            if row.four_good and sub_cells is not None and not sub_cells.met:
                return False, plan.four_criteria_without_sub_cells_rating
            return row.four_good, row.rating
    return False, plan.otherwise_rating


def family_of(kind: UnitKind | str) -> str:
    family = UnitKind(kind).rule_family
    if family == "other":
        raise ValueError(f"{kind} is not evaluated by the movement's rules")
    return family


def days_late(received_on: dt.date | None, deadline: dt.date) -> int:
    """Days after the deadline (0 when on time or unknown)."""
    if received_on is None:
        return 0
    return max(0, (received_on - deadline).days)


def evaluate_unit_year(
    fields: Mapping[str, Any],
    *,
    kind: UnitKind | str,
    plan: Plan,
    overrides: Iterable[Override] = (),
    sub_cells: SubCells | None = None,
    registered: bool = True,
    received_on: dt.date | None = None,
    year: int | None = None,
) -> UnitYearResult:
    """Everything the rules decide about one unit-year from its Mẫu 02 values.

    ``sub_cells`` (đảng bộ only) should come from the software's own chi bộ results; when it is
    None, the form's ``sub_cells_total`` / ``sub_cells_four_good`` are used and flagged.
    """
    family = family_of(kind)
    criteria = {
        "t1": check_t1(fields, plan),
        "t2": check_t2(fields, plan),
        "t3": check_t3(fields, plan),
        "t4": check_t4(fields, family, plan),
    }
    criteria = apply_overrides(criteria, overrides)
    flags: list[Flag] = []
    sub_rule: Criterion | None = None
    if family == "dang_bo_co_so":
        if sub_cells is None:
            sub_cells = _sub_cells_from_form(fields)
        if sub_cells is not None and sub_cells.from_form:
            flags.append(
                Flag(
                    "sub_cells_from_form",
                    "Tỷ lệ chi bộ đạt bốn tốt tính theo số liệu đơn vị tự báo cáo.",
                )
            )
        blank = tuple(k for k in _SUB_CELL_KEYS if fields.get(k) is None)
        sub_rule = check_sub_cells(sub_cells, plan, blank or _SUB_CELL_KEYS)
    four_good, rating = classify(criteria, sub_rule, plan)
    title = None
    if four_good:
        title = "Chi bộ bốn tốt" if family == "chi_bo" else "Đảng bộ cơ sở bốn tốt"
    if not registered:
        flags.append(
            Flag("not_registered", "Chưa đăng ký thi đua: không tính khi xét khen thưởng.")
        )
    year = year if year is not None else fields.get("year")
    if year is not None and received_on is not None and year in plan.calendar.annual_evaluation:
        late = days_late(received_on, plan.annual_deadline(int(year)))
        if late:
            flags.append(Flag("late", f"Nộp muộn {late} ngày."))
    result = UnitYearResult(family, criteria, sub_rule, four_good, title, rating, tuple(flags))
    if result.missing:
        labels = ", ".join(f"\u201c{ASSESSMENT_LABELS[k]}\u201d" for k in result.missing)
        flags.append(Flag("missing_data", f"Thiếu số liệu: {labels}."))
        result = UnitYearResult(family, criteria, sub_rule, four_good, title, rating, tuple(flags))
    return result


def _sub_cells_from_form(fields: Mapping[str, Any]) -> SubCells | None:
    total, good = fields.get("sub_cells_total"), fields.get("sub_cells_four_good")
    if total is None or good is None:
        return None
    return SubCells(int(total), int(good), from_form=True)


def criterion_name(key: str) -> str:
    return CRITERION_NAMES[key]
