"""PDF with a text layer → :class:`~parsers.base.Layout` of lines and table cells with boxes.

Text and positions come from PDFium's text page: the text is PDFium's own page text, cut into
words at its whitespace, each word boxed by its character boxes (one raw ``FPDFText_GetCharBox``
per character); no space is inferred from a gap between boxes, and words are ordered along a line
by position (a check box glyph drawn by another text run keeps its place).  Words on one baseline
are joined into a ``line`` block unless a wide gap parts them (typed spaces never do), so a label
and the value typed beside it stay one line, while a label column and a value column stay two
blocks the extractor can pair by position.  Pages with horizontal and vertical ruling lines
(read from PDFium's path objects) go to pdfplumber's ``find_tables``, given those lines, whose
cells turn the runs inside a table into ``cell`` blocks with row/col like a Word table.

Pages whose text cannot be trusted — no text at all (a scan), ``(cid:…)``/replacement-character
garbage, or legacy-font text that could not be converted — carry no blocks and are listed in
``Layout.needs_ocr`` for the scan path; the notes say why, in Vietnamese.  Coordinates are points,
origin at the top left of the page as displayed (its /Rotate applied), like pdfplumber's.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bontot.errors import ReadError
from bontot.vnformat import number
from parsers.base import BBox, Layout, TextBlock
from parsers.docx_reader import Run, decode_runs, is_legacy_font, symbol_text

LINE_GAP = 1.2  # runs further apart than this many line heights are separate blocks
MAX_PATH_SEGMENTS = 2000  # a path with more segments is a drawing, not table borders
MIN_RULE = 3.0  # points: shorter segments are no table border (pdfplumber's edge_min_length)
GARBAGE_SHARE = 0.10  # share of unreadable characters that makes a page a case for OCR
LEGACY_LEFTOVER_SHARE = 0.05  # share of TCVN3/VNI-only letters left after conversion
MAX_PAGES = 500  # a returned file holds a form or a pile of them; more pages is no form (as scans)
SCAN_MAX_CHARS = 40  # a page this sparse, mostly covered by an image, is a scan
PATTERN_CONFIDENCE = 0.9  # text converted from a legacy encoding guessed without a font name

_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ufffe\uffff\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f]")
# Latin-1 letters and signs TCVN3/VNI text is made of that Vietnamese Unicode never uses.
_LEGACY_ONLY = re.compile("[¡¢£¤¥¦§¨©ª«¬®°±²³µ¶·¸¹º»¼½¾ÆÇÈËÌÎÏÐÑÒÓÔÖ×ØÛÜÞßäåæçëîïñöøûüþ]")
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_STYLE_SUFFIX = re.compile(r"([,-](Bold|Italic|BoldItalic|Regular|Roman|MT|PSMT))+$", re.I)


@dataclass
class _Seg:
    """One text run of the page: its text, box (display coordinates) and font."""

    text: str
    bbox: BBox
    font: str | None
    guessed: bool = False  # converted from a legacy encoding guessed from the letters
    start: int = -1  # its characters in PDFium's page text: [start, end)
    end: int = -1
    word: int = 0  # its place among the page's words, in PDFium's text order
    space_before: bool = False  # PDFium's text has a space between it and the word before
    linked: bool = False  # typed spaces only (no line break) part it from the word before
    typed_after: bool | None = None  # typed spaces only follow it

    @property
    def height(self) -> float:
        return max(self.bbox[3] - self.bbox[1], 1.0)


@dataclass
class _Page:
    index: int
    segs: list[_Seg] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    needs_ocr: bool = False
    rules: list[dict[str, object]] = field(default_factory=list)  # ruling lines, for tables


def read_pdf(path: str | Path) -> Layout:
    """Read a PDF's text layer; an encrypted or corrupt file is a ReadError."""
    path = Path(path)
    doc = _open(path)
    try:
        if len(doc) > MAX_PAGES:  # refused before any page is read: it would take minutes
            raise ReadError(f"Tệp PDF {path.name} có {number(len(doc))} trang, quá giới hạn "
                            f"{MAX_PAGES} trang của một tệp phiếu; không đọc. Nếu đây là phiếu "
                            "thật, hãy tách thành nhiều tệp nhỏ hơn rồi gửi lại.", path.name)
        pages = [_read_page(doc, i) for i in range(len(doc))]
    finally:
        doc.close()
    tables, failed = _find_tables(path, [p for p in pages if p.rules])
    blocks: list[TextBlock] = []
    next_table = 0
    for page in pages:
        if not page.needs_ocr:
            found, next_table = _page_blocks(page, tables.get(page.index, []), next_table)
            blocks += found
    notes = tuple(n for p in pages for n in p.notes)
    if failed:
        notes += ("Không xác định được ô bảng trong tệp PDF; đã đọc theo dòng.",)
    return Layout(source="pdf-text", blocks=tuple(blocks), pages=len(pages), notes=notes,
                  needs_ocr=tuple(p.index for p in pages if p.needs_ocr))


