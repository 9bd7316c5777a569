"""A whole province's batch, end to end: the product against its floor and a naive pipeline.

``python -m bench.province --scale small|province`` builds a synthetic province and its returned
forms, then runs the whole job on a fresh workspace — ``run_intake`` (every file of the inbox),
``evaluate_workspace`` (the years the forms changed), ``documents.produce`` (that year's
decisions, with PDF) — and prints one table: per stage the count, wall time, time per item, CPU
time (this process and its children: LibreOffice, Tesseract), peak memory (this process and its
children together, sampled every 0.2 s); the floor beside it; and the same workload through the
naive pipeline of :mod:`bench.naive`, with the speed-up.

- ``province``: 17 committees, 1,500 grassroots units (one in five a đảng bộ cơ sở with two chi
  bộ, two in five chi bộ cơ sở, two in five those chi bộ), each returning its Mẫu 01-ĐK and its
  Mẫu 02-TĐG of 2024: 3,000 forms, 60 % .docx, 30 % text PDF, 10 % two-page scans;
- ``small``: 3 committees, 30 grassroots units, 60 forms in the same shares (CI).

The forms are those of ``tests.corpus`` (our form filled in Word, four retyped layouts, VNI
fonts; a quarter of them invalid in one of its ways) written for this province's units; text
PDFs are any layout exported by LibreOffice; scans are our form printed and scanned in the
variants of ``tests.scancorpus`` (flatbed 300/200 dpi, skewed, rotated, stamped, a phone's photo
kept as a TIFF).  Each file is dated as the unit sent it (its mtime: the day after signing for
Mẫu 01, two days after for Mẫu 02).  Making them is not timed.

The floor: Tesseract ``vie`` alone, one thread (``OMP_THREAD_LIMIT=1``), CPU seconds per page
measured on a sample of the same pages rendered as the reader sees them, × the scanned pages ÷
the cores; plus LibreOffice's time per document in one batch (one soffice call over a sample
of the documents the run wrote) × the documents.  Reading .docx and text PDFs, checking,
storing and evaluating are taken as free: the floor is what OCR and PDF conversion cost at the
least.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.scan import with_section
from bontot.models import Unit, UnitKind, UnitType

YEAR = 2024
README = Path(__file__).resolve().parent / "README.md"
K = UnitKind
MEDIA = ("docx", "pdf-text", "scan")
MEDIUM_LABEL = {"docx": ".docx", "pdf-text": "text PDF", "scan": "scans"}
GENERATOR = 2  # bump when the forms written change: a kept corpus is then made again
GOOD_SHARE = 0.6  # Mẫu 02 written as a year meeting every criterion (the rest: tests.corpus's)
SHARES = {"docx": 0.6, "pdf-text": 0.3, "scan": 0.1}
DOCX_KINDS = ("docx-ours", "docx-table", "docx-paragraphs", "docx-columns", "docx-numbered",
              "docx-vni")
PDF_LAYOUTS = ("ours", "table", "paragraphs", "columns", "numbered")
SECRETARIES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hữu Cường", "Phạm Minh Dũng",
               "Huỳnh Thanh Hà", "Võ Ngọc Lan", "Đặng Quang Minh", "Bùi Thị Hoa")


@dataclass(frozen=True)
class Scale:
    committees: int
    grassroots: int  # units that return forms (two each)
    naive_share: float  # share of each kind of input the naive pipeline reads
    floor_files: int  # scans whose pages Tesseract alone reads (the floor)


SCALES = {
    "small": Scale(committees=3, grassroots=30, naive_share=1.0, floor_files=2),
    "province": Scale(committees=17, grassroots=1500, naive_share=0.1, floor_files=18),
}


# --- the province -------------------------------------------------------------------------------


def province_units(committees: int, grassroots: int, seed: int = 0) -> list[Unit]:
    """The province, its committees (``bench.flows.province``), and ``grassroots`` units that
    return forms, in blocks of five: a đảng bộ cơ sở, its two chi bộ, two chi bộ cơ sở."""
    from bench.flows import province

    rng = random.Random(f"units:{seed}")
    units = province(committees, 0, 0)
    types = list(UnitType)
    made = 0
    block = 0
    while made < grassroots:
        block += 1
        code = f"H{(block - 1) % committees + 1:02d}"
        base = f"{code}-{block:04d}"
        order = [("D", K.DANG_BO_CO_SO), ("D1", K.CHI_BO), ("D2", K.CHI_BO),
                 ("C1", K.CHI_BO_CO_SO), ("C2", K.CHI_BO_CO_SO)]
        for suffix, kind in order[: grassroots - made]:
            parent = base + "-D" if kind is K.CHI_BO else code
            place = f"{block}"
            name = {K.DANG_BO_CO_SO: f"Đảng bộ xã Số {place}",
                    K.CHI_BO: f"Chi bộ thôn {place}-{suffix[-1]}",
                    K.CHI_BO_CO_SO: f"Chi bộ cơ quan {place}-{suffix[-1]}"}[kind]
            members = rng.randint(90, 250) if kind is K.DANG_BO_CO_SO else rng.randint(12, 40)
            units.append(Unit(f"{base}-{suffix}", name, kind, parent,
                              unit_type=rng.choice(types), members=members,
                              secretary=rng.choice(SECRETARIES)))
            made += 1
    return units


def _install_world(units: list[Unit]) -> Any:
    """Make ``tests.corpus`` write its forms for this province (it reads ``world()``); returns
    the ``world`` it replaced, for the caller to put back (the test suite shares the module)."""
    import tests.corpus as corpus
    from bontot.plan import default_plan_path, load_plan
    from bontot.roster import RosterTree

    counts: dict[str, int] = {}
    for u in units:
        if u.parent_code:
            counts[u.parent_code] = counts.get(u.parent_code, 0) + 1

    class ProvinceWorld(corpus.World):
        def children(self, unit: Unit) -> int:
            return counts.get(unit.code, 0)

    tree = RosterTree(units)
    candidates = tuple(u for u in units if u.kind.is_grassroots_candidate)
    built = ProvinceWorld(load_plan(default_plan_path()), tree, candidates)
    replaced = corpus.world
    corpus.world = lambda: built  # type: ignore[assignment]
    return replaced


@dataclass(frozen=True)
class Job:
    """One returned form to write."""

    unit: str
    code: str  # "01-DK" | "02-TDG"
    medium: str  # a key of MEDIA
    kind: str  # a docx kind, "pdf-<layout>" or a scan variant
    seed: int

    @property
    def stem(self) -> str:
        return f"{self.unit}_mau{self.code[:2]}"


def plan_jobs(units: Sequence[Unit], seed: int) -> list[Job]:
    """Two forms per grassroots unit; the media shared out 60/30/10 at random."""
    from tests.scancorpus import VARIANTS

    rng = random.Random(f"jobs:{seed}")
    slots = [(u.code, code) for u in units if u.kind.is_grassroots_candidate
             for code in ("01-DK", "02-TDG")]
    total = len(slots)
    counts = {"scan": round(total * SHARES["scan"]), "pdf-text": round(total * SHARES["pdf-text"])}
    media = (["scan"] * counts["scan"] + ["pdf-text"] * counts["pdf-text"]
             + ["docx"] * (total - counts["scan"] - counts["pdf-text"]))
    rng.shuffle(media)
    jobs = []
    scans = 0
    for (unit, code), medium in zip(slots, media, strict=True):
        if medium == "docx":
            kind = rng.choice(DOCX_KINDS)
        elif medium == "pdf-text":
            kind = "pdf-" + rng.choice(PDF_LAYOUTS)
        else:
            kind = VARIANTS[scans % len(VARIANTS)]
            scans += 1
        jobs.append(Job(unit, code, medium, kind, seed))
    return jobs


def _truth(job: Job, unit: Unit, rng: random.Random, layout: str, legacy: str | None) -> Any:
    import tests.corpus as corpus

    if job.code == corpus.FORM_01:
        truth = corpus.Truth(corpus.FORM_01, unit, corpus._form01(rng, unit))
        defects: Sequence[str] = corpus.DEFECTS_01
    else:
        truth = corpus.Truth(corpus.FORM_02, unit, corpus._form02(rng, unit, YEAR),
                             title_year=YEAR)
        if rng.random() < GOOD_SHARE:  # a year in which every criterion is met
            from bontot.demo import _good_year

            good = _good_year(rng, unit, truth.values["members_total"], YEAR)
            truth.values.update({k: v for k, v in good.items()
                                 if k not in ("form_code", "secretary_name")})
            truth.values.pop("months_active", None)
            if "sub_cells_total" in truth.values:
                truth.values["sub_cells_four_good"] = truth.values["sub_cells_total"]
        defects = [d for d in corpus.DEFECTS_02 if not (legacy and d.endswith("_ticked"))]
    if rng.random() < corpus.INVALID_SHARE:
        corpus._break(rng, truth, rng.choice(list(defects)), layout == "ours")
    return truth


def _write_job(job: Job, folder: str) -> tuple[str, dict[str, Any], float]:
    """Write one form's .docx (into ``folder``); (file name, truth, received timestamp)."""
    import tests.corpus as corpus

    rng = random.Random(f"{job.seed}:{job.unit}:{job.code}")
    unit = corpus.world().tree.unit(job.unit)
    legacy = None
    if job.medium == "scan" or job.kind in ("docx-ours", "pdf-ours"):
        layout = "ours"
    elif job.kind == "docx-vni":
        layout, legacy = rng.choice(corpus.RETYPED), "vni"
    else:
        layout = job.kind.split("-", 1)[1]
    truth = _truth(job, unit, rng, layout, legacy)
    if layout == "ours":
        blob = corpus.fill_ours(corpus.render_ours(truth), truth, rng)
    else:
        blob = corpus.write_retyped(corpus.make_sheet(rng, truth, legacy=legacy), layout, rng,
                                    legacy)
    path = Path(folder) / f"{job.stem}.docx"
    path.write_bytes(blob)
    signed: dt.date = truth.values["signed_on"]
    received = signed + dt.timedelta(days=1 if job.code == corpus.FORM_01 else 2)
    if job.code == corpus.FORM_02 and received.year not in (YEAR, YEAR + 1):
        received = dt.date(YEAR, 12, 20)  # a wrong year typed on a form sent in time
    received = min(received, dt.date.today() - dt.timedelta(days=1))  # never in the future
    stamp = dt.datetime.combine(received, dt.time(9, 0)).timestamp()
    expected = {**truth.expected(layout), "medium": job.medium, "kind": job.kind,
                "secretary": truth.values.get("secretary_name", "")}
    return path.name, expected, stamp


