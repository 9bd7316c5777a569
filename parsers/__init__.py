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
    try:
        kind = detect(path)
        layout = READERS[kind](path)
        forms = extract_forms(layout)
    except BontotError as exc:
        return [unreadable(path.name, exc.message)]
    except Exception as exc:  # a reader's bug must not stop the batch; the file goes to review
        log.exception("reading %s failed", path.name)
        return [unreadable(path.name, f"Lỗi chương trình khi đọc tệp ({type(exc).__name__});"
                                      " tệp được chuyển sang kiểm tra thủ công.")]
    return [_with_file(f, path.name) for f in forms]


def _with_file(form: ParsedForm, name: str) -> ParsedForm:
    from dataclasses import replace

    return replace(form, file=name)
