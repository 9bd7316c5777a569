"""Reading a batch's files in parallel: reader processes beside the intake, which stores.

Scans are most of a province's reading time, and one file at a time left a core idle whenever
a file's pages were not being OCR'd (its layout, its fields, its storing): 1.25 of 2 cores busy
over a batch of scans.  Here the intake takes files (hash, archive) and hands each to a pool of
reader processes, a few files ahead; it stores each file's readings in the order taken, so that
the outcome of a batch does not depend on which file was quicker to read.

Processes, not threads: PDFium (pypdfium2) must not be called from two threads at once, even on
two documents, and the label matcher is pure Python.  Spawned, not forked: the intake also runs
in Prefect's threads, and a fork of a threaded process may inherit a held lock; a spawned reader
starts with the environment of the moment (a test's settings, the Tesseract to use).

A small batch is read in this process: starting the readers costs about a second.  The readers
are kept for the next batch of the same process (the flows' intake is a series of batches) and
stop after a few idle minutes, or with the process.  A reader
that dies (killed for memory, a crash inside a native library) takes down the files it held;
each of those is read again alone in a fresh process, and one that kills that one too goes to
review with a note saying so, while the rest of the batch goes on.  A reader whose intake was
killed stops by itself (it watches its parent).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor, CancelledError, Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from parsers.base import ParsedForm, ReadOptions, unreadable

POOL_FROM = 8  # files in a batch from which reader processes pay for their start
IDLE = 300.0  # seconds without a batch after which the readers are stopped
# Files handed to the readers per reader, beyond the one being stored.  A scan takes a reader
# seconds, a .docx milliseconds: with 2 per reader, a scan at the head of the queue left the
# other reader idle once it had read its few .docx (scans of a province batch: 68 % of 2 cores
# busy); results wait in memory, a few KB each.
AHEAD = 32
CRASHED = ("Chương trình đọc tệp bị dừng đột ngột khi đọc tệp này (có thể do tệp quá lớn hoặc "
           "hỏng); tệp được chuyển sang kiểm tra thủ công.")


def reader_count(setting: int | None, files: int) -> int:
    """How many reader processes for a batch of ``files`` (0: read in this process)."""
    wanted = setting if setting is not None else os.cpu_count() or 1
    if wanted <= 1 or files < POOL_FROM or multiprocessing.current_process().daemon:
        return 0  # a daemonic process (a Dask worker) may not have children
    return min(wanted, files)


@contextlib.contextmanager
def named_view(archived: Path, name: str, folder: Path) -> Iterator[Path]:
    """The archived copy seen under the name it was sent with (a link in a private folder), so
    the readers' messages name the file as the clerk knows it, not by its hash."""
    own = folder / uuid.uuid4().hex
    try:
        own.mkdir()
        view = own / name
        view.symlink_to(archived.resolve())
    except OSError:
        shutil.rmtree(own, ignore_errors=True)
        yield archived
        return
    try:
        yield view
    finally:
        view.unlink(missing_ok=True)
        try:
            own.rmdir()
        except OSError:
            shutil.rmtree(own, ignore_errors=True)


def read_archived(archived: Path, name: str, options: ReadOptions, views: Path
                  ) -> list[ParsedForm]:
    """Read an archived file (in this process or in a reader process)."""
    from parsers import parse_file
    from parsers.base import reading_with

    with named_view(archived, name, views) as view, reading_with(options):
        return parse_file(view)


