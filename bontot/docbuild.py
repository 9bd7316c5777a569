"""The parts every Party document shares, built with python-docx from one style (``docstyle``).

A clerk opens what we write in Word or LibreOffice and edits it before signing, so everything here
is plain Word: real paragraphs, borderless tables for side-by-side blocks, direct formatting taken
from :class:`~bontot.docstyle.DocStyle`, no text boxes.  The helpers take text as it must print
(capitals already applied by the caller, e.g. with :func:`bontot.vnformat.upper_vi`) so that they
can be given Jinja tags (``"{{ issuer }}"``) when building a docxtpl template.

Typical use::

    doc = new_document(style)
    party_header(doc, "ĐẢNG BỘ TỈNH QUẢNG NGÃI", "HUYỆN ỦY BA TƠ", "QĐ/HU",
                 "Ba Tơ, ngày 15 tháng 12 năm 2024")
    title(doc, "QUYẾT ĐỊNH", "công nhận ...")
    body_paragraph(doc, "Căn cứ ...")
    sig = signature_block(doc, "T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn A",
                          recipients=["Ban Tổ chức Tỉnh ủy"], archive="Văn phòng Huyện ủy")
    data = docx_bytes(doc)            # fixed timestamps: same input, same bytes

Content controls (``block_control``, ``checkbox``) let a returned form be read back by tag.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from bontot.docstyle import DocStyle, TextSpec

# Package timestamps: the same input gives the same bytes (documents.md, "Rendering rules").
FIXED_TIME = dt.datetime(2022, 11, 7, tzinfo=dt.UTC)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
BOX_EMPTY, BOX_TICKED = "\u2610", "\u2612"  # ☐ ☒, what Word itself puts in a check box

CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


# --- the document ---------------------------------------------------------------------------


def new_document(
    style: DocStyle | None = None, *, landscape: bool | None = None, title: str = ""
) -> DocxDocument:
    """An empty document in the style: fonts, spacing, page, page numbers, fixed metadata."""
    style = DocStyle.resolve(style)
    doc = Document()
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # python-docx's own preview picture, not ours
            del pkg.rels[rid]
    _base_styles(doc, style)
    section = doc.sections[0]
    setup_page(section, style, landscape=landscape)
    page_numbers(section, style)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "bontot", "bontot"
    props.comments, props.language, props.revision = "", style.language, 1
    props.created = props.modified = FIXED_TIME.replace(tzinfo=None)
    return doc


def _base_styles(doc: DocxDocument, style: DocStyle) -> None:
    """Normal: the body font and spacing, no indent (tables and headers use it too)."""
    for rpr in (
        doc.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr")),
        doc.styles["Normal"].element.get_or_add_rPr(),
    ):
        if rpr is None:
            continue
        _set_fonts(rpr, style.font)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), style.language)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(style.body.size_pt)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(style.body.line_spacing_pt)
    fmt.space_before = Pt(style.body.space_before_pt)
    fmt.space_after = Pt(style.body.space_after_pt)
    body = doc.styles["Body Text"]
    body.paragraph_format.first_line_indent = Mm(style.body.first_line_indent_mm)
    body.paragraph_format.alignment = JUSTIFY
    body.paragraph_format.space_after = Pt(style.body.space_after_pt)


def _set_fonts(rpr: Any, font: str, hint: str | None = None) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # theme fonts would win over the names below
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    if hint:
        fonts.set(qn("w:hint"), hint)


def setup_page(section: Section, style: DocStyle, *, landscape: bool | None = None) -> None:
    """Paper size, orientation and margins of one section."""
    width, height = style.page.size(landscape)
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.orientation = WD_ORIENT.LANDSCAPE if width > height else WD_ORIENT.PORTRAIT
    m = style.page.margins
    section.top_margin, section.bottom_margin = Mm(m.top_mm), Mm(m.bottom_mm)
    section.left_margin, section.right_margin = Mm(m.left_mm), Mm(m.right_mm)
    section.header_distance = Mm(style.page.header_distance_mm)
    section.footer_distance = Mm(style.page.footer_distance_mm)
    section.gutter = Mm(0)


def page_numbers(section: Section, style: DocStyle) -> None:
    """Page numbers from page 2 on: page 1 gets its own, empty, footer and header."""
    spec = style.page_number
    section.different_first_page_header_footer = True
    for part in (section.first_page_header, section.first_page_footer):
        part.is_linked_to_previous = False
        _quiet(part.paragraphs[0])
    where = section.footer if spec.position == "footer" else section.header
    where.is_linked_to_previous = False
    p = where.paragraphs[0]
    _quiet(p)
    p.alignment = CENTER if spec.alignment == "center" else RIGHT
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    run.append(_rpr(TextSpec(size_pt=spec.size_pt)))
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)


def _quiet(p: Paragraph) -> None:
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Mm(0)


# --- text -------------------------------------------------------------------------------------


def _rpr(spec: TextSpec) -> Any:
    rpr = OxmlElement("w:rPr")
    for flag, tag in ((spec.bold, "w:b"), (spec.italic, "w:i")):
        if flag:
            rpr.append(OxmlElement(tag))
    for tag in ("w:sz", "w:szCs"):
        sz = OxmlElement(tag)
        sz.set(qn("w:val"), str(round(spec.size_pt * 2)))
        rpr.append(sz)
    if spec.underline:  # after w:sz: the schema fixes the order of run properties
        u = OxmlElement("w:u")
        u.set(qn("w:val"), "single")
        rpr.append(u)
    return rpr


def add_text(p: Paragraph, text: str, spec: TextSpec) -> Run:
    """A run with the spec's size and emphasis (the font comes from the Normal style)."""
    run = p.add_run(text)
    run.font.size = Pt(spec.size_pt)
    run.bold = spec.bold or None
    run.italic = spec.italic or None
    run.underline = spec.underline or None
    return run


