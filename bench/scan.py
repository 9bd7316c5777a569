"""How well and how fast the scan path reads returned forms, per kind of scan, beside the floor.

``python -m bench.scan --n 100`` scans ``n`` filled forms in each variant of
``tests.scancorpus`` (300 dpi, 200 dpi, skewed, rotated, stamped, phone photo), reads each file
with ``parsers.parse_file``, validates it against the demo roster as intake does, scores it
against its truth, and prints one table; ``--readme`` appends it to ``bench/README.md`` under
"Scans".  Times are per page: wall, and CPU (this process's threads and its Tesseract
children).  The floor is what Tesseract ``vie`` alone costs, single-threaded (``OMP_THREAD_LIMIT
=1``), on the same pages at the same resolution, page segmentation as the reader asks (psm 3).

Every value read also goes into a reliability table (how often a value is right at each
confidence), drawn as ``scan-reliability.png`` in the report folder: the review bar must stand
above the confidence of every wrong value, and the table says by how much.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image
from rich.console import Console
from rich.table import Table

from parsers.base import ParsedForm
from parsers.fields import REVIEW_BAR
from tests.corpus import Score, check, same_value, score
from tests.scancorpus import VARIANTS, ScanCase, make_scans

README = Path(__file__).resolve().parent / "README.md"
BINS = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1.0001)


@dataclass
class Tally:
    """One row of the table: a variant's scores and times."""

    name: str
    scores: list[Score] = field(default_factory=list)
    valid: list[bool] = field(default_factory=list)
    pages: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    floor: list[float] = field(default_factory=list)  # CPU seconds per page, Tesseract alone

    def row(self) -> list[str]:
        checked = sum(s.checked for s in self.scores)
        correct = sum(s.correct for s in self.scores)
        silent = sum(len(s.silent) for s in self.scores)
        wrong = sum(len(s.wrong) for s in self.scores)
        ok = [s for s, v in zip(self.scores, self.valid, strict=True) if v]
        bad = [s for s, v in zip(self.scores, self.valid, strict=True) if not v]
        floor = sum(self.floor) / len(self.floor) if self.floor else None
        cpu = self.cpu / self.pages if self.pages else 0.0
        return [
            self.name,
            str(len(self.scores)),
            str(self.pages),
            f"{checked:,}",
            f"{100 * correct / checked:.2f}" if checked else "–",
            str(wrong),
            str(silent),
            f"{sum(s.flagged for s in ok)}/{len(ok)}",
            f"{sum(s.flagged for s in bad)}/{len(bad)}",
            f"{self.wall / self.pages:.2f}" if self.pages else "–",
            f"{cpu:.2f}",
            f"{floor:.2f}" if floor is not None else "–",
            f"×{cpu / floor:.2f}" if floor else "–",
        ]


COLUMNS = ("variant", "forms", "pages", "fields", "right %", "wrong", "silent",
           "review: valid", "review: invalid", "wall s/page", "CPU s/page", "floor CPU s/page",
           "CPU / floor")


