"""``bontot intake`` killed with SIGKILL at random moments, then run again: the end state is that
of an uninterrupted run — every form stored once, every original archived, the inbox empty."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bontot import store as st
from bontot.roster import write_roster
from bontot.service import import_roster
from bontot.workspace import Workspace, init_workspace
from tests.formgen import form02_values, write_form02
from tests.test_intake import UNITS, settle

pytestmark = pytest.mark.slow
FILES = 20


def _fill_inbox(ws: Workspace, n: int) -> None:
    codes = ["HU-01-01", "HU-01-02"]
    for i in range(n):
        code = codes[i % 2]
        values = form02_values(code, "x", 2022 + (i // 2) % 6, t2_thematic_meetings=4 + i)
        settle(write_form02(ws.inbox / f"phieu-{i:02d}.docx", values))


def _state(ws: Workspace) -> tuple:
    with st.open_store(ws.database_url).session() as s:
        readings = st.list_readings(s)
        files = {r.source_file_id for r in readings}
        assessments = {
            k: v.fields["t2_thematic_meetings"] for k, v in st.current_assessments(s).items()
        }
        history = sum(len(st.assessment_history(s, c, y)) for (c, y) in assessments)
    archived = sum(1 for p in ws.archive.rglob("*") if p.is_file())
    return len(readings), len(files), assessments, history, archived


def _workspace(root: Path) -> Workspace:
    ws = init_workspace(root)
    write_roster(UNITS, root / "roster.xlsx")
    import_roster(ws, root / "roster.xlsx")
    _fill_inbox(ws, FILES)
    return ws


def test_sigkill_during_intake_loses_and_doubles_nothing(tmp_path: Path) -> None:
    reference = _workspace(tmp_path / "ref")
    cmd = [sys.executable, "-m", "bontot.cli", "intake"]
    env = {**os.environ, "COLUMNS": "200"}
    started = time.monotonic()
    done = subprocess.run([*cmd, str(reference.root)], capture_output=True, text=True, env=env,
                          timeout=300)
    took = time.monotonic() - started  # the kills fall inside a run, however fast the machine
    assert done.returncode == 0, done.stderr
    expected = _state(reference)
    assert expected[0] == FILES and len(expected[2]) == 12  # 2 units × 6 years, 8 sent again

    rng = random.Random(9)
    ws = _workspace(tmp_path / "killed")
    kills = 0
    for _ in range(20):
        if not any(ws.inbox.iterdir()):
            break
        proc = subprocess.Popen([*cmd, str(ws.root)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.15, 0.85) * took)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = subprocess.run([*cmd, str(ws.root)], capture_output=True, text=True, env=env,
                           timeout=300)
    assert final.returncode == 0, final.stderr
    assert kills >= 3
    assert list(ws.inbox.iterdir()) == []
    assert _state(ws) == expected
    leftovers = [p for p in ws.root.rglob(".*.tmp")]
    assert leftovers == []
