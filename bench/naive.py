"""The naive pipeline ``bench.province`` compares the product with: the same job, done the way a
first script does it.

- one Prefect task per file (``task.map`` in a flow, Prefect's default thread-pool task runner),
  against a local Prefect server (SQLite) as ``flows.server`` starts it;
- every PDF read with pdfplumber, every page (``extract_text_lines``), into the project's
  field extractor; a PDF without text, and every image, goes through OCRmyPDF first, run as
  its command line with its default options and threads (all cores), then pdfplumber again;
- each file stored with the product's own intake (``run_intake(ws, files=[path])``), given the
  forms read above, so that checks and storage are the product's;
- the evaluation as one task; the documents written without PDF, then one cold LibreOffice
  (``soffice --convert-to pdf``, one process per file) per document, one task each.  Each
  worker thread keeps its own LibreOffice profile: two soffice on one profile hand their work
  to each other, and a fresh profile per call would make every call slower still.

Nothing here is used by the product.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import flows  # noqa: F401  (telemetry off before Prefect is imported)
from bontot.workspace import Workspace
from parsers import parse_file as product_parse_file  # the original, kept while patched
from parsers.base import Layout, ParsedForm, TextBlock, unreadable

OCR_TIMEOUT = 900  # seconds per file for OCRmyPDF
SOFFICE_TIMEOUT = 300
MIN_TEXT = 40  # characters on a PDF's pages below which it is taken for a scan

_READ: dict[str, list[ParsedForm]] = {}  # sha256 → forms read before the intake stores them
_READ_LOCK = threading.Lock()
_PROFILES = threading.local()


@dataclass
class NaiveTimes:
    """Wall and CPU seconds (this process and its children) of each stage, as run."""

    stages: dict[str, tuple[float, float]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # file name → intake status
    documents: int = 0  # PDFs made
    units: int = 0  # unit-years evaluated
    pages_ocr: int = 0


def cpu_now(live: bool = True) -> float:
    """CPU seconds of this process (every thread) and of its children that have ended; with
    ``live``, also of the descendants still running (a pool, a server), read from /proc."""
    import resource

    import psutil

    running = 0.0
    if live:  # listed before the rusage read: one ending in between is counted twice, not lost
        for child in psutil.Process().children(recursive=True):
            try:
                t = child.cpu_times()
                running += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                pass
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + running


# --- reading --------------------------------------------------------------------------------------


def pdfplumber_layout(path: Path, source: str) -> tuple[Layout, int]:
    """Every page's text lines with pdfplumber; (layout, characters read)."""
    import pdfplumber

    blocks: list[TextBlock] = []
    chars = 0
    with pdfplumber.open(str(path)) as pdf:
        pages = len(pdf.pages)
        for i, page in enumerate(pdf.pages):
            for line in page.extract_text_lines(return_chars=False):
                text = line["text"].strip()
                if not text:
                    continue
                chars += len(text)
                blocks.append(TextBlock(text, page=i, kind="line",
                                        bbox=(line["x0"], line["top"], line["x1"],
                                              line["bottom"])))
    return Layout(source=source, blocks=tuple(blocks), pages=pages), chars  # type: ignore[arg-type]


def ocrmypdf(src: Path, out: Path) -> None:
    """OCRmyPDF's command line, default options (``--image-dpi`` only for an image that has
    none, which it refuses otherwise)."""
    cmd = [sys.executable, "-m", "ocrmypdf", "-l", "vie", "-q"]
    if src.suffix.lower() != ".pdf":
        cmd += ["--image-dpi", "300"]
    done = subprocess.run([*cmd, str(src), str(out)], capture_output=True, timeout=OCR_TIMEOUT,
                          check=False)
    if done.returncode not in (0, 10):  # 10: PDF/A conversion failed, the PDF is there
        raise RuntimeError(f"ocrmypdf {src.name}: exit {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-300:]}")


def naive_read(path: Path, work: Path) -> tuple[list[ParsedForm], int]:
    """The forms of one file the naive way; (forms, pages OCR'd)."""
    from parsers.fields import extract_forms

    suffix = path.suffix.lower()
    if suffix == ".docx":
        return product_parse_file(path), 0
    try:
        ocr_pages = 0
        if suffix == ".pdf":
            layout, chars = pdfplumber_layout(path, "pdf-text")
            if chars < MIN_TEXT:
                layout, ocr_pages = _ocr_layout(path, work)
        else:
            layout, ocr_pages = _ocr_layout(path, work)
        forms = extract_forms(layout)
    except Exception as exc:  # noqa: BLE001  the batch goes on, the file to review
        return [unreadable(path.name, f"naive: {type(exc).__name__}: {exc}"[:300])], 0
    return [replace(f, file=path.name) for f in forms], ocr_pages


