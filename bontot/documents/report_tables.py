"""The tables of the sơ kết / tổng kết reports, for one committee or for the whole province.

Each function takes the committees a report covers (one, or all of them for the province) and
returns a :class:`~bontot.documents.tables.Table` of raw counts; the report prints them and
saves them to .xlsx.  Counts come from the rules' results (:class:`Facts`), never recounted
from the forms, so the report says what the decisions said.
"""

from __future__ import annotations

from collections.abc import Sequence

from bontot.documents import rewards
from bontot.documents.base import GROUPS, Facts
from bontot.documents.tables import Column, Share, Table, TableSpec
from bontot.models import Rating, Unit, UnitKind, UnitType
from bontot.vnformat import number

REGISTERED = TableSpec(
    "dang_ky",
    "Đăng ký thi đua",
    (
        Column("stt", "STT", 14),
        Column("committee", "Cấp ủy xét công nhận", 40, "left"),
        Column("kind", "Loại tổ chức", 38, "left"),
        Column("total", "Số tổ chức đảng", 18),
        Column("registered", "Đã đăng ký", 18),
        Column("share", "Tỷ lệ", 20),
        Column("late", "Đăng ký sau hạn", 17),
    ),
    total_span=3,
)
PILOTS = TableSpec(
    "lam_diem",
    "Chỉ đạo làm điểm",
    (
        Column("stt", "STT", 14),
        Column("committee", "Cấp ủy xét công nhận", 40, "left"),
        Column("kind", "Loại tổ chức", 27, "left"),
        Column("total", "Tổng số", 16),
        Column("rate", "Tỷ lệ tối thiểu", 17),
        Column("minimum", "Số tối thiểu", 17),
        Column("chosen", "Đã chọn", 16),
        Column("result", "Kết quả", 18),
    ),
    total_span=3,
)
_YEAR_GROUPS = (("db", "Đảng bộ cơ sở"), ("cbcs", "Chi bộ cơ sở"), ("cb", "Chi bộ trực thuộc ĐBCS"))
BY_YEAR = TableSpec(
    "theo_nam",
    "Công nhận theo năm",
    (
        Column("stt", "STT", 14),
        Column("year", "Năm", 14),
        *(
            col
            for key, label in _YEAR_GROUPS
            for col in (
                Column(f"{key}_rep", "Có báo cáo", 15, group=label),
                Column(f"{key}_ok", "Đạt", 15, group=label),
            )
        ),
        Column("all_rep", "Có báo cáo", 15, group="Cộng"),
        Column("all_ok", "Đạt", 14, group="Cộng"),
        Column("share", "Tỷ lệ", 18, group="Cộng"),
    ),
)
BY_TYPE = TableSpec(
    "theo_loai_hinh",
    "Công nhận theo loại hình",
    (
        Column("stt", "STT", 14),
        Column("year", "Năm", 16),
        Column("type", "Loại hình", 57, "left"),
        Column("reported", "Có báo cáo", 26),
        Column("ok", 'Đạt "bốn tốt"', 26),
        Column("share", "Tỷ lệ", 26),
    ),
)
BY_COMMITTEE = TableSpec(
    "theo_cap_uy",
    "Công nhận theo cấp ủy",
    (
        Column("stt", "STT", 14),
        Column("committee", "Cấp ủy xét công nhận", 61, "left"),
        Column("year", "Năm", 16),
        Column("reported", "Có báo cáo", 24),
        Column("ok", 'Đạt "bốn tốt"', 24),
        Column("share", "Tỷ lệ", 26),
    ),
)
_RATINGS = (
    (Rating.HOAN_THANH_XUAT_SAC, "xs"),
    (Rating.HOAN_THANH_TOT, "tot"),
    (Rating.HOAN_THANH, "ht"),
    (Rating.CAN_XEM_XET, "xem"),
)
RATINGS = TableSpec(
    "xep_loai",
    "Đề xuất xếp loại",
    (
        Column("stt", "STT", 14),
        Column("year", "Năm", 15),
        Column("reported", "Có báo cáo", 20),
        *(Column(key, r.label, 29, group="Đề xuất xếp loại") for r, key in _RATINGS),
    ),
)
RANKING = TableSpec(
    "xep_hang",
    "Xét khen thưởng",
    (
        Column("stt", "STT", 14),
        Column("name", "Tên tổ chức đảng", 50, "left"),
        Column("parent", "Trực thuộc", 42, "left"),
        Column("years", "Số năm bốn tốt", 17),
        Column("excellent", "Tỷ lệ HTXSNV", 20),
        Column("result", "Kết quả xét", 22),
    ),
    total_span=2,
)
REWARDS_BY_COMMITTEE = TableSpec(
    "khen_thuong_cap_uy",
    "Khen thưởng theo cấp ủy",
    (
        Column("stt", "STT", 14),
        Column("committee", "Cấp ủy xét công nhận", 51, "left"),
        Column("registered", "Số đăng ký", 20),
        Column("cap", "Giấy khen tối đa", 20),
        Column("eligible", "Đủ điều kiện", 20),
        Column("certificates", "Tặng Giấy khen", 20),
        Column("proposals", "Đề nghị Bằng khen", 20),
    ),
    total_span=2,
)
TABLES = (
    REGISTERED,
    PILOTS,
    BY_YEAR,
    BY_TYPE,
    BY_COMMITTEE,
    RATINGS,
    RANKING,
    REWARDS_BY_COMMITTEE,
)
FAMILY_LABELS = {"dang_bo_co_so": "Đảng bộ cơ sở", "chi_bo": "Chi bộ"}


