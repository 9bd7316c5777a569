"""The readers on real files made here: python-docx documents (with XML we write ourselves for
content controls, text boxes and fields), and LibreOffice's .doc, .docx and PDF of them."""

from __future__ import annotations

import shutil
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bontot.errors import ReadError
from bontot.legacy import unicode_to_tcvn3, unicode_to_tcvn3h, unicode_to_vni
from parsers import READERS
from parsers.base import Layout, TextBlock
from parsers.detect import detect
from parsers.docx_reader import read_docx
from parsers.pdf_reader import read_pdf
from parsers.registry import load_readers

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}
DECL = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


# -- building documents ------------------------------------------------------------------


def xml(fragment: str) -> etree._Element:
    """A WordprocessingML fragment (one element) with the usual prefixes declared."""
    root = etree.fromstring(f"<root {DECL}>{fragment}</root>")
    return root[0]


def append(doc, fragment: str) -> None:
    body = doc.element.body
    body.insert(len(body) - 1, xml(fragment))  # before the final sectPr


def run(text: str, font: str | None = None) -> str:
    fonts = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return f'<w:r>{fonts}<w:t xml:space="preserve">{text}</w:t></w:r>'


def sdt(tag: str, content: str, checked: bool | None = None, placeholder: bool = False) -> str:
    box = ""
    if checked is not None:
        box = (f'<w14:checkbox><w14:checked w14:val="{int(checked)}"/>'
               '<w14:checkedState w14:val="2612"/><w14:uncheckedState w14:val="2610"/>'
               "</w14:checkbox>")
    plc = "<w:showingPlcHdr/>" if placeholder else ""
    return (f'<w:sdt><w:sdtPr><w:alias w:val="{tag}"/><w:tag w:val="{tag}"/>{plc}{box}</w:sdtPr>'
            f"<w:sdtContent>{content}</w:sdtContent></w:sdt>")


def textbox(text: str) -> str:
    """A text box as Word writes it: a DrawingML shape, and a VML copy as the fallback."""
    inner = f"<w:txbxContent><w:p>{run(text)}</w:p></w:txbxContent>"
    return (
        "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing>"
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" '
        'relativeHeight="2" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>3600000'
        '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0'
        '</wp:posOffset></wp:positionV><wp:extent cx="1440000" cy="360000"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        '<wp:docPr id="7" name="Text Box 7"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1440000" '
        'cy="360000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f"<wps:txbx>{inner}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        f'<v:shape style="width:113pt;height:28pt"><v:textbox>{inner}</v:textbox></v:shape>'
        "</w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def tables_doc():
    """Merged cells both ways and a nested table."""
    doc = Document()
    doc.add_paragraph("Trước bảng")
    t = doc.add_table(rows=3, cols=3)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(0, 1)).text = "Gộp ngang"
    t.cell(0, 2).text = "c02"
    t.cell(1, 0).text = "Tổng số đảng viên"
    t.cell(1, 1).text = "25"
    t.cell(1, 2).merge(t.cell(2, 2)).text = "Gộp dọc"
    t.cell(2, 0).text = "Số chi bộ trực thuộc"
    t.cell(2, 1).text = "0"
    doc.add_paragraph("Giữa hai bảng")  # LibreOffice joins tables that touch
    outer = doc.add_table(rows=1, cols=2)
    outer.style = "Table Grid"
    outer.cell(0, 0).text = "Ô ngoài"
    inner = outer.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Bí thư"
    inner.cell(0, 1).text = "Nguyễn Văn A"
    doc.add_paragraph("Sau bảng")
    return doc


def controls_doc():
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "ĐẦU TRANG KHÔNG ĐỌC"
    append(doc, f"<w:p>{run('Mã đơn vị: ')}{sdt('unit_code', run('CB01'))}</w:p>")
    append(doc, f"<w:p>{sdt('t1_yes', run('☒'), checked=True)}{run(' Có ')}"
                f"{sdt('t1_no', run('☐'), checked=False)}{run(' Không')}</w:p>")
    append(doc, sdt("unit_name", f"<w:p>{run('Chi bộ Thôn Làng Mầm')}</w:p>"))
    append(doc, f"<w:p>{run('Trực thuộc: ')}"
                f"{sdt('parent_name', run('Nhấn vào đây để nhập'), placeholder=True)}</w:p>")
    append(doc, f"<w:p>{run('Số trang có hộp chữ')}{textbox('Mẫu 01-ĐK')}</w:p>")
    t = doc.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "Năm đánh giá"
    cell = t.cell(0, 1)._tc
    cell.remove(cell.find(qn("w:p")))
    cell.append(xml(f"<w:p>{sdt('year', run('2023'))}</w:p>"))
    return doc