def _open(path: Path) -> pdfium.PdfDocument:
    name = path.name
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise ReadError(f"Tệp PDF {name} có mật khẩu, không mở được: hãy nhờ đơn vị gửi "
                            "bản không đặt mật khẩu.", name) from exc
        raise ReadError(f"Tệp PDF {name} bị hỏng hoặc chưa tải về hết, không đọc được; hãy nhờ "
                        "đơn vị gửi lại.", name) from exc


# -- one page with PDFium ----------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """PDF user space → display coordinates (points, top-left origin, /Rotate applied)."""

    x0: float
    y0: float
    width: float
    height: float
    rotation: int

    def box(self, left: float, bottom: float, right: float, top: float) -> BBox:
        xs, ys = [], []
        for x, y in ((left, bottom), (right, top)):
            u, v = x - self.x0, self.height - (y - self.y0)
            if self.rotation == 90:
                u, v = self.height - v, u
            elif self.rotation == 180:
                u, v = self.width - u, self.height - v
            elif self.rotation == 270:
                u, v = v, self.width - u
            xs.append(u)
            ys.append(v)
        return (min(xs), min(ys), max(xs), max(ys))


def _read_page(doc: pdfium.PdfDocument, index: int) -> _Page:
    page = doc[index]
    result = _Page(index)
    try:
        left, bottom, right, top = page.get_mediabox()
        geo = _Geometry(left, bottom, right - left, top - bottom, page.get_rotation() % 360)
        textpage = page.get_textpage()
        try:
            whole = textpage.get_text_range()
            result.segs = list(_segments(textpage, geo, whole))
        finally:
            textpage.close()
        _judge(page, result, whole)
        if not result.needs_ocr:
            result.rules = _rules(page, geo)
    finally:
        page.close()
    return result