def add_paragraph(
    container: Any,
    text: str = "",
    spec: TextSpec | None = None,
    *,
    align: Any = None,
    line_pt: float | None = None,
    before_pt: float = 0,
    after_pt: float = 0,
    indent_mm: float = 0,
    keep_with_next: bool = False,
) -> Paragraph:
    """A paragraph in the document or a cell (a fresh cell's empty paragraph is reused)."""
    p = _fresh_paragraph(container)
    if text:
        add_text(p, text, spec or TextSpec(size_pt=14))
    fmt = p.paragraph_format
    fmt.alignment = align
    if line_pt:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    fmt.space_before, fmt.space_after = Pt(before_pt), Pt(after_pt)
    fmt.first_line_indent = Mm(0)
    if indent_mm:
        fmt.left_indent = Mm(indent_mm)
    if keep_with_next:
        fmt.keep_with_next = True
    return p


def _fresh_paragraph(container: Any) -> Paragraph:
    if isinstance(container, _Cell):
        blocks = [el for el in container._tc if el.tag != qn("w:tcPr")]
        if len(blocks) == 1 and blocks[0].tag == qn("w:p") and len(blocks[0]) == 0:
            return Paragraph(blocks[0], container)
    return container.add_paragraph()


def body_paragraph(doc: Any, text: str, style: DocStyle | None = None) -> Paragraph:
    """Running text: justified, first-line indent, body size and spacing ("Body Text")."""
    style = DocStyle.resolve(style)
    p = doc.add_paragraph(style="Body Text")
    add_text(p, text, TextSpec(size_pt=style.body.size_pt))
    return p


def spacer(doc: Any, pt: float = 2) -> Paragraph:
    """A tiny paragraph: Word glues two tables together unless a paragraph stands between."""
    p = add_paragraph(doc, line_pt=pt)
    mark_size(p, max(1, pt))
    return p


# --- tables -----------------------------------------------------------------------------------


def table(
    container: Any, widths_mm: Sequence[float], rows: int = 1, *, border_pt: float = 0
) -> Table:
    """A fixed-layout table of the given column widths; ``border_pt`` 0: no borders at all."""
    t = container.add_table(rows=rows, cols=len(widths_mm))
    t.autofit = False
    tblpr = t._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(_twips(w) for w in widths_mm)))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if border_pt:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(round(border_pt * 8)))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    _insert_in_order(tblpr, borders, _AFTER_TBL_BORDERS)
    for col, width in zip(t.columns, widths_mm, strict=True):
        col.width = Mm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    return t


