"""The readers against a generated corpus of returned forms, and against golden pairs.

A small corpus (``tests.corpus``: 8 forms of each kind — our form filled in Word, retyped in four
layouts, VNI .docx, .doc, TCVN3 .doc, text PDF) goes through ``parse_file`` and the intake's
validation, once for the module.  The contract (forms.md): a valid form reads exactly, field by
field; no value is ever wrong on a form that nobody will look at; an invalid form goes to review.

Each reader mistake found has its own test, ``test_bug_*``, marked strict-xfail: it fails the
day the bug is fixed, and its marker must then go.  ``KNOWN`` names the corpus cases such a bug
spoils; they are left out of the exact-reading and silent-error tests (never out of "invalid
forms are flagged") until then.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt
from lxml import etree

from bontot import office
from bontot.text import nfc
from parsers import parse_file
from parsers.base import ParsedForm
from tests.corpus import (
    EMPTY,
    GOLDEN_DIR,
    KINDS,
    TICKED,
    W14,
    Case,
    Score,
    W,
    build_case,
    check,
    make_corpus,
    same_value,
    score,
)

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="LibreOffice (soffice) is not installed")
SEED = 2024
PER_KIND = 8


def _layout(case: Case) -> str:
    return case.expected["layout"]


# Cases a reported reader bug spoils, left out of the contract tests until it is fixed (the bug's
# own test below then XPASSes, strictly, and the entry must go).
KNOWN: dict[str, Callable[[Case], bool]] = {
    "test_bug_columns_value_after_empty_cell": lambda c: _layout(c).startswith("columns"),
    "test_bug_pdf_*": lambda c: c.source == "pdf-text",
}


def _bugs(case: Case) -> list[str]:
    return [name for name, hits in KNOWN.items() if hits(case)]


@dataclass(frozen=True)
class Read:
    """One corpus file as the intake saw it."""

    case: Case
    score: Score
    sources: frozenset[str | None]  # what parse_file said the file was


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Read]:
    """Every case read once.  LibreOffice dominates: the corpus is made in two batches, and the
    .doc files (one soffice each inside parse_file) are read side by side; PDFium is not
    thread-safe, so everything else is read in turn."""
    cases = make_corpus(tmp_path_factory.mktemp("corpus"), PER_KIND, SEED)
    docs = [c for c in cases if c.source == "doc"]
    with ThreadPoolExecutor(4) as pool:
        read = dict(zip([c.path for c in docs], pool.map(lambda c: parse_file(c.path), docs),
                        strict=True))
    out = []
    for case in cases:
        forms = read[case.path] if case.path in read else parse_file(case.path)
        out.append(Read(case, score(case, check(forms)), frozenset(f.source for f in forms)))
    return out


def _show(r: Read) -> str:
    case, result = r.case, r.score
    wrong = "; ".join(f"{m.key}: expected {m.expected!r}, got {m.got!r}" for m in result.wrong)
    missing = ", ".join(result.missing)
    return f"{case.path.name} [{_layout(case)}] wrong: {wrong or '-'}; missing: {missing or '-'}"


def _clean(corpus: list[Read]) -> list[Read]:
    return [r for r in corpus if not _bugs(r.case)]


# --- the corpus is what it says ---------------------------------------------------------------


def test_corpus_covers_every_kind_valid_and_invalid(corpus: list[Read]) -> None:
    cases = [r.case for r in corpus]
    assert {c.kind for c in cases} == set(KINDS)
    for source in set(KINDS.values()):
        mine = [c for c in cases if c.source == source]
        assert any(c.valid for c in mine) and any(not c.valid for c in mine), source
    defects = {c.expected["defect"] for c in cases} - {None}
    assert {"ratings_sum", "unknown_unit", "wrong_year"} <= defects


def test_files_are_what_their_kind_says(corpus: list[Read]) -> None:
    suffix = {"docx": ".docx", "doc": ".doc", "pdf-text": ".pdf"}
    for case in (r.case for r in corpus):
        assert case.path.suffix == suffix[case.source]
        assert json.loads(case.path.with_suffix(".json").read_text("utf-8")) == case.expected


def test_same_seed_same_bytes() -> None:
    for kind in ("docx-ours", "docx-columns", "doc-tcvn3"):
        assert build_case(kind, 3, SEED)[0] == build_case(kind, 3, SEED)[0]
    assert build_case("docx-table", 3, SEED)[0] != build_case("docx-table", 3, SEED + 1)[0]


def test_our_form_has_one_box_ticked_per_pair_when_valid() -> None:
    seen = 0
    for i in range(8):
        blob, truth, _ = build_case("docx-ours", i, SEED)
        if truth.code != "02-TDG" or truth.marks:
            continue
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            root = etree.fromstring(zf.read("word/document.xml"))
        ticked: dict[str, int] = {}
        for sdt in root.iter(f"{W}sdt"):
            state = sdt.find(f"{W}sdtPr/{W14}checkbox/{W14}checked")
            if state is None:
                continue
            key = sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val").split(".")[0]
            on = state.get(f"{W14}val") == "1"
            assert "".join(sdt.itertext()) == (TICKED if on else EMPTY)
            ticked[key] = ticked.get(key, 0) + on
        assert len(ticked) == 11 and set(ticked.values()) == {1}
        seen += 1
    assert seen


# --- the contract -----------------------------------------------------------------------------


def test_parse_file_reports_the_source(corpus: list[Read]) -> None:
    for r in corpus:
        assert r.sources == {r.case.source}, r.case.path.name


def test_valid_forms_read_exactly(corpus: list[Read]) -> None:
    checked = [r for r in _clean(corpus) if r.case.valid]
    assert len(checked) >= 20
    bad = [_show(r) for r in checked if r.score.wrong or r.score.missing or r.score.flagged]
    assert not bad, "\n".join(bad)


def test_no_silent_error(corpus: list[Read]) -> None:
    bad = [_show(r) for r in _clean(corpus) if r.score.silent]
    assert not bad, "\n".join(bad)


def test_invalid_forms_are_flagged(corpus: list[Read]) -> None:
    invalid = [r for r in corpus if not r.case.valid]  # known bugs included: never let one by
    assert invalid
    missed = [f"{r.case.path.name}: {r.case.expected['defect']}" for r in invalid
              if not r.score.flagged]
    assert not missed, "\n".join(missed)


# --- one test per reader bug found, strict: it fails once the bug is fixed -----------------------


def reader_bug(reason: str) -> pytest.MarkDecorator:
    """Strict: the test fails the day the bug is fixed, so the marker (and KNOWN) must go."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"reader bug: {reason}")


