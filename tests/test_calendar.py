"""The plan's calendar as runs: which run, on which day, at what time — from the plan file only,
so another plan file gives other runs (no Prefect here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bontot.calendar import (
    LOCAL_TZ,
    Deadline,
    coming_runs,
    deadlines,
    find_deadline,
    planned_runs,
)
from bontot.plan import PLANS_DIR, Plan, default_plan_path, load_plan

SONG_XANH = PLANS_DIR / "example-song-xanh-2023-2028.yaml"


def vn(text: str) -> dt.datetime:
    """"2026-12-17 07:00" in Vietnam time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


@pytest.fixture(scope="module")
def qn() -> Plan:
    return load_plan(default_plan_path())


@pytest.fixture(scope="module")
def sx() -> Plan:
    return load_plan(SONG_XANH)


def rows(runs: list[Any]) -> list[tuple[str, str, str, int, dict[str, str]]]:
    return [(f"{r.when:%Y-%m-%d %H:%M}", r.action, r.deadline.key, r.days_before, r.parameters)
            for r in runs]


# --- deadlines -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "day", "reminder", "review"),
    [
        ("committee_plans", "2022-11-15", None, None),
        ("unit_registration", "2022-11-25", "dang-ky", None),
        ("annual_evaluation.2022", "2022-12-31", "2022", None),
        ("so_ket.grassroots", "2025-09-30", None, "so_ket"),
        ("so_ket.committees", "2025-10-30", None, "so_ket"),
        ("so_ket.province", "2025-11-10", None, "so_ket"),
        ("annual_evaluation.2025", "2025-12-31", "2025", None),
        ("tong_ket.grassroots", "2027-09-30", None, "tong_ket"),
        ("tong_ket.committees", "2027-10-30", None, "tong_ket"),
        ("tong_ket.province", "2027-11-30", None, "tong_ket"),
        ("annual_evaluation.2027", "2027-12-31", "2027", None),
    ],
)
def test_every_deadline_of_the_plan(qn: Plan, key: str, day: str, reminder: str | None,
                                    review: str | None) -> None:
    found = find_deadline(qn, key)
    assert (found.day.isoformat(), found.reminder, found.review) == (day, reminder, review)
    assert found.label  # Vietnamese, for the schedule table


def test_deadlines_are_in_date_order_and_the_launch_is_not_one(qn: Plan) -> None:
    found = deadlines(qn)
    assert [d.day for d in found] == sorted(d.day for d in found)
    assert len(found) == 2 + 6 + len(qn.calendar.annual_evaluation)
    assert "launch" not in {d.key for d in found}


def test_unknown_deadline_names_the_known_ones(qn: Plan) -> None:
    with pytest.raises(ValueError, match="unit_registration"):
        find_deadline(qn, "tet")


# --- the runs --------------------------------------------------------------------------------
def test_coming_runs_from_late_november_2026(qn: Plan) -> None:
    runs = coming_runs(qn, vn("2026-11-27 23:00"))
    assert rows(runs) == [
        ("2026-12-17 07:00", "remind", "annual_evaluation.2026", 14, {"deadline": "2026"}),
        ("2026-12-24 07:00", "remind", "annual_evaluation.2026", 7, {"deadline": "2026"}),
        ("2026-12-28 07:00", "remind", "annual_evaluation.2026", 3, {"deadline": "2026"}),
        ("2027-09-25 07:00", "publish", "tong_ket.grassroots", 5, {"review": "tong-ket"}),
        ("2027-10-25 07:00", "publish", "tong_ket.committees", 5, {"review": "tong-ket"}),
        ("2027-11-25 07:00", "publish", "tong_ket.province", 5, {"review": "tong-ket"}),
        ("2027-12-17 07:00", "remind", "annual_evaluation.2027", 14, {"deadline": "2027"}),
        ("2027-12-24 07:00", "remind", "annual_evaluation.2027", 7, {"deadline": "2027"}),
        ("2027-12-28 07:00", "remind", "annual_evaluation.2027", 3, {"deadline": "2027"}),
    ]


@pytest.mark.parametrize(
    ("now", "first"),
    [
        ("2025-09-25 06:59", ("2025-09-25 07:00", "publish", "so_ket.grassroots", 5)),
        # a run due at exactly "now" has started already: the next one is the first to come
        ("2025-09-25 07:00", ("2025-10-25 07:00", "publish", "so_ket.committees", 5)),
        ("2022-11-01 00:00", ("2022-11-11 07:00", "remind", "unit_registration", 14)),
        ("2027-12-28 07:00", None),  # the plan is over
    ],
)
def test_first_coming_run(qn: Plan, now: str, first: tuple[str, str, str, int] | None) -> None:
    runs = coming_runs(qn, vn(now))
    assert (rows(runs)[0][:4] if runs else None) == first


