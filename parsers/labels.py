"""The words of the two forms: labels by meaning, and the words a unit writes beside them.

Returned forms are retyped, reflowed and scanned, so a field is known by the words of its label,
not by where our template put it.  Each key of forms.md has one :class:`LabelSpec` per form: the
label printed word for word (quoted back to the clerk), the variants units are known to write,
and the key's type (``bontot.formdata``).  Printed headings ("Tiêu chí 1. Hoàn thành tốt nhiệm vụ
chính trị") are specs too, without a key: they claim their line so that no field label can
match inside them.

Matching is on folded words (:func:`bontot.text.fold` per word: no case, diacritics, NFC/NFD or
tone-placement differences; punctuation ignored), anchored at the start of the line after any
numbering, never across a colon, longest label first.  When the longest label that starts a line
is followed by something that cannot be its value, the line is no label at all: a shorter label
is never tried, which is what keeps "Hoàn thành tốt nhiệm vụ chính trị" from ever being read as
"Hoàn thành tốt nhiệm vụ".  OCR lines (confidence < 1) may differ from a label by a letter
(:data:`FUZZY_EDITS`), never by a digit, and never by enough to come near another label: the
test suite computes the smallest distance between labels and checks the margin.

What a unit writes beside a label is read here too, with the same folded words: the options it
ticks or writes (a whole option or nothing, so "Không đạt" is never "Đạt"), one whole number
(never a digit picked out of a sentence), free text, the date line.  Where the value stands on
the page is ``parsers.fields``' business.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from bontot.errors import InputError
from bontot.formdata import (
    ASSESSMENT_TYPES,
    CHOICE,
    CHOICES,
    COMMON_TYPES,
    INT,
    PASS,
    REGISTRATION_TYPES,
    YESNO,
)
from bontot.models import ASSESSMENT_LABELS, CRITERION_NAMES
from bontot.text import fold, nfc, require_text

FORM_01 = "01-DK"
FORM_02 = "02-TDG"
FORM_NAMES = {FORM_01: "Mẫu 01-ĐK", FORM_02: "Mẫu 02-TĐG"}
HEADING = "heading"  # a printed heading, no field: it claims its line
TEXT_BLOCK = "text_block"  # free text running on under its heading (the commitments of Mẫu 01)

# Letters an OCR line may differ from a label by (never digits); 2 * FUZZY_EDITS must stay
# below the smallest distance between two labels of different meaning (tests check it).
FUZZY_EDITS = 1
_LETTERS_PER_EDIT = 10  # and at most one edit per this many letters of the label

SEPARATORS = ":：|\t"  # a label never runs across these; a value may start after them
GLYPHS_TICKED = "☒☑✓✔✗✘⊠▣■●√×"
GLYPHS_EMPTY = "☐□▢❑❒⬜○◯"
GLYPHS_UNSURE = "⍰"  # ⍰: a box a scan shows neither clearly ticked nor clearly empty
GLYPHS = GLYPHS_TICKED + GLYPHS_EMPTY + GLYPHS_UNSURE


@dataclass(frozen=True)
class LabelSpec:
    """One field (or heading) as printed: ``label`` is what a clerk is told to look for."""

    key: str | None
    label: str
    kind: str
    variants: tuple[str, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.label, *self.variants)


_TYPES = {**COMMON_TYPES, **ASSESSMENT_TYPES, **REGISTRATION_TYPES}


def _spec(key: str, label: str, *variants: str, kind: str | None = None) -> LabelSpec:
    return LabelSpec(key, label, kind or _TYPES[key], variants)


def _heading(label: str, *variants: str) -> LabelSpec:
    return LabelSpec(None, label, HEADING, variants)


_COMMON = (
    _spec("unit_code", "Mã đơn vị", "Mã tổ chức", "Mã tổ chức đảng", "Mã số đơn vị"),
    _spec("unit_name", "Tên tổ chức đảng", "Tên chi bộ", "Tên đảng bộ", "Tên tổ chức cơ sở đảng",
          "Tên chi bộ, đảng bộ", "Tên đơn vị"),
    _spec("unit_kind", "Loại tổ chức", "Loại tổ chức đảng", "Loại tổ chức cơ sở đảng"),
    _spec("parent_name", "Trực thuộc", "Cấp ủy cấp trên", "Đơn vị cấp trên"),
    _spec("secretary_name", "Bí thư", "Bí thư chi bộ", "Bí thư đảng bộ", "Bí thư đảng ủy",
          "Họ và tên bí thư", "Họ tên bí thư"),
    # Signature and distribution blocks: they end the text above them and are never values.
    _heading("T/M", "TM", "Nơi nhận", "Xác nhận của"),
)


def _criterion_headings() -> tuple[LabelSpec, ...]:
    """Mẫu 02's section headings: a field label must never match inside them."""
    return tuple(
        _heading(name, f"Tiêu chí {n} {name}", f"Tiêu chí {n}")
        for n, name in enumerate(CRITERION_NAMES.values(), start=1)
    )


