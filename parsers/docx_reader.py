"""Word .docx → :class:`~parsers.base.Layout`, with lxml straight on the zip.

python-docx builds a whole object model and still misses what returned forms are made of:
content controls, text boxes, merged cells, fields.  Walking ``word/document.xml`` ourselves is
an order of magnitude faster and sees all of it.  What is read, in document order:

* paragraphs (one block each) and table cells (one block per cell, at its first grid position;
  a horizontally merged cell carries ``col_span``, vertical-merge continuations are skipped);
  a nested table's cells follow the cell that holds them;
* content controls: a control that holds a whole paragraph or cell tags that block; one that
  holds part of it gets a block of its own after it (``control`` = its tag, ``checked`` from a
  ``w14:checkbox``); a control still showing its placeholder text reads as empty;
* text boxes (``kind="textbox"``, after the paragraph that anchors them; ``mc:AlternateContent``
  read once); old form-field check boxes and Wingdings boxes become ☒/☐ glyphs in the text;
* not read: headers, footers, footnotes, comments, deleted revisions, hidden text, field codes.

Text typed in TCVN3 or VNI fonts is converted per run (``bontot.legacy``), by font name, or by
pattern over the whole document when no legacy font is named; the Layout notes say so.
"""

from __future__ import annotations

import hashlib
import posixpath
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from bontot.errors import ReadError
from bontot.legacy import detect_legacy, tcvn3_to_unicode, tcvn3h_to_unicode, vni_to_unicode
from parsers.base import Layout, TextBlock
from parsers.detect import MAX_PART_BYTES, docx_main_part, open_docx, parse_xml, read_part

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
VAL, W14VAL = f"{W}val", f"{W14}val"

P, R, T, TBL, TR, TC = (f"{W}{t}" for t in ("p", "r", "t", "tbl", "tr", "tc"))
SDT, SDT_CONTENT, ALT = f"{W}sdt", f"{W}sdtContent", f"{MC}AlternateContent"
TXBX = f"{W}txbxContent"
TRPR, GRID_BEFORE, TCPR, GRID_SPAN, VMERGE = (
    f"{W}{t}" for t in ("trPr", "gridBefore", "tcPr", "gridSpan", "vMerge"))
PPR, PSTYLE, PAGE_BREAK_BEFORE, SECTPR = (
    f"{W}{t}" for t in ("pPr", "pStyle", "pageBreakBefore", "sectPr"))
