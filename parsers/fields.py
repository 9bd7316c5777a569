"""Find the forms in a Layout and their fields by label, wherever they stand.

General on purpose: units retype our forms in their own layouts, so nothing here knows which
program made the file.  The pipeline reads top to bottom in :func:`extract_forms`:

1. lines — each block's text split into lines, in reading order (OCR words grouped into lines);
2. forms — the lines cut at each form title / form code / change of QR payload (a stack);
3. per form — labels found (``parsers.labels``), each label's value looked for where units put
   it: a content control tagged with the key, the next cell of the row, after the label on the
   same line, a block on the same baseline to the right, else the line below; then typed;
4. the QR payload, the date line and the title's year; then what a person must look at.

A value's confidence is how it was found (control 1.0, table cell 0.98, same line 0.95, below
0.85) × the reader's own confidence × how cleanly it read.  A wrong value read with high
confidence is the worst outcome, so anything ambiguous is left unread and sent to review.
The figures of Mẫu 02 are then weighed against each other (:func:`_cross_check`): ratings that
add up to the members evaluated are surer, a sum or a bound that fails makes each of its
figures doubtful.  On a form read by OCR every value is held to the review bar, and each
field's label and value are cut out of the page image (``FieldValue.crop``) for the person who
confirms it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bontot.errors import InputError
from bontot.formdata import ASSESSMENT_TYPES, CHOICE, DATE, INT, PASS, TEXT, YESNO, coerce
from bontot.text import fold, nfc
from parsers.base import BBox, FieldValue, Layout, ParsedForm, Problem, TextBlock
from parsers.labels import (
    FORM_01,
    FORM_02,
    FORM_NAMES,
    GLYPHS,
    GLYPHS_EMPTY,
    GLYPHS_TICKED,
    HEADING,
    TEXT_BLOCK,
    LabelSpec,
    LabelTable,
    Written,
    is_blank,
    options_of,
    printed_label,
    read_choice,
    read_code,
    read_date_line,
    read_int,
    read_text,
    short,
    split_rest,
    starts_with_glyph,
    table_for,
    words,
)

REVIEW_BAR = 0.9  # below this a value the rules use (any value, on a scan) is checked by a person
BY_CONTROL, BY_CELL, BY_LINE, BY_HEADER_ROW, BY_BELOW = 1.0, 0.98, 0.95, 0.93, 0.85
BY_SIGNATURE = 0.95  # a name under the signer's title in capitals ("BÍ THƯ"): where it always is
SUM_HOLDS = 0.1  # the ratings add up to those evaluated: each one's chance of being wrong x this
SUM_FAILS = 0.5  # a sum or a bound that does not hold: each figure in it counts for half
INFERRED_FORM = 0.7  # form code told only by which labels are there
PER_LABEL_EDIT = 0.95  # an OCR label that differed by a letter
DOUBTED = 0.5  # an OCR'd value another source spells otherwise, tone marks only: a person looks

# Keys whose value the rules read (bontot.rules): missing, unreadable or doubtful → review.
# months_active may be left blank (the rules take 12); sub-cell figures matter for a đảng bộ.
_SUB_CELLS = ("sub_cells_total", "sub_cells_four_good")
_OPTIONAL = ("months_active", *_SUB_CELLS)
REVIEW_KEYS = {
    FORM_02: ("unit_code", *(k for k in ASSESSMENT_TYPES if k not in _OPTIONAL)),
    FORM_01: ("unit_code", "title_registered", "members_total", "admission_target"),
}
_TITLES = {
    FORM_01: ("phieu", "dang", "ky", "thi", "dua"),
    FORM_02: ("bao", "cao", "tu", "danh", "gia"),
}
_CODE_MARK = re.compile(r"mau(?: so)? 0?([12]) ?(dk|tdg)")
_CODE_OF = {("1", "dk"): FORM_01, ("2", "tdg"): FORM_02}
_YEAR_IN_TITLE = re.compile(r"\bnam (20\d\d)\b")
_LINE_BREAK = re.compile(r"[\n\r\v\u2028\u2029]+")
_HINT = re.compile(r"^\s*[(\[][^\d" + GLYPHS + r"]*[)\]]\s*$")
_MARK = re.compile(r"^\s*(?:[xX✓✔√×vV]|[" + GLYPHS_TICKED + r"])\s*$")  # a ticked cell
_UNMARKED = re.compile(r"^[\s.…_" + GLYPHS_EMPTY + r"]*$")
_CODE = re.compile(r"[A-Za-z0-9._-]{1,32}")
_BOUNDARY = re.compile(r"\s*[;,|]\s*|\t\s*|\s{2,}")  # where a second label may start


# --- 1. lines --------------------------------------------------------------------------------


Cell = tuple[int, int, int]  # (table, row, col) of a Word table cell


@dataclass(frozen=True)
class Line:
    """One line of text in reading order, with the block it came from."""

    idx: int
    text: str  # NFC
    block: TextBlock
    bid: int  # the block's position: the lines of one block share it
    sub: int  # line number inside the block
    bbox: BBox | None

    @property
    def page(self) -> int:
        return self.block.page

    @property
    def cell(self) -> Cell | None:
        b = self.block
        return None if b.table is None else (b.table, b.row or 0, b.col or 0)


def _lines(blocks: list[TextBlock], held: set[int]) -> list[Line]:
    """Every non-empty line of the blocks; the parts of controls held by another block skipped."""
    lines: list[Line] = []
    for bid, block in enumerate(blocks):
        if bid in held:
            continue
        parts = [p for p in _LINE_BREAK.split(nfc(block.text)) if p.strip()]
        for sub, text in enumerate(parts):
            box = _sub_box(block.bbox, sub, len(parts))
            lines.append(Line(len(lines), text.strip(), block, bid, sub, box))
    return lines


def _sub_box(box: BBox | None, sub: int, count: int) -> BBox | None:
    if box is None or count == 1:
        return box
    x0, top, x1, bottom = box
    step = (bottom - top) / count
    return (x0, top + sub * step, x1, top + (sub + 1) * step)


def _held_controls(blocks: list[TextBlock]) -> set[int]:
    """Controls whose text is also in the paragraph or cell before them (read as controls only).

    The docx reader gives such a control its own block after the block holding it; reading it
    again as a line would put a value twice in the flow.
    """
    held: set[int] = set()
    holder: TextBlock | None = None
    for bid, b in enumerate(blocks):
        if b.control is None and b.checked is None:
            holder = b
            continue
        same_place = holder is not None and (holder.table, holder.row, holder.col) == (
            b.table, b.row, b.col)
        text = nfc(b.text).strip()
        if same_place and holder is not None and (not text or text in nfc(holder.text)):
            held.add(bid)
    return held


def _reading_order(blocks: tuple[TextBlock, ...]) -> list[TextBlock]:
    """Blocks page by page; OCR words grouped into lines; positioned pages sorted top-down."""
    pages: dict[int, list[TextBlock]] = {}
    for b in blocks:
        pages.setdefault(b.page if isinstance(b.page, int) else 0, []).append(b)
    out: list[TextBlock] = []
    for page in sorted(pages):
        found = pages[page]
        if any(b.kind == "line" for b in found):
            # An OCR reader gave its own lines and their words: read each text once, by line
            # (Tesseract's lines follow a curved photo better than grouping words by height).
            found = [b for b in found if b.kind != "word"]
        loose = [b for b in found if b.kind == "word" and b.bbox is not None]
        if loose:
            found = [b for b in found if b not in loose] + _word_lines(loose)
        if all(b.bbox is not None and (b.table is None or b.kind == "line") for b in found):
            found = _by_rows(found)  # OCR lines placed in a ruled table's cells too
        out.extend(found)
    return out


def _by_rows(blocks: list[TextBlock]) -> list[TextBlock]:
    """Top to bottom, left to right: blocks whose middles share a baseline form one row."""
    return [b for row in _rows_of(blocks) for b in row]


def _mid(box: BBox | None) -> float:
    return 0.0 if box is None else (box[1] + box[3]) / 2


def _same_row(a: BBox, b: BBox | None) -> bool:
    return b is not None and a[1] - 1 <= _mid(b) <= a[3] + 1


def _word_lines(found: list[TextBlock]) -> list[TextBlock]:
    """OCR words → lines; a wide gap on a row starts another block (another column or cell)."""
    out: list[TextBlock] = []
    for row in _rows_of([b for b in found if b.bbox is not None]):
        height = max(1.0, sorted(b.bbox[3] - b.bbox[1] for b in row if b.bbox)[len(row) // 2])
        group: list[TextBlock] = []
        for b in row:
            gap = b.bbox[0] - group[-1].bbox[2] if group and b.bbox and group[-1].bbox else 0.0
            if group and gap > 1.5 * height:
                out.append(_joined(group))
                group = []
            group.append(b)
        out.append(_joined(group))
    return out


def _rows_of(found: list[TextBlock]) -> list[list[TextBlock]]:
    """Positioned blocks in rows (a block joins a row when its middle is on the row's first
    block), each row left to right."""
    rows: list[list[TextBlock]] = []
    for b in sorted(found, key=lambda b: _mid(b.bbox)):
        if rows and rows[-1][0].bbox is not None and _same_row(rows[-1][0].bbox, b.bbox):
            rows[-1].append(b)
        else:
            rows.append([b])
    return [sorted(row, key=lambda b: b.bbox[0] if b.bbox else 0.0) for row in rows]


def _joined(group: list[TextBlock]) -> TextBlock:
    boxes = [b.bbox for b in group if b.bbox is not None]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
           max(b[2] for b in boxes), max(b[3] for b in boxes))
    return replace(group[0], text=" ".join(b.text for b in group), bbox=box, kind="line",
                   confidence=min(b.confidence for b in group))


# --- 2. forms in the file ----------------------------------------------------------------------


@dataclass
class _Form:
    """The lines of one form and what marks it (printed form code, title, QR payloads)."""

    lines: list[Line] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # form code → the text that said it
    titles: list[Line] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)


def _marker(line: Line) -> tuple[str, str] | None:
    """("code" | "title", form code) when the line is a form code or a form title."""
    key = " ".join(w.key for w in words(line.text))
    m = _CODE_MARK.fullmatch(key)
    if m:
        return "code", _CODE_OF[(m.group(1), m.group(2))]
    ws = tuple(key.split())
    for code, title in _TITLES.items():
        if ws[: len(title)] == title and len(ws) <= 16:
            return "title", code
    return None


def _split_forms(lines: list[Line], qr_by_page: dict[int, list[str]]) -> list[_Form]:
    """Cut the lines into forms: at a second title, a different printed code, a new QR payload."""
    forms = [_Form()]
    seen_pages: set[int] = set()
    for line in lines:
        current = forms[-1]
        mark = _marker(line)
        new_page = line.page not in seen_pages
        seen_pages.add(line.page)
        page_qr = qr_by_page.get(line.page, []) if new_page else []
        starts = bool(page_qr and current.qr and not set(page_qr) & set(current.qr))
        if mark is not None and mark[0] == "title" and current.titles:
            starts = True
        if mark is not None and mark[0] == "code" and current.codes and \
                mark[1] not in current.codes:
            starts = True
        if starts:
            current = _start_form(forms, line)
        if mark is not None:
            kind, code = mark
            current.codes.setdefault(code, line.text)
            if kind == "title":
                current.titles.append(line)
        current.qr.extend(q for q in page_qr if q not in current.qr)
        current.lines.append(line)
    return [f for f in forms if f.lines or f.qr]


def _start_form(forms: list[_Form], line: Line) -> _Form:
    """A new form from ``line``, taking back the header printed just above it on its page.

    A form's code and its unit header ("CHI BỘ THÔN ...") stand above its title: lines are
    taken back while they are form codes or capitals-only headers on the same page, and are no
    label (the previous form's signature, "BÍ THƯ" and the name, stays with it).  A speck (a
    mark with no letter or digit in it, read as "+" or "-", or a letter or two OCR was all but
    sure were none, "x" at 13 %) neither stops nor counts.
    """
    previous = forms[-1]
    keep = len(previous.lines)
    taken = 0
    while keep > 0 and taken < 8:
        before = previous.lines[keep - 1]
        if before.page != line.page:
            break
        if _speck_line(before):
            keep -= 1
            continue
        if not _header_line(before):
            break
        keep -= 1
        taken += 1
    while keep < len(previous.lines) and _speck_line(previous.lines[keep]):
        keep += 1  # specks above the header stay where they were
    new = _Form(lines=previous.lines[keep:])
    previous.lines = previous.lines[:keep]
    for form in (previous, new):
        form.codes = {}
        for old in form.lines:
            mark = _marker(old)
            if mark is not None:
                form.codes.setdefault(mark[1], old.text)
    forms.append(new)
    return new


SPECK_LINE_BELOW = 0.3  # a line of one or two letters OCR read less surely than this is a speck


def _speck_line(line: Line) -> bool:
    text = line.text.strip()
    if not any(c.isalnum() for c in text):
        return True
    return len(text) <= 2 and line.block.confidence < SPECK_LINE_BELOW


def _header_line(line: Line) -> bool:
    mark = _marker(line)
    if mark is not None:
        return mark[0] == "code"
    letters = [c for c in line.text if c.isalpha()]
    upper = bool(letters) and all(c.isupper() for c in letters)
    return upper and table_for(None).match(line.text) is None and ":" not in line.text


def _assign_qr(forms: list[_Form], qr_by_page: dict[int, list[str]]) -> list[str]:
    """Give each QR payload to the form on its page; the payloads that could not be placed.

    A page shared by several forms (a Word file has one "page" unless it breaks them) gets its
    payloads in order when there are as many as forms, else none is placed.
    """
    lost: list[str] = []
    for form in forms:
        form.qr = []
    for page, payloads in sorted(qr_by_page.items()):
        on_page = [f for f in forms if any(line.page == page for line in f.lines)]
        if len(on_page) == 1:
            on_page[0].qr.extend(payloads)
        elif on_page and len(on_page) == len(payloads):
            for form, payload in zip(on_page, payloads, strict=True):
                form.qr.append(payload)
        else:
            lost.extend(payloads)
    return lost


# --- 3. labels and where their values stand -----------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A label found: on ``first`` (and ``last`` when it wraps), followed by ``rest``."""

    spec: LabelSpec
    first: Line
    last: Line
    rest: str
    edits: int


