"""Tesseract behind one small module: a version probe, the language check, one image → words.

Everything the scan path asks of the OCR engine goes through here, so a missing program, a
missing Vietnamese model, a crash or a page that runs past its time limit becomes one typed
:class:`OcrError` with a message a clerk can pass on, instead of a ``FileNotFoundError`` deep in
a batch.

Tesseract is run directly (``tesseract stdin stdout ... tsv``) rather than through OCRmyPDF: we
need word boxes and confidences, not a searchable PDF.  OCRmyPDF 17 took 6.9 s for a one-page
form that Tesseract alone reads in 1-2 s (rasterising, PDF assembly), 9 s a page with
``rotate_pages``/``deskew``, and its rotation step (Tesseract OSD, 1.1-1.6 s a page by itself)
left an upside-down form page unturned at its default threshold.  Page orientation and
skew are found by ``parsers.scan_reader`` from the pixels, at a fraction of OSD's cost.

Each Tesseract process runs with ``OMP_THREAD_LIMIT=1``: its OpenMP threads only fight each
other on a small machine (2.5-4 times slower per page on 2 cores); the pages of a file run in
parallel processes instead.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image

from bontot.errors import ReadError

DEFAULT_LANG = "vie"
DEFAULT_PSM = 3  # automatic page segmentation: labels and values in columns stay apart
DEFAULT_TIMEOUT = 120.0  # seconds for one page; a 300 dpi form takes 1-4 s here
PROBE_TIMEOUT = 20.0
MIN_VERSION = (4, 1)  # LSTM engine and TSV output with fractional confidences
ENV_BINARY = "BONTOT_TESSERACT"  # an explicit path to the program, else the one on PATH

_INSTALL_HINT = "hãy nhờ quản trị viên cài đặt rồi đọc lại tệp."
_VERSION = re.compile(r"tesseract\s+v?(\d+)\.(\d+)(?:\.(\d+))?", re.IGNORECASE)


class OcrError(ReadError):
    """Tesseract is missing, lacks the Vietnamese model, failed or ran past its time limit.

    ``reason`` lets a caller tell an installation problem ("missing", "language", "version"),
    which stops every scan, from a problem with one page ("timeout", "failed").
    """

    def __init__(self, message: str, reason: str, file: str = "") -> None:
        super().__init__(message, file)
        self.reason = reason


@dataclass(frozen=True)
class Word:
    """One word as Tesseract read it, in the pixels of the image it was given."""

    text: str
    bbox: tuple[int, int, int, int]  # left, top, right, bottom
    confidence: float  # 0-1
    block: int
    par: int
    line: int
    num: int

    @property
    def line_key(self) -> tuple[int, int, int]:
        """The line the word belongs to (unique within one page)."""
        return (self.block, self.par, self.line)


@dataclass(frozen=True)
class Tesseract:
    """An installed Tesseract as probed: where it is, its version and its languages."""

    path: str
    version: str
    languages: frozenset[str]


def tesseract_path() -> str:
    """The program to run: ``$BONTOT_TESSERACT`` if set, else ``tesseract`` on PATH."""
    explicit = os.environ.get(ENV_BINARY)
    found = explicit or shutil.which("tesseract")
    if not found:
        raise _missing()
    return found


def probe() -> Tesseract:
    """Version and languages of the Tesseract in use (probed once per program path)."""
    return _probe(tesseract_path())


def tesseract_version() -> str:
    """The version string of the Tesseract in use, e.g. ``"5.3.0"``."""
    return probe().version


def check_tesseract(lang: str = DEFAULT_LANG) -> Tesseract:
    """Tesseract as probed, once it is known to be recent enough and to have ``lang``."""
    tess = probe()
    missing = [code for code in lang.split("+") if code not in tess.languages]
    if "vie" in missing:
        raise OcrError("Chưa cài gói tiếng Việt cho Tesseract (tesseract-ocr-vie) nên không "
                       f"nhận dạng được ảnh quét; {_INSTALL_HINT}", "language")
    if missing:
        raise OcrError(f"Tesseract thiếu dữ liệu ngôn ngữ {', '.join(missing)} "
                       f"(gói tesseract-ocr-{missing[0]}); {_INSTALL_HINT}", "language")
    return tess


@functools.lru_cache(maxsize=8)
def _probe(path: str) -> Tesseract:
    out = _run_probe(path, "--version")
    match = _VERSION.search(out)
    if not match:
        raise OcrError(f"Chương trình {path} không phải Tesseract (không đọc được phiên bản); "
                       f"{_INSTALL_HINT}", "version")
    major, minor = int(match.group(1)), int(match.group(2))
    version = ".".join(g for g in match.groups() if g is not None)
    if (major, minor) < MIN_VERSION:
        raise OcrError(f"Tesseract {version} đã cũ, cần bản 4.1 trở lên (gói tesseract-ocr); "
                       f"{_INSTALL_HINT}", "version")
    listing = _run_probe(path, "--list-langs").splitlines()
    languages = frozenset(line.strip() for line in listing[1:] if line.strip())
    return Tesseract(path, version, languages)


def _run_probe(path: str, flag: str) -> str:
    try:
        done = subprocess.run([path, flag], capture_output=True, timeout=PROBE_TIMEOUT,
                              env=_env(), check=False)
    except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        raise _missing() from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"Tesseract không trả lời khi kiểm tra ({flag}); {_INSTALL_HINT}",
                       "missing") from exc
    except OSError as exc:  # e.g. an executable for another architecture
        raise OcrError(f"Không chạy được Tesseract ({exc.strerror or exc}); {_INSTALL_HINT}",
                       "missing") from exc
    # --version printed to stderr before 4.x, --list-langs still does on some builds
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def _missing() -> OcrError:
    return OcrError("Chưa cài chương trình nhận dạng chữ Tesseract (gói tesseract-ocr) nên "
                    f"không đọc được ảnh quét; {_INSTALL_HINT}", "missing")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def ocr_image(image: Image.Image, *, lang: str = DEFAULT_LANG, psm: int = DEFAULT_PSM,
              dpi: int = 300, timeout: float = DEFAULT_TIMEOUT,
              config: Mapping[str, str] | None = None, page: int | None = None) -> list[Word]:
    """The words Tesseract reads in ``image``; boxes are in the image's pixels.

    The image goes in on stdin as PNM (no temporary file, no PNG compression); ``dpi`` tells
    Tesseract the scale, since PNM carries none.  ``page`` (0-based) only names the page in an
    error message.  A run past ``timeout`` seconds is killed and raised as an OcrError.
    """
    tess = check_tesseract(lang)
    buf = io.BytesIO()
    (image if image.mode in ("L", "RGB", "1") else image.convert("RGB")).save(buf, format="PPM")
    args = [tess.path, "stdin", "stdout", "-l", lang, "--psm", str(psm), "--dpi", str(dpi)]
    for key, value in (config or {}).items():
        args += ["-c", f"{key}={value}"]
    args.append("tsv")
    where = f"trang {page + 1}" if page is not None else "ảnh"
    try:
        done = subprocess.run(args, input=buf.getvalue(), capture_output=True, timeout=timeout,
                              env=_env(), check=False)
    except subprocess.TimeoutExpired as exc:
        seconds = f"{timeout:g}".replace(".", ",")
        raise OcrError(f"Nhận dạng chữ {where} chạy quá {seconds} giây nên đã dừng; tệp "
                       "được chuyển sang kiểm tra thủ công.", "timeout") from exc
    except OSError as exc:
        raise _missing() from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise OcrError(f"Tesseract gặp lỗi khi nhận dạng chữ {where} (mã lỗi {done.returncode}"
                       f"{': ' + detail[0][:200] if detail[0] else ''}); tệp được chuyển sang "
                       "kiểm tra thủ công.", "failed")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[Word]:
    """Words (level 5 rows with text) of Tesseract's TSV output, in reading order."""
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
            block, par, line, num = (int(c) for c in cols[2:6])
            left, top, width, height = (int(c) for c in cols[6:10])
        except ValueError:
            continue
        if not text or conf < 0:
            continue
        words.append(Word(text, (left, top, left + width, top + height),
                          min(max(conf / 100.0, 0.0), 1.0), block, par, line, num))
    return words
