"""Checking a form as read against the plan and the roster (bontot.validation).

Every case changes one field (or one pair that must move together) of a clean form and lists,
exactly, the problems the change adds: (field, level), and pieces the messages must contain.
Boundaries come in pairs: the last value that passes and the first that does not.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bontot.errors import BontotError, InputError
from bontot.formdata import ASSESSMENT_TYPES, COMMON_TYPES, REGISTRATION_TYPES
from bontot.models import Unit, UnitKind
from bontot.plan import Plan, default_plan_path, load_plan
from bontot.roster import RosterTree
from bontot.text import fold
from bontot.validation import (
    PreviousForm,
    ValidationContext,
    form_key,
    label_of,
    parse_qr,
    validate,
)
from parsers.base import FieldValue, ParsedForm, Problem, unreadable

DROP = object()  # a change that removes the field, as one left blank on the form
D = dt.date
K = UnitKind

_VIET = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


def is_vietnamese(text: str) -> bool:
    return bool(_VIET.search(text)) and not re.search(r"\b(the|must|should|missing)\b", text)


UNITS = (
    Unit("TINH", "Đảng bộ tỉnh Quảng Ngãi", K.DANG_BO_TINH),
    Unit("HUYEN", "Đảng bộ huyện Ba Tơ", K.DANG_BO_TRUC_THUOC, "TINH"),
    Unit("XA", "Đảng bộ xã Ba Thành", K.DANG_BO_CO_SO, "HUYEN", members=100),
    Unit("CB1", "Chi bộ Thôn Làng Mầm", K.CHI_BO, "XA", members=10),
    Unit("CB2", "Chi bộ Thôn Hòa Bình", K.CHI_BO, "XA", members=10),
    Unit("CBCS", "Chi bộ Trường THPT Ba Tơ", K.CHI_BO_CO_SO, "HUYEN", members=20),
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(default_plan_path())  # plans/quang-ngai-2022-2027.yaml


@pytest.fixture(scope="module")
def tree() -> RosterTree:
    return RosterTree(UNITS)


def parsed(form_code: str | None, values: dict[str, Any], qr: str | None = None) -> ParsedForm:
    """A form as a reader returns it: every value typed, read with full confidence."""
    fields = {k: FieldValue(v, 1.0, str(v)) for k, v in values.items()}
    return ParsedForm(form_code, "docx", fields, (), False, parser="test", qr=qr)


# Clean forms: a chi bộ of 10 members and a đảng bộ cơ sở of 100, for 2023 and for registration.
ASSESS_CHI_BO: dict[str, Any] = {
    "unit_code": "CB1",
    "unit_name": "Chi bộ Thôn Làng Mầm",
    "unit_kind": "chi_bo",
    "parent_name": "Đảng bộ xã Ba Thành",
    "secretary_name": "Đinh Văn A",
    "signed_on": D(2023, 12, 15),
    "signed_place": "Ba Thành",
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
ASSESS_DANG_BO: dict[str, Any] = {
    **ASSESS_CHI_BO,
    "unit_code": "XA",
    "unit_name": "Đảng bộ xã Ba Thành",
    "unit_kind": "dang_bo_co_so",
    "parent_name": "Đảng bộ huyện Ba Tơ",
    "members_total": 100,
    "members_evaluated": 98,
    "rated_excellent": 20,
    "rated_good": 70,
    "rated_complete": 8,
    "rated_incomplete": 0,
    "sub_cells_total": 5,
    "sub_cells_four_good": 4,
}
REGISTER_CHI_BO: dict[str, Any] = {
    "unit_code": "CB1",
    "unit_name": "Chi bộ Thôn Làng Mầm",
    "unit_kind": "chi_bo",
    "parent_name": "Đảng bộ xã Ba Thành",
    "secretary_name": "Đinh Văn A",
    "signed_on": D(2022, 11, 20),
    "signed_place": "Ba Thành",
    "unit_type": "thon_to_dan_pho",
    "members_total": 10,
    "title_registered": "chi_bo_bon_tot",
    "admission_target": 3,
    "commit_t1": "Hoàn thành 100% chỉ tiêu được giao.",
}
REGISTER_DANG_BO: dict[str, Any] = {
    **REGISTER_CHI_BO,
    "unit_code": "XA",
    "unit_name": "Đảng bộ xã Ba Thành",
    "unit_kind": "dang_bo_co_so",
    "members_total": 100,
    "sub_cells_total": 5,
    "title_registered": "dang_bo_co_so_bon_tot",
}
BASES: dict[str, tuple[str, dict[str, Any], D]] = {
    # name → (form code, values, received on: on time)
    "02 chi bo": ("02-TDG", ASSESS_CHI_BO, D(2023, 12, 20)),
    "02 dang bo": ("02-TDG", ASSESS_DANG_BO, D(2023, 12, 20)),
    "01 chi bo": ("01-DK", REGISTER_CHI_BO, D(2022, 11, 22)),
    "01 dang bo": ("01-DK", REGISTER_DANG_BO, D(2022, 11, 22)),
}


@dataclass(frozen=True)
class Case:
    id: str
    changes: dict[str, Any]
    expect: tuple[tuple[str | None, str], ...]  # (field, level) of each problem added
    says: tuple[str, ...] = ()  # pieces of the messages, verbatim
    base: str = "02 chi bo"
    ctx: dict[str, Any] = field(default_factory=dict)
    form_code: Any = "base"  # "base": the base's own code
    qr: str | None = None


def build(case: Case, tree: RosterTree, plan: Plan) -> tuple[ParsedForm, ValidationContext]:
    code, base, received = BASES[case.base]
    values = {**base, **case.changes}
    values = {k: v for k, v in values.items() if v is not DROP}
    form = parsed(code if case.form_code == "base" else case.form_code, values, case.qr)
    settings_ = {"plan": plan, "tree": tree, "received_on": received, **case.ctx}
    return form, ValidationContext(**settings_)


E, W = "error", "warning"
PREV_2023 = {("CB1", "02-TDG", 2023): PreviousForm(D(2023, 12, 1), reading_id=7)}

IDENTITY = [
    Case("form code missing", {}, (("form_code", E),), ("Không xác định được mẫu phiếu",),
         form_code=None),
    Case("form code unknown", {}, (("form_code", E),), ("Mẫu phiếu “03-XX”",), form_code="03-XX"),
    Case("unit code missing", {"unit_code": DROP}, (("unit_code", E),), ("Thiếu “Mã đơn vị”",)),
    Case("unit code blank", {"unit_code": "  "}, (("unit_code", E),), ("Thiếu “Mã đơn vị”",)),
    Case("unit code not text: said once", {"unit_code": 12}, (("unit_code", E),),
         ("“Mã đơn vị” phải là chữ (đọc được “12”)",)),
    Case("unit code malformed", {"unit_code": "CB 1"}, (("unit_code", E),), ("không đúng dạng",)),
    Case("unit code 32 chars", {"unit_code": "A" * 32}, (("unit_code", E),),
         ("không có trong danh sách tổ chức đảng",)),
    Case("unit code 33 chars", {"unit_code": "A" * 33}, (("unit_code", E),), ("không đúng dạng",)),
    Case("unit code not in roster", {"unit_code": "CB9"}, (("unit_code", E),),
         ("Mã đơn vị “CB9” không có trong danh sách tổ chức đảng",)),
    Case("unit code differs in case", {"unit_code": "cb1"}, (("unit_code", E),),
         ("có phải “CB1”?",)),
    Case("no roster: nothing to compare", {"unit_code": "CB9"}, (), ctx={"tree": None}),
    Case("name differs in case only", {"unit_name": "CHI BỘ THÔN LÀNG MẦM"}, ()),
    Case("name in NFD, two spaces", {"unit_name": unicodedata.normalize("NFD", "Chi bộ  Thôn "
         "Làng Mầm")}, ()),
    Case("name with the old tone placement", {"unit_code": "CB2",
         "unit_name": "Chi bộ thôn Hoà Bình"}, ()),
    Case("name differs", {"unit_name": "Chi bộ Thôn Làng Mới"}, (("unit_name", W),),
         ("“Chi bộ Thôn Làng Mới”", "“Chi bộ Thôn Làng Mầm”")),
    Case("kind differs from roster", {"unit_kind": "dang_bo_co_so"}, (("unit_kind", E),),
         ("“Loại tổ chức” trên phiếu là “Đảng bộ cơ sở”", "ghi “Chi bộ”")),
    Case("chi bộ cơ sở printed as chi bộ", {"unit_code": "CBCS",
         "unit_name": "Chi bộ Trường THPT Ba Tơ", "members_total": 20, "members_evaluated": 20,
         "rated_good": 18}, (("unit_kind", E),)),
    Case("not a candidate kind", {"unit_code": "HUYEN", "unit_name": "Đảng bộ huyện Ba Tơ"},
         (("unit_code", E),), ("đảng bộ trực thuộc", "không nộp phiếu này")),
]

TYPES_AND_RANGES = [
    Case("count negative", {"members_total": -1}, (("members_total", E),),
         ("“Tổng số đảng viên” không thể là số âm (-1)",)),
    Case("count at the bound", {"t2_thematic_meetings": 10_000}, ()),
    Case("count above the bound", {"t2_thematic_meetings": 10_001}, (("t2_thematic_meetings", E),),
         ("quá lớn (10.001, trên 10.000)",)),
    Case("members absurd", {"members_total": 10_001}, (("members_total", E),)),
    Case("count as text", {"t3_violations": "hai"}, (("t3_violations", E),),
         ("phải là số nguyên (đọc được “hai”)",)),
    Case("count as yes/no", {"t3_violations": True}, (("t3_violations", E),)),
    Case("count as float", {"t3_violations": 1.5}, (("t3_violations", E),)),
    Case("yes/no as text", {"t1_work_program": "Có"}, (("t1_work_program", E),),
         ("phải là Có hoặc Không",)),
    Case("Đạt/Không đạt as a number", {"t1_self": 1}, (("t1_self", E),),
         ("phải là Đạt hoặc Không đạt",)),
    Case("choice not a key", {"proposed_rating": "Xuất sắc"}, (("proposed_rating", E),),
         ("“Đề nghị xếp loại” không hợp lệ",)),
    Case("date as ISO text", {"signed_on": "2023-12-15"}, ()),
    Case("date as other text", {"signed_on": "15/12/2023"}, (("signed_on", E),),
         ("“Ngày ký” không phải một ngày",)),
    Case("date with a time", {"signed_on": dt.datetime(2023, 12, 15, 9, 30)}, ()),
    Case("text not a string", {"secretary_name": 12}, (("secretary_name", E),)),
    Case("months 0", {"months_active": 0}, (("months_active", E),),
         ("“Số tháng hoạt động trong năm” là 0, phải từ 1 đến 12",)),
    Case("months 1", {"months_active": 1, "t2_regular_meetings": 1}, ()),
    Case("months 12", {"months_active": 12}, ()),
    Case("months 13", {"months_active": 13}, (("months_active", E),)),
    Case("months blank", {"months_active": DROP}, ()),
    Case("year missing", {"year": DROP}, (("year", E),), ("“Năm đánh giá”",)),
    Case("year before the plan", {"year": 2021}, (("year", E),),
         ("“Năm đánh giá” là 2021, nằm ngoài giai đoạn 2022–2027",), ctx={"received_on": None}),
    Case("year first of the plan", {"year": 2022}, (), ctx={"received_on": None}),
    Case("year last of the plan", {"year": 2027}, (), ctx={"received_on": None}),
    Case("year after the plan", {"year": 2028}, (("year", E),), ctx={"received_on": None}),
    Case("year expected", {}, (), ctx={"expected_year": 2023}),
    Case("year not the one expected", {}, (("year", E),),
         ("Phiếu năm 2023 không đúng năm đang xét 2024",), ctx={"expected_year": 2024}),
    Case("registration has no year", {}, (), base="01 chi bo", ctx={"expected_year": 2024}),
]

SUMS = [
    Case("ratings add up", {}, ()),
    Case("ratings one short", {"rated_good": 7}, (("members_evaluated", E),),
         ("Tổng bốn mức xếp loại (9) khác “Số đảng viên được đánh giá, xếp loại” (10): "
          "đề nghị đơn vị kiểm tra lại.",)),
    Case("ratings one over", {"rated_incomplete": 1}, (("members_evaluated", E),),
         ("Tổng bốn mức xếp loại (11)",)),
    Case("a rating blank: no sum", {"rated_good": 7, "rated_incomplete": DROP}, ()),
    Case("evaluated blank: no sum", {"members_evaluated": DROP}, ()),
    Case("evaluated = total", {}, ()),
    Case("evaluated > total", {"members_total": 9}, (("members_evaluated", E),),
         ("“Số đảng viên được đánh giá, xếp loại” (10) lớn hơn “Tổng số đảng viên” (9)",)),
    Case("targets met = assigned", {"t1_targets_met": 5}, ()),
    Case("targets met > assigned", {"t1_targets_met": 6}, (("t1_targets_met", E),),
         ("“Số chỉ tiêu đạt và vượt” (6) lớn hơn “Số chỉ tiêu được giao” (5)",)),
    Case("four-good cells = cells", {"sub_cells_four_good": 5}, (), base="02 dang bo"),
    Case("four-good cells > cells", {"sub_cells_four_good": 6}, (("sub_cells_four_good", E),),
         ("lớn hơn “Tổng số chi bộ trực thuộc” (5)",), base="02 dang bo"),
    Case("sub cells 0 on a chi bộ", {"sub_cells_total": 0, "sub_cells_four_good": 0}, ()),
    Case("sub cells on a chi bộ", {"sub_cells_total": 2}, (("sub_cells_total", W),),
         ("Chi bộ không có chi bộ trực thuộc: “Tổng số chi bộ trực thuộc”",)),
    Case("sub cells missing on a đảng bộ", {"sub_cells_four_good": DROP},
         (("sub_cells_four_good", W),), ("Thiếu “Số chi bộ trực thuộc đạt \"chi bộ bốn tốt\"”",),
         base="02 dang bo"),
    Case("members 20 % over the roster", {"members_total": 12}, ()),
    Case("members 30 % over the roster", {"members_total": 13}, (("members_total", W),),
         ("“Tổng số đảng viên” trên phiếu (13) khác nhiều so với danh sách tổ chức đảng (10)",)),
    Case("members 20 % under the roster", {"members_total": 8}, (), base="01 chi bo"),
    Case("members 30 % under the roster", {"members_total": 7}, (("members_total", W),),
         base="01 chi bo"),
    Case("tolerance is a setting", {"members_total": 12}, (("members_total", W),),
         ctx={"members_tolerance_percent": 10}),
    Case("self title with a failed criterion", {"t2_self": False}, (("self_title", W),),
         ("“Tự đánh giá danh hiệu bốn tốt” là Đạt nhưng “Tự đánh giá tiêu chí 2” là Không đạt",)),
    Case("no title claimed, criterion failed", {"t2_self": False, "self_title": False}, ()),
]

REGISTRATION = [
    Case("chi bộ registers a đảng bộ title", {"title_registered": "dang_bo_co_so_bon_tot"},
         (("title_registered", E),), ("“Đăng ký danh hiệu” là “Đảng bộ cơ sở bốn tốt”",),
         base="01 chi bo"),
    Case("đảng bộ registers a chi bộ title", {"title_registered": "chi_bo_bon_tot"},
         (("title_registered", E),), ("đảng bộ cơ sở đăng ký “Đảng bộ cơ sở bốn tốt”",),
         base="01 dang bo"),
    Case("chi bộ cơ sở registers a chi bộ title", {"unit_code": "CBCS", "unit_kind":
         "chi_bo_co_so", "unit_name": "Chi bộ Trường THPT Ba Tơ", "members_total": 20}, (),
         base="01 chi bo"),
    Case("sub cells 0 on a chi bộ", {"sub_cells_total": 0}, (), base="01 chi bo"),
    Case("sub cells 1 on a chi bộ", {"sub_cells_total": 1}, (("sub_cells_total", W),),
         ("“Số chi bộ trực thuộc”",), base="01 chi bo"),
    Case("sub cells blank on a đảng bộ: Mẫu 01 does not need them", {"sub_cells_total": DROP}, (),
         base="01 dang bo"),
]

QR = [
    Case("qr agrees", {}, (), qr="BT1|02-TDG|CB1|2023"),
    Case("qr with the printed form name", {}, (), qr="BT1|Mẫu 02-TĐG|CB1|2023"),
    Case("qr form code differs", {}, (("form_code", E),),
         ("Mã QR ghi Mẫu 01-ĐK, mẫu phiếu in là Mẫu 02-TĐG",), qr="BT1|01-DK|CB1|2023"),
    Case("qr unit code differs", {}, (("unit_code", E),),
         ("Mã QR ghi mã đơn vị “CB2”, phiếu ghi “Mã đơn vị” “CB1”",), qr="BT1|02-TDG|CB2|2023"),
    Case("qr year differs", {}, (("year", E),), ("Mã QR ghi năm 2024", "2023"),
         qr="BT1|02-TDG|CB1|2024"),
    Case("qr malformed", {}, ((None, W),), ("không đúng dạng", "bỏ qua mã QR"), qr="hello"),
    Case("qr of another scheme", {}, ((None, W),), qr="BT2|02-TDG|CB1|2023"),
    Case("qr period agrees", {}, (), base="01 chi bo", qr="BT1|01-DK|CB1|2022-2027"),
    Case("qr period differs", {}, ((None, E),), ("Mã QR ghi giai đoạn 2017–2022",),
         base="01 chi bo", qr="BT1|01-DK|CB1|2017-2022"),
    Case("qr from the context wins", {}, (("unit_code", E),), qr="BT1|02-TDG|CB1|2023",
         ctx={"qr": "BT1|02-TDG|CB2|2023"}),
]

DATES = [
    Case("assessment on the deadline", {}, (), ctx={"received_on": D(2023, 12, 31)}),
    Case("assessment a day late", {}, ((None, W),), ("Nộp muộn 1 ngày so với hạn 31/12/2023.",),
         ctx={"received_on": D(2024, 1, 1)}),
    Case("registration on the deadline", {}, (), base="01 chi bo",
         ctx={"received_on": D(2022, 11, 25)}),
    Case("registration 10 days late", {}, ((None, W),), ("Nộp muộn 10 ngày so với hạn 25/11/2022",),
         base="01 chi bo", ctx={"received_on": D(2022, 12, 5)}),
    Case("received date unknown", {}, (), ctx={"received_on": None}),
    Case("signed the day received", {"signed_on": D(2023, 12, 20)}, ()),
    Case("signed after received", {"signed_on": D(2023, 12, 21)}, (("signed_on", W),),
         ("“Ngày ký” (21/12/2023) sau ngày nhận phiếu (20/12/2023)",)),
    Case("signed on the first day", {"signed_on": D(2022, 11, 7)}, (), base="01 chi bo"),
    Case("signed before the movement", {"signed_on": D(2022, 11, 6)}, (("signed_on", W),),
         ("trước ngày bắt đầu phong trào (07/11/2022)",), base="01 chi bo"),
    Case("duplicate", {}, ((None, W),),
         ("Đơn vị đã nộp phiếu này ngày 01/12/2023: bản mới được dùng, bản cũ vẫn được lưu.",),
         ctx={"previous": PREV_2023}),
    Case("another year stored", {"year": 2024}, (),
         ctx={"previous": PREV_2023, "received_on": D(2024, 12, 20)}),
    Case("duplicate as the store gives it", {}, ((None, W),), ("ngày 01/12/2023",),
         ctx={"previous": {("CB1", "02-TDG", 2023): "2023-12-01"}}),
    Case("duplicate received later than this", {}, ((None, W),),
         ("sau bản này", "bản nộp sau được dùng, bản này vẫn được lưu"),
         ctx={"previous": {("CB1", "02-TDG", 2023): D(2023, 12, 25)}}),
    Case("duplicate registration", {}, ((None, W),), ("Đơn vị đã nộp phiếu này ngày 21/11/2022",),
         base="01 chi bo", ctx={"previous": {("CB1", "01-DK", None): D(2022, 11, 21)}}),
]

ALL = IDENTITY + TYPES_AND_RANGES + SUMS + REGISTRATION + QR + DATES


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_check(case: Case, tree: RosterTree, plan: Plan) -> None:
    form, ctx = build(case, tree, plan)
    out = validate(form, ctx)
    added = out.problems[len(form.problems) :]
    assert sorted((p.field or "", p.level) for p in added) == sorted(
        (f or "", lvl) for f, lvl in case.expect
    ), [p.message for p in added]
    text = " | ".join(p.message for p in added)
    for piece in case.says:
        assert piece in text
    for p in added:
        assert is_vietnamese(p.message), p.message
        if p.field is not None:  # the printed label, so the clerk can find the line
            assert fold(label_of(out.form_code, p.field)) in fold(p.message), p.message
    assert out.needs_review is any(lvl == E for _, lvl in case.expect)


@pytest.mark.parametrize("base", list(BASES))
def test_clean_form_has_no_problem(base: str, tree: RosterTree, plan: Plan) -> None:
    form, ctx = build(Case("clean", {}, (), base=base), tree, plan)
    out = validate(form, ctx)
    assert out.problems == ()
    assert out.needs_review is False


def test_returns_a_new_form_and_leaves_the_input(tree: RosterTree, plan: Plan) -> None:
    form, ctx = build(Case("x", {"rated_good": 7, "unit_name": "Khác"}, ()), tree, plan)
    before = copy.deepcopy(form)
    out = validate(form, ctx)
    assert out is not form and out.fields is not form.fields
    assert form == before
    assert len(out.problems) == 2 and out.needs_review


def test_keeps_earlier_problems_and_review(tree: RosterTree, plan: Plan) -> None:
    form, ctx = build(Case("x", {"unit_name": "Khác"}, ()), tree, plan)
    earlier = Problem("t1_self", "warning", "Trường đọc không rõ.")
    out = validate(replace(form, problems=(earlier,), needs_review=True), ctx)
    assert out.problems[0] == earlier and len(out.problems) == 2
    assert out.needs_review is True  # a warning added does not clear the reader's review


def test_an_earlier_error_sets_review(tree: RosterTree, plan: Plan) -> None:
    form, ctx = build(Case("x", {}, ()), tree, plan)
    earlier = Problem("year", "error", "Không đọc được năm.")
    out = validate(replace(form, problems=(earlier,)), ctx)
    assert out.problems == (earlier,) and out.needs_review is True


def test_validating_twice_adds_nothing(tree: RosterTree, plan: Plan) -> None:
    form, ctx = build(Case("x", {"rated_good": 7}, (), ctx={"received_on": D(2024, 2, 1)}),
                      tree, plan)
    once = validate(form, ctx)
    assert validate(once, ctx) == once


def test_unreadable_file_gets_no_noise(tree: RosterTree, plan: Plan) -> None:
    form = unreadable("a.pdf", "Tệp bị hỏng, không đọc được.")
    out = validate(form, ValidationContext(plan=plan, tree=tree))
    assert out.problems == form.problems and out.needs_review is True


def test_form_key() -> None:
    assert form_key(parsed("02-TDG", ASSESS_CHI_BO)) == ("CB1", "02-TDG", 2023)
    assert form_key(parsed("01-DK", REGISTER_CHI_BO)) == ("CB1", "01-DK", None)
    assert form_key(parsed("02-TDG", {"unit_code": "CB1"})) is None
    assert form_key(parsed(None, ASSESS_CHI_BO)) is None


@pytest.mark.parametrize(
    "payload, parts",
    [
        ("BT1|02-TDG|CB1|2023", ("02-TDG", "CB1", 2023, None)),
        ("BT1|01-DK|XA|2022 - 2027", ("01-DK", "XA", None, (2022, 2027))),
        ("BT1 | Mẫu 01-ĐK | XA | 2022-2027", ("01-DK", "XA", None, (2022, 2027))),
    ],
)
def test_parse_qr(payload: str, parts: tuple[Any, ...]) -> None:
    qr = parse_qr(payload)
    assert (qr.form_code, qr.unit_code, qr.year, qr.period) == parts


@pytest.mark.parametrize(
    "payload",
    ["", "BT1|02-TDG|CB1", "BT1|03-XX|CB1|2023", "BT1|02-TDG|C B1|2023", "BT1|02-TDG|CB1|23",
     "BT1|02-TDG|CB1|2023|x"],
)
def test_parse_qr_refuses(payload: str) -> None:
    with pytest.raises(InputError, match="không đúng dạng"):
        parse_qr(payload)


@pytest.mark.parametrize(
    "settings_, match",
    [
        ({"plan": None}, "kế hoạch"),
        ({"received_on": "2023-12-20"}, "Ngày nhận"),
        ({"previous": {("CB1", "02-TDG", 2023): "hôm qua"}}, "phiếu trước"),
        ({"expected_year": "2023"}, "expected_year"),
    ],
)
def test_context_refuses_bad_settings(settings_: dict[str, Any], match: str, plan: Plan) -> None:
    with pytest.raises(InputError, match=match):
        ValidationContext(**{"plan": plan, **settings_})


def test_context_takes_a_datetime_as_its_day(plan: Plan) -> None:
    ctx = ValidationContext(plan=plan, received_on=dt.datetime(2024, 1, 1, 8, 0))
    assert ctx.received_on == D(2024, 1, 1)


def test_fields_not_field_values_are_a_typed_error(tree: RosterTree, plan: Plan) -> None:
    form = ParsedForm("02-TDG", "docx", {"year": 2023}, (), False)  # type: ignore[dict-item]
    with pytest.raises(InputError):
        validate(form, ValidationContext(plan=plan, tree=tree))


# --- property: noisy reads never crash the check ----------------------------------------------

_KEYS = sorted({*COMMON_TYPES, *ASSESSMENT_TYPES, *REGISTRATION_TYPES, "junk"})
_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-5, max_value=30),
    st.floats(), st.text(max_size=12), st.dates(), st.datetimes(),
    st.sampled_from(["chi_bo", "dang_bo_co_so", "chi_bo_bon_tot", "CB1", "XA", "2023-12-01"]),
    st.lists(st.integers(), max_size=2),
)
_FIELDS = st.dictionaries(
    st.sampled_from(_KEYS),
    st.builds(FieldValue, value=_ANY, confidence=st.floats(0, 1), raw=st.text(max_size=8)),
    max_size=12,
)
_QR_TEXT = st.one_of(
    st.none(), st.text(max_size=20),
    st.builds("BT1|{}|{}|{}".format, st.sampled_from(["01-DK", "02-TDG", "x"]),
              st.sampled_from(["CB1", "XA", "HUYEN", ""]),
              st.sampled_from(["2023", "2022-2027", "abc", "9999"])),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form_code=st.sampled_from(["01-DK", "02-TDG", None, "x"]),
    fields=_FIELDS,
    qr=_QR_TEXT,
    received_on=st.one_of(st.none(), st.dates()),
    expected_year=st.one_of(st.none(), st.integers(1900, 2200)),
    with_tree=st.booleans(),
    previous_day=st.one_of(st.none(), st.dates()),
)
def test_noisy_fields_only_typed_errors(
    form_code, fields, qr, received_on, expected_year, with_tree, previous_day
) -> None:
    plan = load_plan(default_plan_path())
    previous = {(u.code, c, y): previous_day for u in UNITS for c, y in
                (("01-DK", None), ("02-TDG", 2023))}
    ctx = ValidationContext(
        plan=plan, tree=RosterTree(UNITS) if with_tree else None, received_on=received_on,
        previous=previous, expected_year=expected_year,
    )
    form = ParsedForm(form_code, "pdf-scan", fields, (), False, qr=qr)
    try:
        out = validate(form, ctx)
    except BontotError:
        return  # the contract: only the project's own errors
    assert out.needs_review is any(p.level == "error" for p in out.problems)
    assert all(_VIET.search(p.message) for p in out.problems)  # raw text may hold any word



# -- on a scan, names the roster also spells ---------------------------------------------------

UNSURE_MSG = "Chưa chắc chắn “{}” (đọc được “{}”): cần đối chiếu với phiếu gốc."


def scanned(values: dict[str, Any], unsure: dict[str, float]) -> ParsedForm:
    """Mẫu 02 as the scan reader returns it: ``unsure`` keys read under the bar, with the
    reader's own warning for each, and so to review."""
    from parsers.fields import printed_label

    fields = {k: FieldValue(v, unsure.get(k, 0.98), str(v)) for k, v in values.items()}
    fields["form_code"] = FieldValue("02-TDG", 0.98, "Mẫu 02-TĐG")
    problems = tuple(
        Problem(k, "warning", UNSURE_MSG.format(
            "địa danh ghi trước ngày ký" if k == "signed_place" else printed_label(k, "02-TDG"),
            values[k]))
        for k in unsure)
    return ParsedForm("02-TDG", "pdf-scan", fields, problems, bool(unsure), parser="labels")


