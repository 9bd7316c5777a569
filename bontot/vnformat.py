"""Numbers, dates and capitals the way Party documents print them.

Pure functions with no locale: a server's locale must not change a document (documents.md,
"Rendering rules").  Dates follow Hướng dẫn 36-HD/VPTW, which dates itself "ngày 03 tháng 4 năm
2018": a day below 10 and the months 1 and 2 take a leading zero, the other months do not (so a
"1" or "2" cannot be written in front later).  Rounding is half-up on the exact value.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

from bontot.errors import InputError
from bontot.text import nfc, require_text

DASH = "\u2014"  # what a table shows for a share of nothing
_MAX_DIGITS = 100  # no count or share in a Party document comes near; keeps work bounded


def _require_date(d: object) -> date:
    if not isinstance(d, date):
        raise InputError(f"Cần một ngày (date), nhận được {type(d).__name__}.")
    return d


def _require_int(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InputError(f"{what} phải là số nguyên, nhận được {n!r}.")
    return n


def date_prose(d: date) -> str:
    """A date in prose: "ngày 05 tháng 11 năm 2025", "ngày 15 tháng 02 năm 2026", "tháng 4"."""
    d = _require_date(d)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def place_date(place: str, d: date) -> str:
    """The line under the header: "Ba Tơ, ngày 15 tháng 12 năm 2024"."""
    name = " ".join(nfc(place).split())
    if not name:
        raise InputError("Chưa có địa danh cho dòng ngày tháng của văn bản.")
    return f"{name}, {date_prose(d)}"


def date_table(d: date) -> str:
    """A date in a table cell: "05/11/2025", always two-digit day and month so columns align."""
    d = _require_date(d)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _group(n: int) -> str:
    """Thousands separated by dots: 1234567 -> "1.234.567" (n >= 0)."""
    if n >= 10**_MAX_DIGITS:
        raise InputError(f"Số quá lớn để trình bày (quá {_MAX_DIGITS} chữ số).")
    return f"{n:,}".replace(",", ".")


def number(n: int) -> str:
    """An integer as a reader sees it: 1234 -> "1.234", -5000 -> "-5.000"."""
    n = _require_int(n, "Số")
    return ("-" if n < 0 else "") + _group(abs(n))


def _exact(x: object) -> Fraction:
    """The value a person means: 2.675 is 2675/1000, not the binary float below it."""
    if isinstance(x, bool) or not isinstance(x, int | float | Decimal | Fraction):
        raise InputError(f"Cần một số, nhận được {x!r}.")
    if isinstance(x, float):
        x = Decimal(repr(x))  # NaN and inf stay NaN and inf
    if isinstance(x, Decimal):
        if not x.is_finite() or x.adjusted() > _MAX_DIGITS:
            raise InputError(f"Không trình bày được giá trị {x!r}.")
        if x.adjusted() < -_MAX_DIGITS:
            return Fraction(0)  # far below any printed digit; avoids a 10**huge denominator
    return Fraction(x)


def _places(places: object) -> int:
    places = _require_int(places, "Số chữ số thập phân")
    if not 0 <= places <= 12:
        raise InputError(f"Số chữ số thập phân phải từ 0 đến 12, nhận được {places}.")
    return places


def _fixed(q: Fraction, places: int) -> str:
    """Round half up (away from zero) to ``places`` and write "1.234,5"."""
    scaled = abs(q) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    sign = "-" if q < 0 and units else ""
    whole, frac = divmod(units, 10**places)
    tail = f",{frac:0{places}d}" if places else ""
    return f"{sign}{_group(whole)}{tail}"


def decimal(x: int | float | Decimal | Fraction, places: int = 1) -> str:
    """A decimal number in Vietnamese style: 12.5 -> "12,5", 1234.56 (places=2) -> "1.234,56"."""
    return _fixed(_exact(x), _places(places))


def percent(num: int, den: int, places: int = 1) -> str:
    """num/den as a percentage from the integers themselves: (1, 8) -> "12,5 %"; den 0 -> "—"."""
    num = _require_int(num, "Tử số")
    den = _require_int(den, "Mẫu số")
    places = _places(places)
    if den == 0:
        return DASH
    return f"{_fixed(Fraction(num * 100, den), places)} %"


def upper_vi(s: str) -> str:
    """Capitals for headers: "Huyện ủy Ba Tơ" -> "HUYỆN ỦY BA TƠ", NFC whatever came in.

    str.upper keeps a decomposed tone mark as a separate character ("U" + hook), so the result
    is recomposed; đ -> Đ is in Unicode's case tables.
    """
    return nfc(nfc(require_text(s)).upper())
