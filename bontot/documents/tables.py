"""The tables of the documents: one definition gives the Word table, its rows and the .xlsx.

A :class:`TableSpec` names the columns once.  ``templates/build_documents.py`` builds the Word
table of a template from it (a bold header row repeated on every page, a ``{%tr for %}`` row, a
totals row), and a document module fills a :class:`Table` with *raw* values (ints, a
:class:`Share`, dates, text).  The Word file gets them formatted the Vietnamese way (1.234;
12,5 %; 05/11/2025), the .xlsx gets them as numbers a clerk can add up again.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from bontot.docbuild import FIXED_TIME, normalize_package
from bontot.errors import InputError
from bontot.vnformat import date_table, number, percent

Align = Literal["left", "center", "right"]
STT = "stt"  # the numbered-row column every table starts with
TOTAL_LABEL = "Tổng cộng"


@dataclass(frozen=True)
class Share:
    """A count out of a count, printed as a percentage from the integers (never a float)."""

    num: int
    den: int

    def __str__(self) -> str:
        return percent(self.num, self.den)


@dataclass(frozen=True)
class Column:
    key: str
    head: str
    width_mm: float
    align: Align = "center"
    group: str | None = None  # a second header row: columns sharing a group sit under it


@dataclass(frozen=True)
class TableSpec:
    """A table's columns; ``key`` is its name in the template context."""

    key: str
    sheet: str  # the .xlsx sheet name (at most 31 characters)
    columns: tuple[Column, ...]
    total_span: int = 0  # columns the "Tổng cộng" label spans in the totals row (0: no totals)

    def __post_init__(self) -> None:
        if len(self.sheet) > 31:
            raise ValueError(f"sheet name too long: {self.sheet!r}")
        if self.columns[0].key != STT:
            raise ValueError(f"{self.key}: the first column must be the row number")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def has_total(self) -> bool:
        return self.total_span > 0


def fmt(value: Any) -> str:
    """A raw cell value as a reader sees it in the Word document."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return number(value)
    if isinstance(value, Share):
        return str(value)
    if isinstance(value, dt.date):
        return date_table(value)
    return str(value)


@dataclass(frozen=True)
class Table:
    """Rows of one table (raw values by column key, no STT: it is numbered here)."""

    spec: TableSpec
    title: str
    rows: tuple[Mapping[str, Any], ...]
    total: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        wanted = set(self.spec.keys) - {STT}
        for row in (*self.rows, *([self.total] if self.total else [])):
            unknown = set(row) - wanted
            if unknown:
                raise InputError(f"Bảng {self.spec.key}: cột không có trong mẫu: {sorted(unknown)}")
        if self.spec.has_total != (self.total is not None):
            raise InputError(f"Bảng {self.spec.key}: dòng tổng cộng không khớp với mẫu.")

    def context(self) -> dict[str, Any]:
        """What the template's ``{%tr for r in <key>.rows %}`` reads: every cell a string."""
        rows = []
        for i, row in enumerate(self.rows, start=1):
            cells = {k: fmt(row.get(k)) for k in self.spec.keys}
            cells[STT] = str(i)
            rows.append(cells)
        total = None
        if self.total is not None:
            total = {k: fmt(self.total.get(k)) for k in self.spec.keys}
            total[STT] = ""
        return {"rows": rows, "total": total, "count": number(len(self.rows))}

    def json(self) -> dict[str, Any]:
        """The table as plain data (part of a document's inputs hash)."""
        return {"spec": self.spec.key, "title": self.title, **self.context()}


# --- .xlsx ----------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_XLSX_FONT = "Times New Roman"


def _xlsx_value(value: Any) -> tuple[Any, str | None]:
    """(cell value, number format): numbers stay numbers in Excel."""
    if isinstance(value, Share):
        if value.den == 0:
            return None, None
        return value.num / value.den, "0.0%"
    if isinstance(value, bool):
        return ("Có" if value else "Không"), None
    if isinstance(value, dt.date):
        return value, "dd/mm/yyyy"
    return value, None


def xlsx_bytes(title: str, tables: Sequence[Table]) -> bytes:
    """One sheet per table: a title line, the bold header, numbered rows, the totals row.

    The same tables give the same bytes (fixed package timestamps), like the .docx.
    """
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = wb.properties.lastModifiedBy = "bontot"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = FIXED_TIME.replace(tzinfo=None)
    seen: set[str] = set()
    for table in tables:
        name = table.spec.sheet
        n = 2
        while name in seen:  # two tables of one spec in a workbook: "Sheet (2)"
            name = f"{table.spec.sheet[:27]} ({n})"
            n += 1
        seen.add(name)
        _sheet(wb.create_sheet(name), table)
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_package(buf.getvalue())


def _sheet(ws: Any, table: Table) -> None:
    cols = table.spec.columns
    bold = Font(name=_XLSX_FONT, bold=True, size=12)
    plain = Font(name=_XLSX_FONT, size=12)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.cell(row=1, column=1, value=table.title).font = Font(name=_XLSX_FONT, bold=True, size=13)
    row = 3
    groups = [c.group for c in cols]
    if any(groups):
        i = 0
        while i < len(cols):
            j = i
            while j + 1 < len(cols) and groups[i] and groups[j + 1] == groups[i]:
                j += 1
            cell = ws.cell(row=row, column=i + 1, value=groups[i] or cols[i].head)
            if j > i:
                ws.merge_cells(start_row=row, start_column=i + 1, end_row=row, end_column=j + 1)
            elif not groups[i]:
                ws.merge_cells(start_row=row, start_column=i + 1, end_row=row + 1, end_column=i + 1)
            cell.font, cell.alignment = bold, wrap
            i = j + 1
        row += 1
    for i, col in enumerate(cols, start=1):
        if col.group or not any(groups):
            cell = ws.cell(row=row, column=i, value=col.head)
            cell.font, cell.alignment = bold, wrap
        ws.column_dimensions[get_column_letter(i)].width = max(6, round(col.width_mm / 2.2))
    for r in range(3, row + 1):
        for i in range(1, len(cols) + 1):
            ws.cell(row=r, column=i).border = _BOX
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    for n, data in enumerate(table.rows, start=1):
        row += 1
        _row(ws, row, cols, {**data, STT: n}, plain)
    if table.total is not None:
        row += 1
        label = {cols[0].key: TOTAL_LABEL}
        _row(ws, row, cols, {**table.total, **label}, bold)
        span = table.spec.total_span
        if span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    for note in table.notes:
        row += 2
        ws.cell(row=row, column=1, value=note).font = Font(name=_XLSX_FONT, italic=True, size=12)


def _row(ws: Any, row: int, cols: Sequence[Column], data: Mapping[str, Any], font: Font) -> None:
    for i, col in enumerate(cols, start=1):
        value, number_format = _xlsx_value(data.get(col.key))
        cell = ws.cell(row=row, column=i, value=value)
        cell.font, cell.border = font, _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal=col.align)
        if number_format:
            cell.number_format = number_format
