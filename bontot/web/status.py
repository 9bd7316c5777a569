"""The status page's facts: the flows' last runs, the plan's coming deadlines, the units whose
form has not come in yet.

The runs come from Prefect's API when ``PREFECT_API_URL`` is set and answers within a short
time-out; otherwise (or when it fails) from the store's audit log, which every step writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx

from bontot import calendar
from bontot import store as st
from bontot.calendar import Deadline
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.web.access import Scope

RUN_ACTIONS = {
    "intake": "Đọc phiếu (intake)",
    "evaluate": "Xét kết quả (evaluate)",
    "roster.import": "Nhập danh sách tổ chức đảng",
    "review.confirm": "Xác nhận phiếu trên trang kiểm tra",
    "override.add": "Điều chỉnh tiêu chí",
}
STATE_LABELS = {
    "COMPLETED": "Xong",
    "FAILED": "Lỗi",
    "CRASHED": "Hỏng",
    "RUNNING": "Đang chạy",
    "SCHEDULED": "Đã lên lịch",
    "PENDING": "Chờ",
    "CANCELLED": "Đã hủy",
    "CANCELLING": "Đang hủy",
    "PAUSED": "Tạm dừng",
}


@dataclass(frozen=True)
class Run:
    name: str
    state: str
    started: dt.datetime | None
    ended: dt.datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class Runs:
    runs: list[Run]
    source: str  # "prefect" | "store"
    note: str = ""


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def prefect_runs(
    api_url: str, timeout: float, limit: int = 10, client: httpx.Client | None = None
) -> list[Run]:
    """The latest flow runs from a Prefect server (raises httpx errors when it does not answer)."""
    base = api_url.rstrip("/")
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        reply = http.post(
            f"{base}/flow_runs/filter", json={"sort": "EXPECTED_START_TIME_DESC", "limit": limit}
        )
        reply.raise_for_status()
        items = reply.json()
        ids = sorted({i["flow_id"] for i in items if i.get("flow_id")})
        names: dict[str, str] = {}
        if ids:
            flows = http.post(f"{base}/flows/filter", json={"flows": {"id": {"any_": ids}}})
            flows.raise_for_status()
            names = {f["id"]: f.get("name", "") for f in flows.json()}
    finally:
        if own:
            http.close()
    runs = []
    for item in items:
        state = (item.get("state_type") or item.get("state", {}).get("type") or "").upper()
        flow = names.get(item.get("flow_id", ""), "")
        runs.append(
            Run(
                name=f"{flow} / {item.get('name', '')}".strip(" /"),
                state=STATE_LABELS.get(state, item.get("state_name") or state or "?"),
                started=_when(item.get("start_time") or item.get("expected_start_time")),
                ended=_when(item.get("end_time")),
            )
        )
    return runs


def store_runs(store: st.Store, limit: int = 15, with_detail: bool = True) -> list[Run]:
    """The latest steps from the audit log (what ran, when, by whom)."""
    with store.session() as s:
        entries = st.audit_entries(s, 400)
    runs = []
    for e in entries:
        if e.action not in RUN_ACTIONS and not e.action.startswith("flow."):
            continue
        detail = f"{e.actor}: {e.subject}" if with_detail else ""
        runs.append(Run(RUN_ACTIONS.get(e.action, e.action), "Xong", e.at, None, detail))
        if len(runs) >= limit:
            break
    return runs


def recent_runs(
    store: st.Store, api_url: str | None, timeout: float, with_detail: bool = True
) -> Runs:
    if api_url:
        try:
            return Runs(prefect_runs(api_url, timeout), "prefect")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            note = (
                f"Không lấy được danh sách lần chạy từ Prefect ({type(exc).__name__}); "
                "hiển thị theo nhật ký của phần mềm."
            )
            return Runs(store_runs(store, with_detail=with_detail), "store", note)
    return Runs(store_runs(store, with_detail=with_detail), "store")


# --- deadlines --------------------------------------------------------------------------------


def deadlines(plan: Plan, today: dt.date, count: int = 6) -> list[Deadline]:
    """The next deadlines of the plan's calendar, soonest first (and the last one just past)."""
    items = calendar.deadlines(plan)
    past = [d for d in items if d.day < today][-1:]
    return past + [d for d in items if d.day >= today][:count]


def coming_runs(plan: Plan, count: int = 5) -> list[calendar.ScheduledRun]:
    """The flows' next scheduled runs, as the plan's calendar sets them."""
    return calendar.coming_runs(plan, calendar.now_local())[:count]


def current_year(plan: Plan, today: dt.date) -> int:
    """The year whose self-assessments are being collected: the first whose deadline is not past
    (the last year of the plan once all are)."""
    years = sorted(plan.calendar.annual_evaluation)
    return next((y for y in years if plan.annual_deadline(y) >= today), years[-1])


# --- missing forms ----------------------------------------------------------------------------


@dataclass
class Missing:
    committee_code: str
    committee_name: str
    candidates: int = 0
    missing_report: list[tuple[str, str]] = field(default_factory=list)  # no Mẫu 02 of the year
    missing_registration: list[tuple[str, str]] = field(default_factory=list)  # no Mẫu 01


def missing_forms(
    store: st.Store, tree: RosterTree | None, scope: Scope, year: int
) -> list[Missing]:
    """Per recognising committee, the candidate units of the scope whose forms are not in."""
    if tree is None:
        return []
    with store.session() as s:
        reported = {code for (code, _) in st.current_assessments(s, year)}
        registered = set(st.current_registrations(s))
    groups: dict[str, Missing] = {}
    for unit in tree.units:
        if not unit.kind.is_grassroots_candidate or not scope.sees(unit.code):
            continue
        committee = tree.recognising_committee(unit.code)
        key = committee.code if committee else ""
        group = groups.setdefault(
            key, Missing(key, committee.name if committee else "(chưa xác định cấp ủy)")
        )
        group.candidates += 1
        if unit.code not in reported:
            group.missing_report.append((unit.code, unit.name))
        if unit.code not in registered:
            group.missing_registration.append((unit.code, unit.name))
    return list(groups.values())
