"""The official documents read back: every .docx, .xlsx and PDF checked against the store.

One demo workspace for the module (the demo province, with its plan's Giấy khen cap lowered to
5 % so the batches stay short), every document produced once without PDF, then ONE LibreOffice
batch over one document of each kind for the layout checks (word positions in the PDF).  The
PDF pipeline itself (merging certificates, a file LibreOffice loses, "không đổi" on a re-run) runs
against a fake soffice that writes a one-page PDF per input, or none for a marked one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pdfplumber
import pypdfium2 as pdfium
import pytest
import yaml
from docx.oxml.ns import qn

from bontot import office
from bontot import store as st
from bontot.charts import Chart, render_png
from bontot.cli import main
from bontot.demo import TRICKY_NAME
from bontot.documents import (
    DocumentRequest,
    Facts,
    PdfBatchError,
    gather,
    plan_documents,
    produce,
    rewards,
)
from bontot.documents.base import Document
from bontot.documents.render import template
from bontot.documents.tables import Share
from bontot.errors import InputError
from bontot.models import UnitKind
from bontot.plan import default_plan_path
from bontot.service import load_demo
from bontot.workspace import Workspace, init_workspace
from templates import build_documents

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
CAP_PERCENT = 5
DAY = dt.date(2025, 12, 20)  # the reminder list's date
TRICKY = 'Chi bộ A & B <1> "x"'
JINJA = "Chi bộ {{ 7*7 }}"
Produced = dict[str, list[Document]]
MM = 72 / 25.4  # PDF points in a millimetre


# --- the workspace, built once ----------------------------------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("documents")
    plan = yaml.safe_load(default_plan_path().read_text(encoding="utf-8"))
    plan["rewards"]["so_ket"]["cap_percent"] = CAP_PERCENT
    plan_path = root / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    workspace = init_workspace(root / "ws", plan_path=plan_path)
    load_demo(workspace, workspace.root / "roster.xlsx")
    return workspace


@pytest.fixture(scope="module")
def facts(ws: Workspace) -> Facts:
    return gather(ws)


REQUESTS = {
    "2024": DocumentRequest(year=2024, pdf=False),
    "so-ket": DocumentRequest(review="so-ket", pdf=False),
    "tong-ket": DocumentRequest(review="tong-ket", pdf=False),
    "chua-nop": DocumentRequest(deadline="2025", day=DAY, pdf=False),
}


@pytest.fixture(scope="module")
def runs(ws: Workspace, facts: Facts) -> dict[str, Any]:
    return {name: produce(ws, req, facts=facts) for name, req in REQUESTS.items()}


@pytest.fixture(scope="module")
def docs(facts: Facts) -> Produced:
    """The documents as data, by kind ("bao-cao-so-ket/QN" for the province's report)."""
    out: Produced = {}
    for req in REQUESTS.values():
        for doc in plan_documents(facts, req)[0]:
            name = doc.kind + ("/QN" if doc.committee.code == "QN" else "")
            out.setdefault(name, []).append(doc)
    return out


def path_of(ws: Workspace, scope: str, code: str, stem: str, suffix: str = ".docx") -> Path:
    return ws.outputs / scope / code / f"{stem}{suffix}"


def texts(path: Path) -> list[str]:
    """Every paragraph of the body, tables included, in document order."""
    d = docx.Document(str(path))
    return [
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in d.element.body.iter(qn("w:p"))
    ]


def data_tables(path: Path) -> list[list[list[str]]]:
    """Each data table (the ones headed "STT") as rows of cells as printed, merged cells once."""
    found = []
    for t in docx.Document(str(path)).tables:
        if t.rows[0].cells[0].text.strip() != "STT":
            continue
        rows = []
        for row in t.rows:
            cells: list[tuple[str, Any]] = []
            for cell in row.cells:
                if not cells or cell._tc is not cells[-1][1]:
                    cells.append((cell.text.strip(), cell._tc))
            rows.append([c[0] for c in cells])
        found.append(rows)
    return found


def data_table(path: Path, head: str = "STT") -> list[list[str]]:
    """The rows of the one data table whose header row holds ``head``."""
    found = [rows for rows in data_tables(path) if head in rows[0]]
    assert len(found) == 1, f"{len(found)} tables headed {head!r} in {path.name}"
    return found[0]


def body_rows(rows: list[list[str]]) -> list[list[str]]:
    """Numbered rows only (no header, no totals)."""
    return [r for r in rows if r[0].isdigit()]


def assert_in_order(haystack: list[str], needles: list[str]) -> None:
    pos = 0
    for needle in needles:
        hits = [i for i in range(pos, len(haystack)) if needle in haystack[i]]
        assert hits, f"{needle!r} not found after position {pos}"
        pos = hits[0] + 1


# --- the templates as contracts ---------------------------------------------------------------


def test_committed_templates_are_what_the_builder_makes(tmp_path: Path) -> None:
    for path in build_documents.build_all(tmp_path):
        committed = build_documents.TEMPLATES_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed.name} is stale: run python -m templates.build_documents"
        )


