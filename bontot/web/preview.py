"""Page images of an original file, for the desk to show beside the fields as read.

A PDF page is rendered with pypdfium2; a scan or photo is turned upright (EXIF) and made a PNG a
browser shows (a TIFF is not); a Word file is first made a PDF by LibreOffice.  Images are cached
under ``.cache/pages/`` of the workspace by the file's hash, so each is made once.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bontot.errors import BontotError
from bontot.store import SourceFileRecord
from bontot.workspace import Workspace

MAX_PAGES = 12
RENDER_SCALE = 1.6  # ~115 dpi: readable on a 1366×768 office screen
MAX_SIDE = 1800
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class NoPreview(BontotError):
    """The file has no page image to show (its values are shown alone)."""


def _lock(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def cache_dir(ws: Workspace) -> Path:
    return ws.root / ".cache" / "pages"


def original_path(ws: Workspace, source: SourceFileRecord) -> Path:
    """The archived original, checked to lie inside archive/."""
    path = (ws.root / source.stored_path).resolve()
    if not path.is_relative_to(ws.archive.resolve()) or not path.is_file():
        raise NoPreview("Không tìm thấy bản gốc trong thư mục archive/.")
    return path


def _kind(path: Path) -> str:
    from parsers.detect import detect

    return detect(path)


def _as_pdf(ws: Workspace, source: SourceFileRecord, path: Path) -> Path:
    """A Word original as PDF, made once by LibreOffice."""
    from bontot.office import convert

    target = cache_dir(ws) / f"{source.sha256}.pdf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        made = convert(
            [path], "pdf", target.parent / f".{source.sha256}", soffice=ws.soffice, timeout=90
        )
        os.replace(made[path], target)
        (target.parent / f".{source.sha256}").rmdir()
    return target


def shown_inline(ws: Workspace, source: SourceFileRecord) -> bool:
    """Whether the page images can be put in the page now: a scan or PDF, or a Word file
    already converted (converting one takes LibreOffice a few seconds: done when asked for)."""
    try:
        kind = _kind(original_path(ws, source))
    except (BontotError, OSError):
        return False
    return kind in ("pdf", "image") or (cache_dir(ws) / f"{source.sha256}.pdf").is_file()


def page_count(ws: Workspace, source: SourceFileRecord) -> int:
    try:
        return len(_pages(ws, source))
    except (BontotError, OSError):
        return 0


def _pages(ws: Workspace, source: SourceFileRecord) -> list[int]:
    """The page numbers that can be shown (at most MAX_PAGES)."""
    path = original_path(ws, source)
    kind = _kind(path)
    if kind == "image":
        from PIL import Image

        with Image.open(path) as im:
            return list(range(min(getattr(im, "n_frames", 1), MAX_PAGES)))
    import pypdfium2 as pdfium

    pdf = path if kind == "pdf" else cache_dir(ws) / f"{source.sha256}.pdf"
    if not pdf.is_file():  # a Word file not yet converted: its first page, made when asked for
        return [0]
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return list(range(min(len(doc), MAX_PAGES)))
    finally:
        doc.close()


def page_png(ws: Workspace, source: SourceFileRecord, page: int) -> Path:
    """The PNG of one page (0-based), made on first use."""
    if not 0 <= page < MAX_PAGES:
        raise NoPreview("Không có trang này.")
    target = cache_dir(ws) / f"{source.sha256}-{page}.png"
    if target.is_file():
        return target
    with _lock(source.sha256):
        if target.is_file():
            return target
        path = original_path(ws, source)
        image = _render(ws, source, path, page)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        image.save(tmp, "PNG", optimize=False)
        os.replace(tmp, target)
    return target


def _render(ws: Workspace, source: SourceFileRecord, path: Path, page: int):  # -> PIL.Image
    from PIL import Image, ImageOps

    kind = _kind(path)
    if kind == "image":
        with Image.open(path) as im:
            if page >= getattr(im, "n_frames", 1):
                raise NoPreview("Không có trang này.")
            im.seek(page)
            image = ImageOps.exif_transpose(im).convert("RGB")
    else:
        import pypdfium2 as pdfium

        pdf = path if kind == "pdf" else _as_pdf(ws, source, path)
        doc = pdfium.PdfDocument(str(pdf))
        try:
            if page >= len(doc):
                raise NoPreview("Không có trang này.")
            image = doc[page].render(scale=RENDER_SCALE).to_pil().convert("RGB")
        finally:
            doc.close()
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image
