"""The inbox: every returned file is read, checked, kept and stored exactly once.

For each file in ``inbox/`` (oldest first; files still being copied are left for the next run):

1. hash it, and copy it into ``archive/<aa>/<sha256>.<kind>`` (write to a temporary name, fsync,
   rename: a copy is either whole or absent);
2. read every form in it (``parsers.parse_file``) and validate each against the plan and roster;
3. in ONE transaction: the source file, every reading, and — for a form without errors — the
   registration or yearly assessment it carries; a form that needs a person goes to ``review/``
   with a Vietnamese note beside a copy of the original;
4. only after the commit, remove the file from ``inbox/``.

Killed at any point, a re-run finds either nothing in the store (and starts the file again; the
archive copy is simply rewritten) or the file's hash already there (and only finishes step 4), so
nothing is lost and nothing is counted twice.  Originals are never changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bontot import store as st
from bontot.errors import BontotError, StoreError
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.validation import ValidationContext, validate
from bontot.workspace import Workspace
from parsers.base import ParsedForm, Problem

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SETTLE_SECONDS = 2.0  # a file modified more recently than this may still be being copied
ACTOR = "machine"
_TEMP_NAMES = re.compile(r"(^~\$|^\.|\.(part|partial|crdownload|tmp|download)$)", re.IGNORECASE)
_KIND_EXT = {"docx": "docx", "doc": "doc", "pdf": "pdf", "image": "img"}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file of the inbox."""

    name: str  # the name as received (for display only)
    sha256: str
    status: str  # "stored" | "review" | "duplicate" | "skipped"
    forms: tuple[ParsedForm, ...] = ()
    note: str = ""
    years: tuple[int, ...] = ()  # years whose assessments this file changed