# --- timing -------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time of this process (all threads), of the children it has waited for (Tesseract
    run per image) and of those still running (the Tesseract kept loaded)."""
    from bench.naive import cpu_now

    return cpu_now(live=True)


def floor_seconds(case: ScanCase, workdir: Path, limit: int) -> list[float]:
    """Tesseract ``vie`` alone, one thread, psm 3, on each page of the file as the reader sees
    it before its own work (rendered at 300 dpi, or the image's frames as they are)."""
    out = []
    for k, page in enumerate(_pages(case.path)):
        if k >= limit:
            break
        png = workdir / f"floor-{k}.png"
        page.save(png)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["tesseract", str(png), "stdout", "-l", "vie", "--psm", "3", "tsv"],
                       env=env, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return out


def _pages(path: Path) -> list[Image.Image]:
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        try:
            return [doc[i].render(scale=300 / 72).to_pil().convert("L") for i in range(len(doc))]
        finally:
            doc.close()
    with Image.open(path) as image:
        frames = []
        for i in range(getattr(image, "n_frames", 1)):
            image.seek(i)
            frames.append(image.convert("L"))
        return frames


# --- the run ------------------------------------------------------------------------------------


def judged(case: ScanCase, forms: Sequence[ParsedForm]) -> list[tuple[str, float, bool]]:
    """(key, confidence, right) of every value read: what the reliability table counts."""
    truth = case.expected["fields"]
    unreadable = set(case.expected["unreadable"])
    out = []
    for form in forms[:1]:
        for key, fv in form.fields.items():
            if fv.value is None or key == "form_code":
                continue
            right = key in truth and key not in unreadable and same_value(key, truth[key],
                                                                          fv.value)
            out.append((key, fv.confidence, right))
    return out


def run(cases: Sequence[ScanCase], floor_files: int, out: Path | None,
        loads: list[float] | None = None
        ) -> tuple[dict[str, Tally], list[tuple[str, float, bool]]]:
    from parsers import parse_file

    rows: dict[str, Tally] = {}
    values: list[tuple[str, float, bool]] = []
    details = []
    floors_done: dict[str, int] = {}
    if cases:
        parse_file(cases[0].path)  # imports, Tesseract's probe: not a page's time
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        for case in cases:
            tally = rows.setdefault(case.variant, Tally(case.variant))
            wall, cpu = time.perf_counter(), cpu_seconds()
            forms = parse_file(case.path)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            if loads is not None:
                loads.append(os.getloadavg()[0])
            checked = check(forms)
            result = score(case.case, checked)
            tally.scores.append(result)
            tally.valid.append(case.valid)
            tally.pages += case.pages
            tally.wall += wall
            tally.cpu += cpu
            these = judged(case, checked)
            values += these
            if floors_done.get(case.variant, 0) < floor_files:
                tally.floor += floor_seconds(case, Path(tmp), 4)
                floors_done[case.variant] = floors_done.get(case.variant, 0) + 1
            details.append({
                "file": case.path.name, "variant": case.variant,
                "defect": case.expected["defect"], "flagged": result.flagged,
                "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "missing": list(result.missing),
                "wrong": [vars(m) for m in result.wrong], "silent": bool(result.silent),
                "values": [(k, c, r) for k, c, r in these],
            })
    if out is not None:
        with (out / "scan-results.jsonl").open("w", encoding="utf-8") as fh:
            for d in details:
                fh.write(json.dumps(d, ensure_ascii=False, default=str) + "\n")
    return rows, values


# --- reliability --------------------------------------------------------------------------------


def reliability(values: Sequence[tuple[str, float, bool]]) -> list[tuple[str, int, int]]:
    """(confidence bin, values in it, right ones) from low to high."""
    out = []
    for lo, hi in zip(BINS, BINS[1:], strict=False):
        inside = [right for _, c, right in values if lo <= c < hi]
        label = f"{lo:.2f}–{min(hi, 1.0):.2f}"
        out.append((label, len(inside), sum(inside)))
    return out


def reliability_table(values: Sequence[tuple[str, float, bool]]) -> Table:
    wrong = [c for _, c, right in values if not right]
    top = max(wrong, default=None)
    title = (f"values read: {len(values):,}; wrong: {len(wrong)}; highest confidence of a wrong"
             f" value: {'–' if top is None else f'{top:.3f}'}; review bar {REVIEW_BAR}")
    t = Table(title=title, title_justify="left")
    for name in ("confidence", "values", "right", "right %", "wrong"):
        t.add_column(name, justify="right")
    for label, n, right in reliability(values):
        t.add_row(label, f"{n:,}", f"{right:,}", f"{100 * right / n:.1f}" if n else "–",
                  str(n - right))
    return t


def plot(values: Sequence[tuple[str, float, bool]], target: Path) -> Path | None:
    """Share of values right per confidence bin, with the counts and the review bar."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    bins = reliability(values)
    shown = [(label, n, right) for label, n, right in bins if n]
    fig = Figure(figsize=(8, 4.2), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    xs = range(len(shown))
    ax.bar(xs, [100 * r / n for _, n, r in shown], color="#4a7bb7")
    for x, (_, n, r) in zip(xs, shown, strict=True):
        ax.text(x, 100 * r / n + 1, f"{r}/{n}", ha="center", fontsize=8)
    ax.set_xticks(list(xs), [label for label, _, _ in shown], rotation=30, fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("values right (%)")
    ax.set_xlabel("confidence of the value read")
    cut = next((i for i, (label, _, _) in enumerate(shown)
                if float(label.split("–")[0]) >= REVIEW_BAR), None)
    if cut is not None:
        ax.axvline(cut - 0.5, color="#c0392b", linestyle="--")
        ax.text(cut - 0.45, 104, f"review bar {REVIEW_BAR}", color="#c0392b", fontsize=8)
    ax.set_title("Scans: how often a value is right at each confidence")
    fig.tight_layout()
    fig.savefig(target)
    return target


# --- output -------------------------------------------------------------------------------------


def table(rows: dict[str, Tally], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for i, name in enumerate(COLUMNS):
        t.add_column(name, justify="left" if i == 0 else "right")
    for variant in VARIANTS:
        if variant in rows:
            t.add_row(*rows[variant].row())
    return t


ABOUT = """\
```sh
.venv/bin/python -m bench.scan --n 17 --readme      # 17 forms × 6 kinds of scan, seed 0
.venv/bin/python -m bench.scan --n 17 --keep /tmp/scans          # keep the corpus ...
.venv/bin/python -m bench.scan --corpus /tmp/scans --variants photo   # ... and read it again
```

`bench.scan` prints our own forms (`tests.corpus` kind `docx-ours`, through LibreOffice),
degrades each as `tests/scancorpus.py` says (300 and 200 dpi flatbed scans, skewed 0.5–3°,
pages turned 90°/180°/270°, red stamp and blue signature in colour, phone photo without a
resolution), reads every file with `parsers.parse_file`, validates it as intake does and scores
it field by field.  `--readme` rewrites this section (and only it).

| column | meaning |
| --- | --- |
| fields | fields checked against the truth (as `bench.parse` counts them) |
| right % | fields read exactly right / fields checked; a field not read is not right |
| wrong | values read that differ from the truth, sent to review or not |
| silent | wrong values on forms **not** sent to review: the goal is 0 on every kind |
| review: valid / invalid | forms sent to a person / forms, among valid and invalid ones |
| wall, CPU s/page | `parse_file` per page: wall time, and CPU of this process and its \
Tesseract children (all cores) |
| floor CPU s/page | Tesseract `vie` alone, one thread, psm 3, on the same pages |

Goals (issue 4): ≥ 99 % of fields right on clean 300 dpi scans, 0 silent errors on every kind,
≤ 1.3 CPU seconds per page for the whole scan path.  The reliability table counts every value
read by its confidence: the review bar must stand above the confidence of every wrong value.
"""


def markdown(rows: dict[str, Tally], values: Sequence[tuple[str, float, bool]], command: str,
             note: str) -> str:
    lines = [ABOUT, f"### {dt.date.today().isoformat()}: `{command}`", "", note, "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for variant in VARIANTS:
        if variant in rows:
            lines.append("| " + " | ".join(rows[variant].row()) + " |")
    wrong = [c for _, c, right in values if not right]
    lines += ["", f"Reliability ({len(values):,} values read; review bar {REVIEW_BAR}; highest"
              f" confidence of a wrong value {max(wrong, default=0.0):.3f}):", "",
              "| confidence | values | right | right % |", "|---|---|---|---|"]
    for label, n, right in reliability(values):
        if n:
            lines.append(f"| {label} | {n:,} | {right:,} | {100 * right / n:.1f} |")
    return "\n".join(lines) + "\n"


def append_readme(text: str) -> None:
    """Write the run as the "## Scans" section of ``bench/README.md``, at its end.

    The section is replaced, never appended twice: everything from its heading to the next
    ``## `` heading (or the end of the file) is this bench's; other sections stay as they are."""
    existing = README.read_text(encoding="utf-8") if README.exists() else ""
    README.write_text(with_section(existing, "Scans", text), encoding="utf-8")


def with_section(document: str, heading: str, body: str) -> str:
    """``document`` with its ``## heading`` section's body replaced by ``body`` (added at the end
    if the section is missing)."""
    lines = document.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"## {heading}"), None)
    section = f"## {heading}\n\n{body.rstrip()}\n"
    if start is None:
        head = document.rstrip("\n")
        return (head + "\n\n" if head else "") + section
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    before = "".join(lines[:start])
    after = "".join(lines[end:])
    return before + section + ("\n" + after if after else "")


