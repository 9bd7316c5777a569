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

Where the tesserocr binding is installed, the words come from a Tesseract kept loaded in a
worker process (``parsers/_tessworker.py``) instead of a ``tesseract`` run per image: starting
one and loading ``vie`` cost about 0.1 CPU s a run, and a scanned page needs two runs (its page,
its share of the values read again).  The worker is a process of its own, not the binding inside
this one, so that a page past its time limit is stopped by killing it and a Tesseract crash
costs that page alone, as with the program.  The language data is the installed program's
(``tesseract --list-langs`` names its folder).  ``$BONTOT_TESSERACT`` set, or no tesserocr,
means the program, run per image.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import io
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
_TESSDATA = re.compile(r'languages in "(.+)"')


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
    tessdata: str | None = None  # the folder of the language data, as the program names it


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
    folder = _TESSDATA.search(listing[0]) if listing else None
    return Tesseract(path, version, languages, folder.group(1) if folder else None)


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
    where = f"trang {page + 1}" if page is not None else "ảnh"
    if _kept_loaded(tess):
        return parse_tsv(_ENGINES.read(tess.tessdata, image, lang, psm, dpi, timeout,  # type: ignore[arg-type]
                                       dict(config or {}), where))
    buf = io.BytesIO()
    (image if image.mode in ("L", "RGB", "1") else image.convert("RGB")).save(buf, format="PPM")
    args = [tess.path, "stdin", "stdout", "-l", lang, "--psm", str(psm), "--dpi", str(dpi)]
    for key, value in (config or {}).items():
        args += ["-c", f"{key}={value}"]
    args.append("tsv")
    try:
        done = subprocess.run(args, input=buf.getvalue(), capture_output=True, timeout=timeout,
                              env=_env(), check=False)
    except subprocess.TimeoutExpired as exc:
        raise _too_long(where, timeout) from exc
    except OSError as exc:
        raise _missing() from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise _failed(where, done.returncode, detail[0])
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def ocr_version(lang: str = DEFAULT_LANG) -> str:
    """The version of the Tesseract that reads the pages (the kept-loaded one's, if in use),
    once it is known to have ``lang``."""
    tess = check_tesseract(lang)
    return _ENGINES.version(tess.tessdata) if _kept_loaded(tess) else tess.version  # type: ignore[arg-type]


def _too_long(where: str, timeout: float) -> OcrError:
    seconds = f"{timeout:g}".replace(".", ",")
    return OcrError(f"Nhận dạng chữ {where} chạy quá {seconds} giây nên đã dừng; tệp được "
                    "chuyển sang kiểm tra thủ công.", "timeout")


def _failed(where: str, code: int | None, detail: str) -> OcrError:
    said = f"mã lỗi {code}" if code is not None else "lỗi"
    return OcrError(f"Tesseract gặp lỗi khi nhận dạng chữ {where} ({said}"
                    f"{': ' + detail[:200] if detail else ''}); tệp được chuyển sang kiểm tra "
                    "thủ công.", "failed")


# -- Tesseract kept loaded --------------------------------------------------------------------

_WORKER = Path(__file__).with_name("_tessworker.py")
_FRAME = struct.Struct(">I")
_TSV_HEADER = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\t"
               "height\tconf\ttext\n")


def _kept_loaded(tess: Tesseract) -> bool:
    """Whether pages go to a worker: no explicit program, the binding there, its data known."""
    return (not os.environ.get(ENV_BINARY) and tess.tessdata is not None
            and _has_binding())


@functools.lru_cache(maxsize=1)
def _has_binding() -> bool:
    return importlib.util.find_spec("tesserocr") is not None


class _Worker:
    """One ``_tessworker.py`` process and the pipes to it; used by one thread at a time."""

    def __init__(self, tessdata: str) -> None:
        self.tessdata = tessdata
        self.proc = subprocess.Popen(
            [sys.executable, str(_WORKER), tessdata], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(), bufsize=0)
        try:
            self.version = str(self.receive(PROBE_TIMEOUT)["version"])
        except BaseException:  # it did not start as a worker: no process is left behind
            self.stop()
            raise

    def ask(self, header: dict[str, Any], pixels: bytes, timeout: float) -> dict[str, Any]:
        head = json.dumps(header).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(_FRAME.pack(len(head)) + head + _FRAME.pack(len(pixels)))
        self.proc.stdin.write(pixels)
        return self.receive(timeout)

    def receive(self, timeout: float) -> dict[str, Any]:
        """The next answer; TimeoutError past ``timeout`` s, EOFError if the worker is gone."""
        assert self.proc.stdout is not None
        fd, data, deadline = self.proc.stdout.fileno(), bytearray(), time.monotonic() + timeout
        while len(data) < _FRAME.size or len(data) < _FRAME.size + _FRAME.unpack_from(data)[0]:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            data += chunk
        answer: dict[str, Any] = json.loads(data[_FRAME.size:].decode("utf-8"))
        return answer

    def stop(self) -> int | None:
        """Kill it and wait: its exit code (a negative signal number for a crash)."""
        if self.proc.poll() is None:
            self.proc.kill()
        code = self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        return code

    def close(self) -> None:
        """Let it finish: its input closed, it exits."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.stop()


class _Engines:
    """The idle workers of this process, taken by one thread for one image and given back:
    as many workers as images are read at once, each loaded once for the process's life."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()
        atexit.register(self.close)

    def _take(self, tessdata: str) -> _Worker:
        with self._lock:
            gone = [w for w in self._idle if w.proc.poll() is not None]  # killed while idle
            self._idle = [w for w in self._idle if w not in gone]
            for n, worker in enumerate(self._idle):
                if worker.tessdata == tessdata:
                    return self._idle.pop(n)
        for worker in gone:
            worker.stop()
        try:
            worker = _Worker(tessdata)
        except (OSError, TimeoutError, EOFError, ValueError, KeyError) as exc:
            raise OcrError("Không khởi động được Tesseract để nhận dạng chữ; "
                           f"{_INSTALL_HINT}", "missing") from exc
        self._versions[tessdata] = worker.version
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def version(self, tessdata: str) -> str:
        if tessdata not in self._versions:
            self._give_back(self._take(tessdata))
        return self._versions[tessdata]

    def read(self, tessdata: str, image: Image.Image, lang: str, psm: int, dpi: int,
             timeout: float, config: dict[str, str], where: str) -> str:
        """Tesseract's TSV for ``image``: the page's words."""
        if image.mode not in ("L", "RGB"):  # as the program is given them (PPM: L or RGB)
            image = image.convert("L" if image.mode == "1" else "RGB")
        bpp = 1 if image.mode == "L" else 3
        header = {"lang": lang, "psm": psm, "dpi": dpi, "vars": config, "width": image.width,
                  "height": image.height, "bpp": bpp}
        worker = self._take(tessdata)
        try:
            answer = worker.ask(header, image.tobytes(), timeout)
        except TimeoutError:
            worker.stop()
            raise _too_long(where, timeout) from None
        except (EOFError, OSError):  # it died under the page (a crash, killed for memory)
            raise _failed(where, worker.stop(), "") from None
        except BaseException:  # interrupted mid-page: its answer would be the next page's
            worker.stop()
            raise
        self._give_back(worker)
        if "error" in answer:
            raise _failed(where, None, str(answer["error"]))
        return _TSV_HEADER + str(answer["tsv"])  # the API's TSV has no header row

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


_ENGINES = _Engines()


def stop_workers() -> None:
    """Stop this process's idle Tesseract workers (they start again with the next page)."""
    _ENGINES.close()


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
