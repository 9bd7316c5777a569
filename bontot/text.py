"""Vietnamese text as it really arrives: one comparison key for labels and names.

Returned forms mix Unicode NFC and NFD, old and new tone placement ("hoà" / "hòa"), non-breaking
spaces, curly quotes and trailing colons.  The parsers keep what was written for display and
compare through :func:`fold`.  The syllable model here (:func:`is_vietnamese_syllable`) also lets
``bontot.legacy`` tell a TCVN3/VNI text from ordinary Unicode.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from bontot.errors import InputError

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_ACUTE, _DOT = "\u0301", "\u0323"

_LETTERS = frozenset("abcdeghiklmnopqrstuvxyđăâêôơư")
_VOWELS = "aăâeêioôơuưy"
_MARKED = frozenset("ăâêôơư")
_ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip


def _product(nuclei: str, codas: str) -> set[str]:
    return {n + c for n in nuclei.split() for c in codas.split()}


# Rhymes (vần) without tone, after the onset: enough to tell a syllable from noise, not a lexicon.
_OPEN = "a e ê i y o ô ơ u ư ia ua ưa oa oe uê uy uơ uya"
_GLIDED = "ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu iêu yêu uôi ươi ươu oai oay oao oeo uây uyu"
_RHYMES = frozenset(
    set(_OPEN.split())
    | set(_GLIDED.split())
    | _product("a ă â e ê i o ô ơ u iê yê uô ươ oa oă", "m p")
    | _product("a ă â e ê i o ô ơ u ư iê yê uô ươ oa oă oe uâ uyê", "n t")
    | {"uyt"}
    | _product("a ă â e o ô u ư iê uô ươ oa oă uâ oo", "ng c")
    | _product("a ê i oa uê uy", "nh ch")
)
_STOP_CODAS = ("p", "t", "c", "ch")

_QUOTES = str.maketrans(
    {c: '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02"}
    | {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032`\u00b4\uff07"}
    | {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
)
_FOLD_LETTERS = str.maketrans({"đ": "d", "ð": "d"})  # after casefold; ð: a common stand-in for đ
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_WORD = re.compile(r"[^\W\d_]+")
_TRAILING = " :.\u2026\uff1a"


def require_text(s: object, what: str = "văn bản") -> str:
    """``s`` itself if it is a str; otherwise the project's typed error, not a TypeError."""
    if not isinstance(s, str):
        raise InputError(f"Cần {what} dạng chuỗi, nhận được {type(s).__name__}.")
    return s


def nfc(s: str) -> str:
    """Unicode NFC: Word, PDF and OCR give NFC or NFD for the same letters."""
    return unicodedata.normalize("NFC", require_text(s))


def split_tone(ch: str) -> tuple[str, str]:
    """One letter -> (the letter without its tone mark, the tone mark or "").

    Keeps case and the vowel marks (â, ă, ơ, ư ...): split_tone("Ệ") == ("Ê", "\\u0323").
    """
    return _split_tone(require_text(ch, "chữ cái"))


@lru_cache(maxsize=4096)
def _split_tone(ch: str) -> tuple[str, str]:
    parts = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in parts if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
    return base, tone


