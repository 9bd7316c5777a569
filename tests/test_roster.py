"""The roster import: real .xlsx files written to tmp_path, read back, refused with row numbers."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bontot.errors import InputError, RosterError
from bontot.models import Unit, UnitKind, UnitType
from bontot.roster import (
    COLUMNS,
    RosterTree,
    diff_rosters,
    fold,
    read_roster,
    write_roster,
)

K = UnitKind
HEADERS = ["Mã đơn vị", "Tên tổ chức đảng", "Loại", "Mã cấp trên"]
# A small valid province: row numbers in comments are the Excel rows once written.
BASE = [
    ["TU", "Đảng bộ tỉnh Quảng Ngãi", "Đảng bộ tỉnh", None],  # 2
    ["HU", "Đảng bộ huyện Ba Tơ", "Đảng bộ trực thuộc", "TU"],  # 3
    ["X1", "Đảng bộ xã Ba Thành", "Đảng bộ cơ sở", "HU"],  # 4
    ["CB01", "Chi bộ thôn Làng Mầm", "Chi bộ", "X1"],  # 5
    ["CBCS", "Chi bộ Bưu điện huyện", "Chi bộ cơ sở", "HU"],  # 6
]


def xlsx(tmp_path: Path, rows: list[list[Any]], headers: list[Any] | None = None) -> Path:
    """A workbook as a clerk would make it: header row then one unit per row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS if headers is None else headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "roster.xlsx"
    book.save(path)
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert "chưa nhập gì" in str(info.value)
    return [str(p) for p in info.value.problems]


def full_units() -> list[Unit]:
    return [
        Unit(
            "TU",
            "Đảng bộ tỉnh Quảng Ngãi",
            K.DANG_BO_TINH,
            issuer_name="TỈNH ỦY QUẢNG NGÃI",
            abbreviation="TU",
            place="Quảng Ngãi",
            signer_name="Bùi Thị Quỳnh Vân",
            signer_title="BÍ THƯ",
        ),
        Unit(
            "HU",
            "Đảng bộ huyện Ba Tơ",
            K.DANG_BO_TRUC_THUOC,
            "TU",
            recognising=True,
            issuer_name="HUYỆN ỦY BA TƠ",
            abbreviation="HU",
            place="Ba Tơ",
            signer_name="Đinh Văn Ún",
            signer_title="PHÓ BÍ THƯ",
        ),
        Unit(
            "X1",
            "Đảng bộ xã Ba Thành",
            K.DANG_BO_CO_SO,
            "HU",
            UnitType.THON_TO_DAN_PHO,
            members=152,
            secretary="Phạm Văn Đức",
            pilot=True,
        ),
        Unit("101", "Chi bộ thôn Làng Mầm", K.CHI_BO, "X1", UnitType.THON_TO_DAN_PHO, members=0),
        Unit("CB.02_a-b", "Chi bộ Công an xã", K.CHI_BO, "X1", UnitType.LUC_LUONG_VU_TRANG),
    ]


# --- reading ----------------------------------------------------------------------------------


def test_round_trip_write_then_read(tmp_path: Path) -> None:
    units = full_units()
    path = tmp_path / "ds.xlsx"
    write_roster(units, path)
    back = read_roster(path)
    assert back == units
    assert [u.row for u in back] == [2, 3, 4, 5, 6]
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 42
    assert sheet["C2"].value == "Đảng bộ tỉnh" and sheet["H3"].value == "x"


