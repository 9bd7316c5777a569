"""Apply the rules to a whole roster: every unit-year, then every committee.

``evaluate_year`` and ``summarise_committees`` are pure (inputs in, results out); ``evaluate_store``
reads the store, runs them and records the results.  Chi bộ are evaluated before the đảng bộ that
contain them, so the 3/4 rule uses the software's own results wherever it has them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bontot.models import Unit, UnitKind
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.rules import (
    CandidateRecord,
    Flag,
    Override,
    PilotStatus,
    RewardDecision,
    SubCells,
    UnitYearResult,
    evaluate_unit_year,
    pilot_status,
    so_ket_rewards,
    tong_ket_proposals,
)


@dataclass(frozen=True)
class UnitYearInput:
    """What the rules need about one unit-year, however it reached the store."""

    fields: Mapping[str, Any]
    received_on: Any = None  # datetime.date


def _sub_cells(
    tree: RosterTree, dang_bo: Unit, results: Mapping[str, UnitYearResult]
) -> tuple[SubCells | None, Flag | None]:
    """The software's own count of four-good chi bộ, when the roster lists them."""
    cells = [u for u in tree.chi_bo_of(dang_bo.code)]
    if not cells:
        return None, None  # the form's own figures will be used, flagged
    four_good = sum(1 for u in cells if u.code in results and results[u.code].four_good)
    unreported = [u.code for u in cells if u.code not in results]
    flag = None
    if unreported:
        flag = Flag(
            "sub_cells_unreported",
            f"{len(unreported)}/{len(cells)} chi bộ trực thuộc chưa có báo cáo năm:"
            " được tính là chưa đạt bốn tốt.",
        )
    return SubCells(len(cells), four_good, from_form=False), flag


def evaluate_year(
    tree: RosterTree,
    plan: Plan,
    year: int,
    inputs: Mapping[str, UnitYearInput],
    registered: Iterable[str],
    overrides: Mapping[str, Iterable[Override]] | None = None,
) -> dict[str, UnitYearResult]:
    """Results of every unit that reported for ``year`` (unit code → result)."""
    registered = set(registered)
    overrides = overrides or {}
    results: dict[str, UnitYearResult] = {}
    order = sorted(
        (u for u in tree.units if u.kind.is_grassroots_candidate and u.code in inputs),
        key=lambda u: u.kind is UnitKind.DANG_BO_CO_SO,  # chi bộ first
    )
    for unit in order:
        data = inputs[unit.code]
        sub, extra = (None, None)
        if unit.kind is UnitKind.DANG_BO_CO_SO:
            sub, extra = _sub_cells(tree, unit, results)
        result = evaluate_unit_year(
            data.fields,
            kind=unit.kind,
            plan=plan,
            overrides=overrides.get(unit.code, ()),
            sub_cells=sub,
            registered=unit.code in registered,
            received_on=data.received_on,
            year=year,
        )
        if extra is not None:
            result = UnitYearResult(
                result.family,
                result.criteria,
                result.sub_cells,
                result.four_good,
                result.title,
                result.rating,
                result.flags + (extra,),
            )
        results[unit.code] = result
    return results


@dataclass(frozen=True)
class CommitteeSummary:
    committee: Unit
    candidates: tuple[str, ...]
    registered: tuple[str, ...]
    reported_by_year: dict[int, int]
    four_good_by_year: dict[int, int]
    pilots: tuple[PilotStatus, ...]
    so_ket: RewardDecision
    tong_ket: RewardDecision

    def to_json(self) -> dict[str, Any]:
        return {
            "committee": self.committee.code,
            "name": self.committee.name,
            "candidates": len(self.candidates),
            "registered": len(self.registered),
            "reported_by_year": self.reported_by_year,
            "four_good_by_year": self.four_good_by_year,
            "pilots": [p.to_json() for p in self.pilots],
            "so_ket": self.so_ket.to_json(),
            "tong_ket": self.tong_ket.to_json(),
        }


def _candidate_records(
    codes: Iterable[str],
    registered: set[str],
    results_by_year: Mapping[int, Mapping[str, UnitYearResult]],
    inputs_by_year: Mapping[int, Mapping[str, UnitYearInput]],
    years: Iterable[int],
) -> list[CandidateRecord]:
    records = []
    years = list(years)
    for code in codes:
        excellent = evaluated = 0
        for y in years:
            data = inputs_by_year.get(y, {}).get(code)
            if data is not None:
                excellent += int(data.fields.get("rated_excellent") or 0)
                evaluated += int(data.fields.get("members_evaluated") or 0)
        four_good = {
            y: bool(results_by_year.get(y, {}).get(code) and results_by_year[y][code].four_good)
            for y in years
        }
        records.append(CandidateRecord(code, code in registered, four_good, excellent, evaluated))
    return records


def summarise_committees(
    tree: RosterTree,
    plan: Plan,
    results_by_year: Mapping[int, Mapping[str, UnitYearResult]],
    inputs_by_year: Mapping[int, Mapping[str, UnitYearInput]],
    registered: Iterable[str],
) -> list[CommitteeSummary]:
    """Per recognising committee: counts per year, pilot compliance, sơ kết and tổng kết."""
    registered = set(registered)
    out = []
    for committee in tree.committees():
        units = tree.candidates_of(committee.code)
        codes = tuple(u.code for u in units)
        pilots = []
        for family, kinds in (
            ("dang_bo_co_so", (UnitKind.DANG_BO_CO_SO,)),
            ("chi_bo", (UnitKind.CHI_BO_CO_SO, UnitKind.CHI_BO)),
        ):
            group = [u for u in units if u.kind in kinds]
            pilots.append(pilot_status(family, len(group), sum(u.pilot for u in group), plan))
        so_ket_records = _candidate_records(
            codes, registered, results_by_year, inputs_by_year, plan.rewards.so_ket.years
        )
        tong_ket_records = _candidate_records(
            codes, registered, results_by_year, inputs_by_year, plan.rewards.tong_ket.years
        )
        out.append(
            CommitteeSummary(
                committee=committee,
                candidates=codes,
                registered=tuple(c for c in codes if c in registered),
                reported_by_year={
                    y: sum(1 for c in codes if c in results_by_year[y]) for y in results_by_year
                },
                four_good_by_year={
                    y: sum(1 for c in codes if c in res and res[c].four_good)
                    for y, res in results_by_year.items()
                },
                pilots=tuple(pilots),
                so_ket=so_ket_rewards(so_ket_records, plan),
                tong_ket=tong_ket_proposals(tong_ket_records, plan),
            )
        )
    return out


def inputs_digest(plan: Plan, data: UnitYearInput, extra: Any = None) -> str:
    """A stable hash of what one result was computed from (to tell a re-run from a change)."""
    payload = {
        "plan": plan.model_dump(mode="json"),
        "fields": dict(data.fields),
        "received_on": str(data.received_on),
        "extra": extra,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