def test_every_template_variable_is_supplied(docs: Produced) -> None:
    kinds = {"qd-cong-nhan", "qd-khen-thuong", "giay-khen", "to-trinh-bang-khen",
             "bao-cao-so-ket", "bao-cao-tong-ket", "ds-chua-nop"}  # fmt: skip
    assert kinds | {"bao-cao-so-ket/QN", "bao-cao-tong-ket/QN"} == set(docs)
    for name, made in docs.items():
        for doc in made[:2]:
            wanted = template(doc.template).variables()
            assert {"issuer", "place_date", "signer_name"} <= wanted  # the check sees the tags
            supplied = set(doc.full_context()) | set(doc.charts)
            assert wanted <= supplied, f"{name}: {sorted(wanted - supplied)} not supplied"
            assert supplied <= wanted, f"{name}: {sorted(supplied - wanted)} never printed"


def test_tables_span_the_text_width_and_repeat_their_header() -> None:
    d = docx.Document(str(build_documents.TEMPLATES_DIR / "bao-cao-so-ket.docx"))
    data = [t for t in d.tables if t.rows[0].cells[0].text == "STT"]
    assert len(data) == 8
    for t in data:
        width = sum(int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.iter(qn("w:gridCol")))
        assert abs(width / 1440 * 25.4 - 165) < 1  # mm: 210 - 30 - 15
        assert t.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


# --- the decision recognising the year's four-good units ------------------------------------


def test_qd_cong_nhan_lists_the_four_good_units_of_the_store(ws: Workspace, runs, facts) -> None:
    path = path_of(ws, "2024", "HU-TG", "qd-cong-nhan-2024-HU-TG")
    with st.open_store(ws.database_url).session() as s:
        evaluations = st.current_evaluations(s, year=2024)
    four_good = {code for (code, _, _), e in evaluations.items() if e.four_good}
    expected = [u for u in facts.tree.candidates_of("HU-TG") if u.code in four_good]
    rows = data_table(path)
    assert rows[0] == ["STT", "Tên tổ chức đảng", "Trực thuộc", "Loại"]
    assert body_rows(rows) == [
        [str(i), u.name, facts.parent_name(u), u.kind.label] for i, u in enumerate(expected, 1)
    ]
    assert rows[-1] == ["Tổng cộng", f"{len(expected)} tổ chức đảng", ""]
    assert TRICKY_NAME in [r[1] for r in rows]  # the demo's unit, printed as written
    lines = texts(path)
    assert_in_order(lines, [
        "ĐẢNG BỘ TỈNH QUẢNG NGÃI", "HUYỆN ỦY TRÀ GIANG", "*", "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Số      -QĐ/HU", "Trà Giang, ngày 31 tháng 12 năm 2024", "QUYẾT ĐỊNH",
        'công nhận "chi bộ bốn tốt", "đảng bộ cơ sở bốn tốt" năm 2024', "-----",
        "BAN THƯỜNG VỤ HUYỆN ỦY TRÀ GIANG", "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
        "Ban Chấp hành Đảng bộ huyện Trà Giang", "của Ban Thường vụ Tỉnh ủy Quảng Ngãi;",
        "QUYẾT ĐỊNH:", f"Điều 1. Công nhận {len(expected)} tổ chức đảng", "Điều 2.", "Điều 3.",
        "Nơi nhận:", "- Ban Thường vụ Tỉnh ủy (để báo cáo),", "- Như Điều 3,",
        "- Lưu Văn phòng Huyện ủy.", "T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Thành",
        "DANH SÁCH", "(Kèm theo Quyết định số      -QĐ/HU, ngày 31 tháng 12 năm 2024 của Ban"
        " Thường vụ Huyện ủy Trà Giang)",
    ])  # fmt: skip
    dang_bo = sum(1 for u in expected if u.kind is UnitKind.DANG_BO_CO_SO)
    assert f"({dang_bo} đảng bộ cơ sở, {len(expected) - dang_bo} chi bộ)" in "".join(lines)
    assert not any("{{" in t or "{%" in t for t in lines)