def _scan_job(args: tuple[str, str, str, str, str, int]) -> tuple[str, int]:
    """Print (render) one exported form, degrade it as ``variant`` and save it; (name, pages)."""
    from tests.scancorpus import QUALITY, Printed, degraded, save_scan

    pdf, secretary, variant, dest, stem, seed = args
    sheets = Printed(stem, {}, Path(pdf), secretary).sheets()
    rng = random.Random(f"{seed}:{variant}:{stem}")
    pages, dpi = degraded(sheets, variant, rng)
    path = save_scan(pages, dpi, Path(dest) / stem, QUALITY[variant])
    return path.name, len(pages)


def _pool_init(units: list[Unit]) -> None:
    _install_world(units)


def make_inbox(units: list[Unit], jobs: Sequence[Job], folder: Path, workers: int
               ) -> dict[str, dict[str, Any]]:
    """Write every form into ``folder/inbox`` (dated as received); return the manifest: file
    name → truth, medium, kind, pages."""
    from bontot import office

    inbox, src = folder / "inbox", folder / "src"
    for f in (inbox, src):
        shutil.rmtree(f, ignore_errors=True)
        f.mkdir(parents=True)
    manifest: dict[str, dict[str, Any]] = {}
    stamps: dict[str, float] = {}
    with ProcessPoolExecutor(workers, initializer=_pool_init, initargs=(units,)) as pool:
        targets = [str(inbox if j.medium == "docx" else src) for j in jobs]
        for job, (name, expected, stamp) in zip(
                jobs, pool.map(_write_job, jobs, targets, chunksize=20), strict=True):
            manifest[name if job.medium == "docx" else job.stem] = expected
            stamps[name if job.medium == "docx" else job.stem] = stamp
        exported = [src / f"{j.stem}.docx" for j in jobs if j.medium != "docx"]
        pdfs = office.convert(exported, "pdf", src / "pdf", timeout=1800) if exported else {}
        for job in jobs:
            if job.medium == "pdf-text":
                shutil.move(pdfs[src / f"{job.stem}.docx"], inbox / f"{job.stem}.pdf")
                manifest[f"{job.stem}.pdf"] = manifest.pop(job.stem)
                stamps[f"{job.stem}.pdf"] = stamps.pop(job.stem)
        scan_jobs = [(str(pdfs[src / f"{j.stem}.docx"]), manifest[j.stem]["secretary"], j.kind,
                      str(inbox), j.stem, j.seed) for j in jobs if j.medium == "scan"]
        for (_, _, _, _, stem, _), (name, pages) in zip(
                scan_jobs, pool.map(_scan_job, scan_jobs), strict=True):
            manifest[name] = {**manifest.pop(stem), "pages": pages}
            stamps[name] = stamps.pop(stem)
    for name, stamp in stamps.items():
        os.utime(inbox / name, (stamp, stamp))
    shutil.rmtree(src, ignore_errors=True)
    return manifest


