"""Results: the units of the account's scope with their evaluation for a year, one unit's result
criterion by criterion, and the committee's override of a criterion with its written reason."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bontot import store as st
from bontot.errors import InputError
from bontot.models import CRITERIA
from bontot.roster import RosterTree
from bontot.service import evaluate_workspace
from bontot.web.access import may_override
from bontot.web.app import WebState, web_state
from bontot.web.auth import Principal
from bontot.web.busy import when_free
from bontot.web.pages import not_found, page, posted, principal
from bontot.web.status import current_year

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]


def _year(web: WebState, nam: str | None) -> int:
    plan = web.plan()
    years = list(plan.period.years)
    if nam and nam.isdecimal() and int(nam) in years:
        return int(nam)
    return current_year(plan, dt.date.today())


@router.get("/ket-qua")
def results(request: Request, who: Who, nam: str | None = None) -> Response:
    web = web_state(request)
    tree, plan, year = web.roster.tree(), web.plan(), _year(web, nam)
    with web.store.session() as s:
        evaluations = {
            code: e for (code, _, _), e in st.current_evaluations(s, year, plan.id).items()
        }
    groups: dict[str, list] = {}
    names: dict[str, str] = {}
    if tree is not None:
        for unit in tree.units:
            if unit.kind.is_grassroots_candidate and who.scope.sees(unit.code):
                committee = tree.recognising_committee(unit.code)
                key = committee.code if committee else ""
                names[key] = committee.name if committee else "(chưa xác định cấp ủy)"
                groups.setdefault(key, []).append((unit, evaluations.get(unit.code)))
    return page(
        request,
        "results.html",
        who,
        year=year,
        years=list(plan.period.years),
        groups=groups,
        names=names,
    )


def _unit(web: WebState, who: Principal, code: str) -> tuple[RosterTree, object]:
    tree = web.roster.tree()
    if tree is None or len(code) > 32 or not who.scope.sees(code):
        raise not_found()
    try:
        return tree, tree.unit(code)
    except InputError as exc:
        raise not_found() from exc


def _unit_page(
    request: Request,
    who: Principal,
    code: str,
    nam: str | None,
    status: int = 200,
    message: str = "",
) -> Response:
    web = web_state(request)
    tree, unit = _unit(web, who, code)
    plan, year = web.plan(), _year(web, nam)
    with web.store.session() as s:
        evaluation = st.current_evaluations(s, year, plan.id).get((code, year, plan.id))
        assessment = st.current_assessments(s, year).get((code, year))
        overrides = [o for (c, _), o in st.current_overrides(s, year).items() if c == code]
        readings = [r for r in st.list_readings(s, unit_code=code) if r.year in (year, None)]
    return page(
        request,
        "unit.html",
        who,
        status,
        unit=unit,
        year=year,
        years=list(plan.period.years),
        evaluation=evaluation,
        assessment=assessment,
        overrides=overrides,
        readings=list(reversed(readings)),
        can_override=may_override(who.scope, tree, code),
        criteria=CRITERIA,
        message=message,
        committee=tree.recognising_committee(code),
    )


@router.get("/don-vi/{code}")
def unit_result(request: Request, who: Who, code: str, nam: str | None = None) -> Response:
    return _unit_page(request, who, code, nam)


@router.post("/don-vi/{code}/dieu-chinh")
async def unit_override(request: Request, who: Who, code: str) -> Response:
    web = web_state(request)
    tree, _ = await run_in_threadpool(_unit, web, who, code)
    form = await posted(request, who, max_files=0, max_fields=10)
    nam = str(form.get("nam", ""))
    if not may_override(who.scope, tree, code):
        return _unit_page(
            request,
            who,
            code,
            nam,
            403,
            "Chỉ cấp ủy xét công nhận đơn vị này (hoặc cấp trên) mới điều chỉnh được tiêu chí.",
        )
    year = _year(web, nam)
    verdict = str(form.get("ket_qua", ""))
    if verdict not in ("dat", "khong-dat"):
        return _unit_page(request, who, code, nam, 400, "Hãy chọn Đạt hoặc Không đạt.")

    def record() -> None:
        with web.store.session() as s:
            st.add_override(
                s,
                unit_code=code,
                year=year,
                criterion=str(form.get("tieu_chi", "")),
                met=verdict == "dat",
                reason=str(form.get("ly_do", ""))[:2000],
                actor=who.name,
            )

    def apply() -> None:
        when_free(record)
        if web.settings.evaluate_after_change:
            when_free(lambda: evaluate_workspace(web.ws, [year]))

    try:
        await run_in_threadpool(apply)
    except InputError as exc:
        return _unit_page(request, who, code, nam, 400, exc.message)
    return RedirectResponse(f"/don-vi/{code}?nam={year}", status_code=303)
