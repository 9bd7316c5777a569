"""Fuzzing the three families of text readers (issue 8, item 4): whatever comes in, a reader
returns normally or raises one of the project's own typed errors (``BontotError``), never a
``TypeError``, ``KeyError``, ``IndexError``, ``ValueError`` or ``OverflowError``.

1. the label matcher (``parsers.labels``: folded words, numbering, label tables, distances,
   options) and the folding it stands on (``bontot.text``);
2. the number and date readers (``read_int``, ``number_words``, ``read_date_line``, a date in a
   content control read by ``parsers.fields``), with round trips from what ``bontot.vnformat``
   prints back to what the readers read;
3. the legacy-encoding converters (``bontot.legacy``, TCVN3 and VNI), with round trips from
   legacy text to Unicode and back.

The texts are odd on purpose: lone surrogates, control characters, every Unicode digit,
superscripts, numbers thousands of digits long, and values that are not text at all.
``tests/test_fields.py``, ``test_legacy.py``, ``test_text.py`` and ``test_vnformat.py`` hold the
readers' ordinary examples; this module only attacks.
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bontot.errors import BontotError
from bontot.formdata import CHOICE, CHOICES, PASS, YESNO
from bontot.legacy import (
    TCVN3_TO_UNICODE,
    VNI_TO_UNICODE,
    detect_legacy,
    tcvn3_to_unicode,
    tcvn3h_to_unicode,
    to_unicode,
    unicode_to_tcvn3,
    unicode_to_tcvn3h,
    unicode_to_vni,
    vni_to_unicode,
)
from bontot.text import fold, normalize_tone_placement, same_text, split_tone
from bontot.vnformat import date_prose, number, place_date
from parsers.base import Layout, TextBlock
from parsers.fields import extract_forms
from parsers.labels import (
    FORM_01,
    FORM_02,
    FUZZY_EDITS,
    MAX_DIGITS,
    Choice,
    DateLine,
    LabelMatch,
    Written,
    allowed_edits,
    is_blank,
    label_distance,
    label_words,
    lead_end,
    number_words,
    options_of,
    printed_label,
    read_choice,
    read_code,
    read_date_line,
    read_int,
    read_text,
    rest_fits,
    short,
    split_rest,
    starts_with_glyph,
    table_for,
    words,
)

FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def total(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn``'s result, or None when it refused with the project's own error.

    Any other exception (TypeError, KeyError, ValueError ...) propagates and fails the test.
    """
    try:
        return fn(*args, **kwargs)
    except BontotError as exc:
        assert str(exc).strip(), "a typed error must say something to the clerk"
        return None


# --- strategies ---------------------------------------------------------------------------------

TABLES = [table_for(FORM_01), table_for(FORM_02), table_for(None)]
LABELS = sorted({t for table in TABLES for spec in table.specs for t in spec.texts})
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
CONTROLS = st.sampled_from([chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
                           + ["\u200b", "\u200e", "\u202e", "\u2028", "\ufeff", "\ufffe"])
# Every kind of digit: ASCII, Arabic-Indic, Devanagari, fullwidth, superscripts and fractions
# (str.isdigit() is true for "²", int("²") is not), circled and Roman numerals.
DIGITS = st.sampled_from(list("0123456789") + list("٠١٢٣٤٥٦٧٨٩") + list("०१२३")
                         + list("０１２３") + list("²³¹⁰⁴") + list("₀₁₂") + list("①②⑩")
                         + list("½¼ↂⅫ") + ["𝟘", "𝟙", "\U0001d7ce"])
PUNCT = st.sampled_from(list(".,:;-–—/()[]%…_ \t\n\"'“”☒☐⍰"))
ODD_CHARS = st.one_of(st.characters(), SURROGATES, CONTROLS, DIGITS, PUNCT)
ODD_TEXT = st.text(ODD_CHARS, max_size=60)
NUMBERS = st.one_of(
    st.integers(0, 10**30).map(str),
    st.integers(4000, 6000).map(lambda n: "9" * n),  # past int()'s 4300-digit limit
    st.text(DIGITS, min_size=1, max_size=12),
    st.text(st.one_of(DIGITS, st.sampled_from(".,")), min_size=1, max_size=20),
)
NUMBER_WORDS = st.lists(st.sampled_from(
    ["không", "một", "mốt", "hai", "ba", "bốn", "tư", "năm", "lăm", "nhăm", "sáu", "bảy", "tám",
     "chín", "mười", "mươi", "trăm", "linh", "lẻ", "nghìn", "đồng chí", "đảng viên"]),
    max_size=6).map(" ".join)
PIECES = st.one_of(st.sampled_from(LABELS), NUMBERS, NUMBER_WORDS, ODD_TEXT, PUNCT,
                   st.sampled_from(["[x]", "( )", "(mười hai)", "Có", "Không", "Đạt", "Không đạt"]))
TEXTS = st.one_of(ODD_TEXT, st.lists(PIECES, max_size=6).map(" ".join),
                  st.lists(PIECES, max_size=4).map("".join))
DATE_PARTS = st.one_of(NUMBERS, ODD_TEXT, st.sampled_from(["", "…", "..", "_", "0", "00", "31"]))
DATE_LINES = st.one_of(
    st.builds(lambda p, d, m, y, sp: f"{p}, ngày{sp}{d} tháng{sp}{m} năm{sp}{y}",
              ODD_TEXT, DATE_PARTS, DATE_PARTS, DATE_PARTS, st.sampled_from([" ", "  ", ""])),
    st.builds(lambda d, m, y: f"ngày {d}/{m}/{y}", DATE_PARTS, DATE_PARTS, DATE_PARTS),
    st.builds(lambda d, m, y: f"NGAY {d} THANG {m} NAM {y}.", DATE_PARTS, DATE_PARTS,
              DATE_PARTS),
)
NOT_TEXT = st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=8),
                     st.lists(st.text(max_size=3), max_size=2), st.dates(), st.booleans(),
                     st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
