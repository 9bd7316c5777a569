"""Prefect's share of a province-sized batch: the same work run directly and through the flows.

``python -m bench.flows`` builds a synthetic province (17 committees × 25 đảng bộ cơ sở × 10
chi bộ by default: 4,692 units), writes one retyped Mẫu 02-TĐG per chi bộ (4,250 .docx) once,
then runs the same batch twice, each time on a fresh workspace holding a copy of that inbox:

- **direct**: ``run_intake`` → ``evaluate_workspace`` → ``documents.produce`` (the year's
  decisions, one per committee), plain calls, no Prefect imported into the work;
- **Prefect**: ``flows.pipeline.run_all`` (a parent flow, three subflows, the intake in batches
  of tasks, artifacts), against a local Prefect server already running (SQLite, as
  ``bontot serve`` starts it).

The share is (Prefect − direct) / Prefect.  The server's start-up is a one-off of ``bontot
serve`` (and of each ``bontot run``, whose temporary server starts with it): measured and shown
apart, not in the share.  ``--pdf`` adds the PDF of each decision (LibreOffice) to both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (telemetry off before Prefect is imported)
from bontot.models import Unit, UnitKind
from bontot.readers import stop_readers
from bontot.roster import write_roster
from bontot.service import import_roster
from bontot.workspace import Workspace, init_workspace

YEAR = 2024
K = UnitKind


@dataclass(frozen=True)
class Timing:
    step: str
    direct: float
    prefect: float

    def row(self) -> list[str]:
        share = (self.prefect - self.direct) / self.prefect if self.prefect else 0.0
        return [self.step, f"{self.direct:,.1f}", f"{self.prefect:,.1f}",
                f"{self.prefect - self.direct:+,.1f}", f"{100 * share:.1f} %"]


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process (every thread) with the processes it started that have ended
    (the intake's readers, stopped at the end of each half, and the OCR and LibreOffice they or
    this process ran), and of those still running (the Prefect server, when one runs)."""
    import resource

    import psutil

    me = psutil.Process()
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    running = 0.0
    for child in me.children(recursive=True):
        try:
            running += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return sum(me.cpu_times()[:2]) + ended.ru_utime + ended.ru_stime, running


def server_idle_rate(seconds: float = 30) -> float:
    """CPU seconds per second the idle Prefect server spends (its services poll)."""
    before = cpu_seconds()[1]
    time.sleep(seconds)
    return (cpu_seconds()[1] - before) / seconds


def province(committees: int, grassroots: int, chi_bo: int) -> list[Unit]:
    """A province tree of the given shape, every committee able to issue documents."""
    units = [Unit("TU", "Đảng bộ tỉnh Sông Xanh", K.DANG_BO_TINH,
                  issuer_name="TỈNH ỦY SÔNG XANH")]
    for c in range(1, committees + 1):
        code = f"H{c:02d}"
        units.append(Unit(
            code, f"Đảng bộ huyện Số {c}", K.DANG_BO_TRUC_THUOC, "TU", recognising=True,
            issuer_name=f"HUYỆN ỦY SỐ {c}", abbreviation="HU", place=f"Số {c}",
            signer_name="Nguyễn Văn An", signer_title="BÍ THƯ",
        ))
        for g in range(1, grassroots + 1):
            gcode = f"{code}-{g:02d}"
            units.append(Unit(gcode, f"Đảng bộ xã {c}-{g}", K.DANG_BO_CO_SO, code, members=200))
            for b in range(1, chi_bo + 1):
                units.append(Unit(f"{gcode}-{b:02d}", f"Chi bộ thôn {c}-{g}-{b}", K.CHI_BO,
                                  gcode, members=20))
    return units


def _write_form(args: tuple[str, str, str]) -> None:
    from tests.formgen import form02_values, write_form02

    path, code, name = args
    admitted = 1 + sum(map(ord, code)) % 3  # a little variety in the figures
    write_form02(Path(path), form02_values(code, name, YEAR, t1_admitted=admitted))


