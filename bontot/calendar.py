"""The plan's calendar as runs of the software: what to do, on which day, at what time.

Every deadline of the plan (``calendar`` in the plan file) by which units return a form — the
registration (Mẫu 01-ĐK) and each year's self-assessment (Mẫu 02-TĐG) — gets reminders 14, 7 and
3 days before it (the list of units that have not returned it, per committee); every deadline of
a review (sơ kết, tổng kết: grassroots, committees, province) gets an evaluation and the review's
documents 5 days before it.  The committees' own plans (``committee_plans``) are not forms the
software receives, so they are listed but not reminded.  All times are Vietnam time.
Nothing here knows about Prefect: ``flows.deployments`` turns these runs into schedules, and
``bontot schedule`` prints them, so a new plan file means new schedules and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from bontot.plan import Plan

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REMIND_DAYS_BEFORE = (14, 7, 3)
PUBLISH_DAYS_BEFORE = 5
RUN_AT = dt.time(7, 0)  # the start of an office day: the lists are ready when the clerk arrives
INTAKE_EVERY_MINUTES = 5

Action = Literal["remind", "publish"]
Review = Literal["so_ket", "tong_ket"]

REVIEW_NAMES: dict[str, str] = {"so_ket": "Sơ kết", "tong_ket": "Tổng kết"}
_LEVEL_TEXT = {
    "grassroots": "chi bộ, đảng bộ cơ sở hoàn thành",
    "committees": "cấp ủy trực thuộc hoàn thành",
    "province": "báo cáo cấp tỉnh",
}
ACTION_NAMES: dict[str, str] = {
    "remind": "Lập danh sách đơn vị chưa nộp (nhắc hạn)",
    "publish": "Xét công nhận và lập văn bản",
}


@dataclass(frozen=True)
class Deadline:
    """One deadline of the plan's calendar.

    ``key`` names it the way the plan file does (``unit_registration``, ``so_ket.committees``,
    ``annual_evaluation.2026``); it is what the flows receive as a parameter.
    """

    key: str
    day: dt.date
    label: str
    review: Review | None = None
    year: int | None = None
    form: str | None = None  # the form units return by this deadline: "01-DK" | "02-TDG"

    @property
    def reminder(self) -> str | None:
        """What the reminder list is asked for ("dang-ky", or the year), when there is one."""
        if self.form == "01-DK":
            return "dang-ky"
        if self.form == "02-TDG" and self.year is not None:
            return str(self.year)
        return None


@dataclass(frozen=True)
class ScheduledRun:
    """One run the plan asks for: ``action`` at ``when`` (Vietnam time), for ``deadline``."""

    when: dt.datetime
    action: Action
    deadline: Deadline
    days_before: int

    @property
    def parameters(self) -> dict[str, str]:
        """The flow parameters of this run (JSON, for a Prefect schedule)."""
        if self.action == "publish":
            assert self.deadline.review is not None
            return {"review": self.deadline.review.replace("_", "-")}
        assert self.deadline.reminder is not None
        return {"deadline": self.deadline.reminder}

    @property
    def slug(self) -> str:
        """A stable, unique name of this run (lowercase letters, digits and dashes)."""
        key = self.deadline.key.replace(".", "-").replace("_", "-")
        return f"{self.action}-{key}-{self.days_before}d"

    @property
    def description(self) -> str:
        return (
            f"{ACTION_NAMES[self.action]}: {self.deadline.label},"
            f" hạn {self.deadline.day:%d/%m/%Y} (trước {self.days_before} ngày)"
        )


def deadlines(plan: Plan) -> list[Deadline]:
    """Every deadline of the plan, in date order (the launch is a date, not a deadline)."""
    cal = plan.calendar
    found = [
        Deadline("committee_plans", cal.committee_plans,
                 "Cấp ủy trực thuộc xây dựng kế hoạch, đăng ký thi đua"),
        Deadline("unit_registration", cal.unit_registration,
                 "Chi bộ, đảng bộ cơ sở đăng ký thi đua (Mẫu 01-ĐK)", form="01-DK"),
    ]
    reviews: tuple[Review, ...] = ("so_ket", "tong_ket")
    for review in reviews:
        dates = getattr(cal, review)
        for level, text in _LEVEL_TEXT.items():
            label = f"{REVIEW_NAMES[review]}: {text}"
            found.append(Deadline(f"{review}.{level}", getattr(dates, level), label, review))
    for year, day in sorted(cal.annual_evaluation.items()):
        label = f"Báo cáo tự đánh giá năm {year} (Mẫu 02-TĐG)"
        found.append(Deadline(f"annual_evaluation.{year}", day, label, year=year, form="02-TDG"))
    return sorted(found, key=lambda d: (d.day, d.key))


def find_deadline(plan: Plan, key: str) -> Deadline:
    """The deadline named ``key``; a ValueError names the keys there are."""
    for deadline in deadlines(plan):
        if deadline.key == key:
            return deadline
    known = ", ".join(d.key for d in deadlines(plan))
    raise ValueError(f"Kế hoạch {plan.id} không có hạn {key!r}; các hạn có: {known}")


def _at(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=LOCAL_TZ)


def planned_runs(
    plan: Plan,
    *,
    remind_days: Iterable[int] = REMIND_DAYS_BEFORE,
    publish_days: int = PUBLISH_DAYS_BEFORE,
    at: dt.time = RUN_AT,
) -> list[ScheduledRun]:
    """Every run of the whole plan period, past ones included, in time order."""
    runs = []
    for deadline in deadlines(plan):
        for days in remind_days if deadline.reminder else ():
            when = _at(deadline.day - dt.timedelta(days=days), at)
            runs.append(ScheduledRun(when, "remind", deadline, days))
        if deadline.review is not None:
            when = _at(deadline.day - dt.timedelta(days=publish_days), at)
            runs.append(ScheduledRun(when, "publish", deadline, publish_days))
    return sorted(runs, key=lambda r: (r.when, r.action, r.deadline.key))


def coming_runs(
    plan: Plan,
    now: dt.datetime,
    *,
    remind_days: Iterable[int] = REMIND_DAYS_BEFORE,
    publish_days: int = PUBLISH_DAYS_BEFORE,
    at: dt.time = RUN_AT,
) -> list[ScheduledRun]:
    """The runs still to come after ``now`` (an aware datetime), in time order."""
    if now.tzinfo is None:
        raise ValueError("now phải có múi giờ (timezone-aware)")
    runs = planned_runs(plan, remind_days=remind_days, publish_days=publish_days, at=at)
    return [r for r in runs if r.when > now]


def now_local() -> dt.datetime:
    return dt.datetime.now(LOCAL_TZ)
