"""parsers.fields / parsers.labels: fields found by label in Layouts built here, in code.

Each layout is one a unit could send back: our labels in a two-column table, "label: value"
paragraphs, PDF lines with boxes, retyped with other case, accents, wrapping and numbering.  The
worst outcome is a wrong value read with high confidence, so every ambiguous layout below must
come back unread or with ``needs_review``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bontot.errors import BontotError
from bontot.models import ASSESSMENT_LABELS
from bontot.text import fold, normalize_tone_placement
from parsers.base import FieldValue, Layout, ParsedForm, TextBlock
from parsers.fields import REVIEW_BAR, REVIEW_KEYS, extract_forms
from parsers.labels import (
    FORM_01,
    FORM_02,
    FUZZY_EDITS,
    PASS_FAIL,
    YES_NO,
    allowed_edits,
    closest_labels,
    label_distance,
    read_choice,
    read_int,
    table_for,
)

# --- a complete Mẫu 02 and the layouts it can come back in ---------------------------------------

COMMON = [
    ("Mã đơn vị", "CB-001", "unit_code", "CB-001"),
    ("Tên tổ chức đảng", "Chi bộ Thôn Làng Mầm", "unit_name", "Chi bộ Thôn Làng Mầm"),
    ("Loại tổ chức", "Chi bộ", "unit_kind", "chi_bo"),
    ("Trực thuộc", "Đảng bộ xã Ba Thành", "parent_name", "Đảng bộ xã Ba Thành"),
]
PRINTED_02 = {
    "year": ("2024", 2024), "months_active": ("12", 12),
    "t1_work_program": ("☒ Có ☐ Không", True), "t1_targets_assigned": ("10", 10),
    "t1_targets_met": ("10", 10), "t1_admission_target": ("1", 1), "t1_admitted": ("2", 2),
    "t1_backlog_cases": ("0", 0), "t1_other_tasks": ("Có", True), "t1_self": ("Đạt", True),
    "t2_regular_meetings": ("12", 12), "t2_thematic_meetings": ("4", 4),
    "t2_quality_ok": ("Có", True), "t2_self": ("Đạt", True), "t3_working_rules": ("Có", True),
    "t3_violations": ("0", 0), "t3_external_detection": ("☐ Có ☒ Không", False),
    "t3_self": ("Không đạt", False), "t4_movement": ("Có", True),
    "members_total": ("20", 20), "members_evaluated": ("19", 19),
    "rated_excellent": ("4", 4), "rated_good": ("15", 15), "rated_complete": ("0", 0),
    "rated_incomplete": ("0", 0), "t4_self": ("Đạt", True), "self_title": ("Đạt", True),
    "proposed_rating": ("Hoàn thành tốt nhiệm vụ", "hoan_thanh_tot"),
}  # fmt: skip
ROWS_02 = COMMON + [(ASSESSMENT_LABELS[k], p, k, v) for k, (p, v) in PRINTED_02.items()]
EXPECTED_02 = {key: value for _, _, key, value in ROWS_02}
HEAD_02 = ["Mẫu 02-TĐG", "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN",
           '"CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" NĂM 2024']
FOOT = ["Ba Thành, ngày 12 tháng 11 năm 2024", "T/M CHI BỘ", "BÍ THƯ", "(Ký, ghi rõ họ tên)",
        "Nguyễn Văn An"]

Rows = list[tuple[str, str]]


def rows_of(rows: list[tuple[str, str, str, object]], **changes: str) -> Rows:
    """(label, printed value) rows; ``changes`` replace the printed value of a key."""
    return [(label, changes.get(key, printed)) for label, printed, key, _ in rows]


def table_blocks(rows: Rows, table: int = 0, page: int = 0) -> list[TextBlock]:
    out = []
    for r, (label, value) in enumerate(rows):
        out.append(TextBlock(label, page=page, table=table, row=r, col=0, kind="cell"))
        out.append(TextBlock(value, page=page, table=table, row=r, col=1, kind="cell"))
    return out


def paragraphs(texts: list[str], page: int = 0) -> list[TextBlock]:
    return [TextBlock(t, page=page) for t in texts]


def table_layout(rows: Rows, head: list[str] = HEAD_02, foot: list[str] = FOOT) -> Layout:
    return Layout("docx", tuple(paragraphs(head) + table_blocks(rows) + paragraphs(foot)))


def paragraph_layout(rows: Rows, sep: str = ": ", head: list[str] = HEAD_02) -> Layout:
    texts = [f"{label}{sep}{value}" for label, value in rows]
    return Layout("docx", tuple(paragraphs(head + texts + FOOT)))


def pdf_blocks(rows: Rows, below: bool = False, page: int = 0, conf: float = 1.0,
               head: list[str] = HEAD_02) -> list[TextBlock]:
    """PDF-like lines with boxes: the value right on the label's baseline, or on the next line."""
    out, y = [], 40.0

    def line(text: str, x0: float, top: float, width: float) -> TextBlock:
        return TextBlock(text, page=page, bbox=(x0, top, x0 + width, top + 11), kind="line",
                         confidence=conf)

    for text in head:
        out.append(line(text, 150, y, 300))
        y += 16
    for label, value in rows:
        out.append(line(f"{label}:", 50, y, 4.5 * len(label)))
        if below:
            y += 14
            out.append(line(value, 60, y, 5 * len(value)))
        else:
            out.append(line(value, 420, y + 0.8, 5 * len(value)))
        y += 18
    for text in FOOT:
        out.append(line(text, 330, y, 180))
        y += 16
    return out


def only(layout: Layout) -> ParsedForm:
    forms = extract_forms(layout)
    assert len(forms) == 1, [f.to_json() for f in forms]
    return forms[0]


def values(form: ParsedForm) -> dict[str, object]:
    return {k: v.value for k, v in form.fields.items()}


def messages(form: ParsedForm, key: str | None = None) -> list[str]:
    return [p.message for p in form.problems if key is None or p.field == key]


