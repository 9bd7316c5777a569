"""The project's typed errors.

Every error a clerk can meet carries a Vietnamese message (``str(err)``) and an exit code; the CLI
turns them into messages in one place (``bontot.cli``).  Nothing returns ``None`` or ``{}`` to mean
"it went wrong".
"""

from __future__ import annotations

from dataclasses import dataclass


class BontotError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PlanError(BontotError):
    """A plan file that cannot be used: names the key and the problem."""

    exit_code = 3

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Tệp kế hoạch {path} không dùng được:\n{lines}")


@dataclass(frozen=True)
class RosterProblem:
    """One refused row of a roster file (row as Excel numbers it)."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}: {self.message}" if self.row else self.message


class RosterError(BontotError):
    """A roster file refused as a whole: nothing of it was imported."""

    exit_code = 4

    def __init__(self, path: str, problems: list[RosterProblem]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... và {len(problems) - 50} lỗi khác" if len(problems) > 50 else ""
        super().__init__(
            f"Danh sách tổ chức đảng {path} bị từ chối, chưa nhập gì:\n{lines}{more}"
        )


class WorkspaceError(BontotError):
    """A workspace folder that is missing or not set up."""

    exit_code = 5


class InputError(BontotError):
    """Input data (a form as JSON, a command argument) that cannot be used."""

    exit_code = 2


class StoreError(BontotError):
    """The database refused or could not be reached."""

    exit_code = 6


class ReadError(BontotError):
    """A returned file that cannot be read (corrupt, encrypted, unknown kind ...)."""

    exit_code = 7

    def __init__(self, message: str, file: str = "") -> None:
        super().__init__(message)
        self.file = file


class OfficeError(BontotError):
    """LibreOffice failed, hung past its time limit, or is not installed."""

    exit_code = 8
