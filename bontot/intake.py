"""The inbox: every returned file is read, checked, kept and stored exactly once.

For each file in ``inbox/`` (oldest first; files still being copied are left for the next run):

1. open it once; through that one open file hash it, and copy it into
   ``archive/<aa>/<sha256>.<kind>`` (write to a temporary name, fsync, rename: a copy is either
   whole or absent).  A file that changes during the copy is still being written and is left for
   the next run; one removed from the inbox meanwhile is read all the same, from the copy;
2. read every form in the archive copy (``parsers.parse_file``, seeing the copy under the name it
   was sent with, and LibreOffice/Tesseract under the workspace's time limits) and validate each
   against the plan and roster;
3. in ONE transaction: the source file, every reading, and — for a form without errors — the
   registration or yearly assessment it carries; a form that needs a person goes to ``review/``
   with a Vietnamese note beside a copy of the original;
4. only after the commit, remove the file from ``inbox/``.

Killed at any point, a re-run finds either nothing in the store (and starts the file again; the
archive copy is simply rewritten) or the file's hash already there (and only finishes step 4), so
nothing is lost and nothing is counted twice.  Originals are never changed.  A disk that fills
up (or any other write failure) stops only the file at hand: nothing half-written is left, the
file stays in the inbox with a note saying so, and the batch goes on.  Hidden and lock files,
links out of the inbox and files asked for outside it are named to the clerk, never read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bontot import store as st
from bontot.errors import BontotError, StoreError
from bontot.plan import Plan
from bontot.readers import Readers, reader_count
from bontot.roster import RosterTree
from bontot.validation import FormKey, ValidationContext, form_key, validate
from bontot.workspace import Workspace
from parsers.base import ParsedForm, Problem, ReadOptions

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SETTLE_SECONDS = 2.0  # a file modified more recently than this may still be being copied
CLOCK_AHEAD = 300.0  # seconds: a file modified further in the future has a wrong clock
ACTOR = "machine"
_TEMP_NAMES = re.compile(r"(^~\$|^\.|\.(part|partial|crdownload|tmp|download)$)", re.IGNORECASE)
# hidden files and the lock files of Word/LibreOffice (macOS "._x.docx", ".~lock.x.docx#",
# "~$x.docx", ".DS_Store"): never forms, never finished; named to the clerk, not read
_HIDDEN_NAMES = re.compile(r"^(\.|~\$)")
_KIND_EXT = {"docx": "docx", "doc": "doc", "pdf": "pdf", "image": "img"}
STILL_WRITTEN = "Tệp đang được chép vào, để lần sau."
TAKEN_AWAY = "Tệp đã bị chuyển đi trước khi kịp đọc; không có gì của tệp được lưu."
HIDDEN = ("Tệp ẩn hoặc tệp khóa của Word/LibreOffice (tên bắt đầu bằng “.” hoặc “~$”), không "
          "phải phiếu nên không đọc; nếu đây là phiếu, hãy đổi tên tệp rồi chép lại vào inbox.")
A_LINK = ("Đây là một liên kết (symlink) tới tệp ở chỗ khác, không đọc để đảm bảo an toàn: hãy "
          "chép chính tệp vào thư mục inbox.")
OUTSIDE_INBOX = "Tệp nằm ngoài thư mục inbox nên không đọc (chỉ đọc tệp trong inbox)."

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
    """A file name fit to print or to use as a suffix: no path parts, no control characters, at
    most ``limit`` characters and twice as many UTF-8 bytes (a file name may hold 255 bytes, and
    one Vietnamese letter takes up to 3); a name cut short keeps its extension."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch if ch.isprintable() and ch not in '<>:"|?*' else "_" for ch in name)
    name = name.strip(" .") or "tep"
    if len(name) <= limit and len(name.encode()) <= 2 * limit:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = f".{ext}" if dot and stem and 0 < len(ext) <= 8 else ""
    stem = name[: len(name) - len(ext)][: max(1, limit - len(ext) - 1)]
    while stem and len(f"{stem}…{ext}".encode()) > 2 * limit:
        stem = stem[:-1]
    return f"{stem.rstrip(' .')}…{ext}"


def is_settled(path: Path, now: float | None = None) -> bool:
    """True when the file looks complete: not a temporary name, not modified just now."""
    if _TEMP_NAMES.search(path.name):
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    age = (now or time.time()) - stat.st_mtime
    # a time far ahead of ours says nothing about copying (a unit's PC with its clock wrong,
    # the time kept by the copy): such a file is not waited for
    return age >= SETTLE_SECONDS or age < -CLOCK_AHEAD