def test_every_committee_prints_its_own_issuer_symbol_and_signer(ws: Workspace, runs) -> None:
    for code, issuer, symbol, place, title in (
        ("TU-BD", "THỊ ỦY BẾN ĐÁ", "-QĐ/TU", "Bến Đá, ngày", "PHÓ BÍ THƯ"),
        ("DUK", "ĐẢNG ỦY KHỐI CƠ QUAN VÀ DOANH NGHIỆP TỈNH", "-QĐ/ĐUK", "Quảng Ngãi, ngày",
         "BÍ THƯ"),
    ):  # fmt: skip
        lines = texts(path_of(ws, "2024", code, f"qd-cong-nhan-2024-{code}"))
        assert_in_order(lines, [issuer, symbol, place, "T/M BAN THƯỜNG VỤ", title])


# --- rewards: decision, certificates, proposal --------------------------------------------


def test_qd_khen_thuong_lists_the_rules_selection(ws: Workspace, runs, facts) -> None:
    committee = facts.tree.unit("HU-TG")
    awards = rewards.certificates(facts, "so-ket", committee)
    decision = facts.summary("HU-TG").so_ket
    assert [a.unit.code for a in awards] == list(decision.selected)
    assert len(awards) == CAP_PERCENT * decision.registered // 100  # the cap binds in the demo
    rows = data_table(path_of(ws, "so-ket", "HU-TG", "qd-khen-thuong-so-ket-HU-TG"))
    assert body_rows(rows) == [
        [str(i), a.unit.name, facts.parent_name(a.unit), a.unit.kind.label, a.years_text]
        for i, a in enumerate(awards, 1)
    ]
    for a in awards:  # the years printed are the years the store says four-good
        assert all(facts.result(a.unit.code, int(y)).four_good for y in a.years_text.split(", "))


def test_every_certificate_and_the_print_batch(ws: Workspace, runs, facts) -> None:
    awards = rewards.certificates(facts, "so-ket", facts.tree.unit("TU-BD"))
    assert awards
    for a in awards:
        path = path_of(ws, "so-ket", "TU-BD", f"giay-khen-so-ket-{a.unit.code}")
        lines = [t for t in texts(path) if t]
        assert_in_order(lines, [
            "ĐẢNG BỘ TỈNH QUẢNG NGÃI", "THỊ ỦY BẾN ĐÁ", "ĐẢNG CỘNG SẢN VIỆT NAM",
            "BAN THƯỜNG VỤ THỊ ỦY BẾN ĐÁ", "TẶNG", "GIẤY KHEN", a.unit.name,
            'Đã hoàn thành xuất sắc phong trào thi đua xây dựng "chi bộ bốn tốt", "đảng bộ cơ'
            ' sở bốn tốt"', "giai đoạn 2022 - 2025", "Bến Đá, ngày 30 tháng 10 năm 2025",
            "T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Trần Thị Hồng Nhung",
        ])  # fmt: skip
        assert "Quyết định số      -QĐ/TU, ngày 30 tháng 10 năm 2025" in lines
        section = docx.Document(str(path)).sections[0]
        assert (section.page_width or 0) > (section.page_height or 0)  # landscape A4
    batch = texts(path_of(ws, "so-ket", "TU-BD", "giay-khen-so-ket-TU-BD-ban-in"))
    assert_in_order(batch, [a.unit.name for a in awards])
    assert batch.count("GIẤY KHEN") == len(awards)
    body = docx.Document(str(path_of(ws, "so-ket", "TU-BD", "giay-khen-so-ket-TU-BD-ban-in")))
    breaks = body.element.body.findall(f".//{qn('w:pageBreakBefore')}")
    assert len(breaks) == len(awards) - 1  # a page each, no blank page at the end
    assert len(body.sections) == 1


def test_to_trinh_proposes_the_rules_choice_with_figures_from_the_forms(
    ws: Workspace, runs, facts
) -> None:
    proposed = rewards.proposals(facts, facts.tree.unit("HU-TG"))
    assert 1 <= len(proposed) <= facts.plan.rewards.tong_ket.proposals_max
    path = path_of(ws, "tong-ket", "HU-TG", "to-trinh-bang-khen-HU-TG")
    rows = data_table(path)
    years = facts.review_years("tong-ket")
    for row, award in zip(body_rows(rows), proposed, strict=True):
        code = award.unit.code
        forms = [
            facts.assessments[(code, y)].fields for y in years if (code, y) in facts.assessments
        ]
        excellent = sum(f["rated_excellent"] for f in forms)
        evaluated = sum(f["members_evaluated"] for f in forms)
        assert row[1] == award.unit.name
        assert row[4] == ", ".join(str(y) for y in award.years)
        assert row[5] == str(Share(excellent, evaluated))
        admitted = sum(f["t1_admitted"] for f in forms)
        assert f"kết nạp {admitted} đảng viên mới" in "".join(texts(path))
    lines = texts(path)
    assert_in_order(lines, ["Số      -TTr/HU", "TỜ TRÌNH",
                            "Kính gửi: Ban Thường vụ Tỉnh ủy Quảng Ngãi", "kính đề nghị",
                            "- Như trên,"])  # fmt: skip


