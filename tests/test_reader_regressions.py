"""Regression tests for reader mistakes that gave wrong values: one test per bug, named for it."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from docx import Document
from docx.shared import Pt

from bontot import office
from bontot.legacy import unicode_to_tcvn3
from bontot.text import nfc
from parsers.docx_reader import read_docx
from parsers.pdf_reader import read_pdf
from tests.corpus import build_case

soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")

NAMES = ["Bùi Ngọc Cường", "Bùi Ngọc Hương", "Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh",
         "Long Sơn", "Duy trì sinh hoạt định kỳ hằng tháng", "giữ hoà khí trong chi bộ",
         "Hoàn thành nhiệm vụ", "Số chỉ tiêu đạt và vượt", "Tự đánh giá tiêu chí 1"]


def _patch_body(path: Path, replace: dict[str, str]) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    for old, new in replace.items():
        assert old in xml
        xml = xml.replace(old, new)
    parts["word/document.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_doc_tcvn3_soft_hyphen_reads_as_u_horn(tmp_path: Path) -> None:
    """TCVN3 "ư" is byte 0xAD, which LibreOffice's .doc → .docx writes as <w:softHyphen/>."""
    path = tmp_path / "shy.docx"
    doc = Document()
    doc.add_paragraph("LEGACY")
    doc.add_paragraph("UNICODE")
    doc.save(path)
    vntime = '<w:rPr><w:rFonts w:ascii=".VnTime" w:hAnsi=".VnTime"/></w:rPr>'
    times = '<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/></w:rPr>'
    c, rest = unicode_to_tcvn3("Cường phường").split("\u00ad", 1)  # ư is byte 0xAD
    middle, end = rest.split("\u00ad")
    _patch_body(path, {
        "<w:r><w:t>LEGACY</w:t></w:r>":
            f"<w:r>{vntime}<w:t>{c}</w:t><w:softHyphen/><w:t xml:space=\"preserve\">{middle}"
            f"</w:t><w:softHyphen/><w:t>{end}</w:t></w:r>",
        "<w:r><w:t>UNICODE</w:t></w:r>":
            f"<w:r>{times}<w:t>Cường thông</w:t><w:softHyphen/><w:t>tin</w:t></w:r>",
    })
    texts = [b.text for b in read_docx(path).blocks]
    assert texts == ["Cường phường", "Cường thôngtin"]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("pdfs")
    names = Document()
    names.styles["Normal"].font.size = Pt(13)
    table = names.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for i, name in enumerate(NAMES):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"Dòng {i + 1}", name
    names.save(tmp / "names.docx")
    glyphs = Document()
    glyphs.add_paragraph("Tự đánh giá tiêu chí 1: \u2612 Đạt   \u2610 Không đạt")
    glyphs.add_paragraph("Có chương trình công tác năm: \u2610 Có   \u2612 Không")
    glyphs.save(tmp / "glyphs.docx")
    blob, _, _ = build_case("pdf-text", 0, 7)  # a retyped form in table columns, 13 pt
    (tmp / "form.docx").write_bytes(blob)
    made = office.convert([tmp / f"{n}.docx" for n in ("names", "glyphs", "form")], "pdf", tmp)
    return {src.stem: out for src, out in made.items()}


@soffice
def test_pdf_no_space_inside_words_nor_doubled_marks(pdfs: dict[str, Path]) -> None:
    """Runs drawn glyph by glyph ("C" + "ường") stay one word; no mark is read twice."""
    texts = [" ".join(nfc(b.text).split()) for b in read_pdf(pdfs["names"]).blocks]
    for name in NAMES:
        assert name in texts, (name, texts)
    source = Document(str(pdfs["form"].with_suffix(".docx")))
    typed = [p.text for p in source.paragraphs]
    typed += [c.text for t in source.tables for row in t.rows for c in row.cells]
    words = {w for text in typed for w in nfc(text).split()}
    doc = pdfium.PdfDocument(pdfs["form"])
    try:  # PDFium's text without whitespace: every letter once, in order
        pages = ["".join(nfc(doc[i].get_textpage().get_text_range()).split())
                 for i in range(len(doc))]
    finally:
        doc.close()
    bad = []
    for block in read_pdf(pdfs["form"]).blocks:
        text = nfc(block.text).replace("-\n", "-")
        if "".join(text.split()) not in pages[block.page] and not {"\u2610", "\u2612"} & set(text):
            bad.append(text)  # a letter or mark read twice, or out of order
        bad += [w for w in text.split() if w not in words and w not in "\u2610\u2612"]
    assert not bad  # was "S ố", "n ăm", "giám s át", "khí í"


@soffice
def test_pdf_box_glyphs_precede_their_option(pdfs: dict[str, Path]) -> None:
    """A check box glyph drawn by another text run (fallback font) keeps its place in the line."""
    text = " ".join(nfc(b.text) for b in read_pdf(pdfs["glyphs"]).blocks)
    assert "Tự đánh giá tiêu chí 1: \u2612 Đạt \u2610 Không đạt" in text, text
    assert "Có chương trình công tác năm: \u2610 Có \u2612 Không" in text, text
