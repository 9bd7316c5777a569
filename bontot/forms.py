"""Mẫu 01-ĐK and Mẫu 02-TĐG pre-filled per unit, as .docx and (in one LibreOffice batch) PDF.

The templates in ``templates/`` (built by ``templates/build_forms.py``) hold Jinja tags; this
module fills them from the roster with ``autoescape=True`` and undefined variables refused, so a
unit named ``Chi bộ A & B <1>`` prints as written and a template asking for a value nobody
supplies fails loudly.  Package timestamps are fixed: the same roster gives the same bytes, an
unchanged file is not rewritten, and its PDF is not made again.

Files go to ``outputs/bieu-mau/<committee code>/<unit code>-mau-02-<year>.docx`` (Mẫu 01:
``<unit code>-mau-01.docx``); codes are checked again before they become file names.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined

from bontot import office
from bontot import store as st
from bontot.docbuild import docx_bytes, write_if_changed
from bontot.docstyle import DocStyle, load_style
from bontot.errors import BontotError, InputError
from bontot.models import Unit
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.vnformat import number, upper_vi
from bontot.workspace import Workspace

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
QR_PREFIX = "BT1"
Progress = Callable[[str, int, int], None]

_SAFE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10))} | {
    f"LPT{i}" for i in range(10)
}  # names Windows refuses for a folder, should the outputs be copied there


@dataclass(frozen=True)
class FormInfo:
    number: str  # "01" / "02"
    code: str  # form_code of forms.md: "01-DK" / "02-TDG"
    printed: str  # "Mẫu 01-ĐK"
    template: str  # file name in templates/
    document: str  # documents.md id, the kind recorded in the store

    @property
    def template_path(self) -> Path:
        return TEMPLATES_DIR / self.template


FORMS: dict[str, FormInfo] = {
    "01": FormInfo("01", "01-DK", "Mẫu 01-ĐK", "mau-01-dk.docx", "form-01"),
    "02": FormInfo("02", "02-TDG", "Mẫu 02-TĐG", "mau-02-tdg.docx", "form-02"),
}


_FORM_NAMES = {
    name: key
    for key, info in FORMS.items()
    for name in (key, key.lstrip("0"), info.code, info.printed.removeprefix("Mẫu ").upper())
}


def form_info(form: str) -> FormInfo:
    """The form asked for as "02", "2", "02-TDG" or "02-TĐG"."""
    key = _FORM_NAMES.get(str(form).strip().upper())
    if key is None:
        raise InputError(f"Không có mẫu '{form}': chỉ có 01 (Mẫu 01-ĐK) và 02 (Mẫu 02-TĐG).")
    return FORMS[key]


@dataclass(frozen=True)
class FormData:
    """What one rendered form says: the template's variables and the QR payload (if any)."""

    info: FormInfo
    context: dict[str, str]
    qr_payload: str | None = None
    unit: Unit | None = None
    committee: Unit | None = None
    year: int | None = None


def qr_payload(info: FormInfo, unit_code: str, period: int | str) -> str:
    """``BT1|<form_code>|<unit_code>|<year or period>`` (forms.md)."""
    return f"{QR_PREFIX}|{info.code}|{unit_code}|{period}"


def qr_png(payload: str) -> bytes:
    """A real QR code (never Micro QR), error level M, with its quiet zone; deterministic PNG."""
    code = segno.make_qr(payload, error="m", boost_error=False)
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=10, border=4)
    return buf.getvalue()


def _period(plan: Plan) -> str:
    return f"{plan.period.first_year}-{plan.period.last_year}"


def check_year(info: FormInfo, year: int | None, plan: Plan) -> int | None:
    """Mẫu 02 needs a year of the plan's period; Mẫu 01 is once per period and takes none."""
    if info.number == "01":
        if year is not None:
            raise InputError(
                "Mẫu 01-ĐK đăng ký một lần cho cả giai đoạn, không theo năm: hãy bỏ năm (--year)."
            )
        return None
    if year is None:
        raise InputError("Mẫu 02-TĐG là báo cáo hằng năm: hãy cho biết năm (--year).")
    if year not in plan.period.years:
        first, last = plan.period.first_year, plan.period.last_year
        raise InputError(f"Năm {year} nằm ngoài giai đoạn {first} - {last} của kế hoạch.")
    return year


def blank_data(info: FormInfo, year: int | None, style: DocStyle) -> FormData:
    """A form with nothing pre-filled (no unit, no QR): dotted header lines to write on."""
    spec = style.form
    context = dict.fromkeys(
        ("unit_code", "unit_name", "unit_kind", "parent_name", "members_total", "year"), ""
    )
    context |= {
        "superior": spec.header_blank,
        "issuer": spec.header_blank,
        "title_year": spec.blank,
    }
    if year is not None:
        context |= {"year": str(year), "title_year": str(year)}
    return FormData(info, context, None, year=year)


