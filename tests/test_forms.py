"""The two forms as contracts: every label of forms.md word for word and in order, a content
control per value, check boxes Word can tick, every template variable supplied, values escaped,
the same bytes for the same input, and a PDF whose QR code and header a reader finds again.

The label lists below are transcribed from shared/spec/forms.md by hand, on purpose: they are
the spec's side of the contract, not a copy of the builder's own table.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pypdfium2 as pdfium
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from lxml import etree

from bontot import forms
from bontot import store as st
from bontot.cli import main
from bontot.docstyle import load_style
from bontot.errors import InputError
from bontot.models import Unit, UnitKind
from bontot.plan import default_plan_path, load_plan
from bontot.roster import RosterTree
from bontot.workspace import Workspace, init_workspace
from templates import build_forms

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
TRICKY = 'Chi bộ A & B <1> "x"'
JINJA_NAME = "Chi bộ {{ 7*7 }}"
DATE_LINE = re.compile(r"^…+, ngày …+ tháng …+ năm …+$")

COMMON = [
    ("unit_code", "Mã đơn vị"),
    ("unit_name", "Tên tổ chức đảng"),
    ("unit_kind", "Loại tổ chức"),
    ("parent_name", "Trực thuộc"),
]
MAU_01 = [
    *COMMON,
    ("unit_type", "Loại hình"),
    ("members_total", "Tổng số đảng viên"),
    ("sub_cells_total", "Số chi bộ trực thuộc"),
    ("title_registered", "Đăng ký danh hiệu"),
    ("admission_target", "Chỉ tiêu kết nạp đảng viên"),
    ("commit_t1", "1. Hoàn thành tốt nhiệm vụ chính trị"),
    ("commit_t2", "2. Chất lượng sinh hoạt tốt"),
    ("commit_t3", "3. Đoàn kết, kỷ luật tốt"),
    ("commit_t4", "4. Cán bộ, đảng viên tốt"),
]
MAU_02 = [
    *COMMON,
    ("year", "Năm đánh giá"),
    ("months_active", "Số tháng hoạt động trong năm"),
    ("t1_work_program", "Có chương trình, kế hoạch công tác năm"),
    ("t1_targets_assigned", "Số chỉ tiêu được giao"),
    ("t1_targets_met", "Số chỉ tiêu đạt và vượt"),
    ("t1_admission_target", "Chỉ tiêu kết nạp đảng viên trong năm"),
    ("t1_admitted", "Số đảng viên kết nạp trong năm"),
    ("t1_backlog_cases", "Số vụ việc tồn đọng, khiếu nại phức tạp, vượt cấp"),
    ("t1_other_tasks", "Thực hiện tốt công tác tư tưởng, tổ chức, kiểm tra, giám sát"),
    ("t1_self", "Tự đánh giá tiêu chí 1"),
    ("t2_regular_meetings", "Số kỳ sinh hoạt định kỳ đã tổ chức"),
    ("t2_thematic_meetings", "Số kỳ sinh hoạt chuyên đề"),
    ("t2_quality_ok", "Chất lượng sinh hoạt đạt yêu cầu theo Hướng dẫn 06-HD/BTCTU"),
    ("t2_self", "Tự đánh giá tiêu chí 2"),
    ("t3_working_rules", "Có quy chế làm việc và thực hiện đúng quy chế"),
    ("t3_violations", "Số đảng viên vi phạm những điều đảng viên không được làm"),
    ("t3_external_detection", "Có vi phạm do báo chí, người dân phát hiện, phản ánh đúng sự việc"),
    ("t3_self", "Tự đánh giá tiêu chí 3"),
    ("t4_movement", "Tổ chức phong trào rèn luyện theo tiêu chí 04 tốt"),
    ("members_total", "Tổng số đảng viên"),
    ("members_evaluated", "Số đảng viên được đánh giá, xếp loại"),
    ("rated_excellent", "Hoàn thành xuất sắc nhiệm vụ"),
    ("rated_good", "Hoàn thành tốt nhiệm vụ"),
    ("rated_complete", "Hoàn thành nhiệm vụ"),
    ("rated_incomplete", "Không hoàn thành nhiệm vụ"),
    ("t4_self", "Tự đánh giá tiêu chí 4"),
    ("sub_cells_total", "Tổng số chi bộ trực thuộc"),
    ("sub_cells_four_good", 'Số chi bộ trực thuộc đạt "chi bộ bốn tốt"'),
    ("self_title", "Tự đánh giá danh hiệu bốn tốt"),
    ("proposed_rating", "Đề nghị xếp loại"),
]
YES_NO = [
    "t1_work_program", "t1_other_tasks", "t2_quality_ok", "t3_working_rules",
    "t3_external_detection", "t4_movement",
]  # fmt: skip
PASS_FAIL = ["t1_self", "t2_self", "t3_self", "t4_self", "self_title"]
TITLES = {
    "01": [
        "PHIẾU ĐĂNG KÝ THI ĐUA",
        'XÂY DỰNG "CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" GIAI ĐOẠN 2022 - 2027',
    ],
    "02": [
        "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN",
        '"CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" NĂM {year}',
    ],
}
FIELDS = {"01": MAU_01, "02": MAU_02}
CODES = {"01": "Mẫu 01-ĐK", "02": "Mẫu 02-TĐG"}

K = UnitKind
UNITS = [
    Unit("QN", "Đảng bộ tỉnh Quảng Ngãi", K.DANG_BO_TINH, issuer_name="TỈNH ỦY QUẢNG NGÃI"),
    Unit(
        "HU-TG", "Đảng bộ huyện Trà Giang", K.DANG_BO_TRUC_THUOC, "QN", recognising=True,
        issuer_name="HUYỆN ỦY TRÀ GIANG", abbreviation="HU", place="Trà Giang",
    ),
    Unit("HU-TG-01", "Đảng bộ xã Ba Khê", K.DANG_BO_CO_SO, "HU-TG", members=120),
    Unit("HU-TG-01-01", TRICKY, K.CHI_BO, "HU-TG-01", members=23),
    Unit("HU-TG-01-02", JINJA_NAME, K.CHI_BO, "HU-TG-01", members=9),
    Unit("HU-TG-C1", "Chi bộ Trường THPT Trà Giang", K.CHI_BO_CO_SO, "HU-TG"),
]  # fmt: skip


# --- helpers ----------------------------------------------------------------------------------


def paragraphs(source: Path | bytes) -> list[str]:
    """Every paragraph of the body in document order, read with python-docx (cells and content
    controls included)."""
    d = docx.Document(source if isinstance(source, Path) else io.BytesIO(source))
    # A no-break space keeps "GIAI ĐOẠN 2022 - 2027" on one line; a reader folds it to a space.
    return [Paragraph(p, d).text.replace("\u00a0", " ") for p in d.element.body.iter(qn("w:p"))]


def body_xml(source: Path | bytes) -> etree._Element:
    data = source.read_bytes() if isinstance(source, Path) else source
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


def text_of(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(qn("w:t")))


def controls(root: etree._Element) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for sdt in root.iter(qn("w:sdt")):
        tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}").get(qn("w:val"))
        assert tag not in found, f"two content controls tagged {tag}"
        found[tag] = sdt
    return found


def expected_lines(form: str, year: str) -> list[str]:
    titles = [t.format(year=year) for t in TITLES[form]]
    return [CODES[form], *titles, *(label for _, label in FIELDS[form]), "<date>", "Bí thư"]


def assert_in_order(texts: list[str], expected: list[str]) -> None:
    """Each expected line is a whole paragraph, after the one before it, and printed once."""
    pos = -1

    def same(text: str, want: str) -> bool:
        if want == "<date>":
            return bool(DATE_LINE.match(text))
        if want == "Bí thư":  # the signature block prints it in capitals; labels ignore case
            return text.casefold() == want.casefold()
        return text == want

    for want in expected:
        hits = [i for i, text in enumerate(texts) if same(text, want)]
        assert len(hits) == 1, f"{want!r} printed {len(hits)} times"
        assert hits[0] > pos, f"{want!r} is out of order"
        pos = hits[0]


@pytest.fixture(scope="module")
def tree() -> RosterTree:
    return RosterTree(UNITS)


@pytest.fixture(scope="module")
def plan():
    return load_plan(default_plan_path())


def data_for(tree: RosterTree, plan, form: str, code: str, year: int | None) -> forms.FormData:
    return forms.unit_data(forms.form_info(form), tree, tree.unit(code), year, plan)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = init_workspace(tmp_path_factory.mktemp("forms") / "ws")
    with st.open_store(workspace.database_url).session() as s:
        st.apply_roster(s, UNITS, source_name="test", file_sha256="0" * 64, actor="test")
    return workspace


@pytest.fixture(scope="module")
def rendered(ws: Workspace) -> list[Path]:
    """Mẫu 02 of 2024 for two units, with PDFs (one LibreOffice batch for the module)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return forms.render_forms(ws, "02", 2024, ["HU-TG-01-01", "HU-TG-01"])