def prepare(scale_name: str, seed: int, base: Path, workers: int
            ) -> tuple[list[Unit], Path, dict[str, dict[str, Any]], float]:
    """The roster file and the inbox (reused from ``base`` when an earlier run of the same scale
    and seed left them there); (units, roster, manifest, seconds spent making them)."""
    from bontot.roster import write_roster

    scale = SCALES[scale_name]
    units = province_units(scale.committees, scale.grassroots, seed)
    roster = base / "roster.xlsx"
    manifest_path = base / "manifest.json"
    key = {"scale": scale_name, "seed": seed, "grassroots": scale.grassroots,
           "generator": GENERATOR}
    start = time.perf_counter()
    if manifest_path.is_file():
        kept = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = kept.get("files", {})
        if kept.get("key") == key and roster.is_file() and all(
                (base / "inbox" / n).is_file() for n in files):
            return units, roster, files, 0.0
    base.mkdir(parents=True, exist_ok=True)
    write_roster(units, roster)
    import tests.corpus as corpus

    replaced = _install_world(units)
    try:
        manifest = make_inbox(units, plan_jobs(units, seed), base, workers)
    finally:
        corpus.world = replaced  # type: ignore[assignment]
    manifest_path.write_text(json.dumps({"key": key, "files": manifest}, ensure_ascii=False),
                             encoding="utf-8")
    return units, roster, manifest, time.perf_counter() - start


def new_workspace(root: Path, roster: Path, inbox: Path, names: Sequence[str]) -> Any:
    from bontot.service import import_roster
    from bontot.workspace import init_workspace

    shutil.rmtree(root, ignore_errors=True)
    ws = init_workspace(root)
    import_roster(ws, roster)
    for name in names:
        shutil.copy2(inbox / name, ws.inbox / name)  # keeps the mtime: received, settled
    return ws


# --- measuring ----------------------------------------------------------------------------------


def cpu_now(live: bool = True) -> float:
    """CPU seconds of this process (every thread) and of its children that have ended; with
    ``live``, also of the descendants still running (a pool, a server), read from /proc."""
    from bench.naive import cpu_now as naive_cpu

    return naive_cpu(live)


