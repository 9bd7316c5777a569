"""bench.province: the province at ``--scale small`` end to end, and its small helpers."""

from __future__ import annotations

import importlib.util
import random
import shutil
from pathlib import Path

import pytest

from bench.province import (
    COLUMNS,
    MEDIA,
    SCALES,
    markdown,
    plan_jobs,
    province_units,
    sample_names,
    table,
    with_section,
)
from bontot.models import UnitKind


def test_province_shape_and_shares() -> None:
    scale = SCALES["province"]
    units = province_units(scale.committees, scale.grassroots)
    committees = [u for u in units if u.kind is UnitKind.DANG_BO_TRUC_THUOC]
    grassroots = [u for u in units if u.kind.is_grassroots_candidate]
    assert len(committees) == 17
    assert len(grassroots) == 1500
    assert len({u.code for u in units}) == len(units)
    jobs = plan_jobs(units, seed=0)
    assert len(jobs) == 3000
    counts = {m: sum(j.medium == m for j in jobs) for m in MEDIA}
    assert counts == {"docx": 1800, "pdf-text": 900, "scan": 300}
    assert len({j.stem for j in jobs}) == len(jobs)


def test_naive_sample_takes_whole_units_and_a_share_of_each_kind() -> None:
    rng = random.Random(1)
    manifest = {f"U{i:03d}_mau{code}.x": {"medium": rng.choice(MEDIA)}
                for i in range(200) for code in ("01", "02")}
    sample = sample_names(manifest, 0.1, seed=0)
    picked = [n for names in sample.values() for n in names]
    for medium in MEDIA:
        total = sum(1 for e in manifest.values() if e["medium"] == medium)
        assert len(sample[medium]) >= 0.1 * total
        assert all(manifest[n]["medium"] == medium for n in sample[medium])
    units = {n.rsplit("_mau", 1)[0] for n in picked}
    assert len(picked) == 2 * len(units) < len(manifest)  # both forms of each unit taken
    assert sample_names(manifest, 1.0, seed=0)["docx"] == sorted(
        n for n, e in manifest.items() if e["medium"] == "docx")


def test_readme_section_is_replaced_not_appended() -> None:
    doc = "# bench\n\n## Parse\n\nparse text\n\n## Web\n\nweb text\n"
    once = with_section(doc, "Province", "first")
    assert once.endswith("## Province\n\nfirst\n")
    twice = with_section(once, "Province", "second")
    assert twice.count("## Province") == 1 and "first" not in twice and "second" in twice
    inside = with_section("## Province\n\nold\n\n## Web\n\nweb text\n", "Province", "new")
    assert inside == "## Province\n\nnew\n\n## Web\n\nweb text\n"
    assert "## Parse\n\nparse text" in twice


def _missing_tools() -> list[str]:
    missing = [t for t in ("soffice", "tesseract", "gs") if shutil.which(t) is None]
    if importlib.util.find_spec("ocrmypdf") is None:
        missing.append("ocrmypdf")
    return missing


@pytest.mark.slow
@pytest.mark.skipif(bool(_missing_tools()), reason=f"needs {', '.join(_missing_tools())}")
def test_small_province_end_to_end(tmp_path: Path) -> None:
    from bench.province import run

    # the naive pipeline on half of each kind, times scaled up: the path --scale province takes
    # (and a minute less on a loaded machine)
    result = run("small", seed=0, base=tmp_path / "province", naive_share=0.5,
                 log=lambda _: None)
    manifest = result.manifest
    assert len(manifest) == 60
    assert {e["medium"] for e in manifest.values()} == set(MEDIA)

    # every file read once, and stored or sent to review; no invalid form stored
    assert set(result.outcomes) == set(manifest)
    assert set(result.naive_outcomes) <= set(manifest)
    for medium in MEDIA:
        kind = [n for n, e in manifest.items() if e["medium"] == medium]
        assert sum(n in result.naive_outcomes for n in kind) >= len(kind) / 2
    for outcomes in (result.outcomes, result.naive_outcomes):
        assert set(outcomes.values()) <= {"stored", "review"}
        silent = [n for n in outcomes if manifest[n]["needs_review"] and outcomes[n] != "review"]
        assert silent == []
    valid_docx = [n for n, e in manifest.items()
                  if e["medium"] == "docx" and not e["needs_review"]]
    stored = sum(result.outcomes[n] == "stored" for n in valid_docx)
    assert stored >= 0.7 * len(valid_docx), f"only {stored}/{len(valid_docx)} valid .docx stored"
    review = tmp_path / "province" / "product" / "review"
    for name, status in result.outcomes.items():
        notes = list(review.glob(f"*-{name}.LOI.txt"))
        assert (len(notes) == 1) == (status == "review"), name

    # the year's decisions written, as PDFs
    assert result.documents
    for pdf in result.documents:
        assert pdf.read_bytes()[:5] == b"%PDF-"
        assert pdf.with_suffix(".docx").is_file()

    # the table: every row, with its numbers
    names = [s.name for s in result.stages]
    assert names == ["intake: .docx", "intake: text PDF", "intake: scans", "intake (all)",
                     "evaluate", "documents with PDF", "whole run"]
    whole = result.stage("whole run")
    assert whole.count == 60 and whole.wall > 0 and whole.cpu > 0 and whole.peak_mb
    assert whole.naive_wall and whole.naive_wall > 0
    assert result.stage("intake: scans").floor and result.stage("documents").floor
    assert result.floor > 0 and result.ocr_per_page > 0 and result.lo_per_doc > 0
    assert result.floor == pytest.approx(whole.floor)
    assert result.speedup == pytest.approx(whole.naive_wall / whole.wall)
    assert result.stage("evaluate").count > 0
    rendered = table(result, "t")
    assert [c.header for c in rendered.columns] == list(COLUMNS)
    assert rendered.row_count == len(result.stages)
    text = markdown(result, "python -m bench.province --scale small")
    assert all(f"| {name}" in text for name in names)
    assert "speed-up over the naive pipeline" in text


def test_sample_is_seeded() -> None:
    manifest = {f"f{i}": {"medium": random.Random(i).choice(MEDIA)} for i in range(50)}
    assert sample_names(manifest, 0.2, 3) == sample_names(manifest, 0.2, 3)


def test_readme_keeps_the_last_run_of_each_scale() -> None:
    from bench.province import scale_blocks

    doc = ("## Province\n\nintro\n\n### 2026-11-28: `python -m bench.province --scale province`"
           "\n\nbig table\n\n### 2026-11-28: `python -m bench.province --scale small`\n\n"
           "small table\n\n## Web\n\nweb\n")
    blocks = scale_blocks(doc)
    assert set(blocks) == {"province", "small"}
    assert "big table" in blocks["province"] and "small table" not in blocks["province"]
    assert "small table" in blocks["small"] and "web" not in blocks["small"]
