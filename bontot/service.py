"""Application services: the steps the CLI, the flows and the web call, over a workspace.

Each function opens what it needs, does one job, and returns a small result object.  No Prefect
here (flows only wire these together).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bontot import store as st
from bontot.evaluation import (
    CommitteeSummary,
    UnitYearInput,
    evaluate_year,
    inputs_digest,
    summarise_committees,
)
from bontot.plan import Plan
from bontot.roster import RosterTree, read_roster
from bontot.rules import Override, UnitYearResult
from bontot.workspace import Workspace

Progress = Callable[[str, int, int], None]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_roster(ws: Workspace, path: Path, actor: str = "cli") -> dict[str, int]:
    """Validate the whole roster file first, then apply it in one transaction."""
    units = read_roster(path)  # raises RosterError with every problem; nothing imported
    store = st.open_store(ws.database_url)
    with store.session() as s:
        return st.apply_roster(
            s, units, source_name=path.name, file_sha256=_sha256(path), actor=actor
        )


@dataclass(frozen=True)
class EvaluationRun:
    years: tuple[int, ...]
    results: dict[int, dict[str, UnitYearResult]]
    summaries: list[CommitteeSummary]
    saved: int
    unchanged: int
    tree: RosterTree


def evaluate_workspace(
    ws: Workspace, years: Iterable[int] | None = None, progress: Progress | None = None
) -> EvaluationRun:
    """Evaluate every unit-year in the store, record what changed, summarise per committee."""
    plan = ws.plan()
    store = st.open_store(ws.database_url)
    with store.session() as s:
        tree = RosterTree(st.load_units(s))
        registered = set(st.current_registrations(s))
        all_assessments = st.current_assessments(s)
        wanted = sorted(set(years) if years else {y for (_, y) in all_assessments})
        inputs = {y: {} for y in wanted}  # type: dict[int, dict[str, UnitYearInput]]
        for (code, year), rec in all_assessments.items():
            if year in inputs:
                inputs[year][code] = UnitYearInput(rec.fields, rec.received_on)
        results: dict[int, dict[str, UnitYearResult]] = {}
        saved = unchanged = 0
        for i, year in enumerate(wanted):
            overrides: dict[str, list[Override]] = {}
            for (code, crit), ov in st.current_overrides(s, year).items():
                overrides.setdefault(code, []).append(Override(crit, ov.met, ov.reason, ov.actor))
            results[year] = evaluate_year(tree, plan, year, inputs[year], registered, overrides)
            for code, res in results[year].items():
                extra = [o.__dict__ for o in overrides.get(code, [])]
                digest = inputs_digest(plan, inputs[year][code], extra)
                changed = st.save_evaluation(
                    s,
                    unit_code=code,
                    year=year,
                    plan_id=plan.id,
                    four_good=res.four_good,
                    rating=res.rating.value,
                    result=res.to_json(),
                    inputs_sha256=digest,
                )
                saved += changed
                unchanged += not changed
            if progress:
                progress(f"Năm {year}", i + 1, len(wanted))
        summaries = summarise_committees(tree, plan, results, inputs, registered)
        st.audit(
            s,
            "cli",
            "evaluate",
            ",".join(map(str, wanted)),
            {"saved": saved, "unchanged": unchanged},
        )
    return EvaluationRun(tuple(wanted), results, summaries, saved, unchanged, tree)


def load_demo(ws: Workspace, roster_path: Path, actor: str = "demo") -> dict[str, int]:
    """Write the demo province's roster, registrations and assessments into the workspace."""
    from bontot.demo import build_demo
    from bontot.roster import write_roster

    data = build_demo()
    write_roster(data.units, roster_path)
    counts = import_roster(ws, roster_path, actor)
    store = st.open_store(ws.database_url)
    with store.session() as s:
        have_reg = st.current_registrations(s)
        have_ass = st.current_assessments(s)
        for code, reg in data.registrations.items():
            if code not in have_reg:
                st.add_registration(s, unit_code=code, actor=actor, **reg)
        for (code, year), fields in data.assessments.items():
            if (code, year) not in have_ass:
                st.add_assessment(
                    s,
                    unit_code=code,
                    year=year,
                    fields=fields,
                    received_on=data.received_on[(code, year)],
                    actor=actor,
                )
    return {
        **counts,
        "registrations": len(data.registrations),
        "assessments": len(data.assessments),
    }


def plan_today(plan: Plan) -> dt.date:
    return dt.date.today()