def _of(units: Sequence[Unit], kinds: Sequence[UnitKind]) -> list[Unit]:
    return [u for u in units if u.kind in kinds]


def counts(facts: Facts, units: Sequence[Unit], year: int) -> tuple[int, int]:
    """(units with a result that year, of which four-good)."""
    results = [r for u in units if (r := facts.result(u.code, year)) is not None]
    return len(results), sum(1 for r in results if r.four_good)


def registered_table(facts: Facts, committees: Sequence[Unit]) -> Table:
    due = facts.plan.calendar.unit_registration
    rows = []
    sums = [0, 0, 0]
    for committee in committees:
        units = facts.tree.candidates_of(committee.code)
        for label, kinds in GROUPS:
            group = _of(units, kinds)
            if not group:
                continue
            regs = [facts.registrations[u.code] for u in group if u.code in facts.registrations]
            late = sum(1 for r in regs if r.registered_on > due)
            rows.append(
                {
                    "committee": committee.name,
                    "kind": label,
                    "total": len(group),
                    "registered": len(regs),
                    "share": Share(len(regs), len(group)),
                    "late": late,
                }
            )
            sums = [sums[0] + len(group), sums[1] + len(regs), sums[2] + late]
    total = {
        "total": sums[0],
        "registered": sums[1],
        "share": Share(sums[1], sums[0]),
        "late": sums[2],
    }
    return Table(REGISTERED, "Kết quả đăng ký thi đua", tuple(rows), total)


def pilots_table(facts: Facts, committees: Sequence[Unit]) -> Table:
    rows = []
    sums = [0, 0, 0, 0, 0]
    for committee in committees:
        for p in facts.summary(committee.code).pilots:
            if p.total == 0:
                continue
            rows.append(
                {
                    "committee": committee.name,
                    "kind": FAMILY_LABELS[p.family],
                    "total": p.total,
                    "rate": f"{facts.plan.pilots.min_percent[p.family]} %",  # type: ignore[index]
                    "minimum": p.minimum,
                    "chosen": p.chosen,
                    "result": "Đạt" if p.ok else f"Thiếu {p.minimum - p.chosen}",
                }
            )
            sums = [
                sums[0] + p.total,
                sums[1] + p.minimum,
                sums[2] + p.chosen,
                sums[3] + p.ok,
                sums[4] + 1,
            ]
    total = {
        "total": sums[0],
        "minimum": sums[1],
        "chosen": sums[2],
        "result": f"{number(sums[3])}/{number(sums[4])} đạt",
    }
    return Table(
        PILOTS, "Chỉ đạo làm điểm (tối thiểu theo Kế hoạch, mục III.2)", tuple(rows), total
    )


