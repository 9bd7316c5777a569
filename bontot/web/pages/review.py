"""The review desk: the list, one reading beside its page images, and the person's decisions.

A committee account sees the readings of its own units, and the readings of files it sent itself
whose unit code is not one of the roster's (so a mistyped code does not hide its own form).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bontot import store as st
from bontot.errors import InputError
from bontot.service import evaluate_workspace
from bontot.store import ReadingRecord, SourceFileRecord
from bontot.validation import ASSESSMENT
from bontot.web import desk, preview
from bontot.web.app import WebState, web_state
from bontot.web.auth import Principal
from bontot.web.busy import when_free
from bontot.web.pages import client_ip, not_found, page, posted, principal

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]


def _known_units(web: WebState) -> dict[str, str]:
    tree = web.roster.tree()
    return {u.code: u.name for u in tree.units} if tree else {}


def _visible(web: WebState, who: Principal, readings: list[ReadingRecord]) -> list[ReadingRecord]:
    """The readings this account may see (see the module's docstring)."""
    if who.scope.everything:
        return readings
    known = _known_units(web)
    mine: set[int] = set()
    strays = [r for r in readings if r.unit_code not in known and r.source_file_id]
    if strays:
        with web.store.session() as s:
            shas = {
                r.source_file_id: sf.sha256
                for r in strays
                if (sf := st.accounts.get_source_file(s, r.source_file_id))
            }
            senders = st.accounts.uploaders(s, sorted(set(shas.values())))
        mine = {fid for fid, sha in shas.items() if who.user.id in senders.get(sha, set())}
    return [
        r
        for r in readings
        if who.scope.sees(r.unit_code) or (r.unit_code not in known and r.source_file_id in mine)
    ]


def _all_readings(web: WebState) -> list[ReadingRecord]:
    with web.store.session() as s:
        return st.list_readings(s)


def _reading(
    web: WebState, who: Principal, reading_id: str
) -> tuple[ReadingRecord, list[ReadingRecord]]:
    if not reading_id.isdecimal() or len(reading_id) > 12:
        raise not_found()
    readings = _all_readings(web)
    wanted = int(reading_id)
    found = [r for r in readings if r.id == wanted]
    if not found or not _visible(web, who, found):
        raise not_found()
    return found[0], readings


def _source(web: WebState, r: ReadingRecord) -> SourceFileRecord | None:
    if r.source_file_id is None:
        return None
    with web.store.session() as s:
        return st.accounts.get_source_file(s, r.source_file_id)


@router.get("/kiem-tra")
def desk_list(request: Request, who: Who, loai: str = "tat-ca") -> Response:
    web = web_state(request)
    items = _visible(web, who, desk.open_readings(_all_readings(web)))
    if loai == "loi":
        items = [r for r in items if r.needs_review]
    sources: dict[int, SourceFileRecord | None] = {}
    with web.store.session() as s:
        for r in items:
            if r.source_file_id and r.source_file_id not in sources:
                sources[r.source_file_id] = st.accounts.get_source_file(s, r.source_file_id)
    return page(
        request,
        "desk.html",
        who,
        items=items,
        sources=sources,
        loai=loai,
        names=_known_units(web),
        problems_of=desk.problems_of,
        titles=desk.FORM_TITLES,
    )


def _item_page(
    request: Request,
    who: Principal,
    r: ReadingRecord,
    readings: list[ReadingRecord],
    status: int = 200,
    form_code: str | None = None,
    posted_values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
) -> Response:
    web = web_state(request)
    source = _source(web, r)
    code = (
        form_code
        if form_code in desk.FORM_TITLES
        else (r.form_code if r.form_code in desk.FORM_TITLES else None)
    )
    current = desk.current_ids(readings)
    by_id = {x.id: x for x in readings}
    later = [x for x in readings if x.supersedes_id == r.id]
    specs = desk.form_fields(code) if code else []
    values = (
        posted_values
        if posted_values is not None
        else {spec.key: desk.shown_value(spec, _value(r, spec.key)) for spec in specs}
    )
    return page(
        request,
        "desk_item.html",
        who,
        status,
        r=r,
        source=source,
        code=code,
        specs=specs,
        values=values,
        errors=errors or {},
        message=message,
        titles=desk.FORM_TITLES,
        problems=desk.problems_of(r),
        is_current=r.id in current,
        is_open=desk.is_open(r),
        history=desk.chain(by_id, r.id),
        later=later,
        pages=preview.page_count(web.ws, source) if source else 0,
        inline=preview.shown_inline(web.ws, source) if source else False,
        names=_known_units(web),
        saved=request.query_params.get("da-luu"),
    )


def _value(r: ReadingRecord, key: str) -> Any:
    item = r.fields.get(key)
    return item.get("value") if isinstance(item, dict) else None


@router.get("/kiem-tra/{reading_id}")
def desk_item(request: Request, who: Who, reading_id: str, mau: str | None = None) -> Response:
    r, readings = _reading(web_state(request), who, reading_id)
    return _item_page(request, who, r, readings, form_code=mau)


@router.get("/kiem-tra/{reading_id}/trang/{number}.png")
def desk_page_image(request: Request, who: Who, reading_id: str, number: str) -> Response:
    web = web_state(request)
    r, _ = _reading(web, who, reading_id)
    source = _source(web, r)
    if source is None or not number.isdecimal() or len(number) > 3:
        raise not_found()
    try:
        png = preview.page_png(web.ws, source, int(number))
    except Exception as exc:  # no preview is not an error of the page: the values stand alone
        raise not_found() from exc
    return FileResponse(png, media_type="image/png")


@router.get("/kiem-tra/{reading_id}/anh/{key}.png")
def desk_field_image(request: Request, who: Who, reading_id: str, key: str) -> Response:
    """The picture of one field as the scanned page showed it (kept by the intake)."""
    web = web_state(request)
    r, _ = _reading(web, who, reading_id)
    field = r.fields.get(key) if isinstance(r.fields, dict) else None
    crop = field.get("crop") if isinstance(field, dict) else None
    if not isinstance(crop, str):
        raise not_found()
    archive = web.ws.archive.resolve()
    path = (web.ws.root / crop).resolve()
    if not path.is_relative_to(archive) or path.suffix != ".png" or not path.is_file():
        raise not_found()
    return FileResponse(path, media_type="image/png")


@router.get("/kiem-tra/{reading_id}/ban-goc")
def desk_original(request: Request, who: Who, reading_id: str) -> Response:
    web = web_state(request)
    r, _ = _reading(web, who, reading_id)
    source = _source(web, r)
    if source is None:
        raise not_found()
    try:
        path = preview.original_path(web.ws, source)
    except preview.NoPreview as exc:
        raise not_found() from exc
    with web.store.session() as s:
        st.audit(
            s,
            who.name,
            "web.original",
            source.original_name,
            {"source_file_id": source.id, "reading_id": r.id, "ip": client_ip(request)},
        )
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=source.original_name,
        content_disposition_type="attachment",
    )


