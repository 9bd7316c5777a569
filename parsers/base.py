"""What every reader produces, and what the field extraction returns.

A reader turns one file into a :class:`Layout` — the text of the document as blocks (table cells,
paragraphs, PDF words/lines, OCR words) with where they stand — and knows nothing about forms.
``parsers.fields`` then finds the forms' fields in a Layout by their labels and returns one
:class:`ParsedForm` per form found.  Scans plug into the same path: an OCR reader yields a Layout
whose blocks carry boxes and word confidences.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["docx", "doc", "pdf-text", "pdf-scan", "image"]
Level = Literal["error", "warning"]
BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in points, origin top-left


@dataclass(frozen=True)
class TextBlock:
    """One piece of text as the file holds it.

    In a Word table, ``table``/``row``/``col`` give the cell (a merged cell appears once, at its
    first grid position, with ``col_span``); in a PDF or a scan, ``bbox`` gives the position on
    ``page``.  ``control`` is the tag of the Word content control holding the text, and
    ``checked`` the state of a check box (a content control or a box glyph), when there is one.
    """

    text: str
    page: int = 0
    table: int | None = None
    row: int | None = None
    col: int | None = None
    col_span: int = 1
    bbox: BBox | None = None
    font: str | None = None
    confidence: float = 1.0  # the reader's own confidence (OCR); 1.0 for typed text
    control: str | None = None
    checked: bool | None = None
    kind: Literal["cell", "paragraph", "line", "word", "textbox"] = "paragraph"


@dataclass(frozen=True)
class Layout:
    """A whole file as the readers see it (all pages)."""

    source: Source
    blocks: tuple[TextBlock, ...]
    pages: int = 1
    qr_payloads: tuple[tuple[int, str], ...] = ()  # (page, payload) of each QR code found
    notes: tuple[str, ...] = ()  # what the reader did (converted from TCVN3, page OCR'd ...)
    page_images: dict[int, str] = field(default_factory=dict)  # page → path of its image
    # pages (0-based) whose text layer is missing or cannot be trusted; the scan path OCRs them
    needs_ocr: tuple[int, ...] = ()


@dataclass(frozen=True)
class FieldValue:
    """One field as read: the typed value, how sure we are, and the text it came from."""

    value: Any
    confidence: float
    raw: str
    page: int | None = None
    bbox: BBox | None = None
    crop: str | None = None  # a scan: the PNG of the field's label and value as the page shows it

    def to_json(self) -> dict[str, Any]:
        value = self.value
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out = {"value": value, "confidence": round(self.confidence, 3), "raw": self.raw}
        if self.crop is not None:
            out["crop"] = self.crop
        return out


@dataclass(frozen=True)
class Problem:
    field: str | None
    level: Level
    message: str  # Vietnamese, for a clerk

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "level": self.level, "message": self.message}


@dataclass(frozen=True)
class ParsedForm:
    """One form found in a file (forms.md, "What a read-back returns")."""

    form_code: str | None  # "01-DK" | "02-TDG" | None when the file could not be read
    source: Source | None
    fields: dict[str, FieldValue]
    problems: tuple[Problem, ...]
    needs_review: bool
    parser: str = ""
    file: str = ""
    pages: tuple[int, ...] = ()
    qr: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "form_code": self.form_code,
            "source": self.source,
            "parser": self.parser,
            "pages": list(self.pages),
            "fields": {k: v.to_json() for k, v in self.fields.items()},
            "problems": [p.to_json() for p in self.problems],
            "needs_review": self.needs_review,
        }

    def values(self) -> dict[str, Any]:
        """Plain {key: value} of the fields that were read (unreadable ones left out)."""
        return {k: v.value for k, v in self.fields.items() if v.value is not None}


def unreadable(file: str, message: str, source: Source | None = None) -> ParsedForm:
    """A file that could not be read at all: a Vietnamese error and no fields."""
    return ParsedForm(
        form_code=None,
        source=source,
        fields={},
        problems=(Problem(None, "error", message),),
        needs_review=True,
        file=file,
    )


# -- how the external programs are run ---------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    """Settings of the external programs a reader may start, set once at the edge (the intake
    takes them from ``bontot.toml``) and seen by every reader of the current context.

    ``office_timeout`` bounds one LibreOffice call (an old .doc converted), ``ocr_timeout`` one
    Tesseract page; ``ocr_jobs`` is how many pages of a file are OCR'd at once (one per core
    when None; fewer when several files are read side by side).  None keeps the reader's own
    default.
    """

    soffice: str = "soffice"
    office_timeout: float = 120.0
    ocr_timeout: float | None = None
    ocr_jobs: int | None = None


_OPTIONS: ContextVar[ReadOptions | None] = ContextVar("bontot_read_options", default=None)


def read_options() -> ReadOptions:
    """The options in force for the current reading (the defaults outside any)."""
    return _OPTIONS.get() or ReadOptions()


@contextmanager
def reading_with(options: ReadOptions) -> Iterator[ReadOptions]:
    """Run the readers inside with ``options`` (restored afterwards, thread- and task-local)."""
    token = _OPTIONS.set(options)
    try:
        yield options
    finally:
        _OPTIONS.reset(token)
