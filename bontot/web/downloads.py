"""The documents of the store as an account may download them: listed, filtered, found by id or
by path, and packed into a .zip.

A file is served only when (1) the store records it as a current document, (2) the document's
committee lies in the account's scope, and (3) its path resolves, symlinks followed, strictly
inside the workspace's ``outputs/``.  Anything else is "not found", the same answer as for an id
that never existed.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from bontot import store as st
from bontot.errors import InputError
from bontot.store import DocumentRecord
from bontot.web.access import Scope
from bontot.workspace import Workspace

FORMATS = ("docx", "pdf", "xlsx")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
KIND_LABELS = {  # documents.md
    "form-01": "Mẫu 01-ĐK (phiếu đăng ký)",
    "form-02": "Mẫu 02-TĐG (báo cáo tự đánh giá)",
    "qd-cong-nhan": "Quyết định công nhận bốn tốt",
    "qd-khen-thuong": "Quyết định tặng Giấy khen",
    "giay-khen": "Giấy khen",
    "to-trinh-bang-khen": "Tờ trình đề nghị Bằng khen",
    "bao-cao-so-ket": "Báo cáo sơ kết",
    "bao-cao-tong-ket": "Báo cáo tổng kết",
    "ds-chua-nop": "Danh sách đơn vị chưa nộp",
    "excel": "Bảng tính Excel",
}
REVIEWS = {"so-ket": "Sơ kết", "tong-ket": "Tổng kết"}
MAX_ZIP_DOCUMENTS = 2000
_YEAR = re.compile(r"(?:^|/)((?:19|20)\d\d)$")


@dataclass(frozen=True)
class DocumentView:
    """One current document as the list shows it, with the formats that exist on disk."""

    record: DocumentRecord
    files: dict[str, str]  # format → absolute path inside outputs/

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def year(self) -> int | None:
        return year_of(self.record.scope)

    @property
    def review(self) -> str | None:
        return review_of(self.record.scope)

    @property
    def name(self) -> str:
        return PurePosixPath(self.record.path).stem

    @property
    def kind_label(self) -> str:
        return kind_label(self.record.kind)


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    review: str | None = None
    committee: str | None = None
    kind: str | None = None

    def keep(self, doc: DocumentView) -> bool:
        rec = doc.record
        return (
            (self.year is None or doc.year == self.year)
            and (self.review is None or doc.review == self.review)
            and (self.committee is None or rec.committee_code == self.committee)
            and (self.kind is None or base_kind(rec.kind) == self.kind)
        )


def base_kind(kind: str) -> str:
    """The documents.md id a recorded kind belongs to: ``giay-khen/<unit>`` (one per unit),
    ``giay-khen-ban-in`` (the print batch) and ``<kind>.xlsx`` (its tables) count as theirs."""
    base = kind.split("/", 1)[0].removesuffix(".xlsx")
    return base.removesuffix("-ban-in")


def kind_label(kind: str) -> str:
    """The kind as a clerk reads it."""
    base = base_kind(kind)
    label = KIND_LABELS.get(base, base)
    if "/" in kind:
        label += f" — {kind.split('/', 1)[1]}"
    if kind.split("/", 1)[0].endswith("-ban-in"):
        label += " (bản in gộp)"
    if kind.endswith(".xlsx"):
        label += " (bảng Excel)"
    return label


def year_of(scope: str) -> int | None:
    """The year a document is about: scope "2024", or "<unit>/2024" for a unit's form."""
    found = _YEAR.search(scope)
    return int(found.group(1)) if found else None


def review_of(scope: str) -> str | None:
    return scope if scope in REVIEWS else None


def inside_outputs(ws: Workspace, stored: str) -> Path | None:
    """The file a stored path names, if it resolves strictly inside outputs/ and exists."""
    if not stored or "\x00" in stored:
        return None
    path = Path(stored)
    candidate = path if path.is_absolute() else ws.root / path
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    outputs = ws.outputs.resolve()
    if resolved == outputs or not resolved.is_relative_to(outputs) or not resolved.is_file():
        return None
    return resolved


def files_of(ws: Workspace, record: DocumentRecord) -> dict[str, str]:
    """The document's file and its siblings in the other formats (same name, other suffix),
    each checked strictly: what a download serves."""
    stored = PurePosixPath(record.path.replace("\\", "/"))
    found: dict[str, str] = {}
    for fmt in FORMATS:
        path = inside_outputs(ws, str(stored.with_suffix(f".{fmt}")))
        if path is not None:
            found[fmt] = str(path)
    return found


class _Listing:
    """Which formats exist, for a list of many documents: each folder read once, no stat per
    file and no symlink walk (a download still resolves its file strictly, by ``files_of``)."""

    def __init__(self, ws: Workspace) -> None:
        self.root = os.path.abspath(ws.root)
        self.outputs = os.path.join(os.path.abspath(ws.outputs), "")
        self._folders: dict[str, set[str]] = {}

    def _names(self, folder: str) -> set[str]:
        names = self._folders.get(folder)
        if names is None:
            try:
                with os.scandir(folder) as entries:
                    names = {e.name for e in entries if e.is_file()}
            except OSError:
                names = set()
            self._folders[folder] = names
        return names

    def formats(self, record: DocumentRecord) -> dict[str, str]:
        stored = record.path.replace("\\", "/")
        if "\x00" in stored:
            return {}
        base = os.path.splitext(os.path.normpath(os.path.join(self.root, stored)))[0]
        if not base.startswith(self.outputs):
            return {}
        folder, stem = os.path.split(base)
        names = self._names(folder)
        return {fmt: f"{base}.{fmt}" for fmt in FORMATS if f"{stem}.{fmt}" in names}