# --- the reports --------------------------------------------------------------------------


def test_committee_report_tables_match_the_store(ws: Workspace, runs, facts) -> None:
    path = path_of(ws, "so-ket", "HU-TG", "bao-cao-so-ket-HU-TG")
    units = facts.tree.candidates_of("HU-TG")
    lines = texts(path)
    assert_in_order(lines, [
        "BÁO CÁO", "I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN", "1. Công tác quán triệt, triển khai",
        "2. Đăng ký thi đua", "3. Chỉ đạo làm điểm", "II. KẾT QUẢ THỰC HIỆN",
        "2. Đề xuất xếp loại tổ chức đảng", "3. Khen thưởng", "III. ĐÁNH GIÁ CHUNG",
        "1. Ưu điểm", "……", "2. Hạn chế", "……", "3. Nguyên nhân", "……",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", "T/M BAN THƯỜNG VỤ",
    ])  # fmt: skip
    with st.open_store(ws.database_url).session() as s:
        registrations = st.current_registrations(s)
    registered = [u for u in units if u.code in registrations]
    total = data_table(path, "Đăng ký sau hạn")[-1]
    late = sum(1 for u in registered if registrations[u.code].registered_on > dt.date(2022, 11, 25))
    assert total == ["Tổng cộng", str(len(units)), str(len(registered)),
                     str(Share(len(registered), len(units))), str(late)]  # fmt: skip
    for year in facts.review_years("so-ket"):
        reported = [u for u in units if facts.result(u.code, year)]
        good = [u for u in reported if facts.result(u.code, year).four_good]
        row = next(
            r for r in data_table(path, "Chi bộ cơ sở") if r[1:2] == [str(year)] and len(r) == 11
        )
        assert row[8:] == [str(len(reported)), str(len(good)), str(Share(len(good), len(reported)))]
    pilots = facts.summary("HU-TG").pilots
    pilot_rows = body_rows(data_table(path, "Số tối thiểu"))
    assert [(r[4], r[5], r[6]) for r in pilot_rows] == [
        (f"{facts.plan.pilots.min_percent[p.family]} %", str(p.minimum), str(p.chosen))
        for p in pilots
    ]
    ranking = body_rows(data_table(path, "Kết quả xét"))
    decision = facts.summary("HU-TG").so_ket
    assert [r[1] for r in ranking] == [facts.tree.unit(e.unit_code).name for e in decision.eligible]
    assert [r[5] for r in ranking].count("Giấy khen") == len(decision.selected)
    assert f"Giấy khen không quá {CAP_PERCENT} %" in "".join(lines)
    assert len(docx.Document(str(path)).inline_shapes) == 2  # the two charts


def test_province_report_covers_every_committee(ws: Workspace, runs, facts) -> None:
    path = path_of(ws, "so-ket", "QN", "bao-cao-so-ket-QN")
    lines = texts(path)
    assert lines.count("TỈNH ỦY QUẢNG NGÃI") == 1 and "ĐẢNG BỘ TỈNH QUẢNG NGÃI" not in lines
    assert "Số      -BC/TU" in lines
    by_committee = body_rows(data_table(path, "Giấy khen tối đa"))
    assert [r[1] for r in by_committee] == [c.name for c in facts.tree.committees()]
    for row, c in zip(by_committee, facts.tree.committees(), strict=True):
        decision = facts.summary(c.code).so_ket
        assert row[2] == str(decision.registered)
        assert row[5] == str(len(decision.selected))
    everyone = [u for c in facts.tree.committees() for u in facts.tree.candidates_of(c.code)]
    assert f"Toàn Đảng bộ tỉnh Quảng Ngãi có {len(everyone)} tổ chức đảng" in "".join(lines)


def test_ds_chua_nop_lists_units_without_a_form(ws: Workspace, runs, facts) -> None:
    path = path_of(ws, "2025", "HU-TG", "ds-chua-nop-2025-HU-TG")
    missing = [u for u in facts.tree.candidates_of("HU-TG") if (u.code, 2025) not in
               facts.assessments]  # fmt: skip
    assert missing
    rows = data_table(path)
    assert [r[1] for r in body_rows(rows)] == [u.name for u in missing]
    assert [r[4] for r in body_rows(rows)] == [u.secretary for u in missing]
    assert rows[-1][:2] == ["Tổng cộng", f"{len(missing)} tổ chức đảng"]
    text = "".join(texts(path))
    assert "Tính đến ngày 20/12/2025" in text and "còn 11 ngày" in text