OPTION_SETS = [options_of(key, CHOICE) for key in CHOICES] + [options_of("x", YESNO),
                                                               options_of("x", PASS)]


def check_written(w: object, kinds: tuple[type, ...]) -> None:
    assert isinstance(w, Written)
    assert 0.0 <= w.quality <= 1.0
    assert w.problem is None or (isinstance(w.problem, str) and w.problem)
    assert w.value is None or isinstance(w.value, kinds)
    assert w.value is None or w.problem is None


# --- 1. the label matcher -------------------------------------------------------------------------


@FUZZ
@given(TEXTS, st.booleans())
@example("Tổng số đảng viên: 12", False)
@example("\ud800Tổng số đảng viên\ud800", True)
def test_label_tables_match_any_line_or_nothing(text: str, fuzzy: bool) -> None:
    for table in TABLES:
        found = total(table.match, text, fuzzy)
        assert found is None or isinstance(found, LabelMatch)
        if found is not None:
            line = unicodedata.normalize("NFC", text)
            assert 0 < found.end <= len(line)
            assert 0 <= found.edits <= FUZZY_EDITS and found.words >= 1
            assert found.spec.label and isinstance(found.spec.kind, str)
        assert total(table.starts_label, text) in (True, False)


@FUZZ
@given(st.sampled_from(LABELS), ODD_TEXT, st.sampled_from(["", "1. ", "a) ", "- ", "II. ", "+ "]))
def test_a_printed_label_is_found_whatever_follows_its_colon(label: str, value: str,
                                                              lead: str) -> None:
    table = table_for(None)
    found = table.match(f"{lead}{label}: {value}")
    if found is not None:  # a label that is the start of a longer one may claim nothing
        assert found.words == len(label_words(label))


@FUZZ
@given(TEXTS)
def test_word_level_helpers_are_total(text: str) -> None:
    ws = total(words, text)
    for w in ws:
        assert 0 <= w.start < w.end <= len(text) and w.key == w.key.strip()
    assert 0 <= total(lead_end, text) <= len(text)
    assert isinstance(total(label_words, text), tuple)
    assert total(starts_with_glyph, text) in (True, False)
    value, separated = total(split_rest, text)
    assert isinstance(value, str) and separated in (True, False)
    assert total(is_blank, text) in (True, False)
    assert len(total(short, text)) <= 40
    for table in TABLES[:2]:
        for spec in table.specs:
            assert total(rest_fits, spec, text) in (True, False)
    key = fold(text)
    assert fold(key) == key and same_text(text, key)
    new = normalize_tone_placement(text, "new")
    assert fold(new) == key
    for ch in text[:5]:
        base, tone = split_tone(ch)
        assert isinstance(base, str) and isinstance(tone, str)


@FUZZ
@given(ODD_TEXT, ODD_TEXT, st.integers(-3, 50))
@example("tieu chi 1", "tieu chi 2", 1)
@example("", "x" * 60, 2)
def test_label_distance_is_a_capped_symmetric_distance(a: str, b: str, limit: int) -> None:
    full = label_distance(a, b)
    assert full == label_distance(b, a)
    assert (full == 0) == (a == b) or full > 1_000
    if full <= 1_000:
        assert full <= max(len(a), len(b))
    if limit >= 0:
        assert label_distance(a, b, limit) == min(full, limit + 1)
    assert allowed_edits(a) in range(FUZZY_EDITS + 1)


