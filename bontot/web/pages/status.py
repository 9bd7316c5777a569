"""Status: the flows' last runs, the plan's coming deadlines, the units still missing a form."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bontot.web import status as facts
from bontot.web.app import web_state
from bontot.web.auth import Principal
from bontot.web.pages import page, principal

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]


@router.get("/tinh-hinh")
def status_page(request: Request, who: Who, nam: str | None = None) -> Response:
    web = web_state(request)
    plan, today = web.plan(), dt.date.today()
    years = list(plan.period.years)
    year = (
        int(nam)
        if nam and nam.isdecimal() and int(nam) in years
        else facts.current_year(plan, today)
    )
    runs = facts.recent_runs(
        web.store,
        web.settings.prefect_api_url,
        web.settings.prefect_timeout_s,
        with_detail=who.is_province,
    )
    missing = facts.missing_forms(web.store, web.roster.tree(), who.scope, year)
    return page(
        request,
        "status.html",
        who,
        runs=runs,
        deadlines=facts.deadlines(plan, today),
        coming=facts.coming_runs(plan),
        today=today,
        year=year,
        years=years,
        missing=missing,
    )