def _segments(textpage: pdfium.PdfTextPage, geo: _Geometry, whole: str) -> Iterable[_Seg]:
    """The page's words, in PDFium's character order: the text is PDFium's own page text, the
    boxes its character boxes; no space is ever inferred from a gap between boxes.

    A word ends at whitespace, where the next character does not sit on the same line, or lies
    back to the left (a glyph drawn by another text run): lines are ordered by position, never
    by content stream.  Runs split glyph by glyph inside a word stay one word.
    """
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    aligned = len(whole) == count  # no surrogate pairs: one unit per char
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (left, right, bottom, top))
    get_box, generated = pdfium_c.FPDFText_GetCharBox, pdfium_c.FPDFText_IsGenerated
    word: _Seg | None = None  # the word being read
    chars: list[str] = []
    x0 = y0 = x1 = y1 = 0.0  # its box, PDF coordinates
    spaced = False  # a space (typed or PDFium's) since the last word
    typed = None  # whitespace since the last word, all of it typed spaces (None: none seen)
    ordinal = 0
    for i in range(count):
        ch = whole[i] if aligned else chr(pdfium_c.FPDFText_GetUnicode(raw, i))
        if not ch or ch.isspace():
            spaced = spaced or ch == " "
            typed = (typed is not False) and ch == " " and not generated(raw, i)
            if word is not None:
                word.typed_after = typed
                yield _finish_word(textpage, geo, word, chars, (x0, y0, x1, y1))
                word = None
            continue
        if not get_box(raw, i, *refs):
            continue
        lft, r, b, t = left.value, right.value, bottom.value, top.value
        if word is not None:
            # same line: the boxes overlap by half the smaller height; not back to the left,
            # not past a wide gap (plain comparisons: this runs once per character)
            low, high = (b if b > y0 else y0), (t if t < y1 else y1)
            small = (t - b) if (t - b) < (y1 - y0) else (y1 - y0)
            same_line = (high - low >= 0.5 * small) if small > 0 else (y0 <= (b + t) / 2 <= y1)
            if same_line and lft + r >= 2 * x0 - 1 and lft <= x1 + LINE_GAP * (y1 - y0 + 1):
                chars.append(ch)
                if lft < x0:
                    x0 = lft
                if r > x1:
                    x1 = r
                if b < y0:
                    y0 = b
                if t > y1:
                    y1 = t
                continue
            yield _finish_word(textpage, geo, word, chars, (x0, y0, x1, y1))
        ordinal += 1
        word = _Seg("", (0, 0, 0, 0), None, start=i, word=ordinal, space_before=spaced,
                    linked=bool(typed) and ordinal > 1)
        chars, spaced, typed = [ch], False, None
        x0, y0, x1, y1 = lft, b, r, t
    if word is not None:
        yield _finish_word(textpage, geo, word, chars, (x0, y0, x1, y1))


def _finish_word(textpage: pdfium.PdfTextPage, geo: _Geometry, word: _Seg, chars: list[str],
                 box: tuple[float, float, float, float]) -> _Seg:
    text = "".join(chars)
    word.font = _font(textpage, word.start)
    glyphs = symbol_text(word.font, text)
    word.text = glyphs if glyphs is not None else text
    word.bbox = geo.box(*box)
    word.end = word.start + len(chars)
    return word


_FONT_BUF = ctypes.create_string_buffer(128)
_FONT_FLAGS = ctypes.c_int()
_FONT_NAMES: dict[bytes, str | None] = {}  # raw font name → name without subset and style


def _font(textpage: pdfium.PdfTextPage, index: int) -> str | None:
    """The font of one character, without subset prefix or style suffix."""
    size = pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, _FONT_BUF, len(_FONT_BUF),
                                         ctypes.byref(_FONT_FLAGS))
    if size <= 0:
        return None
    raw = _FONT_BUF.value
    name = _FONT_NAMES.get(raw)
    if name is None and raw not in _FONT_NAMES:
        if len(_FONT_NAMES) > 1024:
            _FONT_NAMES.clear()
        text = raw.decode("utf-8", "replace")
        name = _FONT_NAMES[raw] = _STYLE_SUFFIX.sub("", _SUBSET.sub("", text)) or None
    return name


def _judge(page: pdfium.PdfPage, result: _Page, whole: str) -> None:
    """Decode legacy text and decide whether the page's text can be used or needs OCR."""
    n = result.index + 1
    visible = [c for c in whole if not c.isspace()]
    if not visible:
        if pdfium_c.FPDFPage_CountObjects(page.raw) > 0:
            result.needs_ocr = True
            result.notes.append(f"Trang {n} không có chữ (ảnh quét): cần nhận dạng chữ (OCR).")
        return
    garbage = sum(len(m.group()) for m in _GARBAGE.finditer(whole))
    if garbage > GARBAGE_SHARE * len(visible):
        result.needs_ocr = True
        result.notes.append(f"Trang {n}: chữ trong PDF bị lỗi mã (phông chữ thiếu bảng mã "
                            "Unicode), cần nhận dạng chữ (OCR).")
        return
    if len(visible) < SCAN_MAX_CHARS and _image_share(page) >= 0.5:
        result.needs_ocr = True
        result.notes.append(f"Trang {n} là ảnh quét (chỉ có ít chữ kèm theo): cần nhận dạng "
                            "chữ (OCR).")
        return
    _decode(result)
    text = "".join(s.text for s in result.segs)
    letters = sum(c.isalpha() for c in text) or 1
    if len(_LEGACY_ONLY.findall(text)) > LEGACY_LEFTOVER_SHARE * letters:
        result.needs_ocr = True
        result.notes.append(f"Trang {n}: chữ có vẻ gõ bằng bảng mã cũ (TCVN3/VNI) nhưng không "
                            "chuyển được chắc chắn; cần nhận dạng chữ (OCR).")


