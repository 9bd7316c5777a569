"""Bad inputs, end to end: each kind goes through the real ``run_intake`` in a fresh workspace,
in one batch with a good form, and must (a) give its own Vietnamese message (in the ``.LOI.txt``
note beside the review copy, or in the outcome), (b) keep the original byte for byte (in
``archive/`` and ``review/``; a file left for the next run stays untouched in ``inbox/``), and
(c) not stop the batch: the good form of the same batch is stored.

Real parts only: real files (built by ``tests.badinputs``), the real LibreOffice and Tesseract;
a hung LibreOffice or Tesseract is a script that sleeps, put where the real one is looked for,
with a short time limit; a full disk is a 1 MB tmpfs mounted over ``archive/`` or ``review/``
(skipped where mounting is not allowed).

``KINDS`` (and the special tests below it) is the table: kind → what must happen.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bontot import store as st
from bontot.intake import LOCAL_TZ, FileOutcome, IntakeReport, run_intake
from bontot.models import Unit, UnitKind
from bontot.roster import write_roster
from bontot.service import import_roster
from bontot.workspace import Workspace, init_workspace, open_workspace
from tests import badinputs as bad
from tests.formgen import form02_values, write_form02

UNITS = [
    Unit("QN", "Đảng bộ tỉnh Quảng Ngãi", UnitKind.DANG_BO_TINH),
    Unit("HU", "Đảng bộ huyện Trà Giang", UnitKind.DANG_BO_TRUC_THUOC, "QN", recognising=True),
    Unit("HU-01", "Đảng bộ xã Ba Khê", UnitKind.DANG_BO_CO_SO, "HU"),
    Unit("HU-01-01", "Chi bộ Thôn Làng Mầm", UnitKind.CHI_BO, "HU-01"),
    Unit("HU-01-02", "Chi bộ Thôn Gò Da", UnitKind.CHI_BO, "HU-01"),
]
GOOD = ("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024)  # the good form of every batch
UNIT, UNIT_NAME = "HU-01-02", "Chi bộ Thôn Gò Da"  # the unit of the bad forms


def form(**changes: Any) -> Callable[[Path], Path]:
    """A retyped Mẫu 02 of UNIT for 2024 with ``changes`` (which may change the unit too)."""
    values = {**form02_values(UNIT, UNIT_NAME, 2024), **changes}
    return lambda p: write_form02(p, values)


def raw_form(raw: dict[str, str], **kw: Any) -> Callable[[Path], Path]:
    """A Mẫu 02 of UNIT where the keys of ``raw`` print as given."""
    return lambda p: bad.write_form02_raw(p, form02_values(UNIT, UNIT_NAME, 2024), raw, **kw)


def signed_form(day: dt.date) -> Callable[[Path], Path]:
    return lambda p: write_form02(p, form02_values(UNIT, UNIT_NAME, 2024), signed=day)


def dang_bo_form(**changes: Any) -> Callable[[Path], Path]:
    values = form02_values("HU-01", "Đảng bộ xã Ba Khê", 2024, unit_kind="dang_bo_co_so",
                           sub_cells_total=3, sub_cells_four_good=2)
    values.update(changes)
    return lambda p: write_form02(p, values)


def form01(**changes: Any) -> Callable[[Path], Path]:
    return lambda p: bad.write_form01(p, bad.form01_values(UNIT, UNIT_NAME, **changes))


def at_noon(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(12), LOCAL_TZ).timestamp()


def set_mtime(path: Path, when: float) -> Path:
    os.utime(path, (when, when))
    return path


def earlier_copy(changes: dict[str, Any] | None, received: dt.date) -> Callable[[Path], Path]:
    """Another form of UNIT for 2024 received on ``received``, then the kind's own file (same
    bytes when ``changes`` is None, else a corrected form received three days later)."""
    def make(path: Path) -> Path:
        first = write_form02(path.with_name("lan-dau.docx"),
                             form02_values(UNIT, UNIT_NAME, 2024))
        set_mtime(first, at_noon(received))
        if changes is None:
            path.write_bytes(first.read_bytes())
        else:
            write_form02(path, form02_values(UNIT, UNIT_NAME, 2024, **changes))
        return set_mtime(path, at_noon(received + dt.timedelta(days=3)))
    return make


@dataclass(frozen=True)
class Kind:
    """One kind of bad input: how to make it, and what must come of it."""

    id: str
    name: str  # the file name as received
    make: Callable[[Path], Path]
    expect: str  # a piece of the message specific to this problem
    status: str = "review"  # "review" | "stored" (accepted with a warning) | "duplicate"
    received: dt.date | None = None  # the file's time (the receipt date); None: a minute ago


# kind → expected message (the table of issue 8, item 2).  Validation kinds follow forms.md.
KINDS: list[Kind] = [
    # -- broken, hostile or foreign files -----------------------------------------------------
    Kind("zero-bytes", "phieu.docx", bad.zero_bytes, "rỗng (0 byte)"),
    Kind("all-zero-bytes", "phieu.docx", bad.all_zero_bytes, "chỉ toàn byte 0"),
    Kind("truncated-docx", "phieu.docx", bad.truncated_docx,
         "bị hỏng hoặc chưa tải về hết: không mở được như tệp Word (.docx)"),
    Kind("garbled-docx-member", "phieu.docx", bad.corrupt_member_docx,
         "phần word/document.xml không giải nén được"),
    Kind("zip-bomb-docx", "phieu.docx", bad.zip_bomb_docx,
         "giải nén ra 200 MB, quá giới hạn 64 MB"),
    Kind("zip-bomb-lying-size", "phieu.docx", bad.lying_zip_bomb_docx,
         "phần word/document.xml không giải nén được"),
    Kind("billion-laughs", "phieu.docx", bad.billion_laughs_docx, "chứa khai báo DTD bất thường"),
    Kind("xml-nested-100000-deep", "phieu.docx", bad.deep_xml_docx,
         "có cấu trúc lồng nhau sâu bất thường"),
    Kind("xml-external-entity", "phieu.docx", bad.xxe_docx, "chứa khai báo DTD bất thường"),
    Kind("xxe-in-content-types", "phieu.docx", bad.xxe_content_types_docx,
         "chứa khai báo DTD bất thường"),
    Kind("strict-ooxml", "phieu.docx", bad.strict_ooxml_docx, "“Strict Open XML”"),
    Kind("docx-without-body", "phieu.docx", bad.missing_body_docx,
         "thiếu phần nội dung word/document.xml"),
    Kind("docm-macros", "phieu.docm", bad.docm, "là tài liệu Word có macro (.docm)"),
    Kind("docx-hiding-macros", "phieu.docx", bad.hidden_macro_docx, "chứa macro, không mở"),
    Kind("password-docx", "phieu.docx", bad.password_docx, "được đặt mật khẩu"),
    Kind("excel-as-docx", "phieu.docx", bad.xlsx_as_docx, "có thể là Excel hoặc PowerPoint"),
    Kind("odt-as-docx", "phieu.docx", bad.odt_as_docx, "là tệp OpenDocument"),
    Kind("zip-as-docx", "phieu.docx", bad.plain_zip_as_docx, "tệp nén, không phải Word"),
    Kind("letter-not-form", "cong-van.docx", bad.letter_docx, "Không nhận ra mẫu phiếu"),
    Kind("empty-word", "phieu.docx", bad.empty_docx, "Không tìm thấy nội dung phiếu nào"),
    Kind("both-form-titles", "phieu.docx", bad.both_forms_docx,
         "in cả tên Mẫu 01-ĐK và Mẫu 02-TĐG"),
    Kind("encrypted-pdf", "phieu.pdf", bad.encrypted_pdf, "có mật khẩu, không mở được"),
    Kind("truncated-pdf", "phieu.pdf", bad.truncated_pdf, "bị hỏng hoặc chưa tải về hết"),
    Kind("pdf-2000-pages", "phieu.pdf", bad.many_pages_pdf, "có 2.000 trang, quá giới hạn 500"),
    Kind("decompression-bomb-png", "anh.png", bad.decompression_bomb_png,
         "kích thước điểm ảnh quá lớn bất thường"),
    Kind("truncated-jpeg", "anh.jpg", bad.truncated_jpeg,
         "Tệp ảnh anh.jpg bị hỏng hoặc chưa tải về hết"),
    Kind("image-named-pdf", "phieu.pdf", bad.image_as_pdf,
         "có đuôi .pdf nhưng nội dung là ảnh chụp/ảnh quét"),
    Kind("elf-named-pdf", "phieu.pdf", bad.elf_as_pdf, "là một chương trình máy tính (Linux)"),
    Kind("exe-named-docx", "phieu.docx", bad.exe_as_docx, "chương trình máy tính (.exe)"),
    Kind("html-named-doc", "phieu.doc", bad.html_as_doc, "là trang web (HTML"),
    Kind("text-named-docx", "phieu.docx", bad.text_file, "tệp chỉ có chữ thường (như tệp .txt)"),
    Kind("garbled-ole-doc", "phieu.doc", bad.ole_junk_doc,
         "không mở được như tệp Word (.doc)"),
    Kind("rar-named-docx", "phieu.docx", bad.rar_file, "là một tệp nén RAR"),
    Kind("heic-named-jpg", "anh.jpg", bad.heic_file, "là ảnh HEIC/WebP"),
    Kind("gif", "anh.gif", bad.gif_file, "là ảnh GIF"),
    Kind("rtf-letter-doc-via-libreoffice", "cong-van.doc", bad.rtf_letter_doc,
         "Không nhận ra mẫu phiếu"),
    # -- validation failures of forms.md ------------------------------------------------------
    Kind("ratings-do-not-add-up", "lech.docx", form(rated_good=14),
         "Tổng bốn mức xếp loại (18) khác “Số đảng viên được đánh giá, xếp loại” (19)"),
    Kind("evaluated-above-total", "lech.docx", form(members_evaluated=21, rated_good=17),
         "“Số đảng viên được đánh giá, xếp loại” (21) lớn hơn “Tổng số đảng viên” (20)"),
    Kind("met-above-assigned", "lech.docx", form(t1_targets_met=11),
         "“Số chỉ tiêu đạt và vượt” (11) lớn hơn “Số chỉ tiêu được giao” (10)"),
    Kind("four-good-cells-above-cells", "lech.docx", dang_bo_form(sub_cells_four_good=4),
         "(4) lớn hơn “Tổng số chi bộ trực thuộc” (3)"),
    Kind("unit-not-on-roster", "la.docx", form(unit_code="KHONG-CO"),
         "Mã đơn vị “KHONG-CO” không có trong danh sách tổ chức đảng"),
    Kind("unit-code-wrong-case", "la.docx", form(unit_code="hu-01-02"), "(có phải “HU-01-02”?)"),
    Kind("unit-code-malformed", "la.docx", form(unit_code="HU-01-02/Gò Da"),
         "“HU-01-02/Gò Da” không phải là mã đơn vị hợp lệ"),
    Kind("unit-code-missing", "la.docx", raw_form({"unit_code": ""}),
         "Thiếu “Mã đơn vị”: đề nghị ghi mã đơn vị theo danh sách"),
    Kind("wrong-kind-for-unit", "la.docx", form(unit_kind="dang_bo_co_so"),
         "“Loại tổ chức” trên phiếu là “Đảng bộ cơ sở”, danh sách tổ chức đảng ghi “Chi bộ”"),
    Kind("unit-not-a-candidate", "la.docx",
         form(unit_code="HU", unit_name="Đảng bộ huyện Trà Giang"),
         "không phải chi bộ, chi bộ cơ sở hay đảng bộ cơ sở"),
    Kind("wrong-title-for-unit", "dang-ky.docx", form01(title_registered="dang_bo_co_so_bon_tot"),
         "“Đăng ký danh hiệu” là “Đảng bộ cơ sở bốn tốt” nhưng đơn vị là chi bộ"),
    Kind("year-before-plan", "nam.docx", form(year=2019), "là 2019, nằm ngoài giai đoạn 2022–2027"),
    Kind("year-after-plan", "nam.docx", form(year=2031), "là 2031, nằm ngoài giai đoạn 2022–2027"),
    Kind("year-missing", "nam.docx", raw_form({"year": ""}, title_year=""),
         "Thiếu hoặc không đọc được “Năm đánh giá”"),
    Kind("months-active-13", "thang.docx", form(months_active=13),
         "số tháng phải từ 1 đến 12 (đọc được 13)"),
    Kind("count-in-words", "so.docx", raw_form({"t2_regular_meetings": "mười hai"}),
         "“Số kỳ sinh hoạt định kỳ đã tổ chức” (đọc được “mười hai”)"),
    Kind("count-absurd", "so.docx", form(t3_violations=99999),
         "quá lớn (99.999, trên 10.000)"),
    Kind("yes-and-no-both", "so.docx", raw_form({"t1_work_program": "Có      Không"}),
         "không rõ đã chọn “Có” hay “Không”"),
    Kind("rating-not-a-choice", "so.docx", raw_form({"proposed_rating": "Rất tốt"}),
         "“Rất tốt” không phải là “Hoàn thành xuất sắc nhiệm vụ”"),
    Kind("qr-unit-disagrees-with-print", "quet.jpg", bad.scanned_form(
        ["Mẫu 02-TĐG", "BÁO CÁO TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN", "Mã đơn vị: HU-01-02",
         "Năm đánh giá: 2024", "Tổng số đảng viên: 20"], "BT1|02-TDG|HU-01-01|2024"),
         "in trên phiếu là “HU-01-02” nhưng mã QR ghi “HU-01-01”"),
    Kind("form-of-another-plan-qr", "quet.jpg", bad.scanned_form(
        ["Mẫu 01-ĐK", "PHIẾU ĐĂNG KÝ THI ĐUA", "Mã đơn vị: HU-01-02", "Tổng số đảng viên: 20"],
        "BT1|01-DK|HU-01-02|2017-2022"),
         "Mã QR ghi giai đoạn 2017–2022, kế hoạch đang xét là giai đoạn 2022–2027"),
    Kind("late", "muon.docx", form(), "Nộp muộn 10 ngày so với hạn 31/12/2024", "stored",
         dt.date(2025, 1, 10)),
    Kind("signed-after-receipt", "ngay.docx", signed_form(dt.date(2025, 2, 1)),
         "(01/02/2025) sau ngày nhận phiếu (20/12/2024)", "stored", dt.date(2024, 12, 20)),
    Kind("signed-before-movement", "ngay.docx", signed_form(dt.date(2021, 5, 1)),
         "trước ngày bắt đầu phong trào (07/11/2022)", "stored"),
    Kind("name-differs-from-roster", "ten.docx", form(unit_name="Chi bộ thôn Gò Đa cũ"),
         "phần mềm dùng tên trong danh sách", "stored"),
    Kind("title-claimed-with-criterion-failed", "tu-danh-gia.docx", form(t2_self=False),
         "là Đạt nhưng “Tự đánh giá tiêu chí 2” là Không đạt", "stored"),
    Kind("sub-cells-on-chi-bo", "chi-bo.docx", form(sub_cells_total=2),
         "Chi bộ không có chi bộ trực thuộc", "stored"),
    Kind("same-unit-year-twice", "bo-sung.docx",
         earlier_copy({"t2_regular_meetings": 11}, dt.date(2024, 12, 2)),
         "Đơn vị đã nộp phiếu này ngày 02/12/2024: bản mới được dùng", "stored",
         dt.date(2024, 12, 5)),
    Kind("same-bytes-twice", "gui-lai.docx", earlier_copy(None, dt.date(2024, 12, 2)),
         "Trùng nội dung với tệp lan-dau.docx", "duplicate", dt.date(2024, 12, 5)),
]


# -- the workspace and the batch -----------------------------------------------------------------


@pytest.fixture(scope="module")
def roster_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.xlsx"
    write_roster(UNITS, path)
    return path


@pytest.fixture()
def ws(tmp_path: Path, roster_file: Path) -> Workspace:
    workspace = init_workspace(tmp_path / "ws")
    import_roster(workspace, roster_file)
    return workspace


def add_good_form(ws: Workspace, when: float | None = None) -> Path:
    good = write_form02(ws.inbox / "tot.docx", form02_values(*GOOD))
    return set_mtime(good, when if when is not None else time.time() - 30)


def add_bad(ws: Workspace, kind: Kind) -> tuple[Path, bytes]:
    path = kind.make(ws.inbox / kind.name)
    if kind.received is not None:
        set_mtime(path, at_noon(kind.received))
    elif time.time() - path.stat().st_mtime < 30:
        set_mtime(path, time.time() - 60)  # before the good form: the batch must go on after it
    return path, path.read_bytes()


def outcome_of(report: IntakeReport, name: str) -> FileOutcome:
    found = [o for o in report.outcomes if o.name == name]
    assert len(found) == 1, [(o.name, o.status, o.note) for o in report.outcomes]
    return found[0]


def said(ws: Workspace, outcome: FileOutcome) -> str:
    """Everything the clerk is told about one file: its note in review/, the outcome's note and
    the messages of its forms."""
    parts = [outcome.note, *(p.message for f in outcome.forms for p in f.problems)]
    if outcome.sha256:
        parts += [n.read_text(encoding="utf-8")
                  for n in ws.review.glob(f"{outcome.sha256[:12]}-*.LOI.txt")]
    return "\n".join(parts)


def archived_copy(ws: Workspace, sha: str) -> Path:
    found = [p for p in ws.archive.rglob(f"{sha}.*") if p.is_file()]  # (not <sha>.anh/)
    assert len(found) == 1, found
    return found[0]


def review_copy(ws: Workspace, sha: str) -> Path:
    found = [p for p in ws.review.glob(f"{sha[:12]}-*") if not p.name.endswith(".LOI.txt")]
    assert len(found) == 1, found
    return found[0]


def assessments(ws: Workspace) -> dict:
    with st.open_store(ws.database_url).session() as s:
        return st.current_assessments(s)


def assert_good_form_stored(ws: Workspace, report: IntakeReport) -> None:
    assert outcome_of(report, "tot.docx").status == "stored"
    assert (GOOD[0], GOOD[2]) in assessments(ws)


def assert_kept(ws: Workspace, outcome: FileOutcome, original: bytes) -> None:
    """The original is in archive/ byte for byte, and in review/ beside its note if it went
    there; nothing half-written anywhere."""
    assert archived_copy(ws, outcome.sha256).read_bytes() == original
    if outcome.status == "review":
        assert review_copy(ws, outcome.sha256).read_bytes() == original
    assert_nothing_half_written(ws)


def assert_nothing_half_written(ws: Workspace) -> None:
    for folder in (ws.archive, ws.review):
        assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# -- every kind of the table ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
def test_bad_input(ws: Workspace, kind: Kind) -> None:
    path, original = add_bad(ws, kind)
    add_good_form(ws)
    started = time.monotonic()
    report = run_intake(ws)
    elapsed = time.monotonic() - started
    outcome = outcome_of(report, safe(kind.name))
    text = said(ws, outcome)
    assert outcome.status == kind.status, text
    assert kind.expect in text, text
    assert_kept(ws, outcome, original)
    assert_good_form_stored(ws, report)
    assert not path.exists()  # read once: gone from the inbox
    if kind.status == "review":
        assert f"Tệp: {safe(kind.name)}" in text
        assert outcome.sha256 not in text  # the file is named as the clerk knows it
    assert elapsed < 60, f"{kind.id}: {elapsed:.1f} s"


def safe(name: str) -> str:
    from bontot.intake import safe_display_name

    return safe_display_name(name)


def test_table_has_at_least_forty_kinds() -> None:
    assert len({k.id for k in KINDS}) == len(KINDS)
    assert len(KINDS) + len(SPECIAL) >= 40


def test_xxe_never_reads_the_local_file(ws: Workspace) -> None:
    kind = next(k for k in KINDS if k.id == "xml-external-entity")
    add_bad(ws, kind)
    report = run_intake(ws)
    outcome = outcome_of(report, kind.name)
    secret = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").split(":")[0]
    assert all(secret not in str(v.value) for f in outcome.forms for v in f.fields.values())
    assert "root:x:" not in said(ws, outcome)


def test_2000_page_pdf_is_refused_quickly(ws: Workspace) -> None:
    kind = next(k for k in KINDS if k.id == "pdf-2000-pages")
    add_bad(ws, kind)
    started = time.monotonic()
    report = run_intake(ws)
    assert time.monotonic() - started < 10
    assert outcome_of(report, kind.name).status == "review"


# -- names ---------------------------------------------------------------------------------------


def assert_inside_workspace(ws: Workspace, before: set[Path]) -> None:
    """Nothing was written next to the workspace (a name cannot climb out of it)."""
    assert set(ws.root.parent.iterdir()) == before


def test_name_with_dot_dot_backslashes(ws: Workspace) -> None:
    """A Windows path in the name (legal on Linux): its last part names the file, nothing is
    written outside review/."""
    before = set(ws.root.parent.iterdir())
    name = "tai-ve\\..\\..\\..\\etc\\cron.d\\phieu.docx"
    path, original = add_bad(ws, Kind("", name, bad.truncated_docx, ""))
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "phieu.docx")
    assert outcome.status == "review"
    assert "Tệp: phieu.docx" in said(ws, outcome) and "không mở được như tệp Word" in said(
        ws, outcome)
    assert_kept(ws, outcome, original)
    assert all(p.parent == ws.review for p in ws.review.rglob("*"))
    assert_inside_workspace(ws, before)
    assert_good_form_stored(ws, report)
    assert not path.exists()


def test_hidden_name_is_named_not_read(ws: Workspace) -> None:
    """A name starting with "." (here "../../x", as a careless tool may write it) is a hidden
    file, like the lock files of Word: the clerk is told, nothing is read."""
    path = ws.inbox / "..\\..\\phieu.docx"
    write_form02(path, form02_values(UNIT, UNIT_NAME, 2024))
    set_mtime(path, time.time() - 60)
    original = path.read_bytes()
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "phieu.docx")
    assert outcome.status == "skipped" and "Tệp ẩn hoặc tệp khóa của Word" in outcome.note
    assert path.read_bytes() == original and (UNIT, 2024) not in assessments(ws)
    assert_good_form_stored(ws, report)


def test_path_with_dot_dot_outside_the_inbox_is_not_read(ws: Workspace) -> None:
    outside = ws.root / "ngoai.docx"
    write_form02(outside, form02_values(UNIT, UNIT_NAME, 2024))
    set_mtime(outside, time.time() - 60)
    original = outside.read_bytes()
    good = add_good_form(ws)
    report = run_intake(ws, files=[ws.inbox / ".." / "ngoai.docx", good])
    outcome = outcome_of(report, "ngoai.docx")
    assert outcome.status == "skipped"
    assert "nằm ngoài thư mục inbox nên không đọc" in outcome.note
    assert outside.read_bytes() == original
    sha = hashlib.sha256(original).hexdigest()
    assert not list(ws.archive.rglob(f"{sha}.*"))
    assert (UNIT, 2024) not in assessments(ws)
    assert_good_form_stored(ws, report)


def test_name_with_control_characters(ws: Workspace) -> None:
    name = "phiếu\x1b[2J\r\ngiả\t\x07.docx"
    path, original = add_bad(ws, Kind("", name, bad.zero_bytes, ""))
    add_good_form(ws)
    report = run_intake(ws)
    outcome = next(o for o in report.outcomes if o.name != "tot.docx")
    assert outcome.name == "phiếu_[2J__giả__.docx"
    text = said(ws, outcome)
    assert outcome.status == "review" and "rỗng (0 byte)" in text
    assert not any(ord(c) < 32 and c != "\n" for c in text)
    assert not any(ord(c) < 32 for p in ws.review.iterdir() for c in p.name)
    assert_kept(ws, outcome, original)
    assert_good_form_stored(ws, report)
    assert not path.exists()


def test_name_of_300_characters(ws: Workspace) -> None:
    """A file name holds at most 255 bytes: a 300-character path is a folder in the inbox, and
    the longest name (85 three-byte letters) must still fit review/ with its note."""
    folder = ws.inbox / ("Báo cáo chi bộ năm 2024 " * 5).strip() / ("Gửi lại lần hai " * 6).strip()
    folder.mkdir(parents=True)
    name = "ữ" * 80 + ".docx"
    assert len(name.encode()) == 245 and len(str((folder / name).relative_to(ws.inbox))) > 300
    path, original = add_bad(ws, Kind("", name, bad.truncated_docx, ""))
    path.rename(folder / name)
    path = folder / name
    add_good_form(ws)
    report = run_intake(ws)
    outcome = next(o for o in report.outcomes if o.name != "tot.docx")
    assert outcome.status == "review", outcome.note
    assert outcome.name.endswith("….docx") and len(outcome.name.encode()) <= 240
    assert "không mở được như tệp Word" in said(ws, outcome)
    assert_kept(ws, outcome, original)
    assert all(len(p.name.encode()) <= 255 for p in ws.review.iterdir())
    assert_good_form_stored(ws, report)
    assert not path.exists()


# -- files on the move ---------------------------------------------------------------------------


def test_file_still_being_written_is_left_unread(ws: Workspace) -> None:
    path = write_form02(ws.inbox / "dang-chep.docx", form02_values(UNIT, UNIT_NAME, 2024))
    original = path.read_bytes()  # modified just now: someone is still copying it
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "dang-chep.docx")
    assert outcome.status == "skipped" and "đang được chép vào, để lần sau" in outcome.note
    assert path.read_bytes() == original
    assert not outcome.forms and (UNIT, 2024) not in assessments(ws)
    assert len(list(ws.archive.rglob("*.docx"))) == 1  # the good form's only
    assert_good_form_stored(ws, report)


def test_partial_download_name_is_left_unread(ws: Workspace) -> None:
    path = ws.inbox / "phieu.docx.crdownload"
    path.write_bytes(bad.good_form_bytes()[:5000])
    set_mtime(path, time.time() - 600)
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "phieu.docx.crdownload")
    assert outcome.status == "skipped" and "đang được chép vào" in outcome.note
    assert path.exists()
    assert_good_form_stored(ws, report)


def test_file_that_disappears_before_it_is_read(ws: Workspace) -> None:
    add_good_form(ws, time.time() - 90)
    gone = write_form02(ws.inbox / "bien-mat.docx", form02_values(UNIT, UNIT_NAME, 2024))
    set_mtime(gone, time.time() - 60)
    late = write_form02(ws.inbox / "sau.docx", form02_values("HU-01", "Đảng bộ xã Ba Khê", 2024,
                        unit_kind="dang_bo_co_so", sub_cells_total=3, sub_cells_four_good=2))
    set_mtime(late, time.time() - 30)

    def progress(name: str, done: int, total: int) -> None:
        if name == "tot.docx":
            gone.unlink()  # a colleague moves it away while the batch runs

    report = run_intake(ws, progress)
    outcome = outcome_of(report, "bien-mat.docx")
    assert outcome.status == "skipped"
    assert "đã bị chuyển đi trước khi kịp đọc" in outcome.note
    assert (UNIT, 2024) not in assessments(ws)
    assert_nothing_half_written(ws)
    assert outcome_of(report, "sau.docx").status == "stored"  # the batch went on
    assert_good_form_stored(ws, report)


def test_file_that_disappears_mid_read_is_read_from_the_copy_taken(ws: Workspace) -> None:
    """Removed from the inbox while LibreOffice converts it: the intake reads the archive copy
    it took through one open file, so the reading is of the whole file and the original kept."""
    path = bad.rtf_letter_doc(ws.inbox / "cong-van.doc")
    set_mtime(path, time.time() - 60)
    original = path.read_bytes()
    add_good_form(ws)
    removed = threading.Event()

    def remove_once_copied() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if list(ws.archive.rglob("*.doc")):
                path.unlink(missing_ok=True)
                removed.set()
                return
            time.sleep(0.002)

    remover = threading.Thread(target=remove_once_copied)
    remover.start()
    report = run_intake(ws)
    remover.join()
    assert removed.is_set()
    outcome = outcome_of(report, "cong-van.doc")
    assert outcome.status == "review"
    assert "Không nhận ra mẫu phiếu" in said(ws, outcome)
    assert_kept(ws, outcome, original)
    assert_good_form_stored(ws, report)


def test_symlink_in_the_inbox_is_not_followed(ws: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "bi-mat.docx"
    write_form02(secret, form02_values(UNIT, UNIT_NAME, 2024))
    link = ws.inbox / "lien-ket.docx"
    link.symlink_to(secret)
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "lien-ket.docx")
    assert outcome.status == "skipped" and "liên kết (symlink)" in outcome.note
    assert (UNIT, 2024) not in assessments(ws) and link.is_symlink()
    assert_good_form_stored(ws, report)


# -- hung programs -------------------------------------------------------------------------------


def fake_program(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    exe.chmod(0o755)
    return exe


def set_config(ws: Workspace, **settings: Any) -> Workspace:
    config = ws.root / "bontot.toml"
    lines = [ln for ln in config.read_text(encoding="utf-8").splitlines()
             if ln.split("=")[0].strip() not in settings]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return open_workspace(ws.root)


def test_libreoffice_hanging_is_stopped_at_the_time_limit(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """soffice on PATH is a script that hangs (with a child, as oosplash has): the intake's
    ``office_timeout`` stops the whole process group and the file goes to review."""
    pids = tmp_path / "pids"
    fake = fake_program(tmp_path / "bin", "soffice",
                        f"sleep 600 & echo $! >> {pids}\necho $$ >> {pids}\nwait\n")
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    ws = set_config(ws, office_timeout=2)
    path, original = add_bad(ws, Kind("", "cong-van.doc", bad.rtf_letter_doc, ""))
    add_good_form(ws)
    started = time.monotonic()
    report = run_intake(ws)
    assert time.monotonic() - started < 20
    outcome = outcome_of(report, "cong-van.doc")
    text = said(ws, outcome)
    assert outcome.status == "review"
    assert "LibreOffice không xong sau 2 giây" in text and "đã dừng LibreOffice" in text
    assert_kept(ws, outcome, original)
    assert_good_form_stored(ws, report)
    for pid in pids.read_text().split():  # nothing of the hung program is left running
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text(
        ).split()[2]


def test_tesseract_hanging_is_stopped_at_the_time_limit(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract (``$BONTOT_TESSERACT``) answers its probe, then hangs on the page."""
    real = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    if "vie" not in real.stdout + real.stderr:
        pytest.skip("Tesseract with the Vietnamese model is not installed")
    fake = fake_program(tmp_path / "bin", "tesseract", (
        'case "$1" in\n'
        '  --version) echo "tesseract 5.3.0"; exit 0;;\n'
        '  --list-langs) printf "List of available languages (3):\\neng\\nosd\\nvie\\n";'
        " exit 0;;\n"
        "esac\nexec sleep 600\n"))
    monkeypatch.setenv("BONTOT_TESSERACT", str(fake))
    ws = set_config(ws, ocr_timeout=2)
    path, original = add_bad(ws, Kind("", "anh-chup.jpg", bad.text_image, ""))
    add_good_form(ws)
    started = time.monotonic()
    report = run_intake(ws)
    assert time.monotonic() - started < 30
    outcome = outcome_of(report, "anh-chup.jpg")
    text = said(ws, outcome)
    assert outcome.status == "review"
    assert "chạy quá 2 giây nên đã dừng" in text
    assert_kept(ws, outcome, original)
    assert_good_form_stored(ws, report)