def assert_complete_02(form: ParsedForm, least: float) -> None:
    got = values(form)
    for key, value in EXPECTED_02.items():
        assert got.get(key) == value, (key, got.get(key), messages(form))
        assert type(got[key]) is type(value), key
        assert form.fields[key].confidence >= least, (key, form.fields[key])
    assert got["signed_on"] == dt.date(2024, 11, 12)
    assert got["signed_place"] == "Ba Thành"
    assert got["secretary_name"] == "Nguyễn Văn An"
    assert form.form_code == FORM_02 and got["form_code"] == FORM_02


# --- complete forms, each layout ---------------------------------------------------------------


def test_two_column_table_reads_every_key_with_its_type() -> None:
    form = only(table_layout(rows_of(ROWS_02)))
    assert_complete_02(form, 0.98)
    assert form.fields["members_total"].confidence == pytest.approx(0.98)
    assert not form.needs_review and form.problems == ()
    assert form.to_json()["fields"]["signed_on"]["value"] == "2024-11-12"


@pytest.mark.parametrize("sep", [": ", ":", " : ", ":\t", "\t", ": ……", "..........: "])
def test_label_value_paragraphs(sep: str) -> None:
    form = only(paragraph_layout(rows_of(ROWS_02), sep=sep))
    assert_complete_02(form, 0.95)
    assert not form.needs_review, messages(form)


def test_pdf_lines_value_right_on_the_baseline() -> None:
    form = only(Layout("pdf-text", tuple(pdf_blocks(rows_of(ROWS_02)))))
    assert_complete_02(form, 0.95)
    assert not form.needs_review, messages(form)


def test_pdf_lines_value_on_the_next_line_is_read_but_reviewed() -> None:
    form = only(Layout("pdf-text", tuple(pdf_blocks(rows_of(ROWS_02), below=True))))
    assert_complete_02(form, 0.85)
    assert form.fields["t1_admitted"].confidence == pytest.approx(0.85)
    assert form.needs_review
    assert any("Chưa chắc chắn “Số đảng viên kết nạp trong năm”" in m for m in messages(form))


def test_pdf_lines_given_out_of_order_are_read_in_rows() -> None:
    blocks = pdf_blocks(rows_of(ROWS_02))
    form = only(Layout("pdf-text", tuple(reversed(blocks))))
    assert_complete_02(form, 0.95)


def test_ocr_words_are_grouped_into_lines() -> None:
    words = []
    for block in pdf_blocks(rows_of(ROWS_02), conf=0.97):
        assert block.bbox is not None
        x0, top, x1, bottom = block.bbox
        parts = block.text.split()
        step = (x1 - x0) / len(parts)
        for i, part in enumerate(parts):
            box = (x0 + i * step, top, x0 + (i + 1) * step - 2, bottom)
            words.append(TextBlock(part, bbox=box, kind="word", confidence=block.confidence))
    form = only(Layout("pdf-scan", tuple(words)))
    assert_complete_02(form, 0.9)
    assert form.fields["members_total"].confidence == pytest.approx(0.95 * 0.97)


# --- labels as units retype them ----------------------------------------------------------------


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def no_marks(s: str) -> str:
    return "".join(c for c in nfd(s) if not unicodedata.combining(c)).replace("đ", "d") \
        .replace("Đ", "D")


LABEL_STYLES: dict[str, Callable[[str], str]] = {
    "nfd": nfd,
    "old tone placement": lambda s: normalize_tone_placement(s, "old"),
    "upper": str.upper,
    "no diacritics": no_marks,
    "extra spaces": lambda s: "  " + "   ".join(s.split()) + "  ",
    "trailing colon": lambda s: s + " :",
    "numbered": lambda s: "1. " + s,
    "lettered": lambda s: "a) " + s,
    "dash": lambda s: "- " + s,
    "curly quotes": lambda s: s.replace('"', "\u201c", 1).replace('"', "\u201d", 1),
    "multi-level numbering": lambda s: "2.3 " + s,
    "trong đó": lambda s: "- Trong đó: " + s,
}


@pytest.mark.parametrize("style", list(LABEL_STYLES))
def test_labels_in_every_spelling(style: str) -> None:
    change = LABEL_STYLES[style]
    rows = [(change(label), value) for label, value in rows_of(ROWS_02)]
    form = only(table_layout(rows))
    assert_complete_02(form, 0.98)


def test_old_tone_placement_in_a_label_and_value_kept_as_written() -> None:
    rows = [("Cấp uỷ cấp trên", "Đảng uỷ xã Hoà Bình"), ("Mã đơn vị", "CB-1")]
    got = values(only(table_layout(rows)))
    assert got["parent_name"] == "Đảng uỷ xã Hoà Bình"


def test_nfd_value_comes_back_nfc() -> None:
    got = values(only(table_layout([("Tên tổ chức đảng", nfd("Chi bộ Thôn Hòa Bình"))])))
    assert got["unit_name"] == "Chi bộ Thôn Hòa Bình"


@pytest.mark.parametrize(
    "blocks",
    [
        [TextBlock("Số vụ việc tồn đọng, khiếu nại phức tạp,\nvượt cấp: 3")],
        [TextBlock("Số vụ việc tồn đọng, khiếu nại phức tạp,"), TextBlock("vượt cấp: 3")],
        [TextBlock("Số vụ việc tồn đọng, khiếu nại\nphức tạp, vượt cấp", table=0, row=0, col=0),
         TextBlock("3", table=0, row=0, col=1)],
        [TextBlock("Số vụ việc tồn đọng, khiếu nại phức", bbox=(50, 100, 250, 111)),
         TextBlock("tạp, vượt cấp", bbox=(50, 113, 120, 124)),
         TextBlock("3", bbox=(400, 101, 406, 112))],
    ],
    ids=["line break", "two paragraphs", "wrapped cell", "pdf lines"],
)
def test_label_wrapped_over_two_lines(blocks: list[TextBlock]) -> None:
    form = only(Layout("docx", tuple(paragraphs(HEAD_02) + blocks)))
    assert values(form)["t1_backlog_cases"] == 3


