"""The scan path on real Tesseract and images made here.

Pages are drawn with PIL in DejaVu Serif (a font with Vietnamese glyphs): a two-column table of
forms.md labels and values, a red stamp over the secretary's name and, on our own forms, the QR
code segno makes.  They are then turned, skewed, shrunk to 200 dpi, JPEG-compressed, stripped of
their resolution or photographed (EXIF orientation, uneven light) before the reader sees them.
Tesseract itself is replaced only where its failures are the point (missing, no Vietnamese,
hanging, crashing), by a small shell script.
"""

from __future__ import annotations

import io
import stat
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import segno
from PIL import Image, ImageDraw, ImageFont

from bontot.errors import ReadError
from bontot.text import fold
from parsers import READERS, parse_file
from parsers.base import Layout, TextBlock
from parsers.ocr import (
    OcrError,
    Word,
    check_tesseract,
    ocr_image,
    ocr_version,
    parse_tsv,
    tesseract_version,
)
from parsers.pagegeom import ink_map as _ink_map
from parsers.pagegeom import orientations as _orientations
from parsers.qr import read_qr
from parsers.registry import load_readers
from parsers.scan_reader import (
    ScanSettings,
    _blocks,
    complete_with_ocr,
    read_image,
    read_scanned_pdf,
)

FONTS = Path("/usr/share/fonts/truetype/dejavu")
QR = "BT1|02-TDG|CB-LM-01|2023"
ROWS = [("Mã đơn vị", "CB-LM-01"), ("Tên tổ chức đảng", "Chi bộ Thôn Làng Mầm"),
        ("Trực thuộc", "Đảng bộ xã Ba Thành"), ("Năm đánh giá", "2023"),
        ("Tổng số đảng viên", "27"), ("Số kỳ sinh hoạt định kỳ đã tổ chức", "12"),
        ("Số đảng viên kết nạp trong năm", "2")]
# (label, value) pairs looked for on every page read: the values exactly, the labels as the
# field matcher compares them (Tesseract may read "chức" as "chúc", or "Chi" as "Chỉ")
PAIRS = [("Mã đơn vị", "CB-LM-01"), ("Năm đánh giá", "2023"), ("Tổng số đảng viên", "27"),
         ("Số kỳ sinh hoạt định kỳ đã tổ chức", "12"), ("Số đảng viên kết nạp trong năm", "2")]
slow = pytest.mark.slow


# -- pages ---------------------------------------------------------------------------------


def form_page(dpi: int = 300, rows: list[tuple[str, str]] = ROWS, qr: str | None = QR,
              title: str = "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN", stamp: bool = True
              ) -> Image.Image:
    """An A4 form page in RGB: header, form code, title, a ruled label/value table, the date
    line and the signature block with a translucent red stamp over the name."""
    s = dpi / 72
    page = Image.new("RGB", (round(595 * s), round(842 * s)), "white")
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(str(FONTS / "DejaVuSerif.ttf"), round(12 * s))
    bold = ImageFont.truetype(str(FONTS / "DejaVuSerif-Bold.ttf"), round(12 * s))
    draw.text((72 * s, 60 * s), "ĐẢNG CỘNG SẢN VIỆT NAM", font=bold, fill="black")
    draw.text((420 * s, 100 * s), "Mẫu 02-TĐG", font=bold, fill="black")
    if qr:
        buf = io.BytesIO()
        segno.make(qr, micro=False, error="m").save(buf, kind="png", scale=round(2 * s), border=2)
        code = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        page.paste(code, (page.width - code.width - round(36 * s), round(20 * s)))
    draw.text((110 * s, 150 * s), title, font=bold, fill="black")
    y, x0, xm, x1, height = 200 * s, 60 * s, 300 * s, 540 * s, 26 * s
    for label, value in rows:
        draw.rectangle((x0, y, x1, y + height), outline="black", width=max(1, round(0.7 * s)))
        draw.line((xm, y, xm, y + height), fill="black", width=max(1, round(0.7 * s)))
        draw.text((x0 + 6 * s, y + 6 * s), label, font=body, fill="black")
        draw.text((xm + 6 * s, y + 6 * s), value, font=body, fill="black")
        y += height
    draw.text((300 * s, y + 40 * s), "Ba Thành, ngày 12 tháng 11 năm 2023", font=body,
              fill="black")
    draw.text((380 * s, y + 60 * s), "BÍ THƯ", font=bold, fill="black")
    draw.text((360 * s, y + 140 * s), "Nguyễn Văn An", font=body, fill="black")
    if stamp:
        over = Image.new("RGBA", page.size, (0, 0, 0, 0))
        ImageDraw.Draw(over).ellipse((340 * s, y + 90 * s, 470 * s, y + 190 * s),
                                     fill=(230, 40, 40, 110), outline=(200, 20, 20, 255),
                                     width=round(5 * s))
        page = Image.alpha_composite(page.convert("RGBA"), over).convert("RGB")
    return page