# --- the templates ----------------------------------------------------------------------------


def test_committed_templates_are_what_the_builder_makes(tmp_path: Path) -> None:
    built = build_forms.build_all(tmp_path)
    for path in built:
        committed = build_forms.TEMPLATES_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed.name} is stale: run python -m templates.build_forms"
        )


@pytest.mark.parametrize("form", ["01", "02"])
def test_template_prints_every_label_in_order(form: str) -> None:
    path = forms.form_info(form).template_path
    assert_in_order(paragraphs(path), expected_lines(form, "{{ title_year }}"))


@pytest.mark.parametrize("form", ["01", "02"])
def test_every_value_cell_is_a_content_control_beside_its_label(form: str) -> None:
    found = controls(body_xml(forms.form_info(form).template_path))
    for key, label in FIELDS[form]:
        sdt = found[key]
        alias = sdt.find(f"{qn('w:sdtPr')}/{qn('w:alias')}").get(qn("w:val"))
        assert alias == label
        cell = sdt.getparent()
        assert cell.tag == qn("w:tc"), f"{key}: the control must fill the value cell"
        if key.startswith("commit_"):  # headed free text: the label heads the row above
            assert text_of(cell.getparent().getprevious()) == label
        else:
            assert text_of(cell.getprevious()) == label
    assert found["secretary_name"] is not None and found["signed_on"] is not None
    ids = [s.find(f"{qn('w:sdtPr')}/{qn('w:id')}").get(qn("w:val")) for s in found.values()]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "key, words",
    [(k, ("co", "khong")) for k in YES_NO] + [(k, ("dat", "khong_dat")) for k in PASS_FAIL],
)
def test_yes_no_and_pass_fail_are_two_word_check_boxes(key: str, words: tuple[str, str]) -> None:
    found = controls(body_xml(forms.form_info("02").template_path))
    printed = {"co": "Có", "khong": "Không", "dat": "Đạt", "khong_dat": "Không đạt"}
    assert text_of(found[key]) == f"☐ {printed[words[0]]}      ☐ {printed[words[1]]}"
    for word in words:
        box = found[f"{key}.{word}"]
        assert box in list(found[key].iter(qn("w:sdt")))  # inside the field's own control
        check = box.find(f"{qn('w:sdtPr')}/{W14}checkbox")
        assert check is not None, "a w14:checkbox Word can tick"
        assert check.find(f"{W14}checked").get(f"{W14}val") == "0"
        states = {el.tag: el.get(f"{W14}val") for el in check if el.tag != f"{W14}checked"}
        assert states == {f"{W14}checkedState": "2612", f"{W14}uncheckedState": "2610"}
        assert text_of(box) == "☐"  # printed, so it can be ticked on paper