def test_label_wrapped_where_its_start_is_another_label() -> None:
    blocks = paragraphs(HEAD_02 + ["Số chi bộ trực thuộc", 'đạt "chi bộ bốn tốt": 4'])
    got = values(only(Layout("docx", tuple(blocks))))
    assert got.get("sub_cells_four_good") == 4 and "sub_cells_total" not in got


# --- labels that must never be taken for one another ---------------------------------------------

NEAR_LABELS = [
    ("Tiêu chí 1. Hoàn thành tốt nhiệm vụ chính trị", None),
    ("1. Hoàn thành tốt nhiệm vụ chính trị", None),
    ("TIÊU CHÍ 1: HOÀN THÀNH TỐT NHIỆM VỤ CHÍNH TRỊ", None),
    ("Hoàn thành tốt nhiệm vụ chính trị: 5/5 chỉ tiêu", None),
    ("Hoàn thành tốt nhiệm vụ: 12", "rated_good"),
    ("Hoàn thành nhiệm vụ: 12", "rated_complete"),
    ("Không hoàn thành nhiệm vụ: 12", "rated_incomplete"),
    ("Hoàn thành xuất sắc nhiệm vụ: 12", "rated_excellent"),
    ("Tổng số đảng viên: 12", "members_total"),
    ("Số đảng viên được đánh giá, xếp loại: 12", "members_evaluated"),
    ("Số đảng viên kết nạp trong năm: 12", "t1_admitted"),
    ("Chỉ tiêu kết nạp đảng viên trong năm: 12", "t1_admission_target"),
    ("Tổng số chi bộ trực thuộc: 12", "sub_cells_total"),
    ('Số chi bộ trực thuộc đạt "chi bộ bốn tốt": 12', "sub_cells_four_good"),
    ("Số chi bộ trực thuộc đạt bốn tốt: 12", "sub_cells_four_good"),
    ("Tổng số đảng viên được đánh giá: 12", None),  # runs on past the label: no label
    ("Số đảng viên vi phạm những điều đảng viên không được làm: 12", "t3_violations"),
    ("Số chỉ tiêu đạt và vượt: 12", "t1_targets_met"),
    ("Số chỉ tiêu được giao: 12", "t1_targets_assigned"),
    ("Tự đánh giá tiêu chí 2: Đạt", "t2_self"),
    ("Chất lượng sinh hoạt tốt", None),
    ("Chất lượng sinh hoạt đạt yêu cầu: Có", "t2_quality_ok"),
    ("Phấn đấu hoàn thành nhiệm vụ: 12", None),
    ("☒ Hoàn thành tốt nhiệm vụ", None),
]


@pytest.mark.parametrize(("text", "key"), NEAR_LABELS)
def test_each_line_matches_its_own_label_or_none(text: str, key: str | None) -> None:
    m = table_for(FORM_02).match(text)
    assert (m.spec.key if m else None) == key


def test_near_labels_side_by_side_each_get_their_own_value() -> None:
    one_per_key = {k: t for t, k in reversed(NEAR_LABELS) if k and t.endswith("12")}
    lines = list(one_per_key.values())
    texts = [t.replace(": 12", f": {n}") for n, t in enumerate(lines, start=1)]
    got = values(only(Layout("docx", tuple(paragraphs(HEAD_02 + texts)))))
    for n, text in enumerate(texts, start=1):
        key = table_for(FORM_02).match(text).spec.key  # type: ignore[union-attr]
        assert got[key] == n, (text, got)


def test_section_heading_is_not_the_field_under_it() -> None:
    rows = [("Tiêu chí 1. Hoàn thành tốt nhiệm vụ chính trị", ""), ("Hoàn thành tốt nhiệm vụ", "7")]
    got = values(only(table_layout(rows)))
    assert got["rated_good"] == 7


def test_heading_alone_on_its_line_does_not_take_the_line_below() -> None:
    blocks = paragraphs(HEAD_02 + ["Hoàn thành tốt nhiệm vụ chính trị", "15"])
    assert "rated_good" not in values(only(Layout("docx", tuple(blocks))))


def test_labels_are_far_apart_and_ocr_tolerance_cannot_bridge_them() -> None:
    for code in (FORM_01, FORM_02, None):
        closest = closest_labels(code)
        assert closest.distance >= 3, closest
        assert closest.margin >= 1, closest
    assert 2 * FUZZY_EDITS < closest_labels(FORM_02).distance


def test_distance_never_forgives_a_digit() -> None:
    assert label_distance("tu danh gia tieu chi 1", "tu danh gia tieu chi 2") > 100
    assert label_distance("tong so dang vien", "tong so dang vlen") == 1
    assert allowed_edits("ma don vi") == 0


def test_ocr_label_with_a_wrong_letter_matches_only_when_the_reader_was_unsure() -> None:
    text = "Số chỉ tiêu đưọc giao: 10".replace("được", "đuợc").replace("giao", "qiao")
    sure = TextBlock(text)
    unsure = TextBlock(text, confidence=0.96)
    assert "t1_targets_assigned" not in values(only(Layout("docx", (sure,))))
    form = only(Layout("pdf-scan", tuple(paragraphs(HEAD_02)) + (unsure,)))
    field = form.fields["t1_targets_assigned"]
    assert field.value == 10 and field.confidence < 0.95 * 0.96


def test_ocr_slip_on_a_digit_never_moves_a_value_to_another_criterion() -> None:
    block = TextBlock("Tự đánh giá tiêu chí 7: Đạt", confidence=0.5)
    got = values(only(Layout("pdf-scan", tuple(paragraphs(HEAD_02)) + (block,))))
    assert not {"t1_self", "t2_self", "t3_self", "t4_self"} & set(got)


# --- check boxes and options ---------------------------------------------------------------------


