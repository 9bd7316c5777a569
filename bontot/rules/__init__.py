"""The rules of the movement: pure functions over plain values and the plan (no I/O)."""

from bontot.rules.committee import (
    CandidateRecord,
    PilotStatus,
    RankedUnit,
    RewardDecision,
    pilot_status,
    rate_count,
    so_ket_rewards,
    tong_ket_proposals,
)
from bontot.rules.unit_year import (
    Criterion,
    Flag,
    Override,
    SubCells,
    UnitYearResult,
    apply_overrides,
    check_sub_cells,
    classify,
    days_late,
    evaluate_unit_year,
    family_of,
)

__all__ = [
    "CandidateRecord", "Criterion", "Flag", "Override", "PilotStatus", "RankedUnit",
    "RewardDecision", "SubCells", "UnitYearResult", "apply_overrides", "check_sub_cells",
    "classify", "days_late", "evaluate_unit_year", "family_of", "pilot_status", "rate_count",
    "so_ket_rewards", "tong_ket_proposals",
]
