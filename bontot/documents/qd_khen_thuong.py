"""qd-khen-thuong: the decision giving Giấy khen at the sơ kết (2025) or the tổng kết (2027).

One per recognising committee and review, with its annex listing the rewarded units and the
years each was four-good; who is rewarded is :mod:`bontot.documents.rewards`' answer.
"""

from __future__ import annotations

import datetime as dt

from bontot.documents import rewards
from bontot.documents.base import REVIEWS, Document, DocumentRequest, Facts, kind_label
from bontot.documents.tables import Column, Table, TableSpec
from bontot.models import Unit
from bontot.vnformat import number

KIND = "qd-khen-thuong"
TEMPLATE = "qd-khen-thuong.docx"
ANNEX = TableSpec(
    "annex",
    "Danh sách",
    (
        Column("stt", "STT", 14),
        Column("name", "Tên tổ chức đảng", 54, "left"),
        Column("parent", "Trực thuộc", 43, "left"),
        Column("kind", "Loại", 30),
        Column("years", 'Năm đạt "bốn tốt"', 24),
    ),
    total_span=2,
)


def review_day(facts: Facts, request: DocumentRequest) -> dt.date:
    """The committees' date of a review (sơ kết 30/10/2025 …) unless the request gives one."""
    cal = facts.plan.calendar.so_ket if request.review == "so-ket" else facts.plan.calendar.tong_ket
    return request.day or cal.committees


def build(facts: Facts, request: DocumentRequest, committee: Unit) -> list[Document]:
    review = request.review
    assert review is not None
    awards = rewards.certificates(facts, review, committee)
    if not awards:
        return []
    issuer = facts.issuer(committee)
    day = review_day(facts, request)
    num = request.number(KIND, committee.code)
    period = facts.period_label(review)
    annex = Table(
        ANNEX,
        f"Danh sách tổ chức đảng được tặng Giấy khen ({REVIEWS[review]} giai đoạn {period})",
        tuple(
            {
                "name": a.unit.name,
                "parent": facts.parent_name(a.unit),
                "kind": kind_label(a.unit),
                "years": a.years_text,
            }
            for a in awards
        ),
        total={"parent": f"{number(len(awards))} tổ chức đảng"},
    )
    context = {
        **issuer.header("QUYẾT ĐỊNH", day, num, facts.style),
        "review": REVIEWS[review],
        "period": period,
        "standing": issuer.standing,
        "standing_prose": issuer.standing_prose,
        "committee_name": committee.name,
        "plan_name": facts.plan.name,
        "plan_issuer": facts.plan_issuer(),
        "organ": issuer.organ,
        "count": number(len(awards)),
        "reference": issuer.reference("QUYẾT ĐỊNH", day, num, facts.style),
        "recipients": _recipients(issuer.superior_organ),
    }
    return [
        Document(
            kind=KIND,
            key=KIND,
            template=TEMPLATE,
            committee=committee,
            stem=f"{KIND}-{review}-{committee.code}",
            context=context,
            tables=(annex,),
            title=f"Quyết định tặng Giấy khen ({REVIEWS[review]})",
            warnings=tuple(issuer.warnings()),
        )
    ]


def _recipients(superior_organ: str | None) -> list[str]:
    out = []
    if superior_organ:
        out += [f"Ban Thường vụ {superior_organ} (để báo cáo)", f"Ban Tổ chức {superior_organ}"]
    return [*out, "Như Điều 3"]