def write_inbox(units: Sequence[Unit], folder: Path, workers: int) -> int:
    """One Mẫu 02 per chi bộ, written side by side; all dated a minute ago (settled)."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(folder / f"{u.code}.docx"), u.code, u.name) for u in units if u.kind == K.CHI_BO]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_form, jobs, chunksize=50))
    past = time.time() - 60
    for path, _, _ in jobs:
        os.utime(path, (past, past))
    return len(jobs)


def workspace(root: Path, roster: Path, inbox: Path) -> Workspace:
    shutil.rmtree(root, ignore_errors=True)  # fresh, also when --out keeps an earlier run's
    ws = init_workspace(root)
    import_roster(ws, roster)
    for src in inbox.iterdir():
        shutil.copy2(src, ws.inbox / src.name)  # keeps the old mtime: settled
    return ws


def run_direct(ws: Workspace, pdf: bool) -> dict[str, float]:
    from bontot.documents import DocumentRequest, produce
    from bontot.intake import run_intake
    from bontot.service import evaluate_workspace

    took: dict[str, float] = {}
    cpu = cpu_seconds()
    start = time.perf_counter()
    report = run_intake(ws)
    took["intake"] = time.perf_counter() - start
    assert report.count("stored") == len(report.outcomes), "every form should be stored"
    mark = time.perf_counter()
    evaluate_workspace(ws, sorted(report.years))
    took["evaluate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for year in sorted(report.years):
        produce(ws, DocumentRequest(year=year, pdf=pdf))
    took["documents"] = time.perf_counter() - mark
    took["total"] = time.perf_counter() - start
    stop_readers()  # their CPU counted as ended children
    took["cpu"] = cpu_seconds()[0] - cpu[0]
    return took


def run_prefect(ws: Workspace, pdf: bool, idle_rate: float) -> dict[str, float]:
    from prefect import get_client

    from flows.pipeline import run_all

    cpu = cpu_seconds()
    start = time.perf_counter()
    began = dt.datetime.now(dt.UTC)
    result = run_all(str(ws.root), pdf=pdf)
    total = time.perf_counter() - start
    stop_readers()
    after = cpu_seconds()
    server = after[1] - cpu[1]
    assert result.intake.report.count("stored") == len(result.intake.report.outcomes)
    with get_client(sync_client=True) as client:
        flow_names = {f.id: f.name for f in client.read_flows()}
        runs = client.read_flow_runs()
    steps = {"intake": "intake", "evaluate": "evaluate", "publish": "documents"}
    took = {
        "total": total,
        "cpu": after[0] - cpu[0],  # this process: the flows, the tasks, the work itself
        "server": server - idle_rate * total,  # the server's work for this batch
        "server_idle": idle_rate * total,  # what it spends anyway, batch or not
    }
    for run in runs:  # the server is this bench's own: its runs since ``began`` are the batch's
        step = steps.get(flow_names.get(run.flow_id, ""))
        if step and run.start_time and run.end_time and run.start_time >= began:
            seconds = (run.end_time - run.start_time).total_seconds()
            took[step] = took.get(step, 0.0) + seconds
    return took


def warm_up(inbox: Path) -> None:
    """Import and run the readers and the documents once, outside the timings of both runs."""
    import bontot.documents  # noqa: F401
    from parsers import parse_file

    parse_file(next(inbox.iterdir()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPU, load {load:.1f} at start, Python {sys.version.split()[0]}"


def table(timings: Sequence[Timing], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for name, just in (("step", "left"), ("direct s", "right"), ("Prefect s", "right"),
                       ("Prefect − direct", "right"), ("Prefect's share", "right")):
        t.add_column(name, justify=just)  # type: ignore[arg-type]
    for timing in timings:
        t.add_row(*timing.row())
    return t


def markdown(timings: Sequence[Timing], notes: Sequence[str]) -> str:
    lines = ["| step (wall time unless said) | direct s | Prefect s | Prefect − direct |"
             " Prefect's share |",
             "| --- | ---: | ---: | ---: | ---: |"]
    lines += ["| " + " | ".join(t.row()) + " |" for t in timings]
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flows",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--committees", type=int, default=17)
    parser.add_argument("--grassroots", type=int, default=25, help="đảng bộ cơ sở per committee")
    parser.add_argument("--chi-bo", type=int, default=10, help="chi bộ per đảng bộ cơ sở")
    parser.add_argument("--pdf", action="store_true", help="also convert the decisions to PDF")
    parser.add_argument("--prefect-first", action="store_true",
                        help="run the Prefect half before the direct one")
    parser.add_argument("--no-warm-half", action="store_true",
                        help="skip the direct half run first and not counted (without it, the"
                        " first half measured ran 15-20 %% slower, whichever it was)")
    parser.add_argument("--out", type=Path, help="keep the workspaces here (and reuse the forms"
                        " written there by an earlier run of the same shape)")
    args = parser.parse_args(argv)
    console = Console()
    base = args.out or Path(tempfile.mkdtemp(prefix="bench-flows-"))
    base.mkdir(parents=True, exist_ok=True)
    notes = [machine()]

    units = province(args.committees, args.grassroots, args.chi_bo)
    roster = base / "roster.xlsx"
    write_roster(units, roster)
    mark = time.perf_counter()
    expected = sum(1 for u in units if u.kind == K.CHI_BO)
    kept = base / "inbox"
    if kept.is_dir() and sum(1 for _ in kept.iterdir()) == expected:
        forms = expected  # written by an earlier run with --out: the same batch
    else:
        forms = write_inbox(units, kept, os.cpu_count() or 1)
    console.print(f"{len(units):,} units, {forms:,} forms ready in"
                  f" {time.perf_counter() - mark:,.0f} s ({base})")

    warm_up(base / "inbox")

    def direct_half() -> dict[str, float]:
        took = run_direct(workspace(base / "direct", roster, base / "inbox"), args.pdf)
        console.print(f"direct: {took['total']:,.1f} s")
        return took

    if not args.no_warm_half:  # the first half of a process ran 15-20 % slower, either half
        run_direct(workspace(base / "warm", roster, base / "inbox"), args.pdf)
        stop_readers()
    if not args.prefect_first:
        direct = direct_half()

    from prefect.settings import PREFECT_API_URL

    from flows.server import prefect_api

    host = init_workspace(base / "prefect-server")
    mark = time.perf_counter()
    with prefect_api(host, _free_port()) as url:
        started = time.perf_counter() - mark
        assert PREFECT_API_URL.value() == url
        ws = workspace(base / "prefect", roster, base / "inbox")
        idle = server_idle_rate()
        prefect = run_prefect(ws, args.pdf, idle)
        if args.prefect_first:  # the server idles beside it (its polling: 0.02-0.03 CPU s/s)
            direct = direct_half()
    console.print(f"Prefect: {prefect['total']:,.1f} s (server start {started:,.0f} s, apart)")

    from flows.steps import plan_batches

    batches = len(plan_batches(list(range(forms)), 1))  # type: ignore[arg-type]
    timings = [
        Timing(f"intake ({forms:,} forms; {batches} tasks)", direct["intake"], prefect["intake"]),
        Timing("evaluate (1 year)", direct["evaluate"], prefect["evaluate"]),
        Timing(f"documents ({args.committees} decisions{', PDF' if args.pdf else ''})",
               direct["documents"], prefect["documents"]),
        Timing("whole batch (run-all: 4 flow runs)", direct["total"], prefect["total"]),
        Timing("whole batch, CPU s of the process", direct["cpu"], prefect["cpu"]),
        Timing("… + the Prefect server's CPU s for the batch", direct["cpu"],
               prefect["cpu"] + prefect["server"]),
    ]
    notes += [
        "order: " + ("Prefect first, then direct" if args.prefect_first else
                     "direct first, then Prefect") + (
            "" if args.no_warm_half else ", after a direct half run first and not counted"),
        f"{len(units):,} units ({args.committees} committees × {args.grassroots} đảng bộ cơ sở"
        f" × {args.chi_bo} chi bộ), one Mẫu 02-TĐG .docx per chi bộ, year {YEAR}",
        "Prefect: flows.pipeline.run_all on a local Prefect server (SQLite) already running;"
        f" its start-up, {started:,.0f} s, is a one-off of `bontot serve` (and of each"
        " `bontot run`), not counted above",
        f"the idle Prefect server spends {idle:.2f} CPU s per second (its services poll):"
        f" {prefect['server_idle']:,.0f} s during the batch, left out: it runs batch or not",
        f"measured {dt.date.today():%Y-%m-%d}",
    ]
    console.print(table(timings, "Prefect's share of a province-sized batch"))
    for note in notes:
        console.print(f"- {note}", highlight=False)
    print()
    print(markdown(timings, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