def test_scan_names_spelt_as_the_roster_need_no_person(tree: RosterTree, plan: Plan) -> None:
    form = scanned(ASSESS_CHI_BO, {"unit_name": 0.62, "parent_name": 0.7, "signed_place": 0.8})
    out = validate(form, ValidationContext(plan=plan, tree=tree, received_on=D(2023, 12, 20)))
    assert out.problems == () and out.needs_review is False
    assert {k: out.fields[k].confidence for k in ("unit_name", "parent_name", "signed_place")} \
        == {"unit_name": 0.97, "parent_name": 0.97, "signed_place": 0.97}
    assert out.fields["unit_name"].value == "Chi bộ Thôn Làng Mầm"  # the value is as read


def test_scan_name_wrong_only_in_a_tone_mark_goes_to_a_person(tree: RosterTree,
                                                              plan: Plan) -> None:
    values = {**ASSESS_CHI_BO, "unit_name": "Chi bộ Thôn Làng Mẩm", "signed_place": "Ba Thánh"}
    out = validate(scanned(values, {}),  # read sure of itself: OCR's tone slips often are
                   ValidationContext(plan=plan, tree=tree, received_on=D(2023, 12, 20)))
    assert out.needs_review is True
    assert out.fields["unit_name"].confidence < 0.9 and out.fields["signed_place"].confidence < 0.9
    said = [p.message for p in out.problems]
    assert ("Chưa chắc chắn “Tên tổ chức đảng” (đọc được “Chi bộ Thôn Làng Mẩm”, danh sách tổ "
            "chức đảng ghi “Chi bộ Thôn Làng Mầm”): cần đối chiếu với phiếu gốc.") in said
    assert any("“Ba Thánh”, danh sách tổ chức đảng ghi “Đảng bộ xã Ba Thành”" in m for m in said)


