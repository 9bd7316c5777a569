"""How well and how fast ``parsers.parse_file`` reads returned forms, per source, beside a floor.

``python -m bench.parse --n 200`` generates at least ``n`` forms per source (docx, doc, pdf-text)
with ``tests.corpus`` (the kinds of a source share its ``n``), reads each one with ``parse_file``,
validates it against the demo roster as intake does, scores it against its truth, and prints one
table.  The floor is the least any reader of that source must spend: zipfile + lxml on
``word/document.xml`` for .docx, PDFium's text of every page for PDF, LibreOffice's batch
conversion per file for .doc.  See ``bench/README.md`` for the columns.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from rich.console import Console
from rich.table import Table

from bontot import office
from tests.corpus import KINDS, Case, Score, check, make_corpus, score

SOURCES = ("docx", "doc", "pdf-text")


@dataclass
class Tally:
    """What one row of the table adds up."""

    name: str
    scores: list[Score] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    parse_s: list[float] = field(default_factory=list)
    floor_s: list[float] = field(default_factory=list)
    pages: int = 0

    def add(self, case: Case, result: Score, seconds: float) -> None:
        self.cases.append(case)
        self.scores.append(result)
        self.parse_s.append(seconds)

    def row(self) -> list[str]:
        checked = sum(s.checked for s in self.scores)
        correct = sum(s.correct for s in self.scores)
        silent = sum(len(s.silent) for s in self.scores)
        valid = [s for s, c in zip(self.scores, self.cases, strict=True) if c.valid]
        invalid = [s for s, c in zip(self.scores, self.cases, strict=True) if not c.valid]
        median, p95 = _ms(statistics.median(self.parse_s)), _ms(_p95(self.parse_s))
        floor = statistics.median(self.floor_s) if self.floor_s else None
        floor_text = _ms(floor) if floor is not None else "–"
        if floor is not None and self.pages and self.name.startswith("pdf"):
            floor_text += f" ({_ms(sum(self.floor_s) / self.pages)}/p)"
        ratio = f"×{statistics.median(self.parse_s) / floor:,.0f}" if floor else "–"
        return [
            self.name,
            str(len(self.scores)),
            f"{checked:,}",
            f"{100 * correct / checked:.1f}" if checked else "–",
            str(silent),
            f"{sum(s.flagged for s in valid)}/{len(valid)}",
            f"{sum(s.flagged for s in invalid)}/{len(invalid)}",
            median,
            p95,
            floor_text,
            ratio,
        ]


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.2f}" if ms < 10 else f"{ms:,.0f}"


def per_kind(n: int, kinds: Sequence[str]) -> dict[str, int]:
    """``n`` forms per source, shared by the kinds of that source asked for."""
    counts: dict[str, int] = {}
    for source in SOURCES:
        group = [k for k in kinds if KINDS[k] == source]
        for kind in group:
            counts[kind] = math.ceil(n / len(group))
    return counts


# --- floors -----------------------------------------------------------------------------------


def docx_floor(path: Path) -> float:
    start = time.perf_counter()
    with zipfile.ZipFile(path) as zf:
        etree.fromstring(zf.read("word/document.xml"))
    return time.perf_counter() - start


def pdf_floor(path: Path) -> tuple[float, int]:
    import pypdfium2 as pdfium

    start = time.perf_counter()
    doc = pdfium.PdfDocument(path)
    pages = len(doc)
    for i in range(pages):
        page = doc[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    doc.close()
    return time.perf_counter() - start, pages


def doc_floor(paths: Sequence[Path]) -> float:
    """Seconds per file of one LibreOffice batch converting every .doc to .docx."""
    with tempfile.TemporaryDirectory(prefix="bench-doc-") as tmp:
        start = time.perf_counter()
        office.convert(paths, "docx", Path(tmp), timeout=1200)
        return (time.perf_counter() - start) / len(paths)


def add_floors(rows: dict[str, Tally]) -> None:
    """Each row's floor: per file for .docx and PDF, one batch for every .doc."""
    cases = {c.path: c for tally in rows.values() for c in tally.cases}
    floors: dict[Path, tuple[float, int]] = {}
    docs = [p for p, c in cases.items() if c.source == "doc"]
    if docs:
        each = doc_floor(docs)
        floors |= {p: (each, 0) for p in docs}
    for path, case in cases.items():
        if case.source == "docx":
            floors[path] = (docx_floor(path), 0)
        elif case.source == "pdf-text":
            floors[path] = pdf_floor(path)
    for tally in rows.values():
        for case in tally.cases:
            seconds, pages = floors[case.path]
            tally.floor_s.append(seconds)
            tally.pages += pages


# --- the run ----------------------------------------------------------------------------------


def run(cases: Sequence[Case], out: Path | None) -> dict[str, Tally]:
    """Parse every case (timed alone), validate, score; one Tally per kind and per source."""
    from parsers import parse_file

    warmed: set[str] = set()
    rows: dict[str, Tally] = {}
    details = []
    for case in cases:
        if case.source not in warmed:  # imports and caches are not the reader's time per form
            parse_file(case.path)
            warmed.add(case.source)
        start = time.perf_counter()
        forms = parse_file(case.path)
        seconds = time.perf_counter() - start
        result = score(case, check(forms))
        for row, name in ((f"source:{case.source}", case.source), (f"kind:{case.kind}", case.kind)):
            rows.setdefault(row, Tally(name)).add(case, result, seconds)
        details.append({
            "file": case.path.name, "kind": case.kind, "layout": case.expected["layout"],
            "defect": case.expected["defect"], "flagged": result.flagged,
            "parse_ms": round(seconds * 1000, 2), "missing": list(result.missing),
            "wrong": [vars(m) for m in result.wrong], "silent": bool(result.silent),
        })
    if out is not None:
        with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
            for d in details:
                fh.write(json.dumps(d, ensure_ascii=False, default=str) + "\n")
    return rows


def table(rows: dict[str, Tally], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for name, justify in (
        ("source / kind", "left"), ("forms", "right"), ("fields", "right"),
        ("accuracy %", "right"), ("silent", "right"), ("review: valid", "right"),
        ("review: invalid", "right"), ("parse ms p50", "right"), ("p95", "right"),
        ("floor ms p50", "right"), ("ratio", "right"),
    ):
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    for source in SOURCES:
        if f"source:{source}" not in rows:
            continue
        t.add_row(*rows[f"source:{source}"].row(), style="bold")
        kinds = [k for k in KINDS if KINDS[k] == source and f"kind:{k}" in rows]
        for kind in kinds if len(kinds) > 1 else ():
            cells = rows[f"kind:{kind}"].row()
            t.add_row("  " + cells[0], *cells[1:])
        t.add_section()
    return t


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.parse", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="forms per source (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="keep the corpus (and results.jsonl) here")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help=f"comma-separated, of: {', '.join(KINDS)}")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        ap.error(f"unknown kinds: {', '.join(unknown)}")
    console = Console(width=160)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        cases = make_corpus(out, per_kind(args.n, kinds), args.seed, kinds)
        generated = time.perf_counter() - start
        rows = run(cases, args.out)
        add_floors(rows)
    title = (f"parse_file on {len(cases)} generated forms (seed {args.seed}; generated in"
             f" {generated:.0f} s, not counted)")
    console.print(table(rows, title))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