def legacy_doc():
    doc = Document()
    doc.add_paragraph().add_run(unicode_to_tcvn3("Tên tổ chức đảng: Chi bộ Thôn Làng Mầm")) \
        .font.name = ".VnTime"
    doc.add_paragraph().add_run(unicode_to_tcvn3h("PHIẾU ĐĂNG KÝ THI ĐUA")).font.name = \
        ".VnTimeH"
    doc.add_paragraph().add_run(unicode_to_vni("Trực thuộc: Đảng bộ xã Ba Thành")).font.name = \
        "VNI-Times"
    doc.add_paragraph("Unicode giữ nguyên: Đảng bộ")
    return doc


def form_doc():
    """A returned Mẫu 01 typed as a unit might: label: value lines and a two-column table."""
    doc = Document()
    doc.add_paragraph("Mẫu 01-ĐK")
    doc.add_paragraph("PHIẾU ĐĂNG KÝ THI ĐUA")
    doc.add_paragraph("Mã đơn vị: CB01")
    doc.add_paragraph("Tên tổ chức đảng: Chi bộ Thôn Làng Mầm")
    t = doc.add_table(rows=2, cols=2)
    t.style = "Table Grid"
    for r, (label, value) in enumerate([("Tổng số đảng viên", "25"),
                                        ("Số chi bộ trực thuộc", "0")]):
        t.cell(r, 0).text, t.cell(r, 1).text = label, value
    doc.add_paragraph("Ba Thành, ngày 12 tháng 11 năm 2022")
    return doc


def texts(layout: Layout) -> list[str]:
    return [b.text for b in layout.blocks]


def cells(layout: Layout) -> dict[tuple[int, int, int], TextBlock]:
    out = {}
    for b in layout.blocks:
        if b.kind == "cell" and b.control is None:
            assert (b.table, b.row, b.col) not in out, f"cell read twice: {b}"
            out[(b.table, b.row, b.col)] = b
    return out


def by_text(layout: Layout, text: str) -> TextBlock:
    found = [b for b in layout.blocks if b.text == text]
    assert len(found) == 1, f"{text!r} found {len(found)} times in {texts(layout)}"
    return found[0]


@pytest.fixture(scope="session")
def made(tmp_path_factory) -> dict[str, Path]:
    """The python-docx documents of this module, saved once."""
    folder = tmp_path_factory.mktemp("docs")
    out = {}
    for name, build in [("tables", tables_doc), ("controls", controls_doc),
                        ("legacy", legacy_doc), ("form", form_doc)]:
        out[name] = folder / f"{name}.docx"
        build().save(out[name])
    return out


