"""The plan file: every threshold, rate, count, date and policy of the movement.

``load_plan(path)`` validates a YAML file (types, ranges, dates in order) and returns a frozen
:class:`Plan`; a bad file raises :class:`PlanError` naming each key and its problem in Vietnamese.
Rates are integer percentages; the rules compute with integers only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bontot.errors import PlanError
from bontot.models import Rating

Percent = Annotated[int, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0)]
RankKey = Literal["four_good_years", "excellent_share", "unit_code"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Issuer(_Strict):
    superior: str = Field(min_length=1)
    body: str = Field(min_length=1)
    committee: str = Field(min_length=1)
    abbreviation: str = Field(min_length=1, max_length=10)
    place: str = Field(min_length=1)


class Period(_Strict):
    start: dt.date
    end: dt.date
    first_year: Annotated[int, Field(ge=2000, le=2100)]
    last_year: Annotated[int, Field(ge=2000, le=2100)]

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError("ngày kết thúc (end) phải sau ngày bắt đầu (start)")
        if self.last_year < self.first_year:
            raise ValueError("last_year phải không nhỏ hơn first_year")
        if not (self.start.year <= self.first_year and self.last_year <= self.end.year):
            raise ValueError("first_year..last_year phải nằm trong khoảng start..end")
        return self

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


class T1Settings(_Strict):
    require_work_program: bool
    require_targets_met: bool
    require_admission_target: bool
    max_backlog_cases: Count
    require_other_tasks: bool


class T2Settings(_Strict):
    regular_meetings_per_active_month: Annotated[int, Field(ge=0, le=10)]
    thematic_meetings_per_active_quarter: Annotated[int, Field(ge=0, le=10)]
    require_quality_ok: bool


class T3Settings(_Strict):
    require_working_rules: bool
    max_violations: Count
    external_detection_fails: bool


class GoodShare(_Strict):
    chi_bo: Percent
    dang_bo_co_so: Percent


class T4Settings(_Strict):
    require_movement: bool
    min_good_or_better_percent: GoodShare
    none_evaluated_meets: bool


class Fraction_(_Strict):
    numerator: Annotated[int, Field(ge=0)]
    denominator: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _proper(self) -> Fraction_:
        if self.numerator > self.denominator:
            raise ValueError("numerator phải không lớn hơn denominator")
        return self


class DangBoSettings(_Strict):
    four_good_sub_cells: Fraction_


class CriteriaSettings(_Strict):
    self_assessment_binding: bool
    default_months_active: Annotated[int, Field(ge=1, le=12)]
    t1: T1Settings
    t2: T2Settings
    t3: T3Settings
    t4: T4Settings
    dang_bo: DangBoSettings


class ClassificationRow(_Strict):
    criteria_met: Annotated[int, Field(ge=0, le=4)]
    requires_t1: bool
    rating: Rating
    four_good: bool


PilotFamily = Literal["dang_bo_co_so", "chi_bo"]


class PilotSettings(_Strict):
    rounding: Literal["ceil", "floor"]
    min_percent: dict[PilotFamily, Percent]

    @field_validator("min_percent")
    @classmethod
    def _every_family(cls, value: dict[str, int]) -> dict[str, int]:
        # III.2 sets a rate for both đảng bộ cơ sở and chi bộ; a missing one would only fail
        # later, deep in the rules, as a KeyError.
        missing = [f for f in ("dang_bo_co_so", "chi_bo") if f not in value]
        if missing:
            raise ValueError("thiếu tỷ lệ làm điểm cho: " + ", ".join(missing))
        return value


class ReviewRewards(_Strict):
    years: list[int] = Field(min_length=1)
    require_registered: bool
    consecutive_four_good_years: Annotated[int, Field(ge=1, le=10)]
    ranking: list[RankKey] = Field(min_length=1)

    @field_validator("ranking")
    @classmethod
    def _unit_code_last(cls, value: list[str]) -> list[str]:
        # The unit code is unique: as the last key it settles every full tie, so the ranking
        # never depends on input order and the report can say "xếp sau theo mã đơn vị".
        if value and value[-1] != "unit_code":
            raise ValueError(
                "tiêu chí cuối cùng phải là unit_code (mã đơn vị) để không có đồng hạng"
            )
        return value

    @model_validator(mode="after")
    def _years_sorted(self) -> ReviewRewards:
        if self.years != sorted(set(self.years)):
            raise ValueError("years phải tăng dần, không trùng")
        if len(set(self.ranking)) != len(self.ranking):
            raise ValueError("ranking không được lặp tiêu chí")
        return self


class SoKetRewards(ReviewRewards):
    cap_percent: Percent
    cap_rounding: Literal["floor", "ceil"]


class TongKetRewards(ReviewRewards):
    proposals_min: Count
    proposals_max: Count

    @model_validator(mode="after")
    def _min_max(self) -> TongKetRewards:
        if self.proposals_min > self.proposals_max:
            raise ValueError("proposals_min phải không lớn hơn proposals_max")
        return self


class Rewards(_Strict):
    so_ket: SoKetRewards
    tong_ket: TongKetRewards


class ReviewDeadlines(_Strict):
    grassroots: dt.date
    committees: dt.date
    province: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> ReviewDeadlines:
        if not (self.grassroots <= self.committees <= self.province):
            raise ValueError("phải theo thứ tự grassroots ≤ committees ≤ province")
        return self


class Calendar(_Strict):
    launch: dt.date
    committee_plans: dt.date
    unit_registration: dt.date
    so_ket: ReviewDeadlines
    tong_ket: ReviewDeadlines
    annual_evaluation: dict[int, dt.date]

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if not (self.launch <= self.committee_plans <= self.unit_registration):
            raise ValueError("phải theo thứ tự launch ≤ committee_plans ≤ unit_registration")
        if not (self.unit_registration < self.so_ket.grassroots):
            raise ValueError("hạn đăng ký phải trước sơ kết")
        if not (self.so_ket.province < self.tong_ket.grassroots):
            raise ValueError("sơ kết phải trước tổng kết")
        for year, day in self.annual_evaluation.items():
            if day.year not in (year, year + 1):
                raise ValueError(
                    f"annual_evaluation.{year}: ngày {day.isoformat()} không thuộc năm {year}"
                    f" hoặc năm sau"
                )
        return self


class Plan(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1)
    province: str = Field(min_length=1)
    issuer: Issuer
    period: Period
    criteria: CriteriaSettings
    classification: list[ClassificationRow] = Field(min_length=1)
    four_criteria_without_sub_cells_rating: Rating
    otherwise_rating: Rating
    pilots: PilotSettings
    rewards: Rewards
    calendar: Calendar

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        years = set(self.period.years)
        missing = sorted(years - set(self.calendar.annual_evaluation))
        if missing:
            raise ValueError(
                "calendar.annual_evaluation thiếu năm: " + ", ".join(str(y) for y in missing)
            )
        for name in ("so_ket", "tong_ket"):
            review = getattr(self.rewards, name)
            outside = [y for y in review.years if y not in years]
            if outside:
                raise ValueError(
                    f"rewards.{name}.years có năm ngoài giai đoạn: "
                    + ", ".join(str(y) for y in outside)
                )
        if not (self.period.start <= self.calendar.launch <= self.period.end):
            raise ValueError("calendar.launch phải nằm trong giai đoạn (period)")
        seen = set()
        for row in self.classification:
            if row.criteria_met in seen:
                raise ValueError(f"classification: số tiêu chí {row.criteria_met} bị lặp")
            seen.add(row.criteria_met)
        return self

    def annual_deadline(self, year: int) -> dt.date:
        return self.calendar.annual_evaluation[year]


# Vietnamese wording for pydantic's error types; any other type gets a Vietnamese generic text
# (a clerk reads these messages: no English).
_MESSAGES = {
    "missing": "thiếu khóa này",
    "extra_forbidden": "khóa không có trong mẫu kế hoạch (gõ sai tên?)",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên, không có phần thập phân",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_inexact": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "string_type": "phải là chuỗi ký tự",
    "string_too_short": "không được để trống",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "chỉ gồm chữ thường không dấu, số, '.', '_' hoặc '-'",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
    "too_short": "không được để trống",
    "enum": "giá trị không hợp lệ",
    "literal_error": "giá trị không hợp lệ",
}


def _or(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" in Vietnamese: "'a', 'b' hoặc 'c'"."""
    head, sep, last = expected.rpartition("' or '")
    return f"{head}' hoặc '{last}" if sep else expected


