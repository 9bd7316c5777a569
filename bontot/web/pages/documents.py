"""Documents: the list with its filters, one file by id or by path, a .zip of a selection.

Every download is written to the audit log (who, which document, which format, from where).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator
from typing import IO, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from bontot import store as st
from bontot.web import downloads as dl
from bontot.web.app import web_state
from bontot.web.auth import Principal
from bontot.web.downloads import DocumentView, Filters
from bontot.web.pages import client_ip, not_found, page, principal

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]
PAGE = 100  # documents per page: an old office PC renders a page of this size at once
ZIP_FORMATS = {"docx": ("docx",), "pdf": ("pdf",), "ca-hai": ("docx", "pdf", "xlsx")}


def _filters(nam: str | None, dot: str | None, cap_uy: str | None, loai: str | None) -> Filters:
    year = int(nam) if nam and nam.isdecimal() and len(nam) == 4 else None
    return Filters(
        year=year,
        review=dot if dot in dl.REVIEWS else None,
        committee=cap_uy or None,
        kind=loai or None,
    )


def _committee_names(request: Request) -> dict[str, str]:
    tree = web_state(request).roster.tree()
    return {u.code: u.name for u in tree.units} if tree else {}


@router.get("/van-ban")
def list_documents(
    request: Request,
    who: Who,
    nam: str | None = None,
    dot: str | None = None,
    cap_uy: str | None = None,
    loai: str | None = None,
    trang: str = "1",
) -> Response:
    web = web_state(request)
    docs = dl.visible(web.ws, web.store, who.scope)
    chosen = _filters(nam, dot, cap_uy, loai)
    options = {
        "years": sorted({d.year for d in docs if d.year}, reverse=True),
        "committees": sorted({d.record.committee_code for d in docs if d.record.committee_code}),
        "kinds": sorted({dl.base_kind(d.record.kind) for d in docs}),
    }
    shown = [d for d in docs if chosen.keep(d)]
    pages = max(1, math.ceil(len(shown) / PAGE))
    number = min(max(int(trang) if trang.isdecimal() and len(trang) < 6 else 1, 1), pages)
    query = {"nam": nam, "dot": dot, "cap_uy": cap_uy, "loai": loai}
    return page(
        request,
        "documents.html",
        who,
        docs=shown[(number - 1) * PAGE : number * PAGE],
        matching=len(shown),
        total=len(docs),
        filters=chosen,
        options=options,
        names=_committee_names(request),
        reviews=dl.REVIEWS,
        kinds={k: dl.kind_label(k) for k in options["kinds"]},
        page_number=number,
        pages=pages,
        query=urlencode({k: v for k, v in query.items() if v}),
    )


def _audit_download(request: Request, who: Principal, doc: DocumentView, fmt: str) -> None:
    web = web_state(request)
    with web.store.session() as s:
        st.audit(
            s,
            who.name,
            "web.download",
            doc.record.path,
            {"document_id": doc.id, "format": fmt, "ip": client_ip(request)},
        )


def _file(request: Request, who: Principal, doc: DocumentView, fmt: str) -> Response:
    path = doc.files.get(fmt)
    if path is None:
        raise not_found()
    _audit_download(request, who, doc, fmt)
    return FileResponse(
        path,
        media_type=dl.MEDIA_TYPES[fmt],
        filename=os.path.basename(path),
        content_disposition_type="attachment",
    )


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    try:
        while block := fh.read(1 << 20):
            yield block
    finally:
        fh.close()


@router.get("/van-ban/tai-ve.zip")
def download_zip(
    request: Request,
    who: Who,
    id: Annotated[list[str] | None, Query()] = None,
    dinh_dang: str = "ca-hai",
    tat_ca: str | None = None,
    nam: str | None = None,
    dot: str | None = None,
    cap_uy: str | None = None,
    loai: str | None = None,
) -> Response:
    web = web_state(request)
    formats = ZIP_FORMATS.get(dinh_dang, ZIP_FORMATS["ca-hai"])
    if tat_ca:
        chosen = _filters(nam, dot, cap_uy, loai)
        docs = dl.strictly(
            web.ws, [d for d in dl.visible(web.ws, web.store, who.scope) if chosen.keep(d)]
        )
    else:
        docs = dl.find_many(web.ws, web.store, who.scope, id or [])
    if not docs:
        raise not_found()
    packed = dl.pack(web.ws, docs, formats)
    with web.store.session() as s:
        st.audit(
            s,
            who.name,
            "web.download.zip",
            f"{len(docs)} văn bản",
            {
                "document_ids": [d.id for d in docs],
                "formats": list(formats),
                "ip": client_ip(request),
            },
        )
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        _chunks(packed),
        media_type=dl.MEDIA_TYPES["zip"],
        headers={"content-disposition": f'attachment; filename="van-ban-{stamp}.zip"'},
    )


@router.get("/van-ban/{doc_id}/{fmt}")
def download(request: Request, who: Who, doc_id: str, fmt: str) -> Response:
    web = web_state(request)
    doc = dl.find(web.ws, web.store, who.scope, doc_id)
    if doc is None or fmt not in dl.FORMATS:
        raise not_found()
    return _file(request, who, doc, fmt)


@router.get("/tep/{path:path}")
def download_by_path(request: Request, who: Who, path: str) -> Response:
    web = web_state(request)
    found = dl.find_by_path(web.ws, web.store, who.scope, path)
    if found is None:
        raise not_found()
    doc, fmt = found
    return _file(request, who, doc, fmt)