class MemorySampler:
    """The largest resident set of this process and its children together, every 0.2 s;
    with this process's own high-water mark (``VmHWM``, reset at each :meth:`stage`)."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _total(self) -> int:
        import psutil

        total = self._me.memory_info().rss
        for child in self._me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self._peak = max(self._peak, self._total())
            except Exception:  # noqa: BLE001  a process gone between listing and reading
                pass

    @contextmanager
    def stage(self) -> Iterator[dict[str, float]]:
        out: dict[str, float] = {}
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        self._peak = self._total()
        yield out
        own = _vm_hwm()
        out["peak_mb"] = max(self._peak, own) / 2**20

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _vm_hwm() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class Stage:
    """One row: what was done, how long, and what the naive pipeline took for it."""

    name: str
    count: int
    unit: str  # what the count counts
    wall: float
    cpu: float
    peak_mb: float | None = None
    floor: float | None = None
    naive_wall: float | None = None
    naive_cpu: float | None = None
    note: str = ""

    def cells(self) -> list[str]:
        per = self.wall / self.count if self.count else 0.0
        naive_per = (self.naive_wall / self.count if self.count and self.naive_wall is not None
                     else None)
        return [
            self.name + (f" ({self.note})" if self.note else ""),
            f"{self.count:,} {self.unit}",
            f"{self.wall:,.1f}",
            _duration(per),
            f"{self.cpu:,.1f}",
            "–" if self.peak_mb is None else f"{self.peak_mb:,.0f}",
            "–" if self.floor is None else f"{self.floor:,.1f}",
            "–" if not self.floor else f"×{self.wall / self.floor:.2f}",
            "–" if self.naive_wall is None else f"{self.naive_wall:,.1f}",
            "–" if naive_per is None else _duration(naive_per),
            "–" if self.naive_cpu is None else f"{self.naive_cpu:,.1f}",
            "–" if not self.naive_wall or not self.wall else f"×{self.naive_wall / self.wall:.1f}",
        ]


COLUMNS = ("stage", "count", "wall s", "per item", "CPU s", "peak MB", "floor s",
           "run ÷ floor", "naive wall s", "naive per item", "naive CPU s", "speed-up")


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:,.2f} s"


@dataclass
class Result:
    """What one run measured and found (the test reads it)."""

    scale: str
    stages: list[Stage]
    manifest: dict[str, dict[str, Any]]
    outcomes: dict[str, str]  # file name → intake status
    naive_outcomes: dict[str, str]
    documents: list[Path]  # the PDFs the product wrote
    floor: float
    ocr_per_page: float
    lo_per_doc: float
    speedup: float
    notes: list[str] = field(default_factory=list)
    workspace: Path | None = None

    def stage(self, prefix: str) -> Stage:
        return next(s for s in self.stages if s.name.startswith(prefix))


# --- the product --------------------------------------------------------------------------------


def run_product(ws: Any, manifest: dict[str, dict[str, Any]], memory: MemorySampler
                ) -> tuple[dict[str, Any], dict[str, str], list[Path]]:
    """intake → evaluate → documents with PDF, each timed; (timings, outcomes, PDFs)."""
    from bontot.documents import DocumentRequest, produce
    from bontot.intake import run_intake
    from bontot.service import evaluate_workspace

    took: dict[str, Any] = {"files": {}}
    last = [time.perf_counter(), cpu_now()]

    def progress(name: str, i: int, n: int) -> None:
        # after each file stored: the time since the one before, the intake's reader processes
        # (and their OCR) included; with files read side by side, that is the file's share
        now, cpu = time.perf_counter(), cpu_now()
        took["files"][name] = (now - last[0], cpu - last[1])
        last[0], last[1] = now, cpu

    start, cpu0 = time.perf_counter(), cpu_now()
    with memory.stage() as mem:
        last[0], last[1] = time.perf_counter(), cpu_now()
        report = run_intake(ws, progress=progress)
    took["intake"] = (time.perf_counter() - start, cpu_now() - cpu0, mem["peak_mb"])
    outcomes = {o.name: o.status for o in report.outcomes}

    mark, cpu1 = time.perf_counter(), cpu_now()
    with memory.stage() as mem:
        run = evaluate_workspace(ws, sorted(report.years))
    took["evaluate"] = (time.perf_counter() - mark, cpu_now() - cpu1, mem["peak_mb"])
    took["unit_years"] = sum(len(r) for r in run.results.values())

    mark, cpu2 = time.perf_counter(), cpu_now()
    pdfs: list[Path] = []
    with memory.stage() as mem:
        for year in sorted(report.years):
            made = produce(ws, DocumentRequest(year=year, pdf=True))
            pdfs += [f.path for f in made.files if f.path.suffix == ".pdf"]
    took["documents"] = (time.perf_counter() - mark, cpu_now() - cpu2, mem["peak_mb"])
    took["total"] = (time.perf_counter() - start, cpu_now() - cpu0,
                     max(took[s][2] for s in ("intake", "evaluate", "documents")))
    took["years"] = sorted(report.years)
    return took, outcomes, pdfs


# --- the floor ----------------------------------------------------------------------------------


def page_images(path: Path) -> list[tuple[Any, int]]:
    """The pages of a scan as they were scanned, grey, with their resolution (0: unknown): a
    PDF page's one image at its own pixels (rendered at 300 dpi when it is not one image), an
    image's frames as they are."""
    from PIL import Image

    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        try:
            out = []
            for i in range(len(doc)):
                page = doc[i]
                images = list(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)))
                if len(images) == 1:
                    image = images[0].get_bitmap().to_pil().convert("L")
                    out.append((image, round(image.width * 72 / page.get_size()[0])))
                else:
                    out.append((page.render(scale=300 / 72).to_pil().convert("L"), 300))
            return out
        finally:
            doc.close()
    with Image.open(path) as image:
        frames = []
        for i in range(getattr(image, "n_frames", 1)):
            image.seek(i)
            dpi = image.info.get("dpi", (0, 0))[0]
            frames.append((image.convert("L"), round(float(dpi))))
        return frames