@dataclass(frozen=True)
class Found:
    """Where a label's value was found: its text, how (a BY_* factor) and the reader's trust."""

    text: str
    how: float
    conf: float
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Reading:
    """One reading of a field: typed value (None when unreadable), confidence, text as written,
    and where on the page it was read (the label and its value: what a person is shown)."""

    key: str
    value: Any
    raw: str
    confidence: float
    problem: str | None = None
    at: Line | None = None
    how: float = 0.0
    seen: tuple[int, BBox] | None = None  # (page, box in points) of the label and the value

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


class _Sheet:
    """One form's lines and the questions value-finding asks of them (right of, below ...)."""

    def __init__(self, lines: list[Line], table: LabelTable, cells: dict[Any, TextBlock]) -> None:
        self.lines = lines
        self.table = table
        self.cells = cells  # (table, row, col) → the cell's block, blank cells included
        self.cell_lines: dict[Cell, list[Line]] = {}
        for line in lines:  # a Word cell is one block; an OCR'd cell, one block per line
            if line.cell is not None and (line.block is cells.get(line.cell)
                                          or line.block.kind == "line"):
                self.cell_lines.setdefault(line.cell, []).append(line)
        self.hits = self._find_hits()
        self.stops = {i for h in self.hits for i in (h.first.idx, h.last.idx)}
        self.stops |= {line.idx for line in lines if _marker(line) or read_date_line(line.text)}
        self.pos = {line.idx: n for n, line in enumerate(lines)}

    # -- labels --------------------------------------------------------------------------

    def _find_hits(self) -> list[Hit]:
        hits: list[Hit] = []
        taken: set[int] = set()
        for n, line in enumerate(self.lines):
            if line.idx in taken:
                continue
            hit = self._hit_at(n)
            if hit is not None:
                hits += self._split_embedded(hit)
                taken.add(hit.last.idx)
        return hits

    def _split_embedded(self, hit: Hit) -> list[Hit]:
        """Two labels on one line ("Mã đơn vị: CB-001   Năm đánh giá: 2024"), each with its
        value: a later label counts only after a gap, a comma or a semicolon, and with a colon
        after it, so that words inside a value are never taken for a label."""
        if hit.spec.kind in (TEXT_BLOCK, HEADING):
            return [hit]
        for gap in _BOUNDARY.finditer(hit.rest):
            tail = hit.rest[gap.end() :]
            found = self.table.match(tail)
            if found is None or found.spec.key is None:
                continue
            if not split_rest(tail[found.end :])[1]:
                continue  # no colon after it: words of the value, not a label
            head = replace(hit, rest=hit.rest[: gap.start()])
            nxt = Hit(found.spec, hit.first, hit.last, tail[found.end :], found.edits)
            return [head, *self._split_embedded(nxt)]
        return [hit]

    def _hit_at(self, n: int) -> Hit | None:
        """The label on line ``n``, joined with the next line when the label wraps onto it."""
        line = self.lines[n]
        fuzzy = line.block.confidence < 1
        m = self.table.match(line.text, fuzzy)
        nxt = self._continuation(n)
        if nxt is not None and (m is None or not split_rest(line.text[m.end :])[0]):
            joined = nfc(f"{line.text} {nxt.text}")
            m2 = self.table.match(joined, fuzzy or nxt.block.confidence < 1)
            longer = m2 is not None and m2.end > len(line.text) + 1
            if m2 is not None and longer and (m is None or m2.words > m.words):
                return Hit(m2.spec, line, nxt, joined[m2.end :], m2.edits)
        if m is None:
            return None
        return Hit(m.spec, line, line, line.text[m.end :], m.edits)

    def _continuation(self, n: int) -> Line | None:
        """The line a label wrapped onto: the block's next line, or the next line below."""
        line = self.lines[n]
        nxt = self.lines[n + 1] if n + 1 < len(self.lines) else None
        if nxt is not None and nxt.bid == line.bid:
            return nxt
        if line.block.table is not None:  # the cell's next line (an OCR'd cell's own block)
            mates = self.cell_lines.get(line.cell, []) if line.cell is not None else []
            later = [x for x in mates if x.idx > line.idx]
            return later[0] if later else None
        if line.bbox is not None:
            below = self._geometric_below(line, reach=1.5)
            return below[0] if below else None
        if nxt is not None and nxt.block.table is None and nxt.bbox is None and \
                nxt.page == line.page:
            return nxt
        return None

    def is_label(self, line: Line) -> bool:
        return line.idx in self.stops

    # -- values --------------------------------------------------------------------------

    def locate(self, hit: Hit) -> Found:
        """The value of a label, looked for where units put it (module docstring, step 3)."""
        value, _ = split_rest(hit.rest)
        if hit.spec.kind == TEXT_BLOCK:
            return self._text_block(hit, value)
        if value:
            return Found(value, BY_LINE, hit.last.block.confidence)
        if hit.last.cell is not None:
            return self._in_table(hit)
        if hit.last.bbox is not None:
            right = self._geometric_right(hit)
            if right:
                return Found(" ".join(x.text for x in right), BY_LINE, _conf(right), tuple(right))
        return self._below(hit)

    def _in_table(self, hit: Hit) -> Found:
        cell = hit.last.cell
        assert cell is not None
        right = self._right_cells(hit.last.block, cell)
        spec = hit.spec
        if right and spec.kind in (YESNO, PASS, CHOICE):
            found = self._option_cells(spec, cell, right)
            if found is not None:
                return found
        if right:
            # The value is the first cell to the right that holds text (a unit may leave an
            # empty spacer column between labels and values); all empty: the field is blank.
            filled = [c for c in right if any(ln.text.strip() for ln in self.cell_lines.get(c, ()))]
            first = filled[0] if filled else right[0]
            lines = tuple(self.cell_lines.get(first, ()))
            if not lines and not self._later_in_block(hit):
                return Found("", BY_CELL, 1.0)  # the value cell is empty: blank
            if lines and not self._label_cell(spec, lines):
                return Found(_cell_text(lines), BY_CELL, _conf(lines), lines)
        if self._later_in_block(hit):
            return self._below(hit)
        below_cell = (cell[0], cell[1] + 1, cell[2])
        lines = tuple(self.cell_lines.get(below_cell, ()))
        if lines and not self._label_cell(spec, lines):
            above_is_header = bool(right) or self._row_has_other_labels(hit.last)
            how = BY_HEADER_ROW if above_is_header else BY_BELOW
            return Found(_cell_text(lines), how, _conf(lines), lines)
        return Found("", BY_CELL, 1.0)

    def _right_cells(self, block: TextBlock, cell: Cell) -> list[Cell]:
        """The cells right of a label's cell in its row, up to the next label cell."""
        out: list[Cell] = []
        table, row, col = cell
        col += block.col_span
        while (table, row, col) in self.cells and len(out) < 12:
            here = (table, row, col)
            lines = self.cell_lines.get(here, [])
            if out and lines and self.is_label(lines[0]):
                break
            out.append(here)
            col += max(1, self.cells[here].col_span)
        return out

    def _label_cell(self, spec: LabelSpec, lines: tuple[Line, ...]) -> bool:
        """A cell holding another label (not a value), unless it is this field's option."""
        if not self.is_label(lines[0]):
            return False
        if spec.kind in (YESNO, PASS, CHOICE) and spec.key is not None:
            choice = read_choice(options_of(spec.key, spec.kind), "\n".join(x.text for x in lines))
            return choice.option is None
        return True

    def _row_has_other_labels(self, line: Line) -> bool:
        cell = line.cell
        return cell is not None and any(
            c[:2] == cell[:2] and c != cell and ls and self.is_label(ls[0])
            for c, ls in self.cell_lines.items()
        )

    def _option_cells(self, spec: LabelSpec, cell: Cell,
                      right: list[Cell]) -> Found | None:
        """Options in the cells right of the label: ticked boxes, one option, or marks under a
        header row of options ("Nội dung | Có | Không" above "… | x | ")."""
        texts = ["\n".join(x.text for x in self.cell_lines.get(c, ())) for c in right]
        blocks = [self.cells[c] for c in right]
        lines = tuple(x for c in right for x in self.cell_lines.get(c, ()))
        conf = _conf(lines) if lines else 1.0
        if all(_MARK.match(t) or _UNMARKED.match(t) for t in texts) and any(texts):
            header = self._header_options(spec, cell, right)
            if header is None:
                return None
            marks = ["☒ " if _MARK.match(t) else "☐ " for t in texts]
            pieces = [mark + head for mark, head in zip(marks, header, strict=True)]
            return Found(" ".join(pieces), BY_HEADER_ROW, conf, lines)
        pieces = []
        for text, block in zip(texts, blocks, strict=True):
            if block.checked is not None and not any(g in text for g in GLYPHS):
                text = ("☒ " if block.checked else "☐ ") + text
            pieces.append(text)
        if len([p for p in pieces if p.strip()]) > 1 or any(g in " ".join(pieces) for g in GLYPHS):
            return Found(" ".join(pieces), BY_CELL, conf, lines)
        return None  # one plain value cell: read as any other

    def _header_options(self, spec: LabelSpec, cell: Cell,
                        right: list[Cell]) -> list[str] | None:
        """The options printed above the marked columns, from the nearest such row above."""
        assert spec.key is not None
        options = options_of(spec.key, spec.kind)
        for row in range(cell[1] - 1, -1, -1):
            heads = ["\n".join(x.text for x in self.cell_lines.get((c[0], row, c[2]), ()))
                     for c in right]
            chosen = [read_choice(options, h).option for h in heads]
            if all(chosen):
                return [str(c) for c in chosen]
        return None

    def _later_in_block(self, hit: Hit) -> bool:
        n = self.pos[hit.last.idx] + 1
        return n < len(self.lines) and self.lines[n].bid == hit.last.bid and any(
            not _HINT.match(x.text) for x in self._block_rest(hit.last))

    def _block_rest(self, line: Line) -> list[Line]:
        n, out = self.pos[line.idx] + 1, []
        while n < len(self.lines) and self.lines[n].bid == line.bid:
            out.append(self.lines[n])
            n += 1
        return out

    # -- below and beside ----------------------------------------------------------------

    def _after(self, line: Line, reach: float = 2.5) -> list[Line]:
        """The lines that follow a line downwards: its block's next lines, then the cell below
        (a table), the lines below in its column (positioned text), or the next paragraphs."""
        out = self._block_rest(line)
        if line.cell is not None:
            table, row, col = line.cell
            out += self.cell_lines.get((table, row + 1, col), [])
        elif line.bbox is not None:
            out += self._geometric_below(line, reach=reach, many=True)
        else:
            n = self.pos[line.idx] + len(self._block_rest(line)) + 1
            while n < len(self.lines):
                nxt = self.lines[n]
                if nxt.block.table is not None or nxt.bbox is not None or nxt.page != line.page:
                    break
                out.append(nxt)
                n += 1
        return out

    def _below(self, hit: Hit) -> Found:
        """The value under a label with nothing beside it (or the options listed under it)."""
        spec = hit.spec
        gap = 8.0 if spec.key == "secretary_name" else 2.5  # the signature leaves a space
        after = [x for x in self._after(hit.last, gap) if not _HINT.match(x.text)]
        if spec.kind in (YESNO, PASS, CHOICE) and spec.key is not None:
            taken = self._option_lines(spec, after)
            if taken:
                return Found(" ".join(_piece(x) for x in taken), BY_BELOW, _conf(taken),
                             tuple(taken))
        nxt = after[0] if after else None
        if nxt is None or self.is_label(nxt) or starts_with_glyph(nxt.text):
            return Found("", BY_BELOW, 1.0)
        if spec.kind == TEXT and spec.key not in _NAMES_AND_CODES and _heading_like(nxt.text):
            return Found("", BY_BELOW, 1.0)  # a section heading of the form, not a value
        how = BY_BELOW
        if spec.key == "secretary_name" and _signer_title(hit) and _NAME.fullmatch(nxt.text):
            how = BY_SIGNATURE
        return Found(nxt.text, how, nxt.block.confidence, (nxt,))

    def _option_lines(self, spec: LabelSpec, after: list[Line]) -> list[Line]:
        """Consecutive option lines under a label ("☒ Có" / "☐ Không", or one option)."""
        assert spec.key is not None
        options = options_of(spec.key, spec.kind)
        taken: list[Line] = []
        for x in after[: len(options)]:
            boxed = starts_with_glyph(x.text) or x.block.checked is not None
            whole = read_choice(options, x.text)
            if not boxed and (whole.option is None or whole.quality < 1):
                break
            taken.append(x)
        return taken

    def _text_block(self, hit: Hit, value: str) -> Found:
        """Free text under a heading (Mẫu 01's commitments), kept as written, line by line."""
        parts = [value] if value else []
        lines: list[Line] = []
        cell = hit.last.cell
        right = self._right_cells(hit.last.block, cell) if cell is not None else []
        if right and not self._block_rest(hit.last):
            lines = list(self.cell_lines.get(right[0], ()))
        else:
            for x in self._after(hit.last)[:60]:
                if self.is_label(x):
                    break
                lines.append(x)
        parts += [x.text for x in lines]
        conf = _conf(lines) if lines else hit.last.block.confidence
        return Found("\n".join(parts), BY_CELL if right else BY_LINE, conf, tuple(lines))

    def _geometric_right(self, hit: Hit) -> list[Line]:
        """Blocks on the label's baseline to its right, up to the next label."""
        box = _union(hit.first.bbox, hit.last.bbox)
        row = [
            x for x in self.lines
            if x.page == hit.last.page and x.bbox is not None and x.bid != hit.last.bid
            and x.bid != hit.first.bid and x.bbox[0] >= box[2] - 2 and _same_row(box, x.bbox)
        ]
        out: list[Line] = []
        for x in sorted(row, key=lambda x: x.bbox[0] if x.bbox else 0):
            if self._label_cell(hit.spec, (x,)):
                break
            out.append(x)
        return out

    def _geometric_below(self, line: Line, reach: float, many: bool = False) -> list[Line]:
        """Lines under ``line`` in its column, each within ``reach`` line heights of the last."""
        box = line.bbox
        assert box is not None
        height = max(box[3] - box[1], 1.0)
        under = sorted(
            (x for x in self.lines
             if x.page == line.page and x.bbox is not None and x.bid != line.bid
             and x.bbox[1] >= box[3] - 0.3 * height and x.bbox[0] < box[2] and x.bbox[2] > box[0]),
            key=lambda x: (x.bbox[1], x.bbox[0]) if x.bbox else (0.0, 0.0),
        )
        out: list[Line] = []
        bottom = box[3]
        for x in under:
            assert x.bbox is not None
            if x.bbox[1] - bottom > reach * height:
                break
            out.append(x)
            bottom = max(bottom, x.bbox[3])
            if not many:
                break
        return out


