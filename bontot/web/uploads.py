"""Forms sent through the web page go to the inbox exactly as if a clerk had dropped them there.

Each file is copied to a private folder of the workspace (``.uploads/``) while its size is
counted (over the limit: dropped, never stored), its kind is decided by its bytes with the same
``parsers.detect`` the intake uses (not a form: dropped, with the reader's Vietnamese reason),
then it is renamed into ``inbox/`` under a name made here — the browser's name is only shown,
never used as a path.  The intake itself then reads it (``bontot.web.jobs``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bontot import store as st
from bontot.errors import BontotError
from bontot.intake import SETTLE_SECONDS, safe_display_name
from bontot.store import ReadingRecord, SourceFileRecord
from bontot.store.accounts import UploadRecord
from bontot.text import fold
from bontot.web.settings import MB, WebSettings
from bontot.workspace import Workspace

CHUNK = 1 << 20
_IMAGE_EXT = {b"\xff\xd8\xff": "jpg", b"\x89PNG": "png", b"II*\x00": "tif", b"MM\x00*": "tif"}


@dataclass(frozen=True)
class Received:
    """What became of one file of an upload."""

    client_name: str  # safe for display
    stored: Path | None  # where it went in inbox/, None when refused
    sha256: str | None
    size: int
    refused: str | None = None  # the Vietnamese reason
    status: int = 200  # 413 too big, 415 not a form, 400 otherwise


def new_batch() -> str:
    return secrets.token_urlsafe(12)


def upload_dir(ws: Workspace) -> Path:
    return ws.root / ".uploads"


def _slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    text = re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-")
    return text[:48].strip("-") or "phieu"


def _extension(kind: str, path: Path) -> str:
    if kind == "image":
        with path.open("rb") as fh:
            head = fh.read(8)
        return next((ext for magic, ext in _IMAGE_EXT.items() if head.startswith(magic)), "img")
    return kind  # docx, doc, pdf


def _copy_limited(source: BinaryIO, dest: Path, limit: int) -> tuple[int, str] | None:
    """Copy, hashing as it goes; None (and nothing left behind) when over ``limit`` bytes."""
    digest, size = hashlib.sha256(), 0
    with dest.open("wb") as out:
        while block := source.read(CHUNK):
            size += len(block)
            if size > limit:
                break
            digest.update(block)
            out.write(block)
        else:
            out.flush()
            os.fsync(out.fileno())
            return size, digest.hexdigest()
    dest.unlink(missing_ok=True)
    return None


def receive(
    ws: Workspace,
    settings: WebSettings,
    source: BinaryIO,
    client_name: str | None,
    batch: str,
    number: int,
) -> Received:
    """One uploaded file: checked, then put in the inbox (or refused with a reason)."""
    from parsers.detect import detect

    shown = safe_display_name(client_name or "tep")
    private = upload_dir(ws) / batch / str(number)
    private.mkdir(parents=True, exist_ok=True)
    # the shown name only inside our own folder, for detect's messages (cut to fit a file name)
    temp = private / shown.encode()[:200].decode(errors="ignore")
    try:
        copied = _copy_limited(source, temp, settings.max_file_bytes)
        if copied is None:
            limit = settings.max_file_bytes // MB
            return Received(
                shown,
                None,
                None,
                settings.max_file_bytes + 1,
                f"Tệp {shown} lớn hơn {limit} MB nên không nhận. Hãy quét lại ở độ "
                "phân giải 200–300 dpi, hoặc chia thành nhiều tệp nhỏ hơn.",
                413,
            )
        size, sha = copied
        try:
            kind = detect(temp)
        except BontotError as exc:
            return Received(shown, None, sha, size, exc.message, 415)
        name = f"web-{batch}-{number:02d}-{_slug(shown)}.{_extension(kind, temp)}"
        settled = time.time() - SETTLE_SECONDS - 1  # whole and closed: the intake may read it now
        os.utime(temp, (settled, settled))
        ws.inbox.mkdir(parents=True, exist_ok=True)
        dest = ws.inbox / name
        os.replace(temp, dest)
        return Received(shown, dest, sha, size)
    finally:
        shutil.rmtree(private, ignore_errors=True)
        try:
            private.parent.rmdir()
        except OSError:
            pass  # other files of the batch still there


# --- what became of an upload, for the page that polls ----------------------------------------


@dataclass(frozen=True)
class FileStatus:
    upload: UploadRecord
    state: str  # "refused" | "waiting" | "stored" | "review" | "duplicate" | "error"
    label: str  # Vietnamese, for the page
    source: SourceFileRecord | None = None
    readings: tuple[ReadingRecord, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.upload.client_name,
            "state": self.state,
            "label": self.label,
            "readings": [r.id for r in self.readings],
        }


STATE_LABELS = {
    "refused": "Không nhận",
    "waiting": "Đang chờ đọc",
    "stored": "Đã đọc và lưu",
    "review": "Cần người kiểm tra",
    "duplicate": "Trùng tệp đã nhận trước đây",
    "error": "Lỗi khi đọc",
}


def file_status(
    ws: Workspace, store: st.Store, upload: UploadRecord, job_error: str | None
) -> FileStatus:
    if upload.refused or not upload.sha256:
        return FileStatus(upload, "refused", upload.refused or STATE_LABELS["refused"])
    with store.session() as s:
        source = st.find_source_file(s, upload.sha256)
        readings = st.list_readings(s, source_file_id=source.id) if source else []
    if source is None:
        if upload.stored_name and (ws.inbox / upload.stored_name).exists() and not job_error:
            return FileStatus(upload, "waiting", STATE_LABELS["waiting"])
        return FileStatus(
            upload,
            "error",
            job_error or "Tệp không còn trong inbox/ mà chưa được đọc; hãy gửi lại.",
        )
    from bontot.web.desk import current_ids, is_open

    current = current_ids(readings)
    latest = tuple(r for r in readings if r.id in current)
    if source.received_at < upload.created_at - dt.timedelta(seconds=5):
        state = "duplicate"
        label = f"Trùng nội dung với tệp {source.original_name} đã nhận trước đây"
    elif any(r.needs_review for r in latest):
        state, label = "review", STATE_LABELS["review"]
    else:
        state, label = "stored", STATE_LABELS["stored"]
        if any(is_open(r) for r in latest):
            label += " (có lưu ý)"
    return FileStatus(upload, state, label, source, latest)
