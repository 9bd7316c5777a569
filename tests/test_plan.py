"""The plan file: the shipped Quảng Ngãi plan holds rules.md's numbers, a bad plan is refused
with a Vietnamese message naming the key, and another plan (the made-up "Sông Xanh") changes the
outcomes of the same rules code.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bontot.errors import PlanError
from bontot.models import Rating
from bontot.plan import PLANS_DIR, Plan, default_plan_path, load_plan
from bontot.rules import (
    CandidateRecord,
    SubCells,
    evaluate_unit_year,
    pilot_status,
    so_ket_rewards,
    tong_ket_proposals,
)

SONG_XANH = PLANS_DIR / "example-song-xanh-2023-2028.yaml"
DROP = object()

_VIET = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
_ENGLISH = re.compile(r"\b(or|the|should|must|input|valid|field|expected|required)\b", re.I)


def is_vietnamese(text: str) -> bool:
    return bool(_VIET.search(text)) and not _ENGLISH.search(text)


@pytest.fixture(scope="module")
def qn() -> Plan:
    return load_plan(default_plan_path())


@pytest.fixture(scope="module")
def sx() -> Plan:
    return load_plan(SONG_XANH)


# --------------------------------------------------------------------------------------------
# The shipped plan holds the numbers of rules.md.
def test_shipped_plan_is_the_default():
    assert default_plan_path() == PLANS_DIR / "quang-ngai-2022-2027.yaml"
    assert default_plan_path().is_file()


@pytest.mark.parametrize("path", sorted(PLANS_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_plan_in_plans_folder_loads(path):
    assert isinstance(load_plan(path), Plan)


def test_shipped_plan_criteria(qn):
    c = qn.criteria
    # 4.2: "chi bộ ... 100% đảng viên"; "đảng bộ ... từ 90% đảng viên"
    assert (c.t4.min_good_or_better_percent.chi_bo, c.t4.min_good_or_better_percent.dang_bo_co_so) \
        == (100, 90)
    # IV.3: "phải có 3/4 chi bộ trong đảng bộ đạt bốn tốt"
    assert (c.dang_bo.four_good_sub_cells.numerator, c.dang_bo.four_good_sub_cells.denominator) \
        == (3, 4)
    # rules.md policies: one regular meeting a month, one thematic meeting a quarter, 12 months
    assert c.t2.regular_meetings_per_active_month == 1
    assert c.t2.thematic_meetings_per_active_quarter == 1
    assert c.default_months_active == 12
    # II.1 backlog and II.3 violations: none allowed; the II.3 press/public note applies
    assert (c.t1.max_backlog_cases, c.t3.max_violations) == (0, 0)
    assert c.t3.external_detection_fails is True
    assert c.self_assessment_binding is True
    assert c.t4.none_evaluated_meets is False


def test_shipped_plan_classification(qn):
    rows = {(r.criteria_met, r.requires_t1): (r.rating, r.four_good) for r in qn.classification}
    assert rows == {
        (4, True): (Rating.HOAN_THANH_XUAT_SAC, True),
        (3, True): (Rating.HOAN_THANH_TOT, False),
        (2, True): (Rating.HOAN_THANH, False),
    }
    assert qn.otherwise_rating is Rating.CAN_XEM_XET
    assert qn.four_criteria_without_sub_cells_rating is Rating.HOAN_THANH_TOT


def test_shipped_plan_pilots_and_rewards(qn):
    # III.2: "ít nhất 10% đối với đảng bộ cơ sở, ít nhất 15% đối với chi bộ"
    assert qn.pilots.min_percent == {"dang_bo_co_so": 10, "chi_bo": 15}
    assert qn.pilots.rounding == "ceil"
    so_ket = qn.rewards.so_ket
    # IV.2.1: "không quá 30% so với số lượng đăng ký và thực hiện đạt tiêu chuẩn 02 năm liền"
    assert (so_ket.cap_percent, so_ket.cap_rounding) == (30, "floor")
    assert so_ket.consecutive_four_good_years == 2
    assert so_ket.require_registered is True
    assert so_ket.years == [2022, 2023, 2024]
    assert so_ket.ranking == ["four_good_years", "excellent_share", "unit_code"]
    tong_ket = qn.rewards.tong_ket
    # IV.2.2: "từ 01 - 02 tổ chức"
    assert (tong_ket.proposals_min, tong_ket.proposals_max) == (1, 2)
    assert tong_ket.years == [2022, 2023, 2024, 2025, 2026]


def test_shipped_plan_calendar(qn):
    cal, d = qn.calendar, dt.date
    # IV.1.1: "từ ngày 07/11/2022 đến ngày 07/11/2027"
    assert (qn.period.start, qn.period.end) == (d(2022, 11, 7), d(2027, 11, 7))
    assert list(qn.period.years) == [2022, 2023, 2024, 2025, 2026, 2027]
    assert cal.launch == d(2022, 11, 7)  # "Tổ chức Lễ phát động dự kiến ngày 07/11/2022"
    assert cal.committee_plans == d(2022, 11, 15)  # "cấp huyện ... trước ngày 15/11/2022"
    assert cal.unit_registration == d(2022, 11, 25)  # "chi bộ, đảng bộ cơ sở ... 25/11/2022"
    # IV.1.2: "chi bộ, đảng bộ cơ sở hoàn thành trước ngày 30/9/2025; cấp huyện ... 30/10/2025.
    # Báo cáo về Ban Thường vụ Tỉnh ủy trước ngày 10/11/2025"
    assert (cal.so_ket.grassroots, cal.so_ket.committees, cal.so_ket.province) == (
        d(2025, 9, 30), d(2025, 10, 30), d(2025, 11, 10))
    # IV.1.3: "30/9/2027; cấp huyện ... 30/10/2027; cấp tỉnh ... 30/11/2027"
    assert (cal.tong_ket.grassroots, cal.tong_ket.committees, cal.tong_ket.province) == (
        d(2027, 9, 30), d(2027, 10, 30), d(2027, 11, 30))
    # rules.md [policy: date per year in the plan file]
    assert {y: qn.annual_deadline(y) for y in qn.period.years} == {
        y: d(y, 12, 31) for y in range(2022, 2028)}


def test_plan_is_frozen(qn):
    with pytest.raises(ValidationError):
        qn.pilots.rounding = "floor"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# A bad plan is refused: PlanError names the key and the problem, in Vietnamese.
def _shipped() -> dict[str, Any]:
    return yaml.safe_load(default_plan_path().read_text(encoding="utf-8"))


def _key(node: Any, part: str) -> Any:
    """A dotted-path part as the YAML node holds it: list index, year, or name."""
    if isinstance(node, list) or (part.isdigit() and int(part) in node):
        return int(part)
    return part


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[_key(node, p)]
    key = _key(node, last)
    if value is DROP:
        del node[key]
    else:
        node[key] = value


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "ke-hoach.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


BAD_PLANS = [
    pytest.param({"criteria.t4.min_good_or_better_percent.chi_bo": DROP},
                 "criteria.t4.min_good_or_better_percent.chi_bo", "thiếu khóa", id="missing-key"),
    pytest.param({"calendar": DROP}, "calendar", "thiếu khóa", id="missing-section"),
    pytest.param({"rewards.so_ket.cap_percnt": 30}, "rewards.so_ket.cap_percnt", "gõ sai tên",
                 id="unknown-key-typo"),
    pytest.param({"criteria.t4.min_good_or_better_percent.chi_bo": 150},
                 "criteria.t4.min_good_or_better_percent.chi_bo", "nhỏ hơn hoặc bằng 100",
                 id="percent-150"),
    pytest.param({"pilots.min_percent.chi_bo": 150}, "pilots.min_percent.chi_bo",
                 "nhỏ hơn hoặc bằng 100", id="pilot-percent-150"),
    pytest.param({"criteria.t4.min_good_or_better_percent.dang_bo_co_so": 89.5},
                 "criteria.t4.min_good_or_better_percent.dang_bo_co_so", "số nguyên",
                 id="percent-not-an-integer"),
    pytest.param({"criteria.t1.max_backlog_cases": -1}, "criteria.t1.max_backlog_cases",
                 "lớn hơn hoặc bằng 0", id="negative-count"),
    pytest.param({"rewards.tong_ket.proposals_max": -2}, "rewards.tong_ket.proposals_max",
                 "lớn hơn hoặc bằng 0", id="negative-proposals"),
    pytest.param({"calendar.launch": "7/11/2022"}, "calendar.launch", "YYYY-MM-DD",
                 id="date-written-dd/mm/yyyy"),
    pytest.param({"calendar.so_ket.committees": "2025-13-45"}, "calendar.so_ket.committees",
                 "YYYY-MM-DD", id="date-not-a-date"),
    pytest.param({"calendar.so_ket.province": 20251110}, "calendar.so_ket.province",
                 "YYYY-MM-DD", id="date-written-as-a-number"),
    pytest.param({"calendar.so_ket.committees": dt.date(2025, 9, 1)}, "calendar.so_ket",
                 "grassroots ≤ committees ≤ province", id="so-ket-dates-out-of-order"),
    pytest.param({"calendar.so_ket.province": dt.date(2027, 12, 1)}, "calendar",
                 "sơ kết phải trước tổng kết", id="so-ket-after-tong-ket"),
    pytest.param({"calendar.annual_evaluation.2025": DROP}, "(gốc)",
                 "calendar.annual_evaluation thiếu năm: 2025", id="annual-evaluation-missing-year"),
    pytest.param({"calendar.annual_evaluation.2025": dt.date(2027, 1, 15)},
                 "calendar", "annual_evaluation.2025", id="annual-evaluation-wrong-year"),
    pytest.param({"pilots.rounding": "round"}, "pilots.rounding", "'ceil' hoặc 'floor'",
                 id="rounding-round"),
    pytest.param({"rewards.so_ket.cap_rounding": "half_up"}, "rewards.so_ket.cap_rounding",
                 "'floor' hoặc 'ceil'", id="cap-rounding-half-up"),
    pytest.param({"rewards.so_ket.ranking": ["four_good_years", "age", "unit_code"]},
                 "rewards.so_ket.ranking.1", "giá trị không hợp lệ", id="ranking-unknown-key"),
    pytest.param({"rewards.so_ket.years": [2021, 2022]}, "(gốc)", "năm ngoài giai đoạn",
                 id="so-ket-year-outside-period"),
    pytest.param({"rewards.tong_ket.proposals_min": 3}, "rewards.tong_ket",
                 "proposals_min phải không lớn hơn proposals_max", id="proposals-min-above-max"),
    pytest.param({"criteria.dang_bo.four_good_sub_cells.numerator": 5},
                 "criteria.dang_bo.four_good_sub_cells", "numerator", id="fraction-above-one"),
    pytest.param({"criteria.self_assessment_binding": "maybe"},
                 "criteria.self_assessment_binding", "true hoặc false", id="bool-maybe"),
    pytest.param({"otherwise_rating": "xuat_sac"}, "otherwise_rating", "giá trị không hợp lệ",
                 id="unknown-rating"),
    pytest.param({"classification.1.criteria_met": 4}, "(gốc)", "bị lặp",
                 id="classification-row-repeated"),
    pytest.param({"period.end": dt.date(2021, 1, 1)}, "period", "sau ngày bắt đầu",
                 id="period-ends-before-it-starts"),
    # Regression: a plan without a pilot rate for chi bộ was accepted and pilot_status then
    # failed with a bare KeyError.
    pytest.param({"pilots.min_percent.chi_bo": DROP}, "pilots.min_percent", "chi_bo",
                 id="pilot-rate-missing-for-chi-bo"),
    # Regression: a ranking without unit_code as its last key left full ties in input order and
    # the report claimed the unit code had decided them.
    pytest.param({"rewards.so_ket.ranking": ["four_good_years", "excellent_share"]},
                 "rewards.so_ket.ranking", "unit_code", id="ranking-without-unit-code"),
    pytest.param({"rewards.tong_ket.ranking": ["unit_code", "four_good_years"]},
                 "rewards.tong_ket.ranking", "unit_code", id="ranking-unit-code-not-last"),
]


@pytest.mark.parametrize(("changes", "key", "problem"), BAD_PLANS)
def test_bad_plan_is_refused(tmp_path, changes, key, problem):
    data = _shipped()
    for path, value in changes.items():
        _set(data, path, value)
    path = _write(tmp_path, data)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    err = info.value
    assert err.path == str(path)
    assert err.exit_code == 3
    hits = [p for p in err.problems if p.startswith(f"{key}: ") and problem in p]
    assert hits, f"no problem names {key!r} with {problem!r}: {err.problems}"
    for p in err.problems:
        assert is_vietnamese(p.split(": ", 1)[1]), p
    assert str(err).startswith(f"Tệp kế hoạch {path} không dùng được:")
    assert all(p in str(err) for p in err.problems)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    lines = default_plan_path().read_text(encoding="utf-8").splitlines()
    broken = next(i for i, line in enumerate(lines) if line.strip().startswith("cap_percent:"))
    lines[broken] = "    cap_percent: 30: 40"
    path = tmp_path / "hong.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.problems == [f"không đúng cú pháp YAML ở dòng {broken + 1}, cột 20"]


def test_file_not_found(tmp_path):
    missing = tmp_path / "khong-co.yaml"
    with pytest.raises(PlanError) as info:
        load_plan(missing)
    assert info.value.problems == ["không tìm thấy tệp"]
    assert str(missing) in str(info.value)


@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "chỉ là một dòng chữ\n"],
                         ids=["empty", "a-list", "a-string"])
def test_not_a_mapping(tmp_path, text):
    path = tmp_path / "k.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.problems == ["(gốc): tệp phải là một bảng khóa: giá trị (YAML mapping)"]


def test_every_problem_is_reported_at_once(tmp_path):
    data = _shipped()
    _set(data, "pilots.rounding", "round")
    _set(data, "criteria.t1.max_backlog_cases", -1)
    _set(data, "calendar.launch", "hôm nay")
    with pytest.raises(PlanError) as info:
        load_plan(_write(tmp_path, data))
    keys = {p.split(": ", 1)[0] for p in info.value.problems}
    assert keys == {"pilots.rounding", "criteria.t1.max_backlog_cases", "calendar.launch"}


# --------------------------------------------------------------------------------------------
# Another province, another plan file: the same rules code, other outcomes.
def test_song_xanh_holds_its_own_numbers(sx, qn):
    assert sx.province == "Sông Xanh"
    assert list(sx.period.years) == [2023, 2024, 2025, 2026, 2027, 2028]
    share = sx.criteria.t4.min_good_or_better_percent
    assert (share.chi_bo, share.dang_bo_co_so) == (95, 85)
    frac = sx.criteria.dang_bo.four_good_sub_cells
    assert (frac.numerator, frac.denominator) == (2, 3)
    assert sx.pilots.min_percent == {"dang_bo_co_so": 20, "chi_bo": 25}
    assert sx.rewards.so_ket.cap_percent == 25
    assert sx.rewards.so_ket.consecutive_four_good_years == 3
    assert sx.rewards.tong_ket.proposals_max == 3
    assert sx.rewards.so_ket.ranking == ["excellent_share", "four_good_years", "unit_code"]
    assert sx.four_criteria_without_sub_cells_rating is Rating.CAN_XEM_XET
    assert sx.annual_deadline(2023) == dt.date(2024, 1, 20)
    assert sx.id != qn.id


PASSING: dict[str, Any] = {
    "year": 2023, "months_active": 12,
    "t1_work_program": True, "t1_targets_assigned": 3, "t1_targets_met": 3,
    "t1_admission_target": 1, "t1_admitted": 1, "t1_backlog_cases": 0, "t1_other_tasks": True,
    "t1_self": True, "t2_regular_meetings": 12, "t2_thematic_meetings": 4, "t2_quality_ok": True,
    "t2_self": True, "t3_working_rules": True, "t3_violations": 0,
    "t3_external_detection": False, "t3_self": True, "t4_movement": True, "t4_self": True,
}


def _members(evaluated: int, good_or_better: int) -> dict[str, int]:
    return {"members_total": evaluated, "members_evaluated": evaluated, "rated_excellent": 0,
            "rated_good": good_or_better, "rated_complete": evaluated - good_or_better,
            "rated_incomplete": 0}


@pytest.mark.parametrize(
    ("kind", "evaluated", "good"),
    [
        pytest.param("chi_bo", 20, 19, id="chi-bo-19-of-20-is-95pct"),
        pytest.param("dang_bo_co_so", 100, 85, id="dang-bo-85-of-100"),
        pytest.param("dang_bo_co_so", 20, 17, id="dang-bo-17-of-20-is-85pct"),
    ],
)
def test_member_share_fails_in_quang_ngai_meets_in_song_xanh(qn, sx, kind, evaluated, good):
    fields = {**PASSING, **_members(evaluated, good), "sub_cells_total": 4,
              "sub_cells_four_good": 4}
    assert evaluate_unit_year(fields, kind=kind, plan=qn).criteria["t4"].met is False
    assert evaluate_unit_year(fields, kind=kind, plan=sx).criteria["t4"].met is True


def test_sub_cells_rule_follows_the_plan(qn, sx):
    # 5 of 7: under 3/4 (Quảng Ngãi), over 2/3 (Sông Xanh).
    fields = {**PASSING, **_members(100, 100)}
    five_of_seven = SubCells(7, 5, from_form=False)
    under_qn = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=qn, sub_cells=five_of_seven)
    under_sx = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=sx, sub_cells=five_of_seven)
    assert (under_qn.four_good, under_qn.rating) == (False, Rating.HOAN_THANH_TOT)
    assert (under_sx.four_good, under_sx.rating) == (True, Rating.HOAN_THANH_XUAT_SAC)
    # 1 of 2 fails both rules; each plan rates the đảng bộ its own way.
    half = SubCells(2, 1, from_form=False)
    assert evaluate_unit_year(fields, kind="dang_bo_co_so", plan=qn,
                              sub_cells=half).rating is Rating.HOAN_THANH_TOT
    assert evaluate_unit_year(fields, kind="dang_bo_co_so", plan=sx,
                              sub_cells=half).rating is Rating.CAN_XEM_XET


def test_pilot_minimum_follows_the_plan(qn, sx):
    # 7 đảng bộ cơ sở: ceil(0.7) = 1 vs ceil(1.4) = 2; 20 chi bộ: 3 vs 5.
    assert pilot_status("dang_bo_co_so", 7, 1, qn).ok is True
    assert pilot_status("dang_bo_co_so", 7, 1, sx).ok is False
    assert pilot_status("dang_bo_co_so", 7, 1, sx).minimum == 2
    assert pilot_status("chi_bo", 20, 3, qn).minimum == 3
    assert pilot_status("chi_bo", 20, 3, sx).minimum == 5


def _rec(code: str, years: tuple[int, ...], excellent: int = 0) -> CandidateRecord:
    return CandidateRecord(code, True, {y: y in years for y in range(2022, 2029)},
                           rated_excellent=excellent, members_evaluated=10)


def test_so_ket_cap_and_eligibility_follow_the_plan(qn, sx):
    records = [_rec(f"F{i}", ()) for i in range(8)]
    records += [_rec("TWO", (2023, 2024)), _rec("THREE", (2023, 2024, 2025))]
    under_qn, under_sx = so_ket_rewards(records, qn), so_ket_rewards(records, sx)
    # 10 registered: floor(3.0) = 3 vs floor(2.5) = 2
    assert (under_qn.cap, under_sx.cap) == (3, 2)
    # "02 năm liền" in 2022–2024 vs three years running in 2023–2025
    assert set(under_qn.selected) == {"TWO", "THREE"}
    assert under_sx.selected == ("THREE",)
    assert "03 năm liền" in under_sx.ineligible["TWO"]


def test_tong_ket_count_and_ranking_follow_the_plan(qn, sx):
    records = [
        _rec("LONG", (2023, 2024, 2025, 2026, 2027), excellent=1),
        _rec("SHARP", (2025, 2026, 2027), excellent=9),
        _rec("P3", (2024, 2025, 2026, 2027), excellent=5),
        _rec("P4", (2024, 2025, 2026), excellent=4),
        _rec("P5", (2022, 2023, 2024, 2025, 2026), excellent=2),
    ]
    under_qn, under_sx = tong_ket_proposals(records, qn), tong_ket_proposals(records, sx)
    # Quảng Ngãi: most four-good years first (2022–2026), at most 2 proposals.
    assert under_qn.selected == ("P5", "LONG")
    # Sông Xanh: highest excellent share first (2023–2027), at most 3 proposals.
    assert under_sx.selected == ("SHARP", "P3", "P4")


def test_late_flag_follows_the_plan(qn, sx):
    fields = {**PASSING, **_members(10, 10)}
    received = dt.date(2024, 1, 10)
    flags_qn = {f.code: f.message for f in evaluate_unit_year(
        fields, kind="chi_bo", plan=qn, received_on=received).flags}
    flags_sx = {f.code: f.message for f in evaluate_unit_year(
        fields, kind="chi_bo", plan=sx, received_on=received).flags}
    assert flags_qn["late"] == "Nộp muộn 10 ngày."
    assert "late" not in flags_sx
    late_sx = evaluate_unit_year(fields, kind="chi_bo", plan=sx, received_on=dt.date(2024, 1, 25))
    assert {f.code: f.message for f in late_sx.flags}["late"] == "Nộp muộn 5 ngày."


def test_song_xanh_is_not_the_shipped_plan_with_a_new_name(qn, sx):
    # Guard against the example drifting back to the Quảng Ngãi numbers.
    def dump(p: Plan) -> dict[str, Any]:
        d = copy.deepcopy(p.model_dump())
        for k in ("id", "name", "province", "issuer"):
            d.pop(k)
        return d

    a, b = dump(qn), dump(sx)
    assert a["calendar"] != b["calendar"]
    assert a["rewards"] != b["rewards"]
    assert a["pilots"] != b["pilots"]
    assert a["criteria"] != b["criteria"]
