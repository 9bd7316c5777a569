"""Pre-Unicode Vietnamese encodings (TCVN3/ABC and VNI Windows) to Unicode and back.

Older Word files still arrive typed in the ``.VnTime`` (TCVN3) or ``VNI-Times`` fonts: the text
is stored as Latin-1 code points that only the font turns into Vietnamese.  python-docx hands us
those code points ("§¶ng" for "Đảng", "Ñaûng" for the same word in VNI).

Hand-written because no maintained Python library does this well: the PyPI converters are
unmaintained, VNI-only or TCVN3-only, and none detects the encoding.  The tables are the ones of
Unikey's VnConv library (``unikey/data.cpp``: the TCVN3 single-byte table and the VNI-WIN
double-byte table), cross-checked against xvnkb's ``tcvn.h``/``vni.h``.

* TCVN3 (VN3, the ABC fonts) has no toned capitals: ``.VnTime`` text writes them with the
  lowercase codes, and the caps fonts (``.VnTimeH``, any ``.Vn…H``) draw every code as a capital.
* VNI Windows writes a toned vowel as the base letter plus one mark character ("aø" = "à",
  "eä" = "ệ"), with capital marks after capital letters ("AØ" = "À"); đ, ơ, ư and the i/ỵ
  letters are single characters ("ñ", "ô", "ö", "ò", "î").

Detection works per run (one font): call it on each run's text with the run's font name.
Without font names, detect on a whole paragraph or document: single words can be ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from bontot.errors import InputError
from bontot.text import is_vietnamese_syllable, nfc, require_text
from bontot.vnformat import upper_vi

Encoding = Literal["tcvn3", "tcvn3h", "vni"]

# TCVN3 code (as python-docx reads it) -> Unicode.  Toned letters have lowercase codes only.
TCVN3_TO_UNICODE: dict[str, str] = {
    "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ", "¨": "ă", "©": "â",
    "ª": "ê", "«": "ô", "¬": "ơ", "\xad": "ư", "®": "đ", "µ": "à", "¶": "ả", "·": "ã", "¸": "á",
    "¹": "ạ", "»": "ằ", "¼": "ẳ", "½": "ẵ", "¾": "ắ", "Æ": "ặ", "Ç": "ầ", "È": "ẩ", "É": "ẫ",
    "Ê": "ấ", "Ë": "ậ", "Ì": "è", "Î": "ẻ", "Ï": "ẽ", "Ð": "é", "Ñ": "ẹ", "Ò": "ề", "Ó": "ể",
    "Ô": "ễ", "Õ": "ế", "Ö": "ệ", "×": "ì", "Ø": "ỉ", "Ü": "ĩ", "Ý": "í", "Þ": "ị", "ß": "ò",
    "á": "ỏ", "â": "õ", "ã": "ó", "ä": "ọ", "å": "ồ", "æ": "ổ", "ç": "ỗ", "è": "ố", "é": "ộ",
    "ê": "ờ", "ë": "ở", "ì": "ỡ", "í": "ớ", "î": "ợ", "ï": "ù", "ñ": "ủ", "ò": "ũ", "ó": "ú",
    "ô": "ụ", "õ": "ừ", "ö": "ử", "÷": "ữ", "ø": "ứ", "ù": "ự", "ú": "ỳ", "û": "ỷ", "ü": "ỹ",
    "ý": "ý", "þ": "ỵ",
}  # fmt: skip

# VNI Windows sequence -> Unicode; one row per vowel, tones in the order ` ' ? ~ .
VNI_TO_UNICODE: dict[str, str] = {
    "aø": "à", "aù": "á", "aû": "ả", "aõ": "ã", "aï": "ạ",
    "aâ": "â", "aà": "ầ", "aá": "ấ", "aå": "ẩ", "aã": "ẫ", "aä": "ậ",
    "aê": "ă", "aè": "ằ", "aé": "ắ", "aú": "ẳ", "aü": "ẵ", "aë": "ặ",
    "eø": "è", "eù": "é", "eû": "ẻ", "eõ": "ẽ", "eï": "ẹ",
    "eâ": "ê", "eà": "ề", "eá": "ế", "eå": "ể", "eã": "ễ", "eä": "ệ",
    "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị",
    "oø": "ò", "où": "ó", "oû": "ỏ", "oõ": "õ", "oï": "ọ",
    "oâ": "ô", "oà": "ồ", "oá": "ố", "oå": "ổ", "oã": "ỗ", "oä": "ộ",
    "ô": "ơ", "ôø": "ờ", "ôù": "ớ", "ôû": "ở", "ôõ": "ỡ", "ôï": "ợ",
    "uø": "ù", "uù": "ú", "uû": "ủ", "uõ": "ũ", "uï": "ụ",
    "ö": "ư", "öø": "ừ", "öù": "ứ", "öû": "ử", "öõ": "ữ", "öï": "ự",
    "yø": "ỳ", "yù": "ý", "yû": "ỷ", "yõ": "ỹ", "î": "ỵ",
    "ñ": "đ",
    "AØ": "À", "AÙ": "Á", "AÛ": "Ả", "AÕ": "Ã", "AÏ": "Ạ",
    "AÂ": "Â", "AÀ": "Ầ", "AÁ": "Ấ", "AÅ": "Ẩ", "AÃ": "Ẫ", "AÄ": "Ậ",
    "AÊ": "Ă", "AÈ": "Ằ", "AÉ": "Ắ", "AÚ": "Ẳ", "AÜ": "Ẵ", "AË": "Ặ",
    "EØ": "È", "EÙ": "É", "EÛ": "Ẻ", "EÕ": "Ẽ", "EÏ": "Ẹ",
    "EÂ": "Ê", "EÀ": "Ề", "EÁ": "Ế", "EÅ": "Ể", "EÃ": "Ễ", "EÄ": "Ệ",
    "Ì": "Ì", "Í": "Í", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị",
    "OØ": "Ò", "OÙ": "Ó", "OÛ": "Ỏ", "OÕ": "Õ", "OÏ": "Ọ",
    "OÂ": "Ô", "OÀ": "Ồ", "OÁ": "Ố", "OÅ": "Ổ", "OÃ": "Ỗ", "OÄ": "Ộ",
    "Ô": "Ơ", "ÔØ": "Ờ", "ÔÙ": "Ớ", "ÔÛ": "Ở", "ÔÕ": "Ỡ", "ÔÏ": "Ợ",
    "UØ": "Ù", "UÙ": "Ú", "UÛ": "Ủ", "UÕ": "Ũ", "UÏ": "Ụ",
    "Ö": "Ư", "ÖØ": "Ừ", "ÖÙ": "Ứ", "ÖÛ": "Ử", "ÖÕ": "Ữ", "ÖÏ": "Ự",
    "YØ": "Ỳ", "YÙ": "Ý", "YÛ": "Ỷ", "YÕ": "Ỹ", "Î": "Ỵ",
    "Ñ": "Đ",
}  # fmt: skip

_TCVN3_TABLE = str.maketrans(TCVN3_TO_UNICODE)
_TCVN3_CODES = frozenset(TCVN3_TO_UNICODE)
_TCVN3_ENCODE = {u: code for code, u in TCVN3_TO_UNICODE.items()}
_TCVN3_CAPS = {u.upper(): code for u, code in _TCVN3_ENCODE.items() if u.upper() != u}
_TCVN3_CAPS.update({u: code for u, code in _TCVN3_ENCODE.items() if u.isupper()})
_VNI_ENCODE = {u: seq for seq, u in VNI_TO_UNICODE.items()}
_VNI_CODES = frozenset("".join(VNI_TO_UNICODE)) - frozenset("aeouyAEOUY")
_VNI_RE = re.compile("|".join(sorted(map(re.escape, VNI_TO_UNICODE), key=len, reverse=True)))

# Letters only Unicode Vietnamese has: a legacy text read as cp1252 can never contain them.
_UNICODE_ONLY = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9\u0300-\u036f]")
_TCVN3_FONT = re.compile(r"^(?:\.[Vv][Nn]|Vn[A-Z][a-z])")  # .VnTime, .VNTIMEH, VnArial; not VNF-*
_VNI_FONT = re.compile(r"^vni[-_ ]?[a-z]", re.IGNORECASE)


def tcvn3_to_unicode(s: str) -> str:
    """TCVN3 text of a ``.VnTime``-style font to Unicode (toned capitals come out lowercase)."""
    return require_text(s).translate(_TCVN3_TABLE)


def tcvn3h_to_unicode(s: str) -> str:
    """TCVN3 text of a caps font (``.VnTimeH``): every code, ASCII included, is a capital."""
    return upper_vi(tcvn3_to_unicode(s))


def vni_to_unicode(s: str) -> str:
    """VNI Windows text (``VNI-Times``) to Unicode, longest sequence first."""
    return _VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group()], require_text(s))


def _encode(s: str, table: dict[str, str], codes: frozenset[str], name: str, lossy: bool) -> str:
    """Shared encoder: table lookup, pass-through, typed error on what cannot be written."""
    out, bad = [], []
    for ch in nfc(s):
        if ch in table:
            out.append(table[ch])
        elif ch in codes or ch.lower() in table:
            bad.append(ch)
            out.append(table.get(ch.lower(), "?"))
        else:
            out.append(ch)
    if bad and not lossy:
        chars = ", ".join(sorted(set(bad)))
        raise InputError(f"Không viết được bằng bảng mã {name} các ký tự: {chars}")
    return "".join(out)


def unicode_to_tcvn3(s: str, *, lossy: bool = False) -> str:
    """Unicode to TCVN3 for a ``.VnTime`` font.

    TCVN3 has no toned capitals and its codes take the Latin-1 letters: those characters raise
    :class:`InputError`, or with ``lossy=True`` become the lowercase code (what Unikey does) or "?".
    """
    return _encode(s, _TCVN3_ENCODE, _TCVN3_CODES, "TCVN3", lossy)


def unicode_to_tcvn3h(s: str, *, lossy: bool = False) -> str:
    """Unicode to TCVN3 for a caps font (``.VnTimeH``): the text is written in capitals."""
    return _encode(upper_vi(s), _TCVN3_CAPS, _TCVN3_CODES, "TCVN3 (.VnTimeH)", lossy)


def unicode_to_vni(s: str, *, lossy: bool = False) -> str:
    """Unicode to VNI Windows; Latin-1 letters VNI uses as marks (ñ, ø, ü ...) raise InputError."""
    return _encode(s, _VNI_ENCODE, _VNI_CODES, "VNI", lossy)


_DECODERS: dict[str, Callable[[str], str]] = {
    "tcvn3": tcvn3_to_unicode,
    "tcvn3h": tcvn3h_to_unicode,
    "vni": vni_to_unicode,
}
_WORDS = {
    "tcvn3": re.compile(r"(?:[^\W\d_]|[" + re.escape("".join(TCVN3_TO_UNICODE)) + "])+"),
    "vni": re.compile(r"[^\W\d_]+"),
}
_CODES = {"tcvn3": re.compile("[" + re.escape("".join(TCVN3_TO_UNICODE)) + "]"), "vni": _VNI_RE}
_MAX_WORDS = 2000  # enough to decide; a whole document need not be scored


@dataclass(frozen=True)
class _Evidence:
    """How the words of a text fare when read as one legacy encoding."""

    pro: int  # not Vietnamese as they stand, Vietnamese once decoded
    strong: int  # of those, with 2+ ASCII letters or one and a symbol: "ViÖt", "®¬n"; not "på"
    con: int  # broken by decoding, or left with Latin-1 letters the encoding does not use
    words: int
    valid: int  # words that are Vietnamese syllables once decoded

    @property
    def convincing(self) -> bool:
        return self.strong >= 1 and self.pro >= 2 * self.con and self.valid >= 0.75 * self.words


def _evidence(text: str, enc: Literal["tcvn3", "vni"]) -> _Evidence:
    decode = _DECODERS[enc]
    pro = strong = con = words = valid = 0
    for match in islice(_WORDS[enc].finditer(text), _MAX_WORDS):
        token = match.group()
        if token.isascii() and token.isupper():
            continue  # abbreviations: QĐ/HU, TW, UBND
        decoded = decode(token)
        ok = is_vietnamese_syllable(decoded)
        if decoded.isupper() and not ok:
            continue  # abbreviations with legacy letters: §K (ĐK), Q§ (QĐ)
        words += 1
        valid += ok
        if token.isascii():
            continue
        rest = _CODES[enc].sub("", token)
        if not ok or any("\x80" <= c <= "\xff" and c.isalpha() for c in rest):
            con += 1
        elif not is_vietnamese_syllable(token):
            pro += 1
            ascii_letters = sum(c.isascii() for c in token)
            symbol = any(not c.isalpha() for c in token)
            strong += ascii_letters >= 2 or ascii_letters == 1 and symbol
    return _Evidence(pro, strong, con, words, valid)


def _font_encoding(font_name: str) -> Encoding | None:
    """Encoding named by the font: .VnTime -> tcvn3, .VnTimeH (ABC caps) -> tcvn3h, VNI-* -> vni."""
    name = require_text(font_name, "tên phông chữ").strip()
    if _VNI_FONT.match(name):
        return "vni"
    if _TCVN3_FONT.match(name):
        caps = name.endswith("H") or (name.islower() and name.endswith("h"))
        return "tcvn3h" if caps else "tcvn3"
    return None


def _guess(text: str) -> Encoding | None:
    """The encoding whose decoding turns the text into Vietnamese, when one clearly does."""
    found: list[tuple[int, Literal["tcvn3", "vni"]]] = []
    for candidate in ("tcvn3", "vni"):
        evidence = _evidence(text, candidate)
        if evidence.convincing:
            found.append((evidence.pro - evidence.con, candidate))
    if not found:
        return None
    enc = max(found)[1]
    letters = [c for c in text if c.isascii() and c.isalpha()]
    if enc == "tcvn3" and len(letters) >= 2 and all(c.isupper() for c in letters):
        return "tcvn3h"  # capitals typed in a caps font: its lowercase codes are capitals too
    return enc


def detect_legacy(text: str, font_name: str | None = None) -> Encoding | None:
    """Which legacy encoding a run's text is in, or None for Unicode (and plain ASCII).

    A ``.Vn…`` or ``VNI-…`` font name decides; without one (or with a Unicode font, which old
    documents keep in their styles) the words decide: a text is legacy only when decoding turns
    its words into Vietnamese syllables.  Letters that only Unicode has (ư, ạ, đ, combining
    marks) rule legacy out, whatever the font says.  One or two words are often ambiguous
    ("Chi bé" is also good Unicode): without font names, decide on a whole paragraph or
    document and convert its runs with that answer.
    """
    text = require_text(text)
    if font_name is not None:  # a wrong type is refused even when the text decides alone
        require_text(font_name, "tên phông chữ")
    if _UNICODE_ONLY.search(text):
        return None
    if font_name is not None and (enc := _font_encoding(font_name)) is not None:
        return enc
    return None if text.isascii() else _guess(text)


def to_unicode(text: str, font_name: str | None = None) -> tuple[str, Encoding | None]:
    """The run's text in Unicode and the legacy encoding it was in (None: returned unchanged)."""
    enc = detect_legacy(text, font_name)
    return (_DECODERS[enc](text) if enc else text), enc
