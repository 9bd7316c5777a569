"""LibreOffice headless behind one small module: a version probe and a batch converter.

Why batches: a cold start of ``soffice`` costs about a second, a further file in the same call
about a tenth of one, so callers hand over every file at once (``convert``); this module splits
the batch into a few chunks, one soffice per CPU side by side, never more than ``CHUNK_SIZE``
files per call.  Each call runs with its own throw-away profile
(``-env:UserInstallation``), so parallel calls, and a clerk's own open LibreOffice, never meet on
one profile lock.  Inputs are linked into a private folder under neutral ASCII names, which keeps
non-ASCII paths and equal file names in different folders from confusing soffice, and lets a
failed file be told from a stale output of an earlier run.

Every failure is an :class:`~bontot.errors.OfficeError` with a Vietnamese message naming the
file(s): soffice missing, hung past the time limit (the whole process group is killed), or no
output for a file.
"""

from __future__ import annotations

import itertools
import math
import os
import queue
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bontot.errors import OfficeError

# target -> (soffice --convert-to argument, suffix of the output file)
FILTERS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", ".pdf"),
    "docx": ("docx:MS Word 2007 XML", ".docx"),
}
CHUNK_SIZE = 100  # files per soffice call at most: enough to amortise the start-up, few enough
# that a crash or a hang does not cost the whole batch, and LibreOffice's memory stays in check
_INSTALL_HINT = (
    "hãy cài LibreOffice (gói libreoffice-writer) hoặc ghi đường dẫn đúng của soffice"
    " trong bontot.toml"
)
_TAIL = 600  # characters of soffice's own output quoted in an error


def _names(files: Sequence[Path], limit: int = 10) -> str:
    shown = ", ".join(p.name for p in files[:limit])
    return shown + (f" và {len(files) - limit} tệp khác" if len(files) > limit else "")


def _resolve(soffice: str) -> str:
    found = shutil.which(soffice)
    if found is None:
        raise OfficeError(f"Không tìm thấy chương trình LibreOffice '{soffice}': {_INSTALL_HINT}.")
    return found


def _run(cmd: list[str], timeout: float, env: dict[str, str], what: str) -> tuple[int, str]:
    """Run one soffice command in its own process group; kill the whole group on time-out."""
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # soffice → oosplash → soffice.bin: one group to kill
        )
    except OSError as exc:
        raise OfficeError(
            f"Không chạy được LibreOffice '{cmd[0]}' ({exc.strerror or exc}): {_INSTALL_HINT}."
        ) from None
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise OfficeError(
            f"LibreOffice không xong sau {timeout:g} giây khi {what}; đã dừng LibreOffice."
            " Hãy thử lại; nếu vẫn lỗi, mở tệp bằng LibreOffice hoặc Word để kiểm tra."
        ) from None
    finally:
        _kill_group(proc)  # Ctrl-C, an error, or a child left behind: the group goes with us
    return proc.returncode, output.decode("utf-8", errors="replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already
    if proc.returncode is None:
        try:
            proc.communicate(timeout=10)  # reap it, close the pipe
        except (subprocess.TimeoutExpired, ValueError):
            pass


def _env(profile: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(profile.parent)  # what LibreOffice writes outside the profile stays private
    env.setdefault("LANG", "C.UTF-8")
    env.pop("SAL_USE_VCLPLUGIN", None)
    return env


def soffice_version(soffice: str = "soffice", timeout: float = 60) -> str:
    """The version line of LibreOffice (e.g. "LibreOffice 7.4.7.2 40(Build:2)"): the probe."""
    exe = _resolve(soffice)
    with tempfile.TemporaryDirectory(prefix="bontot-lo-") as tmp:
        profile = Path(tmp) / "profile"
        code, text = _run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--version"],
            timeout,
            _env(profile),
            "kiểm tra phiên bản",
        )
    if code != 0:
        raise OfficeError(
            f"LibreOffice '{soffice}' báo lỗi (mã {code}) khi kiểm tra phiên bản:"
            f" {text[-_TAIL:].strip()}"
        )
    lines = [line.strip() for line in text.splitlines() if "LibreOffice" in line]
    if not lines:
        raise OfficeError(f"'{soffice}' không phải LibreOffice (trả lời: {text.strip()[:200]!r}).")
    return lines[0]


def convert(
    files: Sequence[Path],
    to: str,
    outdir: Path,
    *,
    soffice: str = "soffice",
    timeout: float = 120,
    chunk_size: int = CHUNK_SIZE,
    workers: int | None = None,
) -> dict[Path, Path]:
    """Convert many files with as few soffice starts as possible; map each input to its output.

    ``to`` is "pdf" or "docx"; each output is ``outdir / (input stem + suffix)``, replacing a file
    of that name.  The files are split into at most ``workers`` chunks (default: one per CPU, up
    to 4) of at most ``chunk_size``, converted side by side, each by one soffice call with its
    own profile; ``timeout`` bounds each call.  Raises OfficeError when soffice is missing, hangs,
    or gives no output for a file (the files that did convert are in ``outdir`` all the same).
    """
    if to not in FILTERS:
        raise OfficeError(f"Không hỗ trợ chuyển sang '{to}' (chỉ: {', '.join(FILTERS)}).")
    sources = list(dict.fromkeys(Path(f) for f in files))
    if not sources:
        return {}
    missing = [p for p in sources if not p.is_file()]
    if missing:
        raise OfficeError(f"Không tìm thấy tệp cần chuyển đổi: {_names(missing)}.")
    suffix = FILTERS[to][1]
    stems: dict[str, Path] = {}
    for src in sources:
        other = stems.setdefault(src.stem.lower() + suffix, src)
        if other != src:
            raise OfficeError(
                f"Hai tệp cùng tên sẽ ghi đè lên nhau khi chuyển đổi: {other} và {src}."
            )
    exe = _resolve(soffice)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers or min(4, os.cpu_count() or 1), len(sources)))
    size = max(1, min(chunk_size, math.ceil(len(sources) / workers)))
    results: dict[Path, Path] = {}
    failed: list[Path] = []
    notes: list[str] = []  # what soffice said when a lone file failed
    with (
        tempfile.TemporaryDirectory(prefix="bontot-lo-") as tmp,
        ThreadPoolExecutor(workers) as pool,
    ):
        work = Path(tmp)
        profiles: queue.SimpleQueue[Path] = queue.SimpleQueue()
        for i in range(workers):  # two soffice on one profile would hand work to each other
            profiles.put(work / f"profile{i}")
        serial = itertools.count()

        def run(chunk: list[Path]) -> tuple[dict[Path, Path], str]:
            profile = profiles.get()
            try:
                return _convert_chunk(exe, chunk, to, work / f"c{next(serial)}", profile, timeout)
            finally:
                profiles.put(profile)

        batches = [sources[i : i + size] for i in range(0, len(sources), size)]
        try:
            _run_batches(pool, run, batches, outdir, suffix, results, failed, notes)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # no new soffice after a time-out or Ctrl-C
            raise
    if failed:
        said = " / ".join(dict.fromkeys(notes))[-_TAIL:]
        raise OfficeError(
            f"LibreOffice không chuyển được {len(failed)} tệp sang {to.upper()}: {_names(failed)}."
            " Hãy mở thử tệp bằng LibreOffice hoặc Word để kiểm tra tệp có hỏng không."
            + (f" (LibreOffice: {said})" if said else "")
        )
    return results


