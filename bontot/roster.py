"""The roster: the tree of party organisations, read from and written to an Excel workbook.

``read_roster`` reads a clerk's .xlsx, finding columns by their header's meaning (case, diacritics
and spaces ignored), and refuses the whole file with every problem named (``RosterError``): a half
valid tree would put units under the wrong recognising committee.  ``RosterTree`` answers the
questions the rules ask (who recognises whom, the chi bộ of a đảng bộ); ``diff_rosters`` lets the
store keep the roster's history.  The levels are not hard-coded (rules.md, "Organisation tree").
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bontot.errors import InputError, RosterError, RosterProblem
from bontot.models import UNIT_KIND_LABELS, UNIT_TYPE_LABELS, Unit, UnitKind, UnitType

K = UnitKind


def fold(text: str) -> str:
    """Compare-key of a header or a choice: no case, no diacritics (đ → d), letters/digits only."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")).lower()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


@dataclass(frozen=True)
class Column:
    """One roster column: its English key (a ``Unit`` field) and the Vietnamese header we print."""

    key: str
    header: str
    required: bool  # the column must be present
    width: int

    @property
    def value_required(self) -> bool:
        """Every row fills it; ``parent_code`` is blank for the root only (a tree check)."""
        return self.required and self.key != "parent_code"


COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã đơn vị", True, 14),
    Column("name", "Tên tổ chức đảng", True, 42),
    Column("kind", "Loại", True, 20),
    Column("parent_code", "Mã cấp trên", True, 14),
    Column("unit_type", "Loại hình", False, 20),
    Column("members", "Số đảng viên", False, 12),
    Column("secretary", "Bí thư", False, 24),
    Column("recognising", "Cấp xét công nhận", False, 12),
    Column("pilot", "Làm điểm", False, 10),
    Column("issuer_name", "Tên cơ quan ban hành", False, 28),
    Column("abbreviation", "Ký hiệu", False, 10),
    Column("place", "Địa danh", False, 16),
    Column("signer_name", "Người ký", False, 24),
    Column("signer_title", "Chức vụ người ký", False, 18),
)
_COLUMN_BY_WORD: dict[str, Column] = {
    word: col for col in COLUMNS for word in (fold(col.header), fold(col.key))
}
_HEADER_SEARCH_ROWS = 10  # title lines a clerk may put above the header row
_CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,32}")
_TRUE_WORDS = {"x", "co", "yes", "1", "true"}
_TRUE_MARKS = {"✓", "✔", "☑"}
_FALSE_WORDS = {"khong", "no", "0", "false"}
_KIND_WORDS = {fold(k.value): k for k in K} | {fold(v): k for k, v in UNIT_KIND_LABELS.items()}
_TYPE_WORDS = {fold(t.value): t for t in UnitType} | {
    fold(v): t for t, v in UNIT_TYPE_LABELS.items()
}


# --- reading ----------------------------------------------------------------------------------


def read_roster(path: str | Path) -> list[Unit]:
    """Read and validate a roster workbook; every problem at once, nothing returned half-valid."""
    source = str(path)
    rows = _load_rows(Path(path))
    start, positions, problems = _find_header(rows)
    if problems:
        raise RosterError(source, problems)
    units: list[Unit] = []
    nodes: list[_Node] = []
    for rownum, values in rows[start + 1 :]:
        if all(_cell_text(v) == "" for v in values):
            continue
        unit, node, row_problems = _parse_row(rownum, values, positions)
        problems += row_problems
        units += [unit] if unit else []
        nodes += [node] if node else []
    if nodes or not problems:  # no usable row at all: the row problems say it already
        problems += _check_structure(nodes)
    if problems:
        raise RosterError(source, sorted(problems, key=lambda p: p.row or 0))
    return units