def unit_data(
    info: FormInfo, tree: RosterTree, unit: Unit, year: int | None, plan: Plan
) -> FormData:
    """The values the roster pre-fills for one unit; everything else is the unit's to write."""
    parent = tree.unit(unit.parent_code) if unit.parent_code else None
    committee = tree.recognising_committee(unit.code)
    if committee is not None and committee.issuer_name:
        issuing, issuer = committee, upper_vi(committee.issuer_name)
    elif parent is not None:
        issuing, issuer = parent, upper_vi(parent.name)
    else:
        issuing, issuer = unit, upper_vi(unit.name)
    above = tree.unit(issuing.parent_code) if issuing.parent_code else None
    context = {
        "superior": upper_vi(above.name) if above else "",
        "issuer": issuer,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind.label,
        "parent_name": parent.name if parent else "",
        "members_total": number(unit.members) if unit.members is not None else "",
        "year": str(year) if year is not None else "",
        "title_year": str(year) if year is not None else "",
    }
    payload = qr_payload(info, unit.code, year if year is not None else _period(plan))
    return FormData(info, context, payload, unit, committee or parent, year)


def template_bytes(info: FormInfo) -> bytes:
    try:
        return info.template_path.read_bytes()
    except FileNotFoundError:
        raise BontotError(
            f"Thiếu tệp mẫu {info.template_path}; hãy dựng lại mẫu bằng lệnh:"
            " python -m templates.build_forms"
        ) from None


class _Template(DocxTemplate):
    """docxtpl cleans the same template XML again for every render; a batch does it once."""

    _patched: dict[str, str] = {}  # class-wide on purpose: shared by every render

    def patch_xml(self, src_xml: str) -> str:
        out = self._patched.get(src_xml)
        if out is None:
            if len(self._patched) > 32:
                self._patched.clear()
            out = self._patched[src_xml] = super().patch_xml(src_xml)
        return out


class _Environment(Environment):
    """A Jinja environment that compiles each template text once (docxtpl asks every time)."""

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self._compiled:
            if len(self._compiled) > 32:
                self._compiled.clear()
            self._compiled[source] = super().from_string(source)
        return self._compiled[source]


_ENV = _Environment()  # autoescape on, undefined variables refused


def render_form(
    data: FormData, style: DocStyle | None = None, template: bytes | None = None
) -> bytes:
    """One filled form as .docx bytes (fixed timestamps: same data, same bytes)."""
    style = DocStyle.resolve(style)
    tpl = _Template(io.BytesIO(template or template_bytes(data.info)))
    context: dict[str, Any] = dict(data.context)
    context["qr"] = (
        InlineImage(tpl, io.BytesIO(qr_png(data.qr_payload)), width=Mm(style.form.qr_size_mm))
        if data.qr_payload
        else ""
    )
    tpl.render(context, jinja_env=_ENV, autoescape=True)
    return docx_bytes(tpl)


def safe_code(code: str) -> str:
    """A roster code fit to be a file or folder name (no "..", no path, no reserved name)."""
    if not _SAFE_CODE.fullmatch(code) or code.upper().split(".")[0] in _RESERVED:
        raise InputError(
            f"Mã '{code}' không dùng làm tên tệp được: mã phải bắt đầu bằng chữ cái hoặc chữ số,"
            " chỉ gồm chữ cái không dấu, chữ số và các dấu . _ -"
        )
    return code


def output_path(ws: Workspace, data: FormData) -> Path:
    """Where one unit's form goes, checked to stay inside ``outputs/bieu-mau``."""
    base = ws.outputs / "bieu-mau"
    if data.unit is None:
        suffix = f"-{data.year}" if data.year is not None else ""
        path = base / f"mau-{data.info.number}{suffix}-trong.docx"
    else:
        folder = safe_code(data.committee.code if data.committee else data.unit.code)
        suffix = f"-{data.year}" if data.year is not None else ""
        path = base / folder / f"{safe_code(data.unit.code)}-mau-{data.info.number}{suffix}.docx"
    if not path.resolve().is_relative_to(base.resolve()):
        raise InputError(f"Đường dẫn {path} nằm ngoài thư mục biểu mẫu.")
    return path


def select_units(tree: RosterTree, codes: Iterable[str] | None = None) -> list[Unit]:
    """The candidate units asked for (all of them for None), in roster order."""
    if codes is None:
        return [u for u in tree.units if u.kind.is_grassroots_candidate]
    wanted = list(dict.fromkeys(codes))
    for code in wanted:
        unit = tree.unit(code)  # InputError for an unknown code
        if not unit.kind.is_grassroots_candidate:
            raise InputError(
                f"{unit.kind.label} '{code}' không thuộc diện đăng ký, báo cáo bốn tốt;"
                " chỉ chi bộ, chi bộ cơ sở và đảng bộ cơ sở."
            )
    chosen = set(wanted)
    return [u for u in tree.units if u.code in chosen]