RPR, RFONTS, RSTYLE, VANISH = (f"{W}{t}" for t in ("rPr", "rFonts", "rStyle", "vanish"))
_DESCEND = frozenset(f"{W}{t}" for t in (
    "hyperlink", "smartTag", "customXml", "ins", "moveTo", "fldSimple", "dir", "bdo",
    "rubyBase", "ruby",
))  # fmt: skip
SOFT_HYPHEN, SHY = f"{W}softHyphen", "\u00ad"
_LETTERS = {f"{W}tab": "\t", f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
_ON = ("1", "true", "on")
_LEGACY_DECODERS = {"tcvn3": tcvn3_to_unicode, "tcvn3h": tcvn3h_to_unicode, "vni": vni_to_unicode}
MIN_WORDS = 3  # a run judged alone by its letters needs this many words
_ENCODING_NAMES = {"tcvn3": "TCVN3", "tcvn3h": "TCVN3", "vni": "VNI"}

# Check boxes typed with a symbol font (Insert > Symbol), by (font, code) → the glyph they draw.
_SYMBOLS = {
    "wingdings": {0xA8: "☐", 0x6F: "□", 0x71: "❑", 0x6E: "■", 0xFE: "☑", 0xFD: "☒", 0x78: "☒",
                  0xFC: "✓", 0xFB: "✗"},
    "wingdings 2": {0xA3: "☐", 0x2A: "□", 0x52: "☑", 0x53: "☒", 0x54: "☒", 0x50: "✓",
                    0x4F: "✗"},
    "symbol": {0xD6: "√", 0xB4: "×"},
}


def symbol_glyph(font: str | None, char: str) -> str | None:
    """What a symbol-font character shows ("" for one that is no box or tick), None if not one.

    Word and PDF store such a character as its code point or its U+F0xx alias.
    """
    table = _SYMBOLS.get((font or "").strip().lower())
    if table is None:
        return None
    code = ord(char)
    if 0xF000 <= code <= 0xF0FF:
        code -= 0xF000
    return table.get(code, "")


@dataclass(eq=False)
class Run:
    """One piece of text with the font it is drawn in; decoded once, shared by the blocks."""

    text: str
    font: str | None = None  # a direct font name, or the style's once it is resolved
    styles: tuple[str | None, str | None] = (None, None)  # (paragraph style, character style)
    fixed: bool = False  # a glyph we wrote (check box, line break): never decoded


@dataclass(eq=False)
class _Draft:
    """A block under construction: its runs are decoded before it becomes a TextBlock."""

    kind: str
    page: int
    runs: list[Run] = field(default_factory=list)
    table: int | None = None
    row: int | None = None
    col: int | None = None
    col_span: int = 1
    control: str | None = None
    checked: bool | None = None
    holder: _Draft | None = None  # for a content control: the paragraph or cell around it
    is_control: bool = False

    def text(self) -> str:
        text = "".join(r.text for r in self.runs).replace(SHY, "")  # real soft hyphens
        return unicodedata.normalize("NFC", text).strip()


@dataclass(frozen=True)
class _Control:
    tag: str | None
    checked: bool | None
    placeholder: bool


def read_docx(path: str | Path) -> Layout:
    """Read a .docx into a Layout; a broken, macro-enabled or oversized file is a ReadError."""
    path = Path(path)
    with open_docx(path) as zf:
        main = docx_main_part(zf, path.name)
        root = parse_xml(read_part(zf, main, path.name, MAX_PART_BYTES), path.name)
        styles = _Styles(zf, main, path.name)
        walker = _Walker(styles)
        if root.tag != f"{W}document":
            raise ReadError(f"Tệp Word {path.name} lưu theo chuẩn “Strict Open XML”, chưa đọc "
                            "được: hãy nhờ đơn vị lưu lại dưới dạng Word Document (.docx) thường "
                            "rồi gửi lại.", path.name)
        body = _child(root, f"{W}body")
        if body is not None:
            walker.body(body)
        notes = decode_runs(walker.runs(), styles.font)
    blocks = _finish(walker.drafts)
    return Layout(source="docx", blocks=blocks, pages=walker.page + 1, notes=notes)


@dataclass(frozen=True)
class _StyleFonts:
    """What styles.xml says about fonts: per style (None: document defaults) its ascii/hAnsi
    names, the basedOn links, and the default paragraph style."""

    fonts: dict[str | None, dict[str, str]]
    based: dict[str, str]
    default_para: str | None


_NO_STYLES = _StyleFonts({}, {}, None)
_STYLE_CACHE: dict[bytes, _StyleFonts] = {}  # digest of styles.xml → its fonts
_PLAIN_STYLES: set[tuple[int, int, int]] = set()  # zip stamps of styles.xml naming no legacy font
_STYLE_CACHE_SIZE = 64


class _Styles:
    """Fonts of paragraph and character styles, looked at only when a run's font is needed.

    python-docx and LibreOffice write a 350 KB styles.xml that takes lxml over 10 ms: it is read
    only when a run could be legacy text, and parsed only when some attribute value starts with
    ".Vn", "Vn" or "VNI" (a byte search, well under a millisecond; Unicode documents have none).
    Parsed styles are kept by digest, and "no legacy font" by the part's zip CRC and sizes: a
    batch of files from one template pays once.
    """

    def __init__(self, zf: zipfile.ZipFile, main: str, name: str) -> None:
        self._zf, self._main, self._name = zf, main, name
        self._styles: _StyleFonts | None = None

    def font(self, run: Run) -> str | None:
        """The font that draws a run's Latin-1 letters (hAnsi), or its ASCII letters."""
        if run.font:
            return run.font
        if self._styles is None:
            self._styles = self._load()
        fonts = self._styles.fonts
        merged = dict(fonts.get(None, {}))
        pstyle, rstyle = run.styles
        for style in (*self._chain(pstyle or self._styles.default_para), *self._chain(rstyle)):
            merged.update(fonts.get(style, {}))
        return merged.get("hAnsi") or merged.get("ascii")

    def _chain(self, style: str | None) -> list[str]:
        """The style and the styles it is based on, base first."""
        assert self._styles is not None
        chain: list[str] = []
        while style and style not in chain and len(chain) < 20:
            chain.append(style)
            style = self._styles.based.get(style)
        return chain[::-1]

    def _load(self) -> _StyleFonts:
        part = self._styles_part()
        if part is None:
            return _NO_STYLES
        info = self._zf.getinfo(part)
        stamp = (info.CRC, info.file_size, info.compress_size)
        if stamp in _PLAIN_STYLES:
            return _NO_STYLES
        data = read_part(self._zf, part, self._name)
        lowered = data.lower()
        if b'=".vn' not in lowered and b'="vn' not in lowered:
            if len(_PLAIN_STYLES) >= _STYLE_CACHE_SIZE:
                _PLAIN_STYLES.clear()
            _PLAIN_STYLES.add(stamp)
            return _NO_STYLES  # no style names a legacy font: none can change a run's encoding
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if digest not in _STYLE_CACHE:
            if len(_STYLE_CACHE) >= _STYLE_CACHE_SIZE:
                _STYLE_CACHE.clear()
            _STYLE_CACHE[digest] = _parse_styles(parse_xml(data, self._name))
        return _STYLE_CACHE[digest]

    def _styles_part(self) -> str | None:
        folder, base = posixpath.split(self._main)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        names = set(self._zf.namelist())
        if rels in names:
            for rel in parse_xml(read_part(self._zf, rels, self._name), self._name):
                if rel.get("Type", "").endswith("/styles") and rel.get("TargetMode") != "External":
                    target = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
                    if target in names:
                        return target
        fallback = posixpath.join(folder, "styles.xml")
        return fallback if fallback in names else None


def _parse_styles(root: etree._Element) -> _StyleFonts:
    defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    fonts: dict[str | None, dict[str, str]] = {None: _font_attrs(defaults)}
    based: dict[str, str] = {}
    default_para = None
    for style in root.iter(f"{W}style"):
        sid = style.get(f"{W}styleId")
        if not sid:
            continue
        if style.get(f"{W}type") == "paragraph" and style.get(f"{W}default") in _ON:
            default_para = sid
        base = _child(style, f"{W}basedOn")
        if base is not None and base.get(VAL):
            based[sid] = base.get(VAL, "")
        fonts[sid] = _font_attrs(style.find(f"{W}rPr/{W}rFonts"))
    return _StyleFonts(fonts, based, default_para)


def _font_attrs(rfonts: etree._Element | None) -> dict[str, str]:
    """ascii/hAnsi font names of a ``w:rFonts``; a theme font without a name is left out."""
    if rfonts is None:
        return {}
    out = {}
    for key in ("ascii", "hAnsi"):
        name = rfonts.get(f"{W}{key}")
        if name:
            out[key] = name
    return out


def _direct_font(rfonts: etree._Element) -> str | None:
    """The run's own font: a legacy one if either name is, else the hAnsi font (which draws
    Latin-1 letters); an ascii-only setting leaves the style to decide."""
    attrs = _font_attrs(rfonts)
    for name in (attrs.get("hAnsi"), attrs.get("ascii")):
        if name and is_legacy_font(name):
            return name
    return attrs.get("hAnsi")


@lru_cache(maxsize=256)
def is_legacy_font(name: str) -> bool:
    """A .Vn…/VNI-… font: detect_legacy answers by the font name alone for such fonts."""
    return detect_legacy("", name) is not None


def _on(el: etree._Element | None, attr: str = VAL) -> bool:
    return el is not None and el.get(attr, "true").lower() in _ON


def _alternate(el: etree._Element) -> etree._Element | None:
    """The branch of an ``mc:AlternateContent`` to read: the first Choice holding text, else the
    Fallback when it holds text, else the first Choice (read once, never both)."""
    choices = el.findall(f"{MC}Choice")
    for choice in choices:
        if choice.find(f".//{T}") is not None:
            return choice
    fallback = el.find(f"{MC}Fallback")
    if fallback is not None and fallback.find(f".//{T}") is not None:
        return fallback
    return choices[0] if choices else fallback


def _control(sdt: etree._Element) -> _Control:
    pr = _child(sdt, f"{W}sdtPr")
    if pr is None:
        return _Control(None, None, False)
    tag = _child(pr, f"{W}tag")
    if tag is None or not tag.get(VAL):
        tag = _child(pr, f"{W}alias")  # LibreOffice 7.4 drops w:tag on saving, keeps w:alias
    box = _child(pr, f"{W14}checkbox")
    checked = None
    if box is not None:
        state = _child(box, f"{W14}checked")
        checked = state is not None and state.get(W14VAL, "1").lower() in _ON
    return _Control(tag.get(VAL) if tag is not None else None, checked,
                    _child(pr, f"{W}showingPlcHdr") is not None and not _off(pr, "showingPlcHdr"))


def _off(pr: etree._Element, child: str) -> bool:
    el = pr.find(f"{W}{child}")
    return el is not None and el.get(VAL, "true").lower() in ("0", "false", "off")


def _form_checkbox(fld: etree._Element) -> str | None:
    """☒/☐ for a legacy FORMCHECKBOX field (old .doc forms keep these), else None."""
    data = _child(fld, f"{W}ffData")
    box = _child(data, f"{W}checkBox") if data is not None else None
    if box is None:
        return None
    state = _child(box, f"{W}checked")
    if state is None:
        state = _child(box, f"{W}default")
    return "☒" if _on(state) else "☐"


class _Walker:
    """One pass over the body, building drafts in document order."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.drafts: list[_Draft] = []
        self.tables = 0
        self.page = 0
        self.container: _Draft | None = None  # the paragraph or cell receiving text
        self.sinks: list[_Draft] = []  # open content controls, which receive it too
        self.kind = "paragraph"
        self.in_cell = False
        self.pstyle: str | None = None

    def runs(self) -> list[Run]:
        seen: dict[int, Run] = {}
        for draft in self.drafts:
            for run in draft.runs:
                seen.setdefault(id(run), run)
        return list(seen.values())

    def _new(self, kind: str, **kw: Any) -> _Draft:
        draft = _Draft(kind, self.page, **kw)
        self.drafts.append(draft)
        return draft

    def _control_draft(self, ctrl: _Control, holder: _Draft | None) -> _Draft:
        """The block of a content control, at its holder's table position when in a cell."""
        draft = self._new(holder.kind if holder else self.kind, control=ctrl.tag,
                          checked=ctrl.checked, holder=holder, is_control=True)
        if holder is not None:
            draft.table, draft.row, draft.col, draft.col_span = (
                holder.table, holder.row, holder.col, holder.col_span)
        return draft

    def _emit(self, run: Run) -> None:
        for draft in (self.container, *self.sinks):
            if draft is not None:
                draft.runs.append(run)

    # -- block level ---------------------------------------------------------------------

    def body(self, parent: etree._Element) -> None:
        for el in parent:
            tag = el.tag
            if tag == P:
                self.paragraph(el)
            elif tag == TBL:
                self.table(el)
            elif tag == SDT:
                self.block_control(el)
            elif tag == ALT:
                chosen = _alternate(el)
                if chosen is not None:
                    self.body(chosen)
            elif tag in _DESCEND:
                self.body(el)

    def block_control(self, sdt: etree._Element) -> None:
        """A content control around paragraphs or tables (or around one cell's paragraphs)."""
        ctrl = _control(sdt)
        content = _child(sdt, SDT_CONTENT)
        if content is None:
            return
        sink = self._control_draft(ctrl, self.container if self.in_cell else None)
        if ctrl.placeholder:
            return
        first = len(self.drafts)
        self.sinks.append(sink)
        try:
            self.body(content)
        finally:
            self.sinks.pop()
        if sink.holder is None and [el.tag for el in content] == [P]:
            sink.holder = self.drafts[first]  # the one paragraph it holds

    def paragraph(self, p: etree._Element) -> None:
        ppr = _props(p, PPR)
        self.pstyle, section = None, None
        for prop in ppr if ppr is not None else ():
            tag = prop.tag
            if tag == PSTYLE:
                self.pstyle = prop.get(VAL)
            elif tag == PAGE_BREAK_BEFORE and _on(prop):
                self.page += 1
            elif tag == SECTPR:
                section = prop
        if self.in_cell:
            if self.container is not None and self.container.runs:
                self._emit(Run("\n", fixed=True))
            self.inline(p)
        else:
            for sink in self.sinks:
                if sink.runs:
                    sink.runs.append(Run("\n", fixed=True))
            self.container = self._new(self.kind)
            self.inline(p)
            self.container = None
        if section is not None:  # a section break: a new page unless "continuous"
            kind = _child(section, f"{W}type")
            self.page += kind is None or kind.get(VAL) != "continuous"

    def table(self, tbl: etree._Element) -> None:
        index = self.tables
        self.tables += 1
        saved = (self.container, self.in_cell)
        for row, tr in enumerate(_children(tbl, TR)):
            trpr = _props(tr, TRPR)
            before = _child(trpr, GRID_BEFORE) if trpr is not None else None
            col = _int(before.get(VAL), 0) if before is not None else 0
            for tc, ctrl in _cells(tr):
                pr = _props(tc, TCPR)
                span_el = _child(pr, GRID_SPAN) if pr is not None else None
                span = max(1, _int(span_el.get(VAL), 1)) if span_el is not None else 1
                vmerge = _child(pr, VMERGE) if pr is not None else None
                if vmerge is None or vmerge.get(VAL) == "restart":
                    self.container = self._new(
                        "cell", table=index, row=row, col=col, col_span=span,
                        control=ctrl.tag if ctrl else None, checked=ctrl.checked if ctrl else None)
                    self.in_cell = True
                    if not (ctrl and ctrl.placeholder):
                        self.body(tc)
                col += span
        self.container, self.in_cell = saved

    # -- run level -----------------------------------------------------------------------

    def inline(self, parent: etree._Element) -> None:
        for el in parent:
            tag = el.tag
            if tag == R:
                self.run(el)
            elif tag == SDT:
                self.inline_control(el)
            elif tag == ALT:
                chosen = _alternate(el)
                if chosen is not None:
                    self.inline(chosen)
            elif tag in _DESCEND:
                self.inline(el)

    def inline_control(self, sdt: etree._Element) -> None:
        ctrl = _control(sdt)
        sink = self._control_draft(ctrl, self.container)
        content = _child(sdt, SDT_CONTENT)
        if content is None or ctrl.placeholder:
            return  # placeholder text ("Nhấn vào đây ...") is no value
        self.sinks.append(sink)
        try:
            self.inline(content)
        finally:
            self.sinks.pop()

    def run(self, r: etree._Element) -> None:
        font, rstyle = None, None
        rpr = _props(r, RPR)
        for prop in rpr if rpr is not None else ():
            tag = prop.tag
            if tag == RFONTS:
                font = _direct_font(prop)
            elif tag == RSTYLE:
                rstyle = prop.get(VAL)
            elif tag == VANISH and _on(prop):
                return  # hidden text: the clerk never saw it
        styles = (self.pstyle, rstyle)
        pending: list[str] = []  # the run's text so far, soft hyphens kept for decoding

        def flush() -> None:
            if pending:
                self._emit(Run("".join(pending), font, styles))
                pending.clear()

        for el in r:
            tag = el.tag
            if tag == T:
                text = el.text or ""
                glyphs = symbol_text(font, text)
                if glyphs is not None:
                    flush()
                    self._emit(Run(glyphs, fixed=True))
                else:
                    pending.append(text)
                continue
            if tag == SOFT_HYPHEN:
                # TCVN3 "ư" is byte 0xAD: LibreOffice writes it as a soft hyphen.  Kept for the
                # decoders in a run that may be legacy (a .Vn font, or none named: the style's
                # or the letters decide); dropped in a Unicode font, and after decoding.
                if font is None or is_legacy_font(font):
                    pending.append(SHY)
                continue
            flush()
            if tag in _LETTERS:
                if tag == f"{W}br" and el.get(f"{W}type") == "page":
                    self.page += 1
                    continue
                self._emit(Run(_LETTERS[tag], fixed=True))
            elif tag == f"{W}sym":
                code = chr(int(el.get(f"{W}char", "0"), 16) if _is_hex(el.get(f"{W}char")) else 0)
                self._emit(Run(symbol_glyph(el.get(f"{W}font"), code) or "", fixed=True))
            elif tag == f"{W}fldChar":
                box = _form_checkbox(el)
                if box:
                    self._emit(Run(box, fixed=True))
            elif tag == ALT:
                chosen = _alternate(el)
                if chosen is not None:
                    self.textboxes(chosen)
            elif tag in (f"{W}drawing", f"{W}pict", f"{W}object"):
                self.textboxes(el)
        flush()

    def textboxes(self, el: etree._Element) -> None:
        """Text boxes anchored in a run: their own blocks, outside the paragraph's text."""
        saved = (self.container, self.sinks, self.kind, self.in_cell)
        self.sinks, self.kind, self.in_cell = [], "textbox", False
        try:
            for box in _outermost(el, TXBX):
                self.body(box)
        finally:
            self.container, self.sinks, self.kind, self.in_cell = saved


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child with ``tag``: a plain loop, 4x faster than lxml's ElementPath find()."""
    for child in el:
        if child.tag == tag:
            return child
    return None


def _props(el: etree._Element, tag: str) -> etree._Element | None:
    """The properties child (pPr, rPr, tcPr, trPr), which the schema puts first (trPr may
    follow tblPrEx): no search through a paragraph's runs."""
    for child in el[:2]:
        if child.tag == tag:
            return child
    return None


def _int(value: str | None, default: int) -> int:
    """A count attribute; Word writes decimals, a damaged file anything (read as the default)."""
    try:
        return max(0, min(int(value or default), 1000))
    except ValueError:
        return default


def _is_hex(s: str | None) -> bool:
    return bool(s) and all(c in "0123456789abcdefABCDEF" for c in s or "") and len(s or "") <= 6


def symbol_text(font: str | None, text: str) -> str | None:
    """The glyphs a symbol-font run draws, or None when the run's font is no symbol font."""
    if (font or "").strip().lower() not in _SYMBOLS:
        return None
    return "".join(symbol_glyph(font, ch) or "" for ch in text)


def _outermost(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Descendants with ``tag`` not inside another one (a text box in a text box is read by it)."""
    for found in el.iter(tag):
        parent = found.getparent()
        while parent is not None and parent is not el and parent.tag != tag:
            parent = parent.getparent()
        if parent is None or parent is el:
            yield found


def _children(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Children with ``tag``, looking through content controls and custom XML around them."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag == SDT:
            content = _child(child, SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag in _DESCEND:
            yield from _children(child, tag)


def _cells(tr: etree._Element) -> Iterator[tuple[etree._Element, _Control | None]]:
    """The cells of a row, each with the content control wrapped around it, if any."""
    for child in tr:
        if child.tag == TC:
            yield child, None
        elif child.tag == SDT:
            ctrl = _control(child)
            content = _child(child, SDT_CONTENT)
            for tc in _children(content, TC) if content is not None else ():
                yield tc, ctrl
        elif child.tag in _DESCEND:
            yield from _cells(child)


def decode_runs(runs: Iterable[Run], font_of: Callable[[Run], str | None] | None = None
                ) -> tuple[str, ...]:
    """Convert TCVN3/VNI runs to Unicode in place; the notes say what was converted.

    A run in a ``.Vn…``/``VNI-…`` font is converted by its font.  The other runs that could be
    legacy (Latin-1 letters, none of the letters only Unicode has) are pooled and judged
    together, because one or two words are ambiguous: when the pool reads as Vietnamese in one
    encoding, each of them is converted with it; when it does not (a page mixing TCVN3 and VNI),
    each run of three words or more is judged alone.
    """
    by_font: set[str] = set()
    pool: list[Run] = []
    for run in runs:
        if run.fixed or not run.text:
            continue
        maybe = _maybe_legacy(run.text)
        if run.font is None and font_of is not None and maybe:
            run.font = font_of(run)
        if run.font and is_legacy_font(run.font) and (enc := detect_legacy(run.text, run.font)):
            run.text = _LEGACY_DECODERS[enc](run.text)
            by_font.add(_ENCODING_NAMES[enc])
        elif maybe:
            pool.append(run)
    notes = [f"Đã chuyển mã {name} sang Unicode (theo phông chữ)" for name in sorted(by_font)]
    guessed = detect_legacy("\n".join(r.text for r in pool)) if pool else None
    by_letters: set[str] = set()
    for run in pool:
        # one encoding for the whole pool; failing that, a long run may still speak for itself
        enc = guessed or (detect_legacy(run.text) if len(run.text.split()) >= MIN_WORDS else None)
        if enc:
            run.text = _LEGACY_DECODERS[enc](run.text)
            by_letters.add(_ENCODING_NAMES[enc])
    notes += [f"Đã chuyển mã {name} sang Unicode (nhận ra theo mẫu chữ, văn bản không ghi "
              "phông chữ TCVN3/VNI)" for name in sorted(by_letters)]
    return tuple(notes)


def _maybe_legacy(text: str) -> bool:
    """Whether a text could be TCVN3/VNI: non-ASCII, and no letter only Unicode has (with a
    legacy font named, detect_legacy says None exactly when such a letter is there)."""
    return not text.isascii() and detect_legacy(text, ".VnTime") is not None


def _finish(drafts: list[_Draft]) -> tuple[TextBlock, ...]:
    """Drafts → TextBlocks: a control holding its whole paragraph/cell tags that block instead."""
    merged: set[int] = set()
    tags: dict[int, tuple[str | None, bool | None]] = {}
    for d in drafts:
        h = d.holder
        if not d.is_control:
            continue
        if d.control is None and d.checked is None:
            merged.add(id(d))  # a plain control without a name: its text is in its holder
        elif h is not None and id(h) not in tags and h.control is None and d.text() \
                and d.text() == h.text():
            tags[id(h)] = (d.control, d.checked)
            merged.add(id(d))
    blocks = []
    for d in drafts:
        if id(d) in merged:
            continue
        text = d.text()
        if not text and d.kind != "cell" and d.control is None and d.checked is None:
            continue
        control, checked = tags.get(id(d), (d.control, d.checked))
        font = next((r.font for r in d.runs if r.text.strip() and not r.fixed), None)
        blocks.append(TextBlock(text, page=d.page, table=d.table, row=d.row, col=d.col,
                                col_span=d.col_span, font=font, control=control,
                                checked=checked, kind=d.kind))  # type: ignore[arg-type]
    return tuple(blocks)