def _load_rows(path: Path) -> list[tuple[int, tuple[Any, ...]]]:
    """All rows of the first sheet as (Excel row number, values); unreadable files refused."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise _file_error(path, "không tìm thấy tệp") from exc
    except IsADirectoryError as exc:
        raise _file_error(path, "đây là một thư mục, không phải tệp Excel") from exc
    except PermissionError as exc:
        raise _file_error(path, "không có quyền đọc tệp") from exc
    except OSError as exc:
        raise _file_error(path, f"không đọc được tệp ({exc})") from exc
    problem = _sniff(data)
    if problem:
        raise _file_error(path, problem)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some programs write a wrong <dimension>: read every row
            rows = sheet.iter_rows(min_row=1, values_only=True)
            return [(num, tuple(values)) for num, values in enumerate(rows, start=1)]
        finally:
            book.close()
    except Exception as exc:  # openpyxl/zipfile/XML fail in many ways on a damaged file
        detail = f"{type(exc).__name__}: {exc}"[:200]
        message = f"tệp Excel bị hỏng, không đọc được (chi tiết kỹ thuật: {detail})"
        raise _file_error(path, message) from exc


def _sniff(data: bytes) -> str | None:
    """Why ``data`` is not a readable .xlsx, in words a clerk can act on; None if it may be."""
    if not data:
        return "tệp rỗng (0 byte), không phải tệp Excel .xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: an old .xls, or an encrypted .xlsx
        if "EncryptionInfo".encode("utf-16-le") in data:
            return (
                "tệp Excel có đặt mật khẩu; hãy mở bằng Excel, bỏ mật khẩu (Tệp → Thông tin → "
                "Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu, xóa mật khẩu) rồi lưu lại"
            )
        return "tệp Excel dạng cũ (.xls); hãy mở bằng Excel và lưu lại dạng .xlsx"
    if not data.startswith(b"PK\x03\x04"):
        return "không phải tệp Excel .xlsx; hãy lưu danh sách dạng Sổ làm việc Excel (.xlsx)"
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "tệp Excel bị hỏng (tệp nén không đọc được); hãy lưu lại tệp từ Excel"
    if "xl/workbook.xml" not in names:
        hint = " (tệp .ods: mở bằng LibreOffice rồi lưu dạng .xlsx)" if "mimetype" in names else ""
        return f"tệp không phải sổ làm việc Excel .xlsx{hint}"
    return None


def _file_error(path: Path, message: str) -> RosterError:
    return RosterError(str(path), [RosterProblem(None, message)])


def _find_header(
    rows: list[tuple[int, tuple[Any, ...]]],
) -> tuple[int, dict[str, int], list[RosterProblem]]:
    """Locate the header row (the first with a code column) and each known column's position."""
    code = COLUMNS[0]
    nonblank = [i for i, (_, vals) in enumerate(rows) if any(_cell_text(v) for v in vals)]
    if not nonblank:
        return 0, {}, [RosterProblem(None, "trang tính đầu tiên của tệp không có dữ liệu")]
    start = next(
        (
            i
            for i in nonblank[:_HEADER_SEARCH_ROWS]
            if any(_COLUMN_BY_WORD.get(fold(_cell_text(v))) is code for v in rows[i][1])
        ),
        nonblank[0],
    )
    rownum, values = rows[start]
    positions: dict[str, int] = {}
    problems: list[RosterProblem] = []
    for pos, value in enumerate(values):
        col = _COLUMN_BY_WORD.get(fold(_cell_text(value)))
        if col is None:
            continue  # a clerk's own extra column
        if col.key in positions:
            first, again = get_column_letter(positions[col.key] + 1), get_column_letter(pos + 1)
            problems.append(
                RosterProblem(rownum, f"cột '{col.header}' có hai lần (cột {first} và {again})")
            )
        else:
            positions[col.key] = pos
    for col in COLUMNS:
        if col.required and col.key not in positions:
            problems.append(
                RosterProblem(
                    None,
                    f"thiếu cột '{col.header}' (hoặc '{col.key}') ở dòng tiêu đề (dòng {rownum})",
                )
            )
    return start, positions, problems


class _CellError(ValueError):
    """A cell value refused; its message is the Vietnamese text shown after "Dòng N: "."""


_INVALID = object()  # a refused cell, kept apart from a blank one


