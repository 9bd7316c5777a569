"""How many requests the web desk answers, and how fast, with 50 clerks at once on loopback.

``python -m bench.web`` builds the demo province with one generated document (.docx + .pdf) per
candidate unit and per committee, starts ``bontot web``'s application under uvicorn in a
subprocess (one worker, as ``bontot web`` runs it), logs in ``--clients`` separate sessions
(httpx, async, each its own cookie), then for ``--seconds`` each has every client ask, one
request after another, for (1) the document list (a province account, every document matching:
the first page of 100 rows, the largest page there is) and (2) a random document's PDF, checked
byte-count for byte-count; each download writes its audit entry, as in use.  Any status other
than 200, a short body or a transport error counts as an error (and is named).  ``--readme``
appends the table to ``bench/README.md`` under "Web".
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

USER, PASSWORD = "bench-tinh", "bench-mat-khau"
DOCX_BYTES, PDF_BYTES = 38 * 1024, 64 * 1024  # typical sizes of one rendered form


# --- the workspace ----------------------------------------------------------------------------


def build_workspace(root: Path) -> dict[int, int]:
    """The demo province, an account, and documents; returns document id → PDF size."""
    from bontot import store as st
    from bontot.roster import RosterTree
    from bontot.service import load_demo
    from bontot.web.auth import Passwords
    from bontot.web.settings import WebSettings
    from bontot.workspace import init_workspace

    ws = init_workspace(root)
    load_demo(ws, root / "roster.xlsx")
    rng = random.Random(7)
    sizes: dict[int, int] = {}
    with st.open_store(ws.database_url).session() as s:
        tree = RosterTree(st.load_units(s))
        st.accounts.add_user(
            s,
            username=USER,
            password_hash=Passwords(WebSettings()).hash(PASSWORD),
            role="province",
            unit_code=None,
            actor="bench",
        )
        for unit in tree.units:
            if unit.kind.is_grassroots_candidate:
                committee = tree.recognising_committee(unit.code)
                code = committee.code if committee else None
                rel = f"outputs/bieu-mau/{code}/{unit.code}-mau-02-2026.docx"
                kind, scope = "form-02", f"{unit.code}/2026"
            elif unit.code in {c.code for c in tree.committees()}:
                code, kind, scope = unit.code, "qd-cong-nhan", "2025"
                rel = f"outputs/2025/{code}/qd-cong-nhan-2025.docx"
            else:
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(rng.randbytes(DOCX_BYTES))
            pdf = rng.randbytes(PDF_BYTES + rng.randrange(4096))
            path.with_suffix(".pdf").write_bytes(pdf)
            doc_id = st.record_document(
                s,
                kind=kind,
                scope=scope,
                committee_code=code,
                path=rel,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                inputs_sha256="0" * 64,
            )
            sizes[doc_id] = len(pdf)
    return sizes


# --- the server -------------------------------------------------------------------------------


def serve(workspace: str, port: int) -> None:
    """Run in the subprocess: the web desk on loopback, quiet."""
    import uvicorn

    from bontot.web.app import create_app
    from bontot.workspace import open_workspace

    app = create_app(open_workspace(workspace))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workspace: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.web", "--serve", str(workspace), "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the web server exited at start")
        try:
            if httpx.get(base + "/dang-nhap", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the web server did not answer within 60 s")


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # what went wrong, to say so
    bytes: int = 0
    seconds: float = 0.0

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def row(self, clients: int) -> list[str]:
        ordered = sorted(self.latencies)
        n = len(ordered)
        p99 = ordered[min(n - 1, math.ceil(0.99 * n) - 1)] if n else float("nan")
        rate = n / self.seconds if self.seconds else 0.0
        mb_s = self.bytes / self.seconds / (1024 * 1024) if self.seconds else 0.0
        return [
            self.name,
            str(clients),
            f"{n:,}",
            f"{rate:,.0f}",
            f"{1000 * statistics.median(ordered):.0f}" if n else "–",
            f"{1000 * p99:.0f}" if n else "–",
            f"{mb_s:,.1f}",
            str(self.errors),
        ]


HEADERS = ["phase", "clients", "requests", "req/s", "p50 ms", "p99 ms", "MB/s", "errors"]


async def _login(client: httpx.AsyncClient) -> None:
    form = await client.get("/dang-nhap")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "no CSRF token on the login page"
    data = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    reply = await client.post("/dang-nhap", data=data)
    if reply.status_code != 303:
        raise RuntimeError(f"login failed: {reply.status_code}")


async def _worker(client: httpx.AsyncClient, phase: Phase, until: float, pick: object) -> None:
    while time.monotonic() < until:
        url, expected = pick()  # type: ignore[operator]
        start = time.perf_counter()
        try:
            reply = await client.get(url)
            body = reply.content
        except httpx.HTTPError as exc:
            phase.fail(type(exc).__name__)
            continue
        phase.latencies.append(time.perf_counter() - start)
        phase.bytes += len(body)
        if reply.status_code != 200:
            phase.fail(f"HTTP {reply.status_code}")
            if phase.kinds[f"HTTP {reply.status_code}"] == 1:
                text = re.sub(r"<[^>]+>|\s+", " ", reply.text)
                phase.kinds[f"HTTP {reply.status_code}: {text[-300:].strip()}"] = 1
        elif expected is not None and len(body) != expected:
            phase.fail("short body")


async def run_clients(base: str, sizes: dict[int, int], clients: int, seconds: float) -> list:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    pool = [
        httpx.AsyncClient(base_url=base, timeout=60, limits=limits, follow_redirects=False)
        for _ in range(clients)
    ]
    try:
        await asyncio.gather(*(_login(c) for c in pool))
        ids = sorted(sizes)
        rng = random.Random(11)
        listing = Phase(f"list documents (GET /van-ban: 100 of {len(ids)})")
        download = Phase("download a PDF (GET /van-ban/{id}/pdf)")

        def a_pdf() -> tuple[str, int]:
            doc_id = rng.choice(ids)
            return f"/van-ban/{doc_id}/pdf", sizes[doc_id]

        phases = [(listing, lambda: ("/van-ban", None)), (download, a_pdf)]
        for phase, pick in phases:
            warm = Phase("warm-up")
            until = time.monotonic() + 1.5
            await asyncio.gather(*(_worker(c, warm, until, pick) for c in pool))
            start = time.monotonic()
            until = start + seconds
            await asyncio.gather(*(_worker(c, phase, until, pick) for c in pool))
            phase.seconds = time.monotonic() - start
        return [listing, download]
    finally:
        await asyncio.gather(*(c.aclose() for c in pool))


# --- the report -------------------------------------------------------------------------------


def machine() -> str:
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} CPU (load average {load:.1f} at the end), Python "
        f"{platform.python_version()}, one uvicorn worker; server and clients on the same "
        "machine (loopback)"
    )


def markdown(rows: list[list[str]], clients: int, seconds: float, documents: int) -> str:
    lines = [
        "",
        "## Web",
        "",
        f"`python -m bench.web --clients {clients} --seconds {seconds:g}`: the web desk",
        f"(`bontot web`) over the demo province with {documents} documents (.docx + .pdf),",
        f"{clients} logged-in clients (httpx, async, one keep-alive connection each) asking one",
        "request after another for the document list (a province account: the first page of",
        "100 rows, the largest page) and then for random PDFs (every body checked for its",
        "length); each download writes its audit entry, committed before the file is sent.",
        f"{machine()}.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---" for _ in HEADERS) + " |",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--readme", action="store_true", help="append to bench/README.md")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
        return 0
    console = Console(width=140)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        console.print("Building the demo workspace and its documents…")
        sizes = build_workspace(Path(tmp) / "ws")
        proc, base = start_server(Path(tmp) / "ws")
        try:
            console.print(f"{args.clients} clients, {args.seconds:g} s per phase, on {base}")
            phases = asyncio.run(run_clients(base, sizes, args.clients, args.seconds))
        finally:
            proc.terminate()
            proc.wait(20)
    rows = [p.row(args.clients) for p in phases]
    table = Table(title=f"Web desk, {len(sizes)} documents — {machine()}", title_justify="left")
    for name in HEADERS:
        table.add_column(name, justify="left" if name == "phase" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for p in phases:
        if p.errors:
            console.print(f"[red]{p.name}: {p.kinds}[/]")
    if args.readme:
        readme = Path(__file__).resolve().parent / "README.md"
        with readme.open("a", encoding="utf-8") as fh:
            fh.write(markdown(rows, args.clients, args.seconds, len(sizes)))
        console.print(f"Appended to {readme}")
    return 1 if any(p.errors for p in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