_NAMES_AND_CODES = ("secretary_name", "unit_code")  # may be written in capitals
_NAME = re.compile(r"(?:[^\W\d_][^\W\d_.]*\.?\s+){1,5}[^\W\d_]+")  # "Nguyễn Văn An", "Lê T. Hoa"


def _signer_title(hit: Hit) -> bool:
    """The signer's title alone on its line in capitals ("BÍ THƯ"), as a signature block
    prints it above the signature and the name."""
    letters = [c for c in hit.first.text if c.isalpha()]
    return hit.first is hit.last and not split_rest(hit.rest)[0] and bool(letters) and all(
        c.isupper() for c in letters)
_SECTION = re.compile(r"^\s*(?:[IVX]{1,4}|[A-Z]|\d{1,2})[.)]\s")


def _heading_like(text: str) -> bool:
    """A line that opens a section ("II. KẾT QUẢ", "B. Tự đánh giá:"), never a value below."""
    letters = [c for c in text if c.isalpha()]
    capitals = len(letters) > 3 and all(c.isupper() for c in letters)
    return capitals or text.rstrip().endswith(":") or bool(_SECTION.match(text))


def _union(a: BBox | None, b: BBox | None) -> BBox:
    """The box around a label that wrapped onto a second line."""
    boxes = [x for x in (a, b) if x is not None]
    return (min(x[0] for x in boxes), min(x[1] for x in boxes),
            max(x[2] for x in boxes), max(x[3] for x in boxes))


