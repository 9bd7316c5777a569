"""Who is rewarded at a review, as the documents list them (rules.md "Rewards", IV.2).

Sơ kết: the Giấy khen the rules selected (registered, four-good two years running, within 30 %
of the registered units).  Tổng kết: the rules rank the units for the province's Bằng khen
(1–2 per committee); the plan says the committee gives Giấy khen "or" proposes Bằng khen but
sets no number for its own Giấy khen, so **[policy]** the tổng kết Giấy khen go to the eligible
units not proposed for Bằng khen, in the same ranking, within the sơ kết's cap (30 % of the
registered units, rounded down).  The reports print this policy beside the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from bontot.documents.base import Facts
from bontot.models import Unit
from bontot.rules import RankedUnit, RewardDecision, rate_count

TONG_KET_CERTIFICATE_POLICY = (
    "Giấy khen tổng kết: các đơn vị đủ điều kiện chưa được đề nghị Bằng khen, theo thứ tự xếp"
    " hạng, không quá {percent} % số đơn vị đăng ký (như sơ kết): tối đa {cap} đơn vị."
)


@dataclass(frozen=True)
class Award:
    unit: Unit
    ranked: RankedUnit
    years: tuple[int, ...]  # the four-good years within the review

    @property
    def years_text(self) -> str:
        return ", ".join(str(y) for y in self.years)


def _award(facts: Facts, review: str, ranked: RankedUnit) -> Award:
    years = facts.four_good_years(ranked.unit_code, facts.review_years(review))
    return Award(facts.tree.unit(ranked.unit_code), ranked, tuple(years))


def decision(facts: Facts, review: str, committee: Unit) -> RewardDecision:
    summary = facts.summary(committee.code)
    return summary.so_ket if review == "so-ket" else summary.tong_ket


def certificate_cap(facts: Facts, review: str, committee: Unit) -> int:
    if review == "so-ket":
        return decision(facts, review, committee).cap
    rules = facts.plan.rewards.so_ket
    registered = decision(facts, review, committee).registered
    return rate_count(rules.cap_percent, registered, rules.cap_rounding)


def certificates(facts: Facts, review: str, committee: Unit) -> list[Award]:
    """The units given the committee's Giấy khen at this review, in ranking order."""
    ranked = decision(facts, review, committee).eligible
    if review == "so-ket":
        chosen = [r for r in ranked if r.selected]
    else:
        chosen = [r for r in ranked if not r.selected][: certificate_cap(facts, review, committee)]
    return [_award(facts, review, r) for r in chosen]


def proposals(facts: Facts, committee: Unit) -> list[Award]:
    """The units proposed for the Ban Thường vụ Tỉnh ủy's Bằng khen at the tổng kết."""
    return [
        _award(facts, "tong-ket", r)
        for r in decision(facts, "tong-ket", committee).eligible
        if r.selected
    ]


def tong_ket_policy(facts: Facts, committee: Unit) -> str:
    return TONG_KET_CERTIFICATE_POLICY.format(
        percent=facts.plan.rewards.so_ket.cap_percent,
        cap=certificate_cap(facts, "tong-ket", committee),
    )
