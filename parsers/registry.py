"""The readers by name, registered into ``parsers.READERS``.

Each reader's module is imported on its first use, not here: a batch of .docx files never loads
PDFium, LibreOffice glue or the OCR stack.  Registering is idempotent and keeps what is already
there, so a reader registered earlier under the same name is not replaced.

"pdf" is :func:`read_pdf` below: ``parsers.pdf_reader`` reads the text layer and lists the pages
without usable text in ``Layout.needs_ocr``; only then is the scan path loaded to OCR them (all
pages: read as a scan; some: merged with the text pages, source "pdf-scan").  "image" is the scan
reader itself.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from parsers import READERS, Reader, register
from parsers.base import Layout

# name → (module, function)
BUILTIN: dict[str, tuple[str, str]] = {
    "docx": ("parsers.docx_reader", "read_docx"),
    "doc": ("parsers.doc_reader", "read_doc"),
    "pdf": ("parsers.registry", "read_pdf"),
    "image": ("parsers.scan_reader", "read_image"),
}


def _lazy(module: str, function: str) -> Reader:
    """A reader that imports its module on the first call."""

    def read(path: Path) -> Layout:
        reader: Reader = getattr(importlib.import_module(module), function)
        return reader(path)

    read.__name__ = function
    read.__qualname__ = f"{module}.{function}"
    return read


def load_readers() -> dict[str, Reader]:
    """Register the built-in readers that are not registered yet; returns the registry."""
    for name, (module, function) in BUILTIN.items():
        if name not in READERS:
            register(name)(_lazy(module, function))
    return READERS


def read_pdf(path: Path) -> Layout:
    """A PDF's text layer, with the pages it cannot be trusted on OCR'd."""
    from parsers.pdf_reader import read_pdf as read_text_layer

    layout = read_text_layer(path)
    if not layout.needs_ocr:
        return layout
    from parsers.scan_reader import complete_with_ocr

    return complete_with_ocr(path, layout)
