"""Start an intake as soon as a file lands in the inbox, and notice a changed plan file.

The file system tells us (inotify, through watchfiles) when it can.  A network share (NFS, SMB)
delivers no events for files written by other machines, so on such a share the folder is polled
instead (every few seconds); the intake deployment's own schedule (every few minutes) catches
anything both miss.  A file is only handed over once it has settled (``intake.SETTLE_SECONDS``),
as the intake would leave a file still being copied for later.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from bontot.intake import SETTLE_SECONDS, is_settled

log = logging.getLogger("prefect.bontot.watch")

# File systems that deliver no inotify events for changes made by another machine.
NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "fuse.glusterfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "davfs", "fuse.davfs2",
    "lustre", "gpfs", "beegfs", "vboxsf", "virtiofs", "fuse.cephfs", "fuse.juicefs",
})
POLL_DELAY_MS = 3000
_ADDED, _MODIFIED = 1, 2  # watchfiles.Change values


def _unescape_mount(path: str) -> str:
    """/proc/mounts writes a space as \\040 (and tab, newline, backslash likewise)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(code, char)
    return path


def filesystem_type(path: Path, mounts: str | None = None) -> str:
    """The type of the file system holding ``path`` ("ext4", "nfs4" …; "" if unknown)."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    target = str(path.resolve())
    best, kind = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape_mount(parts[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


def needs_polling(path: Path, mounts: str | None = None) -> bool:
    return filesystem_type(path, mounts) in NETWORK_FS


def lands_in(changes: Iterable[tuple[int, str]], folder: Path) -> bool:
    """True when a file was added or written in ``folder`` and is still there (the intake
    removing what it has read also shows up as changes)."""
    folder = folder.resolve()
    for change, name in changes:
        path = Path(name)
        if int(change) not in (_ADDED, _MODIFIED) or not path.is_file():
            continue
        if path.resolve().is_relative_to(folder):
            return True
    return False


def touches(changes: Iterable[tuple[int, str]], files: Iterable[Path]) -> bool:
    wanted = {f.resolve() for f in files}
    return any(Path(name).resolve() in wanted for _, name in changes)


class InboxWatcher(threading.Thread):
    """A daemon thread: ``on_file()`` once files have landed and settled, ``on_config()`` when
    one of ``config_files`` changed.  ``stop()`` ends it within a second or two."""

    def __init__(
        self,
        inbox: Path,
        on_file: Callable[[], None],
        *,
        config_files: Iterable[Path] = (),
        on_config: Callable[[], None] | None = None,
        poll: bool | None = None,
        settle: float = SETTLE_SECONDS + 0.5,
    ) -> None:
        super().__init__(name="bontot-inbox-watcher", daemon=True)
        self.inbox = inbox
        self.on_file = on_file
        self.config_files = [p for p in config_files if p.exists()]
        self.on_config = on_config
        self.poll = needs_polling(inbox) if poll is None else poll
        self.settle = settle
        self._halt = threading.Event()
        # The callbacks talk to the Prefect API chosen by the caller's (context-local) settings:
        # a new thread would otherwise start with none of them.
        self._context = contextvars.copy_context()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        self._context.run(self._watch)

    def _watch(self) -> None:
        import watchfiles

        paths = [self.inbox, *self.config_files]
        for changes in watchfiles.watch(
            *paths, stop_event=self._halt, force_polling=self.poll,
            poll_delay_ms=POLL_DELAY_MS, raise_interrupt=False,
        ):
            pairs = [(int(c), p) for c, p in changes]
            try:
                if self.on_config is not None and touches(pairs, self.config_files):
                    self.on_config()
                if lands_in(pairs, self.inbox):
                    self._halt.wait(self.settle)  # let the copy finish, as the intake requires
                    if not self._halt.is_set() and self._any_settled():
                        self.on_file()
            except Exception:  # a failed trigger must not stop the watching; the schedule remains
                log.exception("Không khởi động được lượt đọc hộp thư")

    def _any_settled(self) -> bool:
        return any(p.is_file() and is_settled(p) for p in self.inbox.rglob("*"))
