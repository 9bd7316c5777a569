"""The intake's reader processes (``bontot.readers``): a batch read by two reader processes
gives what one process gives, file for file and in the store; a reader that dies takes only the
file that killed it to review; readers of a killed intake stop by themselves.

Real parts: the real intake, real files (``tests.badinputs`` and the form generator), the real
LibreOffice and Tesseract; a Tesseract that kills the process that started it, or that hangs, is
a script put where Tesseract is looked for (``$BONTOT_TESSERACT``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bontot import readers as rd
from bontot.intake import FileOutcome, IntakeReport, run_intake
from bontot.workspace import Workspace
from tests import badinputs as bad
from tests.test_bad_inputs import (  # noqa: F401  (roster_file is a fixture)
    GOOD,
    KINDS,
    Kind,
    add_bad,
    add_good_form,
    assert_kept,
    assessments,
    fake_program,
    outcome_of,
    roster_file,
    said,
    set_config,
)

# files of every family: Word (.docx, .doc through LibreOffice), text PDF, scan, and bad ones
CHOSEN = ("zero-bytes", "truncated-docx", "encrypted-pdf", "months-active-13",
          "unit-not-on-roster", "ratings-do-not-add-up", "year-after-plan",
          "rtf-letter-doc-via-libreoffice", "image-named-pdf", "same-unit-year-twice",
          "letter-not-form")


def batch() -> list[Kind]:
    by_id = {k.id: k for k in KINDS}
    return [replace(by_id[i], name=f"{n:02d}-{by_id[i].name}")  # some kinds share a name
            for n, i in enumerate(CHOSEN) if i in by_id]


@pytest.fixture()
def make_ws(tmp_path: Path, roster_file: Path):  # noqa: F811
    from bontot.service import import_roster
    from bontot.workspace import init_workspace

    def make(name: str, **settings: object) -> Workspace:
        ws = init_workspace(tmp_path / name)
        import_roster(ws, roster_file)
        return set_config(ws, **settings) if settings else ws

    return make


def fill(ws: Workspace) -> dict[str, bytes]:
    """The same batch in any workspace: the chosen kinds, then the good form, fixed times."""
    originals = {}
    for n, kind in enumerate(batch()):
        path, original = add_bad(ws, kind)
        if kind.received is None:
            os.utime(path, (time.time() - 600 + n, time.time() - 600 + n))
        originals[path.name] = original
    good = add_good_form(ws, when=time.time() - 300)
    originals[good.name] = good.read_bytes()
    return originals


def summary(ws: Workspace, report: IntakeReport) -> list[tuple]:
    """What the clerk sees of each file, in the order the batch reports them."""
    def messages(o: FileOutcome) -> tuple[str, ...]:
        return tuple(p.message for f in o.forms for p in f.problems)

    return [(o.name, o.status, o.note, messages(o), o.years) for o in report.outcomes]


def stored(ws: Workspace) -> dict:
    """The current assessments, as read (not when they were written)."""
    return {k: (r.fields, r.received_on, r.reading_id, r.actor)
            for k, r in assessments(ws).items()}


def test_the_chosen_files_are_of_the_bad_input_table() -> None:
    assert len(batch()) >= rd.POOL_FROM, [i for i in CHOSEN if i not in {k.id for k in KINDS}]


def test_reader_count() -> None:
    cores = os.cpu_count() or 1
    assert rd.reader_count(None, rd.POOL_FROM - 1) == 0  # a small batch: in this process
    assert rd.reader_count(1, 100) == 0
    assert rd.reader_count(3, 100) == 3 and rd.reader_count(3, rd.POOL_FROM) == 3
    assert rd.reader_count(None, 100) == (cores if cores > 1 else 0)


@pytest.mark.slow
def test_two_readers_read_the_batch_as_one_process_does(make_ws, monkeypatch) -> None:
    one, two = make_ws("one", readers=1), make_ws("two", readers=2)
    for ws in (one, two):
        fill(ws)
    files = len(list(two.inbox.iterdir()))
    rd.stop_readers()  # those an earlier test left
    pools: list[int] = []
    new = rd.Readers._new
    monkeypatch.setattr(rd.Readers, "_new", staticmethod(
        lambda count: pools.append(count) or new(count)))
    alone = run_intake(one)
    assert pools == []
    side_by_side = run_intake(two)
    assert pools == [2]  # the second batch was read by two reader processes
    assert [n for n, _ in rd._SHARED.pools] == [2]  # kept for the next batch
    assert summary(two, side_by_side) == summary(one, alone)
    assert stored(two) == stored(one)
    assert outcome_of(side_by_side, "tot.docx").status == "stored"
    assert (GOOD[0], GOOD[2]) in assessments(two)
    assert len(side_by_side.outcomes) == files
    assert not any(two.inbox.iterdir()), list(two.inbox.iterdir())


def dying_tesseract(folder: Path, pids: Path) -> Path:
    """A Tesseract that answers its probe, then kills the process that asked for a page."""
    return fake_program(folder, "tesseract", (
        'case "$1" in\n'
        '  --version) echo "tesseract 5.3.0"; exit 0;;\n'
        '  --list-langs) printf "List of available languages (3):\\neng\\nosd\\nvie\\n";'
        " exit 0;;\n"
        f"esac\necho $PPID >> {pids}\nkill -9 $PPID\nexit 1\n"))


@pytest.mark.slow
def test_a_reader_that_dies_takes_only_its_file_to_review(make_ws, tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    monkeypatch.setenv("BONTOT_TESSERACT", str(dying_tesseract(tmp_path / "bin", pids)))
    ws = make_ws("ws", readers=2)
    fill(ws)
    scan, original = add_bad(ws, Kind("", "anh-chup.jpg", bad.text_image, ""))
    files = len(list(ws.inbox.iterdir()))
    report = run_intake(ws)
    outcome = outcome_of(report, "anh-chup.jpg")
    assert outcome.status == "review"
    assert rd.CRASHED in said(ws, outcome)
    assert_kept(ws, outcome, original)
    assert len(set(pids.read_text().split())) >= 2  # the pool's reader, then the one alone
    assert outcome_of(report, "tot.docx").status == "stored"  # the rest of the batch went on
    assert (GOOD[0], GOOD[2]) in assessments(ws)
    assert len(report.outcomes) == files
    assert os.getpid() not in {int(p) for p in pids.read_text().split()}


@pytest.mark.slow
def test_readers_of_a_killed_intake_stop(make_ws, tmp_path):
    """SIGKILL of ``bontot intake`` while its readers wait on a hung Tesseract: they go too."""
    pids = tmp_path / "pids"
    fake = fake_program(tmp_path / "bin", "tesseract", (
        'case "$1" in\n'
        '  --version) echo "tesseract 5.3.0"; exit 0;;\n'
        '  --list-langs) printf "List of available languages (3):\\neng\\nosd\\nvie\\n";'
        " exit 0;;\n"
        f"esac\necho $PPID >> {pids}\nexec sleep 30\n"))
    ws = make_ws("ws", readers=2)
    for n in range(rd.POOL_FROM):
        path = distinct_image(ws.inbox / f"anh-{n}.jpg", n)
        os.utime(path, (time.time() - 600, time.time() - 600))
    env = dict(os.environ, BONTOT_TESSERACT=str(fake))
    intake = subprocess.Popen([sys.executable, "-m", "bontot.cli", "intake", str(ws.root)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_lines(pids)) < 2:
            time.sleep(0.2)
        readers = {int(p) for p in _lines(pids)}
        assert len(readers) == 2, readers  # two readers, each waiting on its page
        intake.send_signal(signal.SIGKILL)
        intake.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in readers):
            time.sleep(0.2)
        assert not any(_alive(p) for p in readers)
    finally:
        intake.kill()
        subprocess.run(["pkill", "-f", f"{tmp_path}"], check=False)


def distinct_image(path: Path, n: int) -> Path:
    """``bad.text_image`` with one pixel of its own: not a duplicate of the others."""
    from PIL import Image

    bad.text_image(path)
    with Image.open(path) as image:
        page = image.copy()
    page.putpixel((n, 0), 0)
    page.save(path, format="JPEG")
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


class _Pool:
    """Stands in for a process pool where only its stopping is looked at."""

    def __init__(self) -> None:
        self.stopped = False

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.stopped = True


def test_idle_readers_stop_but_never_under_a_batch(monkeypatch) -> None:
    shared = rd._Shared()
    made: list[_Pool] = []
    monkeypatch.setattr(rd.Readers, "_new", staticmethod(lambda n: made.append(_Pool())
                                                         or made[-1]))
    monkeypatch.setattr(rd, "IDLE", 0.0)
    first = shared.get(2)  # a batch
    second = shared.get(2)  # another batch of the same process, while the first still reads
    assert first is second and len(made) == 1
    shared.release()  # the first is done; the second is not
    shared._reap()
    assert not made[0].stopped  # a batch still reads: its readers stay
    shared.release()
    shared._reap()
    assert made[0].stopped and shared.pools == {}
