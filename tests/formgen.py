"""Returned forms as a unit might retype them (not our template): for intake and parser tests.

Two plain layouts built with python-docx — a two-column label/value table, and "label: value"
paragraphs — from the labels of forms.md, so the readers are tested on files that our own
template did not make.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from docx import Document

from bontot.models import ASSESSMENT_LABELS, UNIT_KIND_LABELS, UnitKind

COMMON_LABELS = {
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên tổ chức đảng",
    "unit_kind": "Loại tổ chức",
    "parent_name": "Trực thuộc",
}
YESNO_KEYS = {"t1_work_program", "t1_other_tasks", "t2_quality_ok", "t3_working_rules",
              "t3_external_detection", "t4_movement"}
PASS_KEYS = {"t1_self", "t2_self", "t3_self", "t4_self", "self_title"}
RATING_TEXT = {
    "hoan_thanh_xuat_sac": "Hoàn thành xuất sắc nhiệm vụ",
    "hoan_thanh_tot": "Hoàn thành tốt nhiệm vụ",
    "hoan_thanh": "Hoàn thành nhiệm vụ",
    "khong_hoan_thanh": "Không hoàn thành nhiệm vụ",
}


def printed(key: str, value: Any) -> str:
    """A value as a unit would type it."""
    if key in YESNO_KEYS:
        return "Có" if value else "Không"
    if key in PASS_KEYS:
        return "Đạt" if value else "Không đạt"
    if key == "unit_kind":
        return UNIT_KIND_LABELS[UnitKind(value)]
    if key == "proposed_rating":
        return RATING_TEXT[value]
    return str(value)


def form02_values(unit_code: str, unit_name: str, year: int, **changes: Any) -> dict[str, Any]:
    """A chi bộ's Mẫu 02 where every check holds; ``changes`` override any key."""
    values: dict[str, Any] = {
        "unit_code": unit_code, "unit_name": unit_name, "unit_kind": "chi_bo",
        "year": year, "t1_work_program": True, "t1_targets_assigned": 10, "t1_targets_met": 10,
        "t1_admission_target": 1, "t1_admitted": 2, "t1_backlog_cases": 0,
        "t1_other_tasks": True, "t1_self": True, "t2_regular_meetings": 12,
        "t2_thematic_meetings": 4, "t2_quality_ok": True, "t2_self": True,
        "t3_working_rules": True, "t3_violations": 0, "t3_external_detection": False,
        "t3_self": True, "t4_movement": True, "members_total": 20, "members_evaluated": 19,
        "rated_excellent": 4, "rated_good": 15, "rated_complete": 0, "rated_incomplete": 0,
        "t4_self": True, "self_title": True, "proposed_rating": "hoan_thanh_xuat_sac",
    }
    values.update(changes)
    return values


def write_form02(
    path: Path, values: dict[str, Any], *, layout: str = "table",
    place: str = "Trà Giang", signed: dt.date | None = None,
) -> Path:
    """Write a retyped Mẫu 02-TĐG as .docx (``layout``: "table" or "paragraphs")."""
    doc = Document()
    doc.add_paragraph("Mẫu 02-TĐG")
    doc.add_paragraph("BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN")
    doc.add_paragraph(
        f'"CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" NĂM {values.get("year", "")}'
    )
    labels = {**COMMON_LABELS, **ASSESSMENT_LABELS}
    keys = [k for k in labels if k in values]
    if layout == "table":
        table = doc.add_table(rows=0, cols=2)
        for key in keys:
            row = table.add_row().cells
            row[0].text = labels[key]
            row[1].text = printed(key, values[key])
    else:
        for key in keys:
            doc.add_paragraph(f"{labels[key]}: {printed(key, values[key])}")
    day = signed or dt.date(int(values.get("year", 2024)), 12, 15)
    doc.add_paragraph(f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}")
    doc.add_paragraph("T/M CHI BỘ")
    doc.add_paragraph("BÍ THƯ")
    doc.add_paragraph("Nguyễn Văn An")
    doc.save(path)
    return path
