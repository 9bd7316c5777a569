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
    help="bontot: phong trào thi đua \u201cchi bộ bốn tốt\u201d,"
    " \u201cđảng bộ cơ sở bốn tốt\u201d.",
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


def assess_form_file(file: Path, plan_path: Path | None, kind: str | None) -> dict[str, Any]:
    """Read a returned form file, then assess it; say so when the reading needs review."""
    from bontot.plan import default_plan_path, load_plan
    from bontot.validation import ValidationContext, validate
    from parsers import parse_file

    forms = [f for f in parse_file(file) if f.form_code == "02-TDG"]
    if not forms:
        others = parse_file(file)
        why = "; ".join(p.message for f in others for p in f.problems) or "không có Mẫu 02-TĐG"
        raise InputError(f"Không đọc được báo cáo tự đánh giá trong tệp {file.name}: {why}")
    plan = load_plan(plan_path or default_plan_path())
    form = validate(forms[0], ValidationContext(plan=plan, tree=None))
    doc = assess_data(form.to_json(), plan_path, kind)
    doc["needs_review"] = form.needs_review
    doc["problems"] = [p.to_json() for p in form.problems]
    if form.needs_review:
        message = "Bản đọc cần người kiểm tra lại trước khi dùng kết quả."
        doc["flags"].insert(0, {"code": "needs_review", "message": message})
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
        if _is_json_file(file):
            doc = assess_data(_read_json_input(file), plan, kind)
        else:
            doc = assess_form_file(file, plan, kind)
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


def _is_json_file(path: Path) -> bool:
    if str(path) == "-":
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(64).lstrip()
    except OSError:
        return False
    return head[:1] in (b"{", b"[")


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Các tệp phiếu (Word, PDF, ảnh).")],
    as_json: Annotated[bool, typer.Option("--json", help="Mỗi phiếu một dòng JSON.")] = False,
) -> None:
    """Đọc phiếu: in các trường đọc được, độ tin cậy và các vấn đề của từng phiếu."""
    from parsers import parse_file

    for file in files:
        for form in parse_file(file):
            if as_json:
                print(json.dumps(form.to_json(), ensure_ascii=False), flush=True)
            else:
                _print_form(form)


def _print_form(form: Any) -> None:
    title = {"01-DK": "Mẫu 01-ĐK", "02-TDG": "Mẫu 02-TĐG"}.get(form.form_code or "", "?")
    state = "[yellow]cần kiểm tra[/]" if form.needs_review else "[green]đọc tốt[/]"
    out.print(f"[bold]{form.file}[/] — {title} ({form.source or 'không rõ'}) — {state}")
    for key, fv in form.fields.items():
        out.print(f"    {key}: {fv.value!r}  (tin cậy {fv.confidence:.2f})", highlight=False)
    for p in form.problems:
        mark = "[red]Lỗi[/]" if p.level == "error" else "[yellow]Lưu ý[/]"
        out.print(f"    {mark}: {p.message}", highlight=False)


@app.command()
def intake(workspace: WorkspaceArg) -> None:
    """Đọc mọi phiếu trong inbox/: lưu bản gốc, kiểm tra, lưu số liệu rồi xét kết quả."""
    from bontot.intake import run_intake
    from bontot.service import evaluate_workspace
    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        with _progress() as bar:
            task = bar.add_task("Đang đọc phiếu", total=None)
            report = run_intake(
                ws, lambda d, i, n: bar.update(task, description=d[:40], completed=i, total=n)
            )
        run = evaluate_workspace(ws, sorted(report.years)) if report.years else None
    except BontotError as exc:
        _fail(exc)
    _print_intake(report, run)