def test_every_table_is_also_a_spreadsheet_of_numbers(ws: Workspace, runs, facts) -> None:
    wb = openpyxl.load_workbook(path_of(ws, "so-ket", "HU-TG", "bao-cao-so-ket-HU-TG", ".xlsx"))
    assert wb.sheetnames == [
        "Đăng ký thi đua",
        "Chỉ đạo làm điểm",
        "Công nhận theo năm",
        "Công nhận theo loại hình",
        "Đề xuất xếp loại",
        "Xét khen thưởng",
    ]
    sheet = wb["Đăng ký thi đua"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    units = facts.tree.candidates_of("HU-TG")
    total = next(v for v in values if v[0] == "Tổng cộng")
    assert total[3] == len(units) and isinstance(total[4], int)
    assert abs(total[5] - total[4] / total[3]) < 1e-9  # a ratio formatted 0.0 %, not a string
    annex = openpyxl.load_workbook(path_of(ws, "2024", "HU-TG", "qd-cong-nhan-2024-HU-TG",
                                           ".xlsx"))["Danh sách"]  # fmt: skip
    names = [r[1].value for r in annex.iter_rows(min_row=4) if isinstance(r[0].value, int)]
    assert TRICKY_NAME in names


# --- escaping, determinism, the two render paths ------------------------------------------


def _context_with(doc: Document, name: str) -> dict[str, Any]:
    ctx = doc.full_context()
    ctx["annex"] = {**ctx["annex"], "rows": [{**ctx["annex"]["rows"][0], "name": name}]}
    ctx["issuer"] = name
    return ctx


def test_a_name_with_xml_characters_and_one_that_looks_like_jinja_print_as_typed(docs) -> None:
    doc = docs["qd-cong-nhan"][0]
    tpl = template(doc.template)
    for name in (TRICKY, JINJA):
        blob = tpl.render(_context_with(doc, name))
        d = docx.Document(io.BytesIO(blob))  # a package Word and python-docx open
        lines = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in d.element.body.iter(
            qn("w:p"))]  # fmt: skip
        assert lines.count(name) == 2  # the header's issuer and the annex row
        assert "49" not in "".join(lines).replace("2024", "")
    report = docs["bao-cao-so-ket"][0]
    ctx = report.full_context()
    ctx["issuer"] = TRICKY
    pictures = _pictures(report)
    blob = template(report.template).render(ctx, pictures)  # docxtpl's path (pictures)
    assert TRICKY in "".join(t.text or "" for t in docx.Document(io.BytesIO(blob)).element.body
                             .iter(qn("w:t")))  # fmt: skip


def _pictures(doc: Document) -> dict[str, Any]:
    from bontot.documents.render import Picture

    return {k: Picture(render_png(c), c.width_mm) for k, c in doc.charts.items()}


def test_same_input_same_bytes_on_both_render_paths(docs) -> None:
    for doc in (docs["qd-cong-nhan"][0], docs["giay-khen"][-1], docs["bao-cao-tong-ket/QN"][0]):
        tpl = template(doc.template)
        pics = _pictures(doc)
        first, second = tpl.render(doc.full_context(), pics), tpl.render(doc.full_context(), pics)
        assert first == second
        with zipfile.ZipFile(io.BytesIO(first)) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert "2022-11-07T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_the_fast_path_prints_what_docxtpl_prints(docs) -> None:
    """No picture: the prepared template fills the body itself; docxtpl must agree."""
    doc = docs["qd-cong-nhan"][0]
    tpl = template(doc.template)
    fast = docx.Document(io.BytesIO(tpl.render(doc.full_context())))
    slow = docx.Document(io.BytesIO(tpl._render_docxtpl(doc.full_context(), {})))
    for a, b in ((fast, slow),):
        assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
        assert [[c.text for c in r.cells] for t in a.tables for r in t.rows] == [
            [c.text for c in r.cells] for t in b.tables for r in t.rows
        ]


def test_a_missing_variable_fails_loudly(docs) -> None:
    from jinja2 import UndefinedError

    ctx = docs["ds-chua-nop"][0].full_context()
    del ctx["signer_name"]
    with pytest.raises(UndefinedError):
        template("ds-chua-nop.docx").render(ctx)


def test_charts_are_deterministic_with_vietnamese_glyphs() -> None:
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"),
                                  fallback_to_default=False)  # fmt: skip
    assert "DejaVuSans" in Path(found).name
    chart = Chart("Tỷ lệ đạt “bốn tốt”", ("2022", "2023"),
                  (("Đảng bộ cơ sở", (Share(3, 4), Share(0, 0))),))  # fmt: skip
    png = render_png(chart)
    assert png == render_png(chart) and png.startswith(b"\x89PNG")
    assert b"Software" not in png[:200]


# --- the store and re-runs --------------------------------------------------------------------


