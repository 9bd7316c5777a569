"""bontot.vnformat: dates, numbers and capitals as Party documents print them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bontot.errors import InputError
from bontot.vnformat import date_prose, date_table, decimal, number, percent, place_date, upper_vi

# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 11, 5), "ngày 05 tháng 11 năm 2025"),  # Hướng dẫn 36's own example
        (date(2018, 4, 3), "ngày 03 tháng 4 năm 2018"),  # the date of Hướng dẫn 36 itself
        (date(2026, 2, 15), "ngày 15 tháng 02 năm 2026"),  # months 1 and 2 take a zero
        (date(2024, 1, 1), "ngày 01 tháng 01 năm 2024"),
        (date(2022, 11, 25), "ngày 25 tháng 11 năm 2022"),
        (date(2027, 9, 30), "ngày 30 tháng 9 năm 2027"),
    ],
)
def test_date_prose(d: date, expected: str) -> None:
    assert date_prose(d) == expected


def test_place_date() -> None:
    assert place_date("Ba Tơ", date(2024, 12, 15)) == "Ba Tơ, ngày 15 tháng 12 năm 2024"
    nfd_place = unicodedata.normalize("NFD", "  Ba  Tơ ")
    assert place_date(nfd_place, date(2024, 12, 15)) == "Ba Tơ, ngày 15 tháng 12 năm 2024"
    assert place_date("Ba Thành", datetime(2022, 11, 12, 8, 30)) == (
        "Ba Thành, ngày 12 tháng 11 năm 2022"
    )
    with pytest.raises(InputError):
        place_date("  ", date(2024, 12, 15))


def test_date_table() -> None:
    assert date_table(date(2025, 11, 5)) == "05/11/2025"
    assert date_table(date(2018, 4, 3)) == "03/04/2018"


@pytest.mark.parametrize("bad", [None, "2025-11-05", 20251105, (2025, 11, 5)])
def test_dates_refuse_what_is_not_a_date(bad: object) -> None:
    for fn in (date_prose, date_table):
        with pytest.raises(InputError):
            fn(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        place_date("Ba Tơ", bad)  # type: ignore[arg-type]


@given(st.dates())
def test_dates_read_back(d: date) -> None:
    m = re.fullmatch(r"ngày (\d\d) tháng (\d\d?) năm (\d+)", date_prose(d))
    assert m is not None
    assert date(int(m[3]), int(m[2]), int(m[1])) == d
    assert len(m[2]) == (2 if d.month < 3 else len(str(d.month)))
    day, month, year = date_table(d).split("/")
    assert date(int(year), int(month), int(day)) == d


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0"), (7, "7"), (999, "999"), (1234, "1.234"), (1234567, "1.234.567"), (-5000, "-5.000")],
)
def test_number(n: int, expected: str) -> None:
    assert number(n) == expected


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        (12.5, 1, "12,5"),
        (3, 1, "3,0"),
        (1234.56, 2, "1.234,56"),
        (2.675, 2, "2,68"),  # the decimal value written, not the float below it
        (0.05, 1, "0,1"),  # half up, not half even
        (0.25, 1, "0,3"),
        (-2.25, 1, "-2,3"),  # half away from zero
        (-0.04, 1, "0,0"),  # no "-0,0"
        (12.5, 0, "13"),
        (Decimal("2.25"), 1, "2,3"),
        (Fraction(1, 3), 3, "0,333"),
        (Decimal("1E-200"), 2, "0,00"),
    ],
)
def test_decimal(x: float | Decimal | Fraction, places: int, expected: str) -> None:
    assert decimal(x, places) == expected


@pytest.mark.parametrize(
    ("num", "den", "places", "expected"),
    [
        (1, 8, 1, "12,5 %"),
        (1, 3, 1, "33,3 %"),
        (2, 3, 1, "66,7 %"),
        (1, 16, 1, "6,3 %"),  # 6.25 exactly: half up (a float or half-even would give 6,2)
        (1, 200, 0, "1 %"),
        (0, 7, 1, "0,0 %"),
        (10, 10, 1, "100,0 %"),
        (15, 100, 1, "15,0 %"),
        (123456, 100, 1, "123.456,0 %"),
        (5, 0, 1, "—"),
        (0, 0, 1, "—"),
    ],
)
def test_percent(num: int, den: int, places: int, expected: str) -> None:
    assert percent(num, den, places) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: number(1.5),  # type: ignore[arg-type]
        lambda: number(True),
        lambda: number("12"),  # type: ignore[arg-type]
        lambda: decimal(float("nan")),
        lambda: decimal(float("inf")),
        lambda: decimal(Decimal("sNaN")),
        lambda: decimal(Decimal("1E+500")),
        lambda: decimal("12,5"),  # type: ignore[arg-type]
        lambda: decimal(1.5, places=-1),
        lambda: decimal(1.5, places=1.0),  # type: ignore[arg-type]
        lambda: percent(1.0, 2),  # type: ignore[arg-type]
        lambda: percent(1, None),  # type: ignore[arg-type]
        lambda: number(10**200),
    ],
)
def test_numbers_refuse_with_a_typed_error(call: Callable[[], object]) -> None:
    with pytest.raises(InputError):
        call()


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_number_reads_back(n: int) -> None:
    s = number(n)
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*", s)
    assert int(s.replace(".", "")) == n


@given(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=0, max_value=3),
)
def test_percent_is_exact_half_up(num: int, den: int, places: int) -> None:
    got = percent(num, den, places)
    if den == 0:
        assert got == "—"
        return
    with localcontext() as ctx:
        ctx.prec = 60
        expected = (Decimal(num * 100) / Decimal(den)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
        )
    shown = Decimal(got.removesuffix(" %").replace(".", "").replace(",", "."))
    assert shown == expected
    assert got.endswith(" %")


@given(
    st.one_of(
        st.floats(),
        st.decimals(),
        st.fractions(),
        st.integers(),
        st.none(),
        st.text(max_size=5),
    ),
    st.one_of(st.integers(min_value=-2, max_value=14), st.none()),
)
def test_decimal_only_raises_typed_errors(x: object, places: object) -> None:
    try:
        s = decimal(x, places)  # type: ignore[arg-type]
    except InputError:
        return
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?", s)


# --- capitals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("Huyện ủy Ba Tơ", "HUYỆN ỦY BA TƠ"),
        ("đảng bộ", "ĐẢNG BỘ"),
        ("Đảng bộ tỉnh Quảng Ngãi", "ĐẢNG BỘ TỈNH QUẢNG NGÃI"),
        ("phiếu đăng ký thi đua", "PHIẾU ĐĂNG KÝ THI ĐUA"),
        (unicodedata.normalize("NFD", "Huyện ủy Ba Tơ"), "HUYỆN ỦY BA TƠ"),
        ("ư ơ ă â ê ô ữ ỹ ỵ ặ ẩ", "Ư Ơ Ă Â Ê Ô Ữ Ỹ Ỵ Ặ Ẩ"),
    ],
)
def test_upper_vi(s: str, expected: str) -> None:
    assert upper_vi(s) == expected


@given(st.text())
def test_upper_vi_is_nfc_and_blind_to_normal_form(s: str) -> None:
    up = upper_vi(s)
    assert unicodedata.is_normalized("NFC", up)
    assert upper_vi(unicodedata.normalize("NFD", s)) == up


def test_upper_vi_refuses_non_text() -> None:
    with pytest.raises(InputError):
        upper_vi(None)  # type: ignore[arg-type]
