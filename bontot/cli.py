"""The ``bontot`` command: a thin layer over ``bontot.service``; messages in Vietnamese.

Every project error (``BontotError``) becomes its Vietnamese message and exit code here, in one
place; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bontot.errors import BontotError, InputError

app = typer.Typer(
    help="bontot: phong trào thi đua \u201cchi bộ bốn tốt\u201d, \u201cđảng bộ cơ sở bốn tốt\u201d.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
roster_app = typer.Typer(help="Danh sách tổ chức đảng (roster).", no_args_is_help=True)
app.add_typer(roster_app, name="roster")

out = Console()
err = Console(stderr=True)

WorkspaceArg = Annotated[Path, typer.Argument(help="Thư mục vùng làm việc.")]


def _fail(exc: BontotError) -> None:
    err.print(f"[bold red]Lỗi:[/] {exc.message}", highlight=False)
    raise typer.Exit(exc.exit_code)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )


@app.command()
def init(
    directory: WorkspaceArg,
    plan: Annotated[Path | None, typer.Option(help="Tệp kế hoạch (YAML).")] = None,
    database_url: Annotated[str | None, typer.Option(help="URL cơ sở dữ liệu.")] = None,
) -> None:
    """Tạo vùng làm việc: inbox/, archive/, review/, outputs/, bontot.toml."""
    from bontot import store as st
    from bontot.workspace import init_workspace

    try:
        ws = init_workspace(directory, plan_path=plan, database_url=database_url)
        st.open_store(ws.database_url)
    except BontotError as exc:
        _fail(exc)
    out.print(f"Đã tạo vùng làm việc {ws.root}")


@roster_app.command("import")
def roster_import(
    workspace: WorkspaceArg,
    file: Annotated[Path, typer.Argument(help="Tệp Excel danh sách tổ chức đảng.")],
) -> None:
    """Nhập (hoặc cập nhật) danh sách tổ chức đảng từ tệp Excel."""
    from bontot.service import import_roster
    from bontot.workspace import open_workspace

    try:
        counts = import_roster(open_workspace(workspace), file)
    except BontotError as exc:
        _fail(exc)
    out.print(
        f"Đã nhập danh sách: thêm {counts['added']}, sửa {counts['changed']},"
        f" bỏ {counts['removed']}, giữ nguyên {counts['unchanged']}."
    )


def _read_json_input(file: Path) -> Any:
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"Không tìm thấy tệp {file}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Không đọc được tệp {file}: {exc.__class__.__name__}.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"Tệp {file} không phải JSON hợp lệ (dòng {exc.lineno}).") from None


def assess_data(data: Any, plan_path: Path | None, kind: str | None) -> dict[str, Any]:
    """Assess one Mẫu 02 given as JSON (flat, or the object ``bontot parse --json`` prints)."""
    from bontot.formdata import typed_assessment
    from bontot.models import UnitKind
    from bontot.plan import default_plan_path, load_plan
    from bontot.rules import evaluate_unit_year

    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise InputError("Dữ liệu phải là một đối tượng JSON của Mẫu 02-TĐG.")
    fields, unknown = typed_assessment(data)
    if fields.get("form_code", "02-TDG") != "02-TDG":
        raise InputError("Đây không phải Mẫu 02-TĐG (báo cáo tự đánh giá).")
    plan = load_plan(plan_path or default_plan_path())
    flags = []
    unit_kind = kind or fields.get("unit_kind")
    if unit_kind is None:
        unit_kind = "dang_bo_co_so" if fields.get("sub_cells_total") else "chi_bo"
        flags.append(
            {
                "code": "kind_inferred",
                "message": "Phiếu không ghi loại tổ chức: suy ra từ số chi bộ trực thuộc.",
            }
        )
    try:
        unit_kind = UnitKind(unit_kind)
    except ValueError:
        raise InputError(f"Loại tổ chức không hợp lệ: {unit_kind!r}.") from None
    if not unit_kind.is_grassroots_candidate:
        raise InputError(f"{unit_kind.label} không thuộc diện xét công nhận bốn tốt.")
    result = evaluate_unit_year(fields, kind=unit_kind, plan=plan)
    doc = result.to_json()
    doc["flags"] = flags + doc["flags"]
    if unknown:
        doc["ignored_keys"] = unknown
    return doc


@app.command()
def assess(
    file: Annotated[Path, typer.Argument(help="Mẫu 02-TĐG dạng JSON (hoặc - để đọc stdin).")],
    plan: Annotated[Path | None, typer.Option(help="Tệp kế hoạch (YAML).")] = None,
    kind: Annotated[str | None, typer.Option(help="Loại tổ chức, nếu phiếu không ghi.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Xét bốn tiêu chí của một báo cáo tự đánh giá (Mẫu 02-TĐG)."""
    from bontot.models import CRITERION_NAMES, Rating

    try:
        doc = assess_data(_read_json_input(file), plan, kind)
    except BontotError as exc:
        _fail(exc)
    if as_json:
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    for key, crit in doc["criteria"].items():
        mark = "[green]Đạt[/]" if crit["met"] else "[red]Không đạt[/]"
        out.print(f"Tiêu chí {key[1]}. {CRITERION_NAMES[key]}: {mark}")
        for reason in crit["reasons"]:
            out.print(f"    - {reason}", highlight=False)
    out.print(f"Danh hiệu bốn tốt: {'Đạt' if doc['four_good'] else 'Không đạt'}")
    out.print(f"Đề nghị xếp loại: {Rating(doc['classification']).label}")
    for flag in doc["flags"]:
        out.print(f"[yellow]Lưu ý:[/] {flag['message']}", highlight=False)