def _decode(result: _Page) -> None:
    """Legacy runs to Unicode: by font name, else by the letters of the whole page (flagged).

    Words that follow each other in one font are decoded as one run (a space between them),
    as the run they were typed in: one judgement for a sentence, not one per word.
    """
    groups: list[list[_Seg]] = []
    for seg in result.segs:
        prev = groups[-1][-1] if groups else None
        if prev and prev.font == seg.font and (seg.linked or seg.start == prev.end):
            groups[-1].append(seg)
        else:
            groups.append([seg])
    runs = [Run(" ".join(s.text for s in group), group[0].font) for group in groups]
    before = [r.text for r in runs]
    notes = decode_runs(runs)
    for group, run, old in zip(groups, runs, before, strict=True):
        guessed = run.text != old and not (group[0].font and is_legacy_font(group[0].font))
        words = run.text.split(" ")
        if len(words) != len(group):  # a decoder changed the spacing: decode word by word
            words = [_decode_alone(s, run.text != old) for s in group]
        for seg, word in zip(group, words, strict=True):
            seg.guessed = guessed
            seg.text = unicodedata.normalize("NFC", word)
    n = result.index + 1
    for note in notes:
        if "theo mẫu chữ" in note:
            result.notes.append(f"Trang {n}: {note}; cần đối chiếu với bản in.")
        else:
            result.notes.append(f"Trang {n}: {note}.")


def _decode_alone(seg: _Seg, changed: bool) -> str:
    run = Run(seg.text, seg.font)
    if changed:
        decode_runs([run])
    return run.text


def _image_share(page: pdfium.PdfPage) -> float:
    """Share of the page covered by its largest image."""
    left, bottom, right, top = page.get_mediabox()
    area = max((right - left) * (top - bottom), 1.0)
    best = 0.0
    x0, y0, x1, y1 = (ctypes.c_float() for _ in range(4))
    for obj in _objects(page, pdfium_c.FPDF_PAGEOBJ_IMAGE):
        if pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in (x0, y0, x1, y1))):
            best = max(best, (x1.value - x0.value) * (y1.value - y0.value) / area)
    return best


def _objects(page: pdfium.PdfPage, kind: int) -> Iterable[pdfium_c.FPDF_PAGEOBJECT]:
    """The page's top-level objects of one type, as raw handles (pypdfium2's get_objects
    wraps each object and costs some 60 µs apiece)."""
    for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) == kind:
            yield obj


def _rules(page: pdfium.PdfPage, geo: _Geometry) -> list[dict[str, object]]:
    """The page's straight horizontal and vertical path segments (table borders), as
    pdfplumber line objects in display coordinates.

    Read from PDFium's path objects: handing them to pdfplumber as explicit lines spares it
    parsing the page again with pdfminer (35 ms a page, against about 1 ms here).
    """
    rules: list[dict[str, object]] = []
    point_x, point_y = ctypes.c_float(), ctypes.c_float()
    m = pdfium_c.FS_MATRIX()
    for obj in _objects(page, pdfium_c.FPDF_PAGEOBJ_PATH):
        count = pdfium_c.FPDFPath_CountSegments(obj)
        if count > MAX_PATH_SEGMENTS or not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
            continue  # a drawing or a logo, not a border
        start = prev = None
        for i in range(count):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
            pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(point_x), ctypes.byref(point_y))
            x, y = point_x.value, point_y.value
            point = (m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f)
            kind = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
                _add_rule(rules, geo, prev, point)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
                start = point
            prev = point
            if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                _add_rule(rules, geo, point, start)
                prev = start
    return rules


