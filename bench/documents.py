"""How fast certificates render and convert, and how much memory a batch of them takes.

``python -m bench.documents --n 1000`` renders ``n`` Giấy khen (the landscape certificate, one
unit each) from ``templates/giay-khen.docx`` and prints one table:

- docx, docxtpl as documented (``DocxTemplate(path).render``, the template re-read, re-cleaned
  and re-compiled for every document), on a sample, with and without a ``gc.collect()`` every
  100 documents: the floor this project's renderer is measured against;
- docx, :class:`bontot.documents.render.PreparedTemplate` (read, cleaned and compiled once), all
  ``n``, ``gc.collect()`` every 100 documents;
- docx, the print batch: all ``n`` certificates in one file (one render);
- PDF, all ``n`` .docx in one :func:`bontot.office.convert` call (LibreOffice, chunks of 100 side
  by side), per document; then the ``n`` PDFs merged into one (pypdfium2).

Peak memory is the resident set's high-water mark of each step (``VmHWM``, reset between steps
through ``/proc/self/clear_refs``); LibreOffice's is the largest sum of its processes' resident
sets, sampled from /proc every 0.2 s during the batch.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment
from rich.console import Console
from rich.table import Table

from bontot import office
from bontot.docbuild import docx_bytes
from bontot.documents.publish import merge_pdfs
from bontot.documents.render import TEMPLATES_DIR, PreparedTemplate

TEMPLATE = TEMPLATES_DIR / "giay-khen.docx"
_VILLAGES = ["Làng Mầm", "Gò Rô", "Nước Lăng", "Trường Lệ", "An Hội", "Phú Lộc", "Thạch Bích"]
_COMMUNES = ["Ba Khê", "Sơn Lâm", "Trà Phong", "Nghĩa Hòa", "Tịnh Bắc", "Hành Thịnh"]


@dataclass
class Step:
    name: str
    documents: int
    seconds: list[float]  # per document (or one entry for a whole-batch step)
    peak_mb: float
    per_batch: bool = False

    def row(self) -> list[str]:
        total = sum(self.seconds)
        per = total / self.documents
        p95 = "–" if self.per_batch else f"{_p95(self.seconds) * 1000:.1f}"
        median = (
            f"{per * 1000:.1f}"
            if self.per_batch
            else f"{statistics.median(self.seconds) * 1000:.1f}"
        )
        return [self.name, str(self.documents), f"{total:.1f}", median, p95, f"{self.peak_mb:.0f}"]


def _p95(xs: Sequence[float]) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def certificates(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    cards = []
    for i in range(n):
        commune = rng.choice(_COMMUNES)
        cards.append(
            {
                "unit_name": f"Chi bộ Thôn {rng.choice(_VILLAGES)} {i + 1}",
                "parent": f"Đảng bộ xã {commune}",
            }
        )
    return cards


SHARED = {
    "superior": "ĐẢNG BỘ TỈNH QUẢNG NGÃI",
    "issuer": "HUYỆN ỦY TRÀ GIANG",
    "place_date": "Trà Giang, ngày 30 tháng 10 năm 2025",
    "on_behalf": "T/M BAN THƯỜNG VỤ",
    "signer_title": "BÍ THƯ",
    "signer_name": "Nguyễn Văn Thành",
    "standing": "BAN THƯỜNG VỤ HUYỆN ỦY TRÀ GIANG",
    "reason": 'Đã hoàn thành xuất sắc phong trào thi đua xây dựng "chi bộ bốn tốt",'
    ' "đảng bộ cơ sở bốn tốt"',
    "period": "giai đoạn 2022 - 2025",
    "decision": "Quyết định số      -QĐ/HU, ngày 30 tháng 10 năm 2025",
}


# --- memory -------------------------------------------------------------------------------------


def _reset_peak() -> None:
    """Start a new high-water mark of the resident set (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


class _TreeRss:
    """The largest resident set of this process's descendants together (LibreOffice: one
    ``soffice.bin`` per chunk, side by side), sampled from /proc while a step runs.

    ``RUSAGE_CHILDREN`` cannot tell: a child forked from this process starts with its
    resident set, so it reports this process's size, not LibreOffice's.
    """

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            parents: dict[int, int] = {}
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                    parents[int(stat.parent.name)] = int(fields[1])
                except (OSError, IndexError, ValueError):
                    continue
            total = 0
            for pid in parents:
                up: int | None = parents.get(pid)
                while up is not None and up not in (0, 1, me):
                    up = parents.get(up)
                if up == me:
                    total += _rss_kb(pid)
            self.peak_kb = max(self.peak_kb, total)


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the steps ----------------------------------------------------------------------------------


def _timed(
    name: str, cards: Sequence[dict[str, str]], render: Callable[[dict[str, Any]], bytes],
    gc_every: int, out: Path | None = None,
) -> Step:  # fmt: skip
    gc.collect()
    _reset_peak()
    times = []
    for i, card in enumerate(cards, start=1):
        t = time.perf_counter()
        blob = render({**SHARED, "certificates": [card]})
        times.append(time.perf_counter() - t)
        if out is not None:
            (out / f"giay-khen-{i:05d}.docx").write_bytes(blob)
        if gc_every and i % gc_every == 0:
            gc.collect()
    return Step(name, len(cards), times, _peak_mb())


def _docxtpl(context: dict[str, Any]) -> bytes:
    tpl = DocxTemplate(TEMPLATE)
    tpl.render(context, jinja_env=Environment(autoescape=True), autoescape=True)
    return docx_bytes(tpl)


def run(n: int, sample: int, gc_every: int, pdf: bool, console: Console) -> list[Step]:
    cards = certificates(n)
    prepared = PreparedTemplate.load(TEMPLATE)
    steps = []
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        work = Path(tmp)
        docs = work / "docx"
        docs.mkdir()
        few = cards[: min(sample, n)]
        console.print(f"docxtpl, {len(few)} certificates …", highlight=False)
        steps.append(_timed("docx: docxtpl, re-read each time, no gc", few, _docxtpl, 0))
        steps.append(
            _timed(f"docx: docxtpl, re-read each time, gc/{gc_every}", few, _docxtpl, gc_every)
        )
        console.print(f"prepared template, {n} certificates …", highlight=False)
        steps.append(
            _timed(
                f"docx: prepared template, gc/{gc_every}", cards, prepared.render, gc_every, docs
            )  # fmt: skip
        )
        gc.collect()
        _reset_peak()
        t = time.perf_counter()
        batch = prepared.render({**SHARED, "certificates": cards})
        steps.append(
            Step("docx: print batch, one file", n, [time.perf_counter() - t], _peak_mb(), True)
        )
        (work / "ban-in.docx").write_bytes(batch)
        if pdf:
            files = sorted(docs.glob("*.docx"))
            console.print(f"LibreOffice, {len(files)} files in one batch …", highlight=False)
            t = time.perf_counter()
            with _TreeRss() as soffice:
                made = office.convert(files, "pdf", work / "pdf", timeout=900)
            seconds = time.perf_counter() - t
            lo_mb = soffice.peak_kb / 1024
            steps.append(Step("pdf: one LibreOffice batch", len(made), [seconds], lo_mb, True))
            gc.collect()
            _reset_peak()
            t = time.perf_counter()
            merge_pdfs([made[f] for f in files], work / "ban-in.pdf")
            steps.append(
                Step(
                    "pdf: merge into one print file", n, [time.perf_counter() - t], _peak_mb(), True
                )  # fmt: skip
            )
    return steps


HEADERS = ("step", "documents", "total s", "ms / document (median)", "p95 ms", "peak RSS MB")


def table(steps: Sequence[Step]) -> Table:
    t = Table(title="Giấy khen: render, PDF, memory", title_justify="left")
    for i, head in enumerate(HEADERS):
        t.add_column(head, justify="left" if i == 0 else "right")
    for step in steps:
        t.add_row(*step.row())
    return t


def markdown(steps: Sequence[Step]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(step.row()) + " |" for step in steps]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="certificates (default 1000)")
    parser.add_argument("--sample", type=int, default=200, help="docxtpl baseline documents")
    parser.add_argument("--gc-every", type=int, default=100, help="gc.collect() every … docs")
    parser.add_argument("--no-pdf", action="store_true", help="skip LibreOffice")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    args = parser.parse_args(argv)
    console = Console()
    steps = run(args.n, args.sample, args.gc_every, not args.no_pdf, console)
    console.print(table(steps))
    if args.markdown:
        print(markdown(steps))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
