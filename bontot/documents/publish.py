"""Write documents: render, save under ``outputs/``, record in the store, convert to PDF.

:func:`produce` is the pipeline the CLI calls; it reads top to bottom:

1. :func:`gather` evaluates the workspace and reads what the documents need (:class:`Facts`);
2. :func:`plan_documents` asks each document module for its documents (data only);
3. :func:`write_documents` renders each .docx (and .xlsx of its tables) unless the store says
   its inputs and file are as last recorded, writes only changed bytes, records each file;
4. :func:`make_pdfs` converts every new or changed .docx in ONE LibreOffice batch and merges
   each committee's certificates into one print PDF.

Files go to ``outputs/<year | so-ket | tong-ket | dang-ky>/<committee code>/``.

A run may be killed at any moment (SIGKILL, a power cut) and simply run again: every file is
written under a temporary name, flushed and renamed into place; the store records files only
after they are in place, all in one transaction at the end; a re-run removes what a killed run
left half-written (one run at a time per workspace, ``.documents.lock``), takes a file holding
the very bytes it would write as its own, and converts again any PDF the store does not record
as made from the .docx beside it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from bontot import office
from bontot import store as st
from bontot.charts import render_png
from bontot.docbuild import TEMP_PREFIX, replace_durably, write_if_changed
from bontot.docstyle import load_style
from bontot.documents import bao_cao, ds_chua_nop, giay_khen, qd_cong_nhan, qd_khen_thuong, to_trinh
from bontot.documents.base import Document, DocumentRequest, Facts
from bontot.documents.render import Picture, PreparedTemplate, template
from bontot.documents.tables import xlsx_bytes
from bontot.errors import InputError, OfficeError, WorkspaceError
from bontot.forms import safe_code
from bontot.models import Unit
from bontot.service import evaluate_workspace
from bontot.workspace import Workspace

Progress = Callable[[str, int, int], None]
Builder = Callable[[Facts, DocumentRequest, Unit], list[Document]]
RENDERER = "documents/1"  # bump when this package changes what a document looks like
PDF_TIMEOUT = 300  # seconds per LibreOffice call (a chunk of at most office.CHUNK_SIZE files)
LOCK_NAME = ".documents.lock"  # in the workspace root: one document run at a time
PDF_TEMP_PREFIX = ".pdf-documents-"  # LibreOffice's output folder under outputs/, per run
FORMS_FOLDER = "bieu-mau"  # outputs/ of bontot.forms (pre-filled forms): not ours to tidy

# Which documents each kind of request produces, per committee, in this order.
BUILDERS: dict[str, tuple[tuple[str, Builder], ...]] = {
    "year": (("qd-cong-nhan", qd_cong_nhan.build),),
    "so-ket": (
        ("qd-khen-thuong", qd_khen_thuong.build),
        ("giay-khen", giay_khen.build),
        ("bao-cao-so-ket", bao_cao.build),
    ),
    "tong-ket": (
        ("qd-khen-thuong", qd_khen_thuong.build),
        ("giay-khen", giay_khen.build),
        ("to-trinh-bang-khen", to_trinh.build),
        ("bao-cao-tong-ket", bao_cao.build),
    ),
    "deadline": (("ds-chua-nop", ds_chua_nop.build),),
}
_NOTHING = {
    "qd-cong-nhan": 'không có tổ chức đảng đạt "bốn tốt" năm {scope}: không lập quyết định.',
    "qd-khen-thuong": "không có tổ chức đảng được tặng Giấy khen: không lập quyết định.",
    "giay-khen": "không có Giấy khen để in.",
    "to-trinh-bang-khen": "không có đơn vị đủ điều kiện đề nghị Bằng khen: không lập tờ trình.",
    "ds-chua-nop": "mọi tổ chức đảng đã nộp: không lập danh sách.",
}


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    key: str  # what the store keys it by: "qd-cong-nhan", "qd-cong-nhan.xlsx" …
    committee: str
    changed: bool  # False: the file already held exactly these bytes ("không đổi")
    sha: str = ""


@dataclass(frozen=True)
class DocumentRun:
    scope: str
    files: tuple[WrittenFile, ...]
    notes: tuple[str, ...] = ()
    pdf_failures: tuple[str, ...] = field(default=())


class PdfBatchError(OfficeError):
    """Some .docx did not become PDFs; the run (everything else written) comes with it."""

    def __init__(self, run: DocumentRun) -> None:
        lines = "\n".join(f"  - {f}" for f in run.pdf_failures)
        super().__init__(f"Một số văn bản chưa chuyển được sang PDF:\n{lines}")
        self.run = run


# --- 1. the facts -----------------------------------------------------------------------------


def gather(ws: Workspace, progress: Progress | None = None) -> Facts:
    """Evaluate the workspace (the rules decide) and read what the documents cite."""
    run = evaluate_workspace(ws, None, progress)
    with st.open_store(ws.database_url).session() as s:
        registrations = st.current_registrations(s)
        assessments = st.current_assessments(s)
    if not run.tree.units:
        raise InputError("Chưa có danh sách tổ chức đảng trong vùng làm việc.")
    return Facts(ws.plan(), run.tree, run, registrations, assessments, load_style())


# --- 2. the documents -------------------------------------------------------------------------


def _committees(facts: Facts, request: DocumentRequest) -> tuple[list[Unit], bool]:
    """The committees asked for, and whether the province's own report is wanted."""
    all_committees = facts.tree.committees()
    if request.committees is None:
        return all_committees, True
    root = facts.tree.root.code
    chosen = []
    for code in dict.fromkeys(request.committees):
        if code == root:
            continue
        facts.summary(code)  # InputError for a code that recognises nothing
        chosen.append(facts.tree.unit(code))
    return chosen, root in request.committees