def test_headers_any_order_case_diacritics_english_and_extra_columns(tmp_path: Path) -> None:
    headers = [
        "ghi chú",
        "PARENT_CODE",
        "loai",
        "  ten to chuc  DANG ",
        "Code",
        "so dang vien",
        "Lam diem",
        "unit_type",
    ]
    rows = [
        ["", None, "dang_bo_tinh", "Đảng bộ tỉnh", "TU", None, None, None],
        ["xem lại", "TU", "DANG BO TRUC THUOC", "Đảng bộ huyện", "HU", 3000, "", None],
        [None, "HU", "dang bo co so", "Đảng bộ xã", 101, 50.0, "Có", "Thon, to dan pho"],
    ]
    units = read_roster(xlsx(tmp_path, rows, headers))
    assert [u.code for u in units] == ["TU", "HU", "101"]
    assert [u.kind for u in units] == [K.DANG_BO_TINH, K.DANG_BO_TRUC_THUOC, K.DANG_BO_CO_SO]
    assert units[2].members == 50 and units[2].pilot is True
    assert units[2].unit_type is UnitType.THON_TO_DAN_PHO
    assert units[1].pilot is False and units[1].members == 3000


def test_title_rows_blank_rows_and_text_cleaning(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Chi bộ thôn Làng Mầm")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH TỔ CHỨC ĐẢNG"])
    sheet.append([])
    sheet.append(HEADERS)
    sheet.append(["TU", "Đảng bộ tỉnh", "Đảng bộ tỉnh", None])
    sheet.append([None, "   ", None, None])
    sheet.append([" HU ", "Huyện\u00a0", "Đảng bộ trực thuộc", "TU"])
    sheet.append(["X1", "Xã", "Đảng bộ cơ sở", " HU"])
    sheet.append(["CB1", f"  {decomposed} ", "Chi bộ", "X1"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    units = read_roster(path)
    assert [u.row for u in units] == [4, 6, 7, 8]
    assert units[1].code == "HU" and units[1].name == "Huyện" and units[2].parent_code == "HU"
    assert units[3].name == "Chi bộ thôn Làng Mầm"
    assert unicodedata.is_normalized("NFC", units[3].name)


def test_no_two_columns_share_a_folded_header() -> None:
    words = [fold(w) for c in COLUMNS for w in (c.header, c.key)]
    assert len(words) == len(set(words))
    assert fold("  Mã Cấp TRÊN ") == fold("ma cap tren") == "macaptren"
    assert fold("Đảng bộ cơ sở") == fold("dang_bo_co_so") == "dangbocoso"


def test_depth_five_tree(tmp_path: Path) -> None:
    rows = [
        ["TU", "Tỉnh", "Đảng bộ tỉnh", None],
        ["HU", "Huyện", "Đảng bộ trực thuộc", "TU"],
        ["X1", "Đảng bộ Công ty", "Đảng bộ cơ sở", "HU"],
        ["BP1", "Đảng bộ bộ phận Xưởng 1", "Đảng bộ bộ phận", "X1"],
        ["CB1", "Chi bộ Tổ máy", "Chi bộ", "BP1"],
    ]
    tree = RosterTree(read_roster(xlsx(tmp_path, rows)))
    assert [u.code for u in tree.ancestors("CB1")] == ["BP1", "X1", "HU", "TU"]
    assert [u.code for u in tree.descendants("TU")] == ["HU", "X1", "BP1", "CB1"]
    assert [u.code for u in tree.children("X1")] == ["BP1"]
    assert tree.root.code == "TU"


# --- refusals ---------------------------------------------------------------------------------


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["TU", "Tỉnh", None]], ["Mã đơn vị", "Tên tổ chức đảng", "Mã cấp trên"])
    with pytest.raises(RosterError) as info:
        read_roster(path)
    [problem] = info.value.problems
    assert problem.row is None
    assert "thiếu cột 'Loại'" in problem.message and "kind" in problem.message


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = xlsx(tmp_path, BASE, [*HEADERS, "code"])
    assert refused(path) == ["Dòng 1: cột 'Mã đơn vị' có hai lần (cột A và E)"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["CB9", None, "Chi bộ", "X1"], "Dòng 7: thiếu giá trị ở cột 'Tên tổ chức đảng'"),
        (["CB9", "Chi bộ 9", "  ", "X1"], "Dòng 7: thiếu giá trị ở cột 'Loại'"),
        ([None, "Chi bộ 9", "Chi bộ", "X1"], "Dòng 7: thiếu giá trị ở cột 'Mã đơn vị'"),
        (["CB 9", "Chi bộ 9", "Chi bộ", "X1"], "Dòng 7: mã đơn vị 'CB 9' không đúng dạng"),
        (["CBĐ9", "Chi bộ 9", "Chi bộ", "X1"], "Dòng 7: mã đơn vị 'CBĐ9' không đúng dạng"),
        (["C" * 33, "Chi bộ 9", "Chi bộ", "X1"], "không đúng dạng"),
        (["CB9", "Chi bộ 9", "Tổ đảng", "X1"], "Dòng 7: loại 'Tổ đảng' không rõ; ghi một trong"),
        (["CB01", "Chi bộ 9", "Chi bộ", "X1"], "Dòng 7: mã đơn vị 'CB01' trùng với dòng 5"),
        (["cb01", "Chi bộ 9", "Chi bộ", "X1"], "trùng với mã 'CB01' ở dòng 5 (chỉ khác chữ hoa"),
        (
            ["CB9", "Chi bộ 9", "Chi bộ", "x1"],
            "Dòng 7: mã cấp trên 'x1' không có trong danh sách (có phải 'X1'?)",
        ),
        (["CB9", "Chi bộ 9", "Chi bộ", "XX"], "Dòng 7: mã cấp trên 'XX' không có trong danh sách"),
        (
            ["CB9", "Chi bộ 9", "Chi bộ", None],
            "Dòng 7: thiếu mã cấp trên của 'CB9'; chỉ đơn vị "
            "gốc mới để trống, mà đơn vị gốc đã là 'TU' (dòng 2)",
        ),
    ],
)
def test_row_refusals_name_the_row(tmp_path: Path, row: list[Any], expected: str) -> None:
    problems = refused(xlsx(tmp_path, [*BASE, row]))
    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["CB9", "Chi bộ 9", "Chi bộ", "HU"],
            "Dòng 7: chi bộ 'CB9' không thể trực thuộc đảng bộ trực thuộc 'HU' (dòng 3); cấp trên "
            "của chi bộ phải là đảng bộ cơ sở hoặc đảng bộ bộ phận",
        ),
        (["CB9", "Chi bộ 9", "Chi bộ", "CB01"], "chi bộ 'CB9' không thể trực thuộc chi bộ 'CB01'"),
        (["CB9", "Chi bộ 9", "Chi bộ cơ sở", "CBCS"], "không thể trực thuộc chi bộ cơ sở 'CBCS'"),
        (
            ["H2", "Huyện 2", "Đảng bộ trực thuộc", "HU"],
            "Dòng 7: đảng bộ trực thuộc 'H2' không thể trực thuộc đảng bộ trực thuộc 'HU'",
        ),
        (
            ["X2", "Xã 2", "Đảng bộ cơ sở", "TU"],
            "cấp trên của đảng bộ cơ sở phải là đảng bộ trực thuộc hoặc một đơn vị được đánh dấu",
        ),
        (
            ["BP", "Bộ phận", "Đảng bộ bộ phận", "HU"],
            "cấp trên của đảng bộ bộ phận phải là đảng bộ cơ sở",
        ),
        (["T2", "Tỉnh 2", "Đảng bộ tỉnh", "TU"], "Dòng 7: đảng bộ tỉnh chỉ có thể là đơn vị gốc"),
    ],
)
def test_wrong_kind_of_parent(tmp_path: Path, row: list[Any], expected: str) -> None:
    problems = refused(xlsx(tmp_path, [*BASE, row]))
    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("Loại hình", "Trường học", "Dòng 2: loại hình 'Trường học' không rõ"),
        ("Số đảng viên", -3, "Dòng 2: số đảng viên '-3' phải là số nguyên không âm"),
        ("Số đảng viên", 12.5, "số đảng viên '12.5' phải là số nguyên không âm"),
        ("Số đảng viên", "mười", "số đảng viên 'mười' phải là"),
        ("Số đảng viên", True, "số đảng viên 'True' phải là"),
        ("Làm điểm", "có lẽ", "Dòng 2: cột 'Làm điểm' ghi 'có lẽ' không rõ; ghi 'x'"),
        ("Cấp xét công nhận", "✗", "Dòng 2: cột 'Cấp xét công nhận' ghi '✗' không rõ"),
    ],
)
def test_bad_optional_values(tmp_path: Path, header: str, value: Any, expected: str) -> None:
    rows = [[*BASE[0], value], *[[*r, None] for r in BASE[1:]]]
    problems = refused(xlsx(tmp_path, rows, [*HEADERS, header]))
    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize("value", ["x", "X", "có", "Co", "yes", "1", 1, "TRUE", True, "✓"])