def tesseract_floor(scans: Sequence[Path], work: Path) -> tuple[float, int]:
    """Tesseract ``vie`` alone, one thread, on every page of ``scans`` as scanned (sideways
    pages as they are): (CPU s per page, pages)."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    spent, pages = 0.0, 0
    for scan in scans:
        for k, (page, dpi) in enumerate(page_images(scan)):
            png = work / f"floor-{k}.png"
            page.save(png)
            extra = ["--dpi", str(dpi)] if dpi else []
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(["tesseract", str(png), "stdout", "-l", "vie", "--psm", "3", *extra,
                            "tsv"], env=env, capture_output=True, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            spent += after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            pages += 1
    return (spent / pages if pages else 0.0), pages


def libreoffice_floor(pdfs: Sequence[Path], work: Path, sample: int = 20
                      ) -> tuple[float, float, int]:
    """LibreOffice's time per document in one batch: one soffice call converting a sample of
    the .docx the run wrote; (seconds and CPU seconds per document, documents sampled)."""
    from bontot import office

    docx = [p.with_suffix(".docx") for p in pdfs if p.with_suffix(".docx").is_file()][:sample]
    if not docx:
        return 0.0, 0.0, 0
    folder = work / "lo-floor"
    folder.mkdir(exist_ok=True)
    copies = []
    for i, src in enumerate(docx):
        copies.append(folder / f"d{i:03d}.docx")
        shutil.copyfile(src, copies[-1])
    start, cpu = time.perf_counter(), cpu_now()
    office.convert(copies, "pdf", folder / "out", workers=1, chunk_size=len(copies),
                   timeout=1800)
    wall, cpu = time.perf_counter() - start, cpu_now() - cpu
    return wall / len(copies), cpu / len(copies), len(copies)


# --- the run ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample_names(manifest: dict[str, dict[str, Any]], share: float, seed: int
                 ) -> dict[str, list[str]]:
    """Whole units at random (both their forms, so that what the sample stores can still be
    evaluated and decided on) until at least ``share`` of each medium is in; all at 1.0."""
    wanted = {m: sum(1 for e in manifest.values() if e["medium"] == m) for m in MEDIA}
    if share < 1:
        wanted = {m: math.ceil(share * n) for m, n in wanted.items()}
    forms: dict[str, list[str]] = {}
    for name in sorted(manifest):
        forms.setdefault(name.rsplit("_mau", 1)[0], []).append(name)
    units = sorted(forms)
    random.Random(f"naive:{seed}").shuffle(units)
    out: dict[str, list[str]] = {m: [] for m in MEDIA}
    for unit in units:
        if all(len(out[m]) >= wanted[m] for m in MEDIA):
            break
        for name in forms[unit]:
            out[manifest[name]["medium"]].append(name)
    return {m: sorted(names) for m, names in out.items()}


def run(scale_name: str, seed: int = 0, base: Path | None = None, naive_share: float | None = None,
        log: Callable[[str], None] = print) -> Result:
    scale = SCALES[scale_name]
    share = scale.naive_share if naive_share is None else naive_share
    cores = os.cpu_count() or 1
    load_start = os.getloadavg()
    keep = base is not None
    base = base or Path(tempfile.mkdtemp(prefix="bench-province-"))
    notes: list[str] = []
    try:
        units, roster, manifest, made = prepare(scale_name, seed, base, cores)
        counts = {m: sum(1 for e in manifest.values() if e["medium"] == m) for m in MEDIA}
        scan_pages = sum(e.get("pages", 0) for e in manifest.values())
        grassroots = sum(1 for u in units if u.kind.is_grassroots_candidate)
        shares = ", ".join(f"{counts[m]:,} {MEDIUM_LABEL[m]}" for m in MEDIA)
        log(f"{len(units):,} units ({scale.committees} committees, {grassroots:,} grassroots),"
            f" {len(manifest):,} forms ({shares}; {scan_pages} scanned pages) "
            + (f"made in {made:,.0f} s" if made else "reused") + f" ({base})")

        from parsers import parse_file

        parse_file(base / "inbox" / next(n for n, e in manifest.items()
                                          if e["medium"] == "docx"))  # imports: not timed
        import bontot.documents  # noqa: F401

        ws = new_workspace(base / "product", roster, base / "inbox", sorted(manifest))
        memory = MemorySampler()
        try:
            took, outcomes, pdfs = run_product(ws, manifest, memory)
        finally:
            memory.close()
        load_product = os.getloadavg()
        log(f"product: {took['total'][0]:,.1f} s, {took['total'][1]:,.1f} CPU s; "
            + ", ".join(f"{k} {took[k][0]:,.1f} s / {took[k][1]:,.1f} CPU s / {took[k][2]:,.0f} MB"
                        for k in ("intake", "evaluate", "documents"))
            + f"; {len(pdfs)} PDFs; outcomes: {outcome_summary(manifest, outcomes)}")
        for medium in MEDIA:
            mine = [took["files"][n] for n, e in manifest.items()
                    if e["medium"] == medium and n in took["files"]]
            log(f"  {MEDIUM_LABEL[medium]}: {len(mine)} files, {sum(w for w, _ in mine):,.1f} s,"
                f" {sum(c for _, c in mine):,.1f} CPU s")

        with tempfile.TemporaryDirectory(prefix="province-floor-") as tmp:
            scans = sorted(n for n, e in manifest.items() if e["medium"] == "scan")
            by_variant: dict[str, list[str]] = {}
            for name in scans:
                by_variant.setdefault(manifest[name]["kind"], []).append(name)
            picked: list[str] = []
            while len(picked) < min(scale.floor_files, len(scans)):  # round the variants
                for names in by_variant.values():
                    if names and len(picked) < scale.floor_files:
                        picked.append(names.pop(0))
            ocr_page, ocr_sampled = tesseract_floor(
                [base / "inbox" / n for n in picked], Path(tmp))
            lo_doc, lo_cpu, lo_sampled = libreoffice_floor(pdfs, Path(tmp))
        ocr_floor = ocr_page * scan_pages / cores
        lo_floor = lo_doc * len(pdfs)
        floor = ocr_floor + lo_floor
        log(f"floor: {floor:,.1f} s (OCR {ocr_page:.2f} CPU s/page on {ocr_sampled} pages,"
            f" LibreOffice {lo_doc:.2f} s/document on {lo_sampled})")

        sample = sample_names(manifest, share, seed)
        naive_ws = new_workspace(base / "naive", roster, base / "inbox",
                                 [n for names in sample.values() for n in names])
        from bench.naive import run_naive

        groups = {m: [naive_ws.inbox / n for n in sample[m]] for m in MEDIA}
        with tempfile.TemporaryDirectory(prefix="province-naive-") as tmp:
            naive, server_start = run_naive(naive_ws, groups, took["years"], Path(tmp),
                                            _free_port(), log)
        log(f"naive: {naive.stages['total'][0]:,.1f} s as run")
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)

    # --- the rows
    files = took["files"]
    stages: list[Stage] = []
    naive_intake_wall = naive_intake_cpu = 0.0
    for medium in MEDIA:
        names = [n for n, e in manifest.items() if e["medium"] == medium]
        wall = sum(files[n][0] for n in names if n in files)
        cpu = sum(files[n][1] for n in names if n in files)
        n_wall, n_cpu = naive.stages.get(f"intake:{medium}", (0.0, 0.0))
        factor = len(names) / len(sample[medium]) if sample[medium] else 0.0
        naive_intake_wall += n_wall * factor
        naive_intake_cpu += n_cpu * factor
        note = ""
        if medium == "scan":
            pages = scan_pages
            note = f"{pages} pages, {_duration(wall / pages if pages else 0)} per page"
        if factor > 1:
            note += ("; " if note else "") + f"naive on {len(sample[medium])}, ×{factor:.1f}"
        stages.append(Stage(f"intake: {MEDIUM_LABEL[medium]}", len(names), "files", wall, cpu,
                            floor=ocr_floor if medium == "scan" else None,
                            naive_wall=n_wall * factor, naive_cpu=n_cpu * factor, note=note))
    wall, cpu, peak = took["intake"]
    stages.append(Stage("intake (all)", len(manifest), "files", wall, cpu, peak,
                        floor=ocr_floor, naive_wall=naive_intake_wall,
                        naive_cpu=naive_intake_cpu))
    wall, cpu, peak = took["evaluate"]
    # The naive evaluate and documents work on what its intake stored: at a sample, fewer
    # unit-years and perhaps fewer decisions; their times are scaled to the product's counts.
    scaled: dict[str, tuple[float, float]] = {}
    for key, ours, theirs in (("evaluate", took["unit_years"], naive.units),
                              ("documents", len(pdfs), naive.documents)):
        n_wall, n_cpu = naive.stages[key]
        factor = ours / theirs if theirs and ours != theirs else 1.0
        scaled[key] = (n_wall * factor, n_cpu * factor)
    stages.append(Stage("evaluate", took["unit_years"], "unit-years", wall, cpu, peak,
                        naive_wall=scaled["evaluate"][0], naive_cpu=scaled["evaluate"][1],
                        note=_scaled_note(naive.units, took["unit_years"])))
    wall, cpu, peak = took["documents"]
    stages.append(Stage("documents with PDF", len(pdfs), "PDFs", wall, cpu, peak,
                        floor=lo_floor, naive_wall=scaled["documents"][0],
                        naive_cpu=scaled["documents"][1],
                        note=_scaled_note(naive.documents, len(pdfs))))
    total_wall, total_cpu, peak = took["total"]
    n_total, n_total_cpu = naive.stages["total"]
    as_run = [naive.stages.get(f"intake:{m}", (0.0, 0.0)) for m in MEDIA]
    as_run += [naive.stages["evaluate"], naive.stages["documents"]]
    naive_total = (n_total - sum(w for w, _ in as_run) + naive_intake_wall
                   + scaled["evaluate"][0] + scaled["documents"][0])
    naive_total_cpu = (n_total_cpu - sum(c for _, c in as_run) + naive_intake_cpu
                       + scaled["evaluate"][1] + scaled["documents"][1])
    stages.append(Stage("whole run", len(manifest), "files", total_wall, total_cpu, peak,
                        floor=floor, naive_wall=naive_total, naive_cpu=naive_total_cpu))

    speedup = naive_total / total_wall if total_wall else 0.0
    floor_cpu = ocr_page * scan_pages + lo_cpu * len(pdfs)
    load = os.getloadavg()
    notes += [
        f"{len(units):,} units: {scale.committees} committees, {grassroots:,} grassroots units"
        f" returning Mẫu 01-ĐK and Mẫu 02-TĐG {YEAR}; {len(manifest):,} files: "
        + ", ".join(f"{counts[m]:,} {MEDIUM_LABEL[m]}" for m in MEDIA)
        + f" ({scan_pages} pages); a quarter of the forms invalid (tests.corpus); seed {seed}",
        f"floor = Tesseract vie, one thread, {ocr_page:.2f} CPU s/page (on {ocr_sampled} pages"
        f" of the same scans) × {scan_pages} pages ÷ {cores} cores = {ocr_floor:,.1f} s"
        f" + LibreOffice {lo_doc:.2f} s/document in one batch (on {lo_sampled})"
        f" × {len(pdfs)} PDFs = {lo_floor:,.1f} s",
        f"whole run ÷ floor: ×{total_wall / floor:.2f} (goal ≤ ×1.25)" if floor else
        "floor: 0 (no scans, no documents)",
        f"in CPU seconds, which the machine's load does not inflate: the whole run spent"
        f" {total_cpu:,.1f} CPU s, the floor's work is {floor_cpu:,.1f} CPU s (Tesseract"
        f" {ocr_page * scan_pages:,.1f} + LibreOffice {lo_cpu:.2f}/document × {len(pdfs)}):"
        f" ×{total_cpu / floor_cpu:.2f}" if floor_cpu else "",
        f"speed-up over the naive pipeline: ×{speedup:.1f} (goal ≥ ×5)",
        "naive: one Prefect task per file (local Prefect server, SQLite; its start-up,"
        f" {server_start:.0f} s, not counted), pdfplumber on every page, OCRmyPDF (defaults) for"
        " scans, the product's intake per file, a cold soffice per document"
        + ("" if share >= 1 else
           f"; intake on random units (both their forms) until ≥ {share:.0%} of each kind"
           " is in, times scaled up by kind;"
           " evaluate and documents run on what that sample stored, their times scaled by"
           " unit-years and PDFs"),
        "CPU: this process, its children that ended (getrusage) and those still running at the"
        " end of a stage (/proc: for the naive pipeline, its Prefect server); peak: this"
        " process and its children together, sampled every 0.2 s; per item = wall ÷ count",
        f"outcomes: {outcome_summary(manifest, outcomes)}",
        f"naive outcomes: {outcome_summary(manifest, naive.outcomes)}",
        f"{cores} cores; load average (1/5/15 min) {_load(load_start)} at the start,"
        f" {_load(load_product)} after the product's run, {_load(load)} after the naive one"
        f" (the product alone keeps it near {cores}: more during its run means other jobs"
        " shared the cores and its wall times are longer by as much; the naive pipeline"
        " drives it far higher by itself, its OCRmyPDF runs side by side each starting"
        f" several Tesseract threads); Python {sys.version.split()[0]};"
        f" {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    ]
    notes = [n for n in notes if n]
    return Result(scale_name, stages, manifest, outcomes, naive.outcomes, pdfs, floor, ocr_page,
                  lo_doc, speedup, notes, base / "product" if keep else None)


def _scaled_note(naive: int, ours: int) -> str:
    return "" if naive == ours else f"naive had {naive:,}, ×{ours / naive:.1f}" if naive else (
        f"naive had {naive}")


def _load(avg: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.1f}" for x in avg)


def outcome_summary(manifest: dict[str, dict[str, Any]], outcomes: dict[str, str]) -> str:
    """Per medium: valid forms stored, valid sent to review, invalid sent to review, invalid
    stored (silent: must be 0)."""
    parts = []
    for medium in MEDIA:
        names = [n for n, e in manifest.items() if e["medium"] == medium and n in outcomes]
        if not names:
            continue
        valid = [n for n in names if not manifest[n]["needs_review"]]
        invalid = [n for n in names if manifest[n]["needs_review"]]
        stored = sum(outcomes[n] == "stored" for n in valid)
        caught = sum(outcomes[n] == "review" for n in invalid)
        silent = sum(outcomes[n] == "stored" for n in invalid)
        other = [outcomes[n] for n in names if outcomes[n] not in ("stored", "review")]
        parts.append(f"{MEDIUM_LABEL[medium]}: valid stored {stored}/{len(valid)}, invalid to"
                     f" review {caught}/{len(invalid)}, invalid stored {silent}"
                     + "".join(f", {other.count(s)} {s}" for s in sorted(set(other))))
    return "; ".join(parts)


# --- output -------------------------------------------------------------------------------------


def table(result: Result, title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for i, name in enumerate(COLUMNS):
        t.add_column(name, justify="left" if i == 0 else "right")
    for stage in result.stages:
        t.add_row(*stage.cells(), end_section=stage.name == "intake (all)"
                  or stage.name.startswith("documents"))
    return t


def markdown(result: Result, command: str) -> str:
    lines = [f"### {dt.date.today():%Y-%m-%d}: `{command}`", "",
             "| " + " | ".join(COLUMNS) + " |",
             "| --- |" + " ---: |" * (len(COLUMNS) - 1)]
    lines += ["| " + " | ".join(s.cells()) + " |" for s in result.stages]
    lines += [""] + [f"- {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


INTRO = """\
The whole job on a synthetic province, against its floor and a naive pipeline.