@FUZZ
@given(st.sampled_from(OPTION_SETS), TEXTS)
@example(("Có", "Không"), "☒ Có ☐ Không ☒")
@example(("Đạt", "Không đạt"), "⍰")
def test_read_choice_gives_one_printed_option_or_a_reason(options: tuple[str, ...],
                                                           text: str) -> None:
    got = total(read_choice, options, text)
    assert isinstance(got, Choice) and 0.0 <= got.quality <= 1.0
    assert got.option is None or got.option in options
    assert got.problem is None or got.option is None


@FEW
@given(st.one_of(st.text(max_size=20), NOT_TEXT), st.one_of(st.sampled_from(
    [FORM_01, FORM_02, None, "", "03-XX"]), NOT_TEXT))
def test_printed_labels_and_tables_for_any_key_or_form(key: object, form: object) -> None:
    label = total(printed_label, key, form)
    assert label is None or isinstance(label, str)
    table = total(table_for, form)
    assert table is None or table.specs


@FEW
@given(st.one_of(st.text(max_size=20), st.sampled_from(sorted(CHOICES)), NOT_TEXT),
       st.one_of(st.sampled_from([CHOICE, YESNO, PASS, "int", ""]), NOT_TEXT))
def test_options_of_any_key(key: object, kind: object) -> None:
    options = total(options_of, key, kind)
    assert options is None or (options and all(isinstance(o, str) for o in options))


@FEW
@given(NOT_TEXT)
def test_the_matcher_refuses_what_is_not_text_with_a_typed_error(value: object) -> None:
    table = table_for(None)
    spec = table.specs[0]
    calls: list[Callable[[], object]] = [
        lambda: table.match(value), lambda: table.starts_label(value),
        lambda: words(value), lambda: lead_end(value), lambda: label_words(value),
        lambda: starts_with_glyph(value), lambda: split_rest(value),
        lambda: rest_fits(spec, value), lambda: rest_fits(value, "12"),
        lambda: label_distance(value, "x"), lambda: label_distance("x", value),
        lambda: allowed_edits(value),
        lambda: read_choice(("Có", "Không"), value), lambda: read_choice(value, "Có"),
        lambda: is_blank(value), lambda: short(value), lambda: fold(value),
    ]
    if isinstance(value, bool) or not isinstance(value, int):
        calls.append(lambda: label_distance("x", "y", value))
    for call in calls:
        with pytest.raises(BontotError):
            call()


# --- 2. numbers and dates -------------------------------------------------------------------------


@FUZZ
@given(st.one_of(TEXTS, NUMBERS, st.builds("{} {}".format, NUMBERS, ODD_TEXT)))
@example("9" * 5000)
@example("1." + "000." * 1500 + "000")
@example("²")
@example("12 (mười ba)")
def test_read_int_reads_one_whole_number_or_says_why_not(text: str) -> None:
    got = total(read_int, text)
    check_written(got, (int,))
    assert got.value is None or (got.value >= 0 and not isinstance(got.value, bool))


@FUZZ
@given(st.one_of(NUMBER_WORDS, TEXTS))
def test_number_words_read_0_to_999_or_nothing(text: str) -> None:
    got = total(number_words, text)
    assert got is None or (isinstance(got, int) and 0 <= got <= 999)


@FUZZ
@given(st.one_of(st.integers(0, 10**40), st.integers(0, 999), st.integers(0, 10**MAX_DIGITS)))
def test_numbers_as_documents_print_them_read_back(n: int) -> None:
    for text in (str(n), f"{n} đồng chí", number(n)):  # "1.234" as vnformat prints it
        got = read_int(text)
        if n < 10**MAX_DIGITS:
            assert got.value == n
        else:  # no count on a form: refused, never some other number
            assert got.value is None and got.problem


@FUZZ
@given(st.one_of(DATE_LINES, TEXTS))
@example("ngày ² tháng 1 năm 2020")
@example("ngày 1 tháng 99999999999999999999 năm 2020")
@example("ngày 1 tháng 1 năm " + "9" * 5000)
@example("ngày 0 tháng 0 năm 0")
@example("ngày 12/13/2024")
def test_read_date_line_gives_a_real_date_or_says_why_not(text: str) -> None:
    got = total(read_date_line, text)
    if got is None:
        return
    assert isinstance(got, DateLine)
    assert got.place is None or isinstance(got.place, str)
    check_written(got.date, (dt.date,))
    if got.date.value is not None:
        assert 1900 <= got.date.value.year <= 2100