def by_year_table(facts: Facts, units: Sequence[Unit], years: Sequence[int]) -> Table:
    rows = []
    for year in years:
        row: dict[str, object] = {"year": str(year)}
        for (key, _), (_, kinds) in zip(_YEAR_GROUPS, GROUPS, strict=True):
            row[f"{key}_rep"], row[f"{key}_ok"] = counts(facts, _of(units, kinds), year)
        rep, ok = counts(facts, units, year)
        row |= {"all_rep": rep, "all_ok": ok, "share": Share(ok, rep)}
        rows.append(row)
    return Table(BY_YEAR, 'Tổ chức đảng đạt "bốn tốt" theo năm và loại tổ chức', tuple(rows))


def by_type_table(facts: Facts, units: Sequence[Unit], years: Sequence[int]) -> Table:
    rows = []
    types: list[UnitType | None] = [*UnitType, None]
    for year in years:
        for t in types:
            group = [u for u in units if u.unit_type == t]
            rep, ok = counts(facts, group, year)
            if rep == 0:
                continue
            label = t.label if t is not None else "Chưa ghi loại hình"
            rows.append(
                {
                    "year": str(year),
                    "type": label,
                    "reported": rep,
                    "ok": ok,
                    "share": Share(ok, rep),
                }
            )
    return Table(BY_TYPE, 'Tổ chức đảng đạt "bốn tốt" theo loại hình', tuple(rows))


def by_committee_table(facts: Facts, committees: Sequence[Unit], years: Sequence[int]) -> Table:
    rows = []
    for committee in committees:
        units = facts.tree.candidates_of(committee.code)
        for year in years:
            rep, ok = counts(facts, units, year)
            rows.append(
                {
                    "committee": committee.name,
                    "year": str(year),
                    "reported": rep,
                    "ok": ok,
                    "share": Share(ok, rep),
                }
            )
    return Table(BY_COMMITTEE, 'Tổ chức đảng đạt "bốn tốt" theo cấp ủy và năm', tuple(rows))


def ratings_table(facts: Facts, units: Sequence[Unit], years: Sequence[int]) -> Table:
    rows = []
    for year in years:
        results = [r for u in units if (r := facts.result(u.code, year)) is not None]
        row: dict[str, object] = {"year": str(year), "reported": len(results)}
        for rating, key in _RATINGS:
            row[key] = sum(1 for r in results if r.rating is rating)
        rows.append(row)
    return Table(RATINGS, "Đề xuất xếp loại tổ chức đảng (theo kết quả bốn tiêu chí)", tuple(rows))


def ranking_table(facts: Facts, review: str, committee: Unit) -> Table:
    decision = rewards.decision(facts, review, committee)
    given = {a.unit.code for a in rewards.certificates(facts, review, committee)}
    rows = []
    for r in decision.eligible:
        unit = facts.tree.unit(r.unit_code)
        if review == "tong-ket" and r.selected:
            result = "Bằng khen"
        elif r.unit_code in given:
            result = "Giấy khen"
        else:
            result = "Ngoài chỉ tiêu"
        rows.append(
            {
                "name": unit.name,
                "parent": facts.parent_name(unit),
                "years": r.four_good_years,
                "excellent": Share(r.excellent_share.numerator, r.excellent_share.denominator),
                "result": result,
            }
        )
    result = f"{number(len(given))} Giấy khen"
    if review == "tong-ket":
        result = f"{number(len(decision.selected))} Bằng khen, {result}"
    total = {"parent": f"{number(len(rows))} đơn vị đủ điều kiện", "result": result}
    return Table(RANKING, "Xếp hạng các đơn vị đủ điều kiện khen thưởng", tuple(rows), total)


def rewards_by_committee_table(facts: Facts, review: str, committees: Sequence[Unit]) -> Table:
    rows = []
    sums = [0, 0, 0, 0, 0]
    for committee in committees:
        decision = rewards.decision(facts, review, committee)
        values = [
            decision.registered,
            rewards.certificate_cap(facts, review, committee),
            len(decision.eligible),
            len(rewards.certificates(facts, review, committee)),
            len(decision.selected) if review == "tong-ket" else 0,
        ]
        keys = ("registered", "cap", "eligible", "certificates", "proposals")
        rows.append({"committee": committee.name, **dict(zip(keys, values, strict=True))})
        sums = [a + b for a, b in zip(sums, values, strict=True)]
    total = dict(
        zip(("registered", "cap", "eligible", "certificates", "proposals"), sums, strict=True)
    )
    return Table(REWARDS_BY_COMMITTEE, "Khen thưởng theo cấp ủy", tuple(rows), total)
