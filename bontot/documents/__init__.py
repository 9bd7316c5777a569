"""The official documents of the movement (shared/spec/documents.md), as .docx, .xlsx and PDF.

One module per document kind returns documents as data (``qd_cong_nhan``, ``qd_khen_thuong``,
``giay_khen``, ``to_trinh``, ``bao_cao``, ``ds_chua_nop``); ``render`` fills the templates built
by ``templates/build_documents.py``; ``publish`` writes, records and converts them::

    from bontot.documents import DocumentRequest, produce
    run = produce(ws, DocumentRequest(review="so-ket"))
    for f in run.files:
        print(f.path, "mới" if f.changed else "không đổi")
"""

from __future__ import annotations

from bontot.documents.base import Document, DocumentRequest, Facts
from bontot.documents.publish import (
    DocumentRun,
    PdfBatchError,
    WrittenFile,
    gather,
    plan_documents,
    produce,
)

__all__ = [
    "Document",
    "DocumentRequest",
    "DocumentRun",
    "Facts",
    "PdfBatchError",
    "WrittenFile",
    "gather",
    "plan_documents",
    "produce",
]