def test_truthy_values(tmp_path: Path, value: Any) -> None:
    rows = [[*BASE[0], None], [*BASE[1], value], *[[*r, None] for r in BASE[2:]]]
    units = read_roster(xlsx(tmp_path, rows, [*HEADERS, "Cấp xét công nhận"]))
    assert units[1].recognising is True and units[0].recognising is False


def test_cycle_names_its_codes(tmp_path: Path) -> None:
    rows = [
        *BASE,
        ["A", "Đảng bộ A", "Đảng bộ cơ sở", "C"],  # 7
        ["B", "Đảng bộ B", "Đảng bộ cơ sở", "A"],  # 8
        ["C", "Đảng bộ C", "Đảng bộ cơ sở", "B"],  # 9
        ["CB9", "Chi bộ 9", "Chi bộ", "B"],  # 10: hangs off the cycle, one report only
    ]
    problems = [p for p in refused(xlsx(tmp_path, rows)) if "vòng lặp" in p]
    assert problems == [
        "Dòng 7: vòng lặp cấp trên: 'A' → 'C' → 'B' → 'A' (mỗi mũi tên chỉ lên mã cấp trên); "
        "các đơn vị này không nối được về đơn vị gốc"
    ]


def test_self_parent_is_a_cycle(tmp_path: Path) -> None:
    problems = refused(xlsx(tmp_path, [*BASE, ["X2", "Xã 2", "Đảng bộ cơ sở", "X2"]]))
    assert problems == [
        "Dòng 7: vòng lặp cấp trên: 'X2' → 'X2' (mỗi mũi tên chỉ lên mã cấp trên); "
        "các đơn vị này không nối được về đơn vị gốc"
    ]


