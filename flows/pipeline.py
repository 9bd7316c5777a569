"""The flows: ``intake``, ``evaluate``, ``publish``, ``remind`` and ``run_all`` (the three first,
in order).  Each takes the workspace folder as its first parameter (a path, so that a
deployment can name it) and only wires the steps of :mod:`flows.steps` together, then leaves a
Vietnamese summary as an artifact.

Task runner: threads, as many as the machine has cores (OCR and LibreOffice are separate
processes, so threads are enough to keep the cores busy); with ``BONTOT_DASK_ADDRESS`` set
(``tcp://host:8786``) the intake fan-out goes to that Dask cluster instead, whose workers may be
on other machines sharing the workspace folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from bontot.intake import IntakeReport
from bontot.service import EvaluationRun
from bontot.workspace import Workspace, open_workspace
from flows.policy import cpu_count
from flows.steps import (
    evaluate_years,
    list_inbox,
    make_documents,
    merge_reports,
    plan_batches,
    read_batch,
    review_years,
)
from flows.summary import (
    documents_description,
    documents_table,
    evaluation_markdown,
    intake_markdown,
    slug,
)

if TYPE_CHECKING:  # the documents package is heavy: imported by the flows that write documents
    from bontot.documents import DocumentRequest, DocumentRun

DASK_ADDRESS_ENV = "BONTOT_DASK_ADDRESS"


def default_task_runner() -> TaskRunner:  # type: ignore[type-arg]
    """Threads on this machine, or the Dask cluster named by ``BONTOT_DASK_ADDRESS``."""
    address = os.environ.get(DASK_ADDRESS_ENV, "").strip()
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner(max_workers=cpu_count())


def artifact_key(kind: str, ws: Workspace) -> str:
    """An artifact key per kind and workspace (Prefect: lowercase letters, digits, dashes)."""
    return f"{kind}-{slug(ws.root.name, 'vung-lam-viec')}"


class _Result:
    """A flow's result as a plain object, not a dataclass: Prefect walks a returned dataclass
    all the way down looking for futures, and a province's intake report (every file, form and
    field) took it seconds of CPU per flow.  A plain object is handed back as it is."""

    __slots__: tuple[str, ...] = ()

    def __init__(self, *values: object) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


class IntakeResult(_Result):
    __slots__ = ("report", "evaluation")
    report: IntakeReport
    evaluation: EvaluationRun | None


@flow(
    name="intake",
    description="Đọc hộp thư đến: lưu bản gốc, kiểm tra, lưu số liệu, xét lại năm có phiếu mới.",
    task_runner=default_task_runner(),  # type: ignore[arg-type]
)
def intake(workspace: str, evaluate: bool = True) -> IntakeResult:
    """inbox/ → store, review/ and archive/, in batches of up to MAX_BATCH files; then the years
    changed.  The batches read one at a time, whatever the task runner: the workspace's intake
    lock lets one intake read at a time, and each batch reads its files side by side in reader
    processes; more batches than that only add their fixed costs (the roster loaded, the
    readers' queue filled and drained: 2.7 s of a 4,250-file intake as 5 tasks)."""
    ws = open_workspace(workspace)
    files = list_inbox(ws)
    if not files:
        get_run_logger().info("Hộp thư đến trống: không có gì để đọc.")
        return IntakeResult(IntakeReport(), None)
    batches = plan_batches(files, 1)
    report = merge_reports(f.result() for f in [read_batch.submit(ws, b) for b in batches])
    run = evaluate_years(ws, sorted(report.years)) if evaluate and report.years else None
    create_markdown_artifact(
        intake_markdown(report, run, ws.root.name),
        key=artifact_key("hop-thu", ws),
        description="Kết quả đọc hộp thư đến",
    )
    get_run_logger().info(
        "Đã đọc %d tệp: lưu %d, cần kiểm tra %d, trùng %d, để lần sau %d.",
        len(report.outcomes), report.count("stored"), report.count("review"),
        report.count("duplicate"), report.count("skipped"),
    )
    return IntakeResult(report, run)


class EvaluateResult(_Result):
    """The evaluation of a year or a review: 4,693 unit results in a province, which Prefect
    took 2-3 s to walk through when the flow returned them as they are."""

    __slots__ = ("evaluation",)
    evaluation: EvaluationRun


@flow(name="evaluate", description="Xét công nhận các đơn vị của một năm, nhiều năm hoặc một đợt.")
def evaluate(
    workspace: str, years: list[int] | None = None, review: str | None = None
) -> EvaluateResult:
    """Evaluate ``years``, or the years of ``review`` (so-ket, tong-ket), or every year."""
    ws = open_workspace(workspace)
    wanted = review_years(ws.plan(), review) if review else years
    run = evaluate_years(ws, wanted)
    create_markdown_artifact(
        evaluation_markdown(run),
        key=artifact_key("ket-qua", ws),
        description="Kết quả xét công nhận theo cấp ủy",
    )
    return EvaluateResult(run)


def _documents(ws: Workspace, request: DocumentRequest, kind: str) -> DocumentRun:
    """Run the documents step and leave the table of files, even when some PDFs failed."""
    from bontot.documents import PdfBatchError

    try:
        run = make_documents(ws, request)
    except PdfBatchError as exc:
        _documents_artifact(ws, exc.run, kind)
        raise
    _documents_artifact(ws, run, kind)
    return run


def _documents_artifact(ws: Workspace, run: DocumentRun, kind: str) -> None:
    create_table_artifact(
        documents_table(run, ws.root),
        key=artifact_key(f"{kind}-{run.scope}", ws),
        description=documents_description(run, ws.root),
    )


@flow(name="publish", description="Lập văn bản của một năm, hoặc của đợt sơ kết, tổng kết.")
def publish(
    workspace: str, year: int | None = None, review: str | None = None, pdf: bool = True
) -> DocumentRun:
    """The documents of ``year`` (quyết định công nhận) or of ``review`` (so-ket, tong-ket)."""
    from bontot.documents import DocumentRequest

    ws = open_workspace(workspace)
    return _documents(ws, DocumentRequest(year=year, review=review, pdf=pdf), "van-ban")  # type: ignore[arg-type]


@flow(name="remind", description="Lập danh sách đơn vị chưa nộp phiếu trước một hạn, theo cấp ủy.")
def remind(workspace: str, deadline: str, pdf: bool = True) -> DocumentRun:
    """The list of units that have not returned the form due by ``deadline`` ("dang-ky" for
    Mẫu 01-ĐK, or a year for that year's Mẫu 02-TĐG), one per committee."""
    from bontot.documents import DocumentRequest

    ws = open_workspace(workspace)
    return _documents(ws, DocumentRequest(deadline=deadline, pdf=pdf), "chua-nop")


# The subflows as run-all calls them: their parameters come from run-all's own, already checked,
# and Prefect's check builds a pydantic model at every call (0.13 s a subflow).  Called on
# their own (deployments, the CLI), the flows still check what they are given.
_INTAKE = intake.with_options(validate_parameters=False)
_EVALUATE = evaluate.with_options(validate_parameters=False)
_PUBLISH = publish.with_options(validate_parameters=False)


@contextmanager
def _subflows() -> Iterator[None]:
    """Subflows without heartbeats of their own: they run in their parent's process, whose
    heartbeat already tells the server that it lives, and each one's heartbeat thread held its
    flow's end for up to a second (it sleeps in one-second steps): 1.2 s of a run-all."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


class RunAllResult(_Result):
    __slots__ = ("intake", "evaluation", "documents")
    intake: IntakeResult
    evaluation: EvaluationRun
    documents: tuple[DocumentRun, ...]


@flow(name="run-all", description="Đọc hộp thư, xét công nhận, lập văn bản.")
def run_all(
    workspace: str,
    years: list[int] | None = None,
    review: str | None = None,
    documents: bool = True,
    pdf: bool = True,
) -> RunAllResult:
    """intake → evaluate → publish.  What is published: ``review``'s documents, or those of
    ``years``, or else of the years whose reports this intake changed."""
    with _subflows():
        read = _INTAKE(workspace, evaluate=False)
        wanted = years or (None if review else sorted(read.report.years) or None)
        run = _EVALUATE(workspace, years=wanted, review=review).evaluation
        made: list[DocumentRun] = []
        if documents and review:
            made.append(_PUBLISH(workspace, review=review, pdf=pdf))
        elif documents:
            for year in years or sorted(read.report.years):
                made.append(_PUBLISH(workspace, year=year, pdf=pdf))
    if documents and not made:
        get_run_logger().info("Không có năm nào có phiếu mới: không lập văn bản.")
    return RunAllResult(read, run, tuple(made))
