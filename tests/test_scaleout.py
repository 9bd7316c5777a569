"""Running on more than one machine, for real: a Prefect server on PostgreSQL, a process work
pool with two workers (two "machines", one work queue each), the store on PostgreSQL, the inbox
and outputs on a folder both can reach, and the intake fan-out on a Dask cluster.

The workers are separate ``prefect worker start`` processes; every flow run they pick up is yet
another process (``python -m prefect ... execute``), which imports the flows by module path, as a
machine with bontot installed would.  Runs are started on both queues at the same moment, so the
two workers read the same inbox concurrently: every form must still be read exactly once, and
every document written once.

Slow (about a minute: the server migrates its database on start) but run in CI: it is the only
test of the scale-out the README describes.  Needs PostgreSQL (see conftest: skipped without one,
failed with ``BONTOT_REQUIRE_PG=1``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

import flows  # noqa: F401  (telemetry off before Prefect is imported)
from bontot import store as st
from bontot.intake import intake_file
from bontot.roster import RosterTree, write_roster
from bontot.service import import_roster
from bontot.store.schema import DocumentRow, ReadingRow, SourceFileRow
from bontot.workspace import Workspace, init_workspace
from flows.server import stop_server
from tests.formgen import form02_values, write_form02
from tests.test_flows import UNITS
from tests.test_intake import settle

pytestmark = [pytest.mark.slow, pytest.mark.pg]

POOL = "bontot-may"
QUEUES = ("may-a", "may-b")
CHI_BO = {"HU-01-01": "Chi bộ Thôn Làng Mầm", "HU-01-02": 'Chi bộ A & B <1> "x"'}
YEARS = (2022, 2023, 2024, 2025, 2026)
RUN_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fresh_database(admin: Any, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name


def _drop_database(admin: Any, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def cluster(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A Prefect server on a fresh PostgreSQL database, a process pool, two workers; all
    stopped and dropped afterwards."""
    url, admin = pg_server
    tmp = tmp_path_factory.mktemp("cluster")
    prefect_db = _fresh_database(admin, "prefect_so")
    procs: list[subprocess.Popen[bytes]] = []
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    pg = url.set(drivername="postgresql+asyncpg", database=prefect_db)
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": pg.render_as_string(hide_password=False),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
        # services this test does not need (it starts every run itself): less load, same API
        **{f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false" for name in (
            "SCHEDULER", "LATE_RUNS", "PAUSE_EXPIRATIONS", "CANCELLATION_CLEANUP", "DB_VACUUM",
            "FOREMAN", "TRIGGERS")},
    }
    env.pop("PREFECT_API_URL", None)
    try:
        log = (tmp / "server.log").open("wb")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        ))
        from flows.server import wait_healthy

        wait_healthy(api, procs[0], 120)
        env["PREFECT_API_URL"] = api
        from prefect.client.schemas.actions import WorkPoolCreate
        from prefect.settings import PREFECT_API_URL, temporary_settings
        from prefect.workers.process import ProcessWorker

        with temporary_settings(updates={PREFECT_API_URL: api}):
            from prefect import get_client

            with get_client(sync_client=True) as client:
                client.create_work_pool(WorkPoolCreate(
                    name=POOL, type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                ))
            for queue in QUEUES:
                wlog = (tmp / f"worker-{queue}.log").open("wb")
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL,
                     "--work-queue", queue, "--name", queue, "--limit", "4"],
                    stdout=wlog, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                ))
            yield {"api": api, "logs": tmp, "url": url, "admin": admin}
    finally:
        for proc in reversed(procs):
            stop_server(proc)
        _drop_database(admin, prefect_db)


@pytest.fixture()
def shared_ws(cluster: dict[str, Any], tmp_path: Path) -> Iterator[Workspace]:
    """A workspace whose store is a fresh PostgreSQL database (shared by every machine)."""
    name = _fresh_database(cluster["admin"], "bontot_so")
    db_url = cluster["url"].set(database=name).render_as_string(hide_password=False)
    try:
        ws = init_workspace(tmp_path / "chung", database_url=db_url)
        write_roster(UNITS, tmp_path / "roster.xlsx")
        import_roster(ws, tmp_path / "roster.xlsx")
        yield ws
    finally:
        _drop_database(cluster["admin"], name)


def _drop_forms(ws: Workspace, years: tuple[int, ...] = YEARS) -> int:
    """One Mẫu 02 per chi bộ and year, one exact copy of a form under another name, one broken
    file; returns the number of distinct files (contents)."""
    count = 0
    for code, name in CHI_BO.items():
        for year in years:
            settle(write_form02(ws.inbox / f"{code}-{year}.docx", form02_values(code, name, year)))
            count += 1
    first = next(iter(sorted(ws.inbox.iterdir())))
    shutil.copyfile(first, ws.inbox / f"ban sao {first.name}")
    settle(ws.inbox / f"ban sao {first.name}")
    (ws.inbox / "hỏng.docx").write_bytes(b"PK\x03\x04 not a docx")
    settle(ws.inbox / "hỏng.docx")
    return count + 1


def _wait(client: Any, run_ids: list[Any]) -> list[Any]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        runs = [client.read_flow_run(i) for i in run_ids]
        if all(r.state is not None and r.state.is_final() for r in runs):
            return runs
        if time.monotonic() > deadline:
            pytest.fail("flow runs not finished: " + ", ".join(
                f"{r.name}={r.state.name if r.state else None}" for r in runs))
        time.sleep(1)


