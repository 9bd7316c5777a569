"""Reading uploaded files in the background: the page submits the work and polls for it.

One worker thread runs ``run_intake`` on the files of each upload, then ``evaluate_workspace`` on
the years they changed — what ``bontot intake`` does.  The intake takes the workspace's lock, so
the Prefect flows or a clerk's CLI run never read a file at the same time; if one of them reads
the file first, the store still answers the page by the file's hash.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bontot.errors import BontotError, StoreError
from bontot.web.busy import is_locked, when_free
from bontot.workspace import Workspace

log = logging.getLogger(__name__)
KEEP_STATES = 500


@dataclass(frozen=True)
class JobState:
    state: str  # "queued" | "running" | "done" | "error"
    message: str = ""


class IntakeJobs:
    def __init__(self, ws: Workspace, evaluate: bool = True) -> None:
        self._ws, self._evaluate = ws, evaluate
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="bontot-intake")
        self._lock = threading.Lock()
        self._states: OrderedDict[str, JobState] = OrderedDict()

    def _set(self, batch: str, state: JobState) -> None:
        with self._lock:
            self._states[batch] = state
            self._states.move_to_end(batch)
            while len(self._states) > KEEP_STATES:
                self._states.popitem(last=False)

    def state(self, batch: str) -> JobState | None:
        with self._lock:
            return self._states.get(batch)

    def submit(self, batch: str, files: list[Path]) -> None:
        self._set(batch, JobState("queued"))
        self._pool.submit(self._run, batch, files)

    def _run(self, batch: str, files: list[Path]) -> None:
        from bontot.intake import run_intake
        from bontot.service import evaluate_workspace

        self._set(batch, JobState("running"))
        try:
            # a file whose transaction met a busy database is still in the inbox: read again,
            # then evaluate every year (which years the interrupted run changed is unknown)
            years: set[int] | None = set()
            for attempt in range(3):
                try:
                    report = run_intake(self._ws, files=files)
                    years = None if years is None else years | report.years
                    break
                except StoreError as exc:
                    if not is_locked(exc) or attempt == 2:
                        raise
                    years = None
                    time.sleep(0.5)
            if (years is None or years) and self._evaluate:
                chosen = None if years is None else sorted(years)
                when_free(lambda: evaluate_workspace(self._ws, chosen))
        except BontotError as exc:
            self._set(batch, JobState("error", exc.message))
            return
        except Exception:  # a bug must not kill the worker; the files stay in the inbox
            log.exception("intake of upload %s failed", batch)
            self._set(
                batch,
                JobState(
                    "error",
                    "Lỗi chương trình khi đọc tệp; tệp vẫn nằm trong "
                    "inbox/ và sẽ được đọc lại ở lần sau.",
                ),
            )
            return
        self._set(batch, JobState("done"))

    def wait_idle(self, timeout: float = 60) -> bool:
        """Block until every submitted job has run (tests, shutdown)."""
        done = threading.Event()
        self._pool.submit(done.set)
        return done.wait(timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