_FORM_01 = (
    _spec("unit_type", "Loại hình", "Loại hình đơn vị", "Loại hình chi bộ"),
    _spec("members_total", "Tổng số đảng viên", "Số lượng đảng viên"),
    _spec("sub_cells_total", "Số chi bộ trực thuộc", "Tổng số chi bộ trực thuộc"),
    _spec("title_registered", "Đăng ký danh hiệu", "Danh hiệu đăng ký",
          "Đăng ký thi đua danh hiệu"),
    _spec("admission_target", "Chỉ tiêu kết nạp đảng viên",
          "Chỉ tiêu kết nạp đảng viên cả giai đoạn"),
    *(
        _spec(f"commit_t{n}", f"{n}. {name}", f"Tiêu chí {n} {name}", kind=TEXT_BLOCK)
        for n, name in enumerate(CRITERION_NAMES.values(), start=1)
    ),
)

_VARIANTS_02: dict[str, tuple[str, ...]] = {
    "year": ("Năm báo cáo",),
    "months_active": ("Số tháng hoạt động",),
    "t1_work_program": ("Có chương trình, kế hoạch công tác",),
    "t1_targets_assigned": ("Tổng số chỉ tiêu được giao",),
    "t1_targets_met": ("Số chỉ tiêu đạt, vượt",),
    "t1_admission_target": ("Chỉ tiêu kết nạp đảng viên",),
    "t1_admitted": ("Số đảng viên mới kết nạp trong năm", "Số đảng viên được kết nạp trong năm"),
    "t2_regular_meetings": ("Số kỳ sinh hoạt định kỳ", "Số buổi sinh hoạt định kỳ đã tổ chức"),
    "t2_thematic_meetings": ("Số kỳ sinh hoạt chuyên đề đã tổ chức", "Số buổi sinh hoạt chuyên đề"),
    "t2_quality_ok": ("Chất lượng sinh hoạt đạt yêu cầu",),
    "t3_violations": ("Số đảng viên vi phạm",),
    "t3_external_detection": ("Có vi phạm do báo chí, người dân phát hiện",),
    "members_evaluated": ("Số đảng viên được đánh giá", "Số đảng viên được xếp loại",
                          "Tổng số đảng viên được đánh giá, xếp loại"),
    "rated_excellent": ("Số đảng viên hoàn thành xuất sắc nhiệm vụ",),
    "rated_good": ("Số đảng viên hoàn thành tốt nhiệm vụ",),
    "rated_complete": ("Số đảng viên hoàn thành nhiệm vụ",),
    "rated_incomplete": ("Số đảng viên không hoàn thành nhiệm vụ",),
    "sub_cells_total": ("Số chi bộ trực thuộc",),
    "sub_cells_four_good": ("Số chi bộ trực thuộc đạt bốn tốt", "Số chi bộ đạt chi bộ bốn tốt"),
    "self_title": ("Tự đánh giá danh hiệu",),
    "proposed_rating": ("Đề nghị xếp loại chất lượng",),
    **{f"t{n}_self": (f"Đơn vị tự đánh giá tiêu chí {n}",) for n in range(1, 5)},
}

_FORM_02 = (
    *(_spec(k, label, *_VARIANTS_02.get(k, ())) for k, label in ASSESSMENT_LABELS.items()),
    *_criterion_headings(),
)


