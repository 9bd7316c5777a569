"""What a clerk reads in the Prefect UI after a run: Vietnamese markdown, and table rows.

Plain functions over the result objects of the steps (no Prefect here), so that they are tested
like any other text the software writes.  Every value that came from a file or the roster is
escaped: a unit named ``Chi bộ A | B <1>`` must not break a table or open an HTML tag.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bontot.calendar import LOCAL_TZ
from bontot.intake import IntakeReport
from bontot.vnformat import number

if TYPE_CHECKING:  # the documents package is heavy: imported where documents are made
    from bontot.documents import DocumentRun
    from bontot.service import EvaluationRun

MAX_ROWS = 200  # rows of a table in an artifact; the rest is counted, not listed
STATUS_TEXT = {
    "stored": "Đã lưu",
    "review": "Cần kiểm tra (thư mục review/)",
    "duplicate": "Trùng nội dung, bỏ qua",
    "skipped": "Để lần sau",
}
FORM_TEXT = {"01-DK": "Mẫu 01-ĐK", "02-TDG": "Mẫu 02-TĐG"}
DOCUMENT_TEXT = {
    "qd-cong-nhan": "Quyết định công nhận",
    "qd-khen-thuong": "Quyết định tặng Giấy khen",
    "giay-khen": "Giấy khen",
    "to-trinh-bang-khen": "Tờ trình đề nghị tặng Bằng khen",
    "bao-cao-so-ket": "Báo cáo sơ kết",
    "bao-cao-tong-ket": "Báo cáo tổng kết",
    "ds-chua-nop": "Danh sách đơn vị chưa nộp",
}
FORMAT_TEXT = {".docx": "Word", ".xlsx": "Excel", ".pdf": "PDF"}
_MD_SPECIAL = str.maketrans({
    "|": r"\|", "\\": "\\\\", "`": r"\`", "*": r"\*", "_": r"\_", "[": r"\[", "]": r"\]",
    "<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " ", "#": r"\#",
})


def slug(text: str, fallback: str = "x") -> str:
    """Lowercase ASCII letters, digits and dashes (Prefect's keys and names): "Vùng Đức" ->
    "vung-duc"."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or fallback


def cell(value: Any) -> str:
    """A value fit for a markdown table cell or a list item (escaped, on one line)."""
    return str("" if value is None else value).translate(_MD_SPECIAL)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], limit: int = MAX_ROWS) -> str:
    rows = list(rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n… và {number(len(rows) - limit)} dòng khác.")
    return "\n".join(lines)


def stamp(now: dt.datetime | None = None) -> str:
    now = (now or dt.datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
    return f"{now:%H:%M} ngày {now:%d/%m/%Y} (giờ Việt Nam)"


def intake_markdown(
    report: IntakeReport,
    run: EvaluationRun | None,
    workspace: str,
    now: dt.datetime | None = None,
) -> str:
    """The run's summary: how many files, which need a person and why, the results."""
    parts = [
        f"# Đọc hộp thư đến — {cell(workspace)}",
        f"Lúc {stamp(now)}.",
        "",
        table(["Kết quả", "Số tệp"],
              [(text, number(report.count(status))) for status, text in STATUS_TEXT.items()]),
    ]
    review = [o for o in report.outcomes if o.status == "review"]
    if review:
        parts += ["", "## Tệp cần người kiểm tra",
                  "Bản sao và ghi chú lỗi nằm trong thư mục `review/`."]
        for o in review[:MAX_ROWS]:
            problems = [p for f in o.forms for p in f.problems if p.level == "error"]
            problems = problems or [p for f in o.forms for p in f.problems]
            why = "; ".join(cell(p.message) for p in problems[:3]) or "cần đối chiếu bản gốc"
            parts.append(f"- **{cell(o.name)}**: {why}")
    read = [(o, f) for o in report.outcomes for f in o.forms]
    if read:
        parts += ["", "## Phiếu đã đọc"]
        rows = []
        for o, f in read:
            values = f.values()
            warnings = "; ".join(p.message for p in f.problems[:2])
            rows.append((o.name, FORM_TEXT.get(f.form_code or "", "?"),
                         values.get("unit_code", ""), values.get("year", ""),
                         STATUS_TEXT[o.status], warnings))
        parts.append(table(["Tệp", "Phiếu", "Mã đơn vị", "Năm", "Kết quả", "Ghi chú"], rows))
    others = [o for o in report.outcomes if not o.forms]
    if others:
        parts += ["", "## Tệp chưa đọc"]
        parts.append(table(["Tệp", "Kết quả", "Ghi chú"],
                           [(o.name, STATUS_TEXT[o.status], o.note) for o in others]))
    if run is not None:
        parts += ["", evaluation_markdown(run, heading="##")]
    return "\n".join(parts) + "\n"


def evaluation_markdown(run: EvaluationRun, heading: str = "#") -> str:
    """Results per recognising committee, for the years evaluated."""
    years = list(run.years)
    header = ["Cấp ủy", "Đơn vị", "Đăng ký", *[f"Bốn tốt {y}" for y in years],
              "Làm điểm", "Giấy khen sơ kết"]
    rows = []
    for s in run.summaries:
        pilots = ", ".join(
            f"{p.chosen}/{p.minimum}" + ("" if p.ok else " (thiếu)") for p in s.pilots
        )
        rows.append((
            f"{s.committee.name} ({s.committee.code})",
            number(len(s.candidates)),
            number(len(s.registered)),
            *[f"{s.four_good_by_year.get(y, 0)}/{s.reported_by_year.get(y, 0)}" for y in years],
            pilots,
            f"{len(s.so_ket.selected)}/{len(s.so_ket.eligible)}",
        ))
    span = ", ".join(str(y) for y in years) or "không có năm nào"
    return "\n".join([
        f"{heading} Kết quả xét công nhận theo cấp ủy (năm {span})",
        f"Lưu {number(run.saved)} kết quả mới, {number(run.unchanged)} kết quả không đổi.",
        "",
        table(header, rows),
        "",
        "Bốn tốt: số đạt / số đơn vị có báo cáo. Làm điểm: số đã chọn / mức tối thiểu"
        " (đảng bộ cơ sở, chi bộ). Giấy khen: số được đề nghị / số đủ điều kiện.",
    ]) + "\n"


def document_title(key: str) -> str:
    """ "giay-khen/HU-01.pdf" -> "Giấy khen (HU-01)"."""
    base = key.removesuffix(".pdf").removesuffix(".xlsx")
    kind, _, unit = base.partition("/")
    title = DOCUMENT_TEXT.get(kind, kind)
    return f"{title} ({unit})" if unit else title


def documents_table(run: DocumentRun, root: Path) -> list[dict[str, str]]:
    """One row per file of the run, for a table artifact; paths relative to the workspace."""
    rows = []
    for f in run.files:
        path = f.path.relative_to(root) if f.path.is_relative_to(root) else f.path
        rows.append({
            "Văn bản": document_title(f.key),
            "Cấp ủy": f.committee,
            "Định dạng": FORMAT_TEXT.get(f.path.suffix.lower(), f.path.suffix),
            "Tệp": path.as_posix(),
            "Tình trạng": "mới lập hoặc đã đổi" if f.changed else "không đổi",
        })
    return rows


def documents_description(run: DocumentRun, root: Path) -> str:
    changed = sum(1 for f in run.files if f.changed)
    lines = [f"Văn bản ({run.scope}) trong thư mục {root}: {number(len(run.files))} tệp,"
             f" {number(changed)} tệp mới lập hoặc đã đổi."]
    lines += [f"Lưu ý: {n}" for n in run.notes]
    lines += [f"Chưa chuyển được sang PDF: {n}" for n in run.pdf_failures]
    return "\n".join(lines)
