"""``bontot documents`` killed with SIGKILL at random moments, then run again to completion: the
end state is that of an uninterrupted run (issue 8, item 3).

Twenty kills, each on a fresh copy of one of two workspaces: the demo province with nothing
produced yet, and the same province whose documents were produced once already with another
date (so the killed run is overwriting files and PDFs it recorded before).  Four of the kills hit
runs that convert to PDF with the real LibreOffice; the others run ``--no-pdf``.  The delays are
seeded and spread over the duration of an uninterrupted run of the same kind, measured first.

After each re-run the outputs folder must hold exactly the reference's files (no temporary
file, folder or LibreOffice lock left behind), each .docx and .xlsx byte for byte (rendering is
deterministic), each PDF with the same pages and text, and the store's ``documents`` table the
same records, none doubled, each naming the file's real SHA-256.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml

from bontot.plan import default_plan_path
from bontot.service import load_demo
from bontot.workspace import init_workspace

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed"),
]

KILLS = 20
PDF_KILLS = {0, 5, 10, 15}  # which of the kills hit a run with PDF (two of each workspace)
FIRST_DAY, SECOND_DAY = dt.date(2025, 6, 2), dt.date(2025, 6, 30)
CAP_PERCENT = 5  # fewer Giấy khen: shorter runs, the same kinds of document


@dataclass(frozen=True)
class Kind:
    """One kind of run: from which workspace, with or without PDF."""

    again: bool  # the workspace had its documents produced once already (with FIRST_DAY)
    pdf: bool

    def args(self, root: Path) -> list[str]:
        return [sys.executable, "-m", "bontot.cli", "documents", str(root), "--review", "so-ket",
                "--date", SECOND_DAY.isoformat(), "--pdf" if self.pdf else "--no-pdf"]


def _env(tmp: Path) -> dict[str, str]:
    # A private TMPDIR: the soffice a killed run leaves behind (it runs in its own session, so
    # the SIGKILL does not reach it) can be found by it and stopped before the next run.
    return {**os.environ, "COLUMNS": "200", "TMPDIR": str(tmp)}


def _run(kind: Kind, root: Path, tmp: Path) -> float:
    start = time.monotonic()
    done = subprocess.run(kind.args(root), capture_output=True, text=True, env=_env(tmp),
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return time.monotonic() - start


def _orphans(tmp: Path) -> list[int]:
    """LibreOffice processes started by a killed run (their command line names our TMPDIR)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(tmp).encode() in cmdline:
            found.append(int(entry.name))
    return found