def _with_tone(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


def _parse(word: str) -> tuple[str, str] | None:
    """(onset, rhyme) of an untoned lowercase syllable, longest onset first; None if not one."""
    for onset in _ONSETS:
        rest = word[len(onset) :]
        if not word.startswith(onset) or not rest:
            continue
        if rest in _RHYMES:
            return onset, rest
        if onset == "gi" and rest[0] in _VOWELS and "i" + rest in _RHYMES:  # giếng = gi + iêng
            return onset, rest
        if onset == "qu" and "u" + rest in _RHYMES:  # quỳnh = qu + uynh
            return onset, rest
    return None


def _tone_slots(onset: str, rhyme: str) -> tuple[int, ...]:
    """Where the tone may stand (indexes in the syllable), by the placement rules.

    A vowel with its own mark (ê, ơ ...) takes it, the last one of ươ; a lone vowel takes it;
    before a final consonant the last vowel; open oa/oe/uy either vowel (both styles are
    written); other open pairs the first vowel (mùa, kìa, hai), triples the middle one (ngoài).
    """
    count = len(rhyme) - len(rhyme.lstrip(_VOWELS))
    vowels, start = rhyme[:count], len(onset)
    marked = [i for i, v in enumerate(vowels) if v in _MARKED]
    if marked:
        return (start + marked[-1],)
    if count == 1:
        return (start,)
    if count < len(rhyme):
        return (start + count - 1,)
    if vowels in ("oa", "oe", "uy"):
        return (start, start + 1)
    return (start + 1,) if count == 3 else (start,)


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` can be one written Vietnamese syllable (onset, rhyme, at most one tone).

    Checks spelling shape, not the dictionary: "Cộng", "khuỷu", "giếng", "quý", "hoà" and "hòa"
    are syllables; "Internet", "été", "ViÖt", "maõ" (tone on the wrong vowel) and "tot" (a
    syllable closed by p, t, c, ch takes sắc or nặng) are not.
    """
    split = [_split_tone(ch) for ch in nfc(word).lower()]
    untoned = "".join(base for base, _ in split)
    toned = [i for i, (_, tone) in enumerate(split) if tone]
    if len(split) != len(untoned) or len(toned) > 1 or not set(untoned) <= _LETTERS:
        return False
    parsed = _parse(untoned)
    if parsed is None:
        return False
    tone = split[toned[0]][1] if toned else ""
    if len(tone) > 1 or (toned and toned[0] not in _tone_slots(*parsed)):
        return False
    return not parsed[1].endswith(_STOP_CODAS) or tone in (_ACUTE, _DOT)


def _retone(token: str, first: bool) -> str:
    """Move the tone inside an open oa/oe/uy rhyme to its first or second vowel."""
    split = [_split_tone(ch) for ch in token]
    untoned = "".join(base for base, _ in split)
    toned = [i for i, (_, tone) in enumerate(split) if tone]
    if len(toned) != 1 or len(untoned) != len(token):
        return token
    parsed = _parse(untoned.lower())
    if parsed is None or parsed[0] == "qu" or parsed[1] not in ("oa", "oe", "uy"):
        return token  # quý, quả, giá, hoàn, thuyết ... have one placement only
    lead = len(parsed[0])
    tone = split[toned[0]][1]
    target = lead if first else lead + 1
    chars = list(token)
    for i in (lead, lead + 1):
        chars[i] = _with_tone(split[i][0], tone if i == target else "")
    return "".join(chars)


def normalize_tone_placement(s: str, style: Literal["new", "old"] = "new") -> str:
    """Put the tone of open oa/oe/uy syllables in one place; returns NFC.

    Style names follow the project spec (forms.md): "new" puts the tone on the first vowel
    ("hòa", "thúy", "khỏe", "ủy"), "old" on the second ("hoà", "thuý", "khoẻ", "uỷ").  Beware:
    Vietnamese orthography texts and Unikey name them the other way round.  Syllables with a
    final consonant or glide ("hoàn", "thuyết", "ngoài") and the qu-/gi- onsets ("quý", "giá")
    have a single placement and are left alone.
    """
    if style not in ("new", "old"):
        raise InputError(f'Kiểu đặt dấu không hợp lệ: {style!r} (chỉ "new" hoặc "old").')
    first = style == "new"
    return _WORD.sub(lambda m: _retone(m.group(), first), nfc(s))


def fold(s: str) -> str:
    """The comparison key for labels and names: what a clerk would call "the same words".

    NFC, no case, no diacritics (đ -> d; tone placement cannot matter once marks are gone),
    one plain space for any run of whitespace, straight quotes and hyphens, no trailing
    colon/dots/spaces.  Leading numbering ("1.") is kept: it tells criteria apart.
    """
    s = _INVISIBLE.sub("", nfc(s)).translate(_QUOTES).casefold()  # casefold may add marks: "İ"
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    s = unicodedata.normalize("NFC", s.translate(_FOLD_LETTERS))
    return " ".join(s.split()).rstrip(_TRAILING)


def same_text(a: str, b: str) -> bool:
    """Whether two labels or names are the same once folded."""
    return fold(a) == fold(b)