def load_cases(folder: Path, variants: Sequence[str]) -> list[ScanCase]:
    """A corpus written before (``--keep``), read back from its truth files."""
    cases = []
    for variant in variants:
        for truth in sorted((folder / variant).glob("*.json")):
            scan = next(p for p in (truth.with_suffix(".pdf"), truth.with_suffix(".tif"))
                        if p.exists())
            expected: dict[str, Any] = json.loads(truth.read_text(encoding="utf-8"))
            pages = len(_pages(scan))
            cases.append(ScanCase(scan, variant, expected, pages))
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100, help="forms per variant (default 100)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help=f"comma-separated, of: {', '.join(VARIANTS)}")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    ap.add_argument("--corpus", type=Path, help="read a corpus kept before instead of making one")
    ap.add_argument("--report", type=Path, default=Path("outputs/bench"),
                    help="where scan-reliability.png and scan-results.jsonl go")
    ap.add_argument("--floor-files", type=int, default=10,
                    help="files per variant whose pages Tesseract alone reads (the floor)")
    ap.add_argument("--readme", action="store_true", help="append the table to bench/README.md")
    args = ap.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := [v for v in variants if v not in VARIANTS]:
        ap.error(f"unknown variants: {', '.join(unknown)}")
    console = Console(width=180)
    args.report.mkdir(parents=True, exist_ok=True)
    tmp = None if (args.keep or args.corpus) else tempfile.mkdtemp(prefix="bench-scan-")
    try:
        start = time.perf_counter()
        loads = [os.getloadavg()[0]]
        if args.corpus:
            cases = load_cases(args.corpus, variants)
        else:
            folder = args.keep or Path(str(tmp))
            cases = make_scans(folder, args.n, args.seed, variants)
        made = time.perf_counter() - start
        rows, values = run(cases, args.floor_files, args.report, loads)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    cores = os.cpu_count() or 1
    made_how = (f"read from the corpus kept in {args.corpus}" if args.corpus
                else f"seed {args.seed}, made in {made:.0f} s, not counted")
    note = (f"{len(cases)} scanned forms ({made_how}),"
            f" {cores} cores, Tesseract {_tesseract_version()}; pages of a file read in parallel."
            f" The machine was shared with other sessions' work: 1-minute load average"
            f" {min(loads):.1f}–{max(loads):.1f} during the run (wall times inflated by it; CPU"
            f" seconds less so).")
    console.print(table(rows, note))
    console.print(reliability_table(values))
    drawn = plot(values, args.report / "scan-reliability.png")
    if drawn:
        console.print(f"reliability plot: {drawn}")
    if args.readme:
        command = "python -m bench.scan " + " ".join(argv if argv is not None else sys.argv[1:])
        append_readme(markdown(rows, values, command.strip(), note))
    return 0


def _tesseract_version() -> str:
    from parsers.ocr import ocr_version

    return ocr_version()  # the one that read the pages (the kept-loaded one's, if in use)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
