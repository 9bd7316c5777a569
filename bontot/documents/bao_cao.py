"""bao-cao-so-ket / bao-cao-tong-ket: the review report of a committee, and of the province.

I. Tình hình triển khai (registration, pilot units), II. Kết quả (recognition per year, by kind
and by unit type, the proposed classification, rewards), III. Đánh giá chung as headed blanks the
committee writes itself, IV. Phương hướng (what the figures call for, then room for more).  The
province's report covers every committee, one row each where a committee's report has one row
per kind of unit.  Two charts: the four-good share per year, and registered against recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bontot.charts import Chart, count_chart, share_chart
from bontot.documents import report_tables as rt
from bontot.documents import rewards
from bontot.documents.base import GROUPS, REVIEWS, Document, DocumentRequest, Facts
from bontot.documents.tables import Share, Table, TableSpec
from bontot.models import CRITERION_NAMES, Unit
from bontot.vnformat import date_prose, number, percent

KIND = {"so-ket": "bao-cao-so-ket", "tong-ket": "bao-cao-tong-ket"}
TEMPLATE = {"so-ket": "bao-cao-so-ket.docx", "tong-ket": "bao-cao-tong-ket.docx"}
_RANK_WORDS = {
    "four_good_years": 'số năm đạt "bốn tốt" nhiều hơn',
    "excellent_share": "tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ cao hơn",
    "unit_code": "mã đơn vị",
}


def _empty(spec: TableSpec) -> dict[str, Any]:
    """A table this level of report does not print (the template skips it)."""
    return {"rows": [], "total": dict.fromkeys(spec.keys, ""), "count": "0"}


def build(facts: Facts, request: DocumentRequest, committee: Unit) -> list[Document]:
    """The report of one recognising committee."""
    return [_report(facts, request, committee, [committee], province=False)]


def build_province(facts: Facts, request: DocumentRequest) -> list[Document]:
    """The province's report: every recognising committee, side by side."""
    return [_report(facts, request, facts.tree.root, facts.tree.committees(), province=True)]


def _report(
    facts: Facts,
    request: DocumentRequest,
    issuer_unit: Unit,
    committees: Sequence[Unit],
    *,
    province: bool,
) -> Document:
    review = request.review
    assert review is not None
    issuer = facts.issuer(issuer_unit)
    cal = facts.plan.calendar.so_ket if review == "so-ket" else facts.plan.calendar.tong_ket
    day = request.day or (cal.province if province else cal.committees)
    years = facts.review_years(review)
    units = [u for c in committees for u in facts.tree.candidates_of(c.code)]
    tables = [
        rt.registered_table(facts, committees),
        rt.pilots_table(facts, committees),
        rt.by_year_table(facts, units, years),
        rt.by_type_table(facts, units, years),
        rt.ratings_table(facts, units, years),
    ]
    if province:
        tables += [
            rt.by_committee_table(facts, committees, years),
            rt.rewards_by_committee_table(facts, review, committees),
        ]
        hidden = [rt.RANKING]
    else:
        tables.append(rt.ranking_table(facts, review, issuer_unit))
        hidden = [rt.BY_COMMITTEE, rt.REWARDS_BY_COMMITTEE]
    kind = KIND[review]
    context: dict[str, Any] = {
        **issuer.header("BÁO CÁO", day, request.number(kind, issuer_unit.code), facts.style),
        **{spec.key: _empty(spec) for spec in hidden},
        "province": province,
        "period": facts.period_label(review),
        "intro": _intro(facts, issuer.standing_prose, REVIEWS[review], facts.period_label(review)),
        "registration_text": _registration_text(facts, issuer_unit, units, tables[0]),
        "pilot_text": _pilot_text(facts, committees, province),
        "result_texts": _result_texts(facts, units, years, review),
        "reward_texts": _reward_texts(facts, review, committees, province),
        "directions": _directions(facts, review, committees, units, years),
        "recipients": _recipients(issuer.superior_organ, province),
    }
    return Document(
        kind=kind,
        key=kind,
        template=TEMPLATE[review],
        committee=issuer_unit,
        stem=f"{kind}-{issuer_unit.code}",
        context=context,
        tables=tuple(tables),
        charts=_charts(facts, committees, units, years, province),
        title=f"Báo cáo {REVIEWS[review]} - {issuer_unit.name}",
        warnings=tuple(issuer.warnings()),
    )