def _add_rule(rules: list[dict[str, object]], geo: _Geometry, a: tuple[float, float],
              b: tuple[float, float]) -> None:
    x0, top, x1, bottom = geo.box(min(a[0], b[0]), min(a[1], b[1]),
                                  max(a[0], b[0]), max(a[1], b[1]))
    width, height = x1 - x0, bottom - top
    if width >= MIN_RULE and height < 1:
        top = bottom = (top + bottom) / 2
    elif height >= MIN_RULE and width < 1:
        x0 = x1 = (x0 + x1) / 2
    else:
        return  # a slanted or tiny segment
    rules.append({"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                  "width": x1 - x0, "height": bottom - top})


# -- tables with pdfplumber ---------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    table: int  # index within the page; numbered across the document when blocks are made
    row: int
    col: int
    col_span: int
    bbox: BBox


def _find_tables(path: Path, pages: Sequence[_Page]) -> tuple[dict[int, list[_Cell]], bool]:
    """Cells of the ruled tables on the given pages, and whether pdfplumber failed.

    pdfplumber's grid algorithm (snap, join, intersect, cells, tables) runs on the ruling
    lines PDFium found ("explicit" strategy), so pdfminer never interprets the pages.
    """
    ruled = [p for p in pages if _two_each(p.rules)]
    if not ruled:
        return {}, False
    import pdfplumber

    out: dict[int, list[_Cell]] = {}
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in ruled:
                settings = {
                    "vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                    "explicit_vertical_lines": [r for r in page.rules if r["x0"] == r["x1"]],
                    "explicit_horizontal_lines": [r for r in page.rules if r["x0"] != r["x1"]],
                }
                out[page.index] = _cells(pdf.pages[page.index].find_tables(settings))
    except Exception:  # pdfminer is stricter than PDFium on damaged files: fall back to lines
        return {}, True
    return out, False


def _two_each(rules: list[dict[str, object]]) -> bool:
    vertical = sum(1 for r in rules if r["x0"] == r["x1"])
    return vertical >= 2 and len(rules) - vertical >= 2


def _cells(tables: Sequence[object]) -> list[_Cell]:
    cells: list[_Cell] = []
    for t, table in enumerate(tables):
        boxes = [tuple(map(float, c)) for c in table.cells]  # type: ignore[attr-defined]
        cols = sorted({round(b[0], 1) for b in boxes})
        rows = sorted({round(b[1], 1) for b in boxes})
        for b in boxes:
            x0, top, x1, bottom = b
            span = sum(1 for x in cols if x0 - 0.5 <= x < x1 - 0.5) or 1
            cells.append(_Cell(t, rows.index(round(top, 1)), cols.index(round(x0, 1)), span,
                               (x0, top, x1, bottom)))
    return cells


# -- blocks -------------------------------------------------------------------------------


def _page_blocks(page: _Page, cells: list[_Cell], first_table: int
                 ) -> tuple[list[TextBlock], int]:
    """Lines outside tables and one block per table cell, in reading order; tables are
    numbered from ``first_table`` on, and the next free number is returned."""
    inside: dict[_Cell, list[_Seg]] = {c: [] for c in cells}
    loose: list[_Seg] = []
    for seg in page.segs:
        cell = _cell_of(seg, cells)
        (inside[cell] if cell is not None else loose).append(seg)
    keyed: list[tuple[tuple[float, ...], TextBlock]] = []
    for line in _lines(loose, split=True):
        keyed.append(((line[0].bbox[1], 1, line[0].bbox[0]), _block(line, page.index)))
    tops = {c.table: min(x.bbox[1] for x in cells if x.table == c.table) for c in cells}
    for cell in cells:
        lines = _lines(inside[cell], split=False)
        text = "\n".join(_join(line) for line in lines)
        guessed = any(s.guessed for s in inside[cell])
        font = inside[cell][0].font if inside[cell] else None
        block = TextBlock(text, page=page.index, table=first_table + cell.table, row=cell.row,
                          col=cell.col, col_span=cell.col_span, bbox=cell.bbox, font=font,
                          confidence=PATTERN_CONFIDENCE if guessed else 1.0, kind="cell")
        keyed.append(((tops[cell.table], 0, cell.row, cell.col), block))
    keyed.sort(key=lambda kb: kb[0])
    return [b for _, b in keyed], first_table + len(tops)


def _cell_of(seg: _Seg, cells: list[_Cell]) -> _Cell | None:
    cx, cy = (seg.bbox[0] + seg.bbox[2]) / 2, (seg.bbox[1] + seg.bbox[3]) / 2
    for cell in cells:
        x0, top, x1, bottom = cell.bbox
        if x0 <= cx <= x1 and top <= cy <= bottom:
            return cell
    return None


def _lines(segs: list[_Seg], split: bool) -> list[list[_Seg]]:
    """Runs grouped into lines (vertical overlap), then, if ``split``, parted at wide gaps."""
    rows: list[list[_Seg]] = []
    for seg in sorted(segs, key=lambda s: (s.bbox[1] + s.bbox[3]) / 2):
        if rows and _same_row(rows[-1], seg):
            rows[-1].append(seg)
        else:
            rows.append([seg])
    out: list[list[_Seg]] = []
    for row in rows:
        spans = _typed_spans(row) if split else []
        row.sort(key=lambda s: s.bbox[0])
        line = [row[0]]
        for seg in row[1:]:
            gap = seg.bbox[0] - line[-1].bbox[2]
            if split and gap > LINE_GAP * min(seg.height, line[-1].height) and not any(
                    x0 < seg.bbox[0] and line[-1].bbox[2] < x1 for x0, x1 in spans):
                out.append(line)
                line = [seg]
            else:
                line.append(seg)
        out.append(line)
    return out


def _typed_spans(row: list[_Seg]) -> list[tuple[float, float]]:
    """Where words typed with spaces between them run, in a row (a label, spaces and the value
    typed after it are one line, however wide the spaces, and so is a check box glyph drawn
    in between by another text run)."""
    spans: list[tuple[float, float]] = []
    chain: _Seg | None = None
    for seg in sorted((s for s in row if s.start >= 0), key=lambda s: s.start):
        if chain is not None and seg.linked and seg.bbox[0] >= chain.bbox[2] - 0.5:
            spans[-1] = (spans[-1][0], seg.bbox[2])
        else:
            spans.append((seg.bbox[0], seg.bbox[2]))
        chain = seg
    return [span for span in spans if span[1] > span[0]]


def _same_row(row: list[_Seg], seg: _Seg) -> bool:
    top = min(s.bbox[1] for s in row)
    bottom = max(s.bbox[3] for s in row)
    overlap = min(bottom, seg.bbox[3]) - max(top, seg.bbox[1])
    return overlap >= 0.5 * min(seg.height, bottom - top)


def _join(line: list[_Seg]) -> str:
    """A line's words in order.  Words that follow each other in PDFium's text are parted as
    it parts them, by a space; words it put apart (a check box glyph drawn by another text run
    lands in the middle of its text: "Kh ☒ ☐ ông") are parted only by a space typed there."""
    parts = [line[0].text]
    for prev, seg in zip(line, line[1:], strict=False):
        if seg.word == prev.word + 1:  # PDFium's own spacing; its line breaks inside a line
            space = seg.space_before  # ("Tự đ\r\nánh") are no spaces
        else:  # PDFium put other text between them, with spaces of its own around it
            space = bool(prev.typed_after) or seg.linked

        parts.append((" " if space else "") + seg.text)
    return " ".join("".join(parts).split())


def _block(line: list[_Seg], page: int) -> TextBlock:
    bbox = (min(s.bbox[0] for s in line), min(s.bbox[1] for s in line),
            max(s.bbox[2] for s in line), max(s.bbox[3] for s in line))
    guessed = any(s.guessed for s in line)
    return TextBlock(_join(line), page=page, bbox=bbox, font=line[0].font,
                     confidence=PATTERN_CONFIDENCE if guessed else 1.0, kind="line")