def test_review_deadlines_get_evaluation_and_documents_but_no_reminder(qn: Plan) -> None:
    runs = planned_runs(qn)
    review = [r for r in runs if r.deadline.review]
    assert {r.action for r in review} == {"publish"}
    assert [(r.deadline.key, f"{r.when:%Y-%m-%d}") for r in review] == [
        ("so_ket.grassroots", "2025-09-25"), ("so_ket.committees", "2025-10-25"),
        ("so_ket.province", "2025-11-05"), ("tong_ket.grassroots", "2027-09-25"),
        ("tong_ket.committees", "2027-10-25"), ("tong_ket.province", "2027-11-25"),
    ]
    assert not [r for r in runs if r.deadline.key == "committee_plans"]


def test_every_run_is_at_seven_in_vietnam_and_has_a_unique_slug(qn: Plan) -> None:
    runs = planned_runs(qn)
    assert all(r.when.tzinfo is LOCAL_TZ and r.when.time() == dt.time(7, 0) for r in runs)
    assert all(r.when.utcoffset() == dt.timedelta(hours=7) for r in runs)
    slugs = [r.slug for r in runs]
    assert len(slugs) == len(set(slugs))
    assert all(s == s.lower() and " " not in s and "." not in s and "_" not in s for s in slugs)
    # 3 reminders x (registration + 6 years) + 6 review runs
    assert len(runs) == 3 * 7 + 6


def test_days_before_and_time_are_settings(qn: Plan) -> None:
    runs = planned_runs(qn, remind_days=(30,), publish_days=10, at=dt.time(19, 30))
    reg = [r for r in runs if r.deadline.key == "unit_registration"]
    assert rows(reg) == [("2022-10-26 19:30", "remind", "unit_registration", 30,
                          {"deadline": "dang-ky"})]
    first_review = next(r for r in runs if r.action == "publish")
    assert f"{first_review.when:%Y-%m-%d %H:%M}" == "2025-09-20 19:30"


def test_now_must_carry_a_time_zone(qn: Plan) -> None:
    with pytest.raises(ValueError):
        coming_runs(qn, dt.datetime(2026, 1, 1))


# --- a new plan file means new runs ----------------------------------------------------------
def test_another_plan_gives_other_runs(qn: Plan, sx: Plan) -> None:
    now = vn("2026-01-01 00:00")
    assert rows(coming_runs(sx, now))[:4] == [
        ("2026-01-06 07:00", "remind", "annual_evaluation.2025", 14, {"deadline": "2025"}),
        ("2026-01-13 07:00", "remind", "annual_evaluation.2025", 7, {"deadline": "2025"}),
        ("2026-01-17 07:00", "remind", "annual_evaluation.2025", 3, {"deadline": "2025"}),
        ("2026-03-26 07:00", "publish", "so_ket.grassroots", 5, {"review": "so-ket"}),
    ]
    assert rows(coming_runs(qn, now))[0][:3] == ("2026-12-17 07:00", "remind",
                                                 "annual_evaluation.2026")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"annual_evaluation": {2026: "2027-01-15"}},
         ("2027-01-01 07:00", "remind", "annual_evaluation.2026", 14)),
        ({"tong_ket": {"grassroots": "2027-03-31", "committees": "2027-04-15",
                       "province": "2027-04-30"}},
         ("2026-12-17 07:00", "remind", "annual_evaluation.2026", 14)),
    ],
)
def test_an_edited_plan_file_moves_the_runs(
    tmp_path: Path, change: dict[str, Any], expected: tuple[str, str, str, int]
) -> None:
    data = yaml.safe_load(default_plan_path().read_text(encoding="utf-8"))
    for key, value in change.items():
        if isinstance(value, dict):
            data["calendar"][key].update(value)
        else:
            data["calendar"][key] = value
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runs = coming_runs(load_plan(path), vn("2026-11-27 23:00"))
    assert rows(runs)[0][:4] == expected
    if "tong_ket" in change:
        publish = [r for r in runs if r.action == "publish"]
        assert [f"{r.when:%Y-%m-%d}" for r in publish] == ["2027-03-26", "2027-04-10",
                                                           "2027-04-25"]


def test_deadline_reminder_is_what_the_documents_ask_for() -> None:
    assert Deadline("unit_registration", dt.date(2022, 11, 25), "x", form="01-DK").reminder \
        == "dang-ky"
    assert Deadline("annual_evaluation.2024", dt.date(2024, 12, 31), "x", year=2024,
                    form="02-TDG").reminder == "2024"
    assert Deadline("so_ket.committees", dt.date(2025, 10, 30), "x", review="so_ket").reminder \
        is None
