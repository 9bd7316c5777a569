"""A stack of scanned forms without QR codes, and a QR code that disagrees with the print.

Built from the golden pages (``tests/golden/scans``), so no LibreOffice is needed:

* two forms scanned in one go, their QR codes covered (a unit that printed the form from an
  old template, or a QR torn off): the file is split by the forms' titles, each form keeps its
  own pages, and no value passes wrong without a person;
* a form whose QR code names another unit than the one printed on it: the QR decides, and the
  disagreement is an error a person must look at.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageDraw

from parsers import parse_file
from parsers.qr import read_qr
from tests.corpus import Case, check, score
from tests.scancorpus import GOLDEN_DIR

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed"),
]
DPI = 300


def golden_pages(name: str) -> tuple[dict, list[Image.Image]]:
    """A golden pair's truth and its pages in grey at 300 dpi."""
    truth = json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))
    pages = []
    for page in truth["pages"]:
        with Image.open(GOLDEN_DIR / page) as image:
            grey = image.convert("L")
        if truth["dpi"] and truth["dpi"] != DPI:
            k = DPI / truth["dpi"]
            grey = grey.resize((round(grey.width * k), round(grey.height * k)),
                               Image.Resampling.BICUBIC)
        pages.append(grey)
    return truth, pages


def without_qr(page: Image.Image) -> Image.Image:
    """The page with its QR codes painted over, quiet zone and all."""
    page = page.copy()
    draw = ImageDraw.Draw(page)
    for code in read_qr(page):
        x0, y0, x1, y1 = code.bbox
        m = (x1 - x0) // 3
        draw.rectangle((x0 - m, y0 - m, x1 + m, y1 + m), fill=255)
    assert read_qr(page) == []
    return page


def with_qr(page: Image.Image, payload: str) -> Image.Image:
    """The page with its QR code replaced by one that says ``payload``, same place and size."""
    (code,) = read_qr(page)
    page = page.copy()
    x0, y0, x1, y1 = code.bbox
    symbol = segno.make_qr(payload, error="m", boost_error=False)
    modules = symbol.symbol_size(border=0)[0]
    scale = max(1, round((x1 - x0) / modules))
    buf = io.BytesIO()
    symbol.save(buf, kind="png", scale=scale, border=4)
    buf.seek(0)
    with Image.open(buf) as image:
        stamp = image.convert("L")
    quiet = 4 * scale
    page.paste(stamp, (x0 - quiet, y0 - quiet))
    return page


def as_pdf(pages: list[Image.Image], target: Path) -> Path:
    pages[0].save(target, "PDF", save_all=True, append_images=pages[1:], resolution=DPI,
                  quality=90)
    return target


def truth_case(path: Path, truth: dict) -> Case:
    fields = {k: v for k, v in truth["fields"].items() if v is not None}
    unreadable = [k for k, v in truth["fields"].items() if v is None]
    return Case(path, "docx-ours", {"fields": fields, "unreadable": unreadable})


def test_a_stack_without_qr_codes_is_split_by_the_forms_titles(tmp_path: Path) -> None:
    first, pages1 = golden_pages("clean-300-bilevel-02")
    second, pages2 = golden_pages("skewed-200-gray-02-dang-bo")
    path = as_pdf([without_qr(p) for p in pages1 + pages2], tmp_path / "stack.pdf")
    forms = check(parse_file(path))
    assert [list(f.pages) for f in forms] == [[0, 1], [2, 3]]
    for form, truth in zip(forms, (first, second), strict=True):
        assert form.qr is None
        assert form.form_code == truth["form_code"]
        assert score(truth_case(path, truth), [form]).silent == ()
        unit = form.fields.get("unit_code")
        assert unit is None or unit.value is None or form.needs_review or \
            unit.value == truth["fields"]["unit_code"]


def test_a_printed_unit_code_the_qr_contradicts_is_an_error(tmp_path: Path) -> None:
    truth, pages = golden_pages("clean-300-bilevel-02")
    printed = truth["fields"]["unit_code"]
    other = "HU-TG-06-04"
    assert other != printed
    (code,) = read_qr(pages[0])
    payload = code.payload.replace(f"|{printed}|", f"|{other}|")
    assert payload != code.payload
    path = as_pdf([with_qr(pages[0], payload), pages[1]], tmp_path / "other-unit.pdf")
    (form,) = check(parse_file(path))
    assert form.qr == payload
    assert form.fields["unit_code"].value == other
    assert form.needs_review
    errors = [p for p in form.problems if p.field == "unit_code" and p.level == "error"]
    assert errors, form.problems
    assert printed in errors[0].message and other in errors[0].message
    assert "mã QR" in errors[0].message


def test_the_stored_reading_keeps_each_fields_picture(tmp_path: Path) -> None:
    """Intake stores a scanned form's reading with the picture of each field (its crop), kept in
    the workspace beside the archived scan, so that the person confirming a value sees what the
    machine saw."""
    from bontot import store as st
    from bontot.intake import run_intake
    from bontot.models import Unit, UnitKind
    from bontot.roster import write_roster
    from bontot.service import import_roster
    from bontot.workspace import init_workspace
    from tests.scancorpus import golden_file

    ws = init_workspace(tmp_path / "ws")
    units = [Unit("HU", "Đảng bộ huyện Trà Giang", UnitKind.DANG_BO_TRUC_THUOC, recognising=True),
             Unit("HU-TG-06", "Đảng bộ xã Hành Thịnh", UnitKind.DANG_BO_CO_SO, "HU"),
             Unit("HU-TG-06-03", "Chi bộ Thôn Mỹ Khê 3", UnitKind.CHI_BO, "HU-TG-06")]
    write_roster(units, tmp_path / "roster.xlsx")
    import_roster(ws, tmp_path / "roster.xlsx")
    scan = golden_file(GOLDEN_DIR / "clean-300-bilevel-02.json", tmp_path)
    inbox = ws.inbox / "phieu-quet.pdf"
    shutil.copy(scan, inbox)
    past = 1_600_000_000
    os.utime(inbox, (past, past))
    run_intake(ws)
    with st.open_store(ws.database_url).session() as s:
        (reading,) = st.list_readings(s)
    pictured = {k: v["crop"] for k, v in reading.fields.items() if "crop" in v}
    assert {"unit_name", "members_total", "rated_good", "secretary_name"} <= set(pictured)
    for key, crop in pictured.items():
        assert not Path(crop).is_absolute()  # in the workspace, not the reader's temporary files
        with Image.open(ws.root / crop) as shown:
            assert shown.width > 100 and shown.height > 20, key
