"""qd-cong-nhan: the decision recognising the year's "chi bộ bốn tốt", "đảng bộ cơ sở bốn tốt".

One per recognising committee and year (IV.3: decided with the annual evaluation), with the
annex "Danh sách" (STT, tên tổ chức đảng, trực thuộc, loại).  A committee none of whose units
is four-good that year gets no decision, and the run says so.
"""

from __future__ import annotations

from bontot.documents.base import MOVEMENT, Document, DocumentRequest, Facts, kind_label
from bontot.documents.tables import Column, Table, TableSpec
from bontot.errors import InputError
from bontot.models import Unit, UnitKind
from bontot.vnformat import number

KIND = "qd-cong-nhan"
TEMPLATE = "qd-cong-nhan.docx"
ANNEX = TableSpec(
    "annex",
    "Danh sách",
    (
        Column("stt", "STT", 14),
        Column("name", "Tên tổ chức đảng", 64, "left"),
        Column("parent", "Trực thuộc", 53, "left"),
        Column("kind", "Loại", 34),
    ),
    total_span=2,
)


def recognised(facts: Facts, committee: Unit, year: int) -> list[Unit]:
    """The committee's units four-good in ``year``, in roster order."""
    return [
        u
        for u in facts.tree.candidates_of(committee.code)
        if (r := facts.result(u.code, year)) is not None and r.four_good
    ]


def build(facts: Facts, request: DocumentRequest, committee: Unit) -> list[Document]:
    year = request.year
    assert year is not None
    if year not in facts.plan.period.years:
        first, last = facts.plan.period.first_year, facts.plan.period.last_year
        raise InputError(f"Năm {year} nằm ngoài giai đoạn {first} - {last} của kế hoạch.")
    if year not in facts.run.results:
        raise InputError(f"Chưa có báo cáo tự đánh giá nào của năm {year} để xét công nhận.")
    units = recognised(facts, committee, year)
    if not units:
        return []
    issuer = facts.issuer(committee)
    day = request.day or facts.plan.annual_deadline(year)
    num = request.number(KIND, committee.code)
    dang_bo = sum(1 for u in units if u.kind is UnitKind.DANG_BO_CO_SO)
    annex = Table(
        ANNEX,
        f"Danh sách tổ chức đảng đạt {MOVEMENT} năm {year}",
        tuple(
            {"name": u.name, "parent": facts.parent_name(u), "kind": kind_label(u)} for u in units
        ),
        total={"parent": f"{number(len(units))} tổ chức đảng"},
    )
    context = {
        **issuer.header("QUYẾT ĐỊNH", day, num, facts.style),
        "year": str(year),
        "standing": issuer.standing,
        "standing_prose": issuer.standing_prose,
        "committee_name": committee.name,
        "plan_name": facts.plan.name,
        "plan_issuer": facts.plan_issuer(),
        "organ": issuer.organ,
        "count": number(len(units)),
        "count_dang_bo": number(dang_bo),
        "count_chi_bo": number(len(units) - dang_bo),
        "reference": issuer.reference("QUYẾT ĐỊNH", day, num, facts.style),
        "recipients": _recipients(issuer.superior_organ),
    }
    return [
        Document(
            kind=KIND,
            key=KIND,
            template=TEMPLATE,
            committee=committee,
            stem=f"{KIND}-{year}-{committee.code}",
            context=context,
            tables=(annex,),
            title=f"Quyết định công nhận năm {year}",
            warnings=tuple(issuer.warnings()),
        )
    ]


def _recipients(superior_organ: str | None) -> list[str]:
    out = []
    if superior_organ:
        out += [f"Ban Thường vụ {superior_organ} (để báo cáo)", f"Ban Tổ chức {superior_organ}"]
    return [*out, "Như Điều 3"]