def yes_no_form(*cells: TextBlock, label: str = ASSESSMENT_LABELS["t1_work_program"]) -> ParsedForm:
    label_cell = TextBlock(label, table=0, row=0, col=0, kind="cell")
    return only(Layout("docx", tuple(paragraphs(HEAD_02)) + (label_cell, *cells)))


def cell(text: str, col: int = 1, row: int = 0, **kw: object) -> TextBlock:
    return TextBlock(text, table=0, row=row, col=col, kind="cell", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("☒ Có ☐ Không", True), ("☐ Có ☒ Không", False), ("Có ☒   Không ☐", True),
        ("[x] Có [ ] Không", True), ("☑ Có □ Không", True), ("■ Có □ Không", True),
        ("Có", True), ("Không", False), ("KHÔNG", False), ("☒ Có", True),
    ],
)
def test_one_option_ticked_or_written(text: str, expected: bool) -> None:
    form = yes_no_form(cell(text))
    assert values(form)["t1_work_program"] is expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("☒ Có ☒ Không", "cả “Có” và “Không” đều được đánh dấu"),
        ("☐ Có ☐ Không", "không ô nào được đánh dấu"),
        ("Có / Không", "không rõ đã chọn “Có” hay “Không”"),
        ("Có Không", "không rõ đã chọn “Có” hay “Không”"),
        ("☒ Có ☐ Không ☐ Chưa", "không nhận ra lựa chọn “Chưa”"),
        ("Đạt", "“Đạt” không phải là “Có” hay “Không”"),
    ],
)
def test_both_neither_or_unclear_is_unreadable_never_guessed(text: str, why: str) -> None:
    form = yes_no_form(cell(text))
    field = form.fields["t1_work_program"]
    assert field.value is None and field.confidence == 0.0 and field.raw
    label = ASSESSMENT_LABELS["t1_work_program"]
    assert f"Không đọc được “{label}”: {why}." in messages(form, "t1_work_program")
    assert form.needs_review


def test_options_in_their_own_cells_with_w14_check_boxes() -> None:
    form = yes_no_form(cell("Có", checked=False), cell("Không", col=2, checked=True))
    assert values(form)["t1_work_program"] is False
    both = yes_no_form(cell("Có", checked=True), cell("Không", col=2, checked=True))
    assert both.fields["t1_work_program"].value is None and both.needs_review


def test_w14_check_box_controls_tagged_with_the_key_and_option() -> None:
    blocks = paragraphs(HEAD_02) + [
        TextBlock("Tự đánh giá tiêu chí 1: ☐ Đạt ☒ Không đạt"),
        TextBlock("☐", control="t1_self=dat", checked=False),
        TextBlock("☒", control="t1_self=khong_dat", checked=True),
    ]
    field = only(Layout("docx", tuple(blocks))).fields["t1_self"]
    assert field.value is False and field.confidence == 1.0


def test_lone_check_box_control_unticked_is_not_trusted() -> None:
    blocks = paragraphs(HEAD_02) + [TextBlock("☐", control="t4_movement", checked=False)]
    form = only(Layout("docx", tuple(blocks)))
    assert form.fields["t4_movement"].value is False
    assert form.fields["t4_movement"].confidence < REVIEW_BAR and form.needs_review


def test_options_listed_under_the_label_one_per_line() -> None:
    blocks = paragraphs(HEAD_02 + ["Đề nghị xếp loại:", "☐ Hoàn thành xuất sắc nhiệm vụ",
                                   "☒ Hoàn thành tốt nhiệm vụ", "☐ Hoàn thành nhiệm vụ",
                                   "☐ Không hoàn thành nhiệm vụ", "Hoàn thành tốt nhiệm vụ: 15"])
    got = values(only(Layout("docx", tuple(blocks))))
    assert got["proposed_rating"] == "hoan_thanh_tot" and got["rated_good"] == 15


def test_marks_under_a_header_row_of_options() -> None:
    blocks = paragraphs(HEAD_02) + [
        cell("Nội dung", col=0), cell("Đạt", col=1), cell("Không đạt", col=2),
        cell("Tự đánh giá tiêu chí 1", row=1, col=0), cell("x", row=1), cell("", row=1, col=2),
        cell("Tự đánh giá tiêu chí 2", row=2, col=0), cell("", row=2), cell("X", row=2, col=2),
        cell("Tự đánh giá tiêu chí 3", row=3, col=0), cell("x", row=3), cell("x", row=3, col=2),
    ]
    form = only(Layout("docx", tuple(blocks)))
    got = values(form)
    assert got["t1_self"] is True and got["t2_self"] is False and got["t3_self"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Đạt", True), ("Không đạt", False), ("KHÔNG ĐẠT", False), ("không  đạt.", False),
     ("☐ Đạt ☒ Không đạt", False), ("☒ Đạt ☐ Không đạt", True), ("Khong dat", False)],
)
def test_khong_dat_is_never_dat(text: str, expected: bool) -> None:
    assert read_choice(PASS_FAIL, text).option == ("Đạt" if expected else "Không đạt")
    form = yes_no_form(cell(text), label="Tự đánh giá danh hiệu bốn tốt")
    assert values(form)["self_title"] is expected


def test_read_choice_whole_options_only() -> None:
    assert read_choice(YES_NO, "Không có").option is None
    assert read_choice(YES_NO, "Có (đã ban hành)").quality < REVIEW_BAR
    assert read_choice(YES_NO, "").blank and read_choice(YES_NO, "……").blank


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "clean"),
    [("12", 12, True), ("12 đồng chí", 12, True), ("12 (mười hai)", 12, True),
     ("12 đ/c", 12, True), ("05", 5, True), ("1.200", 1200, True),
     ("Có 12", 12, False), ("mười hai", 12, False), ("hai mươi mốt", 21, False)],
)
def test_numbers_as_units_write_them(text: str, value: int, clean: bool) -> None:
    field = only(table_layout([("Tổng số đảng viên", text)])).fields["members_total"]
    assert field.value == value and type(field.value) is int
    assert (field.confidence >= REVIEW_BAR) is clean


