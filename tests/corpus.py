"""Returned forms with the truth a perfect reader gives back: a seeded corpus for tests and bench.

``make_corpus(outdir, n, seed, kinds)`` writes ``n`` forms of each kind and returns one
:class:`Case` per file, with ``<file>.json`` beside it holding what ``parse_file`` should say:
the form code, every field's typed value (forms.md: ints, bools, choice keys, ISO dates, NFC
text; a blank field is absent) and whether the form must go to a person.  The same seed gives
the same files, byte for byte, whatever other kinds are asked for (one RNG per case).

Kinds (the file a clerk receives → the ``source`` the reader must report):

* ``docx-ours`` — our Mẫu 02 (some Mẫu 01) rendered by :mod:`bontot.forms` for a unit of the
  demo roster, then filled as a clerk does in Word: text put in the content controls, one check
  box of each pair ticked (``w14:checked`` and the ☒ glyph), the date line and the name typed;
* ``docx-table`` / ``docx-paragraphs`` (the layouts of ``tests/formgen.py``), ``docx-columns``
  (labels in column 1, values in column 3, column 2 left empty) and ``docx-numbered`` ("1.
  Tổng số đảng viên: 25") — the form retyped by the unit, labels as units type them (capitals,
  no colon, extra spaces, NFD, old tone placement "hoà"/"uỷ");
* ``docx-vni`` — retyped in ``VNI-Times``; ``doc-tcvn3`` — retyped in ``.VnTime`` (capital
  lines in ``.VnTimeH``) and saved as Word 97 ``.doc``; ``doc`` — any of the above layouts
  (Unicode) saved as ``.doc``; ``pdf-text`` — any of them exported to PDF.  Conversions are one
  LibreOffice batch per target (``bontot.office.convert``).

About a quarter of the forms are invalid the way real returns are: the four ratings not adding up
to the members evaluated, targets met above those assigned, more members evaluated than there
are, a year outside the plan, a unit code not on the roster, both boxes ticked, no box ticked, a
chi bộ registering the đảng bộ title.  Those must be flagged (``needs_review`` after
``bontot.validation.validate``).  ``score`` compares a reading with the truth for the test and
the bench alike.

``python -m tests.corpus --golden tests/golden`` rewrites the golden pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import io
import json
import random
import shutil
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt
from lxml import etree

from bontot import forms, office
from bontot.demo import TRICKY_NAME, build_demo
from bontot.docbuild import normalize_package
from bontot.formdata import ASSESSMENT_TYPES, CHOICES, PASS, REGISTRATION_TYPES, YESNO
from bontot.legacy import unicode_to_tcvn3, unicode_to_tcvn3h, unicode_to_vni
from bontot.models import CRITERION_NAMES, Unit, UnitKind
from bontot.plan import Plan, default_plan_path, load_plan
from bontot.roster import RosterTree
from bontot.text import nfc, normalize_tone_placement
from bontot.validation import ValidationContext, validate
from bontot.vnformat import upper_vi
from parsers.base import ParsedForm
from templates.build_forms import MAU_01, MAU_02, FormDef

FORM_01, FORM_02 = "01-DK", "02-TDG"
KINDS: dict[str, str] = {  # kind → the source parse_file must report
    "docx-ours": "docx",
    "docx-table": "docx",
    "docx-paragraphs": "docx",
    "docx-columns": "docx",
    "docx-numbered": "docx",
    "docx-vni": "docx",
    "doc": "doc",
    "doc-tcvn3": "doc",
    "pdf-text": "pdf-text",
}
RETYPED = ("table", "paragraphs", "columns", "numbered")
LAYOUT_OF = {f"docx-{name}": name for name in RETYPED}
INVALID_SHARE = 0.25
FORM_01_SHARE = 0.2
DEFECTS_02 = ("ratings_sum", "met_above_assigned", "evaluated_above_total", "wrong_year",
              "unknown_unit", "both_ticked", "none_ticked")
DEFECTS_01 = ("title_mismatch", "unknown_unit")
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W, W14 = f"{{{W_NS}}}", f"{{{W14_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
TICKED, EMPTY = "\u2612", "\u2610"  # ☒ ☐, what Word puts in a check box control

OPTION_WORDS = {YESNO: ("Có", "Không"), PASS: ("Đạt", "Không đạt")}
PRINTED_CHOICE = {key: {v: k for k, v in table.items()} for key, table in CHOICES.items()}
TYPES = {**REGISTRATION_TYPES, **ASSESSMENT_TYPES}
COMMITMENTS = {
    1: ["Lãnh đạo hoàn thành 100% chỉ tiêu kinh tế - xã hội được giao hằng năm.",
        "Phấn đấu thu nhập bình quân đầu người tăng 8%/năm; không để phát sinh điểm nóng."],
    2: ["Duy trì sinh hoạt định kỳ hằng tháng, sinh hoạt chuyên đề ít nhất 01 lần/quý.",
        "Nâng cao chất lượng sinh hoạt theo Hướng dẫn 06-HD/BTCTU."],
    3: ["Giữ vững đoàn kết nội bộ; không có đảng viên vi phạm phải xử lý kỷ luật.",
        "Thực hiện nghiêm quy chế làm việc, giữ hoà khí trong chi bộ."],
    4: ["100% đảng viên hoàn thành nhiệm vụ trở lên, trong đó 20% hoàn thành xuất sắc.",
        "Mỗi đảng viên gương mẫu, thực hiện tốt nơi cư trú."],
}
PLACES = ["Ba Khê", "Sơn Lâm", "Nghĩa Hòa", "Tịnh Bắc", "Đức Lân", "Hòa Thuận", "Trà Giang"]


# --- the roster and what a case is ----------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The demo roster and plan the forms are written for and checked against."""

    plan: Plan
    tree: RosterTree
    candidates: tuple[Unit, ...]

    def context(self) -> ValidationContext:
        return ValidationContext(plan=self.plan, tree=self.tree)

    def children(self, unit: Unit) -> int:
        return sum(1 for u in self.tree.units if u.parent_code == unit.code)


