"""End to end through the ``bontot`` command: demo workspace, evaluate, assess, roster refusal.

The demo's special cases are checked against the data the demo wrote (read back from the store),
not against numbers copied from a previous run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bontot import store as st
from bontot.cli import main
from bontot.demo import TRICKY_NAME
from bontot.workspace import open_workspace

BONTOT = [sys.executable, "-m", "bontot.cli"]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BONTOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "ws"
    proc = run_cli("demo", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "Kết quả theo cấp ủy xét công nhận" in proc.stdout
    return root


def _evaluation(root: Path, code: str, year: int) -> dict:
    ws = open_workspace(root)
    with st.open_store(ws.database_url).session() as s:
        evals = st.current_evaluations(s, year=year)
    matches = [e for (c, y, _), e in evals.items() if c == code and y == year]
    assert len(matches) == 1, f"no evaluation for {code} {year}"
    return matches[0].result


def _assessment(root: Path, code: str, year: int) -> dict:
    ws = open_workspace(root)
    with st.open_store(ws.database_url).session() as s:
        return dict(st.current_assessments(s, year)[(code, year)].fields)


def test_demo_builds_every_year_and_committee(demo_ws: Path) -> None:
    proc = run_cli("evaluate", str(demo_ws), "--json")
    assert proc.returncode == 0, proc.stderr
    summaries = json.loads(proc.stdout)
    assert [s["committee"] for s in summaries] == ["HU-TG", "TU-BD", "DUK"]
    assert sum(s["candidates"] for s in summaries) == 230  # 30 grassroots + 200 chi bộ
    for s in summaries:
        assert set(s["four_good_by_year"]) == {"2022", "2023", "2024", "2025"}
        assert len(s["so_ket"]["selected"]) <= s["so_ket"]["cap"]
    duk = summaries[2]
    assert duk["registered"] == 3 and duk["so_ket"]["cap"] == 0  # 3 registered → cap 0
    assert duk["so_ket"]["notes"]


def test_rerun_reports_unchanged(demo_ws: Path) -> None:
    proc = run_cli("evaluate", str(demo_ws))
    assert proc.returncode == 0, proc.stderr
    assert "Đã lưu 0 kết quả mới" in proc.stdout


def test_t4_boundary_90_percent_meets(demo_ws: Path) -> None:
    fields = _assessment(demo_ws, "HU-TG-03", 2024)
    assert (fields["rated_excellent"] + fields["rated_good"], fields["members_evaluated"]) == (
        90,
        100,
    )
    assert _evaluation(demo_ws, "HU-TG-03", 2024)["criteria"]["t4"]["met"] is True


def test_t4_boundary_89_of_99_fails(demo_ws: Path) -> None:
    result = _evaluation(demo_ws, "HU-TG-04", 2024)
    assert result["criteria"]["t4"]["met"] is False
    assert any("89/99" in r for r in result["criteria"]["t4"]["reasons"])


def test_press_detection_fails_t3(demo_ws: Path) -> None:
    assert _assessment(demo_ws, "TU-BD-01-02", 2024)["t3_violations"] == 0
    t3 = _evaluation(demo_ws, "TU-BD-01-02", 2024)["criteria"]["t3"]
    assert t3["met"] is False and any("báo chí" in r for r in t3["reasons"])


def test_self_assessment_not_met_binds(demo_ws: Path) -> None:
    t2 = _evaluation(demo_ws, "TU-BD-02-03", 2023)["criteria"]["t2"]
    assert t2["met"] is False and any("tự đánh giá" in r for r in t2["reasons"])


def test_tricky_name_survives_the_store(demo_ws: Path) -> None:
    ws = open_workspace(demo_ws)
    with st.open_store(ws.database_url).session() as s:
        names = {u.name for u in st.load_units(s)}
    assert TRICKY_NAME in names


def test_dang_bo_uses_software_results_for_sub_cells(demo_ws: Path) -> None:
    result = _evaluation(demo_ws, "HU-TG-01", 2023)
    assert "sub_cells_rule" in result
    assert "sub_cells_from_form" not in {f["code"] for f in result["flags"]}


def test_assess_flat_and_parse_shapes(tmp_path: Path) -> None:
    flat = {
        "unit_kind": "chi_bo",
        "year": 2024,
        "t1_work_program": "Có",
        "t1_targets_assigned": 10,
        "t1_targets_met": 10,
        "t1_admission_target": 0,
        "t1_admitted": 0,
        "t1_backlog_cases": 0,
        "t1_other_tasks": True,
        "t2_regular_meetings": 12,
        "t2_thematic_meetings": 4,
        "t2_quality_ok": True,
        "t3_working_rules": True,
        "t3_violations": 0,
        "t3_external_detection": False,
        "t4_movement": True,
        "members_evaluated": 10,
        "rated_excellent": 2,
        "rated_good": 7,
        "rated_complete": 1,
        "rated_incomplete": 0,
    }
    path = tmp_path / "flat.json"
    path.write_text(json.dumps(flat, ensure_ascii=False), encoding="utf-8")
    proc = run_cli("assess", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # a chi bộ needs 100 %: 9 of 10 fails T4 only → 3 criteria with T1
    assert [doc["criteria"][k]["met"] for k in ("t1", "t2", "t3", "t4")] == [
        True,
        True,
        True,
        False,
    ]
    assert doc["classification"] == "hoan_thanh_tot" and doc["four_good"] is False
    parsed = {
        "form_code": "02-TDG",
        "source": "docx",
        "fields": {k: {"value": v, "confidence": 1.0, "raw": str(v)} for k, v in flat.items()},
        "problems": [],
        "needs_review": False,
    }
    proc2 = run_cli("assess", "-", "--json", stdin=json.dumps(parsed))
    assert proc2.returncode == 0, proc2.stderr
    assert json.loads(proc2.stdout)["criteria"] == doc["criteria"]


def test_assess_refuses_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"t1_targets_met": "mười"}', encoding="utf-8")
    proc = run_cli("assess", str(path), "--json")
    assert proc.returncode == 2
    assert "Số chỉ tiêu đạt và vượt" in proc.stderr and "số nguyên" in proc.stderr


def test_roster_refusal_names_the_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    ws_dir = tmp_path / "ws"
    assert main(["init", str(ws_dir)]) == 0
    wb = Workbook()
    sheet = wb.active
    sheet.append(["Mã đơn vị", "Tên tổ chức đảng", "Loại", "Mã cấp trên"])
    sheet.append(["HU", "Đảng bộ huyện X", "dang_bo_truc_thuoc", ""])
    sheet.append(["CB1", "Chi bộ Một", "chi_bo", "KHONGCO"])
    wb.save(tmp_path / "r.xlsx")
    proc = run_cli("roster", "import", str(ws_dir), str(tmp_path / "r.xlsx"))
    assert proc.returncode == 4
    assert "Dòng 3" in proc.stderr and "chưa nhập gì" in proc.stderr
    with st.open_store(open_workspace(ws_dir).database_url).session() as s:
        assert st.load_units(s) == []
