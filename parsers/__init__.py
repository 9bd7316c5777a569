"""Readers of returned forms: one reader per source, chosen by the file's content.

``parse_file(path)`` is the whole path for one file: detect the kind by magic bytes
(``parsers.detect``), read it into a :class:`~parsers.base.Layout` with the registered reader,
then find the forms and their fields by label (``parsers.fields``).  It never raises for a bad
file: a file that cannot be read gives one ParsedForm with a Vietnamese error and no fields.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from parsers.base import Layout, ParsedForm, unreadable

Reader = Callable[[Path], Layout]
log = logging.getLogger(__name__)

# name → reader; filled by parsers.registry (imports each reader module lazily).
READERS: dict[str, Reader] = {}


def register(name: str) -> Callable[[Reader], Reader]:
    def wrap(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn

    return wrap


def parse_file(path: str | Path) -> list[ParsedForm]:
    """Every form found in one file; never raises for a bad file."""
    from bontot.errors import BontotError
    from parsers.detect import detect
    from parsers.fields import extract_forms
    from parsers.registry import load_readers

    path = Path(path)
    load_readers()
    kind = None
    try:
        kind = detect(path)
        layout = READERS[kind](path)
        forms = extract_forms(layout)
    except BontotError as exc:
        return [_noting_name(unreadable(path.name, exc.message), path.name, kind)]
    except Exception as exc:  # a reader's bug must not stop the batch; the file goes to review
        log.exception("reading %s failed", path.name)
        return [unreadable(path.name, f"Lỗi chương trình khi đọc tệp ({type(exc).__name__});"
                                      " tệp được chuyển sang kiểm tra thủ công.")]
    return [_noting_name(_with_file(f, path.name), path.name, kind) for f in forms]


def _with_file(form: ParsedForm, name: str) -> ParsedForm:
    from dataclasses import replace

    return replace(form, file=name)


# What a file's name promises, by family: a .docx renamed .doc is common and harmless, a photo
# named .pdf or a PDF named .docx deserves a word to the clerk, who will open it by its name.
_FAMILY_OF_KIND = {"docx": "word", "doc": "word", "pdf": "pdf", "image": "image"}
_FAMILY_OF_SUFFIX = {".docx": "word", ".docm": "word", ".dotx": "word", ".doc": "word",
                     ".rtf": "word", ".pdf": "pdf", ".jpg": "image", ".jpeg": "image",
                     ".png": "image", ".tif": "image", ".tiff": "image"}
_FAMILY_NAMES = {"word": "tệp Word", "pdf": "tệp PDF", "image": "ảnh chụp/ảnh quét"}


def _noting_name(form: ParsedForm, name: str, kind: str | None) -> ParsedForm:
    """Add a warning when the file's extension names another kind than its content."""
    from dataclasses import replace

    from parsers.base import Problem

    promised = _FAMILY_OF_SUFFIX.get(Path(name).suffix.lower())
    actual = _FAMILY_OF_KIND.get(kind or "")
    if promised is None or actual is None or promised == actual:
        return form
    note = Problem(None, "warning", f"Tên tệp có đuôi {Path(name).suffix} nhưng nội dung là "
                   f"{_FAMILY_NAMES[actual]}: đã đọc theo nội dung thật của tệp.")
    return replace(form, problems=(*form.problems, note))