def test_no_root(tmp_path: Path) -> None:
    rows = [["HU", "Huyện", "Đảng bộ trực thuộc", "X1"], ["X1", "Xã", "Đảng bộ cơ sở", "HU"]]
    with pytest.raises(RosterError) as info:
        read_roster(xlsx(tmp_path, rows))
    messages = [str(p) for p in info.value.problems]
    assert any(m.startswith("không có đơn vị gốc") for m in messages)
    assert any("vòng lặp cấp trên: 'HU' → 'X1' → 'HU'" in m for m in messages)


def test_root_must_be_a_committee_level(tmp_path: Path) -> None:
    problems = refused(xlsx(tmp_path, [["CB1", "Chi bộ", "Chi bộ", None]]))
    assert problems == [
        "Dòng 2: đơn vị gốc 'CB1' (để trống mã cấp trên) là chi bộ; đơn vị gốc phải là "
        "đảng bộ tỉnh hoặc đảng bộ trực thuộc"
    ]


def test_a_committee_may_be_the_root(tmp_path: Path) -> None:
    units = read_roster(xlsx(tmp_path, [["HU", "Huyện", "Đảng bộ trực thuộc", None], *BASE[2:]]))
    assert RosterTree(units).recognising_committee("CB01") == units[0]


def test_a_chi_bo_cannot_be_marked_recognising(tmp_path: Path) -> None:
    rows = [[*r, "x" if r[0] == "CB01" else None] for r in BASE]
    problems = refused(xlsx(tmp_path, rows, [*HEADERS, "Cấp xét công nhận"]))
    assert problems == [
        "Dòng 5: chi bộ 'CB01' không xét công nhận đơn vị nào; hãy bỏ đánh dấu ở cột "
        "'Cấp xét công nhận'"
    ]