# w:tblPr children that must follow w:tblBorders (the schema fixes their order).
_AFTER_TBL_BORDERS = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")


def _insert_in_order(parent: Any, child: Any, successors: Sequence[str]) -> None:
    for el in parent:
        if etree.QName(el).localname in successors:
            el.addprevious(child)
            return
    parent.append(child)


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def keep_row(row: _Row, min_height_mm: float | None = None) -> None:
    """A row never split across pages, optionally at least this high."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if min_height_mm:
        row.height = Mm(min_height_mm)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def merge_row(row: _Row) -> _Cell:
    """The row's cells as one (a section heading across the table)."""
    return row.cells[0].merge(row.cells[-1])


# --- the parts of a Party document ----------------------------------------------------------


@dataclass(frozen=True)
class HeaderParts:
    """The paragraphs of the header, for callers that decorate them (content controls ...)."""

    table: Table
    superior: Paragraph
    issuer: Paragraph
    star: Paragraph
    national: Paragraph
    number: Paragraph | None
    place_date: Paragraph | None


def number_line(symbol: str, number: int | str | None = None, style: DocStyle | None = None) -> str:
    """ "Số     -QĐ/HU" (blank for the office to fill) or "Số 12-QĐ/HU"; no colon (HD 36)."""
    spec = DocStyle.resolve(style).header
    given = str(number) if number not in (None, "") else spec.number_blank
    return f"{spec.number_prefix} {given}-{symbol}"


def party_header(
    doc: Any,
    superior: str,
    issuer: str,
    number_symbol: str | None,
    place_date: str | None,
    *,
    number: int | str | None = None,
    style: DocStyle | None = None,
) -> HeaderParts:
    """The two-column header of documents.md, borderless.

    Left: the superior body (caps, regular), the issuing body (caps, bold), a centred "*", then
    the number line built from ``number_symbol`` ("QĐ/HU"; None: no number line).  Right:
    "ĐẢNG CỘNG SẢN VIỆT NAM" underlined over its own width, and on the number's line the italic
    place and date (None: none).  Text prints as given: pass capitals (``upper_vi``) or Jinja tags.
    """
    style = DocStyle.resolve(style)
    spec = style.header
    second_row = number_symbol is not None or place_date is not None
    t = table(doc, (spec.left_width_mm, spec.right_width_mm), rows=2 if second_row else 1)
    left, right = t.rows[0].cells
    line = style.body.line_spacing_pt
    superior_p = add_paragraph(left, superior, spec.superior, align=CENTER, line_pt=line)
    issuer_p = add_paragraph(left, issuer, spec.issuer, align=CENTER, line_pt=line)
    star_p = add_paragraph(left, spec.star, spec.superior, align=CENTER, line_pt=line)
    national_p = add_paragraph(right, spec.national_name, spec.national, align=CENTER, line_pt=line)
    number_p = place_p = None
    if second_row:
        n_cell, d_cell = t.rows[1].cells
        text = number_line(number_symbol, number, style) if number_symbol is not None else ""
        number_p = add_paragraph(n_cell, text, spec.number, align=CENTER, line_pt=line)
        place_p = add_paragraph(
            d_cell, place_date or "", spec.place_date, align=CENTER, line_pt=line
        )
    for row in t.rows:
        keep_row(row)
    after = spacer(doc, 2)
    after.paragraph_format.space_after = Pt(spec.space_after_pt)
    return HeaderParts(t, superior_p, issuer_p, star_p, national_p, number_p, place_p)