# --- folded words ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
# Numbering and lead-ins before a label: "1.", "2.3)", "a)", "II.", "-", "+", "Trong đó:".
_LEAD = re.compile(
    r"(?:\s*(?:[-–—+*•·◦▪►]|\d{1,2}(?:\.\d{1,2})+(?=\s)"
    r"|\(?(?:\d{1,2}(?:\.\d{1,2})*|[A-Za-zĐđ]|[IVXivx]{1,4})[.)]|trong\s+đó\s*[:,]))+\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Word:
    """One word of a line: folded for comparing, with where it stands in the (NFC) text."""

    key: str
    start: int
    end: int


@lru_cache(maxsize=8192)
def _fold_word(word: str) -> str:
    return fold(word)


def words(text: str) -> tuple[Word, ...]:
    """The words of an NFC text, folded (punctuation and quotes are not words)."""
    require_text(text)
    return tuple(Word(_fold_word(m.group()), m.start(), m.end()) for m in _WORD.finditer(text))


def lead_end(text: str) -> int:
    """Where the text starts after its numbering ("1.", "a)", "-", "Trong đó:")."""
    m = _LEAD.match(require_text(text))
    return m.end() if m else 0


def label_words(text: str) -> tuple[str, ...]:
    """A printed label as the folded words it is compared by (numbering dropped)."""
    text = nfc(text)
    return tuple(w.key for w in words(text[lead_end(text) :]))


def starts_with_glyph(text: str) -> bool:
    """An option line ("☒ Có", "[x] Đạt") is a value, never a label."""
    s = require_text(text).lstrip(" -–+*•\t")
    return bool(s) and (s[0] in GLYPHS or bool(re.match(r"[\[(]\s*[xX✓✔vV]?\s*[\])]", s)))


# --- the tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelMatch:
    """A label found at the start of a line: the value, if any, is ``text[end:]``."""

    spec: LabelSpec
    end: int  # offset in the line's NFC text just after the label's last word
    edits: int  # letters that differed (OCR); 0 for an exact match
    words: int  # how many of the line's words the label took


class LabelTable:
    """The labels of one form (or of both, when the form is not known), ready to match."""

    def __init__(self, specs: tuple[LabelSpec, ...]) -> None:
        self.specs = specs
        entries: dict[tuple[str, ...], LabelSpec] = {}
        for spec in specs:
            for text in spec.texts:
                ws = label_words(text)
                known = entries.get(ws)
                if known is not None and known.key != spec.key:
                    # The same words mean two fields (only when both forms are merged): the
                    # line is claimed and no field is read from it.
                    spec = LabelSpec(None, known.label, HEADING)
                entries[ws] = spec
        self.entries = entries
        # Labels long enough to forgive an OCR slip: (words, folded text, edits allowed, spec).
        self._tolerant = [
            (ws, " ".join(ws), allowed_edits(" ".join(ws)), spec)
            for ws, spec in entries.items()
            if allowed_edits(" ".join(ws)) > 0
        ]
        self.prefixes = {ws[:i] for ws in entries for i in range(1, len(ws))}
        self.by_key = {s.key: s for s in specs if s.key is not None}

    def match(self, text: str, fuzzy: bool = False) -> LabelMatch | None:
        """The longest label starting ``text`` (after numbering), or None.

        Only the longest is considered: if what follows it cannot be its value, the line is no
        label at all (see the module docstring).  ``fuzzy`` allows OCR letter errors.
        """
        text = nfc(text)
        if starts_with_glyph(text):
            return None
        start = lead_end(text)
        ws = words(text[start:])
        ws = tuple(Word(w.key, w.start + start, w.end + start) for w in ws)
        best = self._exact(text, ws)
        closed = best is not None and (
            best.words == len(ws) or not _unbroken(text, ws, best.words + 1))
        if fuzzy and not closed:  # a longer label could only run on past a colon
            near = self._fuzzy(text, ws)
            if near is not None and (best is None or near.words > best.words):
                best = near
        if best is None or not rest_fits(best.spec, text[best.end :]):
            return None
        return best

    def starts_label(self, text: str) -> bool:
        """Whether the whole text is the first words of a label (wrapped onto the next line)."""
        text = nfc(text)
        if starts_with_glyph(text) or any(c in text for c in SEPARATORS):
            return False
        ws = label_words(text)
        return len(ws) >= 2 and ws in self.prefixes

    def _exact(self, text: str, ws: tuple[Word, ...]) -> LabelMatch | None:
        for n in range(min(len(ws), _MAX_WORDS), 0, -1):
            spec = self.entries.get(tuple(w.key for w in ws[:n]))
            if spec is not None and _unbroken(text, ws, n):
                return LabelMatch(spec, ws[n - 1].end, 0, n)
        return None

    def _fuzzy(self, text: str, ws: tuple[Word, ...]) -> LabelMatch | None:
        found: list[tuple[int, int, LabelSpec]] = []  # (words taken, edits, spec)
        sizes = [0]  # length of the first n words joined by spaces
        for w in ws:
            sizes.append(sizes[-1] + len(w.key) + (1 if sizes[-1] else 0))
        for label, target, allowed, spec in self._tolerant:
            for n in (len(label) - 1, len(label), len(label) + 1):
                if not 1 <= n <= len(ws) or abs(sizes[n] - len(target)) > allowed:
                    continue
                if not _unbroken(text, ws, n):
                    continue
                seen = " ".join(w.key for w in ws[:n])
                edits = label_distance(seen, target, allowed)
                if edits <= allowed:
                    found.append((n, edits, spec))
        if not found:
            return None
        found.sort(key=lambda f: (-f[0], f[1]))
        n, edits, spec = found[0]
        rivals = {f[2].key for f in found if f[:2] == (n, edits)}
        if len(rivals) > 1:
            return None  # as near to two labels: no label
        return LabelMatch(spec, ws[n - 1].end, edits, n)


def _unbroken(text: str, ws: tuple[Word, ...], n: int) -> bool:
    """Whether the first ``n`` words run on without a colon (a label never spans one)."""
    span = text[ws[0].start : ws[n - 1].end]
    return not any(c in span for c in SEPARATORS)


_ALL_SPECS = (*_COMMON, *_FORM_01, *_FORM_02)
_MAX_WORDS = max(len(label_words(t)) for s in _ALL_SPECS for t in s.texts)


def table_for(form_code: str | None) -> LabelTable:
    """The labels of a form; with ``None`` both forms' (their commitments read as headings)."""
    if form_code is not None:
        require_text(form_code, "mã mẫu phiếu")
    return _table_for(form_code)


@lru_cache(maxsize=4)
def _table_for(form_code: str | None) -> LabelTable:
    if form_code == FORM_01:
        return LabelTable((*_COMMON, *_FORM_01))
    if form_code == FORM_02:
        return LabelTable((*_COMMON, *_FORM_02))
    return LabelTable((*_COMMON, *_FORM_02, *_FORM_01))


def printed_label(key: str, form_code: str | None = None) -> str:
    """The label printed for ``key`` (what messages quote so a clerk finds the line)."""
    require_text(key, "tên trường")
    spec = table_for(form_code).by_key.get(key) or table_for(None).by_key.get(key)
    return spec.label if spec is not None else key


# --- what may follow a label on its line ------------------------------------------------------

_DOTS = ".…·_"
_CLOSING = "\"'\u201d\u2019\u00bb"
_LEAD_PAREN = re.compile(r"\s*\([^()]*\)")
_CODE = re.compile(r"[A-Za-z0-9._-]{1,32}")


def split_rest(rest: str) -> tuple[str, bool]:
    """(the value after a label, whether a separator stood before it).

    A hint in brackets right after the label ("(cả giai đoạn)") is skipped; a colon, a tab, a
    dotted leader or a spaced dash separate label and value.
    """
    rest = require_text(rest).lstrip(_CLOSING)  # the end of a quoted label: 'đạt "chi bộ bốn tốt"'
    m = _LEAD_PAREN.match(rest)
    if m:
        after = rest[m.end() :].lstrip(" ")
        hint_only = not any(c.isdigit() or c in GLYPHS for c in m.group())
        if hint_only or after[:1] in tuple(SEPARATORS):  # "(1 kỳ/quý): 4" is a hint too
            rest = rest[m.end() :]
    stripped = rest.lstrip(" ")
    if not stripped:
        return "", False
    if stripped[0] in SEPARATORS or stripped[0] in _DOTS:
        return stripped.lstrip(SEPARATORS + _DOTS + " "), True
    if stripped[:2] in ("- ", "– ", "— "):
        return stripped[2:].strip(), True
    return stripped.strip(), False


def rest_fits(spec: LabelSpec, rest: str) -> bool:
    """Whether the text after a label can be that field's value written on the same line.

    Without a separator only what looks like the value itself is accepted: a number for a
    count, a ticked box or an option for a choice, a roster code for ``unit_code``; anything
    else means the words run on into another phrase, so they are no label at all.
    """
    if not isinstance(spec, LabelSpec):
        raise InputError(f"Cần một nhãn (LabelSpec), nhận được {type(spec).__name__}.")
    if spec.kind == HEADING:
        return True
    value, separated = split_rest(rest)
    if not value or separated:
        return True
    if spec.kind == INT:
        return value[0].isdigit()
    if spec.kind in (YESNO, PASS, CHOICE) and spec.key is not None:
        options = options_of(spec.key, spec.kind)
        return starts_with_glyph(value) or _leading_option(options, words(value)) is not None
    if spec.key == "unit_code":
        return _CODE.fullmatch(value) is not None
    return False


# --- distance between labels ------------------------------------------------------------------


def label_distance(a: str, b: str, limit: int = 1_000) -> int:
    """Edits (insert, delete, change a letter) from ``a`` to ``b``; digits must agree.

    Two texts whose digits differ are never near ("tiêu chí 1" / "tiêu chí 2"): an OCR slip on
    a digit must not move a value to another criterion.  Returns ``limit + 1`` as soon as the
    distance is known to exceed ``limit``.
    """
    require_text(a)
    require_text(b)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InputError(f"Giới hạn khoảng cách phải là số nguyên, nhận được {limit!r}.")
    if [c for c in a if c.isdigit()] != [c for c in b if c.isdigit()]:
        return limit + 1
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    over = limit + 1  # only the band |i - j| <= limit can stay within the limit
    previous = [j if j <= limit else over for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        lo, hi = max(1, i - limit), min(len(b), i + limit)
        current = [over] * (len(b) + 1)
        current[0] = i if i <= limit else over
        for j in range(lo, hi + 1):
            change = previous[j - 1] + (a[i - 1] != b[j - 1])
            current[j] = min(previous[j] + 1, current[j - 1] + 1, change, over)
        if min(current[lo - 1 : hi + 1]) > limit:
            return over
        previous = current
    return min(previous[-1], over)


def allowed_edits(label: str) -> int:
    """OCR letter errors tolerated on a folded label: none on short ones."""
    return min(FUZZY_EDITS, len(require_text(label)) // _LETTERS_PER_EDIT)


@dataclass(frozen=True)
class Closest:
    """The two labels of different meaning nearest to each other, and their safety margin."""

    distance: int  # edits between the nearest pair
    pair: tuple[str, str]
    margin: int  # smallest (distance - edits tolerated on each side) over all pairs; must be > 0
    margin_pair: tuple[str, str]


def closest_labels(form_code: str | None) -> Closest:
    """How near the labels of a form come to each other (folded), for the tests' margin check.

    An OCR line within the tolerated edits of two labels would be ambiguous; the margin is > 0
    exactly when no text can be that near to two labels of different meaning.
    """
    entries = [(" ".join(ws), spec) for ws, spec in table_for(form_code).entries.items()]
    best, best_margin = (1_000, ("", "")), (1_000, ("", ""))
    for i, (a, sa) in enumerate(entries):
        for b, sb in entries[i + 1 :]:
            if sa.key == sb.key and sa.kind == sb.kind:
                continue  # variants of one field (or two headings)
            d = label_distance(a, b, 1_000)
            best = min(best, (d, (a, b)))
            best_margin = min(best_margin, (d - allowed_edits(a) - allowed_edits(b), (a, b)))
    return Closest(best[0], best[1], best_margin[0], best_margin[1])


# --- options: what a unit ticks or writes -------------------------------------------------------

YES_NO = ("Có", "Không")
PASS_FAIL = ("Đạt", "Không đạt")
EXTRA_WORDS_QUALITY = 0.8  # a value with other words around it: read, but a person looks
_TICK_BRACKETS = re.compile(r"[\[(]\s*[xX✓✔vV]\s*[\])]")
_EMPTY_BRACKETS = re.compile(r"[\[(]\s*[\])]")
_GLYPH_SPLIT = re.compile(f"([{GLYPHS}])")


def options_of(key: str, kind: str) -> tuple[str, ...]:
    """The printed options of a field, in the order the form prints them."""
    if kind == YESNO:
        return YES_NO
    if kind == PASS:
        return PASS_FAIL
    options = CHOICES.get(key) if isinstance(key, str) else None
    if not options:
        raise InputError(f"Trường \u201c{key}\u201d không có lựa chọn in sẵn trên phiếu.")
    return tuple(options)


@lru_cache(maxsize=64)
def _option_words(options: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(w.key for w in words(nfc(o))) for o in options)


def _leading_option(options: tuple[str, ...], ws: tuple[Word, ...]) -> tuple[str, int] | None:
    """The longest option the words start with ("Không đạt" before "Không"), and its length."""
    best: tuple[str, int] | None = None
    for option, ow in zip(options, _option_words(options), strict=True):
        if tuple(w.key for w in ws[: len(ow)]) == ow and (best is None or len(ow) > best[1]):
            best = (option, len(ow))
    return best


@dataclass(frozen=True)
class Choice:
    """An option as read: the printed option, how cleanly, or why it cannot be read."""

    option: str | None
    quality: float = 1.0
    problem: str | None = None  # Vietnamese, for the clerk; None when read or blank

    @property
    def blank(self) -> bool:
        return self.option is None and self.problem is None


def _quoted(options: tuple[str, ...] | list[str], joiner: str) -> str:
    return joiner.join(f"\u201c{o}\u201d" for o in options)


def read_choice(options: tuple[str, ...], text: str) -> Choice:
    """Which one option a value shows: ticked boxes ("☒ Có ☐ Không"), or one option written.

    Both or neither ticked, or the options printed with none marked, is unreadable: never
    guessed.  Whole options only, so "Không đạt" never reads as "Đạt".
    """
    if not isinstance(options, tuple) or not options or not all(
            isinstance(o, str) for o in options):
        raise InputError(f"Cần các lựa chọn in sẵn (tuple chuỗi), nhận được {options!r}.")
    text = _EMPTY_BRACKETS.sub("☐", _TICK_BRACKETS.sub("☒", nfc(text)))
    if _GLYPH_SPLIT.search(text):
        return _marked_choice(options, text)
    return _written_choice(options, text)


def _written_choice(options: tuple[str, ...], text: str) -> Choice:
    ws = words(text)
    if not ws or is_blank(text):
        return Choice(None)
    lead = _leading_option(options, ws)
    if lead is not None and lead[1] == len(ws):
        return Choice(lead[0])
    if _only_options(options, ws):
        return Choice(None, 0.0, f"không rõ đã chọn {_quoted(options, ' hay ')}")
    if lead is not None and text[ws[lead[1] - 1].end :].lstrip()[:1] in ("(", ",", ";", "-"):
        return Choice(lead[0], EXTRA_WORDS_QUALITY)
    shown = short(text)
    return Choice(None, 0.0, f"\u201c{shown}\u201d không phải là {_quoted(options, ' hay ')}")


def _only_options(options: tuple[str, ...], ws: tuple[Word, ...]) -> bool:
    """Whether the words are two or more options one after another (printed, none marked)."""
    count = 0
    while ws:
        lead = _leading_option(options, ws)
        if lead is None:
            return False
        ws, count = ws[lead[1] :], count + 1
    return count >= 2


def _marked_choice(options: tuple[str, ...], text: str) -> Choice:
    parts = _GLYPH_SPLIT.split(text)
    head, marks = parts[0], list(zip(parts[1::2], parts[2::2], strict=True))
    if not words(head):  # "☒ Có ☐ Không"
        pairs = marks
    elif not words(marks[-1][1]):  # "Có ☒ Không ☐"
        segments = [head, *(s for _, s in marks[:-1])]
        pairs = [(g, seg) for (g, _), seg in zip(marks, segments, strict=True)]
    else:
        return Choice(None, 0.0, "không rõ ô đánh dấu nào đi với lựa chọn nào")
    ticked: list[str] = []
    quality = 1.0
    for glyph, segment in pairs:
        ws = words(segment)
        lead = _leading_option(options, ws)
        if glyph in GLYPHS_UNSURE:
            shown = lead[0] if lead is not None else (short(segment.strip()) or "?")
            return Choice(None, 0.0, f"không rõ ô \u201c{shown}\u201d có được đánh dấu không")
        if lead is None:
            shown = short(segment.strip()) or glyph
            return Choice(None, 0.0, f"không nhận ra lựa chọn \u201c{shown}\u201d")
        if lead[1] < len(ws):
            quality = EXTRA_WORDS_QUALITY
        if glyph in GLYPHS_TICKED and lead[0] not in ticked:
            ticked.append(lead[0])
    if not ticked:
        return Choice(None, 0.0, "không ô nào được đánh dấu")
    if len(ticked) > 1:
        return Choice(None, 0.0, f"cả {_quoted(ticked, ' và ')} đều được đánh dấu")
    return Choice(ticked[0], quality)


# --- numbers, text and the date line as a unit writes them ------------------------------------


@dataclass(frozen=True)
class Written:
    """A value as read from what a unit wrote: typed, how cleanly, or why it cannot be read."""

    value: object = None
    quality: float = 1.0
    problem: str | None = None  # Vietnamese; None when read or blank

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


NUMBER_WORDS_QUALITY = 0.85  # "mười hai" with no digits: read, and a person checks
THOUSANDS_QUALITY = 0.95  # "1.200"
UNIT_WORD_QUALITY = 0.98  # "12 đồng chí"
MAX_DIGITS = 15  # far past any count on a form; int() would refuse past 4,300 digits
_FILLER = " \t.…·_-–—/\\*"
_RUN = re.compile(r"\d+(?:[.,]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_PAREN = re.compile(r"\(([^()]*)\)")
_EDGE_FILL = re.compile(r"^(?:\s|\.{2,}|…|_+)+|(?:\s|\.{2,}|…|_+)+$")  # a dotted line, not "A."
_UNIT_WORDS = {
    tuple(u.split())
    for u in (
        "dong chi", "d c", "dc", "dang vien", "dv", "chi tieu", "ky", "cuoc", "buoi", "vu",
        "vu viec", "thang", "chi bo", "nguoi", "lan", "truong hop", "ky sinh hoat", "nam",
    )
}  # fmt: skip
_DIGIT_WORDS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "nham": 5,
    "sau": 6, "bay": 7, "tam": 8, "chin": 9,
}  # fmt: skip


def is_blank(text: str) -> bool:
    """Nothing written: empty, dots, underscores, or a bracketed hint left as printed."""
    s = nfc(text).strip(_FILLER)
    return not s or bool(re.fullmatch(r"[(\[][^\d" + GLYPHS + r"]*[)\]]", s))


def read_int(text: str) -> Written:
    """One whole number, as units write it: "12", "12 đồng chí", "12 (mười hai)".

    Exactly one number or nothing: "10/12", "12 - 15", "1,5" and a sentence with two numbers are
    unreadable, never a number picked out of them.  Other words around the number lower the
    quality so that a person checks it.
    """
    text = nfc(text)
    if is_blank(text):
        return Written()
    runs = list(_RUN.finditer(text))
    if not runs:
        number = number_words(text)
        if number is None:
            return Written(problem=f"\u201c{short(text)}\u201d không phải là số")
        return Written(number, NUMBER_WORDS_QUALITY)
    if len(runs) > 1:
        shown = " và ".join(r.group() for r in runs[:3])
        return Written(problem=f"ghi nhiều số ({shown}), không rõ số nào")
    run = runs[0]
    before, after = text[: run.start()], text[run.end() :]
    if before[-1:].isalpha() or after[:1].isalpha():  # "2O", "l2": an OCR slip inside a number
        return Written(problem=f"\u201c{short(text)}\u201d không phải là số")
    if before.rstrip().endswith(("-", "−")) and not before.rstrip()[:-1].strip():
        return Written(problem=f"số âm ({short(text)})")
    if after.lstrip().startswith("%"):
        return Written(problem=f"ghi tỷ lệ ({short(text)}), cần số lượng")
    digits, quality = run.group(), 1.0
    if not digits.isdigit():
        if not _THOUSANDS.fullmatch(digits):
            return Written(problem=f"\u201c{digits}\u201d không phải là số nguyên")
        digits, quality = digits.replace(".", ""), THOUSANDS_QUALITY
    if len(digits.lstrip("0")) > MAX_DIGITS:
        return Written(problem=f"số quá lớn ({short(text)}), không phải số lượng trên phiếu")
    value = int(digits)
    return _around_number(value, quality, before, after)


def _around_number(value: int, quality: float, before: str, after: str) -> Written:
    """The words around a number: a unit ("đồng chí"), the number in words, or other text."""
    for spelled in _PAREN.findall(after):
        if words(spelled) and not any(c.isdigit() for c in spelled):
            said = number_words(spelled)
            if said is not None and said != value:
                return Written(problem=f"số {value} khác số viết bằng chữ \u201c{spelled}\u201d")
            if said is not None:
                quality = min(quality, UNIT_WORD_QUALITY)
                after = after.replace(f"({spelled})", " ", 1)
    rest_before = tuple(w.key for w in words(before))
    rest_after = tuple(w.key for w in words(after))
    if rest_before or (rest_after and rest_after not in _UNIT_WORDS):
        return Written(value, min(quality, EXTRA_WORDS_QUALITY))
    if rest_after:
        quality = min(quality, UNIT_WORD_QUALITY)
    return Written(value, quality)


def number_words(text: str) -> int | None:
    """0–999 written in words ("mười hai", "hai mươi mốt", "một trăm linh năm"), else None."""
    ws = [w.key for w in words(nfc(text))]
    if not ws:
        return None
    total = 0
    if len(ws) >= 2 and ws[1] == "tram" and ws[0] in _DIGIT_WORDS:
        total, ws = 100 * _DIGIT_WORDS[ws[0]], ws[2:]
        if ws[:1] in (["linh"], ["le"]):
            ws = ws[1:]
            return total + _DIGIT_WORDS[ws[0]] if len(ws) == 1 and ws[0] in _DIGIT_WORDS else None
    if ws[:1] == ["muoi"]:
        total, ws = total + 10, ws[1:]
    elif len(ws) >= 2 and ws[1] == "muoi" and _DIGIT_WORDS.get(ws[0], 0) >= 2:
        total, ws = total + 10 * _DIGIT_WORDS[ws[0]], ws[2:]
    if not ws:
        return total
    if len(ws) == 1 and ws[0] in _DIGIT_WORDS:
        return total + _DIGIT_WORDS[ws[0]]
    return None


def read_text(text: str) -> Written:
    """Free text as written (NFC), without the dots or underscores of a blank line."""
    text = nfc(text).strip()
    if is_blank(text):
        return Written()
    return Written(_EDGE_FILL.sub("", text) or text)


def read_code(text: str) -> Written:
    """A roster code: ``[A-Za-z0-9._-]{1,32}`` exactly, else unreadable."""
    written = read_text(text)
    if written.blank or _CODE.fullmatch(str(written.value)):
        return written
    return Written(problem=f"\u201c{short(text)}\u201d không phải là mã đơn vị hợp lệ")


@dataclass(frozen=True)
class DateLine:
    """"<place>, ngày 12 tháng 11 năm 2022": the place and the date, each may be blank."""

    place: str | None
    date: Written


_DATE_LINE = re.compile(
    r"^\s*(?:(?P<place>[^,]*?)\s*,\s*)?ng[àa]y\s*(?P<d>[^\s]*)\s+th[áa]ng\s*(?P<m>[^\s]*)\s+"
    r"n[ăa]m\s*(?P<y>[^\s]*?)\s*[.]?\s*$",
    re.IGNORECASE,
)
_DATE_SLASH = re.compile(
    r"^\s*(?:(?P<place>[^,]*?)\s*,\s*)?ng[àa]y\s+(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*"
    r"(?P<y>\d{4})\s*[.]?\s*$",
    re.IGNORECASE,
)


def read_date_line(text: str) -> DateLine | None:
    """The date line above a signature, or None when the line is not one."""
    text = nfc(text)
    m = _DATE_LINE.match(text) or _DATE_SLASH.match(text)
    if m is None:
        return None
    place = m.group("place")
    place = None if place is None or is_blank(place) else place.strip()
    parts = [m.group(k).strip(_FILLER) for k in ("d", "m", "y")]
    if not all(parts):
        return DateLine(place, Written())  # printed but not filled in
    # isdecimal, not isdigit: int() refuses "²"; and no day, month or year has five digits.
    if not all(p.isdecimal() and len(p) <= 4 for p in parts):
        return DateLine(place, Written(problem=f"ngày ghi không rõ (\u201c{short(text)}\u201d)"))
    day, month, year = (int(p) for p in parts)
    try:
        if not 1900 <= year <= 2100:
            raise ValueError(year)
        return DateLine(place, Written(dt.date(year, month, day)))
    except (ValueError, OverflowError):
        return DateLine(place, Written(problem=f"ngày {day}/{month}/{year} không có thật"))


def short(text: str, limit: int = 40) -> str:
    """A text as a message quotes it: one line, at most ``limit`` characters."""
    text = " ".join(require_text(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
