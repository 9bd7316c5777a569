"""bontot.office against the real LibreOffice, and against fake ``soffice`` scripts that hang or
lose files (fault injection: what a real soffice does only now and then, a double does always)."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest

from bontot import office
from bontot.errors import OfficeError

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def make_docx(path: Path, text: str) -> Path:
    d = docx.Document()
    d.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(path)
    return path


def pdf_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(path)
    try:
        return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def fake_soffice(tmp_path: Path, body: str) -> Path:
    """An executable Python script standing in for soffice."""
    script = tmp_path / "fake-soffice"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
    script.chmod(0o755)
    return script


def alive(pid: int) -> bool:
    """Running (a zombie, already dead but not reaped by init, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@needs_soffice
def test_version_probe() -> None:
    assert office.soffice_version().startswith("LibreOffice")


@needs_soffice
def test_batch_of_three_docx_gives_three_pdfs_with_their_text(tmp_path: Path) -> None:
    # Non-ASCII names and one file in another folder: soffice only ever sees neutral links.
    files = [
        make_docx(tmp_path / "a" / "Phiếu đăng ký 1.docx", "Chi bộ Thôn Làng Mầm"),
        make_docx(tmp_path / "a" / "phieu-2.docx", "Đảng bộ xã Ba Khê"),
        make_docx(tmp_path / "b" / "phieu-3.docx", "Huyện ủy Trà Giang"),
    ]
    out = tmp_path / "pdf"
    made = office.convert(files, "pdf", out)
    assert set(made) == set(files)
    assert sorted(p.name for p in out.iterdir()) == sorted(f.stem + ".pdf" for f in files)
    for src, text in zip(files, ["Làng Mầm", "Ba Khê", "Trà Giang"], strict=True):
        assert made[src] == out / (src.stem + ".pdf")
        assert text in pdf_text(made[src])


@needs_soffice
def test_doc_round_trip_to_docx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_docx(tmp_path / "cu.docx", "Báo cáo tự đánh giá năm 2024")
    # Make an old Word 97 file the way a unit's office would have one.
    monkeypatch.setitem(office.FILTERS, "doc", ("doc:MS Word 97", ".doc"))
    old = office.convert([src], "doc", tmp_path / "doc")[src]
    assert old.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # OLE2: a real .doc
    monkeypatch.delitem(office.FILTERS, "doc")
    new = office.convert([old], "docx", tmp_path / "docx")[old]
    assert new.suffix == ".docx"
    text = "\n".join(p.text for p in docx.Document(new).paragraphs)
    assert "Báo cáo tự đánh giá năm 2024" in text


def test_missing_soffice_is_an_office_error_in_vietnamese(tmp_path: Path) -> None:
    src = make_docx(tmp_path / "x.docx", "x")
    missing = str(tmp_path / "khong-co" / "soffice")
    with pytest.raises(OfficeError) as err:
        office.convert([src], "pdf", tmp_path / "out", soffice=missing)
    assert "Không tìm thấy chương trình LibreOffice" in err.value.message
    assert missing in err.value.message
    with pytest.raises(OfficeError, match="Không tìm thấy"):
        office.soffice_version(missing)


def test_missing_input_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(OfficeError, match="khong-co.docx"):
        office.convert([tmp_path / "khong-co.docx"], "pdf", tmp_path / "out")


def test_same_name_from_two_folders_refused(tmp_path: Path) -> None:
    a = make_docx(tmp_path / "a" / "phieu.docx", "a")
    b = make_docx(tmp_path / "b" / "phieu.docx", "b")
    with pytest.raises(OfficeError, match="cùng tên"):
        office.convert([a, b], "pdf", tmp_path / "out")


def test_unknown_target_refused(tmp_path: Path) -> None:
    with pytest.raises(OfficeError, match="Không hỗ trợ"):
        office.convert([], "odt", tmp_path)


def test_nothing_to_convert_starts_nothing(tmp_path: Path) -> None:
    assert office.convert([], "pdf", tmp_path, soffice=str(tmp_path / "none")) == {}


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = fake_soffice(
        tmp_path,
        f"""
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "300"])  # soffice.bin under oosplash
        with open({str(pids)!r}, "w") as fh:
            fh.write(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(300)
        """,
    )
    src = make_docx(tmp_path / "treo.docx", "x")
    started = time.monotonic()
    with pytest.raises(OfficeError) as err:
        office.convert([src], "pdf", tmp_path / "out", soffice=str(script), timeout=2)
    assert time.monotonic() - started < 30
    assert "không xong sau 2 giây" in err.value.message
    assert "treo.docx" in err.value.message
    deadline = time.monotonic() + 5
    ids = [int(p) for p in pids.read_text().split()]
    while any(alive(p) for p in ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in ids), "soffice or its child outlived the time-out"


LOSES_FILES = """
import sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
files = [Path(a) for a in args if a.endswith(".docx")]
profile = next(a for a in args if a.startswith("-env:UserInstallation=file://"))
Path(profile.split("file://", 1)[1]).mkdir(parents=True, exist_ok=True)
for f in files:
    if b"HONG" in f.read_bytes():
        print(f"Error: source file could not be loaded")
        if len(files) > 1:
            sys.exit(0)  # a crash in a batch: the files after this one are lost too
        continue
    (out / (f.stem + ".pdf")).write_bytes(b"%PDF-1.4 fake")
"""


def test_a_file_without_output_is_named_and_the_others_still_convert(tmp_path: Path) -> None:
    script = fake_soffice(tmp_path, LOSES_FILES)
    good = [tmp_path / f"tot-{i}.docx" for i in range(4)]
    for path in good:
        path.write_bytes(b"ok")
    bad = tmp_path / "hong.docx"
    bad.write_bytes(b"HONG")
    out = tmp_path / "out"
    with pytest.raises(OfficeError) as err:
        office.convert([good[0], bad, *good[1:]], "pdf", out, soffice=str(script), workers=1)
    message = err.value.message
    assert "không chuyển được 1 tệp" in message and "hong.docx" in message
    assert "tot-" not in message
    assert sorted(p.name for p in out.iterdir()) == [f"tot-{i}.pdf" for i in range(4)]


def test_batches_are_chunked_and_run_side_by_side(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    script = fake_soffice(
        tmp_path,
        LOSES_FILES + f"\nopen({str(calls)!r}, 'a').write(f'{{len(files)}} {{profile}}\\n')\n",
    )
    files = []
    for i in range(7):
        files.append(tmp_path / f"f{i}.docx")
        files[-1].write_bytes(b"ok")
    made = office.convert(files, "pdf", tmp_path / "out", soffice=str(script), chunk_size=3)
    assert len(made) == 7
    lines = calls.read_text().splitlines()
    assert sorted(int(line.split()[0]) for line in lines) == [1, 3, 3]
    assert os.cpu_count() == 1 or len({line.split()[1] for line in lines}) > 1