@pytest.mark.parametrize("form", ["01", "02"])
def test_every_template_variable_is_supplied(form: str, tree: RosterTree, plan) -> None:
    info = forms.form_info(form)
    wanted = DocxTemplate(info.template_path).get_undeclared_template_variables()
    assert {"unit_name", "qr", "issuer"} <= wanted  # the check sees the template's tags
    year = 2024 if form == "02" else None
    for data in (
        data_for(tree, plan, form, "HU-TG-01-01", year),
        forms.blank_data(info, year, load_style()),
        forms.blank_data(info, None, load_style()),
    ):
        assert wanted <= set(data.context) | {"qr"}


# --- rendering --------------------------------------------------------------------------------


def test_pre_filled_values_and_header(tree: RosterTree, plan) -> None:
    data = data_for(tree, plan, "02", "HU-TG-01-01", 2024)
    blob = forms.render_form(data)
    found = controls(body_xml(blob))
    assert text_of(found["unit_code"]) == "HU-TG-01-01"
    assert text_of(found["unit_kind"]) == "Chi bộ"
    assert text_of(found["parent_name"]) == "Đảng bộ xã Ba Khê"
    assert text_of(found["year"]) == "2024"
    assert text_of(found["members_total"]) == "23"
    for blank in ("months_active", "t1_targets_assigned", "proposed_rating", "secretary_name"):
        assert text_of(found[blank]) == ""
    texts = paragraphs(blob)
    assert texts[texts.index("ĐẢNG BỘ TỈNH QUẢNG NGÃI") + 1] == "HUYỆN ỦY TRÀ GIANG"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in texts
    assert_in_order(texts, expected_lines("02", "2024"))
    assert data.qr_payload == "BT1|02-TDG|HU-TG-01-01|2024"
    mau01 = data_for(tree, plan, "01", "HU-TG-01", None)
    assert mau01.qr_payload == "BT1|01-DK|HU-TG-01|2022-2027"
    assert_in_order(paragraphs(forms.render_form(mau01)), expected_lines("01", ""))