def plan_documents(facts: Facts, request: DocumentRequest) -> tuple[list[Document], list[str]]:
    """Every document the request produces, and a note for each one not produced."""
    committees, province = _committees(facts, request)
    group = "year" if request.year else "deadline" if request.deadline else str(request.review)
    docs: list[Document] = []
    notes: list[str] = []
    for committee in committees:
        for name, build in BUILDERS[group]:
            made = build(facts, request, committee)
            if not made and name in _NOTHING:
                notes.append(f"{committee.code}: {_NOTHING[name].format(scope=request.scope)}")
            docs += made
    if request.review is not None and province:
        docs += bao_cao.build_province(facts, request)
    for doc in docs:
        notes += [w for w in doc.warnings if w not in notes]
    return docs, notes


# --- 3. writing and recording -------------------------------------------------------------


def output_dir(ws: Workspace, request: DocumentRequest, committee: Unit) -> Path:
    base = ws.outputs / safe_code(request.scope)
    path = base / safe_code(committee.code)
    if not path.resolve().is_relative_to(ws.outputs.resolve()):
        raise InputError(f"Đường dẫn {path} nằm ngoài thư mục outputs.")
    return path


def inputs_sha(doc: Document, template_sha: str, style_json: str) -> str:
    """What a document was made from: the template, the style, its values, tables and charts."""
    payload = {
        "renderer": RENDERER,
        "template": template_sha,
        "style": style_json,
        "context": doc.full_context(),
        "charts": {name: chart.json() for name, chart in sorted(doc.charts.items())},
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class _Ledger:
    """The store's last record per file, and what this run adds (written once, at the end)."""

    scope: str
    noted: dict[tuple[str, str, str | None], Any]
    fresh: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def unchanged(self, key: str, committee: str, inputs: str, path: Path) -> str | None:
        """The file's sha when it is what was recorded from these very inputs, else None."""
        last = self.noted.get((key, self.scope, committee))
        if last and last.inputs_sha256 == inputs and _sha(path) == last.sha256:
            return str(last.sha256)
        return None

    def edited(self, key: str, committee: str, path: Path, rel: str) -> str | None:
        """The file's sha when someone changed it after this program wrote it, else None.

        A clerk edits the .docx before signing: a re-run must not throw that work away.
        """
        last = self.noted.get((key, self.scope, committee))
        now = _sha(path)
        if last is None or now is None or last.path != rel or now == last.sha256:
            return None
        return now

    def pdf_current(self, key: str, committee: str, docx_sha: str, pdf: Path, rel: str) -> bool:
        """Whether the PDF is the one recorded as made from exactly this .docx.

        A PDF the store does not know (a run killed before it recorded), or one made from
        other .docx bytes (the .docx was rewritten, then the run was killed), is converted again.
        """
        last = self.noted.get((key, self.scope, committee))
        return bool(
            last and last.inputs_sha256 == docx_sha and last.path == rel
            and _sha(pdf) == last.sha256
        )

    def stale(self, produced: set[tuple[str, str]], committees: set[str], root: Path) -> None:
        """Files an earlier run wrote for these committees that this run no longer makes."""
        for (key, _, committee), rec in sorted(self.noted.items(), key=lambda kv: kv[1].path):
            made = (key, committee) in produced or (key.removesuffix(".pdf"), committee) in produced
            if committee in committees and not made:
                if (root / rec.path).is_file():
                    self.notes.append(
                        f"{rec.path}: không còn trong kết quả lần này (tệp được giữ nguyên,"
                        " hãy xem lại trước khi dùng)."
                    )

    def note(self, key: str, committee: str, path: str, sha: str, inputs: str) -> None:
        last = self.noted.get((key, self.scope, committee))
        if last is None or (last.sha256, last.inputs_sha256, last.path) != (sha, inputs, path):
            self.fresh.append((key, committee, path, sha, inputs))


def write_documents(
    ws: Workspace,
    facts: Facts,
    request: DocumentRequest,
    docs: Sequence[Document],
    ledger: _Ledger,
    progress: Progress | None = None,
) -> list[WrittenFile]:
    """Each document as .docx (and .xlsx when it has tables), rendered only when needed."""
    style_json = facts.style.model_dump_json()
    written: list[WrittenFile] = []
    for i, doc in enumerate(docs, start=1):
        folder = output_dir(ws, request, doc.committee)
        tpl = template(doc.template)
        inputs = inputs_sha(doc, tpl.sha256, style_json)
        code = doc.committee.code
        outputs: list[tuple[str, Path, Callable[[], bytes]]] = [
            (doc.key, folder / f"{safe_stem(doc.stem)}.docx", partial(_docx, doc, tpl))
        ]
        if doc.tables:
            xlsx = partial(xlsx_bytes, doc.title, doc.tables)
            outputs.append((f"{doc.key}.xlsx", folder / f"{safe_stem(doc.stem)}.xlsx", xlsx))
        for key, path, make in outputs:
            last = ledger.unchanged(key, code, inputs, path)
            if last is not None:
                written.append(WrittenFile(path, key, code, False, last))
                continue
            edited = ledger.edited(key, code, path, _rel(ws, path))
            blob = make()
            if edited is not None and hashlib.sha256(blob).hexdigest() != edited:
                ledger.notes.append(
                    f"{_rel(ws, path)}: đã được sửa sau lần lập trước nên không ghi đè; muốn"
                    " lập lại, hãy đổi tên hoặc chuyển tệp đó đi rồi chạy lại."
                )
                written.append(WrittenFile(path, key, code, False, edited))
                continue
            # (A file that differs from its record but holds exactly these bytes was written by
            # a run killed before it recorded it: it is ours, and is recorded now.)
            changed = write_if_changed(path, blob)
            sha = hashlib.sha256(blob).hexdigest()
            ledger.note(key, code, _rel(ws, path), sha, inputs)
            written.append(WrittenFile(path, key, code, changed, sha))
        if progress:
            progress("Đang lập văn bản", i, len(docs))
    return written


def _docx(doc: Document, tpl: PreparedTemplate) -> bytes:
    pictures = {
        name: Picture(render_png(chart), chart.width_mm) for name, chart in doc.charts.items()
    }
    return tpl.render(doc.full_context(), pictures)


def safe_stem(stem: str) -> str:
    """A document's file name (codes inside it were checked by ``safe_code`` already)."""
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        raise InputError(f"Tên tệp '{stem}' không hợp lệ.")
    return stem


def _rel(ws: Workspace, path: Path) -> str:
    return path.relative_to(ws.root).as_posix()


def record(ws: Workspace, ledger: _Ledger) -> None:
    if not ledger.fresh:
        return
    with st.open_store(ws.database_url).session() as s:
        for key, committee, path, sha, inputs in ledger.fresh:
            st.record_document(
                s,
                kind=key,
                scope=ledger.scope,
                committee_code=committee,
                path=path,
                sha256=sha,
                inputs_sha256=inputs,
            )


# --- 4. PDF -----------------------------------------------------------------------------------


def make_pdfs(
    docs: Sequence[Document],
    written: Sequence[WrittenFile],
    ws: Workspace,
    ledger: _Ledger,
    progress: Progress | None = None,
) -> tuple[list[WrittenFile], list[str]]:
    """PDFs of the new or changed .docx (one LibreOffice batch), then the merged print PDFs."""
    docx = {w.path: w for w in written if w.path.suffix == ".docx"}
    index = {(w.key, w.committee, p.stem): p for p, w in docx.items()}
    sources = {_docx_of(doc, index): doc for doc in docs if doc.merges is None}

    def current(doc: Document, src: Path) -> bool:
        pdf = src.with_suffix(".pdf")
        return ledger.pdf_current(f"{doc.key}.pdf", doc.committee.code, docx[src].sha, pdf,
                                  _rel(ws, pdf))

    stale = [p for p, doc in sources.items() if not current(doc, p)]
    made, failures = to_pdf(ws, stale, progress, temp_prefix=PDF_TEMP_PREFIX)
    out: list[WrittenFile] = []
    for src, doc in sources.items():
        pdf, code = src.with_suffix(".pdf"), doc.committee.code
        if src in made:
            ledger.note(f"{doc.key}.pdf", code, _rel(ws, pdf), _sha(pdf) or "", docx[src].sha)
        if pdf.is_file() and (src in made or src not in stale):
            out.append(WrittenFile(pdf, f"{doc.key}.pdf", code, src in made))
    for doc in docs:
        if doc.merges is None:
            continue
        target = _docx_of(doc, index).with_suffix(".pdf")
        parts = [p.with_suffix(".pdf") for p, d in sources.items() if d.batch == doc.merges]
        if not all(p.is_file() for p in parts):
            failures.append(f"{target.name}: thiếu bản PDF của Giấy khen thành phần, chưa ghép.")
            continue
        fresh = any(p.with_suffix(".docx") in made for p in parts) or not current(
            doc, target.with_suffix(".docx"))
        if fresh:
            merge_pdfs(parts, target)
            ledger.note(
                f"{doc.key}.pdf",
                doc.committee.code,
                _rel(ws, target),
                _sha(target) or "",
                docx[target.with_suffix(".docx")].sha,
            )
        out.append(WrittenFile(target, f"{doc.key}.pdf", doc.committee.code, fresh))
    return out, failures


def _docx_of(doc: Document, index: dict[tuple[str, str, str], Path]) -> Path:
    return index[(doc.key, doc.committee.code, doc.stem)]  # write_documents wrote every one


def to_pdf(
    ws: Workspace,
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    temp_prefix: str = ".pdf-",
) -> tuple[set[Path], list[str]]:
    """Convert in one batch; (the .docx that now have a PDF beside them, one error per file).

    LibreOffice writes into a temporary folder ``outputs/<temp_prefix>…``; each PDF is renamed
    beside its .docx only once whole.
    """
    if not paths:
        return set(), []
    if progress:
        progress(f"Đang chuyển {len(paths)} tệp sang PDF", 0, 1)
    ws.outputs.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    done: set[Path] = set()
    with tempfile.TemporaryDirectory(prefix=temp_prefix, dir=ws.outputs) as tmp:
        try:
            office.convert(paths, "pdf", Path(tmp), soffice=ws.soffice, timeout=PDF_TIMEOUT)
        except OfficeError as exc:
            failed_note = exc.message
        else:
            failed_note = ""
        for src in paths:  # what did convert is there even when others failed
            pdf = Path(tmp) / (src.stem + ".pdf")
            if pdf.is_file() and pdf.stat().st_size > 0:
                replace_durably(pdf, src.with_suffix(".pdf"))
                done.add(src)
            else:  # an older PDF beside it would pass for the new text: it goes
                src.with_suffix(".pdf").unlink(missing_ok=True)
                failures.append(f"{src.name}: không chuyển được sang PDF.")
    if failed_note:
        failures.append(failed_note)  # LibreOffice's own account, once
    if progress:
        progress("Đã chuyển sang PDF", 1, 1)
    return done, failures


def merge_pdfs(parts: Iterable[Path], target: Path) -> None:
    """Pages of every part, in order, into one PDF (pypdfium2), written atomically."""
    merged = pdfium.PdfDocument.new()
    try:
        for part in parts:
            src = pdfium.PdfDocument(part)
            try:
                merged.import_pages(src)
            finally:
                src.close()
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".pdf", dir=target.parent)
        os.close(fd)
        try:
            merged.save(tmp)
            os.chmod(tmp, 0o644)
            replace_durably(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    finally:
        merged.close()


# --- the pipeline -----------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(ws: Workspace) -> Iterator[None]:
    """One document run at a time per workspace (a second one waits); holding the lock, what a
    killed run left half-written under ``outputs/`` can be removed safely."""
    ws.outputs.mkdir(parents=True, exist_ok=True)
    with (ws.root / LOCK_NAME).open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            remove_leftovers(ws)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def remove_leftovers(ws: Workspace) -> list[Path]:
    """Delete the temporaries of an interrupted document run; returns what was removed.

    Only names this module writes: LibreOffice's folders ``outputs/.pdf-documents-*`` and files
    ``.tmp-*`` in the documents' folders (the pre-filled forms' folder is left alone).  Call it
    holding the lock (:func:`produce` does).
    """
    removed: list[Path] = []
    for tmp in ws.outputs.glob(f"{PDF_TEMP_PREFIX}*"):
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        removed.append(tmp)
    for folder in ws.outputs.iterdir():
        if folder.name == FORMS_FOLDER or folder.name.startswith(".") or not folder.is_dir():
            continue
        for tmp in folder.rglob(f"{TEMP_PREFIX}*"):
            if tmp.is_file() or tmp.is_symlink():
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


def _asked(facts: Facts, request: DocumentRequest) -> set[str]:
    committees, province = _committees(facts, request)
    return {c.code for c in committees} | ({facts.tree.root.code} if province else set())


def _not_written(ws: Workspace, exc: OSError) -> WorkspaceError:
    """What the clerk is told when outputs/ cannot be written (a full disk, no permission)."""
    where = f"thư mục {ws.outputs}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = f"Ổ đĩa chứa {where} đã đầy nên chưa lập xong văn bản"
    else:
        why = f"Không ghi được vào {where} ({exc.strerror or exc}) nên chưa lập xong văn bản"
    return WorkspaceError(f"{why}; không có tệp nào bị ghi dở, các văn bản đã lập trước đó vẫn "
                          "nguyên vẹn. Hãy giải phóng chỗ trống (hoặc sửa quyền ghi) rồi chạy "
                          "lại lệnh: chỉ những văn bản còn thiếu được lập.")


def produce(
    ws: Workspace,
    request: DocumentRequest | dict[str, Any],
    progress: Progress | None = None,
    facts: Facts | None = None,
) -> DocumentRun:
    """Everything a request asks for, written, recorded and (optionally) converted to PDF.

    ``facts`` lets a caller making several requests evaluate the workspace once.
    """
    request = DocumentRequest.resolve(request)
    facts = facts or gather(ws, progress)
    docs, notes = plan_documents(facts, request)
    with _exclusive(ws):
        with st.open_store(ws.database_url).session() as s:
            ledger = _Ledger(request.scope, st.current_documents(s, request.scope))
        try:
            written = write_documents(ws, facts, request, docs, ledger, progress)
            failures: list[str] = []
            if request.pdf:
                pdfs, failures = make_pdfs(docs, written, ws, ledger, progress)
                written += pdfs
        except OSError as exc:  # every file is written whole or not at all (write_if_changed)
            raise _not_written(ws, exc) from exc
        record(ws, ledger)  # after every file is in place, in one transaction
    produced = {(f.key, f.committee) for f in written}
    ledger.stale(produced, {d.committee.code for d in docs} | _asked(facts, request), ws.root)
    notes += ledger.notes
    run = DocumentRun(request.scope, tuple(written), tuple(notes), tuple(failures))
    if failures:
        raise PdfBatchError(run)
    return run
