"""A workspace: the folders a clerk works in, and ``bontot.toml`` saying which plan and database.

```
inbox/     clerks drop returned forms here
archive/   originals, by content hash
review/    what a person must look at, with a Vietnamese explanation beside each
outputs/   generated documents
bontot.db  the SQLite store (unless bontot.toml names another database)
bontot.toml
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bontot.errors import WorkspaceError
from bontot.plan import Plan, default_plan_path, load_plan

CONFIG_NAME = "bontot.toml"
FOLDERS = ("inbox", "archive", "review", "outputs")


@dataclass(frozen=True)
class Workspace:
    root: Path
    plan_path: Path
    database_url: str
    roster_path: Path | None = None
    soffice: str = "soffice"
    office_timeout: float = 120.0  # seconds one LibreOffice call may take (an old .doc read)
    ocr_timeout: float = 120.0  # seconds Tesseract may take on one page
    readers: int | None = None  # files read at once by the intake; None: one per core

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def review(self) -> Path:
        return self.root / "review"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def plan(self) -> Plan:
        return load_plan(self.plan_path)


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def init_workspace(
    root: str | Path,
    *,
    plan_path: str | Path | None = None,
    database_url: str | None = None,
    roster_path: str | Path | None = None,
) -> Workspace:
    """Create the folders and bontot.toml (kept as is when it already exists)."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        (root / name).mkdir(exist_ok=True)
    config = root / CONFIG_NAME
    if not config.exists():
        plan = Path(plan_path).resolve() if plan_path else default_plan_path()
        load_plan(plan)  # refuse a bad plan before writing anything that names it
        lines = [
            "# Cấu hình vùng làm việc bontot",
            f"plan = {_toml_str(str(plan))}",
            f"database_url = {_toml_str(database_url or '')}"
            "  # để trống: dùng bontot.db trong thư mục này",
        ]
        if roster_path:
            lines.append(f"roster = {_toml_str(str(Path(roster_path).resolve()))}")
        lines.append('soffice = "soffice"')
        lines.append("office_timeout = 120  # số giây tối đa cho một lần LibreOffice chuyển tệp")
        lines.append("ocr_timeout = 120  # số giây tối đa để nhận dạng chữ một trang ảnh quét")
        lines.append("# readers = 2  # số tệp đọc cùng lúc; bỏ trống: bằng số lõi CPU của máy")
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return open_workspace(root)


def open_workspace(root: str | Path) -> Workspace:
    root = Path(root).resolve()
    config = root / CONFIG_NAME
    if not config.is_file():
        raise WorkspaceError(
            f"{root} chưa phải là vùng làm việc bontot (thiếu {CONFIG_NAME});"
            f" hãy chạy: bontot init {root}"
        )
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"Tệp {config} không đúng cú pháp: {exc}") from None
    plan = Path(data.get("plan") or default_plan_path())
    if not plan.is_absolute():
        plan = root / plan
    url = data.get("database_url") or f"sqlite:///{root / 'bontot.db'}"
    roster = data.get("roster")
    return Workspace(
        root=root,
        plan_path=plan,
        database_url=url,
        roster_path=Path(roster) if roster else None,
        soffice=data.get("soffice", "soffice"),
        office_timeout=_seconds(data, "office_timeout", config),
        ocr_timeout=_seconds(data, "ocr_timeout", config),
        readers=_readers(data, config),
    )


def _readers(data: dict, config: Path) -> int | None:
    """How many files the intake reads at once: a whole number from 1 to 64, or unset."""
    value = data.get("readers")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
        raise WorkspaceError(
            f"Tệp {config}: readers phải là số nguyên từ 1 đến 64 (số tệp đọc cùng lúc, ví dụ "
            f"readers = 2), đang là {value!r}."
        )
    return value


def _seconds(data: dict, key: str, config: Path) -> float:
    """A time limit of bontot.toml: a positive number of seconds (default 120)."""
    value = data.get(key, 120.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 86_400:
        raise WorkspaceError(
            f"Tệp {config}: {key} phải là số giây dương (ví dụ {key} = 120), đang là {value!r}."
        )
    return float(value)