@pytest.fixture(scope="session")
def office(made, tmp_path_factory) -> dict[str, dict[str, Path]]:
    """LibreOffice's .docx, .doc and PDF of each document (one soffice call per target)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    from bontot.office import convert

    folder = tmp_path_factory.mktemp("office")
    sources = list(made.values())
    result: dict[str, dict[str, Path]] = {}
    for target in ("docx", "pdf"):
        for src, out in convert(sources, target, folder / target).items():
            result.setdefault(src.stem, {})[target] = out
    docs = folder / "doc"
    docs.mkdir()
    for name in ("tables", "legacy"):  # .doc: saved by soffice's own filter, as Word 97 would
        _soffice(["--convert-to", "doc", "--outdir", str(docs), str(made[name])])
        result[name]["doc"] = docs / f"{name}.doc"
    return result


def _soffice(args: list[str]) -> None:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        *args], check=True, capture_output=True, timeout=180)


# -- detect --------------------------------------------------------------------------------


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
       b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe"
       b"\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_detect_by_content_not_name(made, tmp_path):
    assert detect(made["form"]) == "docx"
    assert detect(write(tmp_path, "scan.pdf", PNG)) == "image"  # a PNG named .pdf
    assert detect(write(tmp_path, "photo.docx", b"\xff\xd8\xff\xe0" + bytes(100))) == "image"
    assert detect(write(tmp_path, "a.tif", b"II*\x00" + bytes(100))) == "image"
    assert detect(write(tmp_path, "form.doc", b"\r\n%PDF-1.4\n...")) == "pdf"  # junk first
    assert detect(write(tmp_path, "old.doc", b"{\\rtf1\\ansi Chi bo}")) == "doc"


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("empty.docx", b"", "rỗng"),
        ("zeros.docx", bytes(4096), "toàn byte 0"),
        ("setup.docx", b"MZ\x90\x00" + bytes(200), "chương trình"),
        ("notes.pdf", "Chi bộ".encode() * 50, "Không nhận ra loại tệp notes.pdf"),
        ("x.docx", b"PK\x03\x04" + bytes(60), "bị hỏng"),
    ],
)
def test_detect_refuses_in_vietnamese(tmp_path, name, data, says):
    with pytest.raises(ReadError) as err:
        detect(write(tmp_path, name, data))
    assert says in err.value.message
    assert err.value.file == name


def zipped(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_detect_other_zips(tmp_path):
    odt = zipped(tmp_path / "phieu.docx", {"mimetype": b"application/vnd.oasis.opendocument.text"})
    with pytest.raises(ReadError, match="OpenDocument"):
        detect(odt)
    xlsx_types = (b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
                  b'formats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
    xlsx = zipped(tmp_path / "bang.docx", {"[Content_Types].xml": xlsx_types})
    with pytest.raises(ReadError, match="không phải văn bản Word"):
        detect(xlsx)
    with pytest.raises(ReadError, match="tệp nén"):
        detect(zipped(tmp_path / "nen.docx", {"a.txt": b"x"}))


def test_detect_missing_and_folder(tmp_path):
    with pytest.raises(ReadError, match="Không tìm thấy tệp"):
        detect(tmp_path / "nope.docx")
    with pytest.raises(ReadError, match="thư mục"):
        detect(tmp_path)


def test_truncated_docx_is_a_read_error(made, tmp_path):
    data = made["form"].read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 30):
        path = write(tmp_path, f"cut{cut}.docx", data[:cut])
        with pytest.raises(ReadError, match="hỏng"):
            detect(path)
        with pytest.raises(ReadError):
            read_docx(path)


def rezip(src: Path, dest: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a .docx with some parts replaced (None: removed) or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename not in change:
                zout.writestr(item, zin.read(item))
        for part, data in change.items():
            if data is not None:
                zout.writestr(part, data)
    return dest


def test_docm_is_refused(made, tmp_path):
    with zipfile.ZipFile(made["form"]) as zf:
        types = zf.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml")
    docm = rezip(made["form"], tmp_path / "phieu.docx", {"[Content_Types].xml": types})
    for call in (detect, read_docx):
        with pytest.raises(ReadError, match="macro"):
            call(docm)


def test_encrypted_docx_is_refused(made, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = tmp_path / "matkhau.docx"
    with made["form"].open("rb") as plain, locked.open("wb") as out:
        OOXMLFile(plain).encrypt("123456", out)
    with pytest.raises(ReadError, match="mật khẩu"):
        detect(locked)


def test_zip_bomb_is_refused_before_reading(made, tmp_path):
    bomb = tmp_path / "bom.docx"
    shutil.copy(made["form"], bomb)
    with zipfile.ZipFile(made["form"]) as zin, zipfile.ZipFile(bomb, "w",
                                                                  zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != "word/document.xml":
                zout.writestr(item, zin.read(item))
        with zout.open("word/document.xml", "w") as part:  # 80 MB of spaces, 80 KB zipped
            chunk = b" " * (1 << 20)
            for _ in range(80):
                part.write(chunk)
    assert bomb.stat().st_size < 1_000_000
    started = time.perf_counter()
    for call in (detect, read_docx):
        with pytest.raises(ReadError, match="quá giới hạn"):
            call(bomb)
    assert time.perf_counter() - started < 1.0


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE w:document [
 <!ENTITY a "hahahahahahahahahaha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_never_expand(made, tmp_path, document):
    path = rezip(made["form"], tmp_path / "evil.docx",
                 {"word/document.xml": document.encode()})
    started = time.perf_counter()
    with pytest.raises(ReadError, match="DTD"):
        read_docx(path)
    assert time.perf_counter() - started < 1.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(min_size=0, max_size=300), magic=st.sampled_from(
    [b"", b"PK\x03\x04", b"%PDF-", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf"]))
def test_noise_gives_only_read_errors(tmp_path_factory, data, magic):
    path = tmp_path_factory.mktemp("noise") / "f.docx"
    path.write_bytes(magic + data)
    try:
        kind = detect(path)
    except ReadError:
        return
    assert kind in ("pdf", "doc", "image")  # a zip or OLE file of noise never passes
    if kind == "pdf":
        with pytest.raises(ReadError):
            read_pdf(path)


MUTATIONS = st.lists(st.tuples(st.sampled_from(["drop", "move", "copy", "attr"]),
                               st.integers(0, 10**6), st.integers(0, 10**6)), max_size=8)
ODD_VALUES = ["restart", "continue", "0", "-3", "x", "999999", "F0FE", ".VnTime", ""]


def mutate(root: etree._Element, ops: list[tuple[str, int, int]]) -> None:
    """Break a real document's structure: elements dropped, moved, copied, odd attributes."""
    import copy

    for op, a, b in ops:
        elements = list(root.iter())[1:]
        if not elements:
            return
        el, other = elements[a % len(elements)], elements[b % len(elements)]
        if op == "drop":
            el.getparent().remove(el)
        elif op in ("move", "copy") and other is not el and el not in other.iterancestors():
            other.append(copy.deepcopy(el) if op == "copy" else el)
        elif op == "attr":
            el.set(f"{{{NS['w']}}}val", ODD_VALUES[b % len(ODD_VALUES)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=MUTATIONS, which=st.sampled_from(["controls", "tables", "legacy"]))
def test_broken_word_structure_reads_or_refuses(made, tmp_path_factory, ops, which):
    """Whatever is missing or misplaced: a Layout or a ReadError, never a crash."""
    with zipfile.ZipFile(made[which]) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    mutate(root, ops)
    path = rezip(made[which], tmp_path_factory.mktemp("fuzz") / "f.docx",
                 {"word/document.xml": etree.tostring(root)})
    try:
        layout = read_docx(path)
    except ReadError:
        return
    assert all(isinstance(b.text, str) and b.col_span >= 1 for b in layout.blocks)


# -- .docx ---------------------------------------------------------------------------------


def test_merged_cells_counted_once(made):
    layout = read_docx(made["tables"])
    assert layout.source == "docx"
    grid = cells(layout)
    assert grid[(0, 0, 0)].text == "Gộp ngang" and grid[(0, 0, 0)].col_span == 2
    assert (0, 0, 1) not in grid and grid[(0, 0, 2)].text == "c02"
    assert grid[(0, 1, 2)].text == "Gộp dọc"
    assert (0, 2, 2) not in grid  # the continuation of the vertical merge
    assert grid[(0, 1, 0)].text == "Tổng số đảng viên" and grid[(0, 1, 1)].text == "25"
    assert texts(layout).count("Gộp dọc") == 1 and texts(layout).count("Gộp ngang") == 1


def test_nested_table_follows_its_cell(made):
    layout = read_docx(made["tables"])
    order = texts(layout)
    assert order.index("Ô ngoài") < order.index("Bí thư") < order.index("Sau bảng")
    outer = cells(layout)[(1, 0, 1)]
    assert outer.text == ""  # the nested table's text is not repeated in the outer cell
    assert cells(layout)[(2, 0, 1)].text == "Nguyễn Văn A"
    assert order[0] == "Trước bảng" and order[-1] == "Sau bảng"


def test_content_controls(made):
    layout = read_docx(made["controls"])
    unit = [b for b in layout.blocks if b.control == "unit_code"]
    assert [b.text for b in unit] == ["CB01"]
    assert by_text(layout, "Mã đơn vị: CB01").control is None  # label and value stay together
    yes = next(b for b in layout.blocks if b.control == "t1_yes")
    no = next(b for b in layout.blocks if b.control == "t1_no")
    assert (yes.text, yes.checked, no.text, no.checked) == ("☒", True, "☐", False)
    assert "☒ Có ☐ Không" in texts(layout)  # the glyphs stay in the text for the extractor
    name = by_text(layout, "Chi bộ Thôn Làng Mầm")  # a control holding a whole paragraph
    assert name.control == "unit_name" and name.kind == "paragraph"
    parent = next(b for b in layout.blocks if b.control == "parent_name")
    assert parent.text == ""  # placeholder text is no value
    assert not any("Nhấn vào đây" in t for t in texts(layout))
    year = next(b for b in layout.blocks if b.control == "year")
    assert (year.kind, year.table, year.row, year.col, year.text) == ("cell", 0, 0, 1, "2023")
    assert texts(layout).count("2023") == 1


def test_textbox_read_once_and_header_ignored(made):
    layout = read_docx(made["controls"])
    box = by_text(layout, "Mẫu 01-ĐK")
    assert box.kind == "textbox"
    assert by_text(layout, "Số trang có hộp chữ").kind == "paragraph"
    assert not any("ĐẦU TRANG" in t for t in texts(layout))


def test_tcvn3_and_vni_runs_come_back_as_unicode(made):
    layout = read_docx(made["legacy"])
    assert texts(layout) == [
        "Tên tổ chức đảng: Chi bộ Thôn Làng Mầm",
        "PHIẾU ĐĂNG KÝ THI ĐUA",
        "Trực thuộc: Đảng bộ xã Ba Thành",
        "Unicode giữ nguyên: Đảng bộ",
    ]
    assert "Đã chuyển mã TCVN3 sang Unicode (theo phông chữ)" in layout.notes
    assert "Đã chuyển mã VNI sang Unicode (theo phông chữ)" in layout.notes


def test_tcvn3_font_from_the_normal_style(tmp_path):
    doc = Document()
    doc.styles["Normal"].font.name = ".VnTime"
    doc.add_paragraph(unicode_to_tcvn3("Số chi bộ trực thuộc"))
    doc.add_paragraph("12")
    doc.save(tmp_path / "style.docx")
    assert texts(read_docx(tmp_path / "style.docx")) == ["Số chi bộ trực thuộc", "12"]


def test_tcvn3_without_font_name_by_pattern(tmp_path):
    doc = Document()
    for line in ("Tên tổ chức đảng: Chi bộ Thôn Làng Mầm", "Trực thuộc: Đảng bộ xã Ba Thành"):
        doc.add_paragraph().add_run(unicode_to_tcvn3(line)).font.name = "Times New Roman"
    doc.add_paragraph("Unicode: Mã đơn vị")
    doc.save(tmp_path / "nofont.docx")
    layout = read_docx(tmp_path / "nofont.docx")
    assert texts(layout) == ["Tên tổ chức đảng: Chi bộ Thôn Làng Mầm",
                             "Trực thuộc: Đảng bộ xã Ba Thành", "Unicode: Mã đơn vị"]
    assert any("theo mẫu chữ" in n for n in layout.notes)


def test_plain_unicode_is_not_converted(tmp_path):
    doc = Document()
    for line in ("Bí thư", "Có", "Hà Nội, ngày 5 tháng 1 năm 2023", "Café René"):
        doc.add_paragraph(line)
    doc.save(tmp_path / "u.docx")
    layout = read_docx(tmp_path / "u.docx")
    assert texts(layout) == ["Bí thư", "Có", "Hà Nội, ngày 5 tháng 1 năm 2023", "Café René"]
    assert layout.notes == ()


def test_nfd_comes_back_nfc(tmp_path):
    doc = Document()
    nfd = unicodedata.normalize("NFD", "Tổng số đảng viên")
    doc.add_paragraph(nfd[:5]).add_run(nfd[5:])  # split inside a letter's marks, as edits do
    doc.save(tmp_path / "nfd.docx")
    assert texts(read_docx(tmp_path / "nfd.docx")) == ["Tổng số đảng viên"]


def test_symbols_form_fields_and_what_is_not_text(tmp_path):
    doc = Document()
    append(doc, '<w:p><w:r><w:sym w:font="Wingdings" w:char="F0FE"/></w:r>'
                f'{run(" Có ")}<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r>'
                f'{run(" Không")}</w:p>')
    append(doc, '<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox>'
                '<w:sizeAuto/><w:default w:val="0"/><w:checked/></w:checkBox></w:ffData>'
                '</w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX '
                '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
                f'{run(" Đạt")}</w:p>')
    append(doc, f'<w:p>{run("Số ")}<w:del w:id="1" w:author="x"><w:r><w:delText>bỏ</w:delText>'
                f'</w:r></w:del><w:ins w:id="2" w:author="x">{run("25")}</w:ins>'
                '<w:r><w:rPr><w:vanish/></w:rPr><w:t>ẩn</w:t></w:r></w:p>')
    doc.save(tmp_path / "sym.docx")
    assert texts(read_docx(tmp_path / "sym.docx")) == ["☑ Có ☐ Không", "☒ Đạt", "Số 25"]


def test_page_breaks_number_pages(tmp_path):
    doc = Document()
    doc.add_paragraph("Phiếu 1")
    doc.add_page_break()
    doc.add_paragraph("Phiếu 2")
    doc.save(tmp_path / "two.docx")
    layout = read_docx(tmp_path / "two.docx")
    assert [(b.text, b.page) for b in layout.blocks] == [("Phiếu 1", 0), ("Phiếu 2", 1)]
    assert layout.pages == 2


def test_docx_speed(made):
    read_docx(made["form"])
    started = time.perf_counter()
    for _ in range(50):
        read_docx(made["form"])
    assert (time.perf_counter() - started) / 50 < 0.01  # about 1 ms; generous for slow CI


# -- LibreOffice's files -------------------------------------------------------------------


def shape(layout: Layout) -> list[tuple]:
    """What must survive a round trip through LibreOffice (it renumbers nothing else)."""
    return [(b.text, b.kind, b.table, b.row, b.col, b.col_span) for b in layout.blocks
            if b.text or b.kind == "cell"]


@soffice
@pytest.mark.slow
@pytest.mark.parametrize("name", ["tables", "legacy", "form"])
def test_libreoffice_docx_reads_the_same(made, office, name):
    assert shape(read_docx(office[name]["docx"])) == shape(read_docx(made[name]))


@soffice
@pytest.mark.slow
def test_libreoffice_docx_keeps_controls_it_can(made, office):
    layout = read_docx(office["controls"]["docx"])
    boxes = [(b.text, b.checked) for b in layout.blocks if b.checked is not None]
    assert boxes == [("☒", True), ("☐", False)]
    assert by_text(layout, "Chi bộ Thôn Làng Mầm").control == "unit_name"  # kept as w:alias
    assert by_text(layout, "Mẫu 01-ĐK").kind == "textbox"
    assert texts(layout).count("2023") == 1
    assert not any("Nhấn vào đây" in t for t in texts(layout))


@soffice
@pytest.mark.slow
def test_doc_via_libreoffice(made, office, tmp_path):
    from parsers.doc_reader import read_doc

    doc = office["tables"]["doc"]
    assert detect(doc) == "doc"
    layout = read_doc(doc)
    assert layout.source == "doc"
    assert shape(layout) == shape(read_docx(made["tables"]))
    locked = tmp_path / "matkhau.doc"  # the FIB's fEncrypted bit, as Word sets it
    shutil.copy(doc, locked)
    import olefile

    with olefile.OleFileIO(str(locked), write_mode=True) as ole:
        fib = bytearray(ole.openstream("WordDocument").read())
        fib[11] |= 0x01
        ole.write_stream("WordDocument", bytes(fib))
    with pytest.raises(ReadError, match="mật khẩu"):
        detect(locked)
    legacy = read_doc(office["legacy"]["doc"])
    assert texts(legacy)[:3] == texts(read_docx(made["legacy"]))[:3]
    assert any("TCVN3" in n for n in legacy.notes)


# -- PDF -----------------------------------------------------------------------------------


@soffice
@pytest.mark.slow
def test_pdf_lines_with_boxes(office):
    layout = read_pdf(office["form"]["pdf"])
    assert (layout.source, layout.pages, layout.needs_ocr) == ("pdf-text", 1, ())
    line = by_text(layout, "Mã đơn vị: CB01")  # label and value on one line
    assert line.kind == "line" and line.page == 0
    x0, top, x1, bottom = line.bbox
    assert 0 < x0 < x1 < 612 and 0 < top < bottom < 792
    title = by_text(layout, "PHIẾU ĐĂNG KÝ THI ĐUA")
    assert title.bbox[3] <= top  # above, in top-left coordinates
    assert texts(layout)[0] == "Mẫu 01-ĐK"


@soffice
@pytest.mark.slow
def test_pdf_table_cells(office):
    layout = read_pdf(office["form"]["pdf"])
    label = by_text(layout, "Tổng số đảng viên")
    value = by_text(layout, "25")
    assert (label.kind, label.row, label.col, value.row, value.col) == ("cell", 0, 0, 0, 1)
    assert label.table == value.table
    assert value.bbox[0] >= label.bbox[2] - 1  # the value cell is right of the label cell
    assert by_text(layout, "Số chi bộ trực thuộc").row == 1


@soffice
@pytest.mark.slow
def test_pdf_runs_joined_with_their_spaces(office):
    layout = read_pdf(office["controls"]["pdf"])
    assert "Mã đơn vị: CB01" in texts(layout)  # two runs: "Mã đơn vị: " and "CB01"
    assert "☒ Có ☐ Không" in texts(layout)  # check-box glyphs kept, each once


@soffice
@pytest.mark.slow
def test_pdf_merged_cells_once(office):
    layout = read_pdf(office["tables"]["pdf"])
    merged = by_text(layout, "Gộp ngang")
    assert merged.kind == "cell" and merged.col_span == 2
    assert by_text(layout, "Gộp dọc").kind == "cell"


@soffice
@pytest.mark.slow
def test_pdf_of_legacy_text_without_the_font(office):
    """Without .VnTime installed, LibreOffice draws the TCVN3 codes in a substitute font: the
    letters still give the encoding away; the pages are converted and flagged."""
    layout = read_pdf(office["legacy"]["pdf"])
    assert [(b.text, b.confidence) for b in layout.blocks] == [
        ("Tên tổ chức đảng: Chi bộ Thôn Làng Mầm", 0.9),
        ("PHIẾU ĐĂNG KÝ THI ĐUA", 0.9),
        ("Trực thuộc: Đảng bộ xã Ba Thành", 0.9),
        ("Unicode giữ nguyên: Đảng bộ", 1.0),
    ]
    assert layout.needs_ocr == ()
    assert all("theo mẫu chữ" in n and "cần đối chiếu" in n for n in layout.notes)
    assert len(layout.notes) == 2  # TCVN3 and VNI


HELVETICA = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def pdf_bytes(font: str, text: bytes, *, matrix: bytes = b"1 0 0 1 72 700", before: bytes = b"",
              rotate: int = 0) -> bytes:
    """A one-page PDF showing ``text`` in a non-embedded font described by ``font``, after
    the content ``before`` (an image, say), on a page turned by ``rotate`` when shown."""
    esc = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = before + b" BT /F1 14 Tf " + matrix + b" Tm (" + esc + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate %d /Resources "
            b"<< /Font << /F1 5 0 R >> >> /Contents 4 0 R >>" % rotate,
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            font.encode()]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_tcvn3_font_by_name(tmp_path):
    text = unicode_to_tcvn3("Tên tổ chức đảng: Chi bộ Thôn Làng Mầm").encode("latin-1")
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+.VnTime /Encoding /WinAnsiEncoding >>"
    layout = read_pdf(write(tmp_path, "vn.pdf", pdf_bytes(font, text)))
    block = by_text(layout, "Tên tổ chức đảng: Chi bộ Thôn Làng Mầm")
    assert block.font == ".VnTime" and block.confidence == 1.0
    assert layout.notes == ("Trang 1: Đã chuyển mã TCVN3 sang Unicode (theo phông chữ).",)