def title(
    doc: Any,
    kind: str,
    summary: str | Sequence[str] | None = None,
    *,
    style: DocStyle | None = None,
) -> list[Paragraph]:
    """Document type (caps, bold), the summary line(s) (bold), then a short centred rule."""
    style = DocStyle.resolve(style)
    spec = style.title
    line = max(style.body.line_spacing_pt, spec.kind.size_pt + 4)
    paras = [
        add_paragraph(
            doc,
            kind,
            spec.kind,
            align=CENTER,
            line_pt=line,
            before_pt=spec.space_before_pt,
            keep_with_next=True,
        )
    ]
    lines = [summary] if isinstance(summary, str) else list(summary or [])
    for text in lines:
        paras.append(
            add_paragraph(doc, text, spec.summary, align=CENTER, line_pt=line, keep_with_next=True)
        )
    if spec.rule:
        paras.append(
            add_paragraph(
                doc,
                spec.rule,
                spec.summary,
                align=CENTER,
                line_pt=line,
                after_pt=spec.space_after_pt,
            )
        )
    return paras


@dataclass(frozen=True)
class SignatureParts:
    table: Table
    left: _Cell
    date_line: Paragraph | None
    on_behalf: Paragraph | None
    title: Paragraph
    signer: Paragraph
    recipients: list[Paragraph]


def signature_block(
    doc: Any,
    on_behalf: str | None,
    title: str,
    signer: str,
    *,
    date_line: str | None = None,
    recipients: Sequence[str] | None = None,
    archive: str | None = None,
    widths_mm: tuple[float, float] | None = None,
    style: DocStyle | None = None,
) -> SignatureParts:
    """Signature at the bottom right, the recipients (if any) at the bottom left, one table.

    ``on_behalf`` is "T/M BAN THƯỜNG VỤ" (None: none; the title then prints bold, as the top
    line of the block); ``date_line`` is a place/date line above it (forms).  Room for the
    signature and the seal is ``signature.space_mm`` above the signer's name, and the row never
    splits across pages.  ``widths_mm`` overrides the style's two column widths.
    """
    style = DocStyle.resolve(style)
    spec = style.signature
    t = table(doc, widths_mm or (spec.left_width_mm, spec.right_width_mm))
    keep_row(t.rows[0])
    left, right = t.rows[0].cells
    line = style.body.line_spacing_pt
    date_p = on_behalf_p = None
    if date_line is not None:
        date_p = add_paragraph(right, date_line, spec.date_line, align=CENTER, line_pt=line)
    if on_behalf is not None:
        on_behalf_p = add_paragraph(right, on_behalf, spec.on_behalf, align=CENTER, line_pt=line)
    title_spec = spec.title if on_behalf is not None else spec.on_behalf
    title_p = add_paragraph(right, title, title_spec, align=CENTER, line_pt=line)
    signer_p = add_paragraph(right, signer, spec.signer, align=CENTER, line_pt=line)
    signer_p.paragraph_format.space_before = Mm(spec.space_mm)
    listed = []
    if recipients is not None or archive is not None:
        listed = add_recipients(left, recipients or [], archive=archive, style=style)
    return SignatureParts(t, left, date_p, on_behalf_p, title_p, signer_p, listed)


def add_recipients(
    container: Any,
    items: Sequence[str],
    *,
    archive: str | None = None,
    style: DocStyle | None = None,
) -> list[Paragraph]:
    """ "Nơi nhận:" then "- item," per line, ending "- Lưu archive." (documents.md)."""
    style = DocStyle.resolve(style)
    spec = style.recipients
    line = spec.line_spacing_pt
    paras = [add_paragraph(container, spec.heading_text, spec.heading, line_pt=line + 2)]
    for item in items:
        paras.append(add_paragraph(container, f"- {item},", spec.item, line_pt=line))
    if archive:
        paras.append(add_paragraph(container, f"- Lưu {archive}.", spec.item, line_pt=line))
    return paras


# The name the brief gives this helper; ``add_recipients`` says what it does.
recipients = add_recipients


# --- content controls -------------------------------------------------------------------------


def control_id(tag: str) -> int:
    """A stable w:id for a tag (unique per tag; no counter, so a rebuild gives the same XML)."""
    return zlib.crc32(tag.encode("utf-8")) & 0x7FFFFFFF