def test_a_name_with_xml_characters_prints_as_written(tree: RosterTree, plan) -> None:
    blob = forms.render_form(data_for(tree, plan, "02", "HU-TG-01-01", 2024))
    assert text_of(controls(body_xml(blob))["unit_name"]) == TRICKY
    d = docx.Document(io.BytesIO(blob))  # a valid package python-docx opens
    assert d.sections[0].page_width is not None


def test_jinja_in_a_value_is_not_evaluated(tree: RosterTree, plan) -> None:
    blob = forms.render_form(data_for(tree, plan, "02", "HU-TG-01-02", 2024))
    assert text_of(controls(body_xml(blob))["unit_name"]) == JINJA_NAME
    assert "49" not in text_of(body_xml(blob))


def test_blank_form_renders_without_any_tag_left() -> None:
    for form, year in (("01", None), ("02", None), ("02", 2025)):
        info = forms.form_info(form)
        blob = forms.render_form(forms.blank_data(info, year, load_style()))
        text = text_of(body_xml(blob))
        assert "{{" not in text and "{%" not in text
        assert text_of(controls(body_xml(blob))["unit_code"]) == ""
        assert not list(body_xml(blob).iter("{*}drawing"))  # no unit, no QR code
        expected = expected_lines(form, str(year) if year else "……………")
        assert_in_order(paragraphs(blob), expected)


def test_same_input_same_bytes(tree: RosterTree, plan) -> None:
    data = data_for(tree, plan, "02", "HU-TG-01-01", 2024)
    first, second = forms.render_form(data), forms.render_form(data)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2022-11-07T00:00:00Z" in core


def test_qr_image_is_the_configured_size(tree: RosterTree, plan) -> None:
    blob = forms.render_form(data_for(tree, plan, "02", "HU-TG-01-01", 2024))
    extents = list(body_xml(blob).iter("{*}extent"))
    assert len(extents) == 1
    assert int(extents[0].get("cx")) == int(extents[0].get("cy")) == 20 * 36000  # 20 mm in EMU


