"""The scan path against scanned forms whose truth is known (``tests.scancorpus``).

Three filled forms of ``tests.corpus`` are exported to PDF in one LibreOffice batch, then
scanned nine ways between them (300 and 200 dpi, skewed, turned, stamped and signed, phone
photos) and once as a stack of all three in one PDF.  Each file goes through ``parse_file`` and
the intake's validation.  The contract (forms.md, issue 4): no wrong value on a form nobody will
look at, nearly every field right, tick boxes read from the pixels, each field's picture kept,
and a stack split into its forms with their pages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from parsers import parse_file
from parsers.base import ParsedForm
from tests.corpus import Case, Score, check, score
from tests.scancorpus import Printed, ScanCase, make_scans, make_stack, print_forms

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed"),
]
SEED = 5
FORMS = (1, 2, 4)  # tests.corpus docx-ours: a chi bộ's Mẫu 02, a Mẫu 01, a đảng bộ's Mẫu 02
PLAN = (("300dpi", "stamped", "photo"), ("200dpi", "skewed", "rotated"),  # with both boxes
        ("300dpi", "stamped", "photo"))  # of one pair ticked; the variants each is scanned in
MIN_ACCURACY = 0.97


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> list[Printed]:
    return print_forms(tmp_path_factory.mktemp("printed"), FORMS, SEED)


@pytest.fixture(scope="module")
def read(printed: list[Printed], tmp_path_factory: pytest.TempPathFactory
         ) -> list[tuple[ScanCase, list[ParsedForm], Score]]:
    out = []
    folder = tmp_path_factory.mktemp("scans")
    for form, variants in zip(printed, PLAN, strict=True):
        for case in make_scans(folder, 0, SEED, variants, printed=[form]):
            forms = check(parse_file(case.path))
            out.append((case, forms, score(case.case, forms)))
    return out


def test_no_wrong_value_passes_without_review(read) -> None:
    silent = [(c.path.name, m) for c, _, s in read for m in s.silent]
    assert silent == []


def test_nearly_every_field_is_read_right(read) -> None:
    checked = sum(s.checked for _, _, s in read)
    correct = sum(s.correct for _, _, s in read)
    wrong = [(c.path.name, m) for c, _, s in read for m in s.wrong]
    assert correct / checked >= MIN_ACCURACY, (correct, checked, wrong)
    assert all(s.forms == 1 for _, _, s in read)


def test_invalid_forms_go_to_review(read) -> None:
    assert all(s.flagged for c, _, s in read if not c.valid)


def test_tick_boxes_are_read_from_the_pixels(read) -> None:
    for case, forms, _ in read:
        truth = case.expected["fields"]
        pairs = [k for k, v in truth.items() if isinstance(v, bool)]
        fields = forms[0].fields
        read_ = [k for k in pairs if k in fields and fields[k].value is not None]
        for key in read_:
            fv = fields[key]
            assert fv.value is truth[key], (case.path.name, key, fv.raw)
            assert fv.raw.startswith(("☒", "☐")), fv.raw
        assert len(read_) >= len(pairs) - 1, (case.path.name, set(pairs) - set(read_))
        for key in case.expected["unreadable"]:  # both boxes ticked: unreadable, never guessed
            if key in fields:
                assert fields[key].value is None


def test_each_field_keeps_the_picture_the_machine_read(read) -> None:
    for _, forms, _ in read:
        form = forms[0]
        for key, fv in form.fields.items():
            if key in ("form_code", "unit_code") and fv.raw.startswith("QR:"):
                continue  # the QR code decided it
            assert fv.crop is not None, key
            with Image.open(fv.crop) as shown:
                assert 20 < shown.height < 400 and shown.width > 100, (key, shown.size)
            assert form.to_json()["fields"][key]["crop"] == fv.crop


def test_a_stack_of_forms_is_split_each_with_its_pages(printed, tmp_path: Path) -> None:
    path, truths = make_stack(tmp_path, len(printed), SEED, printed=printed)
    forms = check(parse_file(path))
    assert [list(f.pages) for f in forms] == [t["pages"] for t in truths]
    for form, truth in zip(forms, truths, strict=True):
        assert form.form_code == truth["form_code"]
        assert form.fields["unit_code"].value == truth["fields"]["unit_code"]
        assert form.qr is not None and truth["fields"]["unit_code"] in form.qr
        assert score(Case(path, "docx-ours", truth), [form]).silent == ()
