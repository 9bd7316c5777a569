"""A Prefect server for ``bontot serve`` when none is configured.

The ephemeral server Prefect starts for a single run cannot hold schedules, so ``bontot serve``
needs a server that lives as long as it does.  When ``PREFECT_API_URL`` names one (a shared
server on PostgreSQL, for several machines) that one is used; otherwise a local server is started
on 127.0.0.1, with its SQLite database inside the workspace (``.prefect/prefect.db``), so that a
workspace carries its own history of runs, and stopped again when serving ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bontot.errors import BontotError
from bontot.workspace import Workspace

DEFAULT_PORT = 4200
START_TIMEOUT_S = 120  # the first start creates the database (about 20 s on a slow disk)


class ServerError(BontotError):
    """The local Prefect server did not start."""

    exit_code = 9


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when a Prefect API answers at ``api_url`` (``http://host:port/api``)."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def server_env(ws: Workspace, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the local server: its database in the workspace, no telemetry."""
    env = dict(os.environ if base is None else base)
    folder = ws.root / ".prefect"
    env.setdefault(
        "PREFECT_API_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{folder / 'prefect.db'}"
    )
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["DO_NOT_TRACK"] = "1"
    env.pop("PREFECT_API_URL", None)
    return env


def start_server(ws: Workspace, port: int, log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "prefect", "server", "start",
           "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=server_env(ws), start_new_session=True,
        )


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM to the server's process group, SIGKILL if it has not stopped in ``timeout``."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def wait_healthy(api_url: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_healthy(api_url):
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.5)
    raise ServerError(
        f"Máy chủ Prefect tại {api_url} không khởi động được sau {timeout:g} giây."
    )


@contextlib.contextmanager
def prefect_api(ws: Workspace, port: int = DEFAULT_PORT) -> Iterator[str]:
    """The Prefect API to use while the block runs: the configured one, a local one already
    running on ``port``, or a local one started now (and stopped at the end)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    url = f"http://127.0.0.1:{port}/api"
    proc = None
    if not is_healthy(url):
        proc = start_server(ws, port, ws.root / ".prefect" / "server.log")
    try:
        wait_healthy(url, proc, START_TIMEOUT_S)
        os.environ["PREFECT_API_URL"] = url  # the runs this process starts inherit it
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        _drain()
        os.environ.pop("PREFECT_API_URL", None)
        if proc is not None:
            stop_server(proc)


def _drain(timeout: float = 5) -> None:
    """Send the logs and events still queued in this process before the server goes."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=timeout)