def _cell_text(lines: tuple[Line, ...]) -> str:
    """A cell's lines as its value: a Word cell's paragraphs one per line; the lines an OCR'd
    cell wraps its text onto (one block each) joined by a space, as the unit typed them."""
    out = lines[0].text
    for before, line in zip(lines, lines[1:], strict=False):
        wrapped = line.block.kind == "line" and line.bid != before.bid
        out += (" " if wrapped else "\n") + line.text
    return out


def _conf(lines: tuple[Line, ...] | list[Line]) -> float:
    return min((x.block.confidence for x in lines), default=1.0)


def _piece(line: Line) -> str:
    """An option line as text, its check box state written as a glyph when the reader gave it."""
    if line.block.checked is None or any(g in line.text for g in GLYPHS):
        return line.text
    return ("☒ " if line.block.checked else "☐ ") + line.text


# --- 4. typed values, the form's own marks, what a person must check ---------------------------


def _typed(spec: LabelSpec, text: str, how: float, conf: float, at: Line | None = None,
           edits: int = 0) -> Reading:
    """A found value typed for its key (formdata.coerce), with its confidence."""
    key, kind = spec.key or "", spec.kind
    if kind == INT:
        written = read_int(text)
    elif kind in (YESNO, PASS, CHOICE):
        choice = read_choice(options_of(key, kind), text)
        value = None if choice.option is None else coerce(key, kind, choice.option)
        written = Written(value, choice.quality, choice.problem)
    elif key == "unit_code":
        written = read_code(text)
    elif kind == DATE:
        written = _date_value(text)
    elif kind == TEXT_BLOCK:
        written = read_text(text)
    else:
        # A one-line text (a name, a place) wrapped in its cell: the break is the layout's.
        written = read_text(" ".join(text.split()))
    written = _in_range(key, written)
    raw = " ".join(text.split()) if kind != TEXT_BLOCK else text.strip()
    if written.value is None:
        return Reading(key, None, raw, 0.0, written.problem, at, how)
    confidence = how * conf * written.quality * PER_LABEL_EDIT**edits
    return Reading(key, written.value, raw, max(0.0, min(1.0, confidence)), None, at, how)