@dataclass
class IntakeReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    years: set[int] = field(default_factory=set)  # years whose assessments changed

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def safe_display_name(name: str, limit: int = 120) -> str:
    """A file name fit to print or to use as a suffix: no path parts, no control characters."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch if ch.isprintable() and ch not in '<>:"|?*' else "_" for ch in name)
    name = name.strip(" .") or "tep"
    return name[:limit]


def is_settled(path: Path, now: float | None = None) -> bool:
    """True when the file looks complete: not a temporary name, not modified just now."""
    if _TEMP_NAMES.search(path.name):
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    return (now or time.time()) - stat.st_mtime >= SETTLE_SECONDS


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    # unique per writer: two machines of a share (or two threads) may copy the same content
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    with src.open("rb") as fin, tmp.open("wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, dest)


def _archive_path(ws: Workspace, sha: str, kind: str) -> Path:
    return ws.archive / sha[:2] / f"{sha}.{_KIND_EXT.get(kind, 'bin')}"


def _received_on(path: Path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, LOCAL_TZ).date()


def review_note(name: str, forms: list[ParsedForm]) -> str:
    """The Vietnamese note put beside a file that a person must look at."""
    lines = [f"Tệp: {name}", ""]
    for i, form in enumerate(forms, 1):
        title = {"01-DK": "Mẫu 01-ĐK", "02-TDG": "Mẫu 02-TĐG"}.get(form.form_code or "", "phiếu")
        unit = form.fields.get("unit_code")
        head = f"Phiếu {i}: {title}"
        if unit is not None:
            head += f", mã đơn vị {unit.value}"
        if form.pages:
            head += f" (trang {', '.join(str(p + 1) for p in form.pages)})"
        lines.append(head)
        for p in form.problems:
            mark = "LỖI" if p.level == "error" else "Lưu ý"
            lines.append(f"  - {mark}: {p.message}")
        lines.append("")
    lines += [
        "Cần làm: đối chiếu với bản gốc (tệp bên cạnh), liên hệ đơn vị nếu cần,",
        "rồi xác nhận hoặc sửa số liệu trên trang web (mục Kiểm tra phiếu).",
        "Bản gốc vẫn được lưu nguyên vẹn trong thư mục archive/.",
    ]
    return "\n".join(lines) + "\n"


def _previous(session: object, tree: RosterTree | None) -> dict[tuple[str, str, int | None], str]:
    """Unit-year-forms already stored, for the duplicate warning (value: when received)."""
    out: dict[tuple[str, str, int | None], str] = {}
    for (code, year), rec in st.current_assessments(session).items():
        out[(code, "02-TDG", year)] = str(rec.received_on)
    for code, reg in st.current_registrations(session).items():
        out[(code, "01-DK", None)] = str(reg.registered_on)
    return out


def _store_form(
    session: object, form: ParsedForm, source_file_id: int, received_on: dt.date
) -> tuple[int, int | None]:
    """Store one reading, and its registration/assessment when it has no error."""
    values = form.values()
    reading_id = st.add_reading(
        session,
        form_code=form.form_code or "unknown",
        unit_code=values.get("unit_code"),
        year=values.get("year"),
        source=form.source or "unknown",
        parser=form.parser,
        fields={k: v.to_json() for k, v in form.fields.items()},
        problems=[p.to_json() for p in form.problems],
        needs_review=form.needs_review,
        actor=ACTOR,
        source_file_id=source_file_id,
    )
    if form.needs_review or any(p.level == "error" for p in form.problems):
        return reading_id, None
    if form.form_code == "02-TDG":
        st.add_assessment(
            session,
            unit_code=values["unit_code"],
            year=values["year"],
            fields=values,
            received_on=received_on,
            reading_id=reading_id,
            actor=ACTOR,
        )
        return reading_id, values["year"]
    if form.form_code == "01-DK":
        st.add_registration(
            session,
            unit_code=values["unit_code"],
            registered_on=received_on,
            title_registered=values.get("title_registered", ""),
            admission_target=values.get("admission_target"),
            members_total=values.get("members_total"),
            reading_id=reading_id,
            actor=ACTOR,
        )
    return reading_id, None


def _to_review(ws: Workspace, archived: Path, sha: str, name: str, forms: list[ParsedForm]) -> None:
    stem = f"{sha[:12]}-{safe_display_name(name, 80)}"
    ws.review.mkdir(exist_ok=True)
    copy = ws.review / stem
    if not copy.exists():
        try:
            os.link(archived, copy)
        except OSError:
            _atomic_copy(archived, copy)
    note = ws.review / f"{stem}.LOI.txt"
    tmp = note.with_name(f".{note.name}.tmp")
    tmp.write_text(review_note(name, forms), encoding="utf-8")
    os.replace(tmp, note)


def intake_file(
    ws: Workspace, path: Path, plan: Plan, store: st.Store, tree: RosterTree | None
) -> FileOutcome:
    """One file of the inbox, end to end (see the module docstring)."""
    from parsers import parse_file
    from parsers.detect import detect

    name = safe_display_name(path.name)
    sha = _sha256(path)
    with store.session() as s:
        known = st.find_source_file(s, sha)
    if known is not None:
        return _duplicate(path, name, sha, known.original_name)
    try:
        kind = detect(path)
    except BontotError:
        kind = "bin"
    archived = _archive_path(ws, sha, kind)
    _atomic_copy(path, archived)
    received_on = _received_on(path)
    forms = parse_file(archived)
    try:
        return _commit_file(ws, path, archived, name, sha, forms, plan, store, tree, received_on)
    except StoreError as err:
        # Another machine stored the same content between our look-up and our commit (its
        # workspace lock did not reach us, as on some network shares): the unique index on
        # the hash refused ours, and the file counts as a duplicate of theirs.
        if not isinstance(err.__cause__, IntegrityError):
            raise
        with store.session() as s:
            known = st.find_source_file(s, sha)
        if known is None:
            raise
        return _duplicate(path, name, sha, known.original_name)


def _duplicate(path: Path, name: str, sha: str, first_name: str) -> FileOutcome:
    path.unlink(missing_ok=True)  # its reading is already committed: drop the copy
    return FileOutcome(name, sha, "duplicate", note=f"Trùng nội dung với tệp {first_name}")


def _commit_file(
    ws: Workspace, path: Path, archived: Path, name: str, sha: str, forms: list[ParsedForm],
    plan: Plan, store: st.Store, tree: RosterTree | None, received_on: dt.date,
) -> FileOutcome:
    """Validate and store one file's readings in one transaction; then drop it from the inbox."""
    with store.session() as s:
        ctx = ValidationContext(
            plan=plan, tree=tree, received_on=received_on, previous=_previous(s, tree)
        )
        checked = [validate(f, ctx) if f.form_code else f for f in forms]
        sf = st.add_source_file(
            s,
            sha256=sha,
            original_name=name,
            stored_path=str(archived.relative_to(ws.root)),
            size=archived.stat().st_size,
        )
        years = set()
        for form in checked:
            _, year = _store_form(s, form, sf.id, received_on)
            if year is not None:
                years.add(year)
        review = any(f.needs_review for f in checked)
        if review:
            _to_review(ws, archived, sha, name, checked)
        st.audit(s, ACTOR, "intake", name, {"sha256": sha, "forms": len(checked), "review": review})
    path.unlink(missing_ok=True)
    status = "review" if review else "stored"
    return FileOutcome(name, sha, status, tuple(checked), years=tuple(sorted(years)))


