"""Trying a store transaction again when SQLite says "database is locked".

The store opens SQLite transactions as deferred: one that reads and then writes is refused at
once (no waiting) if another connection committed in between, which a busy web desk (every
download writes its audit entry) makes likely for the longer read-then-write steps (the
evaluation, an override).  Such a transaction has been rolled back whole, so running it again
is safe; this does so a few times, with a short growing pause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from bontot.errors import StoreError

T = TypeVar("T")


def is_locked(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(exc, StoreError) and cause is not None and "locked" in str(cause).lower()


def when_free(work: Callable[[], T], attempts: int = 8, pause: float = 0.05) -> T:
    """``work()``, again after a pause while the database is locked (then the error stands)."""
    for attempt in range(attempts):
        try:
            return work()
        except StoreError as exc:
            if not is_locked(exc) or attempt == attempts - 1:
                raise
        time.sleep(pause * 2**attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")