def _sdt(tag: str, alias: str) -> tuple[Any, Any, Any]:
    sdt = OxmlElement("w:sdt")
    pr = OxmlElement("w:sdtPr")
    for name, value in (("w:alias", alias), ("w:tag", tag), ("w:id", str(control_id(tag)))):
        el = OxmlElement(name)
        el.set(qn("w:val"), value)
        pr.append(el)
    lock = OxmlElement("w:lock")
    lock.set(qn("w:val"), "sdtLocked")  # the value can change, the control cannot be deleted
    pr.append(lock)
    content = OxmlElement("w:sdtContent")
    sdt.append(pr)
    sdt.append(content)
    return sdt, pr, content


def block_control(cell: _Cell, tag: str, alias: str) -> Any:
    """Wrap everything in a table cell in one rich-text content control (tag, alias = title)."""
    tc = cell._tc
    sdt, _, content = _sdt(tag, alias)
    blocks = [el for el in tc if el.tag != qn("w:tcPr")]
    tc.append(sdt)
    for el in blocks:
        content.append(el)
    return sdt


def paragraph_control(p: Paragraph, tag: str, alias: str) -> Any:
    """Wrap one paragraph, where it stands, in a rich-text content control."""
    sdt, _, content = _sdt(tag, alias)
    p._p.addprevious(sdt)
    content.append(p._p)
    return sdt


def mark_size(p: Paragraph, size_pt: float) -> None:
    """The size of what a clerk types into an empty paragraph (its paragraph mark's run)."""
    ppr = p._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    for tag in ("w:sz", "w:szCs"):
        sz = OxmlElement(tag)
        sz.set(qn("w:val"), str(round(size_pt * 2)))
        rpr.append(sz)


def checkbox(
    p: Paragraph,
    tag: str,
    alias: str,
    *,
    checked: bool = False,
    style: DocStyle | None = None,
) -> Any:
    """A Word check box (``w14:checkbox``) at the end of ``p``: ticked by a click in Word, and a
    printed ☐ that can be ticked on paper."""
    spec = DocStyle.resolve(style).form
    sdt, pr, content = _sdt(tag, alias)
    box = etree.SubElement(pr, f"{{{_W14}}}checkbox")
    etree.SubElement(box, f"{{{_W14}}}checked").set(f"{{{_W14}}}val", "1" if checked else "0")
    for name, glyph in (("checkedState", BOX_TICKED), ("uncheckedState", BOX_EMPTY)):
        state = etree.SubElement(box, f"{{{_W14}}}{name}")
        state.set(f"{{{_W14}}}val", f"{ord(glyph):04X}")
        state.set(f"{{{_W14}}}font", spec.checkbox_font)
    run = OxmlElement("w:r")
    rpr = _rpr(TextSpec(size_pt=spec.checkbox_size_pt))
    _set_fonts(rpr, spec.checkbox_font, hint="eastAsia")
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = BOX_TICKED if checked else BOX_EMPTY
    run.append(text)
    content.append(run)
    p._p.append(sdt)
    return sdt


# --- saving -----------------------------------------------------------------------------------


def docx_bytes(doc: Any) -> bytes:
    """The document as .docx bytes with fixed timestamps (python-docx or docxtpl)."""
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_package(buf.getvalue())


def normalize_package(data: bytes, when: dt.datetime = FIXED_TIME) -> bytes:
    """Same content, same bytes: fixed zip entry dates and core.xml created/modified."""
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = _fixed_core(blob, stamp)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, blob)
    return out.getvalue()


def _fixed_core(blob: bytes, stamp: str) -> bytes:
    root = etree.fromstring(blob)
    for name in ("created", "modified"):
        for el in root.iter(qn(f"dcterms:{name}")):
            el.text = stamp
    for el in list(root.iter(qn("cp:lastPrinted"))):
        el.getparent().remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


TEMP_PREFIX = ".tmp-"  # a file being written; one left by a killed run is never an output


def replace_durably(tmp: Path | str, path: Path) -> None:
    """Put a finished temporary file in place: its bytes on disk first, then the rename, then
    the folder's entry, so that neither a killed process nor a power cut leaves half a file."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # a folder that cannot be opened (some network shares): the rename stands
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds these bytes; True if it was written.

    The bytes go to a temporary file beside the target (``TEMP_PREFIX``), flushed to disk, then
    renamed over it: the target is always the old file or the whole new one.
    """
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; an output is for the office to share
        replace_durably(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