def save(image: Image.Image, path: Path, dpi: int | None = 300, **kw: object) -> Path:
    if dpi:
        kw["dpi"] = (dpi, dpi)
    image.save(path, **kw)
    return path


@pytest.fixture(autouse=True)
def _page_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Page images of readers called without settings go under the test's tmp_path."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scans")


@pytest.fixture(scope="module")
def settings(workdir: Path) -> ScanSettings:
    return ScanSettings(cache_dir=str(workdir / "cache"))


@pytest.fixture(scope="module")
def straight(workdir: Path, settings: ScanSettings) -> Layout:
    """The clean 300 dpi page, read once for the tests that look at it from different sides."""
    return read_image(save(form_page(), workdir / "straight.png"), settings)


# -- looking into a Layout -----------------------------------------------------------------


def lines(layout: Layout, page: int = 0) -> list[TextBlock]:
    return [b for b in layout.blocks if b.kind == "line" and b.page == page]


def line(layout: Layout, text: str, page: int = 0, folded: bool = False) -> TextBlock:
    """The one line block reading ``text`` (the label and value columns are apart)."""
    same = (lambda a: fold(a) == fold(text)) if folded else (lambda a: a == text)
    found = [b for b in lines(layout, page) if same(b.text)]
    assert len(found) == 1, (text, [b.text for b in lines(layout, page)])
    return found[0]


def mid(block: TextBlock) -> tuple[float, float]:
    assert block.bbox is not None
    return (block.bbox[0] + block.bbox[2]) / 2, (block.bbox[1] + block.bbox[3]) / 2


def assert_pairs_in_place(layout: Layout, page: int = 0, tolerance: float = 4.0) -> None:
    """Each value stands to the right of its label, on the label's line, where it was drawn
    (label column at x=66 pt, value column at x=306 pt, rows 26 pt apart from y=206)."""
    for label, value in PAIRS:
        lab, val = line(layout, label, page, folded=True), line(layout, value, page)
        assert lab.bbox is not None and val.bbox is not None
        row = [r for r, _ in ROWS].index(label)
        assert abs(lab.bbox[0] - 66) < tolerance and abs(val.bbox[0] - 306) < tolerance
        assert abs(mid(lab)[1] - (213 + 26 * row)) < tolerance, (label, lab.bbox)
        assert abs(mid(val)[1] - mid(lab)[1]) < 3.0, (label, lab.bbox, value, val.bbox)


# -- Tesseract behind its module -----------------------------------------------------------


def test_tesseract_is_probed_with_its_version_and_vietnamese():
    assert tesseract_version()[0] in "456789"
    assert "vie" in check_tesseract().languages