@pytest.mark.parametrize(
    "text", ["10/12", "10 - 12", "10 hoặc 12", "năm 2023 giao 10 chỉ tiêu", "1,5", "12 (mười ba)",
             "-3", "mười hai phần trăm", "50%", "2O", "l2", "1O đồng chí"],
)
def test_two_numbers_or_no_clean_number_is_unreadable(text: str) -> None:
    form = only(table_layout(rows_of(ROWS_02, t1_targets_assigned=text)))
    field = form.fields["t1_targets_assigned"]
    assert field.value is None and field.raw == text
    assert form.needs_review
    assert any(m.startswith("Không đọc được “Số chỉ tiêu được giao”") for m in messages(form))


def test_read_int_never_picks_a_digit_out_of_a_sentence() -> None:
    assert read_int("Chi bộ có 2 chi ủy viên và 12 đảng viên").value is None
    assert read_int("12").value == 12


def test_months_out_of_range_is_unreadable() -> None:
    form = only(table_layout(rows_of(ROWS_02, months_active="13")))
    assert form.fields["months_active"].value is None and form.needs_review


# --- blanks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "……", "..........", "______", " ", "(ghi số)"])
def test_a_blank_field_is_absent(blank: str) -> None:
    form = only(table_layout(rows_of(ROWS_02, t2_thematic_meetings=blank, months_active=blank)))
    assert "t2_thematic_meetings" not in form.fields
    assert "months_active" not in form.fields  # blank is fine: the rules take 12
    assert form.needs_review
    assert messages(form, "t2_thematic_meetings") == ["Thiếu “Số kỳ sinh hoạt chuyên đề”."]
    assert messages(form, "months_active") == []


def test_blank_label_line_does_not_take_the_next_label_as_its_value() -> None:
    texts = HEAD_02 + ["Tổng số đảng viên:", "Số đảng viên được đánh giá, xếp loại: 19"]
    got = values(only(Layout("docx", tuple(paragraphs(texts)))))
    assert "members_total" not in got and got["members_evaluated"] == 19


def test_blank_value_cell_does_not_look_below() -> None:
    rows = [("Tổng số đảng viên", ""), ("20", "")]
    assert "members_total" not in values(only(table_layout(rows)))


# --- the form's own marks: QR code, form code, title year, content controls -----------------------


def test_qr_decides_and_a_disagreeing_printed_unit_code_is_an_error_naming_both() -> None:
    layout = replace_layout(table_layout(rows_of(ROWS_02)), qr=((0, "BT1|02-TDG|CB-777|2024"),))
    form = only(layout)
    assert form.fields["unit_code"].value == "CB-777" and form.qr == "BT1|02-TDG|CB-777|2024"
    errors = [p for p in form.problems if p.field == "unit_code" and p.level == "error"]
    assert len(errors) == 1 and "CB-001" in errors[0].message and "CB-777" in errors[0].message
    assert form.needs_review


def test_qr_agreeing_with_the_printed_form_is_quiet() -> None:
    form = only(replace_layout(table_layout(rows_of(ROWS_02)),
                               qr=((0, "BT1|02-TDG|CB-001|2024"),)))
    assert not form.needs_review and form.problems == ()
    assert form.fields["form_code"].confidence == 1.0


def test_qr_of_the_other_form_and_year_disagreeing_are_errors() -> None:
    form = only(replace_layout(table_layout(rows_of(ROWS_02)),
                               qr=((0, "BT1|01-DK|CB-001|2022-2027"),)))
    assert form.form_code == FORM_01
    assert any("Mã QR ghi Mẫu 01-ĐK" in m for m in messages(form, "form_code"))
    year = only(replace_layout(table_layout(rows_of(ROWS_02)),
                               qr=((0, "BT1|02-TDG|CB-001|2023"),)))
    assert any("2023" in m and "2024" in m for m in messages(year, "year"))
    assert year.needs_review


def test_malformed_qr_is_ignored_with_a_warning() -> None:
    form = only(replace_layout(table_layout(rows_of(ROWS_02)), qr=((0, "https://example.org"),)))
    assert form.fields["unit_code"].value == "CB-001"
    assert any("không đúng dạng" in m for m in messages(form))


def replace_layout(layout: Layout, qr: tuple[tuple[int, str], ...]) -> Layout:
    return Layout(layout.source, layout.blocks, layout.pages, qr)


def test_year_from_the_title_alone_and_a_disagreeing_label_is_unreadable() -> None:
    rows = [r for r in rows_of(ROWS_02) if r[0] != "Năm đánh giá"]
    assert values(only(table_layout(rows)))["year"] == 2024
    clash = only(table_layout(rows_of(ROWS_02, year="2023")))
    assert clash.fields["year"].value is None and clash.needs_review
    assert any("2023" in m and "2024" in m for m in messages(clash, "year"))


def test_content_control_tagged_with_the_key_is_most_trusted() -> None:
    blocks = paragraphs(HEAD_02) + [
        TextBlock("Số chỉ tiêu được giao: 10"),
        TextBlock("10", control="t1_targets_assigned"),
        TextBlock("7", control="t1_targets_met"),
    ]
    form = only(Layout("docx", tuple(blocks)))
    assert form.fields["t1_targets_assigned"].confidence == 1.0
    assert form.fields["t1_targets_met"].value == 7


def test_content_control_and_printed_value_that_disagree_are_unreadable() -> None:
    blocks = paragraphs(HEAD_02) + [
        TextBlock("Số chỉ tiêu được giao: 10 chỉ tiêu, đạt 9"),
        TextBlock("Tổng số đảng viên: 20"),
        TextBlock("21", control="members_total"),
    ]
    form = only(Layout("docx", tuple(blocks)))
    assert form.fields["members_total"].value is None and form.needs_review


def test_form_without_code_or_title_is_told_by_its_labels_and_reviewed() -> None:
    form = only(table_layout(rows_of(ROWS_02), head=[]))
    assert form.form_code == FORM_02 and form.fields["form_code"].confidence < REVIEW_BAR
    assert form.needs_review
    bare = only(table_layout([("Tên tổ chức đảng", "Chi bộ A")], head=[]))
    assert bare.form_code is None and bare.needs_review


