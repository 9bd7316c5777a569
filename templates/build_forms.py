"""Build the two returned forms of shared/spec/forms.md as docxtpl templates.

``python -m templates.build_forms`` (or :func:`build_all`) writes ``templates/mau-01-dk.docx``
and ``templates/mau-02-tdg.docx``; the same style and this file give the same bytes, so the
templates are committed and a rebuild shows in ``git diff`` only when something really changed.

Each label of forms.md prints word for word and in order, in its own table cell; its value sits
in the cell to the right inside a content control whose ``w:tag`` is the forms.md key and whose
``w:alias`` is the label.  Yes/no and Đạt/Không đạt values are two Word check boxes each, tagged
``<key>.co`` / ``<key>.khong`` and ``<key>.dat`` / ``<key>.khong_dat``.  The date line above the
signature is tagged ``signed_on``, the name under it ``secretary_name``.  Jinja variables (filled
by :mod:`bontot.forms`): ``superior``, ``issuer``, ``qr``, ``unit_code``, ``unit_name``,
``unit_kind``, ``parent_name``, ``members_total`` and, on Mẫu 02, ``year`` and ``title_year``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from docx.enum.text import WD_LINE_SPACING

from bontot import docbuild as db
from bontot.docstyle import DocStyle, TextSpec

TEMPLATES_DIR = Path(__file__).resolve().parent
Kind = Literal["text", "yesno", "rating", "free"]
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {  # kind -> (tag suffix, printed word)
    "yesno": (("co", "Có"), ("khong", "Không")),
    "rating": (("dat", "Đạt"), ("khong_dat", "Không đạt")),
}


@dataclass(frozen=True)
class Field:
    """One line of a form: its forms.md key, its label, and how its value is written."""

    key: str
    label: str
    kind: Kind = "text"
    var: str | None = None  # Jinja variable the roster pre-fills; None: left for the unit
    sub: bool = False  # a breakdown of the line above (printed indented)


@dataclass(frozen=True)
class Section:
    heading: str | None
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class FormDef:
    code: str  # forms.md value of form_code: "01-DK"
    printed_code: str  # "Mẫu 01-ĐK"
    file_name: str
    title: tuple[str, ...]
    sections: tuple[Section, ...]

    @property
    def fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields]


COMMON = (
    Field("unit_code", "Mã đơn vị", var="unit_code"),
    Field("unit_name", "Tên tổ chức đảng", var="unit_name"),
    Field("unit_kind", "Loại tổ chức", var="unit_kind"),
    Field("parent_name", "Trực thuộc", var="parent_name"),
)

MAU_01 = FormDef(
    code="01-DK",
    printed_code="Mẫu 01-ĐK",
    file_name="mau-01-dk.docx",
    title=(
        "PHIẾU ĐĂNG KÝ THI ĐUA",
        'XÂY DỰNG "CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" GIAI ĐOẠN 2022 - 2027',
    ),
    sections=(
        Section(
            None,
            (
                *COMMON,
                Field("unit_type", "Loại hình"),
                Field("members_total", "Tổng số đảng viên", var="members_total"),
                Field("sub_cells_total", "Số chi bộ trực thuộc"),
                Field("title_registered", "Đăng ký danh hiệu"),
                Field("admission_target", "Chỉ tiêu kết nạp đảng viên"),
            ),
        ),
        Section(
            "Cam kết thực hiện các tiêu chí",
            (
                Field("commit_t1", "1. Hoàn thành tốt nhiệm vụ chính trị", "free"),
                Field("commit_t2", "2. Chất lượng sinh hoạt tốt", "free"),
                Field("commit_t3", "3. Đoàn kết, kỷ luật tốt", "free"),
                Field("commit_t4", "4. Cán bộ, đảng viên tốt", "free"),
            ),
        ),
    ),
)

MAU_02 = FormDef(
    code="02-TDG",
    printed_code="Mẫu 02-TĐG",
    file_name="mau-02-tdg.docx",
    title=(
        "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN",
        '"CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" NĂM {{ title_year }}',
    ),
    sections=(
        Section(
            None,
            (
                *COMMON,
                Field("year", "Năm đánh giá", var="year"),
                Field("months_active", "Số tháng hoạt động trong năm"),
            ),
        ),
        Section(
            "Tiêu chí 1",
            (
                Field("t1_work_program", "Có chương trình, kế hoạch công tác năm", "yesno"),
                Field("t1_targets_assigned", "Số chỉ tiêu được giao"),
                Field("t1_targets_met", "Số chỉ tiêu đạt và vượt"),
                Field("t1_admission_target", "Chỉ tiêu kết nạp đảng viên trong năm"),
                Field("t1_admitted", "Số đảng viên kết nạp trong năm"),
                Field("t1_backlog_cases", "Số vụ việc tồn đọng, khiếu nại phức tạp, vượt cấp"),
                Field(
                    "t1_other_tasks",
                    "Thực hiện tốt công tác tư tưởng, tổ chức, kiểm tra, giám sát",
                    "yesno",
                ),
                Field("t1_self", "Tự đánh giá tiêu chí 1", "rating"),
            ),
        ),
        Section(
            "Tiêu chí 2",
            (
                Field("t2_regular_meetings", "Số kỳ sinh hoạt định kỳ đã tổ chức"),
                Field("t2_thematic_meetings", "Số kỳ sinh hoạt chuyên đề"),
                Field(
                    "t2_quality_ok",
                    "Chất lượng sinh hoạt đạt yêu cầu theo Hướng dẫn 06-HD/BTCTU",
                    "yesno",
                ),
                Field("t2_self", "Tự đánh giá tiêu chí 2", "rating"),
            ),
        ),
        Section(
            "Tiêu chí 3",
            (
                Field("t3_working_rules", "Có quy chế làm việc và thực hiện đúng quy chế", "yesno"),
                Field("t3_violations", "Số đảng viên vi phạm những điều đảng viên không được làm"),
                Field(
                    "t3_external_detection",
                    "Có vi phạm do báo chí, người dân phát hiện, phản ánh đúng sự việc",
                    "yesno",
                ),
                Field("t3_self", "Tự đánh giá tiêu chí 3", "rating"),
            ),
        ),
        Section(
            "Tiêu chí 4",
            (
                Field("t4_movement", "Tổ chức phong trào rèn luyện theo tiêu chí 04 tốt", "yesno"),
                Field("members_total", "Tổng số đảng viên", var="members_total"),
                Field("members_evaluated", "Số đảng viên được đánh giá, xếp loại"),
                Field("rated_excellent", "Hoàn thành xuất sắc nhiệm vụ", sub=True),
                Field("rated_good", "Hoàn thành tốt nhiệm vụ", sub=True),
                Field("rated_complete", "Hoàn thành nhiệm vụ", sub=True),
                Field("rated_incomplete", "Không hoàn thành nhiệm vụ", sub=True),
                Field("t4_self", "Tự đánh giá tiêu chí 4", "rating"),
            ),
        ),
        Section(
            "Dành cho đảng bộ cơ sở",
            (
                Field("sub_cells_total", "Tổng số chi bộ trực thuộc"),
                Field("sub_cells_four_good", 'Số chi bộ trực thuộc đạt "chi bộ bốn tốt"'),
            ),
        ),
        Section(
            "Danh hiệu và xếp loại",
            (
                Field("self_title", "Tự đánh giá danh hiệu bốn tốt", "rating"),
                Field("proposed_rating", "Đề nghị xếp loại"),
            ),
        ),
    ),
)

FORMS: dict[str, FormDef] = {"01": MAU_01, "02": MAU_02}
NBSP = "\u00a0"
SIGNER_TITLE = "BÍ THƯ"  # forms.md label "Bí thư", in the capitals of a Party signature block


def keep_together(text: str, phrase: str) -> str:
    """``phrase`` joined by no-break spaces, so a long title wraps before it, not inside it."""
    return text.replace(phrase, phrase.replace(" ", NBSP))


def build_form(form: FormDef, style: DocStyle | None = None) -> Any:
    """The python-docx document of one form template (not yet saved)."""
    style = DocStyle.resolve(style)
    doc = db.new_document(style, title=f"{form.printed_code} - {form.title[0]}")
    _code_and_qr(doc, form, style)
    db.party_header(doc, "{{ superior }}", "{{ issuer }}", None, None, style=style)
    titles = [keep_together(line, "GIAI ĐOẠN 2022 - 2027") for line in form.title]
    db.title(doc, titles[0], titles[1:], style=style)
    _fields_table(doc, form, style)
    db.spacer(doc, style.table.space_pt + 4)
    right = style.form.signature_right_mm
    sig = db.signature_block(
        doc,
        None,
        SIGNER_TITLE,
        "",
        date_line=style.form.date_line,
        widths_mm=(style.page.text_width() - right, right),
        style=style,
    )
    assert sig.date_line is not None
    db.paragraph_control(sig.date_line, "signed_on", "Địa danh, ngày tháng năm")
    db.mark_size(sig.signer, style.signature.signer.size_pt)
    db.paragraph_control(sig.signer, "secretary_name", "Bí thư")
    return doc


def _code_and_qr(doc: Any, form: FormDef, style: DocStyle) -> None:
    """Top right: the form code, and beside it the QR code (a docxtpl InlineImage, ``qr``)."""
    spec = style.form
    qr_cell_mm = spec.qr_size_mm + 5  # the image plus the cell's own margins
    t = db.table(doc, (style.page.text_width() - qr_cell_mm, qr_cell_mm))
    db.keep_row(t.rows[0], spec.qr_size_mm + 1)
    code_cell, qr_cell = t.rows[0].cells
    code_cell.vertical_alignment = qr_cell.vertical_alignment = None
    db.add_paragraph(code_cell, form.printed_code, spec.code, align=db.RIGHT)
    qr = db.add_paragraph(qr_cell, "{{ qr }}", TextSpec(size_pt=spec.code.size_pt), align=db.RIGHT)
    qr.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # the picture sets the height
    db.spacer(doc, 2)


def _fields_table(doc: Any, form: FormDef, style: DocStyle) -> None:
    spec, tspec = style.form, style.table
    text = TextSpec(size_pt=tspec.size_pt)
    heading = spec.section
    t = db.table(doc, (spec.label_width_mm, spec.value_width_mm), rows=0, border_pt=tspec.border_pt)

    def para(cell: Any, value: str, look: TextSpec = text, **kw: Any) -> Any:
        kw.setdefault("before_pt", tspec.space_pt)
        kw.setdefault("after_pt", tspec.space_pt)
        return db.add_paragraph(cell, value, look, line_pt=tspec.line_spacing_pt, **kw)

    for section in form.sections:
        if section.heading:
            row = t.add_row()
            db.keep_row(row)
            para(db.merge_row(row), section.heading, heading, keep_with_next=True)
        for field in section.fields:
            if field.kind == "free":
                _free_text(t, field, para, style)
                continue
            row = t.add_row()
            db.keep_row(row, tspec.row_min_height_mm)
            label, value = row.cells
            indent = spec.sub_label_indent_mm if field.sub else 0
            para(label, field.label, indent_mm=indent)
            _value(value, field, para, style)
            db.block_control(value, field.key, field.label)


def _value(cell: Any, field: Field, para: Any, style: DocStyle) -> None:
    if field.kind in CHOICES:
        p = para(cell, "")
        gap = style.form.checkbox_gap
        for i, (suffix, word) in enumerate(CHOICES[field.kind]):
            if i:
                db.add_text(p, gap, TextSpec(size_pt=style.table.size_pt))
            db.checkbox(p, f"{field.key}.{suffix}", word, style=style)
            db.add_text(p, f" {word}", TextSpec(size_pt=style.table.size_pt))
        return
    p = para(cell, f"{{{{ {field.var} }}}}" if field.var else "")
    db.mark_size(p, style.table.size_pt)


def _free_text(t: Any, field: Field, para: Any, style: DocStyle) -> None:
    """A heading row with the label, then a full-width row for the unit's own text."""
    head = t.add_row()
    db.keep_row(head)
    para(db.merge_row(head), field.label, keep_with_next=True)
    body = t.add_row()
    db.keep_row(body, style.form.free_text_min_height_mm)
    cell = db.merge_row(body)
    db.mark_size(para(cell, ""), style.table.size_pt)
    db.block_control(cell, field.key, field.label)


def build_all(
    outdir: Path = TEMPLATES_DIR,
    style: DocStyle | None = None,
    forms: Sequence[FormDef] = (MAU_01, MAU_02),
) -> list[Path]:
    """Write every form template; files already holding the same bytes are left alone."""
    style = DocStyle.resolve(style)
    written = []
    for form in forms:
        path = Path(outdir) / form.file_name
        db.write_if_changed(path, db.docx_bytes(build_form(form, style)))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    for path in build_all():
        print(f"Đã dựng mẫu {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