def _paragraphs(path: Path, lines: list[str]) -> Path:
    doc = Document()
    for line in ["Mẫu 02-TĐG", *lines]:
        doc.add_paragraph(line)
    doc.save(path)
    return path


def _two_columns(path: Path, rows: list[tuple[str, str]]) -> Path:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(13)
    doc.add_paragraph("Mẫu 02-TĐG")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def repro(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ParsedForm]:
    """Small files that each show one reader bug, read once (one LibreOffice batch)."""
    tmp = tmp_path_factory.mktemp("repro")
    to_pdf = [
        _paragraphs(tmp / "glyphs.docx", [
            "Tự đánh giá tiêu chí 1: \u2612 Đạt   \u2610 Không đạt",
            "Có chương trình, kế hoạch công tác năm: \u2610 Có   \u2612 Không",
        ]),
        _two_columns(tmp / "wrapped.docx", [
            ("Số đảng viên vi phạm những điều đảng viên không được làm", "1"),
            ("Trực thuộc", "Đảng bộ phường Trương Quang Trọng"),
        ]),
    ]
    numbered = _paragraphs(tmp / "numbered.docx", [
        "26. Tổng số chi bộ trực thuộc:", "27. Số chi bộ đạt danh hiệu trong năm: 3",
        "28. Tổng số đảng viên: 25",
    ])
    made = office.convert(to_pdf, "pdf", tmp)
    files = {src.stem: out for src, out in made.items()} | {"numbered": numbered}
    return {name: parse_file(path)[0] for name, path in files.items()}


def _value(form: ParsedForm, key: str) -> object:
    return form.fields[key].value if key in form.fields else None


@reader_bug("in 'label | empty | value' rows: values are now found past the empty"
            " cell, but 'Đề nghị xếp loại' is still missed in that layout")