def _run_batches(
    pool: ThreadPoolExecutor,
    run: Callable[[list[Path]], tuple[dict[Path, Path], str]],
    batches: list[list[Path]],
    outdir: Path,
    suffix: str,
    results: dict[Path, Path],
    failed: list[Path],
    notes: list[str],
) -> None:
    """Run the chunks side by side; a chunk with missing outputs is retried file by file."""
    while batches:
        retry: list[list[Path]] = []
        for chunk, (done, note) in zip(batches, pool.map(run, batches), strict=True):
            left = [src for src in chunk if src not in done]
            if left and len(chunk) > 1:
                # One bad file can end a whole call (a crash): try the rest one by one.
                retry += [[src] for src in left]
            else:
                failed += left
                notes += [note] if left and note else []
            for src, made in done.items():
                target = outdir / (src.stem + suffix)
                shutil.move(made, target)
                results[src] = target
        batches = retry


def _convert_chunk(
    exe: str, chunk: Sequence[Path], to: str, work: Path, profile: Path, timeout: float
) -> tuple[dict[Path, Path], str]:
    """One soffice call over links with neutral names: the outputs it made, and what it said."""
    indir, out = work / "in", work / "out"
    indir.mkdir(parents=True)
    out.mkdir()
    links: list[tuple[Path, Path]] = []
    for i, src in enumerate(chunk):
        link = indir / f"f{i:05d}{src.suffix.lower()}"
        try:
            link.symlink_to(src.resolve())
        except OSError:
            shutil.copyfile(src, link)
        links.append((src, link))
    cmd = [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--convert-to",
        FILTERS[to][0],
        "--outdir",
        str(out),
        *[str(link) for _, link in links],
    ]
    code, said = _run(
        cmd, timeout, _env(profile), f"chuyển {_names(list(chunk))} sang {to.upper()}"
    )
    made: dict[Path, Path] = {}
    for src, link in links:
        result = out / (link.stem + FILTERS[to][1])
        if result.is_file() and result.stat().st_size > 0:
            made[src] = result
    lines = [ln.strip() for ln in said.splitlines() if ln.strip() and "javaldx" not in ln]
    lines = [ln for ln in lines if not ln.startswith("convert ")]
    if code != 0:
        lines.append(f"mã thoát {code}")
    return made, "; ".join(lines)