def _date_value(text: str) -> Written:
    """A date in a content control: "12/11/2022", "2022-11-12" or the date line's words."""
    line = read_date_line(text) or read_date_line(f"ngày {text.strip()}")
    if line is not None:
        return line.date
    try:
        return Written(dt.date.fromisoformat(text.strip()))
    except ValueError:
        return Written() if is_blank(text) else Written(problem="ngày ghi không rõ")


def _in_range(key: str, written: Written) -> Written:
    """Values no form can hold (forms.md): a misread, not a fact."""
    value = written.value
    if key == "months_active" and isinstance(value, int) and not 1 <= value <= 12:
        return Written(problem=f"số tháng phải từ 1 đến 12 (đọc được {value})")
    if key == "year" and isinstance(value, int) and not 2000 <= value <= 2099:
        return Written(problem=f"năm {value} không hợp lệ")
    return written


# Keys read from the date line on paper, but a template may hold them in content controls.
_CONTROL_ONLY = {
    "signed_on": LabelSpec("signed_on", "Ngày ký", DATE),
    "signed_place": LabelSpec("signed_place", "Địa danh", TEXT),
}
_TAG = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:[:=|.#/]\s*(.+?))?\s*$")


def _control_readings(blocks: list[TextBlock], table: LabelTable) -> list[Reading]:
    """Values in content controls tagged with their key: the most trusted reading.

    Check box controls name their option in the tag ("t1_self=Đạt", "t1_self:khong_dat") or in
    their text; a lone box for a yes/no key reads ticked as "Có"/"Đạt", and unticked as
    "Không"/"Không đạt" below the review bar (an empty box may only mean not answered).
    """
    texts: dict[str, list[TextBlock]] = {}
    boxes: dict[str, list[tuple[str, TextBlock]]] = {}
    for b in blocks:
        m = _TAG.match(b.control or "")
        key = m.group(1).lower() if m else ""
        spec = table.by_key.get(key) or _CONTROL_ONLY.get(key)
        if m is None or spec is None or spec.key is None:
            continue
        if b.checked is None:
            texts.setdefault(spec.key, []).append(b)
        else:
            option = (m.group(2) or "").replace("_", " ") or b.text.strip(GLYPHS + " ")
            boxes.setdefault(spec.key, []).append((option, b))
    specs = {**_CONTROL_ONLY, **table.by_key}
    out = [_typed(specs[k], b.text, BY_CONTROL, b.confidence) for k, bs in texts.items()
           for b in bs]
    for key, found in boxes.items():
        out.append(_boxes_reading(specs[key], found))
    return out


def _boxes_reading(spec: LabelSpec, found: list[tuple[str, TextBlock]]) -> Reading:
    assert spec.key is not None
    conf = min(b.confidence for _, b in found)
    if len(found) == 1 and not found[0][0] and spec.kind in (YESNO, PASS):
        first, second = options_of(spec.key, spec.kind)
        ticked = bool(found[0][1].checked)
        return _typed(spec, first if ticked else second, BY_CONTROL if ticked else BY_BELOW, conf)
    text = " ".join(("☒ " if b.checked else "☐ ") + option for option, b in found)
    return _typed(spec, text, BY_CONTROL, conf)


def _same(value: Any) -> Any:
    return fold(value) if isinstance(value, str) else value


def _merge(readings: list[Reading]) -> Reading | None:
    """One reading per key: a content control first; two different values → unreadable."""
    written = [r for r in readings if not r.blank]
    if not written:
        return None
    good = [r for r in written if r.problem is None]
    controls = [r for r in good if r.how == BY_CONTROL]
    values = {_same(r.value) for r in good}
    if len(values) > 1:
        raws = list(dict.fromkeys(r.raw for r in good))[:3]
        said = list(dict.fromkeys(_said(r) for r in good))[:3]
        shown = " và ".join(f"\u201c{x}\u201d" for x in said)
        return Reading(good[0].key, None, " | ".join(raws), 0.0,
                       f"ghi nhiều giá trị khác nhau ({shown})", good[0].at,
                       seen=good[0].seen)
    bad = [r for r in written if r.problem is not None]
    if bad and not controls:
        return bad[0]
    return max(good, key=lambda r: r.confidence) if good else bad[0]


def _said(reading: Reading) -> str:
    """A reading as a message quotes it: as written when short, else its value."""
    if len(reading.raw) <= 40 or isinstance(reading.value, str):
        return short(reading.raw)
    value = reading.value
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@dataclass(frozen=True)
class _Qr:
    payload: str
    form_code: str
    unit_code: str
    period: str


_QR_FORMS = {fold(t): code for code, name in FORM_NAMES.items() for t in (code, name, name[4:])}


def _parse_qr(payload: str) -> _Qr | None:
    """``BT1|<form_code>|<unit_code>|<year or period>`` as our pre-filled forms print it."""
    parts = [p.strip() for p in str(payload).split("|")]
    if len(parts) != 4 or parts[0] != "BT1" or not _CODE.fullmatch(parts[2]):
        return None
    code = _QR_FORMS.get(fold(parts[1]))
    return None if code is None else _Qr(payload, code, parts[2], parts[3])


_ONLY_01 = {"unit_type", "title_registered", "admission_target",
            "commit_t1", "commit_t2", "commit_t3", "commit_t4"}
_ONLY_02 = set(ASSESSMENT_TYPES) - {"members_total", "sub_cells_total"}


def _form_code(form: _Form, qr: _Qr | None, problems: list[Problem]) -> Reading | None:
    """Which form this is: the QR code decides; else the printed code or title; else, with a
    warning, the labels only one form has."""
    printed = form.codes
    if qr is not None:
        for code, text in printed.items():
            if code != qr.form_code:
                problems.append(Problem("form_code", "error",
                    f"Mã QR ghi {FORM_NAMES[qr.form_code]} nhưng phiếu in \u201c{short(text)}\u201d"
                    f" ({FORM_NAMES[code]}): cần kiểm tra đơn vị có dùng nhầm mẫu không."))
        return Reading("form_code", qr.form_code, f"QR: {qr.payload}", 1.0, how=BY_CONTROL)
    if len(printed) == 1:
        code, text = next(iter(printed.items()))
        return Reading("form_code", code, text, BY_CELL, how=BY_CELL)
    if len(printed) > 1:
        problems.append(Problem("form_code", "error",
            "Phiếu in cả tên Mẫu 01-ĐK và Mẫu 02-TĐG: không rõ là mẫu nào, cần kiểm tra."))
        return None
    keys = {h.spec.key for h in _Sheet(form.lines, table_for(None), {}).hits}
    own_01, own_02 = len(keys & _ONLY_01), len(keys & _ONLY_02)
    guess: str | None = None
    if own_01 >= 2 and not own_02:
        guess = FORM_01
    elif own_02 >= 2 and not own_01:
        guess = FORM_02
    if guess is None:
        problems.append(Problem("form_code", "error",
            "Không nhận ra mẫu phiếu (Mẫu 01-ĐK hay Mẫu 02-TĐG): không thấy tên mẫu, tiêu đề"
            " hay mã QR."))
        return None
    problems.append(Problem("form_code", "warning",
        f"Không thấy tên mẫu hay tiêu đề phiếu; theo các mục ghi trên phiếu, đây là"
        f" {FORM_NAMES[guess]}: cần kiểm tra."))
    return Reading("form_code", guess, "", INFERRED_FORM, how=INFERRED_FORM)


def _form_qr(form: _Form, problems: list[Problem]) -> _Qr | None:
    """The form's one QR payload; a malformed one is ignored, two different ones decide nothing."""
    found: dict[str, _Qr] = {}
    for payload in dict.fromkeys(form.qr):
        parsed = _parse_qr(payload)
        if parsed is None:
            problems.append(Problem(None, "warning",
                f"Mã QR \u201c{short(payload)}\u201d không đúng dạng của phần mềm: bỏ qua,"
                " dùng nội dung in trên phiếu."))
        else:
            found[payload] = parsed
    if len(found) > 1:
        shown = ", ".join(f"\u201c{short(p)}\u201d" for p in found)
        problems.append(Problem(None, "error",
            f"Trong cùng một phiếu có nhiều mã QR khác nhau ({shown}): không dùng mã QR nào,"
            " cần kiểm tra có bị lẫn trang của đơn vị khác không."))
        return None
    return next(iter(found.values()), None)


def _apply_qr(qr: _Qr, fields: dict[str, Reading], problems: list[Problem]) -> None:
    """The QR code decides the unit code; a printed code that disagrees is an error."""
    printed = fields.get("unit_code")
    if printed is not None and printed.value is not None and \
            fold(str(printed.value)) != fold(qr.unit_code):
        problems.append(Problem("unit_code", "error",
            f"\u201c{printed_label('unit_code')}\u201d in trên phiếu là \u201c{printed.value}\u201d"
            f" nhưng mã QR ghi \u201c{qr.unit_code}\u201d: phần mềm dùng mã trong mã QR, cần"
            " kiểm tra phiếu có đúng của đơn vị không."))
    fields["unit_code"] = Reading("unit_code", qr.unit_code, f"QR: {qr.payload}", 1.0,
                                  how=BY_CONTROL)
    year = fields.get("year")
    if qr.form_code == FORM_02 and qr.period.isdigit():
        if year is None:
            fields["year"] = Reading("year", int(qr.period), f"QR: {qr.payload}", 1.0)
        elif year.value is not None and year.value != int(qr.period):
            problems.append(Problem("year", "error",
                f"\u201c{printed_label('year')}\u201d trên phiếu là {year.value} nhưng mã QR ghi"
                f" năm {qr.period}: cần kiểm tra."))


def _date_readings(lines: list[Line], words: dict[int, list[float]] | None = None
                   ) -> list[Reading]:
    """The place and the date of the line above the signature; on an OCR'd line each is as
    sure as its own words (a doubtful letter in the place does not make the date doubtful)."""
    out: list[Reading] = []
    for line in lines:
        found = read_date_line(line.text)
        if found is None:
            continue
        place_conf = date_conf = line.block.confidence
        confs = (words or {}).get(id(line.block))
        if confs and found.place is not None and len(confs) == len(line.text.split()):
            n = len(line.text.split(",", 1)[0].split())
            if 0 < n < len(confs):
                place_conf, date_conf = min(confs[:n]), min(confs[n:])
        seen = _seen((line,))
        if found.place is not None:
            out.append(Reading("signed_place", found.place, found.place, BY_LINE * place_conf,
                               at=line, seen=seen))
        date = found.date
        if not date.blank:
            read = date.value is not None
            out.append(Reading("signed_on", date.value, line.text,
                               BY_LINE * date_conf if read else 0.0, date.problem, line,
                               seen=seen))
    return out


def _word_confidences(layout: Layout) -> dict[int, list[float]]:
    """Each OCR line's words' confidences, by the line block's id (a reader that keeps words
    gives each line followed by its words; the field matcher reads the lines only)."""
    out: dict[int, list[float]] = {}
    current: list[float] | None = None
    for b in layout.blocks:
        if b.kind == "line":
            current = out.setdefault(id(b), [])
        elif b.kind == "word" and current is not None:
            current.append(b.confidence)
        else:
            current = None
    return out


def _title_years(form: _Form) -> list[Reading]:
    """"… NĂM 2024" in a Mẫu 02 title (or the line under it)."""
    out: list[Reading] = []
    for title in form.titles:
        n = form.lines.index(title) if title in form.lines else -1
        for line in form.lines[n : n + 3] if n >= 0 else ():
            m = _YEAR_IN_TITLE.search(" ".join(w.key for w in words(line.text)))
            if m:
                out.append(Reading("year", int(m.group(1)), line.text,
                                   BY_LINE * line.block.confidence, at=line,
                                   seen=_seen((line,))))
                break
    return out


def _review(code: str | None, fields: dict[str, Reading], problems: list[Problem],
            ocr: bool = False) -> bool:
    """Whether a person must look, with a Vietnamese problem for each reason (forms.md).

    On a form read by OCR every value is held to the bar, not only those the rules use: a
    misread name or date is as wrong as a misread count, and only a person can tell.
    """
    form_code = fields.get("form_code")
    review = code is None or form_code is None or form_code.confidence < REVIEW_BAR
    for key, reading in fields.items():
        if reading.problem is not None:
            problems.append(Problem(key, "error", f"Không đọc được \u201c{_label(key, code)}\u201d:"
                                                  f" {reading.problem}."))
            review = True
    required = list(REVIEW_KEYS.get(code or "", ("unit_code",)))
    kind = fields.get("unit_kind")
    if code == FORM_02 and kind is not None and kind.value == "dang_bo_co_so":
        required += _SUB_CELLS
    for key in required:
        if key not in fields:
            problems.append(Problem(key, "warning", f"{MISSING} \u201c{_label(key, code)}\u201d."))
            review = True
    for key, reading in fields.items():
        used = key in required or (code == FORM_02 and key in _OPTIONAL) or (
            ocr and key != "form_code")
        if used and reading.value is not None and reading.confidence < REVIEW_BAR:
            problems.append(Problem(key, "warning",
                f"{UNSURE} \u201c{_label(key, code)}\u201d (đọc được"
                f" \u201c{short(reading.raw)}\u201d): cần đối chiếu với phiếu gốc."))
            review = True
    return review or any(p.level == "error" for p in problems)


MISSING, UNSURE = "Thiếu", "Chưa chắc chắn"  # how the reader's reasons for a review begin
CONFIRMED = 0.97  # an OCR'd value another source spells letter for letter the same way


def _needs_review(form: ParsedForm) -> bool:
    """The reader's decision (:func:`_review`) made again from what it left in the form."""
    code = form.fields.get("form_code")
    return (form.form_code is None or code is None or code.confidence < REVIEW_BAR
            or any(p.level == "error" or p.message.startswith((MISSING + " \u201c",
                                                               UNSURE + " \u201c"))
                   for p in form.problems))


def reassessed(form: ParsedForm, confirmed: Iterable[str] = (),
               doubted: Mapping[str, str] | None = None,
               mended: Mapping[str, str] | None = None) -> ParsedForm:
    """``form`` after another source has spoken about some of its values (the roster, which
    the validation knows and the reader does not).

    Each ``confirmed`` key's value is spelt exactly as the other source spells it: its
    confidence rises to :data:`CONFIRMED` and its "not sure" warning goes; one also in
    ``mended`` (a known OCR slip away from it) takes that spelling, its raw text kept as read.
    Each ``doubted`` key's value differs from it only where OCR slips (a tone mark): it falls
    under the bar, with a warning saying what the other source says (``doubted[key]``).
    Whether a person must look is then decided again as the reader decides it, unless the
    reader had a reason of its own this cannot see (then the form stays for review).
    """
    doubted = dict(doubted or {})
    mended = dict(mended or {})
    keys = {k for k in confirmed if k in form.fields} | {k for k in doubted if k in form.fields}
    if not keys:
        return form
    explained = _needs_review(form) == form.needs_review
    fields = dict(form.fields)
    problems = [p for p in form.problems
                if not (p.field in keys and p.message.startswith(UNSURE + " \u201c"))]
    for key in confirmed:
        if key in fields and key not in doubted:
            fields[key] = replace(fields[key], value=mended.get(key, fields[key].value),
                                  confidence=max(fields[key].confidence, CONFIRMED))
    for key, other in doubted.items():
        if key not in fields:
            continue
        value = fields[key]
        fields[key] = replace(value, confidence=min(value.confidence, DOUBTED))
        problems.append(Problem(key, "warning",
                                f"{UNSURE} \u201c{_label(key, form.form_code)}\u201d (đọc được"
                                f" \u201c{short(value.raw)}\u201d, {other}): cần đối chiếu với"
                                " phiếu gốc."))
    out = replace(form, fields=fields, problems=tuple(problems))
    review = _needs_review(out) if explained else True
    return replace(out, needs_review=review or any(p.level == "error" for p in problems))


def _label(key: str, code: str | None) -> str:
    if key == "signed_on":
        return "ngày ký"
    if key == "signed_place":
        return "địa danh ghi trước ngày ký"
    if key == "form_code":
        return "mẫu phiếu"
    return printed_label(key, code)


def _label_readings(sheet: _Sheet) -> dict[str, list[Reading]]:
    """Each label's value, in reading order: a line taken as one label's value (an option under
    "Đề nghị xếp loại") is not read again as a label itself."""
    readings: dict[str, list[Reading]] = {}
    claimed: set[int] = set()
    for hit in sheet.hits:
        if hit.spec.key is None or hit.first.idx in claimed:
            continue
        found = sheet.locate(hit)
        claimed.update(x.idx for x in found.lines)
        reading = _typed(hit.spec, found.text, found.how, found.conf, hit.first, hit.edits)
        seen = _seen((hit.first, hit.last, *found.lines))
        readings.setdefault(hit.spec.key, []).append(replace(reading, seen=seen))
    return readings


def _seen(lines: tuple[Line, ...]) -> tuple[int, BBox] | None:
    """The box around a field's label and value lines on the label's page."""
    page = lines[0].page
    boxes = [x.bbox for x in lines if x.bbox is not None and x.page == page]
    if not boxes:
        return None
    return page, (min(b[0] for b in boxes), min(b[1] for b in boxes),
                  max(b[2] for b in boxes), max(b[3] for b in boxes))


def _read_form(form: _Form, layout: Layout, blocks: list[TextBlock], held: set[int],
               span: tuple[int, int]) -> ParsedForm:
    """Every field of one form, with its problems and whether a person must look.

    ``span`` is the form's range of blocks: its lines' blocks and the controls after them.
    """
    problems: list[Problem] = []
    qr = _form_qr(form, problems)
    code_reading = _form_code(form, qr, problems)
    code = None if code_reading is None else str(code_reading.value)
    table = table_for(code)
    first, end = span
    own = blocks[first:end]
    cells: dict[Any, TextBlock] = {}
    for bid in range(first, end):
        b = blocks[bid]
        if bid not in held and b.table is not None:
            cells.setdefault((b.table, b.row or 0, b.col or 0), b)
    readings = _label_readings(_Sheet(form.lines, table, cells))
    extra = [*_control_readings(own, table),
             *_date_readings(form.lines, _word_confidences(layout) if layout.source in (
                 "pdf-scan", "image") else None)]
    if code == FORM_02:
        extra += _title_years(form)
    for reading in extra:
        readings.setdefault(reading.key, []).append(reading)
    fields = {k: m for k, rs in readings.items() if (m := _merge(rs)) is not None}
    if code_reading is not None:
        fields["form_code"] = code_reading
    if qr is not None:
        _apply_qr(qr, fields, problems)
    _cross_check(code, fields)
    ocr = layout.source in ("pdf-scan", "image") and any(
        line.block.confidence < 1 for line in form.lines)
    review = _review(code, fields, problems, ocr)
    pages = sorted({line.page for line in form.lines})
    crops = _crops(layout, fields) if layout.page_images else {}
    return ParsedForm(
        form_code=code,
        source=layout.source,
        fields={k: _field_value(r, crops.get(k)) for k, r in fields.items()},
        problems=tuple(problems),
        needs_review=review,
        parser="labels",
        pages=tuple(pages),
        qr=qr.payload if qr is not None else None,
    )


def _field_value(reading: Reading, crop: str | None = None) -> FieldValue:
    at = reading.at
    return FieldValue(reading.value, round(reading.confidence, 4), reading.raw,
                      page=at.page if at else None, bbox=at.bbox if at else None, crop=crop)


_RATED = ("rated_excellent", "rated_good", "rated_complete", "rated_incomplete")
_BOUNDS = (("t1_targets_met", "t1_targets_assigned"), ("members_evaluated", "members_total"),
           ("sub_cells_four_good", "sub_cells_total"))


def _cross_check(code: str | None, fields: dict[str, Reading]) -> None:
    """Figures that must agree with each other, as evidence on how they were read.

    The four ratings adding up to the members evaluated makes each of the five far likelier
    right (a misread figure would have to be offset by another); a sum or a bound that does not
    hold halves each figure in it, so that none of them passes without a person.
    """
    if code != FORM_02:
        return

    def number(key: str) -> int | None:
        r = fields.get(key)
        ok = r is not None and isinstance(r.value, int) and not isinstance(r.value, bool)
        return r.value if ok and r is not None else None

    def scale(keys: tuple[str, ...], holds: bool) -> None:
        for key in keys:
            r = fields[key]
            conf = 1 - (1 - r.confidence) * SUM_HOLDS if holds else r.confidence * SUM_FAILS
            fields[key] = replace(r, confidence=round(conf, 4))

    summed = ("members_evaluated", *_RATED)
    counts = [number(k) for k in summed]
    if all(c is not None for c in counts):
        scale(summed, sum(c for c in counts[1:] if c is not None) == counts[0])
    for small, big in _BOUNDS:
        low, high = number(small), number(big)
        if low is not None and high is not None and low > high:
            scale((small, big), False)


CROP_MARGIN = 4.0  # points around a field's label and value in the image a person is shown
CROP_DPI = 150  # resolution of that image: plenty to read print by, a quarter of the pixels


def _crops(layout: Layout, fields: dict[str, Reading]) -> dict[str, str]:
    """The page image of each field read on a page the reader kept an image of: its label and
    value, cut out and saved beside the page (``page-001-<key>.png``), so that whoever confirms
    the value sees what the machine saw."""
    from PIL import Image

    out: dict[str, str] = {}
    by_page: dict[int, list[tuple[str, BBox]]] = {}
    for key, reading in fields.items():
        if reading.seen is not None and reading.seen[0] in layout.page_images:
            by_page.setdefault(reading.seen[0], []).append((key, reading.seen[1]))
    for page, wanted in by_page.items():
        path = Path(layout.page_images[page])
        try:
            image = Image.open(path)
            dpi = float(image.info.get("dpi", (72.0, 72.0))[0])
            shrink = max(1, round(dpi / CROP_DPI))
            if shrink > 1 and image.format == "JPEG":  # decoded at the size shown: 3x faster
                full = image.size
                image.draft(image.mode, (full[0] // shrink, full[1] // shrink))
                dpi *= image.width / full[0]
                shrink = max(1, round(dpi / CROP_DPI))
            image.load()
        except OSError:
            continue  # the page image went away: the values stand without their pictures
        with image:
            scale = dpi / 72.0
            for key, (x0, top, x1, bottom) in wanted:
                box = (max(0, round((x0 - CROP_MARGIN) * scale)),
                       max(0, round((top - CROP_MARGIN) * scale)),
                       min(image.width, round((x1 + CROP_MARGIN) * scale)),
                       min(image.height, round((bottom + CROP_MARGIN) * scale)))
                if box[2] <= box[0] or box[3] <= box[1]:
                    continue
                target = path.with_name(f"{path.stem}-{key}.png")
                shown = image.crop(box)
                if shown.width // shrink > 40:
                    shown = shown.reduce(shrink)
                shown.save(target, format="PNG", compress_level=1)
                out[key] = str(target)
    return out


def extract_forms(layout: Layout) -> list[ParsedForm]:
    """Every form in a Layout, each with its fields found by label (module docstring)."""
    if not isinstance(layout, Layout):
        raise InputError("Cần bố cục văn bản (Layout) để tìm các trường của phiếu.")
    blocks = _reading_order(tuple(b for b in layout.blocks if isinstance(b, TextBlock)))
    held = _held_controls(blocks)
    lines = _lines(blocks, held)
    qr_by_page: dict[int, list[str]] = {}
    for page, payload in layout.qr_payloads:
        qr_by_page.setdefault(page, []).append(str(payload))
    forms = _split_forms(lines, qr_by_page)
    lost = _assign_qr(forms, qr_by_page)
    if not forms:
        message = "Không tìm thấy nội dung phiếu nào trong tệp (tệp trống hoặc chỉ có hình)."
        return [ParsedForm(None, layout.source, {}, (Problem(None, "error", message),), True,
                           parser="labels")]
    starts = [min(line.bid for line in form.lines) if form.lines else 0 for form in forms]
    ends = [*starts[1:], len(blocks)]
    starts[0] = 0
    out = [_read_form(form, layout, blocks, held, (start, end))
           for form, start, end in zip(forms, starts, ends, strict=True)]
    if lost:
        note = Problem(None, "warning", "Có mã QR không xác định được thuộc phiếu nào: bỏ qua.")
        out = [replace(f, problems=(*f.problems, note)) for f in out]
    return out