@lru_cache(maxsize=1)
def world() -> World:
    units = build_demo().units
    tree = RosterTree(units)
    candidates = tuple(u for u in units if u.kind.is_grassroots_candidate)
    return World(load_plan(default_plan_path()), tree, candidates)


@dataclass(frozen=True)
class Case:
    """One generated file and what a perfect reader says about it."""

    path: Path
    kind: str  # a key of KINDS
    expected: dict[str, Any]  # form_code, fields, needs_review, unreadable, defect, layout

    @property
    def source(self) -> str:
        return KINDS[self.kind]

    @property
    def valid(self) -> bool:
        return not self.expected["needs_review"]


@dataclass
class Truth:
    """What the unit wrote on one form, typed as forms.md says a reader returns it."""

    code: str
    unit: Unit
    values: dict[str, Any]
    title_year: int | None = None
    marks: dict[str, str] = field(default_factory=dict)  # key → "both" / "none" (boxes)
    unreadable: set[str] = field(default_factory=set)  # keys a reader must leave unread
    defect: str | None = None

    def expected(self, layout: str) -> dict[str, Any]:
        fields = {k: _json_value(v) for k, v in self.values.items() if k not in self.unreadable}
        return {
            "form_code": self.code,
            "fields": {"form_code": self.code, **fields},
            "needs_review": self.defect is not None,
            "unreadable": sorted(self.unreadable),
            "defect": self.defect,
            "layout": layout,
        }


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- values: valid ones, then one defect ----------------------------------------------------------


def _pick_unit(rng: random.Random, legacy: str | None = None) -> Unit:
    """A candidate unit, đảng bộ and chi bộ cơ sở more often than their share of the roster."""
    w = world()
    if legacy is None and rng.random() < 0.03:  # 'Chi bộ A & B <1> "Làng Mới"'
        return next(u for u in w.candidates if u.name == TRICKY_NAME)
    for _ in range(50):
        chi_bo = rng.random() < 0.6
        unit = rng.choice([u for u in w.candidates if (u.kind is UnitKind.CHI_BO) == chi_bo])
        parent = w.tree.unit(unit.parent_code) if unit.parent_code else unit
        texts = (unit.name, unit.secretary or "", parent.name)
        if legacy != "tcvn3" or all(_tcvn3_ok(t) for t in texts):
            return unit
    raise RuntimeError("no unit of the demo roster can be written in TCVN3")