PLACES = st.text(st.sampled_from(string.ascii_letters + "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽềểễệỉịọỏốồ "),
                 max_size=20).filter(lambda s: s.strip() and "ngay" not in fold(s))


@FUZZ
@given(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), PLACES)
def test_dates_as_documents_print_them_read_back(day: dt.date, place: str) -> None:
    got = read_date_line(place_date(place, day))
    assert got is not None and got.date.value == day
    assert got.place == " ".join(place.split())
    assert read_date_line(date_prose(day)).date.value == day


@FEW
@given(st.one_of(DATE_LINES, TEXTS, st.dates().map(str), st.builds("{}/{}/{}".format,
                                                                     DATE_PARTS, DATE_PARTS,
                                                                     DATE_PARTS)))
@example("2024-02-30")
@example("ngày ² tháng 1 năm 2020")
@example("\ud800")
def test_a_date_in_a_content_control_is_read_or_refused(text: str) -> None:
    blocks = (TextBlock("BÁO CÁO TỰ ĐÁNH GIÁ"), TextBlock("Mẫu 02-TĐG"),
              TextBlock(text, control="signed_on"))
    forms = total(extract_forms, Layout("docx", blocks))
    for form in forms or ():
        value = form.fields.get("signed_on")
        assert value is None or value.value is None or isinstance(value.value, dt.date)


@FEW
@given(NOT_TEXT)
def test_number_and_date_readers_refuse_what_is_not_text(value: object) -> None:
    for fn in (read_int, number_words, read_date_line, read_text, read_code):
        with pytest.raises(BontotError):
            fn(value)


@FUZZ
@given(TEXTS)
def test_text_and_code_readers_are_total(text: str) -> None:
    check_written(total(read_text, text), (str,))
    check_written(total(read_code, text), (str,))


# --- 3. legacy encodings --------------------------------------------------------------------------

TCVN3_TEXT = st.text(st.one_of(st.sampled_from(sorted(TCVN3_TO_UNICODE)),
                               st.sampled_from(string.ascii_letters + string.digits + " .,;:-")),
                     max_size=40)
VNI_TEXT = st.lists(st.one_of(st.sampled_from(sorted(VNI_TO_UNICODE)),
                              st.sampled_from(list("bcdghklmnpqrstvxBCDGHKLMNPQRSTVX0123 .,"))),
                    max_size=20).map("".join)
LEGACY_ODD = st.one_of(ODD_TEXT, TCVN3_TEXT, VNI_TEXT,
                       st.text(st.characters(min_codepoint=0x80, max_codepoint=0xFF), max_size=40),
                       st.builds("{}{}".format, VNI_TEXT, ODD_TEXT))
FONTS = st.one_of(st.none(), st.sampled_from([".VnTime", ".VnTimeH", ".vntimeh", "VNI-Times",
                                              "vni_helve", "VnArial", "Times New Roman", "", " ",
                                              ".Vn", "VNI"]), ODD_TEXT)


@FUZZ
@given(LEGACY_ODD, FONTS)
@example("\ud800§¶ng", ".VnTime")
@example("Ñaûng\udfff", None)
def test_legacy_converters_and_detection_are_total(text: str, font: str | None) -> None:
    for decode in (tcvn3_to_unicode, tcvn3h_to_unicode, vni_to_unicode):
        assert isinstance(decode(text), str)
    for encode in (unicode_to_tcvn3, unicode_to_tcvn3h, unicode_to_vni):
        total(encode, text)
        assert isinstance(encode(text, lossy=True), str)
    enc = detect_legacy(text, font)
    assert enc in (None, "tcvn3", "tcvn3h", "vni")
    converted, used = to_unicode(text, font)
    assert used == enc and isinstance(converted, str)


@FUZZ
@given(TCVN3_TEXT)
def test_tcvn3_text_to_unicode_and_back(legacy: str) -> None:
    assert unicode_to_tcvn3(tcvn3_to_unicode(legacy)) == legacy


@FUZZ
@given(VNI_TEXT)
def test_vni_text_to_unicode_and_back(legacy: str) -> None:
    assert unicode_to_vni(vni_to_unicode(legacy)) == legacy


@FEW
@given(LEGACY_ODD, st.one_of(st.integers(), st.binary(max_size=4), st.lists(st.none(),
                                                                          max_size=1)))
def test_a_font_name_that_is_not_text_is_a_typed_error(text: str, font: object) -> None:
    for fn in (detect_legacy, to_unicode):
        with pytest.raises(BontotError):
            fn(text, font)