# --- several forms in one file --------------------------------------------------------------------


def test_a_stack_of_forms_is_split_with_their_pages() -> None:
    first = pdf_blocks(rows_of(ROWS_02), page=0)
    second = pdf_blocks(rows_of(ROWS_02, members_total="31"), page=1) + [
        TextBlock("(tiếp theo)", page=2, bbox=(50, 40, 120, 51)),
        TextBlock("Số kỳ sinh hoạt chuyên đề: 5", page=2, bbox=(50, 60, 250, 71)),
    ]
    second = [b for b in second if not b.text.startswith("Số kỳ sinh hoạt chuyên đề")
              or b.page == 2]
    layout = Layout("pdf-text", tuple(first + second), pages=3,
                    qr_payloads=((0, "BT1|02-TDG|CB-001|2024"), (1, "BT1|02-TDG|CB-002|2024")))
    forms = extract_forms(layout)
    assert [f.pages for f in forms] == [(0,), (1, 2)]
    assert [f.fields["unit_code"].value for f in forms] == ["CB-001", "CB-002"]
    assert [values(f)["members_total"] for f in forms] == [20, 31]
    assert values(forms[1])["t2_thematic_meetings"] == 5


def test_two_forms_in_one_word_file_split_at_the_second_header() -> None:
    one = paragraph_layout(rows_of(ROWS_02)).blocks
    two = paragraph_layout(rows_of(ROWS_02, unit_code="CB-002")).blocks
    unit_header = (TextBlock("CHI BỘ THÔN HAI"),)
    forms = extract_forms(Layout("docx", one + unit_header + two))
    assert [values(f)["unit_code"] for f in forms] == ["CB-001", "CB-002"]
    assert [values(f)["secretary_name"] for f in forms] == ["Nguyễn Văn An"] * 2
    assert all(not f.needs_review for f in forms)


def test_a_registration_and_an_assessment_together() -> None:
    blocks = list(registration_blocks()) + paragraphs(
        HEAD_02 + [f"{label}: {value}" for label, value in rows_of(ROWS_02)] + FOOT)
    forms = extract_forms(Layout("docx", tuple(blocks)))
    assert [f.form_code for f in forms] == [FORM_01, FORM_02]


# --- Mẫu 01-ĐK -----------------------------------------------------------------------------------

COMMIT_T1 = "- Lãnh đạo hoàn thành 100% chỉ tiêu được giao.\n- Không có vụ việc tồn đọng."


def registration_blocks() -> tuple[TextBlock, ...]:
    texts = [
        "Mẫu 01-ĐK", "PHIẾU ĐĂNG KÝ THI ĐUA",
        'XÂY DỰNG "CHI BỘ BỐN TỐT", "ĐẢNG BỘ CƠ SỞ BỐN TỐT" GIAI ĐOẠN 2022 - 2027',
        "Mã đơn vị: CB-001", "Tên tổ chức đảng: Chi bộ Thôn Làng Mầm", "Loại tổ chức: Chi bộ",
        "Trực thuộc: Đảng bộ xã Ba Thành", "Loại hình: ☒ Thôn, tổ dân phố ☐ Cơ quan",
        "Tổng số đảng viên: 20", "Số chi bộ trực thuộc: 0",
        "Đăng ký danh hiệu: “Chi bộ bốn tốt”", "Chỉ tiêu kết nạp đảng viên: 5 đồng chí",
        "1. Hoàn thành tốt nhiệm vụ chính trị", *COMMIT_T1.split("\n"),
        "2. Chất lượng sinh hoạt tốt: Sinh hoạt đủ 12 kỳ mỗi năm.",
        "3. Đoàn kết, kỷ luật tốt", "Không có đảng viên vi phạm.", "",
        "4. Cán bộ, đảng viên tốt",
        "Phấn đấu 100% đảng viên hoàn thành nhiệm vụ trở lên; chú trọng đảng viên trẻ.",
        "Ba Thành, ngày 20 tháng 11 năm 2022", "T/M CHI BỘ", "BÍ THƯ", "Nguyễn Văn An",
    ]
    return tuple(TextBlock(t) for t in texts)


def test_registration_with_its_commitments_kept_as_written() -> None:
    form = only(Layout("docx", registration_blocks()))
    got = values(form)
    assert form.form_code == FORM_01
    assert got["unit_type"] == "thon_to_dan_pho" and got["title_registered"] == "chi_bo_bon_tot"
    assert got["members_total"] == 20 and got["sub_cells_total"] == 0
    assert got["admission_target"] == 5
    assert got["commit_t1"] == COMMIT_T1
    assert got["commit_t2"] == "Sinh hoạt đủ 12 kỳ mỗi năm."
    assert got["commit_t3"] == "Không có đảng viên vi phạm."
    assert got["commit_t4"].startswith("Phấn đấu 100% đảng viên hoàn thành nhiệm vụ")
    assert got["signed_on"] == dt.date(2022, 11, 20)
    assert "rated_complete" not in got


def test_registration_commitments_in_a_table() -> None:
    blocks = registration_blocks()[:3] + (
        cell("1. Hoàn thành tốt nhiệm vụ chính trị", col=0), cell(COMMIT_T1),
        cell("Tiêu chí 2. Chất lượng sinh hoạt tốt", row=1, col=0, col_span=2),
        cell("Sinh hoạt đủ 12 kỳ.", row=2, col=0, col_span=2),
    )
    got = values(only(Layout("docx", blocks)))
    assert got["commit_t1"] == COMMIT_T1 and got["commit_t2"] == "Sinh hoạt đủ 12 kỳ."