def test_every_problem_is_reported_at_once_in_row_order(tmp_path: Path) -> None:
    rows = [
        *BASE,
        ["CB 9", "Chi bộ 9", "Chi bộ", "X1"],  # 7
        ["CB10", "Chi bộ 10", "Chi bộ", "HU"],  # 8
        ["CB11", None, "Chi bộ", "X1"],  # 9
        ["X1", "Xã trùng", "Đảng bộ cơ sở", "HU"],  # 10
    ]
    problems = refused(xlsx(tmp_path, rows))
    assert [p.split(":")[0] for p in problems] == ["Dòng 7", "Dòng 8", "Dòng 9", "Dòng 10"]


def test_empty_sheet_and_header_only(tmp_path: Path) -> None:
    assert refused(xlsx(tmp_path, [], [])) == ["trang tính đầu tiên của tệp không có dữ liệu"]
    assert refused(xlsx(tmp_path, [])) == ["danh sách không có đơn vị nào"]


# --- files that are not a roster ------------------------------------------------------------


def test_non_xlsx_file(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_text("Mã đơn vị,Tên tổ chức đảng\nTU,Tỉnh\n", encoding="utf-8")
    assert refused(path) == [
        "không phải tệp Excel .xlsx; hãy lưu danh sách dạng Sổ làm việc Excel (.xlsx)"
    ]


def test_truncated_file(tmp_path: Path) -> None:
    good = xlsx(tmp_path, BASE)
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(good.read_bytes()[:2000])
    [message] = refused(bad)
    assert message.startswith("tệp Excel bị hỏng")


def test_corrupt_sheet_inside_a_valid_zip(tmp_path: Path) -> None:
    good = xlsx(tmp_path, BASE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buffer, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # XML cut in the middle
            dst.writestr(item, data)
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(buffer.getvalue())
    [message] = refused(bad)
    assert message.startswith("tệp Excel bị hỏng, không đọc được (chi tiết kỹ thuật:")


def test_other_office_files(tmp_path: Path) -> None:
    docx = tmp_path / "a.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert refused(docx) == ["tệp không phải sổ làm việc Excel .xlsx"]
    xls = tmp_path / "b.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert refused(xls) == ["tệp Excel dạng cũ (.xls); hãy mở bằng Excel và lưu lại dạng .xlsx"]
    missing = tmp_path / "khong-co.xlsx"
    assert refused(missing) == ["không tìm thấy tệp"]
    assert refused(tmp_path) == ["đây là một thư mục, không phải tệp Excel"]


def test_password_protected_file(tmp_path: Path) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = xlsx(tmp_path, BASE)
    locked = tmp_path / "mat-khau.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        ooxml.OOXMLFile(src).encrypt("matkhau", dst)
    [message] = refused(locked)
    assert message.startswith("tệp Excel có đặt mật khẩu; hãy mở bằng Excel, bỏ mật khẩu")


# --- the tree ---------------------------------------------------------------------------------


def tree_of(rows: list[tuple[str, UnitKind, str | None, bool]]) -> RosterTree:
    return RosterTree(
        [Unit(code, code, kind, parent, recognising=mark) for code, kind, parent, mark in rows]
    )


PROVINCE = [
    ("TU", K.DANG_BO_TINH, None, False),
    ("HU", K.DANG_BO_TRUC_THUOC, "TU", False),  # recognises by default
    ("X1", K.DANG_BO_CO_SO, "HU", False),
    ("BP", K.DANG_BO_BO_PHAN, "X1", False),
    ("CB1", K.CHI_BO, "BP", False),
    ("CB2", K.CHI_BO, "X1", False),
    ("CBCS", K.CHI_BO_CO_SO, "HU", False),
    ("KHOI", K.DANG_BO_TRUC_THUOC, "TU", False),
    ("XA", K.DANG_BO_CO_SO, "KHOI", True),  # marked: recognises its own units
    ("XA.CB", K.CHI_BO, "XA", False),
    ("XA.DB", K.DANG_BO_CO_SO, "XA", False),  # allowed under a marked unit
    ("XA.DB.CB", K.CHI_BO, "XA.DB", False),
]


def test_recognising_committee_default_and_explicit_marker() -> None:
    tree = tree_of(PROVINCE)

    def committee(code: str) -> str | None:
        unit = tree.recognising_committee(code)
        return unit.code if unit else None

    assert committee("X1") == committee("CB1") == committee("CBCS") == "HU"
    assert committee("XA") == "KHOI"
    assert committee("XA.CB") == committee("XA.DB") == "XA"
    assert committee("XA.DB.CB") == "XA"
    assert committee("HU") is None and committee("TU") is None


def test_a_marked_province_does_not_take_over_unmarked_committees() -> None:
    rows = [
        ("TU", K.DANG_BO_TINH, None, True),
        *PROVINCE[1:],
        ("DBTT", K.DANG_BO_CO_SO, "TU", False),
    ]  # a đảng bộ cơ sở directly under Tỉnh ủy
    tree = tree_of(rows)
    assert tree.recognising_committee("CB1") == tree.unit("HU")
    assert tree.recognising_committee("DBTT") == tree.unit("TU")
    assert [u.code for u in tree.committees()] == ["TU", "HU", "KHOI", "XA"]


def test_committees_and_candidates_of() -> None:
    tree = tree_of(PROVINCE)
    assert [u.code for u in tree.committees()] == ["HU", "KHOI", "XA"]
    assert [u.code for u in tree.candidates_of("HU")] == ["X1", "CB1", "CB2", "CBCS"]
    assert [u.code for u in tree.candidates_of("XA")] == ["XA.CB", "XA.DB", "XA.DB.CB"]
    assert [u.code for u in tree.candidates_of("KHOI")] == ["XA"]
    assert tree.candidates_of("CB1") == []


def test_chi_bo_of_goes_through_dang_bo_bo_phan_only() -> None:
    tree = tree_of(PROVINCE)
    assert [u.code for u in tree.chi_bo_of("X1")] == ["CB1", "CB2"]
    assert [u.code for u in tree.chi_bo_of("XA")] == ["XA.CB"]  # not the nested đảng bộ's
    assert [u.code for u in tree.descendants("XA")] == ["XA.CB", "XA.DB", "XA.DB.CB"]


def test_unknown_code_is_a_typed_error() -> None:
    tree = tree_of(PROVINCE)
    with pytest.raises(InputError, match="Không có đơn vị mã 'ZZ'"):
        tree.children("ZZ")


def test_tree_refuses_invalid_units() -> None:
    with pytest.raises(RosterError) as info:
        tree_of([*PROVINCE, ("CB9", K.CHI_BO, "NOWHERE", False)])
    assert [p.message for p in info.value.problems] == [
        "mã cấp trên 'NOWHERE' không có trong danh sách"
    ]


# --- history ----------------------------------------------------------------------------------


def test_diff_rosters() -> None:
    old = full_units()
    new = [
        old[0],
        old[1],
        Unit(**{**vars(old[2]), "members": 160, "pilot": False, "row": 99}),
        old[4],
        Unit("CB3", "Chi bộ mới", K.CHI_BO, "X1"),
    ]
    diff = diff_rosters(old, new)
    assert [u.code for u in diff.added] == ["CB3"]
    assert [u.code for u in diff.removed] == ["101"]
    assert [(c.code, c.fields) for c in diff.changed] == [("X1", ("members", "pilot"))]
    assert diff_rosters(old, list(old)).is_empty
    with pytest.raises(ValueError):
        diff_rosters([old[0], old[0]], old)