def test_pdf_garbage_text_goes_to_ocr(tmp_path):
    names = " ".join(f"/g{i}" for i in range(1, 60))
    font = ("<< /Type /Font /Subtype /Type1 /BaseFont /Foo /FirstChar 1 /LastChar 59 /Widths ["
            + "500 " * 59 + f"] /Encoding << /Type /Encoding /Differences [1 {names}] >> >>")
    layout = read_pdf(write(tmp_path, "cid.pdf", pdf_bytes(font, bytes(range(1, 40)))))
    assert layout.needs_ocr == (0,) and layout.blocks == ()
    assert "lỗi mã" in layout.notes[0]


def test_pdf_scan_without_text_goes_to_ocr(tmp_path):
    from PIL import Image

    page = Image.new("RGB", (850, 1100), "white")
    page.save(tmp_path / "scan.pdf", resolution=100)
    layout = read_pdf(tmp_path / "scan.pdf")
    assert (layout.needs_ocr, layout.blocks, layout.pages) == ((0,), (), 1)
    assert "ảnh quét" in layout.notes[0]


def test_pdf_photo_with_a_watermark_goes_to_ocr(tmp_path):
    """A phone-scanner PDF: a page-sized photo and one small line of text of the app's own."""
    photo = b"q 612 0 0 792 0 0 cm BI /W 2 /H 2 /BPC 8 /CS /G ID \x80\x80\x80\x80 EI Q"
    data = pdf_bytes(HELVETICA, b"Scanned by an app", before=photo, matrix=b"1 0 0 1 20 20")
    layout = read_pdf(write(tmp_path, "phone.pdf", data))
    assert (layout.needs_ocr, layout.blocks) == ((0,), ())
    assert "ảnh quét" in layout.notes[0]


