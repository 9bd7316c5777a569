"""to-trinh-bang-khen: the committee asks the province's Ban Thường vụ for Bằng khen (tổng kết).

The units are the rules' proposals (1–2 per committee, IV.2.2); for each, the achievements a
reader weighs: the years it was four-good, its members and their ratings, admissions against
the target, and the targets met, all summed from its yearly self-assessments.
"""

from __future__ import annotations

from collections.abc import Sequence

from bontot.documents import rewards
from bontot.documents.base import Document, DocumentRequest, Facts
from bontot.documents.issuer import STANDING, prose_name
from bontot.documents.qd_khen_thuong import review_day
from bontot.documents.tables import Column, Share, Table, TableSpec
from bontot.models import Unit, UnitKind
from bontot.vnformat import number, percent

KIND = "to-trinh-bang-khen"
TEMPLATE = "to-trinh-bang-khen.docx"
UNITS = TableSpec(
    "units",
    "Đề nghị Bằng khen",
    (
        Column("stt", "STT", 14),
        Column("name", "Tên tổ chức đảng", 44, "left"),
        Column("parent", "Trực thuộc", 35, "left"),
        Column("members", "Số đảng viên", 18),
        Column("years", 'Năm đạt "bốn tốt"', 28),
        Column("excellent", "Tỷ lệ đảng viên HTXSNV", 26),
    ),
    total_span=2,
)


def _sum(facts: Facts, code: str, years: Sequence[int], key: str) -> int:
    total = 0
    for y in years:
        rec = facts.assessments.get((code, y))
        value = rec.fields.get(key) if rec is not None else None
        total += int(value or 0)
    return total


def _latest(facts: Facts, code: str, years: Sequence[int], key: str) -> int | None:
    for y in reversed(years):
        rec = facts.assessments.get((code, y))
        if rec is not None and rec.fields.get(key) is not None:
            return int(rec.fields[key])
    return None


def achievements(facts: Facts, unit: Unit, years: Sequence[int]) -> str:
    """One sentence of figures, summed over the review's years from the unit's own forms."""
    good = facts.four_good_years(unit.code, years)
    title = "đảng bộ cơ sở bốn tốt" if unit.kind is UnitKind.DANG_BO_CO_SO else "chi bộ bốn tốt"
    parts = [f'đạt "{title}" {len(good):02d}/{len(years):02d} năm ({", ".join(map(str, good))})']
    excellent = _sum(facts, unit.code, years, "rated_excellent")
    evaluated = _sum(facts, unit.code, years, "members_evaluated")
    if evaluated:
        parts.append(
            f"tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ {percent(excellent, evaluated)}"
            f" ({number(excellent)}/{number(evaluated)} lượt đảng viên được đánh giá)"
        )
    admitted = _sum(facts, unit.code, years, "t1_admitted")
    target = _sum(facts, unit.code, years, "t1_admission_target")
    parts.append(f"kết nạp {number(admitted)} đảng viên mới (chỉ tiêu {number(target)})")
    met = _sum(facts, unit.code, years, "t1_targets_met")
    assigned = _sum(facts, unit.code, years, "t1_targets_assigned")
    if assigned:
        parts.append(
            f"số chỉ tiêu đạt và vượt {number(met)} (chỉ tiêu được giao {number(assigned)})"
        )
    return "; ".join(parts) + "."


def build(facts: Facts, request: DocumentRequest, committee: Unit) -> list[Document]:
    proposed = rewards.proposals(facts, committee)
    if not proposed:
        return []
    issuer = facts.issuer(committee)
    day = review_day(facts, request)
    years = facts.review_years("tong-ket")
    superior = facts.tree.unit(committee.parent_code) if committee.parent_code else None
    addressee = f"{STANDING} {prose_name(superior)}" if superior else facts.plan_issuer()
    rows = []
    items = []
    members = 0
    for i, award in enumerate(proposed, start=1):
        unit = award.unit
        excellent = _sum(facts, unit.code, years, "rated_excellent")
        evaluated = _sum(facts, unit.code, years, "members_evaluated")
        size = _latest(facts, unit.code, years, "members_total") or unit.members
        members += size or 0
        rows.append(
            {
                "name": unit.name,
                "parent": facts.parent_name(unit),
                "members": size,
                "years": award.years_text,
                "excellent": Share(excellent, evaluated),
            }
        )
        items.append({"n": str(i), "name": unit.name, "text": achievements(facts, unit, years)})
    table = Table(
        UNITS,
        "Danh sách tổ chức đảng đề nghị tặng Bằng khen",
        tuple(rows),
        total={
            "parent": f"{number(len(rows))} tổ chức đảng",
            "members": members,
        },
    )
    period = facts.period_label("tong-ket")
    context = {
        **issuer.header("TỜ TRÌNH", day, request.number(KIND, committee.code), facts.style),
        "period": period,
        "addressee": addressee,
        "standing_prose": issuer.standing_prose,
        "plan_name": facts.plan.name,
        "plan_issuer": facts.plan_issuer(),
        "count": number(len(proposed)),
        "years": f"{years[0]} - {years[-1]}" if years else "",
        "items": items,
        "recipients": ["Như trên"]
        + ([f"Ban Tổ chức {issuer.superior_organ}"] if issuer.superior_organ else []),
    }
    return [
        Document(
            kind=KIND,
            key=KIND,
            template=TEMPLATE,
            committee=committee,
            stem=f"{KIND}-{committee.code}",
            context=context,
            tables=(table,),
            title="Tờ trình đề nghị tặng Bằng khen",
            warnings=tuple(issuer.warnings()),
        )
    ]