def test_bug_columns_value_after_empty_cell(corpus: list[Read]) -> None:
    mine = [r for r in corpus if KNOWN["test_bug_columns_value_after_empty_cell"](r.case)]
    assert mine
    bad = [_show(r) for r in mine
           if r.case.valid and (r.score.wrong or r.score.missing or r.score.flagged)]
    assert not bad, "\n".join(bad)


def test_bug_doc_soft_hyphen_dropped(corpus: list[Read]) -> None:
    mine = [r for r in corpus if r.case.kind == "doc-tcvn3"
            and any("ư" in str(v).lower() for v in r.case.expected["fields"].values())]
    assert mine
    lost = [f"{r.case.path.name}: {m.key}: {m.expected!r} read {m.got!r}" for r in mine
            for m in r.score.wrong if "ư" in str(m.expected).lower()]
    assert not lost, "\n".join(lost)  # "phường" read "phờng", "Cường" read "Cờng"


def test_bug_pdf_space_inside_words(corpus: list[Read]) -> None:
    import pypdfium2 as pdfium

    from parsers.pdf_reader import read_pdf

    bad = []
    for case in (r.case for r in corpus):
        if case.source != "pdf-text":
            continue
        doc = pdfium.PdfDocument(case.path)
        pages = [" ".join(nfc(doc[i].get_textpage().get_text_range()).split())
                 for i in range(len(doc))]
        for block in read_pdf(case.path).blocks:
            text = " ".join(nfc(block.text).split())
            if TICKED not in text and EMPTY not in text and text not in pages[block.page]:
                bad.append(f"{case.path.name}: {text!r}")
        doc.close()
    assert not bad, "\n".join(bad[:20])


def test_bug_pdf_box_glyphs_out_of_order(repro: dict[str, ParsedForm]) -> None:
    form = repro["glyphs"]
    assert (_value(form, "t1_self"), _value(form, "t1_work_program")) == (True, False)


@reader_bug("a PDF label wrapped on three lines of its"
            " cell is not matched (a label may wrap onto one more line only)")
def test_bug_pdf_label_wrapped_on_three_lines(repro: dict[str, ParsedForm]) -> None:
    assert _value(repro["wrapped"], "t3_violations") == 1


def test_bug_pdf_wrapped_cell_value_keeps_line_break(repro: dict[str, ParsedForm]) -> None:
    assert _value(repro["wrapped"], "parent_name") == "Đảng bộ phường Trương Quang Trọng"


@reader_bug("a label left blank takes the next numbered"
            " item as its value ('27. Số chi bộ …: 3' read under '26. Tổng số chi bộ"
            " trực thuộc:'); a blank field must be absent")
def test_bug_blank_label_takes_next_numbered_line(repro: dict[str, ParsedForm]) -> None:
    form = repro["numbered"]
    assert _value(form, "members_total") == 25
    assert "sub_cells_total" not in form.fields


# --- golden pairs -------------------------------------------------------------------------------

GOLDEN_BUGS = {"columns-02": "columns_value_after_empty_cell"}


def _golden_params() -> list[object]:
    params = []
    for path in sorted(GOLDEN_DIR.glob("*.docx")):
        bug = GOLDEN_BUGS.get(path.stem)
        marks = [reader_bug(f"see test_bug_{bug}")] if bug else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def test_goldens_are_small_and_paired() -> None:
    docs = sorted(GOLDEN_DIR.glob("*.docx"))
    assert len(docs) >= 5
    for path in docs:
        assert path.stat().st_size <= 30_000, path.name
        assert path.with_suffix(".json").is_file(), path.name


@pytest.mark.parametrize("path", _golden_params())
def test_golden(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    forms = parse_file(path)
    assert len(forms) == 1
    assert forms[0].form_code == expected["form_code"]
    got = {k: v.value for k, v in forms[0].fields.items()}
    got["form_code"] = forms[0].form_code
    fields: dict[str, object] = expected["fields"]
    for key in set(got) | set(fields):  # None in the golden: unreadable, absent or null
        want, have = fields.get(key), got.get(key)
        if want is None or have is None:
            assert want is None and have is None, f"{key}: expected {want!r}, got {have!r}"
        else:
            assert same_value(key, want, have), f"{key}: expected {want!r}, got {have!r}"
