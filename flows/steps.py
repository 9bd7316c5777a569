"""The tasks: coarse steps that call the plain functions of ``bontot``.

A task is a batch of files or a whole evaluation, never a file or a field: a task costs a few
milliseconds of orchestration, a flow about a second.  Every task touches disk, database or an
external program, so each may retry, but only after an I/O failure (``policy.retry_on_io``);
nothing is cached (every step has effects on the workspace).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from bontot.intake import IntakeReport, inbox_files, run_intake
from bontot.plan import Plan
from bontot.service import EvaluationRun, evaluate_workspace
from bontot.workspace import Workspace
from flows.policy import RETRIES, RETRY_DELAYS, cpu_count, cpu_slots, one_at_a_time, retry_on_io
from flows.summary import slug

if TYPE_CHECKING:  # heavy (charts, templates): imported by the task that needs it
    from bontot.documents import DocumentRequest, DocumentRun

# Files per task at most.  A task costs ~0.6 s (its start, the roster loaded, the readers'
# queue filled and drained) and the tasks of an intake read one at a time (the workspace's
# intake lock): 4,250 files as 5 tasks took 2.7 s longer than as one run, as 22 tasks of 200
# 27 % longer.  A retry repeats little: the files already stored have left the inbox.
MAX_BATCH = 5000
REVIEW_KEYS = {"so-ket": "so_ket", "tong-ket": "tong_ket"}
IO_RETRY: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay_seconds": RETRY_DELAYS,
    "retry_condition_fn": retry_on_io,
    "cache_policy": NO_CACHE,
}


def plan_batches(
    files: Sequence[Path], workers: int, max_size: int = MAX_BATCH
) -> list[list[Path]]:
    """Split ``files`` (kept in order) into as few batches as keep ``workers`` busy, each of at
    most ``max_size`` files."""
    if not files:
        return []
    count = max(min(workers, len(files)), math.ceil(len(files) / max_size))
    size = math.ceil(len(files) / count)
    return [list(files[i : i + size]) for i in range(0, len(files), size)]


def merge_reports(reports: Iterable[IntakeReport]) -> IntakeReport:
    merged = IntakeReport()
    for report in reports:
        merged.outcomes.extend(report.outcomes)
        merged.years.update(report.years)
    return merged


def review_years(plan: Plan, review: str) -> list[int]:
    """The years a review (``so-ket`` or ``tong-ket``) evaluates, from the plan."""
    key = REVIEW_KEYS.get(review)
    if key is None:
        raise ValueError(f"review phải là so-ket hoặc tong-ket, không phải {review!r}")
    return list(getattr(plan.rewards, key).years)


@task(name="list-inbox", **IO_RETRY)
def list_inbox(ws: Workspace) -> list[Path]:
    """Every file of the inbox, oldest first (those still being copied are reported later)."""
    ready, waiting = inbox_files(ws)
    return ready + waiting


@task(name="read-batch", **IO_RETRY)
def read_batch(ws: Workspace, files: list[Path]) -> IntakeReport:
    """Read, check, keep and store a batch of inbox files, holding one of the machine's CPUs
    (OCR and LibreOffice may run).  A retry is safe: a file already stored has left the inbox,
    and one stored but not yet removed is recognised by its hash."""
    with cpu_slots(1):
        return run_intake(ws, files=files)


@task(name="evaluate", **IO_RETRY)
def evaluate_years(ws: Workspace, years: list[int] | None) -> EvaluationRun:
    """Evaluate the unit-years of ``years`` (all years with reports when None)."""
    return evaluate_workspace(ws, years)


def documents_lock(ws: Workspace) -> str:
    """The name of the lock that lets one run at a time write a workspace's documents (the
    store's record of documents is read at the start of a run and written at its end)."""
    return f"bontot-van-ban-{slug(ws.root.name, 'vung-lam-viec')}"


@task(name="make-documents", **IO_RETRY)
def make_documents(ws: Workspace, request: DocumentRequest) -> DocumentRun:
    """Write the documents ``request`` asks for (.docx, .xlsx, and PDF in one LibreOffice batch,
    which takes every core of the machine).  A retry rewrites only what is missing."""
    from bontot.documents import produce

    with one_at_a_time(documents_lock(ws)), cpu_slots(cpu_count() if request.pdf else 1):
        return produce(ws, request)