def _old_enough(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime >= SETTLE_SECONDS
    except OSError:
        return False


def _sha256(fh: BinaryIO) -> str:
    h = hashlib.sha256()
    fh.seek(0)
    for block in iter(lambda: fh.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def _atomic_copy(src: Path, dest: Path) -> None:
    """Copy through a temporary name, fsync, rename: ``dest`` is whole or absent, and a failed
    copy (a full disk) leaves nothing behind."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    # unique per writer: two machines of a share (or two threads) may copy the same content
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _StillWritten(Exception):
    """The file changed while it was copied: someone is still writing it."""


def _take(ws: Workspace, fh: BinaryIO, sha: str) -> Path:
    """Copy the open inbox file into ``archive/`` under a temporary name, hashing again as it
    goes; the copy is fsynced.  Reading through the one open file makes the copy what was
    hashed even if the inbox entry is removed or renamed meanwhile; a file whose size, time or
    content changed during the copy is still being written (:class:`_StillWritten`)."""
    before = os.fstat(fh.fileno())
    ws.archive.mkdir(parents=True, exist_ok=True)
    tmp = ws.archive / f".incoming-{sha[:16]}.{uuid.uuid4().hex}.tmp"
    h = hashlib.sha256()
    try:
        fh.seek(0)
        with tmp.open("wb") as out:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        after = os.fstat(fh.fileno())
        if h.hexdigest() != sha or (before.st_size, before.st_mtime_ns) != (
            after.st_size, after.st_mtime_ns
        ):
            raise _StillWritten
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _archive_path(ws: Workspace, sha: str, kind: str) -> Path:
    return ws.archive / sha[:2] / f"{sha}.{_KIND_EXT.get(kind, 'bin')}"


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


def _previous(session: object, forms: list[ParsedForm]) -> dict[FormKey, str]:
    """The forms of this file that the store already holds, for the duplicate warning (value:
    when the stored one was received).  Looked up by key, not by loading every stored form:
    a province's intake reads thousands of files."""
    out: dict[FormKey, str] = {}
    for form in forms:
        key = form_key(form) if form.form_code else None
        if key is not None and key not in out:
            when = st.last_received(session, key[0], key[2])
            if when is not None:
                out[key] = str(when)
    return out


def _keep_crops(ws: Workspace, archived: Path, n: int, form: ParsedForm) -> dict[str, str]:
    """Copy the picture of each field the reader cut out of a scanned page (a temporary file)
    beside the archived original, ``<sha>.anh/<form>-<field>.png``, so that whoever confirms
    the value later sees what the machine saw; field → its path in the workspace."""
    kept: dict[str, str] = {}
    folder = archived.with_name(f"{archived.stem}.anh")
    for key, value in form.fields.items():
        if not value.crop or not re.fullmatch(r"[a-z0-9_]+", key):
            continue
        target = folder / f"{n}-{key}.png"
        try:
            if not target.exists():
                _atomic_copy(Path(value.crop), target)
        except OSError:
            continue  # the picture went away: the value stands without it
        kept[key] = str(target.relative_to(ws.root))
    return kept


def _store_form(
    session: object, form: ParsedForm, source_file_id: int, received_on: dt.date,
    crops: dict[str, str] | None = None,
) -> tuple[int, int | None]:
    """Store one reading (each field's picture by its path in the workspace), and its
    registration/assessment when it has no error."""
    values = form.values()
    fields = {k: v.to_json() for k, v in form.fields.items()}
    for key, field_json in fields.items():
        field_json.pop("crop", None)  # a temporary file of the reader's
        if crops and key in crops:
            field_json["crop"] = crops[key]
    reading_id = st.add_reading(
        session,
        form_code=form.form_code or "unknown",
        unit_code=values.get("unit_code"),
        year=values.get("year"),
        source=form.source or "unknown",
        parser=form.parser,
        fields=fields,
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
    """A copy of the original and the note beside it in ``review/``; on failure (a full disk)
    neither is left behind, and the caller's transaction is rolled back."""
    stem = f"{sha[:12]}-{safe_display_name(name, 80)}"
    ws.review.mkdir(exist_ok=True)
    copy = ws.review / stem
    note = ws.review / f"{stem}.LOI.txt"
    tmp = note.with_name(f".{note.name}.{uuid.uuid4().hex[:8]}.tmp")
    made = False
    try:
        if not copy.exists():
            try:
                os.link(archived, copy)
            except OSError:
                _atomic_copy(archived, copy)
            made = True
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(review_note(name, forms))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, note)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if made:
            copy.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class _Taken:
    """An inbox file copied into the archive, waiting to be read and stored."""

    path: Path  # in the inbox (removed once its reading is committed)
    name: str
    sha: str
    archived: Path
    received_on: dt.date


def _take_file(ws: Workspace, path: Path, store: st.Store) -> _Taken | FileOutcome:
    """Hash and archive one inbox file; an outcome at once for a duplicate or a file still
    being written."""
    from parsers.detect import detect

    name = safe_display_name(path.name)
    with path.open("rb") as fh:  # the one read of the inbox file: hash, then copy
        stat = os.fstat(fh.fileno())
        sha = _sha256(fh)
        with store.session() as s:
            known = st.find_source_file(s, sha)
        if known is not None:
            return _duplicate(path, name, sha, known.original_name)
        try:
            tmp = _take(ws, fh, sha)
        except _StillWritten:
            return FileOutcome(name, "", "skipped", note=STILL_WRITTEN)
    try:
        kind = detect(tmp)
    except BontotError:
        kind = "bin"
    archived = _archive_path(ws, sha, kind)
    try:
        archived.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, archived)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    received_on = dt.datetime.fromtimestamp(min(stat.st_mtime, time.time()), LOCAL_TZ).date()
    return _Taken(path, name, sha, archived, received_on)


def _read_options(ws: Workspace) -> ReadOptions:
    return ReadOptions(soffice=ws.soffice, office_timeout=ws.office_timeout,
                       ocr_timeout=ws.ocr_timeout)


def _finish(ws: Workspace, taken: _Taken, forms: list[ParsedForm], plan: Plan,
            store: st.Store, tree: RosterTree | None) -> FileOutcome:
    """Validate and store what was read of a taken file."""
    t = taken
    try:
        return _commit_file(ws, t.path, t.archived, t.name, t.sha, forms, plan, store, tree,
                            t.received_on)
    except StoreError as err:
        # Another machine stored the same content between our look-up and our commit (its
        # workspace lock did not reach us, as on some network shares): the unique index on
        # the hash refused ours, and the file counts as a duplicate of theirs.
        if not isinstance(err.__cause__, IntegrityError):
            raise
        with store.session() as s:
            known = st.find_source_file(s, t.sha)
        if known is None:
            raise
        return _duplicate(t.path, t.name, t.sha, known.original_name)


def intake_file(
    ws: Workspace, path: Path, plan: Plan, store: st.Store, tree: RosterTree | None
) -> FileOutcome:
    """One file of the inbox, end to end (see the module docstring)."""
    taken = _take_file(ws, path, store)
    if isinstance(taken, FileOutcome):
        return taken
    with Readers(_read_options(ws), 0) as readers:
        forms = readers.result(readers.submit(taken.archived, taken.name), taken.archived,
                               taken.name)
    return _finish(ws, taken, forms, plan, store, tree)


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
            plan=plan, tree=tree, received_on=received_on, previous=_previous(s, forms)
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
        for n, form in enumerate(checked, 1):
            crops = _keep_crops(ws, archived, n, form)
            _, year = _store_form(s, form, sf.id, received_on, crops)
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
    ready, waiting, _, _ = _inbox_entries(ws)
    return ready, waiting


def _inbox_entries(ws: Workspace, among: list[Path] | None = None
                   ) -> tuple[list[Path], list[Path], list[Path], list[Path]]:
    """(settled files, files still being copied, symbolic links, hidden or lock files), oldest
    first, of the whole inbox or of the paths ``among`` (a flow's batch: looking at its own
    files only, not at the thousands of the others, batch after batch).  An entry that
    vanishes while the folder is listed is simply not there."""
    now = time.time()
    entries: list[tuple[float, str, Path]] = []
    for p in ws.inbox.rglob("*") if among is None else among:
        try:
            stat = p.lstat()
        except OSError:
            continue
        entries.append((stat.st_mtime, p.name, p))
    ready, waiting, links, hidden = [], [], [], []
    for _, _, p in sorted(entries, key=lambda e: (e[0], e[1])):
        if p.is_symlink():
            links.append(p)
        elif not p.is_file():
            continue
        elif _HIDDEN_NAMES.search(p.name) and _old_enough(p, now):
            hidden.append(p)  # (while recent, it may be a copier's temporary: waiting)
        elif is_settled(p, now):
            ready.append(p)
        else:
            waiting.append(p)
    return ready, waiting, links, hidden


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


def _outside_inbox(ws: Workspace, files: list[Path]) -> list[Path]:
    """Files asked for that lie outside the inbox (a ``../`` in the path, a link out of it)."""
    inbox = ws.inbox.resolve()
    return [p for p in files if not p.resolve().is_relative_to(inbox) and p.exists()]


def _write_failed(exc: OSError) -> str:
    """The note for a file that could not be kept because the workspace could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ("Ổ đĩa của vùng làm việc đã đầy nên chưa lưu được tệp (không có gì được ghi "
                "dở); tệp vẫn nằm trong inbox và sẽ được đọc lại ở lần sau, khi đã giải phóng "
                "chỗ trống trên ổ đĩa.")
    return (f"Không ghi được vào vùng làm việc ({exc.strerror or exc}) nên chưa lưu được tệp; "
            "tệp vẫn nằm trong inbox và sẽ được đọc lại ở lần sau.")


def _guarded(name: str, step: Callable[[], FileOutcome | _Taken]) -> FileOutcome | _Taken:
    """A step that touches the file system: a file taken away or a workspace that cannot be
    written (a full disk) leaves the file for the next run, and the batch goes on."""
    try:
        return step()
    except FileNotFoundError:  # taken away before we opened it: nothing of it was stored
        return FileOutcome(name, "", "skipped", note=TAKEN_AWAY)
    except OSError as exc:
        return FileOutcome(name, "", "skipped", note=_write_failed(exc))


def _run_intake(ws: Workspace, progress: Progress | None, files: list[Path] | None) -> IntakeReport:
    plan = ws.plan()
    store = st.open_store(ws.database_url)
    with store.session() as s:
        units = st.load_units(s)
    tree = RosterTree(units) if units else None
    inbox = Path(os.path.normpath(ws.inbox.absolute()))
    among = None if files is None else [  # in the inbox by their names (links are seen below)
        p for p in files if Path(os.path.normpath(p.absolute())).is_relative_to(inbox)]
    ready, waiting, links, hidden = _inbox_entries(ws, among)
    report = IntakeReport()
    if files is not None:
        wanted = {p.resolve() for p in _inside_inbox(ws, files)}
        ready = [p for p in ready if p.resolve() in wanted]
        waiting = [p for p in waiting if p.resolve() in wanted]
        hidden = [p for p in hidden if p.resolve() in wanted]
        links = [p for p in links if p.absolute() in {f.absolute() for f in files}]
        for path in _outside_inbox(ws, files):
            report.outcomes.append(FileOutcome(safe_display_name(path.name), "", "skipped",
                                               note=OUTSIDE_INBOX))
    done: dict[int, FileOutcome] = {}  # by the file's place in the batch (oldest first)

    def record(index: int, outcome: FileOutcome) -> None:
        done[index] = outcome
        report.years.update(outcome.years)
        if progress:
            progress(outcome.name, len(done), len(ready))

    seen: dict[str, str] = {}  # sha → name, of the files taken in this run
    reading: deque[tuple[int, _Taken, Future[list[ParsedForm]]]] = deque()

    def store_first(readers: Readers) -> None:
        """The oldest file handed out: its readings validated and stored."""
        index, taken, future = reading.popleft()
        forms = readers.result(future, taken.archived, taken.name)
        outcome = _guarded(taken.name,
                           lambda: _finish(ws, taken, forms, plan, store, tree))
        assert isinstance(outcome, FileOutcome)
        record(index, outcome)

    # Files are taken and handed to the readers a few ahead of the one being stored; each is
    # stored in the order taken, so a batch's outcome does not depend on which read faster.
    with Readers(_read_options(ws), reader_count(ws.readers, len(ready))) as readers:
        for index, path in enumerate(ready):
            name = safe_display_name(path.name)
            taken = _guarded(name, lambda p=path: _take_file(ws, p, store))
            if isinstance(taken, _Taken) and taken.sha in seen:  # twice in this very batch
                taken = _duplicate(path, name, taken.sha, seen[taken.sha])
            if isinstance(taken, FileOutcome):
                record(index, taken)
                continue
            seen[taken.sha] = name
            reading.append((index, taken, readers.submit(taken.archived, name)))
            while len(reading) > readers.ahead:
                store_first(readers)
        while reading:
            store_first(readers)
    report.outcomes += [done[i] for i in sorted(done)]
    for path in waiting:
        report.outcomes.append(
            FileOutcome(safe_display_name(path.name), "", "skipped", note=STILL_WRITTEN)
        )
    for path in links:
        report.outcomes.append(
            FileOutcome(safe_display_name(path.name), "", "skipped", note=A_LINK)
        )
    for path in hidden:
        report.outcomes.append(
            FileOutcome(safe_display_name(path.name), "", "skipped", note=HIDDEN)
        )
    return report


def problems_of(outcome: FileOutcome) -> list[Problem]:
    return [p for f in outcome.forms for p in f.problems]