def _cell_text(value: Any) -> str:
    """A cell as clean text: NFC, stripped, 101.0 → "101"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _text(value: Any, col: Column) -> str | None:
    text = _cell_text(value)
    if not text and col.value_required:
        raise _CellError(f"thiếu giá trị ở cột '{col.header}'")
    return text or None


def _code(value: Any, col: Column) -> str | None:
    text = _text(value, col)
    if text is not None and not _CODE_RE.fullmatch(text):
        raise _CellError(
            f"{col.header.lower()} '{text}' không đúng dạng: chỉ gồm chữ cái không dấu, "
            "chữ số và các dấu . _ -, tối đa 32 ký tự"
        )
    return text


def _choice(words: dict[str, Any], labels: dict[Any, str]) -> Callable[[Any, Column], Any]:
    def convert(value: Any, col: Column) -> Any:
        text = _text(value, col)
        if text is None:
            return None
        if fold(text) in words:
            return words[fold(text)]
        options = "; ".join(f"{label} ({key.value})" for key, label in labels.items())
        raise _CellError(f"{col.header.lower()} '{text}' không rõ; ghi một trong: {options}")

    return convert


def _members(value: Any, col: Column) -> int | None:
    text = _cell_text(value)
    if not text:
        return None
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]+", text):
        raise _CellError(f"{col.header.lower()} '{text}' phải là số nguyên không âm")
    return int(text)


def _flag(value: Any, col: Column) -> bool:
    if isinstance(value, bool):
        return value
    text = _cell_text(value)
    if not text or fold(text) in _FALSE_WORDS:
        return False
    if fold(text) in _TRUE_WORDS or text in _TRUE_MARKS:
        return True
    raise _CellError(
        f"cột '{col.header}' ghi '{text}' không rõ; ghi 'x' (hoặc có, yes, 1, true) nếu đúng, "
        "để trống nếu không"
    )


_CONVERTERS: dict[str, Callable[[Any, Column], Any]] = {
    "code": _code,
    "parent_code": _code,
    "kind": _choice(_KIND_WORDS, UNIT_KIND_LABELS),
    "unit_type": _choice(_TYPE_WORDS, UNIT_TYPE_LABELS),
    "members": _members,
    "recognising": _flag,
    "pilot": _flag,
}


def _parse_row(
    rownum: int, values: tuple[Any, ...], positions: dict[str, int]
) -> tuple[Unit | None, _Node | None, list[RosterProblem]]:
    """One row → a Unit (if every cell is valid) and a node for the tree checks (if it can)."""
    parsed: dict[str, Any] = {}
    problems: list[RosterProblem] = []
    for col in COLUMNS:
        pos = positions.get(col.key)
        value = values[pos] if pos is not None and pos < len(values) else None
        try:
            parsed[col.key] = _CONVERTERS.get(col.key, _text)(value, col)
        except _CellError as err:
            problems.append(RosterProblem(rownum, str(err)))
            parsed[col.key] = _INVALID
    unit = None if problems else Unit(**parsed, row=rownum)
    code, kind, parent = parsed["code"], parsed["kind"], parsed["parent_code"]
    if code is _INVALID or code is None:
        return unit, None, problems
    node = _Node(
        row=rownum,
        code=code,
        kind=None if kind is _INVALID else kind,
        parent_code=None if parent is _INVALID else parent,
        parent_ok=parent is not _INVALID,
        recognising=parsed["recognising"] is True,
    )
    return unit, node, problems


# --- the tree's shape -------------------------------------------------------------------------


class _Node(NamedTuple):
    """What the tree checks need of a row, even a row whose other cells were refused."""

    row: int | None
    code: str
    kind: UnitKind | None  # None: the kind cell was refused
    parent_code: str | None
    parent_ok: bool  # False: the parent cell was refused (neither a root nor a child)
    recognising: bool


_ROOT_KINDS = (K.DANG_BO_TINH, K.DANG_BO_TRUC_THUOC)
_LEAF_KINDS = (K.CHI_BO, K.CHI_BO_CO_SO)
_UNDER_MARKED = (K.DANG_BO_CO_SO, K.CHI_BO_CO_SO)  # may also sit under a recognising unit
_ALLOWED_PARENTS: dict[UnitKind, tuple[UnitKind, ...]] = {
    K.DANG_BO_TINH: (),
    K.DANG_BO_TRUC_THUOC: (K.DANG_BO_TINH,),
    K.DANG_BO_CO_SO: (K.DANG_BO_TRUC_THUOC,),
    K.CHI_BO_CO_SO: (K.DANG_BO_TRUC_THUOC,),
    K.DANG_BO_BO_PHAN: (K.DANG_BO_CO_SO,),
    K.CHI_BO: (K.DANG_BO_CO_SO, K.DANG_BO_BO_PHAN),
}
_MARKED = "một đơn vị được đánh dấu ở cột 'Cấp xét công nhận'"
_ALLOWED_TEXT: dict[UnitKind, str] = {
    K.DANG_BO_TRUC_THUOC: "đảng bộ tỉnh",
    K.DANG_BO_CO_SO: f"đảng bộ trực thuộc hoặc {_MARKED}",
    K.CHI_BO_CO_SO: f"đảng bộ trực thuộc hoặc {_MARKED}",
    K.DANG_BO_BO_PHAN: "đảng bộ cơ sở",
    K.CHI_BO: "đảng bộ cơ sở hoặc đảng bộ bộ phận",
}


def _ref(node: _Node) -> str:
    return f"dòng {node.row}" if node.row is not None else f"đơn vị '{node.code}'"


def _check_structure(nodes: Sequence[_Node]) -> list[RosterProblem]:
    """Duplicates, one root, known parents, allowed kinds, no cycles."""
    problems: list[RosterProblem] = []
    by_code = _unique_codes(nodes, problems)
    unique = list(by_code.values())
    problems += _check_root(unique)
    for node in unique:
        if node.kind in _LEAF_KINDS and node.recognising:
            problems.append(
                RosterProblem(
                    node.row,
                    f"{node.kind.label.lower()} '{node.code}' không xét công nhận đơn vị nào; "
                    "hãy bỏ đánh dấu ở cột 'Cấp xét công nhận'",
                )
            )
        if node.parent_code is None or not node.parent_ok:
            continue
        parent = by_code.get(node.parent_code)
        if parent is None:
            problems.append(RosterProblem(node.row, _unknown_parent(node.parent_code, by_code)))
        elif message := _kind_problem(node, parent):
            problems.append(RosterProblem(node.row, message))
    problems += _check_cycles(unique, by_code)
    return problems


def _unique_codes(nodes: Sequence[_Node], problems: list[RosterProblem]) -> dict[str, _Node]:
    """First node of each code, in roster order; later ones (also differing in case) refused."""
    first: dict[str, _Node] = {}
    by_lower: dict[str, _Node] = {}
    for node in nodes:
        other = by_lower.get(node.code.lower())
        if other is None:
            first[node.code] = by_lower[node.code.lower()] = node
        elif other.code == node.code:
            problems.append(
                RosterProblem(node.row, f"mã đơn vị '{node.code}' trùng với {_ref(other)}")
            )
        else:
            problems.append(
                RosterProblem(
                    node.row,
                    f"mã đơn vị '{node.code}' trùng với mã '{other.code}' ở {_ref(other)} "
                    "(chỉ khác chữ hoa, chữ thường)",
                )
            )
    return first


def _check_root(nodes: list[_Node]) -> list[RosterProblem]:
    if not nodes:
        return [RosterProblem(None, "danh sách không có đơn vị nào")]
    roots = [n for n in nodes if n.parent_code is None and n.parent_ok]
    if not roots:
        return [
            RosterProblem(
                None,
                "không có đơn vị gốc: đơn vị nào cũng có mã cấp trên; hãy để trống "
                "'Mã cấp trên' ở đơn vị cao nhất (đảng bộ tỉnh)",
            )
        ]
    root = next((n for n in roots if n.kind is K.DANG_BO_TINH), roots[0])
    problems = [
        RosterProblem(
            n.row,
            f"thiếu mã cấp trên của '{n.code}'; chỉ đơn vị gốc mới để trống, "
            f"mà đơn vị gốc đã là '{root.code}' ({_ref(root)})",
        )
        for n in roots
        if n is not root
    ]
    if root.kind is not None and root.kind not in _ROOT_KINDS:
        problems.append(
            RosterProblem(
                root.row,
                f"đơn vị gốc '{root.code}' (để trống mã cấp trên) là {root.kind.label.lower()}; "
                "đơn vị gốc phải là đảng bộ tỉnh hoặc đảng bộ trực thuộc",
            )
        )
    return problems


def _unknown_parent(parent_code: str, by_code: dict[str, _Node]) -> str:
    near = next((c for c in by_code if c.lower() == parent_code.lower()), None)
    hint = f" (có phải '{near}'?)" if near else ""
    return f"mã cấp trên '{parent_code}' không có trong danh sách{hint}"


def _kind_problem(node: _Node, parent: _Node) -> str | None:
    if node.kind is None or parent.kind is None or parent is node:
        return None
    if node.kind is K.DANG_BO_TINH:
        return "đảng bộ tỉnh chỉ có thể là đơn vị gốc: để trống mã cấp trên"
    if parent.kind in _ALLOWED_PARENTS[node.kind]:
        return None
    if node.kind in _UNDER_MARKED and parent.recognising and parent.kind not in _LEAF_KINDS:
        return None
    kind = node.kind.label.lower()
    return (
        f"{kind} '{node.code}' không thể trực thuộc {parent.kind.label.lower()} "
        f"'{parent.code}' ({_ref(parent)}); cấp trên của {kind} phải là {_ALLOWED_TEXT[node.kind]}"
    )


def _check_cycles(nodes: list[_Node], by_code: dict[str, _Node]) -> list[RosterProblem]:
    """Each cycle of parent links once, named by its codes from its first row."""
    parent_of = {n.code: n.parent_code for n in nodes if n.parent_ok and n.parent_code in by_code}
    done: set[str] = set()
    problems: list[RosterProblem] = []
    for start in parent_of:
        path: list[str] = []
        code: str | None = start
        while code in parent_of and code not in done and code not in path:
            path.append(code)
            code = parent_of[code]
        if code in path:
            cycle = path[path.index(code) :]
            first = min(cycle, key=lambda c: (by_code[c].row or 0, c))
            cycle = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
            chain = " → ".join(f"'{c}'" for c in [*cycle, first])
            problems.append(
                RosterProblem(
                    by_code[first].row,
                    f"vòng lặp cấp trên: {chain} (mỗi mũi tên chỉ lên mã cấp trên); "
                    "các đơn vị này không nối được về đơn vị gốc",
                )
            )
        done.update(path)
    return problems


# --- the tree ---------------------------------------------------------------------------------


class RosterTree:
    """Questions the rules ask of a valid roster; every answer in roster order."""

    def __init__(self, units: Iterable[Unit], source: str = "đã lưu") -> None:
        self._units = tuple(units)
        nodes = [
            _Node(u.row, u.code, u.kind, u.parent_code, True, u.recognising) for u in self._units
        ]
        problems = _check_structure(nodes)
        if problems:
            raise RosterError(source, problems)
        self._by_code = {u.code: u for u in self._units}
        self._order = {u.code: i for i, u in enumerate(self._units)}
        self._children: dict[str, list[Unit]] = {u.code: [] for u in self._units}
        for u in self._units:
            if u.parent_code is not None:
                self._children[u.parent_code].append(u)
        self._committee = {u.code: self._find_committee(u.code) for u in self._units}

    @property
    def units(self) -> tuple[Unit, ...]:
        return self._units

    @property
    def root(self) -> Unit:
        return next(u for u in self._units if u.parent_code is None)

    def unit(self, code: str) -> Unit:
        try:
            return self._by_code[code]
        except KeyError:
            raise InputError(f"Không có đơn vị mã '{code}' trong danh sách tổ chức đảng") from None

    def children(self, code: str) -> list[Unit]:
        self.unit(code)
        return list(self._children[code])

    def descendants(self, code: str) -> list[Unit]:
        found: list[Unit] = []
        stack = self.children(code)
        while stack:
            unit = stack.pop()
            found.append(unit)
            stack += self._children[unit.code]
        return self._sorted(found)

    def ancestors(self, code: str) -> list[Unit]:
        """Parent first, root last."""
        chain: list[Unit] = []
        parent = self.unit(code).parent_code
        while parent is not None:
            chain.append(self._by_code[parent])
            parent = chain[-1].parent_code
        return chain

    def recognising_committee(self, code: str) -> Unit | None:
        self.unit(code)
        return self._committee[code]

    def _find_committee(self, code: str) -> Unit | None:
        """Nearest ancestor marked recognising or of kind đảng bộ trực thuộc (one by default).

        One walk up, not "any marked ancestor first": a province marked to recognise the units
        directly under it must not take over the units of unmarked đảng bộ trực thuộc.
        """
        return next(
            (a for a in self.ancestors(code) if a.recognising or a.kind is K.DANG_BO_TRUC_THUOC),
            None,
        )

    def committees(self) -> list[Unit]:
        """Units that recognise at least one candidate unit."""
        codes = {
            c.code
            for u in self._units
            if u.kind.is_grassroots_candidate
            if (c := self._committee[u.code]) is not None
        }
        return [u for u in self._units if u.code in codes]

    def candidates_of(self, committee_code: str) -> list[Unit]:
        self.unit(committee_code)
        return [
            u
            for u in self._units
            if u.kind.is_grassroots_candidate
            and (c := self._committee[u.code]) is not None
            and c.code == committee_code
        ]

    def chi_bo_of(self, dang_bo_code: str) -> list[Unit]:
        """The chi bộ of a đảng bộ cơ sở (IV.3's 3/4 rule), through đảng bộ bộ phận too."""
        found: list[Unit] = []
        stack = self.children(dang_bo_code)
        while stack:
            unit = stack.pop()
            if unit.kind is K.CHI_BO:
                found.append(unit)
            elif unit.kind is K.DANG_BO_BO_PHAN:
                stack += self._children[unit.code]
        return self._sorted(found)

    def _sorted(self, units: list[Unit]) -> list[Unit]:
        return sorted(units, key=lambda u: self._order[u.code])


# --- writing ----------------------------------------------------------------------------------


def write_roster(units: Iterable[Unit], path: str | Path) -> None:
    """Write units as the workbook ``read_roster`` reads back (the demo's and tests' roster)."""
    path = Path(path)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách tổ chức đảng"
    sheet.append([col.header for col in COLUMNS])
    for pos, col in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=pos)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(pos)].width = col.width
    for rownum, unit in enumerate(units, start=2):
        for pos, col in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=rownum, column=pos, value=_to_cell(getattr(unit, col.key)))
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a name is text, never a formula
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _to_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "x" if value else None
    if isinstance(value, UnitKind | UnitType):
        return value.label
    return value