def test_each_file_is_recorded_and_a_rerun_changes_nothing(ws: Workspace, runs, facts) -> None:
    run = runs["2024"]
    assert {f.key for f in run.files} == {"qd-cong-nhan", "qd-cong-nhan.xlsx"}
    with st.open_store(ws.database_url).session() as s:
        before = st.current_documents(s, "2024")
    for f in run.files:
        rec = before[(f.key, "2024", f.committee)]
        assert rec.path == f.path.relative_to(ws.root).as_posix()
        assert rec.sha256 == f.sha
    again = produce(ws, REQUESTS["2024"], facts=facts)
    assert not any(f.changed for f in again.files)
    assert [f.path.read_bytes() for f in again.files] == [f.path.read_bytes() for f in run.files]
    with st.open_store(ws.database_url).session() as s:
        assert st.current_documents(s, "2024") == before
    numbered = produce(ws, DocumentRequest(year=2024, committees=("DUK",),
                                           numbers={"qd-cong-nhan": "17"}, pdf=False),
                       facts=facts)  # fmt: skip
    changed = {f.key: f.changed for f in numbered.files}
    assert changed == {"qd-cong-nhan": True, "qd-cong-nhan.xlsx": False}  # no number in a table
    assert "Số 17-QĐ/ĐUK" in texts(numbered.files[0].path)
    with st.open_store(ws.database_url).session() as s:
        after = st.current_documents(s, "2024")
    assert after[("qd-cong-nhan", "2024", "DUK")].id != before[("qd-cong-nhan", "2024", "DUK")].id


def test_a_file_edited_by_hand_is_never_overwritten(ws: Workspace, runs, facts) -> None:
    request = DocumentRequest(deadline="2025", day=DAY, committees=("TU-BD",), pdf=False)
    path = path_of(ws, "2025", "TU-BD", "ds-chua-nop-2025-TU-BD")
    edited = path.read_bytes() + b"\0"  # what saving in Word does, as far as hashes go
    path.write_bytes(edited)
    later = dataclasses.replace(request, day=DAY + dt.timedelta(days=1))  # new inputs
    run = produce(ws, later, facts=facts)
    assert path.read_bytes() == edited
    assert any(n.startswith("outputs/2025/TU-BD/ds-chua-nop-2025-TU-BD.docx: đã được sửa")
               for n in run.notes)  # fmt: skip
    path.unlink()
    again = produce(ws, later, facts=facts)  # moved away: written afresh
    assert path.is_file() and any(f.path == path and f.changed for f in again.files)