def _evaluate(web: WebState, decision: desk.Decision, form_code: str) -> None:
    if decision.stored is None or not web.settings.evaluate_after_change:
        return
    years = [decision.year] if form_code == ASSESSMENT and decision.year else None
    when_free(lambda: evaluate_workspace(web.ws, years))


@router.post("/kiem-tra/{reading_id}/xac-nhan")
async def desk_confirm(request: Request, who: Who, reading_id: str) -> Response:
    web = web_state(request)
    r, readings = await run_in_threadpool(_reading, web, who, reading_id)
    form = await posted(request, who, max_files=0, max_fields=200)
    form_code = str(form.get("form_code", ""))
    values = {k[2:]: str(v) for k, v in form.items() if k.startswith("f_")}
    known = _known_units(web)

    def allowed(code: str | None) -> bool:
        return (
            who.scope.everything
            or (code is not None and who.scope.sees(code))
            or (code not in known and r.unit_code not in known)
        )

    try:
        decision = await run_in_threadpool(
            lambda: desk.confirm(
                store=web.store,
                plan=web.plan(),
                tree=web.roster.tree(),
                reading_id=r.id,
                form_code=form_code,
                posted=values,
                actor=who.name,
                allowed_unit=allowed,
                note=str(form.get("ghi_chu", ""))[:2000],
            )
        )
    except desk.FieldErrors as exc:
        return _item_page(
            request,
            who,
            r,
            readings,
            400,
            form_code,
            values,
            exc.errors,
            "Chưa lưu: có giá trị không hợp lệ, xem các ô tô đỏ.",
        )
    except InputError as exc:
        return _item_page(request, who, r, readings, 409, form_code, values, {}, exc.message)
    await run_in_threadpool(_evaluate, web, decision, form_code)
    return RedirectResponse(f"/kiem-tra/{decision.reading_id}?da-luu=1", status_code=303)


@router.post("/kiem-tra/{reading_id}/loai-bo")
async def desk_reject(request: Request, who: Who, reading_id: str) -> Response:
    web = web_state(request)
    r, readings = await run_in_threadpool(_reading, web, who, reading_id)
    form = await posted(request, who, max_files=0, max_fields=10)
    try:
        decision = await run_in_threadpool(
            lambda: desk.reject(
                store=web.store,
                reading_id=r.id,
                reason=str(form.get("ly_do", ""))[:2000],
                actor=who.name,
            )
        )
    except InputError as exc:
        return _item_page(request, who, r, readings, 400, message=exc.message)
    return RedirectResponse(f"/kiem-tra/{decision.reading_id}?da-luu=1", status_code=303)
