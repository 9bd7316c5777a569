"""Who issues a document and how its header, signature and recipients print.

Everything here comes from the roster row of the issuing committee (``issuer_name``,
``abbreviation``, ``place``, ``signer_name``, ``signer_title``) and from the unit above it, never
from a template: a committee renamed in the roster prints its new name in the next run.
The kinds of document and their symbols (QĐ, BC, TTr …) are Hướng dẫn 36-HD/VPTW's own list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bontot.docbuild import number_line
from bontot.docstyle import DocStyle
from bontot.errors import InputError
from bontot.models import Unit
from bontot.roster import RosterTree
from bontot.vnformat import date_prose, place_date, upper_vi

# Hướng dẫn 36-HD/VPTW, the abbreviations of document kinds used in a document's symbol.
KIND_SYMBOLS: dict[str, str] = {
    "QUYẾT ĐỊNH": "QĐ",
    "BÁO CÁO": "BC",
    "TỜ TRÌNH": "TTr",
    "DANH SÁCH": "DS",
    "GIẤY KHEN": "GK",
}
ON_BEHALF = "T/M BAN THƯỜNG VỤ"  # the collective that decides (rules.md: the Ban Thường vụ)
STANDING = "Ban Thường vụ"
_LEVEL_WORDS = ("thành phố", "thị trấn", "thị xã", "tỉnh", "huyện", "quận", "xã", "phường")


def proper_vi(caps: str) -> str:
    """ "HUYỆN ỦY" -> "Huyện ủy": the first letter up, the rest down (organ words only)."""
    low = caps.lower()
    return low[:1].upper() + low[1:]


def organ_of(issuer_name: str) -> str:
    """The organ part of an issuing body's name, as prose writes it.

    "HUYỆN ỦY TRÀ GIANG" -> "Huyện ủy"; "ĐẢNG ỦY KHỐI CƠ QUAN ..." -> "Đảng ủy Khối".
    """
    words = upper_vi(issuer_name).split()
    for i, word in enumerate(words):
        if word in ("ỦY", "UỶ"):
            organ = proper_vi(" ".join(words[: i + 1]))
            if i + 1 < len(words) and words[i + 1] == "KHỐI":
                organ += " Khối"
            return organ
    return proper_vi(" ".join(words[:2]))


def prose_name(unit: Unit) -> str:
    """The issuing body in running text: "Huyện ủy Trà Giang", "Đảng ủy Khối Cơ quan và ...".

    Built from the roster's proper-case name ("Đảng bộ huyện Trà Giang") and the organ of its
    issuer name, so proper nouns keep the case the roster gives them.
    """
    organ = organ_of(unit.issuer_name or unit.name)
    rest = re.sub(r"^đảng bộ\s+", "", unit.name.strip(), flags=re.IGNORECASE)
    if rest == unit.name.strip():
        return proper_vi(upper_vi(unit.issuer_name or unit.name))
    for level in _LEVEL_WORDS:
        if rest.lower().startswith(level + " "):
            rest = rest[len(level) + 1 :]
            break
    if organ.endswith(" Khối") and rest.lower().startswith("khối "):
        rest = rest[len("khối ") :]
    return f"{organ} {rest}".strip()


@dataclass(frozen=True)
class Issuer:
    """The issuing committee as its documents print it."""

    unit: Unit
    superior: str  # "ĐẢNG BỘ TỈNH QUẢNG NGÃI"; "" for the province itself
    name: str  # "HUYỆN ỦY TRÀ GIANG"
    abbreviation: str  # "HU"
    place: str
    signer_name: str
    signer_title: str
    organ: str  # "Huyện ủy"
    prose: str  # "Huyện ủy Trà Giang"
    superior_organ: str | None  # "Tỉnh ủy"; None for the province

    @property
    def standing(self) -> str:
        """ "BAN THƯỜNG VỤ HUYỆN ỦY TRÀ GIANG": who decides, gives and signs."""
        return upper_vi(f"{STANDING} {self.name}")

    @property
    def standing_prose(self) -> str:
        return f"{STANDING} {self.prose}"

    def symbol(self, kind: str) -> str:
        """ "QĐ/HU" for a QUYẾT ĐỊNH of a Huyện ủy."""
        return f"{KIND_SYMBOLS[kind]}/{self.abbreviation}"

    def warnings(self) -> list[str]:
        missing = [
            what
            for what, value in (
                ("người ký", self.signer_name),
                ("chức vụ người ký", self.signer_title),
            )
            if not value
        ]
        if not missing:
            return []
        return [
            f"{self.unit.code}: danh sách tổ chức đảng chưa ghi {', '.join(missing)};"
            " để trống trên văn bản để ghi tay."
        ]

    def header(
        self,
        kind: str,
        day: dt.date,
        number: str | None = None,
        style: DocStyle | None = None,
    ) -> dict[str, Any]:
        """The header and signature variables every template shares."""
        return {
            "superior": self.superior,
            "issuer": self.name,
            "number_line": number_line(self.symbol(kind), number, style),
            "place_date": place_date(self.place, day),
            "on_behalf": ON_BEHALF,
            "signer_title": self.signer_title,
            "signer_name": self.signer_name,
            "archive": f"Văn phòng {self.organ}",
        }

    def reference(self, kind: str, day: dt.date, number: str | None, style: DocStyle) -> str:
        """ "số     -QĐ/HU, ngày 30 tháng 10 năm 2025": how another text cites this one."""
        line = number_line(self.symbol(kind), number, style)
        return f"{line[:1].lower()}{line[1:]}, {date_prose(day)}"


def issuer_of(tree: RosterTree, unit: Unit, fallback_place: str | None = None) -> Issuer:
    """The issuer a committee's roster row describes; InputError naming what is missing."""
    parent = tree.unit(unit.parent_code) if unit.parent_code else None
    missing = [
        label
        for label, value in (
            ("tên cơ quan ban hành (issuer_name)", unit.issuer_name),
            ("ký hiệu viết tắt (abbreviation)", unit.abbreviation),
            ("địa danh (place)", unit.place or fallback_place),
        )
        if not value
    ]
    if missing:
        raise InputError(
            f"Chưa lập được văn bản của {unit.name} ({unit.code}): danh sách tổ chức đảng"
            f" còn thiếu {', '.join(missing)}. Hãy bổ sung rồi nhập lại danh sách."
        )
    assert unit.issuer_name and unit.abbreviation
    superior_organ = None
    if parent is not None:
        superior_organ = organ_of(parent.issuer_name or parent.name)
    return Issuer(
        unit=unit,
        superior=upper_vi(parent.name) if parent is not None else "",
        name=upper_vi(unit.issuer_name),
        abbreviation=unit.abbreviation,
        place=unit.place or fallback_place or "",
        signer_name=unit.signer_name or "",
        signer_title=upper_vi(unit.signer_title) if unit.signer_title else "",
        organ=organ_of(unit.issuer_name),
        prose=prose_name(unit),
        superior_organ=superior_organ,
    )