def _print_summary(run: Any) -> None:
    from bontot.vnformat import number

    years = run.years
    table = Table(title="Kết quả theo cấp ủy xét công nhận", title_justify="left")
    table.add_column("Cấp ủy", no_wrap=True)
    table.add_column("Đơn vị", justify="right")
    table.add_column("Đăng ký", justify="right")
    for y in years:
        table.add_column(f"Bốn tốt {y}", justify="right")
    table.add_column("Làm điểm ĐBCS", justify="right")
    table.add_column("Làm điểm CB", justify="right")
    table.add_column("Giấy khen sơ kết", justify="right")
    for summ in run.summaries:
        pilots = [
            f"{p.chosen}/{p.minimum}" + ("" if p.ok else " [red]thiếu[/]") for p in summ.pilots
        ]
        so_ket = summ.so_ket
        table.add_row(
            summ.committee.code,
            number(len(summ.candidates)),
            number(len(summ.registered)),
            *[
                f"{summ.four_good_by_year.get(y, 0)}/{summ.reported_by_year.get(y, 0)}"
                for y in years
            ],
            *pilots,
            f"{len(so_ket.selected)}/{len(so_ket.eligible)}",
        )
    out.print(table)
    out.print(
        "Bốn tốt: số đạt / số đơn vị có báo cáo. Làm điểm: số đã chọn / mức tối thiểu."
        " Giấy khen: số được đề nghị / số đủ điều kiện (đăng ký, bốn tốt 02 năm liền).",
        highlight=False,
    )
    for summ in run.summaries:
        _print_ranking(run, summ)


def _print_ranking(run: Any, summ: Any) -> None:
    from bontot.vnformat import percent

    decision = summ.so_ket
    title = f"Sơ kết — {summ.committee.name}: tối đa {decision.cap} Giấy khen"
    t = Table(title=title, title_justify="left")
    for name, just in (
        ("TT", "right"),
        ("Mã", "left"),
        ("Tên tổ chức đảng", "left"),
        ("Năm bốn tốt", "right"),
        ("Tỷ lệ HTXSNV", "right"),
        ("", "left"),
    ):
        t.add_column(name, justify=just)  # type: ignore[arg-type]
    shown = decision.eligible[: decision.cap + 2]
    for r in shown:
        share = percent(r.excellent_share.numerator, r.excellent_share.denominator)
        t.add_row(
            str(r.place),
            r.unit_code,
            run.tree.unit(r.unit_code).name,
            str(r.four_good_years),
            share,
            "đề nghị" if r.selected else "ngoài chỉ tiêu",
        )
    if len(decision.eligible) > len(shown):
        t.add_row("", "", f"… và {len(decision.eligible) - len(shown)} đơn vị khác", "", "", "")
    if shown:
        out.print(t)
    for note in decision.notes:
        out.print(f"[yellow]Lưu ý ({summ.committee.code}):[/] {note}", highlight=False)


@app.command()
def evaluate(
    workspace: WorkspaceArg,
    year: Annotated[list[int] | None, typer.Option(help="Chỉ xét năm này (lặp lại được).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Xét công nhận mọi đơn vị, mọi năm đã có báo cáo; in kết quả theo cấp ủy."""
    from bontot.service import evaluate_workspace
    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        with _progress() as bar:
            task = bar.add_task("Đang xét", total=None)
            run = evaluate_workspace(
                ws, year, lambda d, i, n: bar.update(task, description=d, completed=i, total=n)
            )
    except BontotError as exc:
        _fail(exc)
    if as_json:
        out.print_json(json.dumps([s.to_json() for s in run.summaries], ensure_ascii=False))
        return
    _print_summary(run)
    out.print(f"Đã lưu {run.saved} kết quả mới, {run.unchanged} kết quả không đổi.")


@app.command()
def demo(
    directory: WorkspaceArg,
) -> None:
    """Tạo vùng làm việc mẫu của một tỉnh giả định, xét mọi năm và in kết quả."""
    from bontot.service import evaluate_workspace, load_demo
    from bontot.workspace import init_workspace

    try:
        ws = init_workspace(directory)
        counts = load_demo(ws, ws.root / "roster.xlsx")
        out.print(
            f"Vùng làm việc mẫu: {ws.root} — {counts['added'] + counts['changed'] + counts['unchanged']}"
            f" tổ chức đảng, {counts['registrations']} phiếu đăng ký,"
            f" {counts['assessments']} báo cáo năm."
        )
        with _progress() as bar:
            task = bar.add_task("Đang xét", total=None)
            run = evaluate_workspace(
                ws, None, lambda d, i, n: bar.update(task, description=d, completed=i, total=n)
            )
    except BontotError as exc:
        _fail(exc)
    _print_summary(run)
    out.print(f"Đã lưu {run.saved} kết quả mới, {run.unchanged} kết quả không đổi.")


def main(argv: list[str] | None = None) -> int:
    """Entry point usable from code and tests: returns the exit code."""
    try:
        app(args=argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