def _ocr_layout(path: Path, work: Path) -> tuple[Layout, int]:
    out = work / f"{path.stem}-{threading.get_ident()}.ocr.pdf"
    ocrmypdf(path, out)
    try:
        layout, _ = pdfplumber_layout(out, "pdf-scan")
    finally:
        out.unlink(missing_ok=True)
    return layout, layout.pages


def _from_naive_reading(path: str | Path) -> list[ParsedForm]:
    """``parsers.parse_file`` while the naive intake stores: the forms read before, found by
    the file's name (the intake reads a view of its archive copy under that name) or by its
    hash (the archive copy's name)."""
    path = Path(path)
    with _READ_LOCK:
        key = path.name if path.name in _READ else path.stem
        return _READ.pop(key)


# --- LibreOffice, cold, one file at a time --------------------------------------------------------


def cold_pdf(docx: Path, base: Path) -> Path:
    """One ``soffice --convert-to pdf`` for one file, the thread's own profile."""
    profile = getattr(_PROFILES, "path", None)
    if profile is None:
        profile = Path(tempfile.mkdtemp(prefix="naive-lo-", dir=base))
        _PROFILES.path = profile
    env = dict(os.environ, HOME=str(profile))
    cmd = ["soffice", f"-env:UserInstallation={(profile / 'p').as_uri()}", "--headless",
           "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(docx.parent),
           str(docx)]
    subprocess.run(cmd, capture_output=True, timeout=SOFFICE_TIMEOUT, check=True, env=env,
                   stdin=subprocess.DEVNULL)
    pdf = docx.with_suffix(".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"soffice made no PDF of {docx.name}")
    return pdf


# --- the flow -------------------------------------------------------------------------------------


def run_naive(ws: Workspace, groups: dict[str, Sequence[Path]], years: Sequence[int] | None,
              work: Path, port: int, log: Callable[[str], None] = print
              ) -> tuple[NaiveTimes, float]:
    """Run the naive pipeline on ``ws`` (its inbox holds the files of ``groups``, a list per
    kind, read one kind after the other so that each kind is timed); (times, server start s).
    """
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    import parsers
    from bontot.documents import DocumentRequest, produce
    from bontot.intake import run_intake
    from bontot.service import evaluate_workspace
    from bontot.workspace import init_workspace
    from flows.server import prefect_api

    times = NaiveTimes()
    lock = threading.Lock()

    @task(name="naive-read-file", cache_policy=NO_CACHE)
    def read_file(path: Path) -> str:
        forms, ocr_pages = naive_read(path, work)
        with _READ_LOCK:
            _READ[path.name] = forms
        report = run_intake(ws, files=[path])
        status = report.outcomes[0].status if report.outcomes else "lost"
        with lock:
            times.outcomes[path.name] = status
            times.pages_ocr += ocr_pages
        return status

    @task(name="naive-evaluate", cache_policy=NO_CACHE)
    def evaluate(wanted: list[int] | None) -> int:
        run = evaluate_workspace(ws, wanted)
        return sum(len(r) for r in run.results.values())

    @task(name="naive-documents", cache_policy=NO_CACHE)
    def documents(year: int) -> list[Path]:
        run = produce(ws, DocumentRequest(year=year, pdf=False))
        return [f.path for f in run.files if f.path.suffix == ".docx"]

    @task(name="naive-pdf", cache_policy=NO_CACHE)
    def to_pdf(docx: Path) -> Path:
        return cold_pdf(docx, work)

    def timed(stage: str, fn: Callable[[], object]) -> object:
        wall, cpu = time.perf_counter(), cpu_now()
        result = fn()
        times.stages[stage] = (time.perf_counter() - wall, cpu_now() - cpu)
        log(f"naive {stage}: {times.stages[stage][0]:,.1f} s, {times.stages[stage][1]:,.1f} CPU s")
        return result

    @flow(name="naive-run-all")
    def naive_run_all() -> None:
        for kind, files in groups.items():
            if files:
                timed(f"intake:{kind}", lambda files=files: read_file.map(list(files)).result())
        wanted = sorted(set(years)) if years else None
        times.units = timed("evaluate", lambda: evaluate(wanted))  # type: ignore[assignment]

        def docs() -> int:
            made = 0
            for year in wanted or []:
                made += len(to_pdf.map(documents(year)).result())
            return made

        times.documents = timed("documents", docs)  # type: ignore[assignment]

    host = init_workspace(work / "prefect-server")
    original = parsers.parse_file
    mark = time.perf_counter()
    with prefect_api(host, port):
        started = time.perf_counter() - mark
        parsers.parse_file = _from_naive_reading  # type: ignore[assignment]
        try:
            timed("total", naive_run_all)
        finally:
            parsers.parse_file = original  # type: ignore[assignment]
    return times, started
