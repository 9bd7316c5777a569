"""Build the official documents of shared/spec/documents.md as docxtpl templates.

``python -m templates.build_documents`` (or :func:`build_all`) writes ``qd-cong-nhan.docx``,
``qd-khen-thuong.docx``, ``giay-khen.docx``, ``to-trinh-bang-khen.docx``,
``bao-cao-so-ket.docx``, ``bao-cao-tong-ket.docx`` and ``ds-chua-nop.docx`` into ``templates/``;
the same style and this file give the same bytes, so the templates are committed and a rebuild
shows in ``git diff`` only when something really changed.

Every layout value comes from the style (``plans/styles/van-ban-hd36.yaml``) through
:mod:`bontot.docbuild`; every name, number, place, date and signer is a Jinja variable filled by
:mod:`bontot.documents` from the roster and the plan.  Tables come from the
:class:`~bontot.documents.tables.TableSpec` the document modules fill, so a column cannot be
added on one side only.  Template syntax used: ``{{ x }}`` values, ``{%p … %}`` paragraph-level
loops and conditions, ``{%tr … %}`` table-row loops.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from bontot import docbuild as db
from bontot.docstyle import DocStyle, TextSpec
from bontot.documents import ds_chua_nop, qd_cong_nhan, qd_khen_thuong, to_trinh
from bontot.documents import report_tables as rt
from bontot.documents.base import MOVEMENT
from bontot.documents.tables import TOTAL_LABEL, TableSpec

TEMPLATES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class CertificateLayout:
    """The certificate's own sizes (Hướng dẫn 36 sets none for a Giấy khen).

    Kept here, in one place, until the style file has a ``certificate:`` section.
    """

    giver: TextSpec = TextSpec(size_pt=16, bold=True)  # BAN THƯỜNG VỤ HUYỆN ỦY …
    gives: TextSpec = TextSpec(size_pt=15, bold=True)  # TẶNG
    word: TextSpec = TextSpec(size_pt=40, bold=True)  # GIẤY KHEN
    unit: TextSpec = TextSpec(size_pt=24, bold=True)  # the unit's name
    parent: TextSpec = TextSpec(size_pt=15, italic=True)
    reason: TextSpec = TextSpec(size_pt=16)
    decision: TextSpec = TextSpec(size_pt=13, italic=True)
    signature_left_mm: float = 117
    gap_pt: float = 18  # between the blocks: the page is filled, the text not crowded


CERTIFICATE = CertificateLayout()


# --- small builders -----------------------------------------------------------------------------


def tag(doc: Any, text: str) -> Any:
    """A paragraph holding only a ``{%p … %}`` tag (docxtpl removes it when rendering)."""
    return db.add_paragraph(doc, text, TextSpec(size_pt=4), line_pt=4)


def header(doc: Any, style: DocStyle, *, number: bool = True) -> db.HeaderParts:
    """The party header; the superior line only when there is one (none for a Tỉnh ủy)."""
    parts = db.party_header(
        doc,
        "{{ superior }}",
        "{{ issuer }}",
        "" if number else None,
        "{{ place_date }}" if number else None,
        style=style,
    )
    if parts.number is not None:
        parts.number.runs[0].text = "{{ number_line }}"
    _wrap(parts.superior, "{%p if superior %}", "{%p endif %}")
    return parts


def _wrap(p: Any, before: str, after: str) -> None:
    """Put tag paragraphs around ``p`` where it stands (in a cell or the body)."""
    for text, where in ((before, p._p.addprevious), (after, p._p.addnext)):
        el = OxmlElement("w:p")
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = text
        run.append(t)
        el.append(run)
        where(el)


def centred(doc: Any, text: str, spec: TextSpec, style: DocStyle, *, after: float = 0) -> Any:
    return db.add_paragraph(
        doc,
        text,
        spec,
        align=db.CENTER,
        line_pt=max(style.body.line_spacing_pt, spec.size_pt + 4),
        after_pt=after,
        keep_with_next=True,
    )


def body(doc: Any, text: str, style: DocStyle, *, lead: str = "") -> Any:
    """A body paragraph; ``lead`` prints bold in front ("Điều 1. ")."""
    p = doc.add_paragraph(style="Body Text")
    size = style.body.size_pt
    if lead:
        db.add_text(p, lead, TextSpec(size_pt=size, bold=True))
    db.add_text(p, text, TextSpec(size_pt=size))
    return p


def heading(doc: Any, text: str, style: DocStyle, *, italic: bool = False) -> Any:
    p = doc.add_paragraph(style="Body Text")
    db.add_text(p, text, TextSpec(size_pt=style.body.size_pt, bold=True, italic=italic))
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(style.body.space_after_pt)
    return p


def stretch(table: Any, widths_mm: Sequence[float]) -> None:
    """Give a two-column table (the header) other column widths (a landscape page)."""
    tblw = table._tbl.tblPr.find(qn("w:tblW"))
    tblw.set(qn("w:w"), str(sum(round(w / 25.4 * 1440) for w in widths_mm)))
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def loop(doc: Any, head: str, fill: Callable[[], Any], end: str = "{%p endfor %}") -> None:
    tag(doc, head)
    fill()
    tag(doc, end)


def dotted(doc: Any, style: DocStyle, lines: int = 3) -> None:
    """Lines of dots for the committee to write on (a headed blank)."""
    dots = "…" * int(style.page.text_width() / 5.2)  # a "…" of 14 pt is about 4.9 mm wide
    for _ in range(lines):
        db.add_paragraph(
            doc,
            dots,
            TextSpec(size_pt=style.body.size_pt),
            line_pt=style.body.line_spacing_pt,
            after_pt=style.body.space_after_pt,
        )


def picture(doc: Any, name: str, style: DocStyle) -> None:
    p = db.add_paragraph(
        doc,
        f"{{{{ {name} }}}}",
        TextSpec(size_pt=style.body.size_pt),
        align=db.CENTER,
        before_pt=style.body.space_after_pt,
        after_pt=style.body.space_after_pt,
    )
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # the picture sets the height


def caption(doc: Any, text: str, style: DocStyle) -> Any:
    p = db.add_paragraph(
        doc,
        text,
        TextSpec(size_pt=style.table.size_pt, bold=True, italic=True),
        align=db.CENTER,
        line_pt=style.body.line_spacing_pt,
        before_pt=style.body.space_after_pt,
        after_pt=style.table.space_pt,
        keep_with_next=True,
    )
    return p


def signature(doc: Any, style: DocStyle, *, recipients: bool = True) -> db.SignatureParts:
    """T/M BAN THƯỜNG VỤ, the title and the signer at the right; "Nơi nhận:" at the left.

    The last paragraph before it keeps with it: a signature never stands alone on a page.
    """
    last = doc.element.body[-2] if len(doc.element.body) > 1 else None  # [-1] is w:sectPr
    if last is not None and last.tag == qn("w:p"):
        last.get_or_add_pPr().insert(0, OxmlElement("w:keepNext"))
    db.spacer(doc, style.body.space_after_pt).paragraph_format.keep_with_next = True
    sig = db.signature_block(
        doc,
        "{{ on_behalf }}",
        "{{ signer_title }}",
        "{{ signer_name }}",
        recipients=["{{ r }}"] if recipients else None,
        archive="{{ archive }}" if recipients else None,
        style=style,
    )
    if recipients:
        _wrap(sig.recipients[1], "{%p for r in recipients %}", "{%p endfor %}")
    return sig


# --- tables ---------------------------------------------------------------------------------


def data_table(doc: Any, spec: TableSpec, style: DocStyle) -> Any:
    """The Word table of ``spec``: bold header rows repeated on each page, a ``{%tr for %}``
    row filled from ``<spec.key>.rows``, and the totals row from ``<spec.key>.total``."""
    ts = style.table
    widths = [c.width_mm for c in spec.columns]
    scale = style.page.text_width() / sum(widths)  # the spec's widths are proportions
    t = db.table(doc, [w * scale for w in widths], rows=0, border_pt=ts.border_pt)
    head_spec = TextSpec(size_pt=ts.size_pt, bold=True)

    def put(cell: Any, text: str, look: TextSpec, align: Any = db.CENTER) -> None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        db.add_paragraph(
            cell,
            text,
            look,
            align=align,
            line_pt=ts.line_spacing_pt,
            before_pt=ts.space_pt,
            after_pt=ts.space_pt,
        )

    grouped = any(c.group for c in spec.columns)
    top = t.add_row()
    rows = [top]
    if grouped:
        sub = t.add_row()
        rows.append(sub)
        i = 0
        while i < len(spec.columns):
            col = spec.columns[i]
            if col.group is None:
                cell = top.cells[i].merge(sub.cells[i])
                put(cell, col.head, head_spec)
                i += 1
                continue
            j = i
            while j + 1 < len(spec.columns) and spec.columns[j + 1].group == col.group:
                j += 1
            put(top.cells[i].merge(top.cells[j]) if j > i else top.cells[i], col.group, head_spec)
            for k in range(i, j + 1):
                put(sub.cells[k], spec.columns[k].head, head_spec)
            i = j + 1
    else:
        for cell, col in zip(top.cells, spec.columns, strict=True):
            put(cell, col.head, head_spec)
    for row in rows:
        db.keep_row(row)
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    start = t.add_row()
    put(db.merge_row(start), f"{{%tr for r in {spec.key}.rows %}}", TextSpec(size_pt=ts.size_pt))
    data = t.add_row()
    db.keep_row(data)
    plain = TextSpec(size_pt=ts.size_pt)
    aligns = {"left": db.LEFT, "center": db.CENTER, "right": db.RIGHT}
    for cell, col in zip(data.cells, spec.columns, strict=True):
        put(cell, f"{{{{ r.{col.key} }}}}", plain, aligns[col.align])
    end = t.add_row()
    put(db.merge_row(end), "{%tr endfor %}", TextSpec(size_pt=ts.size_pt))
    if spec.has_total:
        total = t.add_row()
        db.keep_row(total)
        label = total.cells[0].merge(total.cells[spec.total_span - 1])
        put(label, TOTAL_LABEL, head_spec)
        for k in range(spec.total_span, len(spec.columns)):
            col = spec.columns[k]
            put(
                total.cells[k],
                f"{{{{ {spec.key}.total.{col.key} }}}}",
                head_spec,
                aligns[col.align],
            )
    return t


def table_block(doc: Any, title: str, spec: TableSpec, style: DocStyle) -> None:
    caption(doc, title, style)
    data_table(doc, spec, style)


# --- the decisions ------------------------------------------------------------------------------


def _grounds(doc: Any, style: DocStyle, extra: Sequence[str]) -> None:
    """The deciding body, then the "Căn cứ …" lines and "QUYẾT ĐỊNH:"."""
    centred(
        doc,
        "{{ standing }}",
        TextSpec(size_pt=style.body.size_pt, bold=True),
        style,
        after=style.body.space_after_pt,
    )
    lines = [
        "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
        "- Căn cứ Quy chế làm việc của Ban Chấp hành {{ committee_name }};",
        "- Căn cứ {{ plan_name }} của {{ plan_issuer }};",
        *extra,
        "- Xét đề nghị của Ban Tổ chức {{ organ }},",
    ]
    for line in lines:
        body(doc, line, style)
    centred(
        doc,
        "QUYẾT ĐỊNH:",
        TextSpec(size_pt=style.body.size_pt, bold=True),
        style,
        after=style.body.space_after_pt,
    )


def _annex(doc: Any, style: DocStyle, summary: str, spec: TableSpec) -> None:
    p = db.add_paragraph(doc, "")
    p.paragraph_format.page_break_before = True
    db.mark_size(p, 2)
    rule = db.title(doc, "DANH SÁCH", [summary], style=style)[-1]  # the reference goes above
    ref = db.add_paragraph(
        doc,
        "(Kèm theo Quyết định {{ reference }} của {{ standing_prose }})",
        TextSpec(size_pt=style.body.size_pt, italic=True),
        align=db.CENTER,
        line_pt=style.body.line_spacing_pt,
    )
    rule._p.addprevious(ref._p)
    data_table(doc, spec, style)


def build_qd_cong_nhan(style: DocStyle) -> Any:
    doc = db.new_document(style, title="Quyết định công nhận chi bộ bốn tốt")
    header(doc, style)
    db.title(doc, "QUYẾT ĐỊNH", [f"công nhận {MOVEMENT} năm {{{{ year }}}}"], style=style)
    _grounds(doc, style, ["- Căn cứ kết quả đánh giá, xếp loại tổ chức đảng năm {{ year }};"])
    body(
        doc,
        f"Công nhận {{{{ count }}}} tổ chức đảng đạt {MOVEMENT} năm {{{{ year }}}}"
        " ({{ count_dang_bo }} đảng bộ cơ sở, {{ count_chi_bo }} chi bộ), có danh sách"
        " kèm theo.",
        style,
        lead="Điều 1. ",
    )
    body(doc, "Quyết định có hiệu lực kể từ ngày ký.", style, lead="Điều 2. ")
    body(
        doc,
        "Ban Tổ chức {{ organ }}, Văn phòng {{ organ }} và các tổ chức đảng có tên tại"
        " Điều 1 căn cứ Quyết định thi hành.",
        style,
        lead="Điều 3. ",
    )
    signature(doc, style)
    _annex(doc, style, f"tổ chức đảng đạt {MOVEMENT} năm {{{{ year }}}}", qd_cong_nhan.ANNEX)
    return doc


def build_qd_khen_thuong(style: DocStyle) -> Any:
    doc = db.new_document(style, title="Quyết định tặng Giấy khen")
    header(doc, style)
    db.title(
        doc,
        "QUYẾT ĐỊNH",
        [
            "tặng Giấy khen cho tổ chức đảng có thành tích xuất sắc",
            f"trong phong trào thi đua xây dựng {MOVEMENT}",
            "giai đoạn {{ period }}",
        ],
        style=style,
    )
    _grounds(
        doc,
        style,
        [
            f"- Căn cứ kết quả {{{{ review }}}} phong trào thi đua xây dựng"
            f" {MOVEMENT} giai đoạn {{{{ period }}}};"
        ],
    )
    body(
        doc,
        "Tặng Giấy khen cho {{ count }} tổ chức đảng (có danh sách kèm theo) đã hoàn"
        f" thành xuất sắc phong trào thi đua xây dựng {MOVEMENT} giai đoạn {{{{ period }}}}.",
        style,
        lead="Điều 1. ",
    )
    body(doc, "Quyết định có hiệu lực kể từ ngày ký.", style, lead="Điều 2. ")
    body(
        doc,
        "Văn phòng {{ organ }}, Ban Tổ chức {{ organ }} và các tổ chức đảng có tên tại"
        " Điều 1 căn cứ Quyết định thi hành.",
        style,
        lead="Điều 3. ",
    )
    signature(doc, style)
    _annex(
        doc,
        style,
        "tổ chức đảng được tặng Giấy khen ({{ review }} giai đoạn {{ period }})",
        qd_khen_thuong.ANNEX,
    )
    return doc


# --- the certificate ------------------------------------------------------------------------------


def build_giay_khen(style: DocStyle, layout: CertificateLayout = CERTIFICATE) -> Any:
    """Landscape, one page per ``certificates`` item (one for a unit, all for the print batch)."""
    doc = db.new_document(style, landscape=True, title="Giấy khen")
    tag(doc, "{%p for c in certificates %}")
    tag(doc, "{%p if not loop.first %}")
    brk = db.add_paragraph(doc, "", line_pt=2)
    brk.paragraph_format.page_break_before = True
    db.mark_size(brk, 2)
    tag(doc, "{%p endif %}")
    width = style.page.text_width(landscape=True)
    parts = header(doc, style, number=False)
    left = width * style.header.left_width_mm / style.page.text_width()
    stretch(parts.table, (left, width - left))
    gap = layout.gap_pt
    centred(doc, "{{ standing }}", layout.giver, style).paragraph_format.space_before = Pt(gap)
    centred(doc, "TẶNG", layout.gives, style, after=gap / 2)
    centred(doc, "GIẤY KHEN", layout.word, style, after=gap * 0.8)
    centred(doc, "{{ c.unit_name }}", layout.unit, style)
    tag(doc, "{%p if c.parent %}")
    centred(doc, "{{ c.parent }}", layout.parent, style)
    tag(doc, "{%p endif %}")
    centred(doc, "{{ reason }}", layout.reason, style).paragraph_format.space_before = Pt(gap)
    centred(doc, "{{ period }}", layout.reason, style, after=gap)
    sig = db.signature_block(
        doc,
        "{{ on_behalf }}",
        "{{ signer_title }}",
        "{{ signer_name }}",
        date_line="{{ place_date }}",
        widths_mm=(layout.signature_left_mm, width - layout.signature_left_mm),
        style=style,
    )
    sig.left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    db.add_paragraph(
        sig.left, "{{ decision }}", layout.decision, line_pt=style.body.line_spacing_pt
    )
    tag(doc, "{%p endfor %}")
    return doc


# --- the proposal -----------------------------------------------------------------------------


def build_to_trinh(style: DocStyle) -> Any:
    doc = db.new_document(style, title="Tờ trình đề nghị tặng Bằng khen")
    header(doc, style)
    db.title(
        doc,
        "TỜ TRÌNH",
        [
            "đề nghị tặng Bằng khen cho tổ chức đảng có thành tích xuất sắc",
            f"trong phong trào thi đua xây dựng {MOVEMENT}",
            "giai đoạn {{ period }}",
        ],
        style=style,
    )
    p = db.add_paragraph(
        doc,
        "Kính gửi: ",
        TextSpec(size_pt=style.body.size_pt),
        align=db.CENTER,
        line_pt=style.body.line_spacing_pt,
        after_pt=12,
    )
    db.add_text(p, "{{ addressee }}", TextSpec(size_pt=style.body.size_pt, bold=True))
    body(
        doc,
        "Thực hiện {{ plan_name }} của {{ plan_issuer }}; căn cứ kết quả tổng kết phong"
        " trào giai đoạn {{ period }}, {{ standing_prose }} đề nghị {{ addressee }} xem xét,"
        " tặng Bằng khen cho {{ count }} tổ chức đảng đã có thành tích xuất sắc trong"
        " phong trào, gồm:",
        style,
    )
    table_block(doc, "Danh sách tổ chức đảng đề nghị tặng Bằng khen", to_trinh.UNITS, style)
    db.spacer(doc, style.body.space_after_pt)
    body(doc, "Thành tích chủ yếu của các tổ chức đảng được đề nghị (năm {{ years }}):", style)

    def item() -> None:
        body(doc, "{{ a.text }}", style, lead="{{ a.n }}. {{ a.name }}: ")

    loop(doc, "{%p for a in items %}", item)
    body(doc, "{{ standing_prose }} kính đề nghị {{ addressee }} xem xét, quyết định./.", style)
    signature(doc, style)
    return doc


# --- the reports ----------------------------------------------------------------------------------


def build_bao_cao(style: DocStyle, review: str) -> Any:
    """The sơ kết or tổng kết report; the province's report is the same template with
    ``province`` true (rows per committee, the rewards of each committee)."""
    word = {"so-ket": "sơ kết", "tong-ket": "tổng kết"}[review]
    doc = db.new_document(style, title=f"Báo cáo {word} phong trào chi bộ bốn tốt")
    header(doc, style)
    db.title(
        doc,
        "BÁO CÁO",
        [f"{word} phong trào thi đua xây dựng {MOVEMENT}", "giai đoạn {{ period }}"],
        style=style,
    )
    body(doc, "{{ intro }}", style)

    heading(doc, "I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN", style)
    heading(doc, "1. Công tác quán triệt, triển khai", style, italic=True)
    dotted(doc, style)
    heading(doc, "2. Đăng ký thi đua", style, italic=True)
    body(doc, "{{ registration_text }}", style)
    table_block(doc, "Kết quả đăng ký thi đua", rt.REGISTERED, style)
    heading(doc, "3. Chỉ đạo làm điểm", style, italic=True)
    body(doc, "{{ pilot_text }}", style)
    table_block(doc, "Đơn vị chỉ đạo làm điểm so với mức tối thiểu", rt.PILOTS, style)

    heading(doc, "II. KẾT QUẢ THỰC HIỆN", style)
    heading(doc, f"1. Kết quả công nhận {MOVEMENT} hằng năm", style, italic=True)
    loop(doc, "{%p for t in result_texts %}", lambda: body(doc, "{{ t }}", style))
    table_block(doc, f"Tổ chức đảng đạt {MOVEMENT} theo năm và loại tổ chức", rt.BY_YEAR, style)
    picture(doc, "chart_share", style)
    table_block(doc, 'Tổ chức đảng đạt "bốn tốt" theo loại hình', rt.BY_TYPE, style)

    def per_committee() -> None:
        table_block(doc, 'Tổ chức đảng đạt "bốn tốt" theo cấp ủy', rt.BY_COMMITTEE, style)

    loop(doc, "{%p if province %}", per_committee, "{%p endif %}")
    picture(doc, "chart_counts", style)
    heading(doc, "2. Đề xuất xếp loại tổ chức đảng", style, italic=True)
    body(
        doc,
        "Kết quả xét bốn tiêu chí là cơ sở để cấp ủy đề xuất xếp loại tổ chức đảng hằng"
        " năm; việc xếp loại do cấp ủy có thẩm quyền quyết định theo quy định hiện hành.",
        style,
    )
    table_block(doc, "Đề xuất xếp loại theo kết quả bốn tiêu chí", rt.RATINGS, style)
    heading(doc, "3. Khen thưởng", style, italic=True)
    loop(doc, "{%p for t in reward_texts %}", lambda: body(doc, "{{ t }}", style))
    tag(doc, "{%p if province %}")
    table_block(doc, "Khen thưởng theo cấp ủy", rt.REWARDS_BY_COMMITTEE, style)
    tag(doc, "{%p else %}")
    table_block(doc, "Xếp hạng các tổ chức đảng đủ điều kiện khen thưởng", rt.RANKING, style)
    tag(doc, "{%p endif %}")

    heading(doc, "III. ĐÁNH GIÁ CHUNG", style)
    for part in ("1. Ưu điểm", "2. Hạn chế", "3. Nguyên nhân"):
        heading(doc, part, style, italic=True)
        dotted(doc, style)
    heading(doc, "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", style)
    loop(doc, "{%p for d in directions %}", lambda: body(doc, "- {{ d }}", style))
    dotted(doc, style, 2)
    signature(doc, style)
    return doc


# --- the reminder list ------------------------------------------------------------------------


def build_ds_chua_nop(style: DocStyle) -> Any:
    doc = db.new_document(style, title="Danh sách tổ chức đảng chưa nộp")
    header(doc, style)
    db.title(doc, "DANH SÁCH", ["tổ chức đảng chưa nộp {{ what }} ({{ form }})"], style=style)
    body(
        doc,
        "Tính đến ngày {{ as_of }}, còn {{ count }}/{{ total_units }} tổ chức đảng chưa"
        " nộp {{ what }} ({{ form }}); hạn nộp: {{ due }} ({{ left }}). Đề nghị các tổ"
        " chức đảng có tên dưới đây hoàn thành và gửi về {{ organ }}.",
        style,
    )
    data_table(doc, ds_chua_nop.MISSING, style)
    signature(doc, style)
    return doc


# --- all of them ----------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[DocStyle], Any]] = {
    "qd-cong-nhan.docx": build_qd_cong_nhan,
    "qd-khen-thuong.docx": build_qd_khen_thuong,
    "giay-khen.docx": build_giay_khen,
    "to-trinh-bang-khen.docx": build_to_trinh,
    "bao-cao-so-ket.docx": lambda s: build_bao_cao(s, "so-ket"),
    "bao-cao-tong-ket.docx": lambda s: build_bao_cao(s, "tong-ket"),
    "ds-chua-nop.docx": build_ds_chua_nop,
}


def build_all(outdir: Path = TEMPLATES_DIR, style: DocStyle | None = None) -> list[Path]:
    """Write every document template; files already holding the same bytes are left alone."""
    style = DocStyle.resolve(style)
    written = []
    for name, build in BUILDERS.items():
        path = Path(outdir) / name
        db.write_if_changed(path, db.docx_bytes(build(style)))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    for path in build_all():
        print(f"Đã dựng mẫu {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