def _split(rng: random.Random, total: int) -> list[int]:
    """``total`` members over the four ratings, most of them "tốt"."""
    excellent = rng.randint(0, total // 4)
    complete = rng.randint(0, (total - excellent) // 8)
    incomplete = rng.randint(0, 1) if total - excellent - complete > 2 else 0
    return [excellent, total - excellent - complete - incomplete, complete, incomplete]


def _signed(rng: random.Random, year: int) -> dt.date:
    if rng.random() < 0.2:
        return dt.date(year + 1, 1, rng.randint(2, 10))
    return dt.date(year, 12, rng.randint(1, 28))


def _common(rng: random.Random, unit: Unit) -> dict[str, Any]:
    tree = world().tree
    parent = tree.unit(unit.parent_code) if unit.parent_code else None
    return {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind.value,
        "parent_name": parent.name if parent else "",
        "secretary_name": unit.secretary or "Nguyễn Văn An",
        "signed_place": rng.choice(PLACES),
    }


def _form02(rng: random.Random, unit: Unit, year: int) -> dict[str, Any]:
    total = unit.members or 20
    evaluated = total - rng.randint(0, min(2, total))
    assigned = rng.randint(5, 20)
    target = rng.randint(0, 3)
    ratings = _split(rng, evaluated)
    values: dict[str, Any] = {
        **_common(rng, unit),
        "year": year,
        "t1_work_program": rng.random() < 0.9,
        "t1_targets_assigned": assigned,
        "t1_targets_met": rng.randint(assigned * 2 // 3, assigned),
        "t1_admission_target": target,
        "t1_admitted": rng.randint(max(0, target - 1), target + 2),
        "t1_backlog_cases": rng.choice([0, 0, 0, 1, 2]),
        "t1_other_tasks": rng.random() < 0.9,
        "t1_self": rng.random() < 0.85,
        "t2_regular_meetings": rng.choice([12, 12, 12, 11, 10, 9]),
        "t2_thematic_meetings": rng.randint(1, 6),
        "t2_quality_ok": rng.random() < 0.9,
        "t2_self": rng.random() < 0.85,
        "t3_working_rules": rng.random() < 0.95,
        "t3_violations": rng.choice([0, 0, 0, 1]),
        "t3_external_detection": rng.random() < 0.1,
        "t3_self": rng.random() < 0.85,
        "t4_movement": rng.random() < 0.9,
        "members_total": total,
        "members_evaluated": evaluated,
        "rated_excellent": ratings[0],
        "rated_good": ratings[1],
        "rated_complete": ratings[2],
        "rated_incomplete": ratings[3],
        "t4_self": rng.random() < 0.85,
        "self_title": rng.random() < 0.7,
        "proposed_rating": rng.choice(list(CHOICES["proposed_rating"].values())),
        "signed_on": _signed(rng, year),
    }
    if rng.random() < 0.3:
        values["months_active"] = rng.randint(6, 12)
    if unit.kind is UnitKind.DANG_BO_CO_SO:
        cells = world().children(unit)
        values["sub_cells_total"] = cells
        values["sub_cells_four_good"] = rng.randint(0, cells)
    return values


def _form01(rng: random.Random, unit: Unit) -> dict[str, Any]:
    dang_bo = unit.kind is UnitKind.DANG_BO_CO_SO
    values: dict[str, Any] = {
        **_common(rng, unit),
        "unit_type": (unit.unit_type.value if unit.unit_type else "khac"),
        "members_total": unit.members or 20,
        "title_registered": "dang_bo_co_so_bon_tot" if dang_bo else "chi_bo_bon_tot",
        "admission_target": rng.randint(2, 10),
        "signed_on": dt.date(2022, 11, rng.randint(8, 24)),
    }
    if dang_bo:
        values["sub_cells_total"] = world().children(unit)
    elif rng.random() < 0.4:
        values["sub_cells_total"] = 0
    for n, texts in COMMITMENTS.items():
        chosen = rng.sample(texts, rng.choice([1, 1, 2]))
        values[f"commit_t{n}"] = "\n".join(chosen)
    return values


def _break(rng: random.Random, truth: Truth, defect: str, ours: bool) -> None:
    """Make the form invalid in one way, and note what a reader must then leave unread."""
    v = truth.values
    truth.defect = defect
    if defect == "ratings_sum":
        key = rng.choice(["rated_good", "rated_excellent"])
        v[key] += rng.choice([1, 2, 3])
    elif defect == "met_above_assigned":
        v["t1_targets_met"] = v["t1_targets_assigned"] + rng.randint(1, 3)
    elif defect == "evaluated_above_total":
        extra = v["members_total"] + rng.randint(1, 3) - v["members_evaluated"]
        v["members_evaluated"] += extra
        v["rated_good"] += extra
    elif defect == "wrong_year":
        v["year"] = rng.choice([2019, 2020, 2021, 2029])
        if ours:  # typed over the printed year: the title (and QR) still say the right one
            truth.unreadable.add("year")
        else:
            truth.title_year = v["year"]
            v["signed_on"] = _signed(rng, v["year"])
    elif defect == "unknown_unit":
        v["unit_code"] = f"{truth.unit.code}-{rng.randint(50, 99)}"
    elif defect in ("both_ticked", "none_ticked"):
        key = rng.choice([k for k, t in ASSESSMENT_TYPES.items() if t in (YESNO, PASS)])
        truth.marks[key] = "both" if defect == "both_ticked" else "none"
        truth.unreadable.add(key)
    elif defect == "title_mismatch":
        titles = ["chi_bo_bon_tot", "dang_bo_co_so_bon_tot"]
        titles.remove(v["title_registered"])
        v["title_registered"] = titles[0]
    else:
        raise ValueError(defect)


def make_truth(rng: random.Random, layout: str, legacy: str | None = None) -> Truth:
    """One unit's form: valid values, then (for about a quarter) one defect."""
    unit = _pick_unit(rng, legacy)
    old_tones = legacy is None and rng.random() < 0.3
    ours = layout == "ours"
    if rng.random() < FORM_01_SHARE:
        truth = Truth(FORM_01, unit, _form01(rng, unit))
        defects: Sequence[str] = DEFECTS_01
    else:
        year = rng.choice(range(2022, 2027))
        truth = Truth(FORM_02, unit, _form02(rng, unit, year), title_year=year)
        defects = DEFECTS_02
        if legacy:  # old fonts type words, not check box glyphs
            defects = [d for d in defects if not d.endswith("_ticked")]
    if old_tones:  # typed by the unit with the tone on the second vowel ("Hoà", "Thuỷ")
        typed = ("signed_place", "secretary_name") + (() if ours else ("unit_name", "parent_name"))
        for key in typed:
            truth.values[key] = normalize_tone_placement(truth.values[key], "old")
    if rng.random() < INVALID_SHARE:
        _break(rng, truth, rng.choice(list(defects)), ours)
    return truth


# --- how a unit writes a value --------------------------------------------------------------------


def value_text(rng: random.Random, key: str, value: Any, *, glyphs: bool = True,
               mark: str | None = None) -> str:
    """A value as a unit types it beside its label (blank: "")."""
    kind = TYPES.get(key)
    if kind in (YESNO, PASS):
        first, second = OPTION_WORDS[kind]
        if mark == "both":
            return f"{TICKED} {first}   {TICKED} {second}"
        if mark == "none":
            return rng.choice([f"{EMPTY} {first}   {EMPTY} {second}", ""])
        if glyphs and rng.random() < 0.4:
            a, b = (TICKED, EMPTY) if value else (EMPTY, TICKED)
            return f"{a} {first}   {b} {second}"
        return first if value else second
    if key in PRINTED_CHOICE:  # unit_kind, unit_type, title_registered, proposed_rating
        return PRINTED_CHOICE[key][value]
    if isinstance(value, bool):
        raise TypeError(key)
    if isinstance(value, int):
        if key in ("members_total", "members_evaluated") and rng.random() < 0.15:
            return f"{value} đồng chí"
        if value < 10 and rng.random() < 0.15:
            return f"{value:02d}"
        return str(value)
    return str(value)


def date_line(rng: random.Random, place: str, day: dt.date) -> str:
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if rng.random() < 0.7 else (day.day, day.month)
    return f"{place}, ngày {d} tháng {m} năm {day.year}"


# --- our form, filled in Word ---------------------------------------------------------------------


def render_ours(truth: Truth) -> bytes:
    """Our pre-filled form for the unit (bontot.forms), as the committee sends it out."""
    w = world()
    info = forms.form_info("02" if truth.code == FORM_02 else "01")
    data = forms.unit_data(info, w.tree, truth.unit, truth.title_year, w.plan)
    return forms.render_form(data)


def fill_ours(blob: bytes, truth: Truth, rng: random.Random) -> bytes:
    """Fill the content controls as a clerk does in Word: text typed into each value control,
    one box of each pair ticked, the date line and the secretary's name typed."""
    parts = _zip_parts(blob)
    root = etree.fromstring(parts["word/document.xml"])
    controls: dict[str, etree._Element] = {}
    for sdt in root.iter(f"{W}sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag")
        if tag is not None:
            controls.setdefault(tag.get(f"{W}val"), sdt)
    v = truth.values
    for key, value in v.items():
        if key in ("signed_on", "signed_place"):
            continue
        kind = TYPES.get(key)
        if kind in (YESNO, PASS):
            _tick(controls, key, kind, value, truth.marks.get(key))
        elif key in controls:
            text = value_text(rng, key, value, glyphs=False)
            _set_text(controls[key], text.split("\n"))
        else:
            raise KeyError(f"our form has no control for {key}")
    for key, mark in truth.marks.items():
        if key not in v:
            _tick(controls, key, TYPES[key], False, mark)
    _set_text(controls["signed_on"], [date_line(rng, v["signed_place"], v["signed_on"])])
    parts["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return _zip_bytes(parts)


def _tick(controls: dict[str, etree._Element], key: str, kind: str, value: bool,
          mark: str | None) -> None:
    suffixes = ("co", "khong") if kind == YESNO else ("dat", "khong_dat")
    wanted = {"both": set(suffixes), "none": set()}.get(mark or "", {suffixes[0 if value else 1]})
    for suffix in suffixes:
        box = controls[f"{key}.{suffix}"]
        ticked = suffix in wanted
        box.find(f"{W}sdtPr/{W14}checkbox/{W14}checked").set(f"{W14}val", "1" if ticked else "0")
        for t in box.iter(f"{W}t"):
            t.text = TICKED if ticked else EMPTY


def _set_text(sdt: etree._Element, lines: list[str]) -> None:
    """Replace what a control holds by ``lines``, one paragraph each, in the first paragraph's
    look (Word keeps the paragraph mark's formatting for what is typed)."""
    content = sdt.find(f"{W}sdtContent")
    paragraphs = content.findall(f"{W}p")
    first = paragraphs[0]
    for extra in paragraphs[1:]:
        content.remove(extra)
    look = first.find(f"{W}r/{W}rPr")
    if look is None:
        look = first.find(f"{W}pPr/{W}rPr")
    for run in first.findall(f"{W}r"):
        first.remove(run)
    template = copy.deepcopy(first)
    for i, line in enumerate(lines):
        p = first if i == 0 else copy.deepcopy(template)
        run = etree.SubElement(p, f"{W}r")
        if look is not None:
            run.append(copy.deepcopy(look))
        t = etree.SubElement(run, f"{W}t")
        t.text = line
        t.set(XML_SPACE, "preserve")
        if i:
            content.append(p)


def _zip_parts(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip_bytes(parts: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return normalize_package(out.getvalue())


# --- the form retyped by the unit -----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a retyped form: a label and its value, or a section heading."""

    key: str | None  # None: a heading
    label: str
    value: str = ""
    block: bool = False  # free text under its label (Mẫu 01's commitments)
    sub: bool = False  # a breakdown of the line above


@dataclass(frozen=True)
class Sheet:
    top: tuple[str, ...]
    entries: tuple[Entry, ...]
    bottom: tuple[str, ...]


def vary_label(rng: random.Random, label: str, *, legacy: bool) -> str:
    """A label as units retype it: capitals, extra spaces, NFD, old tone placement."""
    if rng.random() < 0.15:
        label = upper_vi(label)
    if rng.random() < 0.15:
        words = label.split(" ")
        i = rng.randrange(len(words))
        words[i] += " "
        label = " ".join(words)
    if not legacy and rng.random() < 0.3:
        label = normalize_tone_placement(label, "old")
    if not legacy and rng.random() < 0.15:
        label = unicodedata.normalize("NFD", label)
    return label


def _form_def(code: str) -> FormDef:
    return MAU_02 if code == FORM_02 else MAU_01


def make_sheet(rng: random.Random, truth: Truth, *, legacy: str | None) -> Sheet:
    """The retyped form: header, one entry per field of our template (in its order), signature."""
    v, form = truth.values, _form_def(truth.code)
    printed = "Mẫu 02-TĐG" if truth.code == FORM_02 else "Mẫu 01-ĐK"
    if rng.random() < 0.2:
        printed = printed.replace("Mẫu ", "Mẫu số ")
    title = list(form.title)
    if truth.code == FORM_02:
        title[1] = title[1].replace("{{ title_year }}", str(truth.title_year))
    top: list[str] = []
    if rng.random() < 0.5:
        top += [upper_vi(v["parent_name"]), "ĐẢNG CỘNG SẢN VIỆT NAM"]
    top += [printed, *title]
    entries: list[Entry] = []
    for section in form.sections:
        if section.heading and section.heading.startswith("Tiêu chí") and rng.random() < 0.6:
            n = int(section.heading.split()[-1])
            entries.append(Entry(None, f"Tiêu chí {n}. {CRITERION_NAMES[f't{n}']}"))
        for f in section.fields:
            label = vary_label(rng, f.label, legacy=legacy is not None)
            if f.key not in v and f.key not in truth.marks:
                if rng.random() < 0.5:
                    continue  # units drop the lines they leave blank
                entries.append(Entry(f.key, label, rng.choice(["", "……", "…………"]), sub=f.sub))
                continue
            text = value_text(rng, f.key, v.get(f.key), glyphs=legacy is None,
                              mark=truth.marks.get(f.key))
            entries.append(Entry(f.key, label, text, block=f.kind == "free", sub=f.sub))
    kind = truth.unit.kind
    on_behalf = "T/M ĐẢNG ỦY" if kind is UnitKind.DANG_BO_CO_SO else "T/M CHI BỘ"
    bottom = (date_line(rng, v["signed_place"], v["signed_on"]), on_behalf, "BÍ THƯ",
              v["secretary_name"])
    if legacy is None and rng.random() < 0.15:  # a whole file typed with decomposed accents
        entries = [Entry(e.key, e.label, unicodedata.normalize("NFD", e.value), e.block, e.sub)
                   for e in entries]
    return Sheet(tuple(top), tuple(entries), bottom)


# How text becomes runs: Unicode, or a legacy font and its encoding.
def _tcvn3_ok(text: str) -> bool:
    try:
        _tcvn3_run(text)
    except Exception:
        return False
    return True


def _tcvn3_run(text: str) -> tuple[str, str]:
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and not text.isascii():
        return unicode_to_tcvn3h(text), ".VnTimeH"
    return unicode_to_tcvn3(text), ".VnTime"


def _ink(text: str, legacy: str | None) -> tuple[str, str | None]:
    if legacy == "tcvn3":
        return _tcvn3_run(text)
    if legacy == "vni":
        return unicode_to_vni(text), "VNI-Times"
    return text, None


def _write(paragraph: Any, text: str, legacy: str | None, bold: bool = False) -> None:
    if not text:
        return
    encoded, font = _ink(text, legacy)
    run = paragraph.add_run(encoded)
    run.bold = bold or None
    if font:
        run.font.name = font


def _sep(rng: random.Random, entry: Entry) -> str:
    """What stands between label and value on one line: a colon as a rule; a number or an
    option may follow the label with no colon at all."""
    bare_ok = entry.value[:1].isdigit() or TYPES.get(entry.key or "") in (YESNO, PASS)
    if bare_ok and entry.value and rng.random() < 0.2:
        return " "
    return rng.choice([": ", ": ", ": ", " : ", ":  "])


def write_retyped(sheet: Sheet, layout: str, rng: random.Random, legacy: str | None) -> bytes:
    """The sheet as a .docx in one of the retyped layouts."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(13)
    for line in sheet.top:
        _write(doc.add_paragraph(), line, legacy, bold=line.isupper())
    if layout in ("table", "columns"):
        _table(doc, sheet, layout, rng, legacy)
    else:
        _lines(doc, sheet, layout, rng, legacy)
    for line in sheet.bottom:
        _write(doc.add_paragraph(), line, legacy, bold=line.isupper())
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_package(buf.getvalue())


def _table(doc: Any, sheet: Sheet, layout: str, rng: random.Random, legacy: str | None) -> None:
    cols = 3 if layout == "columns" else 2
    table = doc.add_table(rows=0, cols=cols)
    table.style = "Table Grid"
    colon = rng.random() < 0.3
    for e in sheet.entries:
        cells = table.add_row().cells
        label = e.label + (":" if colon and e.key else "")
        _write(cells[0].paragraphs[0], label, legacy, bold=e.key is None)
        if e.key is None:
            continue
        lines = e.value.split("\n")
        target = cells[-1]
        _write(target.paragraphs[0], lines[0], legacy)
        for more in lines[1:]:
            _write(target.add_paragraph(), more, legacy)


def _lines(doc: Any, sheet: Sheet, layout: str, rng: random.Random, legacy: str | None) -> None:
    number = 0
    for e in sheet.entries:
        if e.key is None:
            _write(doc.add_paragraph(), e.label, legacy, bold=True)
            continue
        lead = ""
        if layout == "numbered" and not e.block:
            if e.sub:
                lead = "- "
            else:
                number += 1
                lead = f"{number}. "
        if e.block:  # the heading, then the text in its own paragraph(s)
            _write(doc.add_paragraph(), e.label, legacy, bold=True)
            for line in e.value.split("\n"):
                _write(doc.add_paragraph(), line, legacy)
            continue
        p = doc.add_paragraph()
        _write(p, lead + e.label, legacy)
        _write(p, _sep(rng, e) + e.value if e.value else ":", legacy)


# --- the corpus -----------------------------------------------------------------------------------


@contextlib.contextmanager
def doc_target() -> Iterator[None]:
    """Let office.convert write Word 97 .doc, which it has no target for (yet)."""
    added = "doc" not in office.FILTERS
    if added:
        office.FILTERS["doc"] = ("doc:MS Word 97", ".doc")
    try:
        yield
    finally:
        if added:
            office.FILTERS.pop("doc", None)


def _plan_case(kind: str, i: int, seed: int) -> tuple[random.Random, str, str | None]:
    """The RNG of one case, the layout it is written in, and its legacy encoding."""
    rng = random.Random(f"{seed}:{kind}:{i}")
    if kind in LAYOUT_OF:
        return rng, LAYOUT_OF[kind], None
    if kind == "docx-ours":
        return rng, "ours", None
    if kind == "docx-vni":
        return rng, rng.choice(RETYPED), "vni"
    if kind == "doc-tcvn3":
        return rng, rng.choice(RETYPED), "tcvn3"
    return rng, rng.choice(("ours", *RETYPED)), None


def build_case(kind: str, i: int, seed: int) -> tuple[bytes, Truth, str]:
    """One case's .docx bytes (before any conversion), its truth and its layout."""
    rng, layout, legacy = _plan_case(kind, i, seed)
    truth = make_truth(rng, layout, legacy)
    if layout == "ours":
        blob = fill_ours(render_ours(truth), truth, rng)
    else:
        blob = write_retyped(make_sheet(rng, truth, legacy=legacy), layout, rng, legacy)
    return blob, truth, layout + (f"/{legacy}" if legacy else "")


def make_corpus(outdir: str | Path, n: int | Mapping[str, int], seed: int = 0,
                kinds: Sequence[str] = tuple(KINDS), *, soffice: str = "soffice") -> list[Case]:
    """Write ``n`` forms of each kind (or ``n[kind]``) under ``outdir/<kind>/`` with their truth
    beside them (``<file>.json``); .doc and .pdf are made in one LibreOffice batch each."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    outdir = Path(outdir)
    cases: list[Case] = []
    pending: dict[str, list[tuple[Path, Path]]] = {"doc": [], "pdf": []}  # target → (src, dest)
    for kind in kinds:
        count = n[kind] if isinstance(n, Mapping) else n
        folder = outdir / kind
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            blob, truth, layout = build_case(kind, i, seed)
            stem = f"{kind}-{i:04d}-{truth.code[:2]}-{layout.replace('/', '-')}"
            suffix = {"doc": ".doc", "pdf-text": ".pdf"}.get(KINDS[kind], ".docx")
            dest = folder / f"{stem}{suffix}"
            if suffix == ".docx":
                dest.write_bytes(blob)
            else:
                src = folder / "src" / f"{stem}.docx"
                src.parent.mkdir(exist_ok=True)
                src.write_bytes(blob)
                pending["doc" if suffix == ".doc" else "pdf"].append((src, dest))
            expected = truth.expected(layout)
            dest.with_suffix(".json").write_text(
                json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True),
                encoding="utf-8")
            cases.append(Case(dest, kind, expected))
    for target, pairs in pending.items():
        if pairs:
            _convert(pairs, target, soffice)
    return cases


def _convert(pairs: list[tuple[Path, Path]], target: str, soffice: str) -> None:
    """One LibreOffice batch for every file going to ``target``."""
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp, doc_target():
        made = office.convert([src for src, _ in pairs], target, Path(tmp), soffice=soffice,
                              timeout=600)
        for src, dest in pairs:
            shutil.move(made[src], dest)


# --- comparing a reading with the truth -----------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    key: str
    expected: Any
    got: Any
    raw: str = ""


@dataclass(frozen=True)
class Score:
    """How one file read: fields right and wrong, whether it went to a person."""

    checked: int
    correct: int
    wrong: tuple[Mistake, ...]  # a value read that differs from the truth (or was invented)
    missing: tuple[str, ...]  # a value of the truth not read
    flagged: bool  # needs_review after validation
    forms: int  # forms the reader found in the file

    @property
    def silent(self) -> tuple[Mistake, ...]:
        """Wrong values on a form nobody will look at: the worst outcome there is."""
        return () if self.flagged else self.wrong


def check(forms_read: Sequence[ParsedForm]) -> list[ParsedForm]:
    """The readings as intake sees them: validated against the demo roster and plan."""
    ctx = world().context()
    return [validate(f, ctx) if f.form_code else f for f in forms_read]


FREE_TEXT = ("commit_t1", "commit_t2", "commit_t3", "commit_t4")


def same_value(key: str, expected: Any, got: Any) -> bool:
    """Equal as forms.md types them; free text is compared NFC, and for the commitments with
    line breaks as spaces (a PDF wraps a paragraph at the width of its column)."""
    if isinstance(got, dt.date):
        got = got.isoformat()
    if isinstance(expected, str) and isinstance(got, str):
        if key in FREE_TEXT:
            return " ".join(nfc(expected).split()) == " ".join(nfc(got).split())
        return nfc(expected) == nfc(got)
    return type(expected) is type(got) and expected == got


def score(case: Case, forms_read: Sequence[ParsedForm]) -> Score:
    """Compare a file's validated readings with its truth, field by field."""
    exp = case.expected
    truth: dict[str, Any] = exp["fields"]
    unreadable = set(exp["unreadable"])
    flagged = any(f.needs_review for f in forms_read)
    got = forms_read[0] if forms_read else None
    values = dict(got.fields) if got is not None else {}
    read = {k: fv.value for k, fv in values.items()}
    if got is not None:
        read["form_code"] = got.form_code
    wrong: list[Mistake] = []
    if len(forms_read) != 1:  # one form per file: a second one is invented
        wrong.append(Mistake("forms", 1, len(forms_read)))
    missing: list[str] = []
    correct = 0
    for key, value in truth.items():
        if key not in read or read[key] is None:
            missing.append(key)
        elif same_value(key, value, read[key]):
            correct += 1
        else:
            wrong.append(Mistake(key, value, _json_value(read[key]), values[key].raw
                                 if key in values else ""))
    for key in unreadable:
        if read.get(key) is not None:
            wrong.append(Mistake(key, None, _json_value(read[key]), values[key].raw))
        else:
            correct += 1
    for key in sorted(set(read) - set(truth) - unreadable):
        if read[key] is not None:
            wrong.append(Mistake(key, None, _json_value(read[key]), values[key].raw))
    return Score(len(truth) + len(unreadable), correct, tuple(wrong), tuple(missing), flagged,
                 len(forms_read))


# --- golden pairs ---------------------------------------------------------------------------------

GOLDEN_CASES = (  # (name, kind, index) under GOLDEN_SEED: small, fixed, committed
    ("ours-02-dang-bo", "docx-ours", 3),
    ("ours-01-dang-bo", "docx-ours", 8),
    ("ours-02-both-ticked", "docx-ours", 6),
    ("table-01-chi-bo", "docx-table", 0),
    ("table-02-ratings-sum", "docx-table", 8),
    ("paragraphs-02-none-ticked", "docx-paragraphs", 8),
    ("numbered-01-chi-bo", "docx-numbered", 1),
    ("columns-02", "docx-columns", 2),
    ("vni-table-02", "docx-vni", 4),
    ("tcvn3-paragraphs-02", "doc-tcvn3", 4),  # the .docx before it is saved as .doc
)
GOLDEN_SEED = 7


def compact(blob: bytes) -> bytes:
    """A .docx without the parts Word does not need (stylesWithEffects, thumbnail): a golden
    file stays small enough to commit."""
    drop = {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg"}
    parts = _zip_parts(blob)
    for name in drop:
        parts.pop(name, None)
    for rels in ("_rels/.rels", "word/_rels/document.xml.rels"):
        root = etree.fromstring(parts[rels])
        for rel in list(root):
            target = rel.get("Target", "").lstrip("/")
            if target in drop or f"word/{target}" in drop:
                root.remove(rel)
        parts[rels] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                     standalone=True)
    ct = etree.fromstring(parts["[Content_Types].xml"])
    for over in list(ct):
        if over.get("PartName", "").lstrip("/") in drop:
            ct.remove(over)
    parts["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8",
                                                  standalone=True)
    return _zip_bytes(parts)


def write_goldens(folder: Path = GOLDEN_DIR) -> list[Path]:
    """The golden pairs: ``<name>.docx`` and ``<name>.json`` (form_code and field values)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kind, i in GOLDEN_CASES:
        blob, truth, layout = build_case(kind, i, GOLDEN_SEED)
        path = folder / f"{name}.docx"
        path.write_bytes(compact(blob))
        expected = truth.expected(layout)
        golden = {"form_code": expected["form_code"], "fields": expected["fields"]}
        for key in expected["unreadable"]:
            golden["fields"][key] = None
        path.with_suffix(".json").write_text(
            json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.corpus", description=__doc__.split("\n")[0])
    ap.add_argument("--golden", type=Path, help="rewrite the golden pairs in this folder")
    ap.add_argument("--out", type=Path, help="write a corpus here")
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args(argv)
    if args.golden:
        for path in write_goldens(args.golden):
            print(f"{path} ({path.stat().st_size} B)")
    if args.out:
        cases = make_corpus(args.out, args.n, args.seed, args.kinds.split(","))
        print(f"{len(cases)} forms in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