def _exactly_once(ws: Workspace, distinct_files: int) -> None:
    store = st.open_store(ws.database_url)
    try:
        with store.session() as s:
            files = s.scalar(select(func.count()).select_from(SourceFileRow))
            per_file = s.execute(
                select(ReadingRow.source_file_id, func.count()).group_by(ReadingRow.source_file_id)
            ).all()
            assessments = st.current_assessments(s)
    finally:
        store.close()
    assert files == distinct_files
    assert len(per_file) == distinct_files and all(n == 1 for _, n in per_file), per_file
    assert sorted(assessments) == sorted((c, y) for c in CHI_BO for y in YEARS)
    assert list(ws.inbox.iterdir()) == []
    archived = [p for p in ws.archive.rglob("*") if p.is_file()]
    assert len(archived) == distinct_files  # one copy per content, by hash


def test_two_workers_read_every_form_once_and_write_every_document_once(
    cluster: dict[str, Any], shared_ws: Workspace
) -> None:
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deployments import deploy_to_pool, deployment_name

    ws = shared_ws
    distinct = _drop_forms(ws)
    name = deployment_name(ws)
    with temporary_settings(updates={PREFECT_API_URL: cluster["api"]}):
        # Runs of one deployment may overlap here (the served default is one at a time): the
        # store itself must keep the count right when two machines read the same inbox.
        deploy_to_pool(ws, POOL, concurrency_limit=None)
        with get_client(sync_client=True) as client:
            started = [
                run_deployment(f"intake/{name}", timeout=0, as_subflow=False,
                               work_queue_name=queue)
                for queue in QUEUES
            ]
            runs = _wait(client, [r.id for r in started])
            assert [r.state.type.value for r in runs] == ["COMPLETED"] * 2, _logs(cluster)
            assert {r.work_queue_name for r in runs} == set(QUEUES)  # both machines worked
            _exactly_once(ws, distinct)

            docs = [
                run_deployment(f"publish/{name}", timeout=0, as_subflow=False,
                               work_queue_name=queue, parameters={"year": 2024})
                for queue in QUEUES
            ]
            runs = _wait(client, [r.id for r in docs])
            assert [r.state.type.value for r in runs] == ["COMPLETED"] * 2, _logs(cluster)
    store = st.open_store(ws.database_url)
    try:
        with store.session() as s:
            rows = s.execute(
                select(DocumentRow.kind, DocumentRow.committee_code, DocumentRow.path,
                       func.count()).where(DocumentRow.scope == "2024")
                .group_by(DocumentRow.kind, DocumentRow.committee_code, DocumentRow.path)
            ).all()
    finally:
        store.close()
    kinds = {kind for kind, *_ in rows}
    assert {"qd-cong-nhan", "qd-cong-nhan.pdf"} <= kinds, rows
    assert all(count == 1 for *_, count in rows), rows  # the second run wrote nothing again
    for _, _, path, _ in rows:
        assert (ws.root / path).is_file()


def _logs(cluster: dict[str, Any]) -> str:
    parts = []
    for log in sorted(Path(cluster["logs"]).glob("*.log")):
        parts.append(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:])
    return "\n".join(parts)


def test_intake_fans_out_on_a_dask_cluster(cluster: dict[str, Any], shared_ws: Workspace) -> None:
    """The same flow with its batches on Dask worker processes (one per batch here)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect_dask import DaskTaskRunner

    from flows.pipeline import intake

    ws = shared_ws
    distinct = _drop_forms(ws)
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                            "processes": True, "dashboard_address": None})
    with temporary_settings(updates={PREFECT_API_URL: cluster["api"]}):
        result = intake.with_options(task_runner=runner)(str(ws.root))
    assert result.report.count("stored") == distinct - 1
    assert result.report.count("review") == 1
    assert result.evaluation is not None and set(result.evaluation.years) == set(YEARS)
    _exactly_once(ws, distinct)


def test_same_file_on_two_machines_at_once_counts_once(
    cluster: dict[str, Any], shared_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two intakes of the same file, past the workspace lock (as on two machines of a share
    that does not honour it), meeting at the commit."""
    ws = shared_ws
    path = settle(write_form02(ws.inbox / "a.docx",
                               form02_values("HU-01-01", CHI_BO["HU-01-01"], 2024)))
    twin = ws.inbox / "a (1).docx"
    shutil.copyfile(path, twin)
    settle(twin)
    plan = ws.plan()
    store = st.open_store(ws.database_url)
    with store.session() as s:
        tree = RosterTree(st.load_units(s))
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    original = st.add_source_file

    def meet_then_add(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=30)  # both have read the file and found its hash unknown
        return original(*args, **kwargs)

    def one(p: Path) -> None:
        try:
            outcomes.append(intake_file(ws, p, plan, store, tree).status)
        except Exception as exc:  # noqa: BLE001  (recorded, asserted below)
            outcomes.append(exc)

    monkeypatch.setattr(st, "add_source_file", meet_then_add)
    try:
        threads = [threading.Thread(target=one, args=(p,)) for p in (path, twin)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        store.close()
    assert sorted(map(str, outcomes)) == ["duplicate", "stored"], outcomes