def inbox_files(ws: Workspace) -> tuple[list[Path], list[Path]]:
    """(settled files to read now, files left for the next run), oldest first."""
    now = time.time()
    ready, waiting = [], []
    for p in sorted(ws.inbox.rglob("*"), key=lambda p: (p.stat().st_mtime, p.name)):
        if p.is_symlink() or not p.is_file():
            continue
        (ready if is_settled(p, now) else waiting).append(p)
    return ready, waiting


@contextlib.contextmanager
def _exclusive(ws: Workspace) -> Iterator[None]:
    """One intake at a time per workspace (a second one waits); then stale temporaries of a
    killed run can be removed safely."""
    with (ws.root / ".intake.lock").open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            for folder in (ws.archive, ws.review):
                for tmp in folder.rglob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_intake(
    ws: Workspace, progress: Progress | None = None, files: list[Path] | None = None
) -> IntakeReport:
    """Read every settled file of the inbox (or just ``files``, which must lie in it); whatever
    one file does, the batch goes on."""
    with _exclusive(ws):
        return _run_intake(ws, progress, files)


def _inside_inbox(ws: Workspace, files: list[Path]) -> list[Path]:
    inbox = ws.inbox.resolve()
    return [p for p in files if p.resolve().is_relative_to(inbox) and p.is_file()]


def _run_intake(ws: Workspace, progress: Progress | None, files: list[Path] | None) -> IntakeReport:
    plan = ws.plan()
    store = st.open_store(ws.database_url)
    with store.session() as s:
        units = st.load_units(s)
    tree = RosterTree(units) if units else None
    ready, waiting = inbox_files(ws)
    if files is not None:
        wanted = {p.resolve() for p in _inside_inbox(ws, files)}
        ready = [p for p in ready if p.resolve() in wanted]
        waiting = [p for p in waiting if p.resolve() in wanted]
    report = IntakeReport()
    for i, path in enumerate(ready):
        try:
            outcome = intake_file(ws, path, plan, store, tree)
        except FileNotFoundError:  # taken away while we read it: nothing of it was stored
            outcome = FileOutcome(
                safe_display_name(path.name),
                "",
                "skipped",
                note="Tệp đã bị chuyển đi trong khi đang đọc.",
            )
        report.outcomes.append(outcome)
        report.years.update(outcome.years)
        if progress:
            progress(outcome.name, i + 1, len(ready))
    for path in waiting:
        report.outcomes.append(
            FileOutcome(
                safe_display_name(path.name),
                "",
                "skipped",
                note="Tệp đang được chép vào, để lần sau.",
            )
        )
    return report


def problems_of(outcome: FileOutcome) -> list[Problem]:
    return [p for f in outcome.forms for p in f.problems]