# -- a full disk ---------------------------------------------------------------------------------


@pytest.fixture()
def tiny_disk() -> Iterator[Callable[[Path], Path]]:
    """Mount a 1 MB tmpfs over a folder (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def big_bad_file(path: Path) -> bytes:
    """A broken Word file of 2 MB (a zip cut short, padded): more than the tiny disk holds."""
    body = bad.good_form_bytes()[:3000].ljust(2_000_000, b"\x00")
    path.write_bytes(body)
    set_mtime(path, time.time() - 60)
    return body


def test_disk_full_while_archiving(ws: Workspace, tiny_disk: Callable[[Path], Path]) -> None:
    """archive/ is full: the big file is not kept half-written anywhere, stays in the inbox for
    the next run, and the small good form of the batch is still archived and stored."""
    tiny_disk(ws.archive)
    path = ws.inbox / "qua-lon.docx"
    original = big_bad_file(path)
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "qua-lon.docx")
    assert outcome.status == "skipped"
    assert "Ổ đĩa của vùng làm việc đã đầy" in outcome.note and "lần sau" in outcome.note
    assert path.read_bytes() == original
    assert_nothing_half_written(ws)
    assert [p.name for p in ws.archive.rglob("*") if p.is_file()] == [
        f"{outcome_of(report, 'tot.docx').sha256}.docx"]
    assert_good_form_stored(ws, report)
    subprocess.run(["umount", "-l", str(ws.archive)], check=True)  # space again: next run
    again = run_intake(ws)
    retry = outcome_of(again, "qua-lon.docx")
    assert retry.status == "review"
    assert_kept(ws, retry, original)


def test_disk_full_while_writing_the_review_note(
    ws: Workspace, tiny_disk: Callable[[Path], Path]
) -> None:
    """review/ is full: the file's reading is not committed, no copy or note is left there
    half-written, and the file stays in the inbox; the good form is stored."""
    tiny_disk(ws.review)
    path = ws.inbox / "qua-lon.docx"
    original = big_bad_file(path)
    add_good_form(ws)
    report = run_intake(ws)
    outcome = outcome_of(report, "qua-lon.docx")
    assert outcome.status == "skipped" and "Ổ đĩa của vùng làm việc đã đầy" in outcome.note
    assert path.read_bytes() == original
    assert list(ws.review.iterdir()) == []
    assert_nothing_half_written(ws)
    with st.open_store(ws.database_url).session() as s:
        assert len(st.list_readings(s)) == 1  # the good form's only
    assert_good_form_stored(ws, report)


def test_disk_full_while_writing_documents(
    tmp_path: Path, tiny_disk: Callable[[Path], Path]
) -> None:
    """outputs/ is full: bontot documents says so in Vietnamese, leaves no file half-written
    and records nothing; with space again, the same command makes every document."""
    from bontot.documents import DocumentRequest, produce
    from bontot.errors import WorkspaceError
    from bontot.service import load_demo

    ws = init_workspace(tmp_path / "demo")
    load_demo(ws, ws.root / "roster.xlsx")  # the demo province, evaluated
    request = DocumentRequest(year=2024, pdf=False)
    tiny_disk(ws.outputs)
    (ws.outputs / ".day-du").write_bytes(b"\0" * (1024 * 1024 - 16 * 1024))  # 16 KB left
    with pytest.raises(WorkspaceError) as caught:
        produce(ws, request)
    assert "Ổ đĩa chứa thư mục" in caught.value.message and "đã đầy" in caught.value.message
    assert "không có tệp nào bị ghi dở" in caught.value.message
    left = [p for p in ws.outputs.rglob("*") if p.is_file() and p.name != ".day-du"]
    assert all(zipfile.is_zipfile(p) for p in left), left  # whole files only, no temporaries
    with st.open_store(ws.database_url).session() as s:
        assert st.current_documents(s, "2024") == {}
    subprocess.run(["umount", "-l", str(ws.outputs)], check=True)  # space again
    run = produce(ws, request)
    assert run.files and all(f.path.is_file() and zipfile.is_zipfile(f.path) for f in run.files)


def test_disk_full_under_the_database(tmp_path: Path, roster_file: Path,
                                      tiny_disk: Callable[[Path], Path]) -> None:
    """The database's disk is full: the intake stops with a Vietnamese message saying so,
    nothing is stored half-way, the form stays in the inbox; with space again it is stored."""
    from bontot.errors import StoreError
    from bontot.service import import_roster

    folder = tiny_disk(tmp_path / "db")
    ws = init_workspace(tmp_path / "ws", database_url=f"sqlite:///{folder}/bontot.db")
    import_roster(ws, roster_file)
    good = add_good_form(ws)
    filler = folder / ".day-du"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    with contextlib.suppress(OSError):
        while True:  # every byte of the disk taken
            os.write(fd, b"\0" * 4096)
    os.close(fd)
    with pytest.raises(StoreError) as caught:
        run_intake(ws)
    assert "Ổ đĩa chứa cơ sở dữ liệu" in caught.value.message
    assert "đã đầy" in caught.value.message and "inbox" in caught.value.message
    assert good.exists()
    assert_nothing_half_written(ws)
    filler.unlink()  # space again
    assert_good_form_stored(ws, run_intake(ws))


SPECIAL = [
    ("name-with-dot-dot-backslashes", "Tệp: phieu.docx (written only inside review/)"),
    ("hidden-name-dot-dot", "Tệp ẩn hoặc tệp khóa của Word/LibreOffice … không đọc"),
    ("path-with-dot-dot-outside-inbox", "Tệp nằm ngoài thư mục inbox nên không đọc"),
    ("name-with-control-characters", "control characters replaced by _ in names and notes"),
    ("name-of-300-characters", "cut to fit, extension kept: “…….docx”"),
    ("file-still-being-written", "Tệp đang được chép vào, để lần sau."),
    ("partial-download-name", "Tệp đang được chép vào, để lần sau."),
    ("file-gone-before-read", "Tệp đã bị chuyển đi trước khi kịp đọc"),
    ("file-gone-mid-read", "read from the copy taken (stored/review as its content says)"),
    ("symlink-in-inbox", "Đây là một liên kết (symlink) tới tệp ở chỗ khác, không đọc"),
    ("libreoffice-hangs", "LibreOffice không xong sau 2 giây …; đã dừng LibreOffice"),
    ("tesseract-hangs", "Nhận dạng chữ ảnh chạy quá 2 giây nên đã dừng"),
    ("disk-full-archive", "Ổ đĩa của vùng làm việc đã đầy … sẽ được đọc lại ở lần sau"),
    ("disk-full-review", "Ổ đĩa của vùng làm việc đã đầy … sẽ được đọc lại ở lần sau"),
    ("disk-full-database", "Ổ đĩa chứa cơ sở dữ liệu … đã đầy nên chưa lưu được (không có gì"
                           " được lưu dở) … các tệp chưa lưu vẫn còn trong inbox"),
    ("disk-full-outputs", "Ổ đĩa chứa thư mục … đã đầy nên chưa lập xong văn bản; không có tệp"
                          " nào bị ghi dở"),
]