# --- the date line --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "place", "date"),
    [
        ("Ba Thành, ngày 12 tháng 11 năm 2022", "Ba Thành", dt.date(2022, 11, 12)),
        ("BA THÀNH, NGÀY 05 THÁNG 12 NĂM 2024", "BA THÀNH", dt.date(2024, 12, 5)),
        (nfd("Trà Giang, ngày 1 tháng 2 năm 2023."), "Trà Giang", dt.date(2023, 2, 1)),
        ("Ba Thanh, ngay 12 thang 11 nam 2022", "Ba Thanh", dt.date(2022, 11, 12)),
        ("Ba Thành, ngày 12/11/2022", "Ba Thành", dt.date(2022, 11, 12)),
        ("……, ngày … tháng … năm 20…", None, None),
    ],
)
def test_date_line(line: str, place: str | None, date: dt.date | None) -> None:
    got = values(only(Layout("docx", tuple(paragraphs(HEAD_02 + [line])))))
    assert got.get("signed_place") == place and got.get("signed_on") == date


def test_a_date_that_does_not_exist_is_unreadable() -> None:
    form = only(Layout("docx", tuple(paragraphs(HEAD_02 + ["Ba Thành, ngày 31 tháng 2 năm 2023"]))))
    assert form.fields["signed_on"].value is None
    assert any("31/2/2023 không có thật" in m for m in messages(form, "signed_on"))


# --- when the layout is ambiguous, say so ---------------------------------------------------------


def test_same_label_twice_with_different_values_is_unreadable() -> None:
    rows = rows_of(ROWS_02) + [("Tổng số đảng viên", "22")]
    form = only(table_layout(rows))
    assert form.fields["members_total"].value is None and form.needs_review
    assert any("“20” và “22”" in m for m in messages(form, "members_total"))


def test_same_label_twice_with_the_same_value_is_fine() -> None:
    rows = rows_of(ROWS_02) + [("TỔNG SỐ ĐẢNG VIÊN", "20 đồng chí")]
    form = only(table_layout(rows))
    assert form.fields["members_total"].value == 20 and not form.needs_review


def test_value_only_found_on_the_next_paragraph_is_reviewed() -> None:
    texts = HEAD_02 + ["Số kỳ sinh hoạt định kỳ đã tổ chức:", "12"]
    form = only(Layout("docx", tuple(paragraphs(texts))))
    assert form.fields["t2_regular_meetings"].value == 12
    assert form.fields["t2_regular_meetings"].confidence < REVIEW_BAR and form.needs_review


def test_unsure_ocr_value_is_reviewed() -> None:
    form = only(Layout("pdf-scan", tuple(pdf_blocks(rows_of(ROWS_02), conf=0.8))))
    assert form.fields["t3_violations"].value == 0
    assert form.fields["t3_violations"].confidence < REVIEW_BAR and form.needs_review


def test_extra_words_around_a_number_are_reviewed() -> None:
    form = only(table_layout(rows_of(ROWS_02, t1_admitted="khoảng 2")))
    assert form.fields["t1_admitted"].value == 2
    assert form.fields["t1_admitted"].confidence < REVIEW_BAR and form.needs_review
    assert any(m.startswith("Chưa chắc chắn “Số đảng viên kết nạp trong năm”")
               for m in messages(form))


def test_two_different_qr_codes_in_one_form_decide_nothing() -> None:
    layout = replace_layout(table_layout(rows_of(ROWS_02)),
                            qr=((0, "BT1|02-TDG|CB-001|2024"), (0, "BT1|02-TDG|CB-002|2024")))
    form = only(layout)
    assert form.fields["unit_code"].value == "CB-001" and form.qr is None
    assert form.needs_review


def test_labels_side_by_side_with_blank_values_do_not_read_each_other() -> None:
    blocks = paragraphs(HEAD_02) + [
        TextBlock("Tổng số đảng viên:", bbox=(50, 100, 140, 111)),
        TextBlock("Số đảng viên được đánh giá, xếp loại:", bbox=(300, 100, 480, 111)),
        TextBlock("Hoàn thành tốt nhiệm vụ:", bbox=(50, 120, 170, 131)),
        TextBlock("15", bbox=(190, 120, 200, 131)),
    ]
    got = values(only(Layout("pdf-text", tuple(blocks))))
    assert "members_total" not in got and "members_evaluated" not in got
    assert got["rated_good"] == 15


def test_a_row_of_labels_over_a_row_of_values() -> None:
    labels = ["Tổng số đảng viên", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
              "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ"]
    blocks = paragraphs(HEAD_02) + [cell(t, col=c) for c, t in enumerate(labels)] + [
        cell(v, row=1, col=c) for c, v in enumerate(["20", "4", "15", "1", "0"])]
    form = only(Layout("docx", tuple(blocks)))
    got = values(form)
    assert (got["members_total"], got["rated_excellent"], got["rated_good"],
            got["rated_complete"], got["rated_incomplete"]) == (20, 4, 15, 1, 0)
    assert form.fields["rated_good"].confidence >= REVIEW_BAR


def test_rating_printed_as_a_plain_list_is_not_read_as_counts() -> None:
    texts = HEAD_02 + ["Đề nghị xếp loại:", "Hoàn thành xuất sắc nhiệm vụ",
                       "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ"]
    form = only(Layout("docx", tuple(paragraphs(texts))))
    got = values(form)
    assert got.get("proposed_rating") is None or form.fields["proposed_rating"].confidence \
        < REVIEW_BAR
    assert not {"rated_excellent", "rated_good", "rated_complete"} & {
        k for k, v in got.items() if v is not None}
    assert form.needs_review


def test_review_keys_are_the_rules_keys() -> None:
    assert "months_active" not in REVIEW_KEYS[FORM_02]
    assert {"t1_targets_assigned", "t4_self", "proposed_rating", "unit_code"} <= set(
        REVIEW_KEYS[FORM_02])


def test_dang_bo_needs_its_sub_cell_figures() -> None:
    form = only(table_layout(rows_of(ROWS_02, unit_kind="Đảng bộ cơ sở")))
    assert form.needs_review
    assert "Thiếu “Tổng số chi bộ trực thuộc”." in messages(form, "sub_cells_total")


