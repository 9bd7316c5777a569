"""What may retry, and how many heavy programs run at once on a machine.

Only I/O retries: a file share that hiccups, LibreOffice or Tesseract crashing or hanging, a
database connection dropped.  A form that cannot be read, a plan that is wrong, a rule that
refuses: these are the same on the next attempt and never retry.

OCR (tesseract) and LibreOffice use a whole core each; a Prefect global concurrency limit named
after the machine (``bontot-cpu-<host>``, as many slots as the machine has cores) keeps the tasks
of every flow run on that machine, together, to the cores there are.
"""

from __future__ import annotations

import functools
import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from bontot.errors import BontotError, OfficeError, StoreError
from parsers.ocr import OcrError

RETRIES = 2
RETRY_DELAYS = [5, 30]  # seconds: a share or a database back after a short outage


def is_transient(exc: BaseException | None) -> bool:
    """True when ``exc`` comes from I/O that may work on a second attempt."""
    if exc is None:
        return False
    if isinstance(exc, OcrError):
        return exc.reason in ("timeout", "failed")  # not an installation problem
    if isinstance(exc, OfficeError):
        return True  # soffice crashed or hung (it was killed): a fresh start usually works
    if isinstance(exc, StoreError):
        return isinstance(exc.__cause__, OperationalError | InterfaceError)  # connection, lock
    if isinstance(exc, BontotError):
        return False  # a refusal with a reason: the same next time
    return isinstance(exc, OSError | TimeoutError)


def retry_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's ``retry_condition_fn``: retry a failed task only after an I/O failure."""
    return is_transient(state.data if isinstance(state.data, BaseException) else None)


def cpu_count() -> int:
    return max(1, os.cpu_count() or 1)


def cpu_limit_name(host: str | None = None) -> str:
    """The name of this machine's limit (Prefect limit names: letters, digits, dashes)."""
    host = re.sub(r"[^a-z0-9-]+", "-", (host or socket.gethostname()).lower()).strip("-")
    return f"bontot-cpu-{host or 'may'}"


_ENSURE_LOCK = threading.Lock()


def ensure_limit(name: str, slots: int) -> None:
    """Create (or resize) a global concurrency limit, once per process and Prefect API."""
    from prefect.settings import PREFECT_API_URL

    with _ENSURE_LOCK:
        _ensure(name, slots, PREFECT_API_URL.value() or "")


@functools.cache
def _ensure(name: str, slots: int, api_url: str) -> None:
    from prefect import get_client
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.upsert_global_concurrency_limit_by_name(name, slots)
        except ObjectAlreadyExists:  # another process created it between read and create
            pass


@contextmanager
def one_at_a_time(name: str) -> Iterator[None]:
    """Hold the only slot of the limit ``name`` (created with one slot) while the block runs:
    across every machine that uses this Prefect server."""
    from prefect.concurrency.sync import concurrency

    ensure_limit(name, 1)
    with concurrency(name, occupy=1, strict=True):
        yield


@contextmanager
def cpu_slots(wanted: int = 1) -> Iterator[int]:
    """Hold ``wanted`` of this machine's CPU slots (at most all of them) while the block runs;
    yields how many were taken."""
    from prefect.concurrency.sync import concurrency

    slots = cpu_count()
    name = cpu_limit_name()
    ensure_limit(name, slots)
    taken = max(1, min(wanted, slots))
    with concurrency(name, occupy=taken, strict=True):
        yield taken
