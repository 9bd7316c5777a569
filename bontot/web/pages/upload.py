"""Uploading forms: the form, the POST that puts files in the inbox, and the page that polls.

The POST answers at once: the files are in the inbox and a background job reads them; the
browser goes to the upload's page, which asks ``/api/tai-len/<id>`` every few seconds until
every file has its reading.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bontot import store as st
from bontot.web import uploads
from bontot.web.app import WebState, web_state
from bontot.web.auth import Principal
from bontot.web.pages import client_ip, not_found, page, posted, principal
from bontot.web.settings import MB

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]
ACCEPT = ".doc,.docx,.pdf,.jpg,.jpeg,.png,.tif,.tiff,.rtf"


def _limits(web: WebState) -> dict[str, int]:
    s = web.settings
    return {
        "file_mb": s.max_file_bytes // MB,
        "request_mb": s.max_request_bytes // MB,
        "files": s.max_files,
    }


@router.get("/tai-len")
def upload_form(request: Request, who: Who) -> Response:
    return page(
        request,
        "upload.html",
        who,
        limits=_limits(web_state(request)),
        accept=ACCEPT,
        refused=[],
        message="",
    )


@router.post("/tai-len")
async def upload_submit(request: Request, who: Who) -> Response:
    web = web_state(request)
    try:
        form = await posted(request, who, max_files=web.settings.max_files, max_fields=10)
    except HTTPException:
        raise
    except Exception as exc:  # too many files, a broken multipart body
        raise HTTPException(
            400, f"Không đọc được dữ liệu gửi lên (tối đa {web.settings.max_files} tệp mỗi lần)."
        ) from exc
    try:
        files = [f for f in form.getlist("tep") if isinstance(f, UploadFile) and f.filename]
        if not files:
            return page(
                request,
                "upload.html",
                who,
                400,
                limits=_limits(web),
                accept=ACCEPT,
                refused=[],
                message="Chưa chọn tệp nào.",
            )
        batch = uploads.new_batch()
        received = []
        for number, f in enumerate(files, 1):
            received.append(
                await run_in_threadpool(
                    uploads.receive, web.ws, web.settings, f.file, f.filename, batch, number
                )
            )
    finally:
        await form.close()
    accepted = [r for r in received if r.stored is not None]
    await run_in_threadpool(_record, web, who, batch, received, client_ip(request))
    if not accepted:
        status = 413 if any(r.status == 413 for r in received) else 415
        return page(
            request,
            "upload.html",
            who,
            status,
            limits=_limits(web),
            accept=ACCEPT,
            refused=received,
            message="Không tệp nào được nhận.",
        )
    web.jobs.submit(batch, [r.stored for r in accepted if r.stored is not None])
    return RedirectResponse(f"/tai-len/{batch}", status_code=303)


def _record(
    web: WebState, who: Principal, batch: str, received: list[uploads.Received], ip: str
) -> None:
    with web.store.session() as s:
        for r in received:
            st.accounts.add_upload(
                s,
                batch=batch,
                user_id=who.user.id,
                client_name=r.client_name,
                stored_name=r.stored.name if r.stored else None,
                sha256=r.sha256,
                size=r.size,
                refused=r.refused,
            )
        st.audit(
            s,
            who.name,
            "web.upload",
            f"upload:{batch}",
            {
                "ip": ip,
                "files": [
                    {
                        "name": r.client_name,
                        "sha256": r.sha256,
                        "stored": r.stored.name if r.stored else None,
                        "refused": r.refused,
                    }
                    for r in received
                ],
            },
        )


def _batch(request: Request, who: Principal, batch: str) -> list[uploads.FileStatus]:
    web = web_state(request)
    if len(batch) > 32:
        raise not_found()
    with web.store.session() as s:
        rows = st.accounts.uploads_in_batch(s, batch)
    if not rows or (not who.is_province and rows[0].user_id != who.user.id):
        raise not_found()
    job = web.jobs.state(batch)
    error = job.message if job and job.state == "error" else None
    return [uploads.file_status(web.ws, web.store, row, error) for row in rows]


def _done(request: Request, batch: str, statuses: list[uploads.FileStatus]) -> bool:
    """Every file read and the job over (its evaluation too), or a file left for later."""
    job = web_state(request).jobs.state(batch)
    running = job is not None and job.state in ("queued", "running")
    return not running and all(s.state != "waiting" for s in statuses)


@router.get("/tai-len/{batch}")
def upload_batch(request: Request, who: Who, batch: str) -> Response:
    statuses = _batch(request, who, batch)
    tree = web_state(request).roster.tree()
    names = {u.code: u.name for u in tree.units} if tree else {}
    return page(
        request,
        "upload_batch.html",
        who,
        batch=batch,
        statuses=statuses,
        done=_done(request, batch, statuses),
        names=names,
    )


@router.get("/api/tai-len/{batch}")
def upload_batch_api(request: Request, who: Who, batch: str) -> Response:
    statuses = _batch(request, who, batch)
    return JSONResponse(
        {"done": _done(request, batch, statuses), "files": [s.to_json() for s in statuses]}
    )