# --- only the project's own errors, whatever comes in ---------------------------------------------

LABEL_TEXTS = [t for spec in table_for(None).specs for t in spec.texts]
PIECES = st.sampled_from(LABEL_TEXTS + ["☒", "☐", "Có", "Không", "Đạt", "Không đạt", ":", "12",
                                        "\n", "……", "(mười hai)", "ngày 31 tháng 2 năm 2023",
                                        "Mẫu 02-TĐG", "Mẫu 01-ĐK", "BÁO CÁO TỰ ĐÁNH GIÁ", "\t"])
TEXTS = st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=6).map(" ".join))
BOXES = st.one_of(st.none(), st.tuples(*[st.floats(-1e3, 1e3, allow_nan=False)] * 4))
BLOCKS = st.builds(
    TextBlock, text=TEXTS, page=st.integers(0, 3),
    table=st.one_of(st.none(), st.integers(0, 2)), row=st.one_of(st.none(), st.integers(0, 5)),
    col=st.one_of(st.none(), st.integers(0, 4)), col_span=st.integers(1, 3), bbox=BOXES,
    confidence=st.floats(0, 1), control=st.one_of(st.none(), st.sampled_from(
        ["members_total", "t1_self=dat", "t1_self", "x", "", "signed_on", "unit_code"])),
    checked=st.one_of(st.none(), st.booleans()),
    kind=st.sampled_from(["cell", "paragraph", "line", "word", "textbox"]),
)
QRS = st.lists(st.tuples(st.integers(0, 3), st.one_of(
    st.text(max_size=30), st.sampled_from(["BT1|02-TDG|CB-1|2024", "BT1|01-DK|X|2022-2027"]))),
    max_size=3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(BLOCKS, max_size=25), QRS)
def test_any_layout_gives_forms_or_the_projects_own_error(blocks: list[TextBlock],
                                                          qr: list[tuple[int, str]]) -> None:
    try:
        forms = extract_forms(Layout("pdf-scan", tuple(blocks), qr_payloads=tuple(qr)))
    except BontotError:
        return
    assert forms and all(isinstance(f, ParsedForm) for f in forms)
    for form in forms:
        assert isinstance(form.needs_review, bool)
        for key, fv in form.fields.items():
            assert isinstance(fv, FieldValue) and 0.0 <= fv.confidence <= 1.0, (key, fv)
            assert fv.value is not None or fv.confidence == 0.0
        form.to_json()


def test_not_a_layout_is_the_projects_own_error() -> None:
    with pytest.raises(BontotError):
        extract_forms("not a layout")  # type: ignore[arg-type]


def test_empty_layout_says_no_form_was_found() -> None:
    (form,) = extract_forms(Layout("docx", ()))
    assert form.form_code is None and form.needs_review and messages(form)


def test_folded_labels_are_what_units_write() -> None:
    assert fold("TỔNG SỐ ĐẢNG VIÊN :") == fold("Tổng số đảng viên")


def test_date_in_content_controls() -> None:
    blocks = paragraphs(HEAD_02) + [TextBlock("12/11/2024", control="signed_on"),
                                    TextBlock("Ba Thành", control="signed_place")]
    form = only(Layout("docx", tuple(blocks)))
    assert form.fields["signed_on"].value == dt.date(2024, 11, 12)
    assert form.fields["signed_place"].value == "Ba Thành"


def test_a_section_heading_under_a_blank_label_is_not_its_value() -> None:
    texts = HEAD_02 + ["Tên tổ chức đảng:", "I. KẾT QUẢ THỰC HIỆN", "Trực thuộc:", "Ghi chú:"]
    got = values(only(Layout("docx", tuple(paragraphs(texts)))))
    assert "unit_name" not in got and "parent_name" not in got


@pytest.mark.parametrize(
    "line",
    ["Mã đơn vị: CB-001     Năm đánh giá: 2024", "Mã đơn vị: CB-001; Năm đánh giá: 2024",
     "Mã đơn vị: CB-001\tNăm đánh giá: 2024", "Mã đơn vị: CB-001 | Năm đánh giá: 2024"],
)
def test_two_labels_on_one_line(line: str) -> None:
    got = values(only(Layout("docx", tuple(paragraphs(HEAD_02[:2] + [line])))))
    assert got["unit_code"] == "CB-001" and got["year"] == 2024


def test_words_inside_a_value_are_not_a_second_label() -> None:
    line = "Trực thuộc: Đảng bộ xã Ba Thành, huyện Ba Tơ, tổng số đảng viên toàn xã 300"
    got = values(only(Layout("docx", tuple(paragraphs(HEAD_02 + [line])))))
    assert got["parent_name"] == line.split(": ", 1)[1] and "members_total" not in got


def test_blank_first_of_two_labels_on_one_line() -> None:
    line = "Tổng số đảng viên: ……    Số đảng viên được đánh giá, xếp loại: 19"
    got = values(only(Layout("docx", tuple(paragraphs(HEAD_02 + [line])))))
    assert "members_total" not in got and got["members_evaluated"] == 19


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [("Số kỳ sinh hoạt chuyên đề (1 kỳ/quý): 4", "t2_thematic_meetings", 4),
     ("Chỉ tiêu kết nạp đảng viên trong năm (đồng chí): 2", "t1_admission_target", 2),
     ("Tổng số đảng viên (đồng chí) 20", "members_total", 20)],
)
def test_a_hint_in_brackets_after_the_label(line: str, key: str, value: int) -> None:
    assert values(only(Layout("docx", tuple(paragraphs(HEAD_02 + [line])))))[key] == value


def _plain_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@given(st.text("abc ", max_size=10), st.text("abc ", max_size=10), st.sampled_from([0, 1, 2, 99]))
def test_banded_distance_is_the_edit_distance_within_its_limit(a: str, b: str, limit: int) -> None:
    plain = _plain_distance(a, b)
    assert label_distance(a, b, limit) == (plain if plain <= limit else limit + 1)