```sh
.venv/bin/python -m bench.province --scale small     # 60 forms: 3-8 min, as the machine is loaded
.venv/bin/python -m bench.province --scale province --out /tmp/prov --readme
    # 3,000 forms: 15-35 min to make them (kept in /tmp/prov and reused), then about 25 min
```

`bench.province` builds the province (`province`: 17 committees, 1,500 grassroots units each
returning Mẫu 01-ĐK and Mẫu 02-TĐG 2024, 3,000 files: 60 % .docx, 30 % text PDF, 10 % two-page
scans; `small`: 3 committees, 30 units, 60 files), forms from `tests/corpus.py` written for its
units (a quarter invalid), scans in the variants of `tests/scancorpus.py`.  It then runs
`run_intake` → `evaluate_workspace` → `produce(DocumentRequest(year=2024, pdf=True))` on a fresh
workspace and the same inbox through `bench/naive.py` (one Prefect task per file, pdfplumber on
every page, OCRmyPDF with its defaults for scans, a cold `soffice` per document).  At
`--scale province` the naive intake reads random units (both their forms) until it has 10 % of
each kind, and its times are scaled up by kind.
`--readme` rewrites this section.  Needs LibreOffice, Tesseract `vie`, and for the naive
pipeline OCRmyPDF (dev extra) with Ghostscript (`scripts/setup.sh`).

