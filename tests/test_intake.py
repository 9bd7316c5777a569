"""The inbox, end to end with real files: kept, read, stored once, bad files to review."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bontot import store as st
from bontot.intake import run_intake
from bontot.models import Unit, UnitKind
from bontot.roster import write_roster
from bontot.service import import_roster
from bontot.workspace import Workspace, init_workspace
from tests.formgen import form02_values, write_form02

UNITS = [
    Unit("QN", "Đảng bộ tỉnh Quảng Ngãi", UnitKind.DANG_BO_TINH),
    Unit("HU", "Đảng bộ huyện Trà Giang", UnitKind.DANG_BO_TRUC_THUOC, "QN", recognising=True),
    Unit("HU-01", "Đảng bộ xã Ba Khê", UnitKind.DANG_BO_CO_SO, "HU"),
    Unit("HU-01-01", "Chi bộ Thôn Làng Mầm", UnitKind.CHI_BO, "HU-01"),
    Unit("HU-01-02", 'Chi bộ A & B <1> "x"', UnitKind.CHI_BO, "HU-01"),
]


def settle(path: Path) -> Path:
    """Make a file look fully copied (modified a minute ago)."""
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    workspace = init_workspace(tmp_path / "ws")
    write_roster(UNITS, tmp_path / "roster.xlsx")
    import_roster(workspace, tmp_path / "roster.xlsx")
    return workspace


def _assessments(ws: Workspace) -> dict:
    with st.open_store(ws.database_url).session() as s:
        return st.current_assessments(s)


def test_good_form_is_archived_stored_and_removed_from_inbox(ws: Workspace) -> None:
    values = form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024)
    settle(write_form02(ws.inbox / "Báo cáo chi bộ Làng Mầm.docx", values))
    report = run_intake(ws)
    assert [o.status for o in report.outcomes] == ["stored"], report.outcomes[0].forms
    assert report.years == {2024}
    assert list(ws.inbox.iterdir()) == []
    sha = report.outcomes[0].sha256
    archived = list(ws.archive.rglob(f"{sha}.*"))
    assert len(archived) == 1
    stored = _assessments(ws)[("HU-01-01", 2024)]
    assert stored.fields["rated_good"] == 15 and stored.fields["t1_work_program"] is True


def test_same_file_twice_counts_once(ws: Workspace) -> None:
    values = form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024)
    first = write_form02(ws.inbox / "a.docx", values)
    data = first.read_bytes()
    settle(first)
    run_intake(ws)
    (ws.inbox / "a (1).docx").write_bytes(data)
    settle(ws.inbox / "a (1).docx")
    report = run_intake(ws)
    assert [o.status for o in report.outcomes] == ["duplicate"]
    with st.open_store(ws.database_url).session() as s:
        assert len(st.assessment_history(s, "HU-01-01", 2024)) == 1
        assert len(st.list_readings(s)) == 1


def test_same_file_twice_in_one_batch_counts_once(ws: Workspace) -> None:
    values = form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024)
    first = settle(write_form02(ws.inbox / "a.docx", values))
    twin = ws.inbox / "b.docx"
    twin.write_bytes(first.read_bytes())
    settle(twin)
    report = run_intake(ws)
    assert sorted(o.status for o in report.outcomes) == ["duplicate", "stored"]
    assert [o.note for o in report.outcomes if o.status == "duplicate"] == [
        "Trùng nội dung với tệp a.docx"]
    assert list(ws.inbox.iterdir()) == []
    with st.open_store(ws.database_url).session() as s:
        assert len(st.assessment_history(s, "HU-01-01", 2024)) == 1
        assert len(st.list_readings(s)) == 1


def test_file_dated_in_the_future_is_read_as_received_today(ws: Workspace) -> None:
    """A unit's PC with its clock two days ahead: the file is not 'still being copied' forever,
    and it is not received in the future (which would make it early, or late, by mistake)."""
    values = form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024)
    path = write_form02(ws.inbox / "dong-ho-sai.docx", values)
    ahead = time.time() + 2 * 86400
    os.utime(path, (ahead, ahead))
    report = run_intake(ws)
    assert [o.status for o in report.outcomes] == ["stored"]
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert _assessments(ws)[("HU-01-01", 2024)].received_on == today


def test_file_still_being_copied_is_left(ws: Workspace) -> None:
    values = form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024)
    write_form02(ws.inbox / "dang-chep.docx", values)  # modified just now
    report = run_intake(ws)
    assert [o.status for o in report.outcomes] == ["skipped"]
    assert (ws.inbox / "dang-chep.docx").exists()


def test_corrupt_file_goes_to_review_with_a_note_and_batch_goes_on(ws: Workspace) -> None:
    bad = ws.inbox / "hỏng.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a real docx")
    settle(bad)
    good = settle(write_form02(ws.inbox / "tot.docx",
                               form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2023)))
    assert good.exists()
    report = run_intake(ws)
    statuses = {o.name: o.status for o in report.outcomes}
    assert statuses == {"hỏng.docx": "review", "tot.docx": "stored"}
    notes = list(ws.review.glob("*.LOI.txt"))
    assert len(notes) == 1
    text = notes[0].read_text(encoding="utf-8")
    assert "hỏng.docx" in text and "LỖI" in text
    copies = [p for p in ws.review.iterdir() if not p.name.endswith(".txt")]
    assert copies and copies[0].read_bytes() == b"PK\x03\x04 this is not a real docx"
    assert ("HU-01-01", 2023) in _assessments(ws)


def test_figures_that_do_not_add_up_go_to_review(ws: Workspace) -> None:
    values = form02_values("HU-01-01", "Chi bộ Thôn Làng Mầm", 2024, rated_good=14)
    settle(write_form02(ws.inbox / "lech.docx", values))
    report = run_intake(ws)
    assert report.outcomes[0].status == "review"
    messages = " ".join(p.message for f in report.outcomes[0].forms for p in f.problems)
    assert "Số đảng viên được đánh giá, xếp loại" in messages
    assert ("HU-01-01", 2024) not in _assessments(ws)  # waits for a person


def test_unit_not_on_roster_goes_to_review(ws: Workspace) -> None:
    values = form02_values("KHONG-CO", "Chi bộ Lạ", 2024)
    settle(write_form02(ws.inbox / "la.docx", values))
    report = run_intake(ws)
    assert report.outcomes[0].status == "review"
    messages = " ".join(p.message for f in report.outcomes[0].forms for p in f.problems)
    assert "KHONG-CO" in messages


def test_paragraph_layout_and_tricky_name(ws: Workspace) -> None:
    values = form02_values("HU-01-02", 'Chi bộ A & B <1> "x"', 2024)
    settle(write_form02(ws.inbox / "p.docx", values, layout="paragraphs"))
    report = run_intake(ws)
    assert report.outcomes[0].status == "stored", [
        p.message for f in report.outcomes[0].forms for p in f.problems
    ]
    assert _assessments(ws)[("HU-01-02", 2024)].fields["unit_name"] == 'Chi bộ A & B <1> "x"'