def _stop_orphans(tmp: Path) -> None:
    deadline = time.monotonic() + 30
    while (pids := _orphans(tmp)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    assert not _orphans(tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf(path: Path) -> tuple[int, tuple[str, ...]]:
    """A PDF as a reader sees it: its pages' text (LibreOffice's bytes differ run to run)."""
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        return 0, ("unreadable",)
    try:
        pages = []
        for page in doc:
            text = page.get_textpage()
            pages.append(" ".join(text.get_text_range().split()))
            text.close()
            page.close()
        return len(pages), tuple(pages)
    finally:
        doc.close()


def _state(root: Path) -> dict[str, object]:
    outputs = root / "outputs"
    entries = sorted(p.relative_to(outputs).as_posix() for p in outputs.rglob("*"))
    content = {}
    for p in sorted(outputs.rglob("*")):
        if p.is_file():
            rel = p.relative_to(outputs).as_posix()
            content[rel] = _pdf(p) if p.suffix == ".pdf" else _sha(p)
    with sqlite3.connect(root / "bontot.db") as db:
        rows = db.execute(
            "SELECT id, kind, scope, committee_code, path, sha256, inputs_sha256 FROM documents"
        ).fetchall()
        evaluations = db.execute("SELECT count(*) FROM evaluations").fetchone()[0]
    # PDF bytes differ from run to run: a record is compared by what it names, and its SHA-256
    # must be the file's own.
    records = collections.Counter(
        (kind, scope, committee, path, inputs, None if kind.endswith(".pdf") else sha)
        for _, kind, scope, committee, path, sha, inputs in rows
    )
    latest: dict[tuple[str, str, str], tuple[int, str, str]] = {}
    for id_, kind, scope, committee, path, sha, _ in rows:
        if (kind, scope, committee) not in latest or latest[kind, scope, committee][0] < id_:
            latest[kind, scope, committee] = (id_, path, sha)
    wrong = sorted(path for _, path, sha in latest.values()
                   if not (root / path).is_file() or _sha(root / path) != sha)
    return {"entries": entries, "content": content, "records": records,
            "records_not_the_file": wrong, "evaluations": evaluations}


def _diff(got: dict[str, object], want: dict[str, object]) -> str:
    lines = []
    for key in want:
        if got[key] == want[key]:
            continue
        g, w = got[key], want[key]
        if isinstance(w, collections.Counter):
            lines.append(f"{key}: extra {list((g - w).items())[:4]},"
                         f" missing {list((w - g).items())[:4]}")
        elif isinstance(w, list | dict):
            if isinstance(w, dict):
                extra = sorted(str(k) for k in set(g) - set(w))
                missing = sorted(str(k) for k in set(w) - set(g))
                other = sorted(str(k) for k in set(g) & set(w) if g[k] != w[k])
                lines.append(f"{key}: extra {extra[:6]}, missing {missing[:6]}, differ {other[:6]}")
            else:
                lines.append(f"{key}: extra {sorted(set(g) - set(w))[:6]},"
                             f" missing {sorted(set(w) - set(g))[:6]}")
        else:
            lines.append(f"{key}: {got[key]!r} != {want[key]!r}")
    return "; ".join(lines)


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """The two starting workspaces: nothing produced yet / produced once with FIRST_DAY."""
    root = tmp_path_factory.mktemp("documents-crash")
    plan = yaml.safe_load(default_plan_path().read_text(encoding="utf-8"))
    plan["rewards"]["so_ket"]["cap_percent"] = CAP_PERCENT
    plan_path = root / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    fresh = init_workspace(root / "fresh", plan_path=plan_path)
    load_demo(fresh, fresh.root / "roster.xlsx")
    again = root / "again"
    shutil.copytree(fresh.root, again)
    tmp = root / "tmp"
    tmp.mkdir()
    first = [*Kind(True, True).args(again)]
    first[first.index(SECOND_DAY.isoformat())] = FIRST_DAY.isoformat()
    done = subprocess.run(first, capture_output=True, text=True, env=_env(tmp), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return {False: fresh.root, True: again}


def test_sigkill_during_documents_leaves_the_state_of_an_uninterrupted_run(
    bases: dict[bool, Path], tmp_path: Path
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    kinds = [Kind(again=i % 2 == 1, pdf=i in PDF_KILLS) for i in range(KILLS)]
    reference: dict[Kind, tuple[dict[str, object], float]] = {}
    for kind in dict.fromkeys(kinds):
        root = tmp_path / f"ref-{int(kind.again)}{int(kind.pdf)}"
        shutil.copytree(bases[kind.again], root)
        took = _run(kind, root, tmp)
        state = _state(root)
        assert state["records_not_the_file"] == [] and state["entries"]
        reference[kind] = (state, took)
        shutil.rmtree(root)

    def written(state: dict[str, object]) -> tuple[object, ...]:
        return state["entries"], state["content"], state["records"]

    before = {again: written(_state(root)) for again, root in bases.items()}
    rng = random.Random(20251128)
    slots = {kind: list(range(kinds.count(kind))) for kind in reference}
    for slot in slots.values():
        rng.shuffle(slot)
    killed = midway = 0
    for i, kind in enumerate(kinds):
        want, took = reference[kind]
        # Spread over the run: the n kills of a kind each fall in their own n-th of its duration.
        slot = slots[kind].pop()
        delay = took * (slot + rng.random()) / kinds.count(kind)
        root = tmp_path / f"run-{i:02d}"
        shutil.copytree(bases[kind.again], root)
        proc = subprocess.Popen(kind.args(root), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=_env(tmp))
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        _stop_orphans(tmp)
        partial = written(_state(root))
        if partial not in (before[kind.again], written(want)):
            midway += 1  # killed while writing: some outputs or records new, others not yet
        _run(kind, root, tmp)
        got = _state(root)
        if got != want:
            pytest.fail(f"kill {i} ({kind}, after {delay:.2f} s): {_diff(got, want)}")
        shutil.rmtree(root)
    print(f"{killed} of {KILLS} runs killed, {midway} of them while writing outputs")
    assert killed >= KILLS // 2, f"only {killed} of {KILLS} runs were still running when killed"
    assert midway >= 3, f"only {midway} kills fell while outputs were being written"