def _describe(err: dict[str, Any]) -> str:
    key = ".".join(str(p) for p in err["loc"]) or "(gốc)"
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "greater_than_equal":
        text = f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    elif kind == "less_than_equal":
        text = f"phải nhỏ hơn hoặc bằng {ctx.get('le')}"
    elif kind in ("enum", "literal_error") and ctx.get("expected"):
        text = f"giá trị không hợp lệ, phải là một trong: {_or(str(ctx['expected']))}"
    elif kind == "value_error":
        text = str(ctx.get("error", err["msg"]))
    else:
        text = _MESSAGES.get(kind, f"giá trị không hợp lệ ({kind})")
    if "input" in err and kind not in ("missing", "model_type", "value_error"):
        shown = repr(err["input"])
        if len(shown) <= 60:
            text += f" (đang là {shown})"
    return f"{key}: {text}"


def parse_plan(data: Any, source: str = "<plan>") -> Plan:
    """Validate already-loaded plan data (a dict, or a Plan)."""
    if isinstance(data, Plan):
        return data
    if not isinstance(data, dict):
        raise PlanError(source, ["(gốc): tệp phải là một bảng khóa: giá trị (YAML mapping)"])
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(source, [_describe(e) for e in exc.errors()]) from None


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; raise PlanError with every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(str(path), ["không tìm thấy tệp"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(str(path), [f"không đọc được tệp ({exc.__class__.__name__})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        raise PlanError(str(path), [f"không đúng cú pháp YAML{where}"]) from None
    return parse_plan(data, str(path))


def default_plan_path() -> Path:
    """The plan shipped with the project (Quảng Ngãi 2022–2027)."""
    return PLANS_DIR / "quang-ngai-2022-2027.yaml"


# The project's plans/ folder (the package is installed in place, see README).
PLANS_DIR = Path(__file__).resolve().parent.parent / "plans"