def _watch_parent() -> None:
    """In a reader: stop when the intake that started it is gone (killed, not shut down)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


class _Shared:
    """The process's readers, kept between batches: one pool, for one size and environment (a
    reader keeps the environment it started with: which Tesseract, which LibreOffice)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pools: dict[tuple[int, int], ProcessPoolExecutor] = {}
        self.used = 0.0
        self.active = 0  # batches reading now: their readers are never stopped as idle

    def get(self, count: int) -> ProcessPoolExecutor:
        """The readers for a batch (which must call :meth:`release` when it is done)."""
        key = (count, hash(tuple(sorted(os.environ.items()))))
        with self.lock:
            self.used = time.monotonic()
            self.active += 1
            pool = self.pools.get(key)
            if pool is None:
                for old in self.pools.values():
                    old.shutdown(wait=False, cancel_futures=True)
                self.pools = {key: Readers._new(count)}
                pool = self.pools[key]
            return pool

    def drop(self, pool: ProcessPoolExecutor) -> None:
        """A broken pool: forgotten, so that the next batch starts a new one."""
        with self.lock:
            self.pools = {n: p for n, p in self.pools.items() if p is not pool}
        pool.shutdown(wait=False, cancel_futures=True)

    def release(self) -> None:
        """A batch is done: stop the readers if no other batch comes within IDLE seconds."""
        with self.lock:
            self.used = time.monotonic()
            self.active = max(0, self.active - 1)
        timer = threading.Timer(IDLE + 1.0, self._reap)
        timer.daemon = True
        timer.start()

    def _reap(self) -> None:
        with self.lock:
            if self.active or time.monotonic() - self.used < IDLE:
                return
            pools, self.pools = list(self.pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self.lock:
            pools, self.pools = list(self.pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


_SHARED = _Shared()
atexit.register(_SHARED.shutdown)


def stop_readers() -> None:
    """Stop this process's reader processes now (they start again with the next batch)."""
    _SHARED.shutdown()


class Readers:
    """The files of one batch read in this process or in ``count`` reader processes."""

    def __init__(self, options: ReadOptions, count: int) -> None:
        self.count = count
        cores = os.cpu_count() or 1
        # each reader OCRs its own file's pages one core's worth at a time: the files side by
        # side fill the cores, instead of every reader's pages fighting over all of them
        self.options = replace(options, ocr_jobs=max(1, cores // count)) if count else options
        self._views = Path(tempfile.mkdtemp(prefix="bontot-read-"))
        self._pool: ProcessPoolExecutor | None = None
        self._handed: list[Future[list[ParsedForm]]] = []
        self._got = 0  # times this batch took the shared readers (again after a crash)

    def __enter__(self) -> Readers:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self._handed:  # left by an error: not read for nothing
            future.cancel()
        for future in self._handed:
            with contextlib.suppress(BaseException):
                future.exception()
        for _ in range(self._got):
            _SHARED.release()
        shutil.rmtree(self._views, ignore_errors=True)

    @property
    def ahead(self) -> int:
        """Files to hand out before storing the first of them."""
        return self.count * AHEAD

    def submit(self, archived: Path, name: str) -> Future[list[ParsedForm]]:
        if not self.count:
            done: Future[list[ParsedForm]] = Future()
            done.set_result(read_archived(archived, name, self.options, self._views))
            return done
        if self._pool is None:
            self._pool = _SHARED.get(self.count)
            self._got += 1
        future = self._pool.submit(read_archived, archived, name, self.options, self._views)
        self._handed.append(future)
        return future

    def result(self, future: Future[list[ParsedForm]], archived: Path, name: str
               ) -> list[ParsedForm]:
        """The file's readings; read alone again when its reader died."""
        try:
            return future.result()
        except BrokenExecutor:
            if self._pool is not None:
                _SHARED.drop(self._pool)
                self._pool = None
            return self._alone(archived, name)
        except CancelledError:  # its readers were stopped under it (stop_readers, a new env)
            return self._alone(archived, name)
        finally:
            if future in self._handed:
                self._handed.remove(future)

    def _alone(self, archived: Path, name: str) -> list[ParsedForm]:
        with self._spawned(1) as one:
            try:
                return one.submit(read_archived, archived, name, self.options,
                                  self._views).result()
            except BrokenExecutor:
                return [unreadable(name, CRASHED)]

    @contextlib.contextmanager
    def _spawned(self, count: int) -> Iterator[ProcessPoolExecutor]:
        pool = self._new(count)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _new(count: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=count,
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_watch_parent)
