"""bontot.text: the comparison key (fold), tone placement, the syllable model."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bontot.errors import InputError
from bontot.text import (
    fold,
    is_vietnamese_syllable,
    nfc,
    normalize_tone_placement,
    same_text,
    split_tone,
)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


NOT_TEXT = st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text()))


# --- nfc / split_tone ---------------------------------------------------------------------------


def test_nfc_composes_what_word_or_ocr_decomposed() -> None:
    assert nfc(nfd("Nguyễn Thị Hương")) == "Nguyễn Thị Hương"
    assert len(nfc(nfd("ệ"))) == 1


@pytest.mark.parametrize(
    ("ch", "expected"),
    [("ệ", ("ê", "\u0323")), ("Ủ", ("U", "\u0309")), ("ơ", ("ơ", "")), ("Đ", ("Đ", ""))],
)
def test_split_tone_keeps_case_and_vowel_marks(ch: str, expected: tuple[str, str]) -> None:
    assert split_tone(ch) == expected


# --- fold / same_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tên tổ chức đảng", nfd("Tên tổ chức đảng")),  # NFC vs NFD
        ("Tự đánh giá danh hiệu bốn tốt", "TỰ ĐÁNH GIÁ DANH HIỆU BỐN TỐT"),  # case
        ("Hòa Bình", "Hoà Bình"),  # old vs new tone placement
        ("Thủy lợi", "Thuỷ lợi"),
        ("Ủy ban Kiểm tra", "Uỷ ban Kiểm tra"),
        ("Tổng số đảng viên", "  Tổng\u00a0số   đảng\tviên  "),  # spaces, nbsp, tab
        ("Mã đơn vị", "Mã đơn vị:"),  # trailing colon
        ("Mã đơn vị", "Mã đơn vị :"),
        ("Mã đơn vị", "Mã đơn vị ..."),
        ("Mã đơn vị", "Mã đơn vị\u2026"),
        ("Mã đơn vị", "Mã đơn vị\uff1a"),  # full-width colon
        ('Số chi bộ trực thuộc đạt "chi bộ bốn tốt"', "Số chi bộ trực thuộc đạt “chi bộ bốn tốt”:"),
        ("GIAI ĐOẠN 2022 - 2027", "Giai đoạn 2022 \u2013 2027"),  # en dash
        ("Bí thư", "Bí\u200b thư"),  # zero-width space from a PDF
        ("Đảng bộ", "Ðảng bộ"),  # U+00D0, a look-alike typed for Đ
    ],
)
def test_same_text_ignores_what_clerks_ignore(a: str, b: str) -> None:
    assert same_text(a, b)
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ"),
        ("1. Hoàn thành tốt nhiệm vụ chính trị", "Hoàn thành tốt nhiệm vụ chính trị"),
        ("Tổng số chi bộ trực thuộc", "Số chi bộ trực thuộc"),
        ("Có", "Không"),
    ],
)
def test_same_text_keeps_different_labels_apart(a: str, b: str) -> None:
    assert not same_text(a, b)


def test_fold_gives_the_expected_key() -> None:
    assert fold("  Tên tổ chức  đảng\u00a0: ") == "ten to chuc dang"
    assert fold("1. Hoàn thành tốt nhiệm vụ chính trị:") == "1. hoan thanh tot nhiem vu chinh tri"
    assert fold("Đoàn kết, kỷ luật tốt") == "doan ket, ky luat tot"
    assert fold("") == ""
    assert fold(" : ") == ""


@given(NOT_TEXT)
def test_text_functions_refuse_non_text_with_a_typed_error(value: object) -> None:
    for fn in (nfc, fold, normalize_tone_placement, is_vietnamese_syllable):
        with pytest.raises(InputError):
            fn(value)  # type: ignore[arg-type]


@given(st.text())
def test_fold_is_total_idempotent_and_blind_to_normal_form(s: str) -> None:
    key = fold(s)
    assert fold(key) == key
    assert fold(nfd(s)) == key
    assert key == key.strip()
    assert not key.endswith((":", "."))


# --- normalize_tone_placement -------------------------------------------------------------------

PAIRS = [  # (tone on the second vowel, tone on the first) — spec "old" and "new"
    ("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("hoá", "hóa"), ("uỷ", "ủy"),
    ("Uỷ", "Ủy"), ("THUỶ", "THỦY"), ("HOÀ", "HÒA"), ("goá", "góa"), ("loá", "lóa"),
    ("xoè", "xòe"), ("tuỳ", "tùy"), ("huỷ", "hủy"), ("nguỵ", "ngụy"), ("oà", "òa"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_tone_placement_both_directions(old: str, new: str) -> None:
    assert normalize_tone_placement(old, "new") == new
    assert normalize_tone_placement(new, "new") == new
    assert normalize_tone_placement(new, "old") == old
    assert normalize_tone_placement(old, "old") == old
    assert normalize_tone_placement(nfd(old)) == new


@pytest.mark.parametrize(
    "word",
    [
        "quý", "Quỳ", "quả", "quạ", "giá", "Giữ", "hoàn", "thuyết", "ngoài", "khoảng", "toán",
        "khuỷu", "huỳnh", "quỳnh", "hoặc", "thuở", "của", "mùa", "kìa", "thuế", "huých",
        "xoáy", "ngoẹo", "Tỉnh", "hòn", "Internet", "café",
    ],
)  # fmt: skip
def test_tone_placement_leaves_single_placement_words_alone(word: str) -> None:
    assert normalize_tone_placement(word, "new") == word
    assert normalize_tone_placement(word, "old") == word


def test_tone_placement_in_a_sentence_keeps_everything_else() -> None:
    old = "Uỷ ban Kiểm tra Tỉnh uỷ: hoà bình, khoẻ mạnh, quý giá, HOÀN THÀNH (100 %)."
    new = "Ủy ban Kiểm tra Tỉnh ủy: hòa bình, khỏe mạnh, quý giá, HOÀN THÀNH (100 %)."
    assert normalize_tone_placement(old) == new
    assert normalize_tone_placement(new, style="old") == old


def test_tone_placement_refuses_an_unknown_style() -> None:
    with pytest.raises(InputError):
        normalize_tone_placement("hoà", style="modern")  # type: ignore[arg-type]


@given(st.text())
def test_tone_placement_is_total_and_consistent(s: str) -> None:
    new = normalize_tone_placement(s, "new")
    old = normalize_tone_placement(s, "old")
    assert normalize_tone_placement(old, "new") == new
    assert normalize_tone_placement(new, "old") == old
    assert fold(new) == fold(old) == fold(s)
    assert unicodedata.is_normalized("NFC", new)


# --- is_vietnamese_syllable ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "Đảng", "Cộng", "sản", "Việt", "Nam", "khuỷu", "giếng", "gì", "quý", "quỳnh", "quốc",
        "nghiêng", "người", "Nguyễn", "thư", "yêu", "oà", "hòa", "ủy", "TỈNH", "xoong", "tốt",
    ],
)  # fmt: skip
def test_syllables(word: str) -> None:
    assert is_vietnamese_syllable(word)
    assert is_vietnamese_syllable(nfd(word))


@pytest.mark.parametrize(
    "word",
    ["", "Internet", "été", "ViÖt", "tot", "tòt", "Bỡnh", "hoàá", "â", "ăn3", "Đảng bộ", "fa"],
)
def test_not_syllables(word: str) -> None:
    assert not is_vietnamese_syllable(word)
