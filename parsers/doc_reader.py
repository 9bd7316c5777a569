"""Old Word .doc (Word 97–2003, and RTF saved as ".doc") → Layout, through LibreOffice.

Nothing in Python reads .doc text with its tables and fonts reliably; LibreOffice does, so the
file is converted to .docx in a private temporary folder and read by the .docx reader.  The
conversion keeps the runs' font names, so TCVN3/VNI text of old files is still converted.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bontot.errors import ReadError
from bontot.office import convert
from parsers.base import Layout, read_options
from parsers.docx_reader import read_docx

CONVERTED_NOTE = "Đã chuyển tệp Word cũ (.doc) sang .docx bằng LibreOffice để đọc"


def read_doc(path: str | Path, *, soffice: str | None = None, timeout: float | None = None
             ) -> Layout:
    """Read one .doc; LibreOffice failures are OfficeError, an unreadable result ReadError.

    ``soffice`` and ``timeout`` (seconds for the LibreOffice call) default to the current
    :func:`~parsers.base.read_options` (the workspace's settings during an intake).
    """
    path = Path(path)
    return read_docs([path], soffice=soffice, timeout=timeout)[path]


def read_docs(paths: Sequence[str | Path], *, soffice: str | None = None,
              timeout: float | None = None) -> dict[Path, Layout]:
    """Read many .doc files with one LibreOffice start (about a second saved per file)."""
    options = read_options()
    soffice = soffice or options.soffice
    timeout = timeout if timeout is not None else options.office_timeout
    files = [Path(p) for p in paths]
    with tempfile.TemporaryDirectory(prefix="bontot-doc-") as tmp:
        converted = convert(files, "docx", Path(tmp), soffice=soffice, timeout=timeout)
        return {src: _read_converted(src, converted[src]) for src in files}


def _read_converted(src: Path, docx: Path) -> Layout:
    try:
        layout = read_docx(docx)
    except ReadError as exc:
        raise ReadError(f"Tệp Word {src.name} đã chuyển đổi nhưng không đọc được: "
                        f"{exc.message}", src.name) from exc
    return replace(layout, source="doc", notes=(CONVERTED_NOTE, *layout.notes))