| column | meaning |
| --- | --- |
| count | files, unit-years evaluated, or PDFs written |
| wall s, per item | elapsed seconds of the stage, and ÷ count (intake by kind: the files' own \
times, taken after each file) |
| CPU s | this process, its children that ended (LibreOffice, Tesseract: `getrusage`) and \
those still running at the end of a stage (`/proc`) |
| peak MB | largest resident memory of this process and its children together (sampled \
every 0.2 s) |
| floor s | Tesseract `vie` single-thread CPU s per page × pages ÷ cores (scans), plus \
LibreOffice's batch time per document × documents; nothing else counts |
| run ÷ floor | wall ÷ floor (goal for the whole run: ≤ 1.25) |
| naive … | the same stage in the naive pipeline (scaled when sampled) |
| speed-up | naive wall ÷ wall (goal for the whole run: ≥ 5) |
"""


def scale_blocks(document: str) -> dict[str, str]:
    """The measured runs kept in the Province section: scale → its ``### `` block."""
    lines = document.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "## Province"), None)
    blocks: dict[str, str] = {}
    if start is None:
        return blocks
    current: str | None = None
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("### "):
            current = next((name for name in SCALES if f"--scale {name}" in line), None)
            if current:
                blocks[current] = ""
        if current:
            blocks[current] += line
    return blocks


