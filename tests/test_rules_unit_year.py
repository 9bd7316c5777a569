"""The rules of one unit-year (rules.md, "The four criteria" and "Result of a unit-year").

Every case varies one field (or one pair that must move together) of a fully passing Mẫu 02-TĐG
and names, in its id or a comment, the sentence of the plan
(shared/seeds/ke-hoach-chi-bo-bon-tot-2022-2027.txt) it checks.  Expected outcomes are written
out from rules.md, never recomputed with the code's own formula.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from bontot.models import ASSESSMENT_LABELS, CRITERIA, Rating
from bontot.plan import Plan, default_plan_path, load_plan, parse_plan
from bontot.rules import (
    Criterion,
    Override,
    SubCells,
    apply_overrides,
    check_sub_cells,
    classify,
    days_late,
    evaluate_unit_year,
)

DROP = object()  # a change that removes the key, as a field left blank on the form

# Letters only Vietnamese text has: a reason written in English would contain none of them.
_VIET = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


def is_vietnamese(text: str) -> bool:
    return bool(_VIET.search(text)) and not re.search(r"\b(the|must|should|missing)\b", text)


def quoted(key: str) -> str:
    """A form label as the reasons quote it."""
    return f"\u201c{ASSESSMENT_LABELS[key]}\u201d"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())


def plan_variant(changes: Mapping[str, Any]) -> Plan:
    """The shipped plan with a few settings changed (dotted paths), validated like a file."""
    data = yaml.safe_load(default_plan_path().read_text(encoding="utf-8"))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    return parse_plan(copy.deepcopy(data), "variant")


# A Mẫu 02-TĐG that meets everything: a chi bộ of 10 members, a đảng bộ cơ sở of 100 members.
PASSING_CHI_BO: dict[str, Any] = {
    "year": 2023,
    "months_active": 12,
    "t1_work_program": True,
    "t1_targets_assigned": 5,
    "t1_targets_met": 5,
    "t1_admission_target": 1,
    "t1_admitted": 1,
    "t1_backlog_cases": 0,
    "t1_other_tasks": True,
    "t1_self": True,
    "t2_regular_meetings": 12,
    "t2_thematic_meetings": 4,
    "t2_quality_ok": True,
    "t2_self": True,
    "t3_working_rules": True,
    "t3_violations": 0,
    "t3_external_detection": False,
    "t3_self": True,
    "t4_movement": True,
    "members_total": 10,
    "members_evaluated": 10,
    "rated_excellent": 2,
    "rated_good": 8,
    "rated_complete": 0,
    "rated_incomplete": 0,
    "t4_self": True,
    "self_title": True,
    "proposed_rating": "hoan_thanh_xuat_sac",
}
PASSING_DANG_BO: dict[str, Any] = {
    **PASSING_CHI_BO,
    "members_total": 100,
    "members_evaluated": 100,
    "rated_excellent": 20,
    "rated_good": 80,
    "sub_cells_total": 8,
    "sub_cells_four_good": 8,
}
PASSING = {
    "chi_bo": PASSING_CHI_BO, "chi_bo_co_so": PASSING_CHI_BO, "dang_bo_co_so": PASSING_DANG_BO,
}


@pytest.fixture
def passing_form():
    """A fresh copy of the fully passing form of a kind, with some fields changed or dropped."""

    def make(kind: str = "chi_bo", **changes: Any) -> dict[str, Any]:
        fields = dict(PASSING[kind])
        for key, value in changes.items():
            if value is DROP:
                fields.pop(key, None)
            else:
                fields[key] = value
        return fields

    return make


def test_the_fixture_passes_everything(plan, passing_form):
    for kind, title in (
        ("chi_bo", "Chi bộ bốn tốt"),
        ("chi_bo_co_so", "Chi bộ bốn tốt"),
        ("dang_bo_co_so", "Đảng bộ cơ sở bốn tốt"),
    ):
        result = evaluate_unit_year(passing_form(kind), kind=kind, plan=plan)
        assert {k: c.met for k, c in result.criteria.items()} == dict.fromkeys(CRITERIA, True)
        assert all(c.reasons == () and c.missing == () for c in result.criteria.values())
        assert result.four_good is True
        assert result.title == title
        assert result.rating is Rating.HOAN_THANH_XUAT_SAC
        assert result.missing == ()


# --------------------------------------------------------------------------------------------
# The four criteria, one check per row.  Columns: kind, changes, criterion, met, label key the
# reason must quote (None when met), a fragment the reason must contain (None when met).
C, D = "chi_bo", "dang_bo_co_so"
CRITERION_CASES = [
    # ---- T1 (II.1) -------------------------------------------------------------------------
    # II.1: "Việc cụ thể hóa, xây dựng và tổ chức thực hiện các chương trình, kế hoạch công tác năm"
    pytest.param(C, {"t1_work_program": False}, "t1", False, "t1_work_program", "Không",
                 id="II.1-work-programme-Khong"),
    # II.1: "phải đạt và vượt chỉ tiêu được giao"
    pytest.param(C, {"t1_targets_met": 4}, "t1", False, "t1_targets_met", "4",
                 id="II.1-targets-4-of-5-fails"),
    pytest.param(C, {"t1_targets_assigned": 0, "t1_targets_met": 0}, "t1", True, None, None,
                 id="II.1-targets-0-of-0-meets"),
    pytest.param(C, {"t1_targets_assigned": 6}, "t1", False, "t1_targets_assigned", "6",
                 id="II.1-targets-5-of-6-fails"),
    # II.1: "Kết nạp đảng viên đạt số lượng, chất lượng và vượt chỉ tiêu được giao"
    pytest.param(C, {"t1_admission_target": 0, "t1_admitted": 0}, "t1", True, None, None,
                 id="II.1-admission-target-0-admitted-0-meets"),
    pytest.param(C, {"t1_admitted": 3}, "t1", True, None, None,
                 id="II.1-admission-3-over-target-1-meets"),
    pytest.param(C, {"t1_admission_target": 2}, "t1", False, "t1_admitted", "2",
                 id="II.1-admitted-1-below-target-2-fails"),
    # II.1: "không để vụ việc tồn đọng, kéo dài, khiếu nại phức tạp đông người và vượt cấp"
    pytest.param(C, {"t1_backlog_cases": 1}, "t1", False, "t1_backlog_cases", "1",
                 id="II.1-backlog-1-fails"),
    # II.1: the yes/no of "công tác tư tưởng; công tác tổ chức ... kiểm tra, giám sát"
    pytest.param(C, {"t1_other_tasks": False}, "t1", False, "t1_other_tasks", "Không",
                 id="II.1-other-tasks-Khong"),
    # rules.md: 'A self-assessment of "Không đạt" on a criterion makes it not met.'
    pytest.param(C, {"t1_self": False}, "t1", False, "t1_self", "Không đạt",
                 id="II.1-self-Khong-dat-with-every-figure-met"),
    # ---- T2 (II.2) -------------------------------------------------------------------------
    # II.2: "Thực hiện đầy đủ ... Chỉ thị số 10-CT/TW" — one regular meeting per active month
    pytest.param(C, {"t2_regular_meetings": 11}, "t2", False, "t2_regular_meetings", "12",
                 id="II.2-regular-11-of-12-fails"),
    pytest.param(C, {"months_active": 9, "t2_regular_meetings": 9, "t2_thematic_meetings": 3},
                 "t2", True, None, None, id="II.2-9-months-9-regular-3-thematic-meets"),
    pytest.param(C, {"months_active": 9, "t2_regular_meetings": 8, "t2_thematic_meetings": 3},
                 "t2", False, "t2_regular_meetings", "9", id="II.2-9-months-8-regular-fails"),
    # II.2: "nhất là các kỳ sinh hoạt chuyên đề theo chủ đề hàng quý"
    pytest.param(C, {"months_active": 9, "t2_regular_meetings": 9, "t2_thematic_meetings": 2},
                 "t2", False, "t2_thematic_meetings", "3", id="II.2-9-months-2-thematic-fails"),
    pytest.param(C, {"t2_thematic_meetings": 3}, "t2", False, "t2_thematic_meetings", "4",
                 id="II.2-full-year-3-thematic-fails"),
    pytest.param(C, {"months_active": 1, "t2_regular_meetings": 1, "t2_thematic_meetings": 1},
                 "t2", True, None, None, id="II.2-1-month-1-regular-1-thematic-meets"),
    # forms.md: months_active "left blank: absent from fields; the rules then take 12"
    pytest.param(C, {"months_active": DROP}, "t2", True, None, None,
                 id="II.2-months-absent-12-regular-4-thematic-meets"),
    pytest.param(C, {"months_active": DROP, "t2_regular_meetings": 11}, "t2", False,
                 "t2_regular_meetings", "12", id="II.2-months-absent-means-12-so-11-fails"),
    pytest.param(C, {"months_active": DROP, "t2_thematic_meetings": 3}, "t2", False,
                 "t2_thematic_meetings", "4", id="II.2-months-absent-means-4-quarters"),
    # II.2: "Thực hiện tốt Hướng dẫn số 06-HD/BTCTU"
    pytest.param(C, {"t2_quality_ok": False}, "t2", False, "t2_quality_ok", "Không",
                 id="II.2-quality-06-HD-Khong"),
    pytest.param(C, {"t2_self": False}, "t2", False, "t2_self", "Không đạt",
                 id="II.2-self-Khong-dat-with-every-figure-met"),
    # ---- T3 (II.3) -------------------------------------------------------------------------
    # II.3: "Xây dựng, tổ chức thực hiện theo đúng quy chế làm việc"
    pytest.param(C, {"t3_working_rules": False}, "t3", False, "t3_working_rules", "Không",
                 id="II.3-working-rules-Khong"),
    # II.3: "Không có đảng viên vi phạm Quy định những điều đảng viên không được làm"
    pytest.param(C, {"t3_violations": 1}, "t3", False, "t3_violations", "1",
                 id="II.3-one-violation-fails"),
    # II.3 note: "để báo chí, người dân phát hiện phản ánh, tố cáo đúng sự việc thì không đạt"
    pytest.param(C, {"t3_external_detection": True}, "t3", False, "t3_external_detection",
                 "II.3", id="II.3-press-detection-fails-with-0-violations"),
    pytest.param(C, {"t3_self": False}, "t3", False, "t3_self", "Không đạt",
                 id="II.3-self-Khong-dat-with-every-figure-met"),
    # ---- T4 (II.4) -------------------------------------------------------------------------
    # 4.1: "Tổ chức phát động và duy trì phong trào rèn luyện ... theo tiêu chí 04 tốt"
    pytest.param(C, {"t4_movement": False}, "t4", False, "t4_movement", "Không",
                 id="II.4.1-movement-Khong"),
    # 4.2: "Đối với chi bộ, hằng năm có 100% đảng viên ... hoàn thành tốt nhiệm vụ trở lên"
    pytest.param(C, {"rated_good": 7, "rated_complete": 1}, "t4", False, "members_evaluated",
                 "9/10", id="II.4.2-chi-bo-9-of-10-fails-100pct"),
    pytest.param("chi_bo_co_so", {"rated_good": 7, "rated_complete": 1}, "t4", False,
                 "members_evaluated", "100", id="II.4.2-chi-bo-co-so-9-of-10-fails-100pct"),
    pytest.param(C, {"rated_excellent": 10, "rated_good": 0}, "t4", True, None, None,
                 id="II.4.2-chi-bo-10-excellent-counts-as-good-or-better"),
    # 4.2: "Đối với đảng bộ, hằng năm có từ 90% đảng viên ... hoàn thành tốt nhiệm vụ trở lên"
    pytest.param(D, {"members_evaluated": 10, "rated_excellent": 1, "rated_good": 8,
                     "rated_complete": 1}, "t4", True, None, None,
                 id="II.4.2-dang-bo-9-of-10-is-90pct-meets"),
    pytest.param(D, {"members_evaluated": 99, "rated_excellent": 9, "rated_good": 80,
                     "rated_complete": 10}, "t4", False, "members_evaluated", "89/99",
                 id="II.4.2-dang-bo-89-of-99-fails"),
    pytest.param(D, {"rated_good": 70, "rated_complete": 10}, "t4", True, None, None,
                 id="II.4.2-dang-bo-90-of-100-meets"),
    pytest.param(D, {"rated_good": 69, "rated_incomplete": 11}, "t4", False,
                 "members_evaluated", "90", id="II.4.2-dang-bo-89-of-100-fails"),
    # rules.md [policy]: "members exempted from evaluation are not counted": 9 of 9 evaluated
    # out of 10 members is 100 %.
    pytest.param(C, {"members_evaluated": 9, "rated_good": 7}, "t4", True, None, None,
                 id="II.4.2-exempted-member-not-in-denominator"),
    # plan setting none_evaluated_meets: false — with nobody evaluated no share can be shown
    pytest.param(C, {"members_evaluated": 0, "rated_excellent": 0, "rated_good": 0}, "t4",
                 False, "members_evaluated", "0", id="II.4.2-members-evaluated-0-fails"),
    pytest.param(C, {"t4_self": False}, "t4", False, "t4_self", "Không đạt",
                 id="II.4-self-Khong-dat-with-every-figure-met"),
]


@pytest.mark.parametrize(("kind", "changes", "criterion", "met", "label", "says"),
                         CRITERION_CASES)
def test_criterion(plan, passing_form, kind, changes, criterion, met, label, says):
    result = evaluate_unit_year(passing_form(kind, **changes), kind=kind, plan=plan)
    crit = result.criteria[criterion]
    assert crit.met is met
    # Varying one check moves one criterion only.
    assert all(result.criteria[k].met for k in CRITERIA if k != criterion)
    if met:
        assert crit.reasons == ()
        assert result.four_good is True
        return
    assert crit.reasons, "a criterion not met must say why"
    text = " ".join(crit.reasons)
    assert quoted(label) in text, f"the reason must quote the form's label: {text}"
    assert says in text
    assert all(is_vietnamese(r) for r in crit.reasons), crit.reasons
    assert crit.missing == ()  # every figure was there
    assert result.four_good is False and result.title is None


def test_dang_bo_threshold_is_not_the_chi_bo_threshold(plan, passing_form):
    # 4.2: the same 9 of 10 meets "từ 90%" for a đảng bộ and fails "100%" for a chi bộ.
    nine_of_ten = {"members_total": 10, "members_evaluated": 10, "rated_excellent": 1,
                   "rated_good": 8, "rated_complete": 1}
    chi_bo = evaluate_unit_year(passing_form("chi_bo", **nine_of_ten), kind="chi_bo", plan=plan)
    dang_bo = evaluate_unit_year(passing_form("dang_bo_co_so", **nine_of_ten),
                                 kind="dang_bo_co_so", plan=plan)
    assert chi_bo.criteria["t4"].met is False
    assert dang_bo.criteria["t4"].met is True


def test_no_float_decides_the_share(plan, passing_form):
    # rules.md: "Compare exactly (integers), never with rounded percentages".  With a made-up
    # 29 % threshold, 29 of 100 meets, yet 29 / 100 * 100 is 28.999999999999996 in floats.
    assert 29 / 100 * 100 < 29  # the trap is real
    variant = plan_variant({"criteria.t4.min_good_or_better_percent.dang_bo_co_so": 29})
    meets = passing_form("dang_bo_co_so", rated_excellent=0, rated_good=29, rated_complete=71)
    fails = passing_form("dang_bo_co_so", rated_excellent=0, rated_good=28, rated_complete=72)
    assert evaluate_unit_year(meets, kind="dang_bo_co_so", plan=variant).criteria["t4"].met
    assert not evaluate_unit_year(fails, kind="dang_bo_co_so", plan=variant).criteria["t4"].met


# --------------------------------------------------------------------------------------------
# A field the rules need left blank: the criterion is not met, the reason says "Thiếu số liệu"
# with the label, ``missing`` lists the key and the result carries the missing_data flag.
NEEDED = {
    "t1": ["t1_work_program", "t1_targets_assigned", "t1_targets_met", "t1_admission_target",
           "t1_admitted", "t1_backlog_cases", "t1_other_tasks"],
    "t2": ["t2_regular_meetings", "t2_thematic_meetings", "t2_quality_ok"],
    "t3": ["t3_working_rules", "t3_violations", "t3_external_detection"],
    "t4": ["t4_movement", "members_evaluated", "rated_excellent", "rated_good"],
}


@pytest.mark.parametrize(
    ("criterion", "key"),
    [pytest.param(c, k, id=f"{c}-blank-{k}") for c, keys in NEEDED.items() for k in keys],
)
def test_missing_field(plan, passing_form, criterion, key):
    result = evaluate_unit_year(passing_form("chi_bo", **{key: DROP}), kind="chi_bo", plan=plan)
    crit = result.criteria[criterion]
    assert crit.met is False
    assert crit.missing == (key,)
    assert any(r.startswith("Thiếu số liệu") and quoted(key) in r for r in crit.reasons)
    assert all(result.criteria[k].met for k in CRITERIA if k != criterion)
    assert result.missing == (key,)
    flags = {f.code: f.message for f in result.flags}
    assert quoted(key) in flags["missing_data"]
    # Missing data is never a pass: no title, and the rating is the 3-criteria row at best.
    assert result.four_good is False


@pytest.mark.parametrize("key", ["t1_self", "t2_self", "t3_self", "t4_self"])
def test_blank_self_rating_binds_nothing(plan, passing_form, key):
    # rules.md binds a self-assessment of "Không đạt"; a blank one is not "Không đạt".
    result = evaluate_unit_year(passing_form("chi_bo", **{key: DROP}), kind="chi_bo", plan=plan)
    assert result.four_good is True
    assert result.missing == ()


@pytest.mark.parametrize("key", ["sub_cells_total", "sub_cells_four_good"])
def test_dang_bo_missing_sub_cells_is_missing_data(plan, passing_form, key):
    # IV.3 "phải có 3/4 chi bộ trong đảng bộ đạt bốn tốt": without the software's own chi bộ
    # results and without the form's figure, the rule cannot be checked — and the clerk is told
    # which line of the form is blank.
    fields = passing_form("dang_bo_co_so", **{key: DROP})
    result = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=plan)
    assert result.sub_cells is not None and result.sub_cells.met is False
    assert key in result.sub_cells.missing
    assert any("Thiếu số liệu" in r and quoted(key) in r for r in result.sub_cells.reasons)
    assert key in result.missing
    assert quoted(key) in {f.code: f.message for f in result.flags}["missing_data"]
    assert result.four_good is False
    assert result.rating == plan.four_criteria_without_sub_cells_rating


# --------------------------------------------------------------------------------------------
# IV.3: "Đảng bộ đạt bốn tốt phải có 3/4 chi bộ trong đảng bộ đạt bốn tốt"
@pytest.mark.parametrize(
    ("total", "four_good", "met"),
    [
        pytest.param(8, 6, True, id="6-of-8-is-3/4-meets"),
        pytest.param(4, 3, True, id="3-of-4-meets"),
        pytest.param(7, 5, False, id="5-of-7-below-3/4-fails"),
        pytest.param(3, 2, False, id="2-of-3-below-3/4-fails"),
        pytest.param(100, 74, False, id="74-of-100-fails"),
        pytest.param(100, 75, True, id="75-of-100-meets"),
        pytest.param(1, 1, True, id="1-of-1-meets"),
        pytest.param(0, 0, False, id="no-chi-bo-fails"),
    ],
)
def test_three_quarters_rule(plan, total, four_good, met):
    crit = check_sub_cells(SubCells(total, four_good, from_form=False), plan)
    assert crit.met is met
    if not met:
        assert crit.reasons and all(is_vietnamese(r) for r in crit.reasons)
        assert "3/4" in crit.reasons[0]


def test_three_quarters_rule_without_figures(plan):
    crit = check_sub_cells(None, plan)
    assert crit.met is False
    assert set(crit.missing) == {"sub_cells_total", "sub_cells_four_good"}


# --------------------------------------------------------------------------------------------
# IV.3's table: "đạt ba tốt (trong đó có chỉ tiêu hoàn thành tốt nhiệm vụ chính trị) thì xếp
# loại hoàn thành tốt nhiệm vụ; đạt hai tốt (...) thì xếp loại hoàn thành nhiệm vụ".
FAIL = {
    "t1": {"t1_backlog_cases": 1},
    "t2": {"t2_quality_ok": False},
    "t3": {"t3_violations": 1},
    "t4": {"t4_movement": False},
}


def failing(*criteria: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in criteria:
        out.update(FAIL[c])
    return out


@pytest.mark.parametrize(
    ("kind", "changes", "met_count", "rating", "title"),
    [
        # "Kết quả công nhận ... là cơ sở quan trọng xếp loại ... hoàn thành xuất sắc nhiệm vụ"
        pytest.param("chi_bo", {}, 4, Rating.HOAN_THANH_XUAT_SAC, "Chi bộ bốn tốt",
                     id="4-with-T1-chi-bo-four-good"),
        pytest.param("chi_bo_co_so", {}, 4, Rating.HOAN_THANH_XUAT_SAC, "Chi bộ bốn tốt",
                     id="4-with-T1-chi-bo-co-so-four-good"),
        pytest.param("dang_bo_co_so", {"sub_cells_four_good": 6}, 4,
                     Rating.HOAN_THANH_XUAT_SAC, "Đảng bộ cơ sở bốn tốt",
                     id="4-with-T1-dang-bo-6-of-8-four-good"),
        # "đạt ba tốt (trong đó có ... nhiệm vụ chính trị) thì xếp loại hoàn thành tốt nhiệm vụ"
        pytest.param("chi_bo", failing("t4"), 3, Rating.HOAN_THANH_TOT, None,
                     id="3-with-T1-hoan-thanh-tot"),
        pytest.param("dang_bo_co_so", failing("t2"), 3, Rating.HOAN_THANH_TOT, None,
                     id="dang-bo-3-with-T1-hoan-thanh-tot"),
        # "đạt hai tốt (trong đó có ... nhiệm vụ chính trị) thì xếp loại hoàn thành nhiệm vụ"
        pytest.param("chi_bo", failing("t3", "t4"), 2, Rating.HOAN_THANH, None,
                     id="2-with-T1-hoan-thanh"),
        # rules.md [policy]: anything else is "cần xem xét"
        pytest.param("chi_bo", failing("t1"), 3, Rating.CAN_XEM_XET, None,
                     id="3-without-T1-can-xem-xet"),
        pytest.param("chi_bo", failing("t1", "t4"), 2, Rating.CAN_XEM_XET, None,
                     id="2-without-T1-can-xem-xet"),
        pytest.param("chi_bo", failing("t2", "t3", "t4"), 1, Rating.CAN_XEM_XET, None,
                     id="1-T1-only-can-xem-xet"),
        pytest.param("chi_bo", failing("t1", "t2", "t3"), 1, Rating.CAN_XEM_XET, None,
                     id="1-without-T1-can-xem-xet"),
        pytest.param("chi_bo", failing("t1", "t2", "t3", "t4"), 0, Rating.CAN_XEM_XET, None,
                     id="0-can-xem-xet"),
    ],
)
def test_classification(plan, passing_form, kind, changes, met_count, rating, title):
    result = evaluate_unit_year(passing_form(kind, **changes), kind=kind, plan=plan)
    assert result.criteria_met == met_count
    assert result.rating is rating
    assert result.title == title
    assert result.four_good is (title is not None)
    assert result.to_json()["classification"] == rating.value


def test_dang_bo_four_criteria_failing_three_quarters(plan, passing_form):
    # IV.3: "Đảng bộ đạt bốn tốt phải có 3/4 chi bộ trong đảng bộ đạt bốn tốt": 5 of 7 fails it,
    # so four criteria met is not four-good; the rating is the plan setting
    # four_criteria_without_sub_cells_rating (hoàn thành tốt in the Quảng Ngãi plan).
    fields = passing_form("dang_bo_co_so", sub_cells_total=7, sub_cells_four_good=5)
    result = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=plan)
    assert result.criteria_met == 4
    assert result.sub_cells is not None and result.sub_cells.met is False
    assert "5/7" in result.sub_cells.reasons[0]
    assert result.four_good is False and result.title is None
    assert result.rating == plan.four_criteria_without_sub_cells_rating
    assert result.rating is Rating.HOAN_THANH_TOT
    assert result.to_json()["sub_cells_rule"]["met"] is False


def test_classify_follows_the_plan_setting(plan):
    # The same inputs, another plan setting: another rating, no code change.
    all_met = dict.fromkeys(CRITERIA, Criterion(True))
    failed_rule = Criterion(False, ("5/7",))
    variant = plan_variant({"four_criteria_without_sub_cells_rating": "can_xem_xet"})
    assert classify(all_met, failed_rule, plan) == (False, Rating.HOAN_THANH_TOT)
    assert classify(all_met, failed_rule, variant) == (False, Rating.CAN_XEM_XET)
    assert classify(all_met, None, plan) == (True, Rating.HOAN_THANH_XUAT_SAC)


def test_software_results_beat_the_form(plan, passing_form):
    # rules.md: "Use the software's own results for the chi bộ where it has them; the form's
    # figures otherwise, flagged."  The form claims 8/8; the software counted 5 of 8.
    fields = passing_form("dang_bo_co_so")
    own = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=plan,
                             sub_cells=SubCells(8, 5, from_form=False))
    assert own.four_good is False
    assert "sub_cells_from_form" not in {f.code for f in own.flags}
    from_form = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=plan)
    assert from_form.four_good is True
    flag = {f.code: f.message for f in from_form.flags}["sub_cells_from_form"]
    assert is_vietnamese(flag)


def test_chi_bo_has_no_three_quarters_rule(plan, passing_form):
    result = evaluate_unit_year(passing_form("chi_bo", sub_cells_total=8, sub_cells_four_good=0),
                                kind="chi_bo", plan=plan)
    assert result.sub_cells is None
    assert result.four_good is True
    assert "sub_cells_rule" not in result.to_json()


@pytest.mark.parametrize("kind", ["dang_bo_truc_thuoc", "dang_bo_tinh", "dang_bo_bo_phan"])
def test_only_grassroots_kinds_are_evaluated(plan, passing_form, kind):
    # rules.md: "Chi bộ rules apply to chi_bo and chi_bo_co_so; đảng bộ rules to dang_bo_co_so."
    with pytest.raises(ValueError):
        evaluate_unit_year(passing_form("chi_bo"), kind=kind, plan=plan)


# --------------------------------------------------------------------------------------------
# Overrides: "The recognising committee can override any criterion with a written reason".
def test_override_sets_met_with_reason(plan, passing_form):
    fields = passing_form("chi_bo", rated_good=7, rated_complete=1)  # 9/10: T4 not met
    reason = "Đảng viên xếp loại hoàn thành nhiệm vụ đã chuyển sinh hoạt đảng tạm thời."
    result = evaluate_unit_year(fields, kind="chi_bo", plan=plan,
                                overrides=[Override("t4", True, reason, actor="BTV Huyện ủy")])
    t4 = result.criteria["t4"]
    assert t4.met is True and t4.override == reason and t4.reasons == ()
    assert result.to_json()["criteria"]["t4"]["override"] == reason
    assert result.four_good is True and result.rating is Rating.HOAN_THANH_XUAT_SAC


def test_override_sets_not_met_with_reason(plan, passing_form):
    reason = "Báo chí phản ánh đúng vi phạm của một đảng viên sau khi đơn vị gửi báo cáo."
    result = evaluate_unit_year(passing_form("chi_bo"), kind="chi_bo", plan=plan,
                                overrides=[Override("t3", False, reason)])
    t3 = result.criteria["t3"]
    assert t3.met is False and t3.override == reason
    assert any(reason in r and r.startswith("Cấp ủy quyết định không đạt") for r in t3.reasons)
    assert result.four_good is False
    assert result.rating is Rating.HOAN_THANH_TOT  # three with T1


def test_override_does_not_mutate_the_computed_criteria():
    computed = {k: Criterion(True) for k in CRITERIA}
    out = apply_overrides(computed, [Override("t2", False, "Sinh hoạt hình thức.")])
    assert computed["t2"].met is True and out["t2"].met is False


def test_override_of_an_unknown_criterion_fails_loudly():
    # Regression: an override of a criterion that does not exist ("t5", a typo) used to be
    # skipped silently, so a committee's written decision could vanish without a trace.
    computed = {k: Criterion(True) for k in CRITERIA}
    with pytest.raises(ValueError, match="t5"):
        apply_overrides(computed, [Override("t5", False, "Gõ nhầm.")])


# --------------------------------------------------------------------------------------------
# Flags: "chưa đăng ký" (IV.1.1) and "nộp muộn" with the days late (IV.1, rules.md calendar).
def test_not_registered_is_evaluated_and_flagged(plan, passing_form):
    # rules.md: "A unit that did not register (IV.1.1) is still evaluated, but is flagged
    # "chưa đăng ký" and is not counted for rewards."
    result = evaluate_unit_year(passing_form("chi_bo"), kind="chi_bo", plan=plan,
                                registered=False)
    assert result.four_good is True
    flags = {f.code: f.message for f in result.flags}
    assert "chưa đăng ký" in flags["not_registered"].lower()
    registered = evaluate_unit_year(passing_form("chi_bo"), kind="chi_bo", plan=plan)
    assert "not_registered" not in {f.code for f in registered.flags}


@pytest.mark.parametrize(
    ("received_on", "days"),
    [
        pytest.param(dt.date(2023, 12, 20), 0, id="before-deadline"),
        pytest.param(dt.date(2023, 12, 31), 0, id="on-the-deadline-2023-12-31"),
        pytest.param(dt.date(2024, 1, 1), 1, id="one-day-late"),
        pytest.param(dt.date(2024, 1, 10), 10, id="ten-days-late"),
        pytest.param(None, 0, id="date-unknown"),
    ],
)
def test_late_flag(plan, passing_form, received_on, days):
    # The Quảng Ngãi plan's annual_evaluation for 2023 is 2023-12-31 (asserted in test_plan).
    result = evaluate_unit_year(passing_form("chi_bo"), kind="chi_bo", plan=plan,
                                received_on=received_on)
    flags = {f.code: f.message for f in result.flags}
    if days:
        assert flags["late"] == f"Nộp muộn {days} ngày."
    else:
        assert "late" not in flags
    assert result.four_good is True  # "accepted and flagged"


def test_late_uses_the_year_given_over_the_form(plan, passing_form):
    fields = passing_form("chi_bo", year=2022)
    result = evaluate_unit_year(fields, kind="chi_bo", plan=plan, year=2023,
                                received_on=dt.date(2024, 1, 3))
    assert {f.code: f.message for f in result.flags}["late"] == "Nộp muộn 3 ngày."


def test_days_late():
    deadline = dt.date(2025, 9, 30)
    assert days_late(dt.date(2025, 10, 30), deadline) == 30
    assert days_late(dt.date(2025, 9, 1), deadline) == 0
    assert days_late(None, deadline) == 0


def test_every_flag_and_reason_is_vietnamese(plan, passing_form):
    fields = passing_form(
        "dang_bo_co_so", t1_backlog_cases=2, t2_regular_meetings=3, t3_external_detection=True,
        t4_movement=False, sub_cells_total=7, sub_cells_four_good=5, t1_work_program=DROP,
    )
    result = evaluate_unit_year(fields, kind="dang_bo_co_so", plan=plan, registered=False,
                                received_on=dt.date(2024, 2, 1))
    texts = [r for c in result.criteria.values() for r in c.reasons]
    texts += list(result.sub_cells.reasons) + [f.message for f in result.flags]
    assert {f.code for f in result.flags} == {
        "sub_cells_from_form", "not_registered", "late", "missing_data"}
    assert len(texts) >= 9
    assert all(is_vietnamese(t) for t in texts), texts
