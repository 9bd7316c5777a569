"""Deployments of a workspace, their schedules from the plan's calendar, and ``bontot serve``.

| deployment          | flow      | when                                                         |
| ------------------- | --------- | ------------------------------------------------------------ |
| ``intake/<ws>``     | intake    | every few minutes, and at once when a file lands (watcher)    |
| ``remind/<ws>``     | remind    | 14, 7 and 3 days before each form deadline, 07:00             |
| ``run-all/<ws>``    | run-all   | 5 days before each review deadline (sơ kết, tổng kết), 07:00 |
| ``evaluate/<ws>``   | evaluate  | on demand (the Prefect UI's "Run")                            |
| ``publish/<ws>``    | publish   | on demand                                                     |

Every time is Asia/Ho_Chi_Minh.  A dated run is a one-shot RRule (``DTSTART`` … ``COUNT=1``)
carrying its own parameters, so a new plan file simply gives new schedules (``serve`` re-applies
them when the plan file or ``bontot.toml`` changes).  Deployments name their flows by module
path (``flows.pipeline.intake``), so any machine with bontot installed can run them: served
here, or by workers of a process work pool (:func:`deploy_to_pool`).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect.client.schemas.objects import (
    ConcurrencyLimitConfig,
    ConcurrencyLimitStrategy,
    FlowRun,
)
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Interval, RRule, Schedule

from bontot.calendar import INTAKE_EVERY_MINUTES, LOCAL_TZ, coming_runs, now_local
from bontot.plan import Plan
from bontot.workspace import Workspace, open_workspace
from flows.pipeline import evaluate, intake, publish, remind, run_all
from flows.server import DEFAULT_PORT, prefect_api
from flows.summary import slug
from flows.watch import InboxWatcher

log = logging.getLogger("prefect.bontot")

TIMEZONE = LOCAL_TZ.key  # "Asia/Ho_Chi_Minh"
INTAKE_EVERY = dt.timedelta(minutes=INTAKE_EVERY_MINUTES)
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def deployment_name(ws: Workspace) -> str:
    """The workspace's name in Prefect (its folder's name, as a slug)."""
    return slug(ws.root.name, "vung-lam-viec")


def rrule_once(when: dt.datetime) -> str:
    """A one-shot RRule at ``when``'s local wall time (the schedule carries the time zone)."""
    local = when.astimezone(LOCAL_TZ) if when.tzinfo else when
    return f"DTSTART:{local:%Y%m%dT%H%M%S}\nRRULE:FREQ=DAILY;COUNT=1"


def plan_schedules(plan: Plan, now: dt.datetime | None = None) -> dict[str, list[Schedule]]:
    """The dated schedules of the plan still to come: ``{"remind": [...], "publish": [...]}``."""
    out: dict[str, list[Schedule]] = {"remind": [], "publish": []}
    for run in coming_runs(plan, now or now_local()):
        out[run.action].append(RRule(
            rrule_once(run.when), timezone=TIMEZONE, parameters=dict(run.parameters),
            slug=run.slug,
        ))
    return out


def build_deployments(
    ws: Workspace,
    *,
    now: dt.datetime | None = None,
    intake_every: dt.timedelta = INTAKE_EVERY,
    **options: Any,
) -> list[RunnerDeployment]:
    """The workspace's five deployments.  ``options`` go to every ``to_deployment`` and win
    over the defaults here (e.g. ``concurrency_limit=None`` lets runs of one deployment overlap).

    ``intake``, ``run-all`` and ``publish`` run one at a time, cluster-wide (a run that finds
    another one going waits for it): the store alone already keeps a file from being counted
    twice, but two runs at once would only do the same work twice."""
    name = deployment_name(ws)
    common: dict[str, Any] = {
        "parameters": {"workspace": str(ws.root)},
        "entrypoint_type": EntrypointType.MODULE_PATH,
        "tags": ["bontot", name],
    }
    single = {**common, "concurrency_limit": ONE_AT_A_TIME, **options}
    common.update(options)
    dated = plan_schedules(ws.plan(), now)
    every = Interval(intake_every, timezone=TIMEZONE, slug="intake-every")
    made = [
        intake.to_deployment(name, schedules=[every], **single),
        remind.to_deployment(name, schedules=dated["remind"], **common),
        run_all.to_deployment(name, schedules=dated["publish"], **single),
        evaluate.to_deployment(name, **common),
        publish.to_deployment(name, **single),
    ]
    return cast(list[RunnerDeployment], made)  # called from sync code: never a coroutine


class IntakeTrigger:
    """Start a run of the intake deployment, unless the last one started here has not begun
    yet (it will see the new files anyway)."""

    def __init__(self, deployment: str) -> None:
        self.deployment = deployment
        self.last: UUID | None = None

    def __call__(self) -> None:
        from prefect import get_client
        from prefect.deployments import run_deployment

        if self.last is not None:
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(self.last).state
            if state is not None and (state.is_scheduled() or state.is_pending()):
                return
        run = cast(FlowRun, run_deployment(self.deployment, timeout=0, as_subflow=False))
        self.last = run.id
        log.info("Có tệp mới trong hộp thư: đã tạo lượt đọc %s", run.name)


def refresh_schedules(root: Path, pool: str | None = None) -> None:
    """Re-read the workspace and its plan, and apply the dated schedules again."""
    ws = open_workspace(root)
    options: dict[str, Any] = {"work_pool_name": pool} if pool else {}
    for deployment in build_deployments(ws, **options)[1:3]:  # remind, run-all
        deployment.apply()
    log.info("Đã cập nhật lịch chạy theo kế hoạch %s", ws.plan_path)


def serve(
    ws: Workspace,
    *,
    port: int = DEFAULT_PORT,
    poll: bool | None = None,
    intake_every: dt.timedelta = INTAKE_EVERY,
    pool: str | None = None,
) -> None:
    """Serve the workspace's deployments until interrupted (Ctrl+C, SIGTERM), with the inbox
    watcher.  With ``pool``, register them with that work pool instead (its workers, on any
    machine, run them) and only watch the inbox and the plan here."""
    with prefect_api(ws, port) as api_url:
        watcher = InboxWatcher(
            ws.inbox,
            IntakeTrigger(f"intake/{deployment_name(ws)}"),
            config_files=[ws.root / "bontot.toml", ws.plan_path],
            on_config=lambda: refresh_schedules(ws.root, pool),
            poll=poll,
        )
        log.info("Prefect API: %s; theo dõi %s (%s)", api_url, ws.inbox,
                 "quét định kỳ" if watcher.poll else "sự kiện hệ thống tệp")
        if pool:
            deploy_to_pool(ws, pool, intake_every=intake_every)
        watcher.start()
        try:
            if pool:
                _wait_for_signal()
            else:
                from prefect import serve as prefect_serve

                deployments = build_deployments(ws, intake_every=intake_every)
                prefect_serve(*deployments, print_starting_message=False)
        finally:
            watcher.stop()


def _wait_for_signal() -> None:
    """Block until Ctrl+C or SIGTERM."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def deploy_to_pool(ws: Workspace, pool: str, **options: Any) -> list[UUID]:
    """Register the workspace's deployments with a work pool (its workers run them)."""
    from prefect import deploy

    ids = deploy(
        *build_deployments(ws, **options), work_pool_name=pool,
        print_next_steps_message=False, ignore_warnings=True,
    )
    return cast(list[UUID], ids)