# --- history ----------------------------------------------------------------------------------

_COMPARED = tuple(f.name for f in fields(Unit) if f.compare)


@dataclass(frozen=True)
class UnitChange:
    """One unit kept under the same code with some fields changed."""

    old: Unit
    new: Unit
    fields: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.new.code


@dataclass(frozen=True)
class RosterDiff:
    """What a new roster changes, by unit code: added and changed in new order, removed in old."""

    added: tuple[Unit, ...]
    removed: tuple[Unit, ...]
    changed: tuple[UnitChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_rosters(old: Sequence[Unit], new: Sequence[Unit]) -> RosterDiff:
    before, after = _by_code(old), _by_code(new)
    changed = []
    for code, unit in after.items():
        if code in before:
            names = tuple(n for n in _COMPARED if getattr(before[code], n) != getattr(unit, n))
            if names:
                changed.append(UnitChange(before[code], unit, names))
    return RosterDiff(
        added=tuple(u for c, u in after.items() if c not in before),
        removed=tuple(u for c, u in before.items() if c not in after),
        changed=tuple(changed),
    )


def _by_code(units: Sequence[Unit]) -> dict[str, Unit]:
    index = {u.code: u for u in units}
    if len(index) != len(units):
        raise ValueError("diff_rosters needs rosters with unique unit codes")
    return index
