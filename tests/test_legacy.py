"""bontot.legacy: TCVN3 (ABC) and VNI Windows to Unicode and back, and telling them apart.

The hand-checked legacy strings below were written out from Unikey's tables (VnConv
``data.cpp``), not produced by our encoder; the TCVN3 "Uû ban nh©n d©n" is as found in a real
document.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bontot.errors import InputError
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
from bontot.text import nfc
from bontot.vnformat import upper_vi

TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
LOWER = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in TONES] + ["đ"]
ALPHABET = "".join(LOWER) + "".join(upper_vi(c) for c in LOWER)  # 73 + 73 letters
TCVN3_CAPITALS = "ĂÂÊÔƠƯĐ"

SENTENCES = [
    "Đảng Cộng sản Việt Nam",
    "Chi bộ Thôn Làng Mầm",
    "Hoàn thành xuất sắc nhiệm vụ",
    "Ủy ban Kiểm tra Tỉnh ủy",
    "Nguyễn Thị Hương",
    "ữ ỹ ỵ ặ ẩ",
    "Tổng số đảng viên được đánh giá, xếp loại",
    "Số vụ việc tồn đọng, khiếu nại phức tạp, vượt cấp",
    "Thực hiện tốt công tác tư tưởng, tổ chức, kiểm tra, giám sát",
    "Ba Tơ, ngày 15 tháng 12 năm 2024",
    'Quyết định công nhận "chi bộ bốn tốt", "đảng bộ cơ sở bốn tốt" năm 2025',
    "ĐẢNG BỘ TỈNH QUẢNG NGÃI – HUYỆN ỦY BA TƠ",
    "Ông Đỗ Văn Khỏe, Bà Lữ Thị Ửng, Ỷ Lan, Ỵ Ỳ Ý Ỹ Ẽ Ẫ Ẵ Ữ",
]


def is_toned_capital(c: str) -> bool:
    return c.isupper() and not c.isascii() and c not in TCVN3_CAPITALS


def has_toned_capital(s: str) -> bool:
    return any(is_toned_capital(c) for c in s)


# --- tables -------------------------------------------------------------------------------------


def test_tables_cover_every_vietnamese_letter() -> None:
    assert len(LOWER) == 73  # 12 vowels x 6 tones + đ
    assert len(TCVN3_TO_UNICODE) == 74  # 7 capitals + 7 plain + 60 toned lowercase letters
    assert set(TCVN3_TO_UNICODE.values()) == (set(LOWER) - set("aeiouy")) | set(TCVN3_CAPITALS)
    assert len(VNI_TO_UNICODE) == 134
    assert set(VNI_TO_UNICODE.values()) == set(ALPHABET) - set("aeiouyAEIOUY")


def test_every_letter_round_trips() -> None:
    lower = "".join(LOWER)
    assert vni_to_unicode(unicode_to_vni(ALPHABET)) == ALPHABET
    assert tcvn3_to_unicode(unicode_to_tcvn3(lower + TCVN3_CAPITALS)) == lower + TCVN3_CAPITALS
    assert tcvn3h_to_unicode(unicode_to_tcvn3h(ALPHABET)) == upper_vi(ALPHABET)


# --- round trips on real sentences --------------------------------------------------------------


@pytest.mark.parametrize("sentence", SENTENCES)
def test_vni_round_trip(sentence: str) -> None:
    encoded = unicode_to_vni(sentence)
    assert encoded != sentence or sentence.isascii()
    assert vni_to_unicode(encoded) == sentence


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3_round_trip_or_typed_refusal(sentence: str) -> None:
    if has_toned_capital(sentence):  # .VnTime has no toned capitals: say so, do not guess
        with pytest.raises(InputError, match="TCVN3"):
            unicode_to_tcvn3(sentence)
        lowered = "".join(c.lower() if is_toned_capital(c) else c for c in sentence)
        assert tcvn3_to_unicode(unicode_to_tcvn3(sentence, lossy=True)) == lowered
    else:
        assert tcvn3_to_unicode(unicode_to_tcvn3(sentence)) == sentence


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3h_round_trip_in_capitals(sentence: str) -> None:
    assert tcvn3h_to_unicode(unicode_to_tcvn3h(sentence)) == upper_vi(sentence)


# --- hand-checked legacy strings (from Unikey's tables) ----------------------------------------

TCVN3_SAMPLES = [
    ("§¶ng Céng s¶n ViÖt Nam", "Đảng Cộng sản Việt Nam"),
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("Uû ban nh©n d©n", "Uỷ ban nhân dân"),
    ("Hoµn thµnh xuÊt s¾c nhiÖm vô", "Hoàn thành xuất sắc nhiệm vụ"),
    ("NguyÔn ThÞ H\xad¬ng", "Nguyễn Thị Hương"),
    ("Chi bé Th«n Lµng MÇm", "Chi bộ Thôn Làng Mầm"),
    ("BÝ th\xad", "Bí thư"),
    ("÷ ü þ Æ È ¨ © ª « ¬ \xad ®", "ữ ỹ ỵ ặ ẩ ă â ê ô ơ ư đ"),
]
TCVN3H_SAMPLES = [
    ("§¶NG Bé TØNH QU¶NG NG·I", "ĐẢNG BỘ TỈNH QUẢNG NGÃI"),
    ("huyÖn ñy ba t¬", "HUYỆN ỦY BA TƠ"),
    ("PHIÕU §¡NG Ký THI §UA", "PHIẾU ĐĂNG KÝ THI ĐUA"),
]
VNI_SAMPLES = [
    ("Ñaûng Coäng saûn Vieät Nam", "Đảng Cộng sản Việt Nam"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("ÑAÛNG COÄNG SAÛN VIEÄT NAM", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("UÛy ban Kieåm tra Tænh uûy", "Ủy ban Kiểm tra Tỉnh ủy"),
    ("Nguyeãn Thò Höông", "Nguyễn Thị Hương"),
    ("Hoaøn thaønh xuaát saéc nhieäm vuï", "Hoàn thành xuất sắc nhiệm vụ"),
    ("Bí thö", "Bí thư"),
    ("öõ yõ î aë aå ÖÕ YÕ Î AË AÅ", "ữ ỹ ỵ ặ ẩ Ữ Ỹ Ỵ Ặ Ẩ"),
]


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3_SAMPLES)
def test_tcvn3_decodes_known_text(legacy: str, unicode: str) -> None:
    assert tcvn3_to_unicode(legacy) == unicode


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3H_SAMPLES)
def test_tcvn3h_decodes_known_text(legacy: str, unicode: str) -> None:
    assert tcvn3h_to_unicode(legacy) == unicode


@pytest.mark.parametrize(("legacy", "unicode"), VNI_SAMPLES)
def test_vni_decodes_known_text(legacy: str, unicode: str) -> None:
    assert vni_to_unicode(legacy) == unicode


def test_encoders_refuse_what_the_encoding_cannot_hold() -> None:
    with pytest.raises(InputError, match="Ủ"):
        unicode_to_tcvn3("Ủy ban")
    assert unicode_to_tcvn3("Ủy ban", lossy=True) == "ñy ban"  # Unikey's choice
    with pytest.raises(InputError, match="ñ"):
        unicode_to_vni("España")
    assert unicode_to_vni("España", lossy=True) == "Espa?a"
    with pytest.raises(InputError):
        unicode_to_tcvn3("© 2024")


# --- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", "tcvn3"), (".VnTimeH", "tcvn3h"), (".VnArial", "tcvn3"),
        (".VnArialH", "tcvn3h"), (".VnArial NarrowH", "tcvn3h"), (".vntime", "tcvn3"),
        ("VnTime", "tcvn3"), ("VNI-Times", "vni"), ("VNI-Helve", "vni"), ("VNI Times", "vni"),
        ("Times New Roman", None), ("Arial", None), ("", None),
    ],
)  # fmt: skip
def test_detect_by_font_name(font: str, expected: str | None) -> None:
    assert detect_legacy("Chi bo", font) == expected


def test_font_name_cannot_make_unicode_text_legacy() -> None:
    assert detect_legacy("Đảng bộ xã Ba Thành", ".VnTime") is None
    assert detect_legacy("Tha\u0300nh", "VNI-Times") is None  # NFD Unicode


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3_SAMPLES[:8])
def test_detect_tcvn3_by_pattern(legacy: str, unicode: str) -> None:
    assert detect_legacy(legacy) == "tcvn3"
    assert to_unicode(legacy) == (unicode, "tcvn3")


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3H_SAMPLES[::2])
def test_detect_tcvn3_capitals_by_pattern(legacy: str, unicode: str) -> None:
    assert to_unicode(legacy) == (unicode, "tcvn3h")


@pytest.mark.parametrize(("legacy", "unicode"), VNI_SAMPLES[:8])
def test_detect_vni_by_pattern(legacy: str, unicode: str) -> None:
    assert detect_legacy(legacy) == "vni"
    assert to_unicode(legacy) == (unicode, "vni")


def test_to_unicode_with_font_name() -> None:
    assert to_unicode("huyÖn ñy ba t¬", ".VnTimeH") == ("HUYỆN ỦY BA TƠ", "tcvn3h")
    assert to_unicode("Chi bo", ".VnTime") == ("Chi bo", "tcvn3")


ORDINARY = [
    "", "   ", "12345", "Hello world", "The quick brown fox jumps over the lazy dog.",
    "Đảng Cộng sản Việt Nam", "Bí thư", "Mã đơn vị", "PHIẾU ĐĂNG KÝ THI ĐUA",
    nfc("Tên tổ chức đảng"), unicodedata.normalize("NFD", "Chi bộ Thôn Làng Mầm"),
    "Hòa Bình", "Tô Lâm", "Cà Mau", "Tô Hoài", "Cô Tô", "Tôi là sinh viên",
    "café au lait", "Il a dû partir", "Où est la gare?", "Noël à Paris", "déjà vu",
    "Crème brûlée", "naïve résumé", "Façade", "Ça va?", "L'été dernier",
    "Müller GmbH", "Für Elise", "Zürich", "Ångström", "Smørrebrød", "Hej på dig",
    "Jag bor på en ö", "Så är det", "São Paulo", "Nº 5, 1ª edição", "El niño está aquí",
    "¿Qué pasa?", "¡Hola!", "Jalapeño", "piñata", "Copyright © 2024", "Microsoft® Word™",
    "10 °C ± 2", "½ cup of sugar", "3 × 4 = 12", "“Quoted” — dashes – and … ellipses",
    "Ça va très bien", "À bientôt", "Malmö", "Reykjavík", "Pokémon", "Bogotá", "Tête-à-tête",
    "× ÷ ± ° ¶ § © ® ¬ µ ·",
]  # fmt: skip


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_legacy(text: str) -> None:
    assert detect_legacy(text) is None
    assert to_unicode(text) == (text, None)


# --- properties on arbitrary input --------------------------------------------------------------

VIETNAMESE = st.text(alphabet=ALPHABET + "bcdghklmnpqrstvx BCDGHKLMNPQRSTVX0123456789,.;:-()/")
DECODERS = (tcvn3_to_unicode, tcvn3h_to_unicode, vni_to_unicode)
ENCODERS = (unicode_to_tcvn3, unicode_to_tcvn3h, unicode_to_vni)


@given(st.text())
def test_converters_only_raise_typed_errors(s: str) -> None:
    for decode in DECODERS:
        assert isinstance(decode(s), str)
    for encode in ENCODERS:
        try:
            assert isinstance(encode(s), str)
        except InputError:
            pass
        assert isinstance(encode(s, lossy=True), str)


@given(st.one_of(st.none(), st.integers(), st.binary()))
def test_converters_refuse_non_text(value: object) -> None:
    for fn in (*DECODERS, *ENCODERS, detect_legacy, to_unicode):
        with pytest.raises(InputError):
            fn(value)  # type: ignore[arg-type, operator]


@given(VIETNAMESE)
def test_round_trip_for_any_vietnamese_text(s: str) -> None:
    assert vni_to_unicode(unicode_to_vni(s)) == s
    assert tcvn3h_to_unicode(unicode_to_tcvn3h(s)) == upper_vi(s)
    if not has_toned_capital(s):
        assert tcvn3_to_unicode(unicode_to_tcvn3(s)) == s


@given(st.text())
def test_round_trip_whenever_the_encoder_accepts(s: str) -> None:
    for encode, decode in ((unicode_to_tcvn3, tcvn3_to_unicode), (unicode_to_vni, vni_to_unicode)):
        try:
            encoded = encode(s)
        except InputError:
            continue
        assert decode(encoded) == nfc(s)


@given(st.text(), st.one_of(st.none(), st.text()))
def test_detection_is_total(s: str, font: str | None) -> None:
    assert detect_legacy(s, font) in (None, "tcvn3", "tcvn3h", "vni")
    text, enc = to_unicode(s, font)
    assert isinstance(text, str)
    if enc is None:
        assert text == s


UNICODE_ONLY = "ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"


@given(VIETNAMESE)
def test_unicode_vietnamese_is_never_legacy(s: str) -> None:
    assume(any(c in UNICODE_ONLY for c in s.lower()))
    assert detect_legacy(s) is None
    assert detect_legacy(s, ".VnTime") is None