def write_readme(result: Result, command: str) -> None:
    """Write the Province section of bench/README.md: what the bench does, then the latest run
    of each scale (this one replacing the last of its scale)."""
    existing = README.read_text(encoding="utf-8") if README.exists() else ""
    blocks = {**scale_blocks(existing), result.scale: markdown(result, command)}
    runs = [blocks[name].rstrip() + "\n" for name in ("province", "small") if name in blocks]
    body = INTRO + "\n" + "\n".join(runs)
    README.write_text(with_section(existing, "Province", body), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.province",
                                 description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="keep the forms and workspaces here (and reuse the"
                    " forms an earlier run of the same scale and seed left there)")
    ap.add_argument("--naive-share", type=float,
                    help="share of each kind the naive pipeline reads (default: all at small,"
                    " 0.1 at province)")
    ap.add_argument("--readme", action="store_true",
                    help="write the table into the Province section of bench/README.md")
    args = ap.parse_args(argv)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    console = Console(width=200)
    result = run(args.scale, args.seed, args.out, args.naive_share,
                 log=lambda s: console.print(s, highlight=False))
    share = SCALES[args.scale].naive_share if args.naive_share is None else args.naive_share
    title = f"bench.province --scale {args.scale}" + (
        "" if share >= 1 else f" (naive intake on a random {share:.0%} of each kind, scaled up)")
    console.print(table(result, title))
    for note in result.notes:
        console.print(f"- {note}", highlight=False)
    if args.readme:
        command = "python -m bench.province " + " ".join(
            argv if argv is not None else sys.argv[1:])
        write_readme(result, command.strip())
        console.print(f"written: {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
