"""Reading our own form by position, piece by piece, without Tesseract.

The ruled grid (``parsers.pagegeom.find_grid``), the tick boxes (``parsers.ticks``), the two
readings of a value (``parsers.scan_reader._agreed``) and the confidence the field matcher gives
figures that add up (``parsers.fields``), on pages drawn here with PIL.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers.base import Layout, TextBlock
from parsers.fields import REVIEW_BAR, extract_forms
from parsers.labels import PASS_FAIL, YES_NO, read_choice
from parsers.ocr import Word
from parsers.pagegeom import find_grid
from parsers.scan_reader import _agreed, _blocks, _Crop
from parsers.ticks import EMPTY, TICKED, UNSURE, TickBox, find_boxes, with_boxes

FONTS = Path("/usr/share/fonts/truetype/dejavu")


def ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


# -- the grid --------------------------------------------------------------------------------


def ruled_table(dpi: int = 300, rows: int = 6, merged: tuple[int, ...] = (2,),
                slant: float = 0.0) -> Image.Image:
    """A label | value table of ``rows`` rows (those in ``merged`` one cell wide), its rules
    slanting by ``slant`` pixels from left to right (a photo's perspective)."""
    s = dpi / 300
    page = Image.new("L", (round(2480 * s), round(1600 * s)), 255)
    draw = ImageDraw.Draw(page)
    left, middle, right, top, step = 330 * s, 1510 * s, 2280 * s, 200 * s, 95 * s
    width = max(2, round(3 * s))
    for r in range(rows + 1):
        y = top + r * step
        draw.line((left, y, right, y + slant), fill=0, width=width)
    draw.line((left, top, left, top + rows * step), fill=0, width=width)
    draw.line((right, top + slant, right, top + rows * step + slant), fill=0, width=width)
    for r in range(rows):
        if r not in merged:
            y = top + r * step
            draw.line((middle, y + slant / 2, middle, y + step + slant / 2), fill=0, width=width)
    font = ImageFont.truetype(str(FONTS / "DejaVuSerif.ttf"), round(50 * s))
    for r in range(rows):
        draw.text((left + 20 * s, top + r * step + 20 * s), f"Nhãn số {r}", font=font, fill=0)
    return page


@pytest.mark.parametrize("dpi", [300, 200])
def test_grid_gives_rows_label_and_value_cells_and_merged_rows(dpi: int) -> None:
    grid = find_grid(ink(ruled_table(dpi)), dpi)
    rows: dict[int, list[tuple[int, int]]] = {}
    for cell in grid.cells:
        assert cell.table == 0
        rows.setdefault(cell.row, []).append((cell.col, cell.span))
    assert len(rows) == 6
    assert rows[2] == [(0, 2)]  # a heading row is one cell across the table
    assert all(rows[r] == [(0, 1), (1, 1)] for r in rows if r != 2)
    label = grid.cell_at(600 * dpi / 300, 250 * dpi / 300)
    value = grid.cell_at(1800 * dpi / 300, 250 * dpi / 300)
    assert label is not None and value is not None
    assert (label.row, label.col, value.row, value.col) == (0, 0, 0, 1)


def test_grid_follows_rules_a_photo_slanted() -> None:
    grid = find_grid(ink(ruled_table(slant=14)), 300)
    assert {c.row for c in grid.cells} == set(range(6))
    assert len(grid.tables()) == 1


def test_a_page_without_rules_has_no_grid() -> None:
    page = Image.new("L", (2480, 1000), 255)
    font = ImageFont.truetype(str(FONTS / "DejaVuSerif.ttf"), 50)
    ImageDraw.Draw(page).text((300, 300), "Tổng số đảng viên: 25 ______ ..........", font=font,
                              fill=0)
    assert find_grid(ink(page), 300).cells == ()


# -- tick boxes ------------------------------------------------------------------------------


def boxes_line(marks: list[str], dpi: int = 300, side: int = 48) -> tuple[Image.Image, int]:
    """A value cell: a box before each option, marked as asked ("x" a cross as Word prints
    ☒, "v" a hand's tick, "" empty, "dot" a speck of noise), and letters that are no box."""
    s = dpi / 300
    side = round(side * s)
    page = Image.new("L", (round(1000 * s), round(120 * s)), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONTS / "DejaVuSerif.ttf"), round(50 * s))
    x, top = round(30 * s), round(35 * s)
    stroke = max(2, round(3 * s))
    for mark, word in zip(marks, ["Có", "Không", "Đạt"], strict=False):
        box = (x, top, x + side, top + side)
        draw.rectangle(box, outline=0, width=stroke)
        if mark == "x":
            draw.line((box[0], box[1], box[2], box[3]), fill=0, width=stroke)
            draw.line((box[0], box[3], box[2], box[1]), fill=0, width=stroke)
        elif mark == "v":
            draw.line((box[0] + 8 * s, box[1] + side * 0.55, box[0] + side * 0.4, box[3] - 6 * s,
                       box[2] + 10 * s, box[1] - 12 * s), fill=0, width=stroke + 1)
        elif mark == "dot":
            draw.point((box[0] + side // 2, box[1] + side // 2), fill=0)
        draw.text((x + side + round(15 * s), top - round(8 * s)), word, font=font, fill=0)
        x += round(330 * s)
    return page, round(60 * s)


@pytest.mark.parametrize("dpi", [300, 200])
def test_boxes_are_found_and_read_ticked_or_not(dpi: int) -> None:
    page, height = boxes_line(["x", "", "v"], dpi)
    found = find_boxes(ink(page), (0, 0, page.width, page.height), height)
    assert [b.state for b in found] == ["ticked", "empty", "ticked"]
    assert [b.glyph for b in found] == [TICKED, EMPTY, TICKED]
    assert all(b.confidence >= 0.9 for b in found)


def test_a_speck_in_an_empty_box_leaves_it_empty_and_letters_are_no_boxes() -> None:
    page, height = boxes_line(["dot", ""])
    found = find_boxes(ink(page), (0, 0, page.width, page.height), height)
    assert [b.state for b in found] == ["empty", "empty"]  # "o", "K", "ô": no squares


def test_a_box_half_filled_by_noise_is_unclear_never_a_guess() -> None:
    box = TickBox((0, 0, 40, 40), 0.05)
    assert box.state == "unclear" and box.glyph == UNSURE and box.confidence == 0.0
    choice = read_choice(YES_NO, f"{TICKED} Có {UNSURE} Không")
    assert choice.option is None and "không rõ" in (choice.problem or "")


def word(text: str, x0: int, x1: int, conf: float = 0.9) -> Word:
    return Word(text, (x0, 100, x1, 150), conf, 5, 1, 1, 0)


BOXES = [TickBox((100, 100, 148, 149), 0.35), TickBox((320, 100, 368, 149), 0.0)]


@pytest.mark.parametrize("words", [
    [word("LÌ", 98, 150, 0.4), word("Có", 165, 210, 0.77), word("LÏ", 318, 370, 0.3),
     word("Không", 385, 500, 0.9)],
    [word("Có", 165, 210, 0.77), word("LÌKhông", 318, 500, 0.48)],  # a box lost, one merged
    [word("L]có", 99, 230, 0.38), word("Không", 385, 500, 0.9)],
])
def test_boxes_read_as_letters_become_glyphs_before_their_options(words: list[Word]) -> None:
    out = with_boxes(words, BOXES, YES_NO)
    text = " ".join(w.text for w in out)
    assert text.lower() == f"{TICKED} có {EMPTY} không"
    assert min(w.confidence for w in out) >= 0.99  # options as printed, boxes clear
    assert read_choice(YES_NO, text).option == "Có"
    assert len({w.line_key for w in out}) == 1


def test_an_option_tesseract_lost_is_known_from_the_others() -> None:
    out = with_boxes([word("Không", 385, 500)], BOXES, YES_NO)
    assert " ".join(w.text for w in out) == f"{TICKED} Có {EMPTY} Không"
    both_lost = with_boxes([], BOXES, PASS_FAIL)
    assert read_choice(PASS_FAIL, " ".join(w.text for w in both_lost)).option is None


def test_an_option_misread_by_a_letter_is_the_printed_one_and_nothing_further_is() -> None:
    pass_fail = [TickBox((100, 100, 148, 149), 0.0), TickBox((320, 100, 368, 149), 0.35)]
    out = with_boxes([word("bạt", 165, 230), word("Không", 385, 470), word("đạt", 480, 540)],
                     pass_fail, PASS_FAIL)
    text = " ".join(w.text for w in out)
    assert text == f"{EMPTY} Đạt {TICKED} Không đạt"
    assert read_choice(PASS_FAIL, text).option == "Không đạt"
    for said in (["bạc", "xe"], ["Có"]):  # more than a letter off
        words = [word(t, 165 + 60 * i, 210 + 60 * i) for i, t in enumerate(said)]
        out = with_boxes([*words, word("Không", 385, 470), word("đạt", 480, 540)], pass_fail,
                         PASS_FAIL)
        assert read_choice(PASS_FAIL, " ".join(w.text for w in out)).option is None, said
    both_off = with_boxes([word("bạt", 165, 230), word("Khôg", 385, 470), word("đạt", 480, 540)],
                          pass_fail, PASS_FAIL)
    assert read_choice(PASS_FAIL, " ".join(w.text for w in both_off)).option is None


def test_boxes_that_do_not_pair_with_the_options_make_the_field_unreadable() -> None:
    one = with_boxes([word("Có", 165, 210), word("Không", 385, 500)], BOXES[:1], YES_NO)
    text = " ".join(w.text for w in one)
    assert UNSURE in text and read_choice(YES_NO, text).option is None


# -- two readings of a value -----------------------------------------------------------------


def crop(first: list[Word], again: list[Word], digits: bool = True) -> _Crop:
    blank = Image.new("L", (10, 10), 255)
    return _Crop((0, 0, 10, 10), blank, blank, digits, 300.0, first, again)


def test_two_sure_readings_alike_are_surer_than_either() -> None:
    out = _agreed(crop([word("12", 0, 40, 0.95)], [word("12", 0, 40, 0.96)]), (9, 9, 9))
    assert out[0].text == "12" and out[0].confidence == pytest.approx(1 - 0.05 * 0.04)


def test_a_doubtful_letter_stays_doubtful_when_both_readings_agree() -> None:
    out = _agreed(crop([word("Lâm", 0, 40, 0.29)], [word("Lâm", 0, 40, 0.97)], False), (9, 9, 9))
    assert out[0].confidence == pytest.approx(0.29)


def test_two_doubtful_readings_alike_do_not_add_up_past_the_bar() -> None:
    """Both readings are Tesseract's: a tone mark it misreads at one scale it misreads at the
    other too ("Lâm" read "Lầm" 0.91 and 0.80 on a 300 dpi scan), so their agreement is no
    evidence: the word stays as doubtful as its less sure reading, and goes to a person."""
    out = _agreed(crop([word("Lầm", 0, 40, 0.914)], [word("Lầm", 0, 40, 0.803)], False),
                  (9, 9, 9))
    assert out[0].confidence == pytest.approx(0.803) and out[0].confidence < REVIEW_BAR
    sure = _agreed(crop([word("Lâm", 0, 40, 0.95)], [word("Lâm", 0, 40, 0.93)], False),
                   (9, 9, 9))
    assert sure[0].confidence > 0.99


def test_readings_that_differ_fall_below_any_bar() -> None:
    out = _agreed(crop([word("Lầm", 0, 40, 0.65)], [word("Lâm", 0, 40, 0.95)], False), (9, 9, 9))
    assert out[0].text == "Lâm" and out[0].confidence < 0.5


def test_a_value_the_page_missed_read_twice_on_its_own_crop() -> None:
    c = crop([], [word("0", 0, 20, 0.97)])
    c.first = [word("0", 0, 20, 0.96)]
    out = _agreed(c, (80_001, 0, 0))
    assert out[0].text == "0" and out[0].confidence > 0.99 and out[0].line_key == (80_001, 0, 0)
    c.first = []
    alone = _agreed(c, (80_001, 0, 0))
    assert alone[0].confidence < 0.9  # one reading only


def test_known_slips_do_not_count_as_a_disagreement() -> None:
    out = _agreed(crop([word("Chỉ", 0, 40, 0.97), word("bộ", 50, 90, 0.97)],
                       [word("Chi", 0, 40, 0.95), word("bộ", 50, 90, 0.96)], False), (9, 9, 9))
    assert [w.text for w in out] == ["Chỉ", "bộ"] and min(w.confidence for w in out) > 0.99


# -- cells into blocks, and the field matcher on them ------------------------------------------


def test_ocr_lines_are_placed_in_their_cells_and_blank_cells_kept() -> None:
    grid = find_grid(ink(ruled_table()), 300)
    words = [Word("Tổng", (360, 220, 450, 270), 0.96, 1, 1, 1, 1),
             Word("số", (460, 220, 500, 270), 0.96, 1, 1, 1, 2),
             Word("25", (1540, 220, 1600, 270), 0.97, 2, 1, 1, 1)]
    blocks = _blocks(words, 1, 72 / 300, grid)
    lines = [b for b in blocks if b.kind == "line" and b.text]
    assert [(b.text, b.table, b.row, b.col) for b in lines] == [
        ("Tổng số", 100, 0, 0), ("25", 100, 0, 1)]
    blanks = [b for b in blocks if b.kind == "line" and not b.text]
    assert len(blanks) == len(grid.cells) - 2 and all(b.table == 100 for b in blanks)


def cell_line(text: str, row: int, col: int, conf: float = 0.99) -> TextBlock:
    return TextBlock(text, page=0, table=0, row=row, col=col, kind="line", confidence=conf,
                     bbox=(100.0 + 300 * col, 100.0 + 20 * row, 250.0 + 300 * col,
                           112.0 + 20 * row))


RATINGS = [("Số đảng viên được đánh giá, xếp loại", "20"), ("Hoàn thành xuất sắc nhiệm vụ", "4"),
           ("Hoàn thành tốt nhiệm vụ", "14"), ("Hoàn thành nhiệm vụ", "1"),
           ("Không hoàn thành nhiệm vụ", "1")]


def ratings_form(values: list[str], conf: float) -> Layout:
    head = [TextBlock("Mẫu 02-TĐG", bbox=(400, 20, 480, 30), kind="line", confidence=0.95),
            TextBlock("BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN", bbox=(150, 40, 450, 52),
                      kind="line", confidence=0.95)]
    cells = []
    for row, ((label, _), value) in enumerate(zip(RATINGS, values, strict=True)):
        cells += [cell_line(label, row, 0), cell_line(value, row, 1, conf)]
    return Layout("image", tuple(head + cells))


def test_figures_that_add_up_are_surer_and_those_that_do_not_are_reviewed() -> None:
    adds_up = extract_forms(ratings_form([v for _, v in RATINGS], 0.9))[0]
    assert adds_up.fields["rated_good"].value == 14
    assert adds_up.fields["rated_good"].confidence >= REVIEW_BAR > 0.98 * 0.9
    off = extract_forms(ratings_form(["20", "4", "15", "1", "1"], 0.99))[0]
    assert all(off.fields[k].confidence < REVIEW_BAR for k in (
        "members_evaluated", "rated_excellent", "rated_good", "rated_complete",
        "rated_incomplete"))
    assert off.needs_review


def test_a_wrapped_label_in_an_ocr_cell_finds_its_value() -> None:
    blocks = [TextBlock("BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN", bbox=(150, 40, 450, 52),
                        kind="line", confidence=0.95),
              cell_line("Số đảng viên vi phạm những điều đảng viên không", 0, 0),
              cell_line("0", 0, 1),
              TextBlock("được làm", page=0, table=0, row=0, col=0, kind="line", confidence=0.99,
                        bbox=(100.0, 114.0, 150.0, 126.0)),
              cell_line("Tổng số chi bộ trực thuộc", 1, 0),
              TextBlock("", page=0, table=0, row=1, col=1, kind="line",
                        bbox=(400.0, 120.0, 550.0, 140.0)),
              cell_line("Danh hiệu và xếp loại", 2, 0)]
    form = extract_forms(Layout("image", tuple(blocks)))[0]
    assert form.fields["t3_violations"].value == 0
    assert "sub_cells_total" not in form.fields  # its value cell is blank: not the next row


def page_lines(page: int, texts: list[str], top: float = 20.0) -> list[TextBlock]:
    return [TextBlock(t, page=page, bbox=(100.0, top + 16 * i, 400.0, top + 16 * i + 12),
                      kind="line", confidence=0.95) for i, t in enumerate(texts)]


def test_a_speck_above_the_next_forms_title_does_not_keep_its_header_on_the_form_before() -> None:
    """Two forms scanned in one file without QR codes: the second is split off at its title,
    and its header ("Mẫu 02-TĐG", the Party headers) goes with it even when OCR read a speck
    between the header and the title."""
    head = ["Mẫu 02-TĐG", "ĐẢNG BỘ TỈNH QUẢNG NGÃI", "ĐẢNG CỘNG SẢN VIỆT NAM"]
    body = ["BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN", "Mã đơn vị: CB-001",
            "Tên tổ chức đảng: Chi bộ Thôn Một"]
    first = page_lines(0, head + body)
    second = page_lines(1, head + ["+", "·"] + body[:1] + ["Mã đơn vị: CB-002",
                                                          "Tên tổ chức đảng: Chi bộ Thôn Hai"])
    forms = extract_forms(Layout("image", tuple(first + second), pages=2))
    assert [f.pages for f in forms] == [(0,), (1,)]
    assert [f.fields["unit_code"].value for f in forms] == ["CB-001", "CB-002"]