def test_year_and_form_checks(ws: Workspace) -> None:
    with pytest.raises(InputError, match="--year"):
        forms.render_forms(ws, "02", None, pdf=False)
    with pytest.raises(InputError, match="ngoài giai đoạn"):
        forms.render_forms(ws, "02", 2030, pdf=False)
    with pytest.raises(InputError, match="bỏ năm"):
        forms.render_forms(ws, "01", 2024, pdf=False)
    with pytest.raises(InputError, match="Không có mẫu"):
        forms.form_info("03")
    with pytest.raises(InputError, match="không thuộc diện"):
        forms.render_forms(ws, "02", 2024, ["HU-TG"], pdf=False)
    with pytest.raises(InputError, match="KHONG-CO"):
        forms.render_forms(ws, "02", 2024, ["KHONG-CO"], pdf=False)


@pytest.mark.parametrize("code", ["..", ".hidden", "a/b", "CON", "nul.x", "", "x" * 33])
def test_unsafe_codes_never_become_file_names(code: str) -> None:
    with pytest.raises(InputError):
        forms.safe_code(code)


def test_safe_code_accepts_roster_codes() -> None:
    assert forms.safe_code("HU-TG-01.a_b") == "HU-TG-01.a_b"


# --- the workspace batch and its PDFs ---------------------------------------------------------


def test_batch_writes_one_file_per_unit_under_its_committee(ws: Workspace, rendered) -> None:
    base = ws.outputs / "bieu-mau" / "HU-TG"
    assert rendered == [base / "HU-TG-01-mau-02-2024.docx", base / "HU-TG-01-01-mau-02-2024.docx"]
    for path in rendered:
        assert path.with_suffix(".pdf").is_file()
    with st.open_store(ws.database_url).session() as s:
        before = {k: d.id for k, d in st.current_documents(s).items() if k[0] == "form-02"}
    assert set(before) == {
        ("form-02", "HU-TG-01/2024", "HU-TG"),
        ("form-02", "HU-TG-01-01/2024", "HU-TG"),
    }
    blobs = [p.read_bytes() for p in rendered]
    again = forms.render_forms(ws, "02", 2024, ["HU-TG-01-01", "HU-TG-01"])
    assert again == rendered and [p.read_bytes() for p in again] == blobs
    with st.open_store(ws.database_url).session() as s:
        after = {k: d.id for k, d in st.current_documents(s).items() if k[0] == "form-02"}
    assert after == before  # nothing changed, nothing recorded twice