def test_notes_say_what_was_not_produced(runs) -> None:
    notes = runs["so-ket"].notes
    assert "DUK: không có tổ chức đảng được tặng Giấy khen: không lập quyết định." in notes
    assert any(n.startswith("QN: danh sách tổ chức đảng chưa ghi người ký") for n in notes)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "đúng một"),
        ({"year": 2024, "review": "so-ket"}, "đúng một"),
        ({"review": "giua-ky"}, "so-ket hoặc tong-ket"),
        ({"deadline": "mai"}, "dang-ky"),
        ({"year": 2024, "numbers": {"qd-cong-nhan/HU-TG": "12/QĐ"}}, "không hợp lệ"),
    ],
)
def test_a_bad_request_is_refused_in_vietnamese(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        DocumentRequest(**kwargs)


def test_unknown_committee_and_year_outside_the_plan(ws: Workspace, facts) -> None:
    with pytest.raises(InputError, match="HU-TG-01"):
        produce(ws, DocumentRequest(year=2024, committees=("HU-TG-01",), pdf=False), facts=facts)
    with pytest.raises(InputError, match="ngoài giai đoạn"):
        produce(ws, DocumentRequest(year=2031, pdf=False), facts=facts)


def test_cli_documents(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["documents", str(ws.root), "--deadline", "dang-ky", "--date", "2022-11-20",
            "--committee", "HU-TG", "--no-pdf"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "outputs/dang-ky/HU-TG/ds-chua-nop-dang-ky-HU-TG.docx  mới" in printed
    assert main(argv) == 0
    assert "ds-chua-nop-dang-ky-HU-TG.docx  không đổi" in capsys.readouterr().out
    text = "".join(texts(ws.outputs / "dang-ky" / "HU-TG" / "ds-chua-nop-dang-ky-HU-TG.docx"))
    assert "phiếu đăng ký thi đua (Mẫu 01-ĐK)" in text and "còn 5 ngày" in text
    assert main(["documents", str(ws.root)]) == 2
    assert "--review" in capsys.readouterr().err
    assert main(["documents", str(ws.root), "--year", "2024", "--number", "12"]) == 2


# --- PDF: the pipeline against a fake soffice -------------------------------------------------

FAKE = """
import os, sys, zipfile
import pypdfium2 as pdfium
args = sys.argv[1:]
out = args[args.index("--outdir") + 1]
mark = os.environ.get("FAKE_SOFFICE_LOSES", "")
for src in [a for a in args if a.endswith(".docx")]:
    xml = zipfile.ZipFile(src).read("word/document.xml").decode("utf-8")
    if mark and mark in xml:
        continue
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(842, 595)
    pdf.save(os.path.join(out, os.path.basename(src)[:-5] + ".pdf"))
"""


@pytest.fixture
def fake_ws(ws: Workspace, tmp_path: Path) -> Iterator[Workspace]:
    script = tmp_path / "fake-soffice"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(FAKE), encoding="utf-8")
    script.chmod(0o755)
    yield dataclasses.replace(ws, soffice=str(script))


def test_pdf_batch_merges_the_certificates_and_reruns_convert_nothing(
    fake_ws: Workspace, facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = office.convert

    def counting(files: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(files))
        return real(files, *args, **kwargs)

    monkeypatch.setattr(office, "convert", counting)
    request = DocumentRequest(review="so-ket", committees=("TU-BD",))
    run = produce(fake_ws, request, facts=facts)
    awards = rewards.certificates(facts, "so-ket", facts.tree.unit("TU-BD"))
    merged = fake_ws.outputs / "so-ket" / "TU-BD" / "giay-khen-so-ket-TU-BD-ban-in.pdf"
    assert len(calls) == 1  # one batch for every document
    assert calls[0] == len(awards) + 2  # certificates, the decision, the report
    assert len(pdfium.PdfDocument(merged)) == len(awards)
    assert {f.path for f in run.files if f.path.suffix == ".pdf"} >= {merged}
    again = produce(fake_ws, request, facts=facts)
    assert len(calls) == 1 and not any(f.changed for f in again.files)


def test_a_file_soffice_loses_is_named_and_the_rest_is_kept(
    fake_ws: Workspace, facts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_LOSES", "chưa nộp báo cáo tự đánh giá năm 2024")
    request = DocumentRequest(deadline="2024", day=DAY)
    with pytest.raises(PdfBatchError) as err:
        produce(fake_ws, request, facts=facts)
    run = err.value.run
    assert err.value.exit_code == 8
    assert any("ds-chua-nop-2024-" in f and "không chuyển được sang PDF" in f
               for f in run.pdf_failures)  # fmt: skip
    assert all(f.path.is_file() for f in run.files)  # the .docx and .xlsx were written
    lost = [f.path for f in run.files if f.key == "ds-chua-nop"]
    assert lost and not any(p.with_suffix(".pdf").exists() for p in lost)


# --- PDF: ONE real LibreOffice batch, then word positions -------------------------------------


@pytest.fixture(scope="module")
def pdfs(ws: Workspace, runs, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    chosen = {
        "qd-cong-nhan": path_of(ws, "2024", "HU-TG", "qd-cong-nhan-2024-HU-TG"),
        "qd-khen-thuong": path_of(ws, "so-ket", "HU-TG", "qd-khen-thuong-so-ket-HU-TG"),
        "giay-khen": path_of(ws, "so-ket", "TU-BD", "giay-khen-so-ket-TU-BD-ban-in"),
        "to-trinh": path_of(ws, "tong-ket", "HU-TG", "to-trinh-bang-khen-HU-TG"),
        "bao-cao": path_of(ws, "so-ket", "TU-BD", "bao-cao-so-ket-TU-BD"),
        "bao-cao-tinh": path_of(ws, "tong-ket", "QN", "bao-cao-tong-ket-QN"),
        "ds-chua-nop": path_of(ws, "2025", "HU-TG", "ds-chua-nop-2025-HU-TG"),
    }
    out = tmp_path_factory.mktemp("pdf")
    made = office.convert(list(chosen.values()), "pdf", out)
    return {name: made[path] for name, path in chosen.items()}


def _first(page: Any, text: str) -> dict[str, Any]:
    hits = page.search(text, regex=False)
    assert hits, f"{text!r} not found on page {page.page_number}"
    return hits[0]


def _footer_words(page: Any) -> list[str]:
    return [w["text"] for w in page.extract_words() if w["top"] > page.height - 25 * MM]


HEADERS = {
    "qd-cong-nhan": ("HUYỆN ỦY TRÀ GIANG", "Nguyễn Văn Thành", True),
    "qd-khen-thuong": ("HUYỆN ỦY TRÀ GIANG", "Nguyễn Văn Thành", True),
    "giay-khen": ("THỊ ỦY BẾN ĐÁ", "Trần Thị Hồng Nhung", False),
    "to-trinh": ("HUYỆN ỦY TRÀ GIANG", "Nguyễn Văn Thành", True),
    "bao-cao": ("THỊ ỦY BẾN ĐÁ", "Trần Thị Hồng Nhung", True),
    "bao-cao-tinh": ("TỈNH ỦY QUẢNG NGÃI", None, True),
    "ds-chua-nop": ("HUYỆN ỦY TRÀ GIANG", "Nguyễn Văn Thành", True),
}


@needs_soffice
@pytest.mark.parametrize("name", list(HEADERS))
def test_pdf_layout_where_a_reader_expects_it(pdfs: dict[str, Path], name: str) -> None:
    issuer, signer, recipients = HEADERS[name]
    with pdfplumber.open(pdfs[name]) as pdf:
        page = pdf.pages[0]
        mid = page.width / 2
        national = _first(page, "ĐẢNG CỘNG SẢN VIỆT NAM")
        body = _first(page, issuer)
        assert national["x0"] > mid and national["top"] < page.height / 6  # top right
        assert body["x1"] < mid and body["top"] < page.height / 6  # top left
        assert not re.search(r"^\d+$", " ".join(_footer_words(page)))  # page 1 unnumbered
        if len(pdf.pages) > 1 and name != "giay-khen":
            assert _footer_words(pdf.pages[1]) == ["2"]
            two = [w for w in pdf.pages[1].extract_words() if w["text"] == "2"][-1]
            centre = (30 + (210 - 30 - 15) / 2) * MM  # the middle of the text block
            assert abs((two["x0"] + two["x1"]) / 2 - centre) < 3 * MM
        sig_page = next(
            p for p in pdf.pages if p.search("T/M BAN THƯỜNG VỤ", regex=False)
        )  # the signature block: bottom right, below the body
        on_behalf = _first(sig_page, "T/M BAN THƯỜNG VỤ")
        assert on_behalf["x0"] > mid
        words = sig_page.extract_words()
        above = [w for w in words if w["bottom"] < on_behalf["top"] - 1]
        assert above, "the signature block comes after the body"
        if signer:
            name_box = _first(sig_page, signer)
            assert name_box["x0"] > mid and name_box["top"] > on_behalf["top"] + 60  # room
        if recipients:
            heading = _first(sig_page, "Nơi nhận:")
            assert heading["x1"] < mid and abs(heading["top"] - on_behalf["top"]) < 8
        if name == "giay-khen":
            assert page.width > page.height


@needs_soffice
def test_the_print_batch_is_one_certificate_a_page(pdfs: dict[str, Path], facts) -> None:
    awards = rewards.certificates(facts, "so-ket", facts.tree.unit("TU-BD"))
    with pdfplumber.open(pdfs["giay-khen"]) as pdf:
        assert len(pdf.pages) == len(awards)
        for page, award in zip(pdf.pages, awards, strict=True):
            assert award.unit.name in page.extract_text()


@needs_soffice
def test_pdf_prints_the_tricky_name_and_vietnamese_dates(pdfs: dict[str, Path]) -> None:
    with pdfplumber.open(pdfs["qd-cong-nhan"]) as pdf:
        text = "\n".join(p.extract_text() for p in pdf.pages)
    assert TRICKY_NAME in text
    assert "Trà Giang, ngày 31 tháng 12 năm 2024" in text
    with pdfplumber.open(pdfs["bao-cao"]) as pdf:
        text = "\n".join(p.extract_text() for p in pdf.pages)
    assert re.search(r"\d+,\d %", text)  # 12,5 %: a decimal comma and a space


# --- last: this one adds registrations to the store ---------------------------------------------


def test_a_file_no_longer_produced_is_named_not_deleted(ws: Workspace, facts) -> None:
    scope = ws.outputs / "dang-ky" / "DUK"
    first = produce(ws, DocumentRequest(deadline="dang-ky", day=dt.date(2022, 11, 1),
                                        committees=("DUK",), pdf=False), facts=facts)  # fmt: skip
    assert any(f.path.parent == scope for f in first.files)
    # Registration rows arrive for every unit of the committee: the list has nobody left.
    with st.open_store(ws.database_url).session() as s:
        for u in facts.tree.candidates_of("DUK"):
            if u.code not in facts.registrations:
                st.add_registration(s, unit_code=u.code, registered_on=dt.date(2022, 11, 20),
                                    title_registered="chi_bo_bon_tot", actor="test")  # fmt: skip
    later = gather(ws)
    run = produce(ws, DocumentRequest(deadline="dang-ky", day=dt.date(2022, 11, 21),
                                      committees=("DUK",), pdf=False), facts=later)  # fmt: skip
    assert "DUK: mọi tổ chức đảng đã nộp: không lập danh sách." in run.notes
    assert any("ds-chua-nop-dang-ky-DUK.docx: không còn trong kết quả" in n for n in run.notes)
    assert (scope / "ds-chua-nop-dang-ky-DUK.docx").is_file()