def _intro(facts: Facts, standing: str, review: str, period: str) -> str:
    source = "" if facts.plan_issuer() == standing else f" của {facts.plan_issuer()}"
    return (
        f"Thực hiện {facts.plan.name}{source}, {standing} báo cáo {review} phong trào giai"
        f" đoạn {period} như sau:"
    )


def _registration_text(facts: Facts, scope: Unit, units: Sequence[Unit], table: Table) -> str:
    parts = []
    for label, kinds in GROUPS:
        n = sum(1 for u in units if u.kind in kinds)
        if n:
            parts.append(f"{number(n)} {label[0].lower()}{label[1:]}")
    total = table.total or {}
    registered, late = int(total.get("registered", 0)), int(total.get("late", 0))
    due = date_prose(facts.plan.calendar.unit_registration)
    return (
        f"Toàn {scope.name} có {number(len(units))} tổ chức đảng thuộc diện đăng ký thi đua"
        f" ({', '.join(parts)}); đã có {number(registered)} tổ chức đảng đăng ký"
        f" ({percent(registered, len(units))}), trong đó {number(late)} tổ chức đảng đăng ký"
        f" sau thời hạn ({due})."
    )


def _pilot_text(facts: Facts, committees: Sequence[Unit], province: bool) -> str:
    rates = facts.plan.pilots.min_percent
    text = (
        f"Theo Kế hoạch, mỗi cấp ủy chọn ít nhất {rates['dang_bo_co_so']} % số đảng bộ cơ sở"
        f" và {rates['chi_bo']} % số chi bộ để chỉ đạo làm điểm. "
    )
    if province:
        ok = sum(1 for c in committees if all(p.ok for p in facts.summary(c.code).pilots))
        return (
            text + f"Có {number(ok)}/{number(len(committees))} cấp ủy chọn đủ số đơn vị làm điểm."
        )
    parts = []
    for p in facts.summary(committees[0].code).pilots:
        if p.total:
            label = rt.FAMILY_LABELS[p.family].lower()
            state = "đạt" if p.ok else f"còn thiếu {number(p.minimum - p.chosen)}"
            parts.append(
                f"{number(p.chosen)} {label} (tối thiểu {number(p.minimum)}/{number(p.total)},"
                f" {state})"
            )
    return text + "Đã chọn " + "; ".join(parts) + "."


def _result_texts(
    facts: Facts, units: Sequence[Unit], years: Sequence[int], review: str
) -> list[str]:
    out = []
    for year in years:
        rep, ok = rt.counts(facts, units, year)
        out.append(
            f'Năm {year}: {number(ok)}/{number(rep)} tổ chức đảng có báo cáo đạt "bốn tốt"'
            f" ({percent(ok, rep)}); {number(len(units) - rep)} tổ chức đảng không có báo cáo."
        )
    rules = facts.plan.rewards.so_ket if review == "so-ket" else facts.plan.rewards.tong_ket
    missing = [y for y in rules.years if y not in years]
    if missing:
        out.append(
            f"Chưa có kết quả năm {', '.join(map(str, missing))}: chưa nhận được báo cáo tự đánh"
            " giá của năm này."
        )
    return out


def _reward_texts(
    facts: Facts, review: str, committees: Sequence[Unit], province: bool
) -> list[str]:
    rules = facts.plan.rewards.so_ket if review == "so-ket" else facts.plan.rewards.tong_ket
    order = ", rồi ".join(_RANK_WORDS[k] for k in rules.ranking)
    need = rules.consecutive_four_good_years
    given = sum(len(rewards.certificates(facts, review, c)) for c in committees)
    eligible = sum(len(rewards.decision(facts, review, c).eligible) for c in committees)
    out = [
        f'Điều kiện khen thưởng: đã đăng ký thi đua và đạt "bốn tốt" {need:02d} năm liền.'
        f" Có {number(eligible)} tổ chức đảng đủ điều kiện; {number(given)} tổ chức đảng"
        " được tặng Giấy khen.",
        f"Khi số đơn vị đủ điều kiện nhiều hơn chỉ tiêu, xếp hạng theo: {order}.",
    ]
    if review == "so-ket":
        out.insert(
            1,
            f"Giấy khen không quá {facts.plan.rewards.so_ket.cap_percent} % số tổ chức đảng"
            " đăng ký thi đua của mỗi cấp ủy (làm tròn xuống).",
        )
    else:
        proposed = sum(len(rewards.proposals(facts, c)) for c in committees)
        out.insert(
            1,
            f"Đề nghị Ban Thường vụ Tỉnh ủy tặng Bằng khen: {number(proposed)} tổ chức đảng"
            f" (mỗi cấp ủy {facts.plan.rewards.tong_ket.proposals_min} -"
            f" {facts.plan.rewards.tong_ket.proposals_max} đơn vị).",
        )
        if not province:
            out.insert(2, rewards.tong_ket_policy(facts, committees[0]))
    for c in committees:
        for note in rewards.decision(facts, review, c).notes:
            out.append(f"{c.name}: {note}" if province else note)
    return out