def test_pdf_rotated_page_in_display_coordinates(tmp_path):
    """A landscape page drawn sideways and turned by /Rotate 90 reads left to right."""
    data = pdf_bytes(HELVETICA, b"Ma don vi: CB01", matrix=b"0 1 -1 0 300 100", rotate=90)
    layout = read_pdf(write(tmp_path, "landscape.pdf", data))
    block = by_text(layout, "Ma don vi: CB01")
    x0, top, x1, bottom = block.bbox
    assert x1 - x0 > 3 * (bottom - top)  # horizontal as displayed
    assert 0 <= x0 < x1 <= 792 and 0 <= top < bottom <= 612  # the turned page is 792 wide
    assert x0 == pytest.approx(100, abs=2)  # user-space y=100 is 100 pt from the left


@soffice
@pytest.mark.slow
def test_encrypted_pdf_is_refused(made, tmp_path):
    options = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
               '"DocumentOpenPassword":{"type":"string","value":"matkhau"}}')
    _soffice(["--convert-to", options, "--outdir", str(tmp_path), str(made["form"])])
    locked = tmp_path / "form.pdf"
    assert detect(locked) == "pdf"
    with pytest.raises(ReadError, match="có mật khẩu"):
        read_pdf(locked)


def test_corrupt_pdf_is_refused(tmp_path):
    with pytest.raises(ReadError, match="bị hỏng"):
        read_pdf(write(tmp_path, "broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4))


# -- registry ------------------------------------------------------------------------------


def test_registry_is_idempotent_and_keeps_what_is_there(made):
    READERS.pop("docx", None)
    READERS.pop("pdf", None)

    def wrapped_pdf(path: Path) -> Layout:  # the scan path's wrapper, registered first
        return Layout(source="pdf-scan", blocks=())

    READERS["pdf"] = wrapped_pdf
    try:
        first = dict(load_readers())
        assert load_readers() == first
        assert set(first) >= {"docx", "doc", "pdf"}
        assert first["pdf"] is wrapped_pdf
        assert texts(first["docx"](made["form"]))[0] == "Mẫu 01-ĐK"
    finally:
        READERS.pop("pdf", None)
        load_readers()
