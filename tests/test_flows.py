"""The Prefect flows: coarse tasks over the plain functions, retries only after I/O failures,
Vietnamese artifacts, deployments and schedules from the plan, the inbox watcher, and the CLI's
``run`` and ``schedule``.

Functions and ``task.fn()`` are tested without a server; flows run against one
``prefect_test_harness`` for the whole session (it takes ~10 s to start).  Documents are made
without PDF here (``pdf=False``): the PDF path runs in tests/test_scaleout.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

import flows  # noqa: F401  (before Prefect: telemetry off)
from bontot import store as st
from bontot.calendar import LOCAL_TZ, coming_runs
from bontot.errors import InputError, OfficeError, PlanError, ReadError, StoreError
from bontot.intake import IntakeReport, run_intake
from bontot.models import Unit, UnitKind
from bontot.plan import PLANS_DIR
from bontot.roster import write_roster
from bontot.service import import_roster
from bontot.workspace import Workspace, init_workspace
from parsers.ocr import OcrError
from tests.formgen import form02_values, write_form02

K = UnitKind
UNITS = [
    Unit("QN", "Đảng bộ tỉnh Quảng Ngãi", K.DANG_BO_TINH, issuer_name="TỈNH ỦY QUẢNG NGÃI"),
    Unit("HU", "Đảng bộ huyện Trà Giang", K.DANG_BO_TRUC_THUOC, "QN", recognising=True,
         issuer_name="HUYỆN ỦY TRÀ GIANG", abbreviation="HU", place="Trà Giang",
         signer_name="Nguyễn Văn An", signer_title="BÍ THƯ"),
    Unit("HU-01", "Đảng bộ xã Ba Khê", K.DANG_BO_CO_SO, "HU", members=120),
    Unit("HU-01-01", "Chi bộ Thôn Làng Mầm", K.CHI_BO, "HU-01", members=20),
    Unit("HU-01-02", 'Chi bộ A & B <1> "x"', K.CHI_BO, "HU-01", members=20),
]  # fmt: skip
NAMES = {u.code: u.name for u in UNITS}
NOW = dt.datetime(2026, 11, 27, 23, 0, tzinfo=LOCAL_TZ)
SONG_XANH = PLANS_DIR / "example-song-xanh-2023-2028.yaml"


def old(path: Path) -> Path:
    """Make a file look fully copied (modified a minute ago)."""
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def drop(ws: Workspace, code: str, year: int, name: str | None = None, **changes: Any) -> Path:
    path = ws.inbox / (name or f"{code}-{year}.docx")
    return old(write_form02(path, form02_values(code, NAMES[code], year, **changes)))


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    workspace = init_workspace(tmp_path / "Vùng Trà Giang")
    write_roster(UNITS, tmp_path / "roster.xlsx")
    import_roster(workspace, tmp_path / "roster.xlsx")
    return workspace


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect server (SQLite) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


# --- plain helpers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("files", "workers", "max_size", "sizes"),
    [
        (0, 2, 200, []),
        (1, 4, 200, [1]),
        (5, 2, 200, [3, 2]),
        (10, 4, 200, [3, 3, 3, 1]),
        (1000, 2, 200, [200] * 5),
        (1001, 2, 200, [167] * 5 + [166]),
        (5000, 8, 200, [200] * 25),
    ],
)
def test_batches_keep_every_core_busy_and_stay_coarse(
    files: int, workers: int, max_size: int, sizes: list[int]
) -> None:
    from flows.steps import plan_batches

    paths = [Path(f"f{i}") for i in range(files)]
    batches = plan_batches(paths, workers, max_size)
    assert [len(b) for b in batches] == sizes
    assert [p for b in batches for p in b] == paths  # all of them, in order, once


def test_merge_reports_and_review_years(ws: Workspace) -> None:
    from flows.steps import merge_reports, review_years

    drop(ws, "HU-01-01", 2023)
    drop(ws, "HU-01-02", 2024)
    first = run_intake(ws, files=[ws.inbox / "HU-01-01-2023.docx"])
    second = run_intake(ws)
    merged = merge_reports([first, second, IntakeReport()])
    assert [o.status for o in merged.outcomes] == ["stored", "stored"]
    assert merged.years == {2023, 2024}
    assert review_years(ws.plan(), "so-ket") == [2022, 2023, 2024]
    assert review_years(ws.plan(), "tong-ket") == [2022, 2023, 2024, 2025, 2026]
    with pytest.raises(ValueError):
        review_years(ws.plan(), "so_ket")


def _store_error(cause: BaseException) -> StoreError:
    try:
        raise StoreError("lỗi") from cause
    except StoreError as err:
        return err


@pytest.mark.parametrize(
    ("exc", "retries"),
    [
        (OSError(5, "Input/output error"), True),  # a share that hiccups
        (FileNotFoundError("inbox/x.docx"), True),
        (TimeoutError(), True),
        (OfficeError("LibreOffice không xong sau 300 giây"), True),
        (OcrError("Tesseract quá thời gian", "timeout"), True),
        (OcrError("thiếu gói tiếng Việt", "language"), False),  # installation: same next time
        (ReadError("Tệp hỏng", "x.docx"), False),
        (InputError("Dữ liệu không hợp lệ"), False),
        (PlanError("plan.yaml", ["calendar: thiếu"]), False),
        (_store_error(OperationalError("SELECT 1", {}, Exception("connection refused"))), True),
        (_store_error(IntegrityError("INSERT", {}, Exception("duplicate key"))), False),
        (ValueError("bug"), False),
        (None, False),
    ],
)
def test_only_io_retries(exc: BaseException | None, retries: bool) -> None:
    from prefect.states import Failed

    from flows.policy import is_transient, retry_on_io

    assert is_transient(exc) is retries
    if exc is not None:
        assert retry_on_io(None, None, Failed(data=exc)) is retries


def test_every_task_is_coarse_uncached_and_retries_on_io_only() -> None:
    from prefect.cache_policies import NO_CACHE

    from flows import steps
    from flows.policy import retry_on_io

    for task in (steps.list_inbox, steps.read_batch, steps.evaluate_years, steps.make_documents):
        assert task.retries == 2 and task.retry_condition_fn is retry_on_io, task.name
        assert task.cache_policy is NO_CACHE, task.name


def test_cpu_limit_is_named_after_the_machine() -> None:
    from flows.policy import cpu_limit_name

    assert cpu_limit_name("May-Chu_01.office.local") == "bontot-cpu-may-chu-01-office-local"
    assert cpu_limit_name("???") == "bontot-cpu-may"


# --- the Vietnamese summaries ------------------------------------------------------------------
def test_intake_summary_is_vietnamese_and_escapes_what_came_from_files(ws: Workspace) -> None:
    from bontot.service import evaluate_workspace
    from flows.summary import evaluation_markdown, intake_markdown

    drop(ws, "HU-01-02", 2024, name="a|b <c> *d*.docx")
    bad = ws.inbox / "hỏng.docx"
    bad.write_bytes(b"PK\x03\x04 not a docx")
    old(bad)
    report = run_intake(ws)
    run = evaluate_workspace(ws, [2024])
    text = intake_markdown(report, run, "Vùng <x>", now=NOW)
    assert text.startswith("# Đọc hộp thư đến — Vùng &lt;x&gt;")
    assert "23:00 ngày 27/11/2026 (giờ Việt Nam)" in text
    assert "| Đã lưu | 1 |" in text and "| Cần kiểm tra (thư mục review/) | 1 |" in text
    assert "a\\_b \\_c\\_ \\_d\\_.docx" in text  # the intake's display name, escaped
    assert "## Tệp cần người kiểm tra" in text and "**hỏng.docx**" in text
    assert 'Chi bộ A &amp; B' not in text  # names are in the store's results, not the file list
    assert "Đảng bộ huyện Trà Giang (HU)" in text and "Bốn tốt 2024" in text
    assert evaluation_markdown(run).startswith("# Kết quả xét công nhận theo cấp ủy (năm 2024)")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Chi bộ A | B", "Chi bộ A \\| B"),
        ('Chi bộ A & B <1> "x"', 'Chi bộ A &amp; B &lt;1&gt; "x"'),
        ("*đậm* _nghiêng_ `mã` [liên kết]", "\\*đậm\\* \\_nghiêng\\_ \\`mã\\` \\[liên kết\\]"),
        ("dòng 1\ndòng 2", "dòng 1 dòng 2"),
        (None, ""),
        (2024, "2024"),
    ],
)
def test_cells_are_escaped(raw: Any, shown: str) -> None:
    from flows.summary import cell

    assert cell(raw) == shown


def test_documents_table_has_titles_formats_and_workspace_paths(tmp_path: Path) -> None:
    from bontot.documents import DocumentRun, WrittenFile
    from flows.summary import document_title, documents_description, documents_table

    root = tmp_path / "ws"
    run = DocumentRun("so-ket", (
        WrittenFile(root / "outputs/so-ket/HU/qd-khen-thuong.docx", "qd-khen-thuong", "HU", True),
        WrittenFile(root / "outputs/so-ket/HU/gk.pdf", "giay-khen/HU-01-01.pdf", "HU", False),
    ), notes=("không có Giấy khen để in.",))
    rows = documents_table(run, root)
    assert rows[0] == {"Văn bản": "Quyết định tặng Giấy khen", "Cấp ủy": "HU", "Định dạng": "Word",
                       "Tệp": "outputs/so-ket/HU/qd-khen-thuong.docx",
                       "Tình trạng": "mới lập hoặc đã đổi"}
    assert rows[1]["Văn bản"] == "Giấy khen (HU-01-01)" and rows[1]["Định dạng"] == "PDF"
    assert rows[1]["Tình trạng"] == "không đổi"
    assert document_title("ds-chua-nop.xlsx") == "Danh sách đơn vị chưa nộp"
    text = documents_description(run, root)
    assert "2 tệp, 1 tệp mới lập" in text and "Lưu ý: không có Giấy khen" in text


def test_slugs_for_prefect_keys() -> None:
    from flows.summary import slug

    assert slug("Vùng Trà Giang") == "vung-tra-giang"
    assert slug("Đảng ủy Khối (2025)") == "dang-uy-khoi-2025"
    assert slug("???", "x") == "x"


# --- deployments and schedules -----------------------------------------------------------------
def test_one_shot_rrule_fires_once_at_seven_vietnam_time() -> None:
    from prefect.server.schemas.schedules import RRuleSchedule

    from flows.deployments import rrule_once

    text = rrule_once(dt.datetime(2026, 12, 17, 7, 0, tzinfo=LOCAL_TZ))
    assert text == "DTSTART:20261217T070000\nRRULE:FREQ=DAILY;COUNT=1"
    schedule = RRuleSchedule(rrule=text, timezone="Asia/Ho_Chi_Minh")
    dates = schedule._get_dates_generator(
        n=5, start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=None
    )
    assert [d.astimezone(dt.UTC) for d in dates] == [
        dt.datetime(2026, 12, 17, 0, 0, tzinfo=dt.UTC)
    ]


def test_deployments_of_a_workspace(ws: Workspace) -> None:
    from flows.deployments import build_deployments

    deployments = build_deployments(ws, now=NOW, intake_every=dt.timedelta(minutes=3))
    by_flow = {d.entrypoint.rsplit(".", 1)[1]: d for d in deployments}
    assert set(by_flow) == {"intake", "remind", "run_all", "evaluate", "publish"}
    assert {d.name for d in deployments} == {"vung-tra-giang"}
    assert all(d.entrypoint.startswith("flows.pipeline.") for d in deployments)
    assert all(d.parameters == {"workspace": str(ws.root)} for d in deployments)
    intake = by_flow["intake"]
    assert [s.schedule.interval for s in intake.schedules] == [dt.timedelta(minutes=3)]
    assert intake.concurrency_limit == 1
    remind = by_flow["remind"]
    expected = [r for r in coming_runs(ws.plan(), NOW) if r.action == "remind"]
    assert [s.parameters for s in remind.schedules] == [r.parameters for r in expected]
    assert {s.schedule.timezone for s in remind.schedules} == {"Asia/Ho_Chi_Minh"}
    assert remind.schedules[0].schedule.rrule.startswith("DTSTART:20261217T070000")
    assert [s.parameters for s in by_flow["run_all"].schedules] == [{"review": "tong-ket"}] * 3
    assert by_flow["evaluate"].schedules == [] and by_flow["publish"].schedules == []
    open_pool = build_deployments(ws, now=NOW, concurrency_limit=None, work_pool_name="p")
    assert all(d.concurrency_limit is None and d.work_pool_name == "p" for d in open_pool)


def test_a_new_plan_file_gives_the_served_deployments_new_schedules(
    prefect_api: None, ws: Workspace
) -> None:
    from prefect import get_client

    from flows.deployments import build_deployments, refresh_schedules

    for deployment in build_deployments(ws):
        deployment.apply()
    with get_client(sync_client=True) as client:
        before = client.read_deployment_by_name("remind/vung-tra-giang")
    config = ws.root / "bontot.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        str(ws.plan_path), str(SONG_XANH)), encoding="utf-8")
    refresh_schedules(ws.root)
    with get_client(sync_client=True) as client:
        after = client.read_deployment_by_name("remind/vung-tra-giang")
        publish = client.read_deployment_by_name("run-all/vung-tra-giang")
    from bontot.calendar import now_local
    from bontot.plan import load_plan

    sx = [r for r in coming_runs(load_plan(SONG_XANH), now_local())]
    assert sorted(s.slug for s in after.schedules) == sorted(
        r.slug for r in sx if r.action == "remind")
    assert sorted(s.slug for s in publish.schedules) == sorted(
        r.slug for r in sx if r.action == "publish")
    assert {s.slug for s in before.schedules} != {s.slug for s in after.schedules}


def test_a_file_landing_starts_one_intake_run(prefect_api: None, ws: Workspace) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    from flows.deployments import IntakeTrigger, build_deployments

    build_deployments(ws)[0].apply()
    trigger = IntakeTrigger("intake/vung-tra-giang")
    trigger()
    trigger()  # the first has not started (nothing serves it here): no second run
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["vung-tra-giang"])))
    started = [r.id for r in runs if not r.auto_scheduled]  # not from the 5-minute schedule
    assert started == [trigger.last]


def test_default_task_runner_is_threads_or_the_named_dask_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.pipeline import DASK_ADDRESS_ENV, default_task_runner

    monkeypatch.delenv(DASK_ADDRESS_ENV, raising=False)
    assert isinstance(default_task_runner(), ThreadPoolTaskRunner)
    monkeypatch.setenv(DASK_ADDRESS_ENV, "tcp://10.0.0.5:8786")
    runner = default_task_runner()
    assert type(runner).__name__ == "DaskTaskRunner" and runner.address == "tcp://10.0.0.5:8786"


# --- the watcher --------------------------------------------------------------------------------
MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
server:/export /mnt/so\\040lieu nfs4 rw,relatime 0 0
//may-chu/chung /srv/chung cifs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind", "poll"),
    [
        ("/home/vp/inbox", "ext4", False),
        ("/mnt/so lieu/ws/inbox", "nfs4", True),
        ("/srv/chung/inbox", "cifs", True),
        ("/srv/chungx", "ext4", False),  # a prefix of the name is not the mount point
        ("/tmp/x", "tmpfs", False),
    ],
)
def test_network_shares_are_polled(path: str, kind: str, poll: bool) -> None:
    from flows.watch import filesystem_type, needs_polling

    assert filesystem_type(Path(path), MOUNTS) == kind
    assert needs_polling(Path(path), MOUNTS) is poll


def test_only_files_that_land_count(tmp_path: Path) -> None:
    from flows.watch import lands_in

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    here = inbox / "a.docx"
    here.write_bytes(b"x")
    assert lands_in([(1, str(here))], inbox)
    assert not lands_in([(3, str(inbox / "gone.docx"))], inbox)  # deleted (read by the intake)
    assert not lands_in([(1, str(tmp_path / "b.docx"))], inbox)


def test_watcher_calls_back_when_a_file_lands_or_the_plan_changes(ws: Workspace) -> None:
    from flows.watch import InboxWatcher

    landed, changed = threading.Event(), threading.Event()
    plan = ws.root / "plan.yaml"
    plan.write_text(SONG_XANH.read_text(encoding="utf-8"), encoding="utf-8")
    watcher = InboxWatcher(ws.inbox, landed.set, config_files=[plan], on_config=changed.set,
                           poll=False, settle=0.1)
    watcher.start()
    try:
        time.sleep(0.5)  # the watch is set up
        drop(ws, "HU-01-01", 2024)
        assert landed.wait(15)
        plan.write_text(plan.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert changed.wait(15)
    finally:
        watcher.stop()
        watcher.join(10)
    assert not watcher.is_alive()


# --- tasks with .fn() -------------------------------------------------------------------------
def test_tasks_are_plain_functions_underneath(prefect_api: None, ws: Workspace) -> None:
    from flows.steps import evaluate_years, list_inbox, read_batch

    drop(ws, "HU-01-01", 2024)
    waiting = write_form02(ws.inbox / "dang-chep.docx",
                           form02_values("HU-01-02", NAMES["HU-01-02"], 2024))
    soon = time.time() + 240  # still being written however slowly this test runs
    os.utime(waiting, (soon, soon))
    files = list_inbox.fn(ws)
    assert [p.name for p in files] == ["HU-01-01-2024.docx", "dang-chep.docx"]
    report = read_batch.fn(ws, files)
    assert {o.name: o.status for o in report.outcomes} == {
        "HU-01-01-2024.docx": "stored", "dang-chep.docx": "skipped"}
    assert waiting.exists()
    run = evaluate_years.fn(ws, [2024])
    assert run.years == (2024,) and run.results[2024]["HU-01-01"].four_good


# --- flows ---------------------------------------------------------------------------------------
def _artifact(key: str) -> Any:
    from prefect.artifacts import Artifact

    found = Artifact.get(key)
    assert found is not None, key
    return found


def test_intake_flow_reads_in_coarse_batches_and_leaves_a_summary(
    prefect_api: None, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client

    from flows import steps
    from flows.pipeline import intake
    from flows.policy import cpu_count, cpu_limit_name

    for code in ("HU-01-01", "HU-01-02"):
        for year in (2023, 2024):
            drop(ws, code, year)
    (ws.inbox / "copy.docx").write_bytes((ws.inbox / "HU-01-01-2023.docx").read_bytes())
    old(ws.inbox / "copy.docx")
    drop(ws, "HU-01-02", 2025, name="lech.docx", rated_good=14)  # does not add up
    calls: list[int] = []
    real = steps.run_intake

    def counted(w: Workspace, files: list[Path] | None = None) -> IntakeReport:
        calls.append(len(files or []))
        return real(w, files=files)

    monkeypatch.setattr(steps, "run_intake", counted)
    result = intake(str(ws.root))
    statuses = sorted(o.status for o in result.report.outcomes)
    assert statuses == ["duplicate", "review"] + ["stored"] * 4
    assert calls == [6]  # one task: the intake lock lets one batch read at a time
    assert result.evaluation is not None and result.evaluation.years == (2023, 2024)
    assert list(ws.inbox.iterdir()) == []
    text = _artifact("hop-thu-vung-tra-giang").data
    assert "# Đọc hộp thư đến — Vùng Trà Giang" in text
    assert "**lech.docx**" in text and "Trùng nội dung, bỏ qua" in text
    assert "Kết quả xét công nhận theo cấp ủy (năm 2023, 2024)" in text
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(cpu_limit_name())
    assert limit.limit == cpu_count()

    again = intake(str(ws.root))  # nothing left: nothing read, nothing evaluated
    assert again.report.outcomes == [] and again.evaluation is None


def _flaky(exc: BaseException, fails: int) -> tuple[list[int], Any]:
    attempts: list[int] = []

    def run(ws: Workspace, files: list[Path] | None = None) -> IntakeReport:
        attempts.append(1)
        if len(attempts) <= fails:
            raise exc
        return IntakeReport()

    return attempts, run


@pytest.mark.parametrize(
    ("exc", "attempts", "fails"),
    [
        (OSError(5, "Input/output error"), 2, False),  # retried once, then fine
        (ReadError("Tệp hỏng", "x.docx"), 1, True),  # deterministic: never retried
    ],
)
def test_a_batch_retries_after_io_failures_only(
    prefect_api: None, ws: Workspace, monkeypatch: pytest.MonkeyPatch,
    exc: BaseException, attempts: int, fails: bool,
) -> None:
    from prefect import flow

    from flows import steps

    seen, fake = _flaky(exc, fails=1)
    monkeypatch.setattr(steps, "run_intake", fake)
    batch = steps.read_batch.with_options(retry_delay_seconds=0)

    @flow
    def one_batch(root: str) -> IntakeReport:
        return batch(ws, [])

    if fails:
        with pytest.raises(type(exc)):
            one_batch(str(ws.root))
    else:
        assert one_batch(str(ws.root)).outcomes == []
    assert len(seen) == attempts


def test_evaluate_publish_and_remind(prefect_api: None, ws: Workspace) -> None:
    from prefect.artifacts import Artifact

    from flows.pipeline import evaluate, publish, remind

    for year in (2022, 2023, 2024):
        drop(ws, "HU-01-01", year)
    run_intake(ws)
    run = evaluate(str(ws.root), review="so-ket").evaluation
    assert run.years == (2022, 2023, 2024)
    assert "Kết quả xét công nhận theo cấp ủy" in _artifact("ket-qua-vung-tra-giang").data

    made = publish(str(ws.root), year=2024, pdf=False)
    assert made.scope == "2024"
    docx = [f for f in made.files if f.key == "qd-cong-nhan"]
    assert len(docx) == 1 and docx[0].path.is_file() and docx[0].changed
    table = json.loads(_artifact("van-ban-2024-vung-tra-giang").data)
    row = next(r for r in table if r["Định dạng"] == "Word")
    assert row["Văn bản"] == "Quyết định công nhận" and row["Cấp ủy"] == "HU"
    assert row["Tệp"].startswith("outputs/2024/") and (ws.root / row["Tệp"]).is_file()

    again = publish(str(ws.root), year=2024, pdf=False)
    assert not any(f.changed for f in again.files)  # same inputs: nothing rewritten

    missing = remind(str(ws.root), deadline="2024", pdf=False)
    assert missing.scope == "2024" and [f.key for f in missing.files][0] == "ds-chua-nop"
    assert Artifact.get("chua-nop-2024-vung-tra-giang") is not None
    with st.open_store(ws.database_url).session() as s:
        kinds = [k for (k, scope, _c) in st.current_documents(s) if scope == "2024"]
    assert "ds-chua-nop" in kinds and "qd-cong-nhan" in kinds


def test_run_all_reads_evaluates_and_publishes_the_years_that_changed(
    prefect_api: None, ws: Workspace
) -> None:
    from flows.pipeline import run_all

    drop(ws, "HU-01-01", 2024)
    drop(ws, "HU-01-02", 2025)
    result = run_all(str(ws.root), pdf=False)
    assert result.intake.report.count("stored") == 2
    assert result.evaluation.years == (2024, 2025)
    assert [d.scope for d in result.documents] == ["2024", "2025"]


# --- the command line ---------------------------------------------------------------------------
@pytest.fixture()
def cli_out(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    from rich.console import Console

    from bontot import cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buffer, width=220, color_system=None))
    return buffer


def test_bontot_schedule_prints_the_plan_runs(ws: Workspace, cli_out: io.StringIO) -> None:
    from bontot.cli import main

    assert main(["schedule", str(ws.root), "--all", "--limit", "4"]) == 0
    text = cli_out.getvalue()
    assert "Lịch chạy theo kế hoạch quang-ngai-2022-2027 (giờ Việt Nam)" in text
    assert "07:00 11/11/2022" in text and "Chi bộ, đảng bộ cơ sở đăng ký thi đua" in text
    assert "14 ngày" in text and "mỗi 5 phút" in text
    assert text.count("Lập danh sách đơn vị chưa nộp") == 4


def test_bontot_run_goes_from_inbox_to_documents(
    prefect_api: None, ws: Workspace, cli_out: io.StringIO
) -> None:
    from bontot.cli import main

    drop(ws, "HU-01-01", 2024)
    assert main(["run", str(ws.root), "--no-pdf"]) == 0
    text = cli_out.getvalue()
    assert "Kết quả đọc hộp thư đến" in text and "Kết quả theo cấp ủy xét công nhận" in text
    assert "Văn bản (2024):" in text
    assert (ws.outputs / "2024").is_dir()


def test_bontot_run_refuses_a_bad_workspace_in_vietnamese(tmp_path: Path) -> None:
    from bontot.cli import main

    assert main(["run", str(tmp_path / "khong-co")]) == 5


def test_prefect_api_uses_the_configured_server(prefect_api: None, ws: Workspace) -> None:
    from prefect.settings import PREFECT_API_URL

    from flows.server import is_healthy, server_env
    from flows.server import prefect_api as api

    with api(ws, port=1) as url:  # configured by the harness: nothing started on port 1
        assert url == PREFECT_API_URL.value()
        assert is_healthy(url)
    assert not is_healthy("http://127.0.0.1:1/api", timeout=0.5)
    env = server_env(ws, {"PREFECT_API_URL": "http://x/api", "PATH": "/bin"})
    assert "PREFECT_API_URL" not in env and env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_API_DATABASE_CONNECTION_URL"].endswith(
        str(ws.root / ".prefect" / "prefect.db"))