def _directions(
    facts: Facts,
    review: str,
    committees: Sequence[Unit],
    units: Sequence[Unit],
    years: Sequence[int],
) -> list[str]:
    """What the figures call for; the committee adds its own below."""
    out = []
    unregistered = [u for u in units if u.code not in facts.registrations]
    if unregistered:
        out.append(
            f"Vận động {number(len(unregistered))} tổ chức đảng chưa đăng ký thi đua đăng ký"
            " và thực hiện phong trào."
        )
    for c in committees:
        for p in facts.summary(c.code).pilots:
            if not p.ok:
                out.append(
                    f"{c.name}: chọn bổ sung {number(p.minimum - p.chosen)}"
                    f" {rt.FAMILY_LABELS[p.family].lower()} làm điểm cho đủ mức tối thiểu."
                )
    if years:
        last = years[-1]
        failed: dict[str, int] = {}
        not_good = 0
        for u in units:
            r = facts.result(u.code, last)
            if r is None or r.four_good:
                continue
            not_good += 1
            for key, crit in r.criteria.items():
                failed[key] = failed.get(key, 0) + (not crit.met)
        if not_good:
            worst = max(sorted(failed), key=lambda k: failed[k])
            out.append(
                f'Chỉ đạo {number(not_good)} tổ chức đảng chưa đạt "bốn tốt" năm {last} khắc'
                f' phục hạn chế, nhất là tiêu chí "{CRITERION_NAMES[worst]}"'
                f" ({number(failed[worst])} tổ chức đảng chưa đạt)."
            )
    if review == "so-ket":
        out.append(
            "Tiếp tục thực hiện phong trào đến hết giai đoạn, chuẩn bị tổng kết theo Kế hoạch"
            f" ({date_prose(facts.plan.calendar.tong_ket.committees)})."
        )
    return out


def _recipients(superior_organ: str | None, province: bool) -> list[str]:
    if province:
        return ["Ban Tổ chức Trung ương (để báo cáo)", "Các đảng bộ trực thuộc Tỉnh ủy"]
    out = []
    if superior_organ:
        out += [f"Ban Thường vụ {superior_organ} (để báo cáo)", f"Ban Tổ chức {superior_organ}"]
    return [*out, "Các tổ chức cơ sở đảng"]


def _share(facts: Facts, units: Sequence[Unit], year: int) -> Share:
    reported, ok = rt.counts(facts, units, year)
    return Share(ok, reported)


def _charts(
    facts: Facts,
    committees: Sequence[Unit],
    units: Sequence[Unit],
    years: Sequence[int],
    province: bool,
) -> dict[str, Chart]:
    cats = [str(y) for y in years]
    if province:
        groups = [(c.name, facts.tree.candidates_of(c.code)) for c in committees]
    else:
        groups = [(label, [u for u in units if u.kind in kinds]) for label, kinds in GROUPS]
        groups = [(label, g) for label, g in groups if g] + [("Chung", list(units))]
    share = share_chart(
        'Tỷ lệ tổ chức đảng đạt "bốn tốt" trong số có báo cáo',
        cats,
        [(label, [_share(facts, g, y) for y in years]) for label, g in groups],
    )
    last = years[-1] if years else None
    bars = [(label, g) for label, g in groups if label != "Chung"]
    counts = count_chart(
        "Đăng ký thi đua và kết quả công nhận",
        [label for label, _ in bars],
        [
            ("Thuộc diện", [len(g) for _, g in bars]),
            ("Đã đăng ký", [sum(1 for u in g if u.code in facts.registrations) for _, g in bars]),
            (
                f'Đạt "bốn tốt" năm {last}' if last else 'Đạt "bốn tốt"',
                [rt.counts(facts, g, last)[1] if last else 0 for _, g in bars],
            ),
        ],
    )
    return {"chart_share": share, "chart_counts": counts}