def test_scan_chi_bo_read_chi_with_a_tone_takes_the_roster_spelling(tree: RosterTree,
                                                                     plan: Plan) -> None:
    values = {**ASSESS_CHI_BO, "unit_name": "Chỉ bộ Thôn Làng Mầm"}
    out = validate(scanned(values, {"unit_name": 0.93}),
                   ValidationContext(plan=plan, tree=tree, received_on=D(2023, 12, 20)))
    assert out.needs_review is False and out.problems == ()
    assert out.fields["unit_name"].value == "Chi bộ Thôn Làng Mầm"
    assert out.fields["unit_name"].raw == "Chỉ bộ Thôn Làng Mầm"  # what was read, kept
    other = {**ASSESS_CHI_BO, "unit_name": "Chỉ bộ Thôn Làng Mẩm"}  # and a tone slip beside it
    out = validate(scanned(other, {}), ValidationContext(plan=plan, tree=tree,
                                                         received_on=D(2023, 12, 20)))
    assert out.needs_review is True and out.fields["unit_name"].value == "Chỉ bộ Thôn Làng Mẩm"


def test_scan_secretary_spelt_as_the_roster_needs_no_person(plan: Plan) -> None:
    units = tuple(replace(u, secretary="Đinh Văn A") if u.code == "CB1" else u for u in UNITS)
    ctx = ValidationContext(plan=plan, tree=RosterTree(units), received_on=D(2023, 12, 20))
    out = validate(scanned(ASSESS_CHI_BO, {"secretary_name": 0.71}), ctx)
    assert out.needs_review is False and out.fields["secretary_name"].confidence == 0.97
    slipped = validate(scanned({**ASSESS_CHI_BO, "secretary_name": "Đinh Vằn A"}, {}), ctx)
    assert slipped.needs_review is True
    assert any("danh sách tổ chức đảng ghi “Đinh Văn A”" in p.message for p in slipped.problems)
    new_one = validate(scanned({**ASSESS_CHI_BO, "secretary_name": "Lê Thị B"},
                               {"secretary_name": 0.71}), ctx)
    assert new_one.needs_review is True  # another person: the OCR's own doubt stands
    unknown = validate(scanned(ASSESS_CHI_BO, {"secretary_name": 0.71}),
                       ValidationContext(plan=plan, tree=RosterTree(UNITS),
                                         received_on=D(2023, 12, 20)))
    assert unknown.needs_review is True  # no secretary in the roster: nothing to hold it to


def test_scan_with_another_reason_for_review_stays_for_review(tree: RosterTree,
                                                              plan: Plan) -> None:
    form = scanned(ASSESS_CHI_BO, {"unit_name": 0.62, "t1_admitted": 0.5})
    out = validate(form, ValidationContext(plan=plan, tree=tree, received_on=D(2023, 12, 20)))
    assert out.needs_review is True and out.fields["unit_name"].confidence == 0.97
    assert [p.field for p in out.problems] == ["t1_admitted"]
    unexplained = replace(scanned(ASSESS_CHI_BO, {"unit_name": 0.62}), problems=())
    assert validate(unexplained, ValidationContext(plan=plan, tree=tree,
                                                   received_on=D(2023, 12, 20))).needs_review


def test_typed_forms_are_not_held_to_the_roster_spelling(tree: RosterTree, plan: Plan) -> None:
    values = {**ASSESS_CHI_BO, "unit_name": "Chi bộ Thôn Làng Mẩm"}
    form, ctx = build(Case("typed", values, ()), tree, plan)
    out = validate(replace(form, fields={k: FieldValue(v, 1.0, str(v))
                                         for k, v in values.items()}), ctx)
    assert out.needs_review is False and out.fields["unit_name"].confidence == 1.0