_cache_lock = threading.Lock()
_cache: dict[str, tuple[int, list[DocumentRecord]]] = {}  # database URL → (version, records)


def _current(store: st.Store) -> list[DocumentRecord]:
    """The current documents, newest first; read again only when a document was added."""
    with store.session() as s:
        version = st.accounts.documents_version(s)
        with _cache_lock:
            cached = _cache.get(store.url)
        if cached is not None and cached[0] == version:
            return cached[1]
        records = sorted(st.current_documents(s).values(), key=lambda r: r.id, reverse=True)
    with _cache_lock:
        _cache[store.url] = (version, records)
    return records


def _records(store: st.Store, scope: Scope) -> list[DocumentRecord]:
    """The current documents the scope may see, newest first."""
    return [r for r in _current(store) if _sees(scope, r)]


def _sees(scope: Scope, record: DocumentRecord) -> bool:
    """A committee's documents for its scope; province-wide ones (no committee) for the
    province only."""
    return scope.everything or (
        record.committee_code is not None and scope.sees(record.committee_code)
    )


def visible(ws: Workspace, store: st.Store, scope: Scope) -> list[DocumentView]:
    """The documents of the list (formats checked cheaply; see ``_Listing``).  A document's
    table recorded on its own (kind ``<kind>.xlsx``) is the Excel link of its document's row."""
    listing = _Listing(ws)
    records = _records(store, scope)
    rows = {(r.kind, r.scope, r.committee_code) for r in records}
    return [
        DocumentView(r, listing.formats(r))
        for r in records
        if not (r.kind.endswith(".xlsx") and (r.kind[:-5], r.scope, r.committee_code) in rows)
    ]


def find(ws: Workspace, store: st.Store, scope: Scope, doc_id: str) -> DocumentView | None:
    """One visible, current document by its id as typed in a URL; None for anything else."""
    if not doc_id.isdecimal() or len(doc_id) > 12:
        return None
    with store.session() as s:
        record = st.accounts.current_document(s, int(doc_id))
    if record is None or not _sees(scope, record):
        return None
    return DocumentView(record, files_of(ws, record))


def find_many(
    ws: Workspace, store: st.Store, scope: Scope, doc_ids: Iterable[str]
) -> list[DocumentView]:
    """The visible documents among these ids (the others are silently not there)."""
    wanted = {int(i) for i in doc_ids if i.isdecimal() and len(i) <= 12}
    return [DocumentView(r, files_of(ws, r)) for r in _records(store, scope) if r.id in wanted]


def strictly(ws: Workspace, docs: Iterable[DocumentView]) -> list[DocumentView]:
    """The same documents with their files checked strictly (before packing them)."""
    return [DocumentView(d.record, files_of(ws, d.record)) for d in docs]


def clean_relative(path: str) -> PurePosixPath | None:
    """A path under outputs/ as a URL gives it, or None when it tries to leave or is odd."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/") or ":" in path:
        return None
    parts = path.split("/")
    if any(p in ("", ".", "..") or p.startswith("~") for p in parts):
        return None
    return PurePosixPath(*parts)


def find_by_path(
    ws: Workspace, store: st.Store, scope: Scope, path: str
) -> tuple[DocumentView, str] | None:
    """The visible document one of whose files is ``outputs/<path>``, and that file's format."""
    rel = clean_relative(path)
    if rel is None:
        return None
    wanted = os.path.normpath(os.path.join(os.path.abspath(ws.outputs), *rel.parts))
    listing = _Listing(ws)
    for record in _records(store, scope):
        for fmt, file in listing.formats(record).items():
            if file == wanted:
                doc = DocumentView(record, files_of(ws, record))
                return (doc, fmt) if fmt in doc.files else None
    return None


def zip_name(ws: Workspace, file: str) -> str:
    return Path(file).relative_to(ws.outputs.resolve()).as_posix()


def pack(ws: Workspace, docs: Iterable[DocumentView], formats: Iterable[str]) -> IO[bytes]:
    """A .zip of the chosen formats of these documents, in an anonymous temporary file."""
    chosen = [d for d in docs]
    if len(chosen) > MAX_ZIP_DOCUMENTS:
        raise InputError(
            f"Chọn quá nhiều văn bản ({len(chosen)}); mỗi lần tải tối đa {MAX_ZIP_DOCUMENTS}."
        )
    wanted = [f for f in formats if f in FORMATS]
    out = tempfile.TemporaryFile()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for doc in chosen:
            for fmt in wanted:
                file = doc.files.get(fmt)
                if file is not None:
                    zf.write(file, zip_name(ws, file))
    out.seek(0)
    return out