def fake_tesseract(tmp_path: Path, body: str, langs: str = "eng\nosd\nvie") -> Path:
    """A shell script answering the probes like Tesseract 5.3.0 and doing ``body`` for OCR."""
    script = tmp_path / "fake-tesseract"
    script.write_text(f"""#!/bin/sh
case "$1" in
  --version) echo "tesseract 5.3.0"; exit 0 ;;
  --list-langs) printf 'List of available languages in "/x/" (3):\\n{langs}\\n'; exit 0 ;;
esac
{body}
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.mark.parametrize("how", ["fake path", "not on PATH"])
def test_missing_tesseract_is_a_typed_error_in_vietnamese(tmp_path, monkeypatch, how):
    if how == "fake path":
        monkeypatch.setenv("BONTOT_TESSERACT", str(tmp_path / "no" / "tesseract"))
    else:
        monkeypatch.delenv("BONTOT_TESSERACT", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))
    page = save(form_page(dpi=50, qr=None), tmp_path / "page.png", dpi=50)
    with pytest.raises(OcrError, match="Chưa cài chương trình nhận dạng chữ Tesseract") as err:
        read_image(page)
    assert err.value.reason == "missing" and isinstance(err.value, ReadError)
    [form] = parse_file(page)  # the batch goes on: the file is unreadable, with the reason
    assert form.needs_review and "tesseract-ocr" in form.problems[0].message


def test_tesseract_without_vietnamese_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("BONTOT_TESSERACT", str(fake_tesseract(tmp_path, "exit 0", "eng\nosd")))
    with pytest.raises(OcrError, match=r"^Chưa cài gói tiếng Việt cho Tesseract "
                                       r"\(tesseract-ocr-vie\)") as err:
        ocr_image(Image.new("L", (50, 50), 255))
    assert err.value.reason == "language"


def test_hanging_tesseract_is_killed_at_its_time_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("BONTOT_TESSERACT", str(fake_tesseract(tmp_path, "exec sleep 30")))
    with pytest.raises(OcrError, match="trang 3 chạy quá 0,5 giây") as err:
        ocr_image(Image.new("L", (50, 50), 255), timeout=0.5, page=2)
    assert err.value.reason == "timeout"


def test_crashing_tesseract_is_a_typed_error(tmp_path, monkeypatch):
    script = fake_tesseract(tmp_path, "echo 'Error in pixReadMem' >&2; exit 1")
    monkeypatch.setenv("BONTOT_TESSERACT", str(script))
    with pytest.raises(OcrError, match=r"Tesseract gặp lỗi .* \(mã lỗi 1: Error in pixReadMem\)"):
        ocr_image(Image.new("L", (50, 50), 255))


def test_tsv_words_keep_their_line_and_a_0_to_1_confidence():
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
           "\tconf\ttext\n"
           "4\t1\t1\t1\t1\t0\t10\t20\t300\t40\t-1\t\n"
           "5\t1\t1\t1\t1\t1\t10\t20\t100\t40\t96.5\tMã\n"
           "5\t1\t1\t1\t1\t2\t120\t22\t90\t38\t-1\t \n"
           "5\t1\t1\t1\t1\t3\t220\t20\t90\t40\t12\t\"đơn\n")
    assert parse_tsv(tsv) == [Word("Mã", (10, 20, 110, 60), 0.965, 1, 1, 1, 1),
                              Word('"đơn', (220, 20, 310, 60), 0.12, 1, 1, 1, 3)]


# -- QR codes ------------------------------------------------------------------------------


def test_qr_is_found_in_the_top_right_corner_first():
    page = form_page(qr=QR)
    [code] = read_qr(page)
    assert (code.payload, code.where, code.quarter_turns) == (QR, "top-right", 0)
    assert code.bbox[0] > page.width * 0.7 and code.bbox[3] < page.height * 0.15


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180,
                                  Image.Transpose.ROTATE_270])
def test_qr_on_a_turned_page_is_found_in_its_corner_and_says_how_to_turn_it(turn):
    [code] = read_qr(form_page(qr=QR).transpose(turn))
    assert code.payload == QR and code.where != "page"
    assert {Image.Transpose.ROTATE_90: 3, Image.Transpose.ROTATE_180: 2,
            Image.Transpose.ROTATE_270: 1}[turn] == code.quarter_turns


def test_qr_away_from_the_corners_is_found_on_the_whole_page():
    page = Image.new("L", (2480, 3508), 255)
    buf = io.BytesIO()
    segno.make(QR, micro=False).save(buf, kind="png", scale=8, border=2)
    page.paste(Image.open(io.BytesIO(buf.getvalue())), (1100, 1600))
    assert [(c.payload, c.where) for c in read_qr(page)] == [(QR, "page")]


def test_micro_qr_and_pages_without_qr_give_nothing():
    page = Image.new("L", (1240, 1754), 255)
    buf = io.BytesIO()
    segno.make_micro("BT1|X").save(buf, kind="png", scale=12, border=2)
    page.paste(Image.open(io.BytesIO(buf.getvalue())), (1000, 50))
    assert read_qr(page) == []
    assert read_qr(form_page(dpi=150, qr=None)) == []


# -- orientation and skew from the pixels (no OCR) ------------------------------------------


@pytest.mark.parametrize(("turn", "expected"), [
    (None, 0), (Image.Transpose.ROTATE_90, 3), (Image.Transpose.ROTATE_180, 2),
    (Image.Transpose.ROTATE_270, 1)])
def test_orientation_without_qr_is_read_from_the_text_lines(turn, expected):
    page = form_page(qr=None).getchannel("R")
    if turn is not None:
        page = page.transpose(turn)
    (turns, skew), _ = _orientations(page, 300, None)
    assert turns == expected and abs(skew) < 0.2


@pytest.mark.parametrize("degrees", [2.5, -3.0, 0.7])
def test_skew_is_measured_to_a_tenth_of_a_degree(degrees):
    page = form_page(qr=None).getchannel("R").rotate(degrees, fillcolor=255,
                                                     resample=Image.Resampling.BICUBIC)
    (turns, skew), _ = _orientations(page, 300, None)
    assert turns == 0 and abs(skew + degrees) < 0.1


def test_ruling_lines_are_not_ink_for_the_geometry():
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    for y in range(300, 3300, 110):
        draw.line((100, y, 2380, y), fill=0, width=3)
    draw.line((1200, 300, 1200, 3300), fill=0, width=3)
    assert int(_ink_map(page, 300).sum()) < 50  # only line ends and crossings remain


def test_a_blank_page_is_not_given_to_tesseract_and_a_sparse_one_is_read_as_it_is():
    page = Image.new("L", (2480, 3508), 250)
    ImageDraw.Draw(page).rectangle((200, 200, 2200, 3000), outline=0, width=4)  # a bare frame
    assert _orientations(page, 300, None) == []
    font = ImageFont.truetype(str(FONTS / "DejaVuSerif.ttf"), 50)
    ImageDraw.Draw(page).text((400, 400), "Nguyễn Văn An", font=font, fill=0)
    assert _orientations(page, 300, None) == [(0, 0.0)]


# -- blocks --------------------------------------------------------------------------------


def test_border_artefacts_are_stripped_and_lines_split_at_wide_gaps():
    words = [Word("|", (0, 100, 10, 150), 0.4, 1, 1, 1, 1),
             Word("|Mã", (20, 100, 120, 150), 0.9, 1, 1, 1, 2),
             Word("đơn", (140, 100, 230, 150), 0.8, 1, 1, 1, 3),
             Word("vị|", (250, 100, 300, 150), 0.95, 1, 1, 1, 4),
             Word("CB-LM-01", (1000, 100, 1200, 150), 0.9, 1, 1, 1, 5),
             Word("Mẫu", (100, 300, 200, 350), 0.7, 2, 1, 1, 1)]
    words.append(Word("_~", (400, 300, 420, 350), 0.3, 2, 1, 1, 2))  # a speck of the stamp
    blocks = _blocks(words, 3, 72 / 300)
    assert [(b.kind, b.text) for b in blocks] == [
        ("line", "Mã đơn vị"), ("word", "Mã"), ("word", "đơn"), ("word", "vị"),
        ("line", "CB-LM-01"), ("word", "CB-LM-01"), ("line", "Mẫu"), ("word", "Mẫu")]
    assert blocks[0].bbox == (4.8, 24.0, 72.0, 36.0) and blocks[0].confidence == 0.8
    assert {b.page for b in blocks} == {3}


@pytest.mark.parametrize(("read", "kept"), [
    ("Chỉ bộ Thôn Làng Mầm", "Chi bộ Thôn Làng Mầm"),
    ("Loại tổ chức Chỉ bộ", "Loại tổ chức Chi bộ"),
    ("CHỈ BỘ THÔN", "CHI BỘ THÔN"), ("Đảng bệ xã Ba Thành", "Đảng bộ xã Ba Thành"),
    ("chỉ bộ phận văn phòng", "chỉ bộ phận văn phòng"), ("Chỉ bộ phận", "Chỉ bộ phận"),
    ("giữ hoà khí trong chỉ bộ.", "giữ hoà khí trong chi bộ."),  # a commitment's last words
    ("đoàn kết trong chỉ bộ, khu dân cư", "đoàn kết trong chi bộ, khu dân cư"),
    ("chỉ bộ phận.", "chỉ bộ phận.")])
def test_known_slips_are_mended_only_where_nothing_else_is_meant(read, kept):
    words = [Word(t, (100 * i, 0, 100 * i + 80, 40), 0.9, 1, 1, 1, i)
             for i, t in enumerate(read.split())]
    blocks = _blocks(words, 0, 1.0)
    assert blocks[0].text == kept and [b.text for b in blocks[1:]] == kept.split()


# -- whole pages through Tesseract ---------------------------------------------------------


@slow
def test_straight_300_dpi_page_gives_words_and_lines_in_place(straight):
    assert (straight.source, straight.pages, straight.needs_ocr) == ("image", 1, ())
    assert {b.kind for b in straight.blocks} == {"line", "word"}
    assert_pairs_in_place(straight)
    words = [b.text for b in straight.blocks if b.kind == "word"]
    assert {"Mã", "đơn", "vị", "CB-LM-01", "Tổng", "số", "đảng", "viên", "27"} <= set(words)
    for b in straight.blocks:
        assert b.bbox is not None and 0 <= b.bbox[0] < b.bbox[2] <= 595
        assert 0 <= b.bbox[1] < b.bbox[3] <= 842 and 0.0 <= b.confidence <= 1.0
    assert max(b.confidence for b in straight.blocks if b.text == "CB-LM-01") > 0.8
    for i, block in enumerate(straight.blocks):  # each line, then the words it is made of
        if block.kind == "line":
            n = len(block.text.split())
            assert [b.kind for b in straight.blocks[i + 1:i + 1 + n]] == ["word"] * n
            assert " ".join(b.text for b in straight.blocks[i + 1:i + 1 + n]) == block.text
    assert line(straight, "Chi bộ Thôn Làng Mầm")  # "Chỉ bộ", a known slip, is mended


@slow
def test_red_stamp_does_not_hide_the_name_under_it(straight):
    assert any(b.text == "Nguyễn Văn An" for b in lines(straight))


@slow
def test_straight_page_keeps_its_image_and_qr(straight):
    assert straight.qr_payloads == ((0, QR),)
    with Image.open(straight.page_images[0]) as shown:
        assert shown.size == (2479, 3508) and shown.mode == "L"
    assert straight.notes == (f"Đã nhận dạng chữ (OCR) 1 trang bằng Tesseract "
                              f"{ocr_version()}.",)


@slow
@pytest.mark.parametrize(("turn", "qr", "said"), [
    (Image.Transpose.ROTATE_90, QR, "xoay phải 90°"),
    (Image.Transpose.ROTATE_180, None, "xoay 180°")])
def test_turned_pages_are_read_upright(workdir, settings, turn, qr, said):
    path = save(form_page(qr=qr).transpose(turn), workdir / f"turned-{turn.name}.png")
    layout = read_image(path, settings)
    assert_pairs_in_place(layout)
    assert any(said in note for note in layout.notes)
    with Image.open(layout.page_images[0]) as shown:
        assert shown.size == (2479, 3508)  # the upright page, not the file's landscape


@slow
@pytest.mark.parametrize("degrees", [2.5])  # other angles: test_skew_is_measured_...
def test_skewed_page_is_straightened_so_values_stay_on_their_labels_line(
        workdir, settings, degrees):
    page = form_page().rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor="white")
    layout = read_image(save(page, workdir / f"skew{degrees}.png"), settings)
    assert_pairs_in_place(layout, tolerance=6.0)  # rotation about the centre moves the rows
    degrees_said = f"{abs(degrees):.1f}".replace(".", ",")
    assert f"Trang 1: trang bị nghiêng {degrees_said}°, đã chỉnh thẳng." in layout.notes


@slow
def test_200_dpi_scan_gives_the_same_points(workdir, settings):
    layout = read_image(save(form_page(dpi=200), workdir / "p200.png", dpi=200), settings)
    assert_pairs_in_place(layout)
    with Image.open(layout.page_images[0]) as shown:
        assert shown.size == (1653, 2339)  # read at its own resolution, not blown up


@slow
def test_heavy_jpeg_artefacts_still_read(workdir, settings):
    layout = read_image(save(form_page(), workdir / "q20.jpg", quality=20), settings)
    assert_pairs_in_place(layout)


@slow
def test_png_without_resolution_is_taken_for_a4(workdir, settings):
    layout = read_image(save(form_page(), workdir / "nodpi.png", dpi=None), settings)
    assert_pairs_in_place(layout)
    assert "Trang 1: ảnh không ghi độ phân giải, đã ước lượng khoảng 300 dpi theo khổ giấy " \
           "A4." in layout.notes


@slow
def test_phone_photo_with_exif_rotation_and_uneven_light(workdir, settings):
    """A portrait page shot in landscape (EXIF orientation 6), on a dark table, darker to the
    right, with sensor noise and a camera's meaningless 72 dpi."""
    canvas = Image.new("RGB", (2400, 3200), (70, 50, 40))
    canvas.paste(form_page().resize((2160, 3055), Image.Resampling.BICUBIC), (120, 50))
    pixels = np.asarray(canvas, dtype=np.float32)
    light = np.linspace(1.0, 0.65, 2400)[None, :, None] * np.linspace(1, 0.85, 3200)[:, None, None]
    noise = np.random.default_rng(0).standard_normal(pixels.shape, dtype=np.float32) * 6
    photo = Image.fromarray((pixels * light + noise).clip(0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = save(photo.transpose(Image.Transpose.ROTATE_90), workdir / "photo.jpg", dpi=72,
                quality=85, exif=exif)
    layout = read_image(path, settings)
    assert not any("xoay" in note for note in layout.notes)  # EXIF did it, not a guess
    assert any("ước lượng khoảng 274 dpi" in note for note in layout.notes)
    values = {b.text for b in lines(layout)}
    assert {"CB-LM-01", "2023", "27", "12", "2"} <= values
    assert layout.qr_payloads == ((0, QR),)


@slow
def test_multi_page_tiff_gives_one_page_each(workdir, settings):
    first = form_page(dpi=200, qr=None)
    second = form_page(dpi=200, qr=None, rows=[("Tổng số đảng viên", "31")])
    path = workdir / "two.tif"
    first.save(path, save_all=True, append_images=[second], dpi=(200, 200),
               compression="tiff_deflate")
    layout = read_image(path, settings)
    assert layout.pages == 2 and set(layout.page_images) == {0, 1}
    assert line(layout, "27", page=0) and line(layout, "31", page=1)
    assert not [b for b in lines(layout, 1) if b.text == "27"]


@slow
def test_multi_page_scanned_pdf_through_the_pdf_reader(workdir):
    pages = [form_page(), form_page(qr="BT1|01-DK|CB-LM-02|2022", rows=[
                 ("Mã đơn vị", "CB-LM-02"), ("Tổng số đảng viên", "31")]),
             form_page(qr=None).transpose(Image.Transpose.ROTATE_180)]
    path = workdir / "scans.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=300)
    layout = load_readers()["pdf"](path)
    assert (layout.source, layout.pages, layout.needs_ocr) == ("pdf-scan", 3, ())
    assert_pairs_in_place(layout, page=0)
    assert line(layout, "CB-LM-02", page=1) and line(layout, "31", page=1)
    assert_pairs_in_place(layout, page=2)
    assert layout.qr_payloads == ((0, QR), (1, "BT1|01-DK|CB-LM-02|2022"))
    assert set(layout.page_images) == {0, 1, 2}
    assert any(n.startswith("Trang 1 không có chữ (ảnh quét)") for n in layout.notes)
    assert "Trang 3: ảnh bị ngược hoặc nằm ngang, đã xoay 180° cho đúng chiều." in layout.notes


@slow
def test_mixed_pdf_keeps_the_text_pages_and_adds_the_ocr_pages(workdir, settings):
    path = workdir / "mixed.pdf"
    blank = Image.new("RGB", (1240, 1754), "white")
    blank.save(path, save_all=True, append_images=[form_page(dpi=150, qr=None)], resolution=150)
    typed = TextBlock("Mẫu 02-TĐG", page=0, bbox=(420, 100, 500, 112), kind="line")
    text = Layout(source="pdf-text", blocks=(typed,), pages=2, needs_ocr=(1,),
                  notes=("Trang 2 không có chữ (ảnh quét): cần nhận dạng chữ (OCR).",))
    merged = complete_with_ocr(path, text, settings)
    assert (merged.source, merged.pages, merged.needs_ocr) == ("pdf-scan", 2, ())
    assert merged.blocks[0] is typed and {b.page for b in merged.blocks[1:]} == {1}
    assert line(merged, "CB-LM-01", page=1)
    assert merged.notes[0] == text.notes[0] and set(merged.page_images) == {1}


@slow
def test_scanned_pdf_reads_only_the_pages_asked_for(workdir, settings):
    path = workdir / "three.pdf"
    blank = Image.new("RGB", (1240, 1754), "white")
    blank.save(path, save_all=True, append_images=[form_page(dpi=150, qr=None), blank],
               resolution=150)
    layout = read_scanned_pdf(path, pages=[1], settings=settings)
    assert layout.pages == 3 and {b.page for b in layout.blocks} == {1}
    assert set(layout.page_images) == {1}


@slow
def test_a_wrong_orientation_guess_is_caught_by_the_confidence(workdir, settings, monkeypatch):
    """With the up/down test made to lie, the first reading is upside down, reads badly, and
    the page is read again turned round; the better reading wins."""
    import parsers.pagegeom as geom

    monkeypatch.setattr(geom, "heavier_above", lambda profile: False)
    layout = read_image(save(form_page(qr=None), workdir / "lied.png"), settings)
    assert_pairs_in_place(layout)
    assert not any("xoay" in note for note in layout.notes)


@slow
def test_blank_page_reads_as_nothing_with_a_note(workdir, settings):
    layout = read_image(save(Image.new("L", (2480, 3508), 255), workdir / "blank.png"),
                        settings)
    assert layout.blocks == () and layout.pages == 1
    assert "Trang 1: không nhận dạng được chữ nào (trang trắng hoặc ảnh quá mờ)." in layout.notes


# -- files refused --------------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size and holds almost nothing: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("size", [(30_000, 30_000), (10_000, 10_000)])
def test_decompression_bomb_is_refused(tmp_path, size):
    """Past twice Pillow's limit it raises, between once and twice it only warns: both refused."""
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(*size))
    with pytest.raises(ReadError, match="quá lớn bất thường"):
        read_image(path)


def test_broken_and_missing_images_are_read_errors(tmp_path):
    broken = tmp_path / "broken.jpg"
    buf = io.BytesIO()
    form_page(dpi=50).save(buf, format="JPEG")
    broken.write_bytes(buf.getvalue()[:400])
    with pytest.raises(ReadError, match="bị hỏng hoặc chưa tải về hết"):
        read_image(broken)
    with pytest.raises(ReadError, match="Không tìm thấy tệp"):
        read_image(tmp_path / "nowhere.png")


def test_image_reader_is_registered():
    assert {"image", "pdf"} <= set(load_readers())
    assert READERS["image"].__name__ == "read_image"

