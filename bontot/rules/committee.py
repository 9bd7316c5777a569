"""Rules decided per recognising committee: pilot units (III.2), Giấy khen at the sơ kết and
Bằng khen proposals at the tổng kết (IV.2).  Pure functions, integer arithmetic only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from bontot.plan import Plan, ReviewRewards
from bontot.vnformat import percent as fmt_percent


def rate_count(percent: int, count: int, rounding: str) -> int:
    """ceil or floor of percent % × count, in integers."""
    if rounding == "ceil":
        return -(-percent * count // 100)
    return percent * count // 100


@dataclass(frozen=True)
class PilotStatus:
    family: str  # "dang_bo_co_so" | "chi_bo"
    total: int
    minimum: int
    chosen: int

    @property
    def ok(self) -> bool:
        return self.chosen >= self.minimum

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "total": self.total,
            "minimum": self.minimum,
            "chosen": self.chosen,
            "ok": self.ok,
        }


def pilot_status(family: str, total: int, chosen: int, plan: Plan) -> PilotStatus:
    """III.2: at least 10 % of đảng bộ cơ sở and 15 % of chi bộ, minimum = ceil(rate × count)."""
    percent = plan.pilots.min_percent[family]  # type: ignore[index]
    return PilotStatus(family, total, rate_count(percent, total, plan.pilots.rounding), chosen)


@dataclass(frozen=True)
class CandidateRecord:
    """A unit's record over a review's years, as the reward rules need it."""

    unit_code: str
    registered: bool
    four_good_by_year: Mapping[int, bool]
    rated_excellent: int = 0  # summed over the review's years
    members_evaluated: int = 0

    def four_good_years(self, years: Sequence[int]) -> int:
        return sum(1 for y in years if self.four_good_by_year.get(y))

    def longest_run(self, years: Sequence[int]) -> int:
        """Most four-good years in a row within ``years``."""
        best = run = 0
        last_good: int | None = None
        for y in sorted(years):
            if self.four_good_by_year.get(y):
                run = run + 1 if last_good == y - 1 else 1
                last_good = y
                best = max(best, run)
            else:
                run, last_good = 0, None
        return best

    @property
    def excellent_share(self) -> Fraction:
        if self.members_evaluated <= 0:
            return Fraction(0)
        return Fraction(self.rated_excellent, self.members_evaluated)


@dataclass(frozen=True)
class RankedUnit:
    unit_code: str
    place: int
    four_good_years: int
    excellent_share: Fraction
    selected: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "unit_code": self.unit_code,
            "place": self.place,
            "four_good_years": self.four_good_years,
            "excellent_share": str(self.excellent_share),
            "selected": self.selected,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RewardDecision:
    review: Literal["so_ket", "tong_ket"]
    registered: int
    cap: int
    eligible: tuple[RankedUnit, ...]
    ineligible: dict[str, str] = field(default_factory=dict)  # unit code → why not eligible
    notes: tuple[str, ...] = ()

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(r.unit_code for r in self.eligible if r.selected)

    def to_json(self) -> dict[str, Any]:
        return {
            "review": self.review,
            "registered": self.registered,
            "cap": self.cap,
            "selected": list(self.selected),
            "ranking": [r.to_json() for r in self.eligible],
            "ineligible": dict(self.ineligible),
            "notes": list(self.notes),
        }


def _eligibility(rec: CandidateRecord, rules: ReviewRewards) -> str | None:
    """None when eligible, else the Vietnamese reason."""
    if rules.require_registered and not rec.registered:
        return "Chưa đăng ký thi đua."
    need = rules.consecutive_four_good_years
    if rec.longest_run(rules.years) < need:
        got = rec.four_good_years(rules.years)
        return f"Chưa đạt bốn tốt {need:02d} năm liền (đạt {got} năm trong giai đoạn xét)."
    return None


def _sort_key(rec: CandidateRecord, rules: ReviewRewards) -> tuple[Any, ...]:
    key: list[Any] = []
    for name in rules.ranking:
        if name == "four_good_years":
            key.append(-rec.four_good_years(rules.years))
        elif name == "excellent_share":
            key.append(-rec.excellent_share)
        else:
            key.append(rec.unit_code)
    return tuple(key)


def _explain(rec: CandidateRecord, rules: ReviewRewards, place: int) -> str:
    share = fmt_percent(rec.rated_excellent, rec.members_evaluated)
    return (
        f"Xếp thứ {place}: {rec.four_good_years(rules.years)} năm đạt bốn tốt,"
        f" tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ {share}"
    )


def _rank(
    records: Sequence[CandidateRecord], rules: ReviewRewards, cap: int, cap_text: str
) -> tuple[tuple[RankedUnit, ...], dict[str, str]]:
    eligible: list[CandidateRecord] = []
    ineligible: dict[str, str] = {}
    for rec in records:
        why = _eligibility(rec, rules)
        if why is None:
            eligible.append(rec)
        else:
            ineligible[rec.unit_code] = why
    eligible.sort(key=lambda r: _sort_key(r, rules))
    ranked: list[RankedUnit] = []
    for i, rec in enumerate(eligible):
        place = i + 1
        text = _explain(rec, rules, place)
        prev = eligible[i - 1] if i else None
        if prev is not None and _sort_key(prev, rules)[:-1] == _sort_key(rec, rules)[:-1]:
            text += f"; bằng đơn vị {prev.unit_code} ở các tiêu chí trên, xếp sau theo mã đơn vị"
        selected = place <= cap
        text += "; trong " if selected else "; ngoài "
        text += cap_text + "."
        ranked.append(
            RankedUnit(
                rec.unit_code,
                place,
                rec.four_good_years(rules.years),
                rec.excellent_share,
                selected,
                text,
            )
        )
    return tuple(ranked), ineligible


def so_ket_rewards(records: Sequence[CandidateRecord], plan: Plan) -> RewardDecision:
    """IV.2.1: Giấy khen to registered units four-good 2 years running, at most 30 % of those
    registered (floor), ranked by the plan's order when more are eligible than the cap."""
    rules = plan.rewards.so_ket
    registered = sum(1 for r in records if r.registered)
    cap = rate_count(rules.cap_percent, registered, rules.cap_rounding)
    cap_text = f"chỉ tiêu {rules.cap_percent} % của {registered} đơn vị đăng ký (tối đa {cap})"
    ranked, ineligible = _rank(records, rules, cap, cap_text)
    notes: list[str] = []
    if cap == 0:
        notes.append(
            f"Có {registered} đơn vị đăng ký: {rules.cap_percent} % làm tròn xuống là 0,"
            " nên không có đơn vị được tặng Giấy khen."
        )
    return RewardDecision("so_ket", registered, cap, ranked, ineligible, tuple(notes))


def tong_ket_proposals(records: Sequence[CandidateRecord], plan: Plan) -> RewardDecision:
    """IV.2.2: propose the 1–2 most outstanding units for the province's Bằng khen."""
    rules = plan.rewards.tong_ket
    registered = sum(1 for r in records if r.registered)
    cap = rules.proposals_max
    cap_text = f"số đề nghị tối đa {cap} đơn vị"
    ranked, ineligible = _rank(records, rules, cap, cap_text)
    notes: list[str] = []
    chosen = sum(1 for r in ranked if r.selected)
    if chosen < rules.proposals_min:
        notes.append(
            f"Chỉ có {chosen} đơn vị đủ điều kiện, ít hơn số đề nghị tối thiểu"
            f" {rules.proposals_min}."
        )
    return RewardDecision("tong_ket", registered, cap, ranked, ineligible, tuple(notes))
