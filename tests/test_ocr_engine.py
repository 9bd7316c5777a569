"""The Tesseract kept loaded (``parsers/_tessworker.py`` behind ``parsers.ocr``), for real.

Each test drives the real worker process and the real Tesseract: what it reads, that a variable
one image set does not stay for the next, that a page past its time limit or a worker killed
under a page costs that page alone (a typed Vietnamese error, the next page read by a new
worker), and that ``$BONTOT_TESSERACT`` still means the program run per image.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers import ocr
from parsers.ocr import OcrError, check_tesseract, ocr_image, ocr_version, tesseract_version

pytestmark = [
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed"),
    pytest.mark.skipif(not ocr._has_binding(), reason="tesserocr is not installed"),
]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def text_image(lines: list[str], size: int = 40) -> Image.Image:
    font = ImageFont.truetype(str(FONT), size)
    image = Image.new("L", (60 + size * 18, 40 + len(lines) * size * 2), 255)
    draw = ImageDraw.Draw(image)
    for n, text in enumerate(lines):
        draw.text((30, 20 + n * size * 2), text, font=font, fill=0)
    return image


def workers() -> list[psutil.Process]:
    """This process's Tesseract workers (not those of reader processes an earlier test left)."""
    return [p for p in psutil.Process().children(recursive=False)
            if any("_tessworker.py" in part for part in p.cmdline())]


def said(image: Image.Image, **kwargs: object) -> str:
    return " ".join(w.text for w in ocr_image(image, dpi=300, **kwargs))  # type: ignore[arg-type]


def test_pages_are_read_by_a_worker_kept_loaded_for_the_next_one(monkeypatch):
    monkeypatch.delenv("BONTOT_TESSERACT", raising=False)
    ocr.stop_workers()
    image = text_image(["Chi bộ thôn Phú Lộc", "Số đảng viên 27"])
    assert said(image, psm=6) == "Chi bộ thôn Phú Lộc Số đảng viên 27"
    [worker] = workers()
    assert said(image, psm=6) == "Chi bộ thôn Phú Lộc Số đảng viên 27"
    assert workers() == [worker]  # the same process, its model loaded once
    assert ocr_version()[0] in "456789"
    data = check_tesseract().tessdata
    assert data and Path(data, "vie.traineddata").exists()


def test_a_variable_one_image_sets_is_undone_for_the_next(monkeypatch):
    monkeypatch.delenv("BONTOT_TESSERACT", raising=False)
    image = text_image(["Tổng số 42 đảng viên"])
    digits = said(image, psm=6, config={"tessedit_char_whitelist": "0123456789"})
    assert not any(c.isalpha() for c in digits) and "42" in digits
    assert said(image, psm=6) == "Tổng số 42 đảng viên"


def test_a_page_past_its_time_limit_stops_its_worker_and_the_next_page_is_read(monkeypatch):
    monkeypatch.delenv("BONTOT_TESSERACT", raising=False)
    page = text_image([f"Dòng thứ {n} của một trang dài để đọc" for n in range(40)], size=30)
    ocr.stop_workers()
    said(text_image(["khởi động"]), psm=6)  # a worker loaded: its start is not the page's time
    [worker] = workers()
    with pytest.raises(OcrError, match="trang 4 chạy quá 0,01 giây") as err:
        ocr_image(page, dpi=300, timeout=0.01, page=3)
    assert err.value.reason == "timeout"
    assert workers() == [] and not worker.is_running()  # killed, and waited for
    assert said(text_image(["Đảng bộ xã Sơn Lâm"]), psm=6) == "Đảng bộ xã Sơn Lâm"


def test_a_worker_killed_under_a_page_is_that_pages_error_alone(monkeypatch):
    monkeypatch.delenv("BONTOT_TESSERACT", raising=False)
    ocr.stop_workers()
    said(text_image(["khởi động"]), psm=6)
    [worker] = workers()
    page = text_image([f"Dòng thứ {n} của một trang dài để đọc" for n in range(60)], size=30)
    outcome: list[BaseException | list[ocr.Word]] = []
    reading = threading.Thread(target=lambda: outcome.append(_catch(page)))
    reading.start()
    deadline = time.monotonic() + 20
    while worker.cpu_times().user < 0.3 and time.monotonic() < deadline:  # well into the page
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGSEGV)
    reading.join(30)
    [error] = outcome
    assert isinstance(error, OcrError) and error.reason == "failed"
    assert f"mã lỗi {-signal.SIGSEGV}" in str(error) and "kiểm tra thủ công" in str(error)
    assert said(text_image(["Đảng bộ xã"]), psm=6) == "Đảng bộ xã"
    assert worker.pid not in {p.pid for p in workers()}


def _catch(page: Image.Image) -> BaseException | list[ocr.Word]:
    try:
        return ocr_image(page, dpi=300, psm=6)
    except OcrError as exc:
        return exc


def test_an_explicit_program_is_run_per_image(monkeypatch, tmp_path):
    ocr.stop_workers()
    monkeypatch.setenv("BONTOT_TESSERACT", shutil.which("tesseract") or "tesseract")
    assert said(text_image(["Chi bộ thôn Phú Lộc"]), psm=6) == "Chi bộ thôn Phú Lộc"
    assert workers() == []
    assert ocr_version() == tesseract_version()
