"""ds-chua-nop: the units that have not returned a form yet, for reminders before a deadline.

``--deadline dang-ky``: the registration (Mẫu 01-ĐK, due before 25/11/2022 in the plan);
``--deadline 2024``: the self-assessment of that year (Mẫu 02-TĐG, due on the plan's date).  The
list is as of the request's day (default: today), and says how many days are left, or late.
"""

from __future__ import annotations

import datetime as dt

from bontot.documents.base import REGISTRATION, Document, DocumentRequest, Facts, kind_label
from bontot.documents.tables import Column, Table, TableSpec
from bontot.errors import InputError
from bontot.models import Unit
from bontot.vnformat import date_prose, date_table, number

KIND = "ds-chua-nop"
TEMPLATE = "ds-chua-nop.docx"
MISSING = TableSpec(
    "missing",
    "Chưa nộp",
    (
        Column("stt", "STT", 14),
        Column("name", "Tên tổ chức đảng", 42, "left"),
        Column("parent", "Trực thuộc", 34, "left"),
        Column("kind", "Loại", 18),
        Column("secretary", "Bí thư", 27, "left"),
        Column("note", "Ghi chú", 30),
    ),
    total_span=2,
)


def _deadline(facts: Facts, deadline: str) -> tuple[str, str, dt.date]:
    """(what is missing, the form's printed name, the due date)."""
    if deadline == REGISTRATION:
        return "phiếu đăng ký thi đua", "Mẫu 01-ĐK", facts.plan.calendar.unit_registration
    year = int(deadline)
    if year not in facts.plan.period.years:
        first, last = facts.plan.period.first_year, facts.plan.period.last_year
        raise InputError(f"Năm {year} nằm ngoài giai đoạn {first} - {last} của kế hoạch.")
    return f"báo cáo tự đánh giá năm {year}", "Mẫu 02-TĐG", facts.plan.annual_deadline(year)


def missing_units(facts: Facts, committee: Unit, deadline: str) -> list[Unit]:
    """The committee's candidate units with no form of that deadline in the store."""
    units = facts.tree.candidates_of(committee.code)
    if deadline == REGISTRATION:
        return [u for u in units if u.code not in facts.registrations]
    year = int(deadline)
    return [u for u in units if (u.code, year) not in facts.assessments]


def _left(due: dt.date, day: dt.date) -> str:
    days = (day - due).days
    if days > 0:
        return f"đã quá hạn {days} ngày"
    return "đến hạn hôm nay" if days == 0 else f"còn {-days} ngày"


def build(facts: Facts, request: DocumentRequest, committee: Unit) -> list[Document]:
    deadline = request.deadline
    assert deadline is not None
    what, form, due = _deadline(facts, deadline)
    units = missing_units(facts, committee, deadline)
    if not units:
        return []
    day = request.day or dt.date.today()
    issuer = facts.issuer(committee)
    rows = []
    for u in units:
        extra = ""
        if deadline != REGISTRATION and u.code not in facts.registrations:
            extra = "Chưa đăng ký thi đua"
        rows.append(
            {
                "name": u.name,
                "parent": facts.parent_name(u),
                "kind": kind_label(u),
                "secretary": u.secretary or "",
                "note": extra,
            }
        )
    table = Table(
        MISSING,
        f"Danh sách tổ chức đảng chưa nộp {what} ({form}), tính đến {date_table(day)}",
        tuple(rows),
        total={"parent": f"{number(len(units))} tổ chức đảng"},
    )
    context = {
        **issuer.header("DANH SÁCH", day, request.number(KIND, committee.code), facts.style),
        "what": what,
        "form": form,
        "as_of": date_table(day),
        "due": date_prose(due),
        "left": _left(due, day),
        "organ": issuer.organ,
        "count": number(len(units)),
        "total_units": number(len(facts.tree.candidates_of(committee.code))),
        "recipients": ["Các tổ chức đảng có tên trên (để thực hiện)"],
    }
    return [
        Document(
            kind=KIND,
            key=KIND,
            template=TEMPLATE,
            committee=committee,
            stem=f"{KIND}-{deadline}-{committee.code}",
            context=context,
            tables=(table,),
            title=f"Danh sách chưa nộp {what}",
            warnings=tuple(issuer.warnings()),
        )
    ]