def _load_tree(ws: Workspace) -> RosterTree:
    with st.open_store(ws.database_url).session() as s:
        units = st.load_units(s)
    if not units:
        raise InputError(
            "Chưa có danh sách tổ chức đảng trong vùng làm việc;"
            f" hãy chạy: bontot roster import {ws.root} <tệp Excel>"
        )
    return RosterTree(units)


def render_forms(
    ws: Workspace,
    form: str,
    year: int | None,
    units: Sequence[str] | None = None,
    *,
    pdf: bool = True,
    progress: Progress | None = None,
) -> list[Path]:
    """Render one form per candidate unit (or those asked for); returns the .docx paths.

    A form whose inputs (roster values, template, style) and file are as the store last noted
    is not rendered again.  With ``pdf`` each .docx gets a .pdf beside it, all made in one
    LibreOffice batch; a .docx that did not change keeps its PDF.
    """
    info = form_info(form)
    plan = ws.plan()
    year = check_year(info, year, plan)
    tree = _load_tree(ws)
    chosen = select_units(tree, units)
    style = load_style()
    template = template_bytes(info)
    base = _inputs_base(template, style)
    with st.open_store(ws.database_url).session() as s:
        noted = st.current_documents(s)
    paths: list[Path] = []
    fresh: list[tuple[FormData, Path, str, str]] = []  # (data, path, file sha, inputs sha)
    stale: list[Path] = []
    for i, unit in enumerate(chosen, start=1):
        data = unit_data(info, tree, unit, year, plan)
        path = output_path(ws, data)
        paths.append(path)
        inputs = _inputs_sha(base, data)
        last = noted.get(_document_key(data))
        if not (last and last.inputs_sha256 == inputs and _file_sha(path) == last.sha256):
            blob = render_form(data, style, template)
            write_if_changed(path, blob)
            fresh.append((data, path, hashlib.sha256(blob).hexdigest(), inputs))
        if pdf and (fresh and fresh[-1][1] == path or not path.with_suffix(".pdf").is_file()):
            stale.append(path)
        if progress:
            progress(f"Đang lập {info.printed}", i, len(chosen))
    _record(ws, fresh, noted)
    if stale:
        to_pdf(ws, stale, progress)
    return paths


def render_blank(ws: Workspace, form: str, year: int | None = None, *, pdf: bool = True) -> Path:
    """The form with nothing pre-filled, for units not in the roster or to print by hand."""
    info = form_info(form)
    if year is not None or info.number == "01":
        year = check_year(info, year, ws.plan())
    data = blank_data(info, year, load_style())
    path = output_path(ws, data)
    changed = write_if_changed(path, render_form(data))
    if pdf and (changed or not path.with_suffix(".pdf").is_file()):
        to_pdf(ws, [path])
    return path


def to_pdf(ws: Workspace, paths: Sequence[Path], progress: Progress | None = None) -> list[Path]:
    """Each .docx as a .pdf beside it, in one LibreOffice batch (via a private folder)."""
    if progress:
        progress(f"Đang chuyển {len(paths)} tệp sang PDF", 0, 1)
    ws.outputs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=ws.outputs) as tmp:
        made = office.convert(paths, "pdf", Path(tmp), soffice=ws.soffice, timeout=300)
        result = []
        for src, pdf in made.items():
            target = src.with_suffix(".pdf")
            os.replace(pdf, target)
            result.append(target)
    if progress:
        progress("Đã chuyển sang PDF", 1, 1)
    return result


_RENDERER = "forms/1"  # bump when this module changes what a form looks like


def _inputs_base(template: bytes, style: DocStyle) -> str:
    h = hashlib.sha256(_RENDERER.encode())
    h.update(hashlib.sha256(template).digest())
    h.update(style.model_dump_json().encode())
    return h.hexdigest()


def _inputs_sha(base: str, data: FormData) -> str:
    inputs = {"base": base, "context": data.context, "qr": data.qr_payload}
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _document_key(data: FormData) -> tuple[str, str, str | None]:
    """(kind, scope, committee) as the store keys a generated document."""
    assert data.unit is not None
    scope = data.unit.code if data.year is None else f"{data.unit.code}/{data.year}"
    return data.info.document, scope, data.committee.code if data.committee else None


def _file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _record(
    ws: Workspace,
    fresh: Sequence[tuple[FormData, Path, str, str]],
    noted: dict[tuple[str, str, str | None], Any],
) -> None:
    """Note each rendered form in the store, unless it is exactly what was noted last."""
    if not fresh:
        return
    with st.open_store(ws.database_url).session() as s:
        for data, path, sha, inputs in fresh:
            key = _document_key(data)
            last = noted.get(key)
            if last is not None and (last.sha256, last.inputs_sha256) == (sha, inputs):
                continue
            st.record_document(
                s,
                kind=key[0],
                scope=key[1],
                committee_code=key[2],
                path=path.relative_to(ws.root).as_posix(),
                sha256=sha,
                inputs_sha256=inputs,
            )