def test_qr_code_in_the_pdf_decodes_to_the_payload(rendered) -> None:
    import zxingcpp

    pdf = pdfium.PdfDocument(rendered[1].with_suffix(".pdf"))
    try:
        image = pdf[0].render(scale=200 / 72).to_pil()
    finally:
        pdf.close()
    found = [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert [r.text for r in found] == ["BT1|02-TDG|HU-TG-01-01|2024"]
    assert found[0].position.top_left.x > image.width / 2  # the top right corner
    assert found[0].position.top_left.y < image.height / 6


def test_pdf_header_words_stand_where_a_reader_expects(rendered) -> None:
    with pdfplumber.open(rendered[1].with_suffix(".pdf")) as pdf:
        page = pdf.pages[0]
        mid = page.width / 2

        def first(text: str) -> dict:
            hits = page.search(text, regex=False)
            assert hits, f"{text!r} not found on page 1"
            return hits[0]

        national = first("ĐẢNG CỘNG SẢN VIỆT NAM")
        issuer = first("HUYỆN ỦY TRÀ GIANG")
        superior = first("ĐẢNG BỘ TỈNH QUẢNG NGÃI")
        code = first("Mẫu 02-TĐG")
        title = first("BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN")
    assert national["x0"] > mid and national["top"] < page.height / 4
    assert issuer["x1"] < mid and superior["x1"] < mid
    assert abs(superior["top"] - national["top"]) < 5  # the header's first line
    assert superior["top"] < issuer["top"] < title["top"]
    assert code["x0"] > mid and code["bottom"] < national["top"]


@needs_soffice
def test_blank_form_and_cli(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = forms.render_blank(ws, "01")
    assert path == ws.outputs / "bieu-mau" / "mau-01-trong.docx"
    assert path.with_suffix(".pdf").is_file()
    code = main(["forms", str(ws.root), "--year", "2024", "--unit", "HU-TG-C1", "--no-pdf"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Đã lập 1 Mẫu 02-TĐG" in printed
    assert (ws.outputs / "bieu-mau" / "HU-TG" / "HU-TG-C1-mau-02-2024.docx").is_file()
    assert main(["forms", str(ws.root), "--form", "02"]) == 2  # no year: a clear refusal
    assert "--year" in capsys.readouterr().err


# --- the shared document parts (docbuild) and the style they read -------------------------------


def test_a_party_document_reads_every_value_from_the_style() -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    from bontot import docbuild as db

    style = load_style()
    doc = db.new_document(style, title="Quyết định")
    head = db.party_header(
        doc, "ĐẢNG BỘ TỈNH QUẢNG NGÃI", "HUYỆN ỦY TRÀ GIANG", "QĐ/HU",
        "Trà Giang, ngày 15 tháng 12 năm 2024", style=style,
    )  # fmt: skip
    db.title(doc, "QUYẾT ĐỊNH", "công nhận chi bộ bốn tốt năm 2024", style=style)
    body = db.body_paragraph(doc, "Căn cứ Điều lệ Đảng;", style)
    sig = db.signature_block(
        doc, "T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Thành",
        recipients=["Ban Tổ chức Tỉnh ủy", "Như Điều 2"], archive="Văn phòng Huyện ủy",
        style=style,
    )  # fmt: skip
    section = doc.sections[0]

    def mm(*lengths: Any) -> list[float]:  # Word stores twips: compare to a tenth of a mm
        return [round(length.mm, 1) for length in lengths]

    assert mm(section.page_width, section.page_height) == [210, 297]
    assert mm(section.top_margin, section.bottom_margin) == [20, 20]
    assert mm(section.left_margin, section.right_margin) == [30, 15]
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    fmt = normal.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and fmt.line_spacing == Pt(18)
    assert fmt.space_after == Pt(6)
    assert mm(body.style.paragraph_format.first_line_indent) == [10]
    assert head.number is not None and head.number.text == "Số      -QĐ/HU"
    assert head.place_date is not None and head.place_date.runs[0].italic
    national = head.national.runs[0]
    assert national.bold and national.underline and national.font.size == Pt(15)
    assert head.issuer.runs[0].bold and not head.superior.runs[0].bold
    assert [p.text for p in sig.recipients] == [
        "Nơi nhận:", "- Ban Tổ chức Tỉnh ủy,", "- Như Điều 2,", "- Lưu Văn phòng Huyện ủy.",
    ]  # fmt: skip
    assert sig.recipients[1].runs[0].font.size == Pt(12)
    assert mm(sig.signer.paragraph_format.space_before) == [30]
    # No page number on page 1, a PAGE field from page 2 on.
    assert section.different_first_page_header_footer
    assert "PAGE" not in section.first_page_footer._element.xml
    assert 'w:instr=" PAGE "' in section.footer._element.xml
    assert db.docx_bytes(doc) == db.docx_bytes(doc)


def test_a_bad_style_file_is_refused_in_vietnamese(tmp_path: Path) -> None:
    import yaml

    from bontot.docstyle import default_style_path
    from bontot.errors import PlanError

    data = yaml.safe_load(default_style_path().read_text(encoding="utf-8"))
    data["form"]["label_width_mm"] = 150
    data["body"]["size_pt"] = "mười bốn"
    bad = tmp_path / "style.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_style(bad)
    assert "body.size_pt: phải là một số" in err.value.message
    data["body"]["size_pt"] = 14
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError, match="vượt bề rộng dòng chữ"):
        load_style(bad)
