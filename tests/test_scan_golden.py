"""Golden pairs of the scan path: fixed page images and what a reader must say about them.

``tests/golden/scans/<name>-p<n>.png|jpg`` are the pages of a few fixed cases of
``tests.scancorpus`` (a clean bilevel 300 dpi scan, a skewed 200 dpi one, a turned one in colour
with a red stamp and a blue signature and both boxes of a pair ticked, one page of a phone photo
without a resolution); ``<name>.json`` holds the truth.  Several pages are put in one PDF here,
as a scanner does; one page is read as the image it is.  Rewritten by
``python -m tests.scancorpus --golden tests/golden/scans`` (needs LibreOffice).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parsers import parse_file
from tests.corpus import Case, check, same_value, score
from tests.scancorpus import GOLDEN_DIR, GOLDEN_LIMIT, golden_file

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed"),
]
GOLDENS = sorted(GOLDEN_DIR.glob("*.json"))


def test_golden_pages_are_small() -> None:
    assert len(GOLDENS) >= 4
    for golden in GOLDENS:
        for name in json.loads(golden.read_text(encoding="utf-8"))["pages"]:
            assert (GOLDEN_DIR / name).stat().st_size <= GOLDEN_LIMIT, name


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.stem)
def test_golden_scan_reads_as_its_truth(golden: Path, tmp_path: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))
    path = golden_file(golden, tmp_path)
    forms = check(parse_file(path))
    assert len(forms) == 1
    form = forms[0]
    assert form.form_code == expected["form_code"]
    truth = {k: v for k, v in expected["fields"].items() if v is not None}
    unreadable = [k for k, v in expected["fields"].items() if v is None]
    result = score(Case(path, "docx-ours", {"fields": truth, "unreadable": unreadable}), forms)
    assert result.silent == ()
    wrong = [m for m in result.wrong if m.key != "forms"]
    assert not wrong, wrong
    for key, fv in form.fields.items():
        if key in truth and fv.value is not None:
            assert same_value(key, truth[key], fv.value)
    if expected["complete"]:
        assert not result.missing, result.missing
    if expected["needs_review"]:
        assert form.needs_review