def _print_intake(report: Any, run: Any) -> None:
    labels = {"stored": "đã lưu", "review": "[yellow]cần kiểm tra[/]",
              "duplicate": "trùng, bỏ qua", "skipped": "để lần sau"}
    table = Table(title="Kết quả đọc hộp thư đến", title_justify="left")
    for col in ("Tệp", "Phiếu", "Đơn vị", "Năm", "Kết quả", "Ghi chú"):
        table.add_column(col)
    for o in report.outcomes:
        if not o.forms:
            table.add_row(o.name, "", "", "", labels[o.status], o.note)
        for f in o.forms:
            values = f.values()
            result = ""
            code, year = values.get("unit_code"), values.get("year")
            if run is not None and year in run.results and code in run.results[year]:
                res = run.results[year][code]
                result = "bốn tốt" if res.four_good else res.rating.label
            problems = "; ".join(p.message for p in f.problems[:2])
            table.add_row(o.name, f.form_code or "?", str(code or ""), str(year or ""),
                          f"{labels[o.status]} {result}".strip(), problems)
    out.print(table)
    out.print(
        f"Đã lưu {report.count('stored')} tệp, {report.count('review')} tệp cần kiểm tra"
        f" (xem thư mục review/), {report.count('duplicate')} tệp trùng,"
        f" {report.count('skipped')} tệp để lần sau.",
        highlight=False,
    )


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
        units = counts["added"] + counts["changed"] + counts["unchanged"]
        out.print(
            f"Vùng làm việc mẫu: {ws.root} — {units}"
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


@app.command()
def forms(
    workspace: WorkspaceArg,
    form: Annotated[
        str, typer.Option("--form", help="Mẫu: 01 (đăng ký) hoặc 02 (tự đánh giá).")
    ] = "02",
    year: Annotated[int | None, typer.Option(help="Năm đánh giá (Mẫu 02).")] = None,
    unit: Annotated[
        list[str] | None, typer.Option(help="Chỉ lập cho đơn vị có mã này (lặp lại được).")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Lập cả bản PDF.")] = True,
    blank: Annotated[bool, typer.Option("--blank", help="Lập một mẫu trống.")] = False,
) -> None:
    """Lập biểu mẫu (Mẫu 01-ĐK, Mẫu 02-TĐG) điền sẵn cho từng đơn vị, dạng .docx và .pdf."""
    from bontot.forms import form_info, render_blank, render_forms
    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        info = form_info(form)
        if blank:
            path = render_blank(ws, form, year, pdf=pdf)
            out.print(f"Đã lập {info.printed} trống: {path}", highlight=False)
            if pdf:
                out.print(f"Bản PDF: {path.with_suffix('.pdf')}", highlight=False)
            return
        with _progress() as bar:
            task = bar.add_task(f"Đang lập {info.printed}", total=None)
            paths = render_forms(
                ws,
                form,
                year,
                unit,
                pdf=pdf,
                progress=lambda d, i, n: bar.update(task, description=d, completed=i, total=n),
            )
    except BontotError as exc:
        _fail(exc)
    folders = sorted({p.parent for p in paths})
    out.print(f"Đã lập {len(paths)} {info.printed} (.docx) trong {len(folders)} thư mục:")
    for folder in folders:
        count = sum(1 for p in paths if p.parent == folder)
        out.print(f"  {folder}: {count} tệp", highlight=False)
    if pdf:
        made = sum(1 for p in paths if p.with_suffix(".pdf").is_file())
        out.print(f"Bản PDF: {made} tệp, đặt cạnh mỗi tệp .docx.")


def _parse_numbers(items: list[str] | None) -> dict[str, str]:
    numbers = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(
                f"--number {item!r}: hãy ghi dạng văn-bản/mã-cấp-ủy=số,"
                " ví dụ qd-khen-thuong/HU-TG=12."
            )
        numbers[key.strip()] = value.strip()
    return numbers


@app.command()
def documents(
    workspace: WorkspaceArg,
    year: Annotated[
        int | None, typer.Option(help="Quyết định công nhận bốn tốt của năm này.")
    ] = None,
    review: Annotated[
        str | None,
        typer.Option(help="so-ket hoặc tong-ket: quyết định, giấy khen, tờ trình, báo cáo."),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(help="dang-ky hoặc một năm: danh sách tổ chức đảng chưa nộp phiếu."),
    ] = None,
    committee: Annotated[
        list[str] | None,
        typer.Option(help="Chỉ lập cho cấp ủy có mã này (lặp lại được; mã tỉnh: báo cáo tỉnh)."),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Ngày ghi trên văn bản (YYYY-MM-DD).")
    ] = None,
    number: Annotated[
        list[str] | None,
        typer.Option(help="Số văn bản đã cấp: văn-bản/mã-cấp-ủy=số (lặp lại được)."),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Lập cả bản PDF.")] = True,
) -> None:
    """Lập văn bản: quyết định, giấy khen, tờ trình, báo cáo, danh sách chưa nộp (.docx, .xlsx,
    .pdf) vào outputs/<năm hoặc đợt>/<mã cấp ủy>/."""
    import datetime as dt

    from bontot.documents import DocumentRequest, PdfBatchError, produce
    from bontot.workspace import open_workspace

    failure: PdfBatchError | None = None
    try:
        day = None
        if date is not None:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise InputError(f"--date {date!r}: hãy ghi ngày dạng YYYY-MM-DD.") from None
        request = DocumentRequest(
            year=year,
            review=review,  # type: ignore[arg-type]  # DocumentRequest checks it
            deadline=deadline,
            committees=tuple(committee) if committee else None,
            day=day,
            numbers=_parse_numbers(number),
            pdf=pdf,
        )
        ws = open_workspace(workspace)
        with _progress() as bar:
            task = bar.add_task("Đang lập văn bản", total=None)
            try:
                run = produce(
                    ws,
                    request,
                    lambda d, i, n: bar.update(task, description=d, completed=i, total=n),
                )
            except PdfBatchError as exc:
                run, failure = exc.run, exc
    except BontotError as exc:
        _fail(exc)
    for f in run.files:
        state = "[green]mới[/]" if f.changed else "không đổi"
        out.print(f"{f.path.relative_to(ws.root)}  {state}", highlight=False)
    made = sum(1 for f in run.files if f.changed)
    out.print(f"Đã ghi {made} tệp, {len(run.files) - made} tệp không đổi.", highlight=False)
    for note in run.notes:
        out.print(f"[yellow]Lưu ý:[/] {note}", highlight=False)
    if failure is not None:
        _fail(failure)


def _print_documents(runs: Any) -> None:
    for run in runs:
        changed = sum(1 for f in run.files if f.changed)
        out.print(
            f"Văn bản ({run.scope}): {len(run.files)} tệp, {changed} tệp mới lập hoặc đã đổi.",
            highlight=False,
        )
        for note in run.notes:
            out.print(f"[yellow]Lưu ý:[/] {note}", highlight=False)


@app.command()
def run(
    workspace: WorkspaceArg,
    year: Annotated[
        list[int] | None, typer.Option(help="Xét và lập văn bản của năm này (lặp lại được).")
    ] = None,
    review: Annotated[
        str | None, typer.Option(help="Xét và lập văn bản của đợt: so-ket hoặc tong-ket.")
    ] = None,
    documents: Annotated[
        bool, typer.Option("--documents/--no-documents", help="Lập văn bản sau khi xét.")
    ] = True,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Lập cả bản PDF.")] = True,
) -> None:
    """Chạy một lượt: đọc hộp thư, xét công nhận, lập văn bản (không cần máy chủ Prefect).

    Không ghi --year hay --review: lập văn bản của các năm vừa có phiếu mới."""
    import os

    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        ws.plan()
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the tables below say it all
        from flows.pipeline import run_all

        result = run_all(str(ws.root), years=year or None, review=review,
                         documents=documents, pdf=pdf)
    except BontotError as exc:
        _fail(exc)
    if result.intake.report.outcomes:
        _print_intake(result.intake.report, result.evaluation)
    else:
        out.print("Hộp thư đến trống.")
    _print_summary(result.evaluation)
    _print_documents(result.documents)
    if documents and not result.documents:
        out.print("Không có phiếu mới nên chưa lập văn bản; dùng --year NĂM hoặc --review"
                  " so-ket|tong-ket để lập.")


@app.command()
def serve(
    workspace: WorkspaceArg,
    port: Annotated[int, typer.Option(help="Cổng của máy chủ Prefect cục bộ.")] = 4200,
    poll: Annotated[
        bool | None,
        typer.Option("--poll/--no-poll",
                     help="Quét thư mục inbox định kỳ thay vì chờ sự kiện (ổ mạng)."
                     " Mặc định: tự nhận biết."),
    ] = None,
    every: Annotated[int, typer.Option(help="Đọc hộp thư mỗi N phút.", min=1)] = 5,
    pool: Annotated[
        str | None,
        typer.Option(help="Giao việc cho các worker của work pool này (nhiều máy) thay vì tự"
                     " chạy; máy này chỉ theo dõi hộp thư và kế hoạch."),
    ] = None,
) -> None:
    """Chạy tự động: đọc hộp thư khi có tệp mới và theo lịch, nhắc hạn, lập văn bản theo kế
    hoạch (khởi động máy chủ Prefect trên 127.0.0.1 nếu chưa có PREFECT_API_URL)."""
    import datetime as dt

    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        _print_schedule(ws, show_all=False)
        from flows.deployments import serve as serve_deployments

        out.print(f"Đang chạy tự động cho {ws.root}; giao diện Prefect: http://127.0.0.1:{port}"
                  " (nếu dùng máy chủ cục bộ). Nhấn Ctrl+C để dừng.", highlight=False)
        serve_deployments(ws, port=port, poll=poll, intake_every=dt.timedelta(minutes=every),
                          pool=pool)
    except BontotError as exc:
        _fail(exc)


def _print_schedule(ws: Any, show_all: bool, limit: int | None = None) -> None:
    from bontot.calendar import (
        ACTION_NAMES,
        INTAKE_EVERY_MINUTES,
        coming_runs,
        now_local,
        planned_runs,
    )

    plan = ws.plan()
    runs = planned_runs(plan) if show_all else coming_runs(plan, now_local())
    runs = runs[:limit] if limit else runs
    table = Table(title=f"Lịch chạy theo kế hoạch {plan.id} (giờ Việt Nam)", title_justify="left")
    for col in ("Thời gian", "Việc", "Hạn", "Ngày hạn", "Trước hạn"):
        table.add_column(col)
    for r in runs:
        table.add_row(f"{r.when:%H:%M %d/%m/%Y}", ACTION_NAMES[r.action], r.deadline.label,
                      f"{r.deadline.day:%d/%m/%Y}", f"{r.days_before} ngày")
    out.print(table)
    if not runs:
        out.print("Không còn lượt nào theo lịch của kế hoạch.")
    out.print(f"Ngoài ra: đọc hộp thư đến mỗi {INTAKE_EVERY_MINUTES} phút và ngay khi có tệp mới"
              " (khi chạy bontot serve).", highlight=False)


@app.command()
def schedule(
    workspace: WorkspaceArg,
    show_all: Annotated[
        bool, typer.Option("--all", help="Cả những lượt đã qua, từ đầu giai đoạn.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Chỉ in N lượt đầu.", min=1)] = None,
) -> None:
    """In lịch các lượt chạy sắp tới (nhắc hạn, xét và lập văn bản) tính từ kế hoạch."""
    from bontot.workspace import open_workspace

    try:
        _print_schedule(open_workspace(workspace), show_all, limit)
    except BontotError as exc:
        _fail(exc)


user_app = typer.Typer(help="Tài khoản đăng nhập trang web.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _new_password(username: str, from_stdin: bool) -> str:
    from bontot.web.auth import check_new_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu", hide_input=True,
                                confirmation_prompt="Nhập lại mật khẩu")
    return check_new_password(password, username)


def _hash(password: str) -> str:
    from bontot.web.auth import Passwords
    from bontot.web.settings import WebSettings

    return Passwords(WebSettings()).hash(password)


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Đọc mật khẩu từ dòng đầu của stdin.")
]


@user_app.command("add")
def user_add(
    workspace: WorkspaceArg,
    username: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    role: Annotated[str, typer.Option("--role", help="province (xem tất cả) hoặc committee.")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="Mã đơn vị của cấp ủy (bắt buộc với committee).")
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Tạo tài khoản: Tỉnh ủy xem tất cả; cấp ủy chỉ xem các đơn vị trực thuộc mình."""
    from bontot import store as st
    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        password = _new_password(username, password_stdin)
        with st.open_store(ws.database_url).session() as s:
            user = st.accounts.add_user(s, username=username, password_hash=_hash(password),
                                        role=role, unit_code=unit, actor="cli")
    except BontotError as exc:
        _fail(exc)
    scope = "toàn tỉnh" if user.role == "province" else f"đơn vị {user.unit_code} và trực thuộc"
    out.print(f"Đã tạo tài khoản {user.username} ({scope}).", highlight=False)


@user_app.command("list")
def user_list(workspace: WorkspaceArg) -> None:
    """Liệt kê các tài khoản."""
    from bontot import store as st
    from bontot.workspace import open_workspace

    try:
        with st.open_store(open_workspace(workspace).database_url).session() as s:
            users = st.accounts.list_users(s)
    except BontotError as exc:
        _fail(exc)
    table = Table(title="Tài khoản trang web", title_justify="left")
    for col in ("Tên đăng nhập", "Vai trò", "Đơn vị", "Trạng thái", "Tạo lúc"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, st.accounts.ROLE_LABELS.get(u.role, u.role), u.unit_code or "",
                      "hoạt động" if u.active else "đã khóa", f"{u.created_at:%d/%m/%Y}")
    out.print(table)


@user_app.command("password")
def user_password(
    workspace: WorkspaceArg,
    username: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Đặt lại mật khẩu (các phiên đăng nhập đang mở của tài khoản bị đóng)."""
    from bontot import store as st
    from bontot.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
        password = _new_password(username, password_stdin)
        with st.open_store(ws.database_url).session() as s:
            st.accounts.set_password(s, username, _hash(password), actor="cli")
    except BontotError as exc:
        _fail(exc)
    out.print(f"Đã đặt lại mật khẩu cho {username}.", highlight=False)


@user_app.command("disable")
def user_disable(
    workspace: WorkspaceArg,
    username: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    enable: Annotated[bool, typer.Option("--enable", help="Mở khóa lại.")] = False,
) -> None:
    """Khóa (hoặc với --enable, mở lại) một tài khoản."""
    from bontot import store as st
    from bontot.workspace import open_workspace

    try:
        with st.open_store(open_workspace(workspace).database_url).session() as s:
            st.accounts.set_active(s, username, enable, actor="cli")
    except BontotError as exc:
        _fail(exc)
    out.print(f"Đã {'mở khóa' if enable else 'khóa'} tài khoản {username}.", highlight=False)


@app.command()
def web(
    workspace: WorkspaceArg,
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng.")] = 8000,
    ssl_certfile: Annotated[Path | None, typer.Option(help="Chứng chỉ TLS (https).")] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="Khóa của chứng chỉ TLS.")] = None,
    secure_cookies: Annotated[
        str, typer.Option(help="auto | always (sau proxy https) | never.")
    ] = "auto",
) -> None:
    """Mở trang web: tải văn bản, gửi phiếu, kiểm tra phiếu, xem kết quả và tình hình."""
    import uvicorn

    from bontot import store as st
    from bontot.web.app import create_app
    from bontot.workspace import open_workspace

    if secure_cookies not in ("auto", "always", "never"):
        _fail(InputError("--secure-cookies chỉ nhận auto, always hoặc never."))
    try:
        ws = open_workspace(workspace)
        application = create_app(ws, {"secure_cookies": secure_cookies})
        with st.open_store(ws.database_url).session() as s:
            users = st.accounts.list_users(s)
    except BontotError as exc:
        _fail(exc)
    if not users:
        err.print("[yellow]Chưa có tài khoản nào:[/] tạo bằng lệnh "
                  f"bontot user add {ws.root} TÊN --role province", highlight=False)
    scheme = "https" if ssl_certfile else "http"
    if scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
        err.print("[yellow]Lưu ý:[/] trang web đang mở trên mạng bằng http (không mã hóa); "
                  "nên dùng --ssl-certfile/--ssl-keyfile hoặc đặt sau một proxy https.",
                  highlight=False)
    out.print(f"Trang web: {scheme}://{host}:{port}/  (Ctrl+C để dừng)", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="info",
                ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None)


def main(argv: list[str] | None = None) -> int:
    """Entry point usable from code and tests: returns the exit code."""
    try:
        app(args=argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
