"""What every document module shares: the request, the facts it reads, the document it returns.

A document module is a plain function ``build(facts, request, committee) -> list[Document]``:
it reads the rules' results (:class:`Facts`) and returns documents as data (template name,
context, tables, charts).  Rendering, writing, recording and PDF conversion happen elsewhere
(:mod:`bontot.documents.publish`), once for all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bontot.charts import Chart
from bontot.docstyle import DocStyle
from bontot.documents.issuer import STANDING, Issuer, issuer_of, organ_of, prose_name
from bontot.documents.tables import Table
from bontot.errors import InputError
from bontot.evaluation import CommitteeSummary
from bontot.models import Unit, UnitKind
from bontot.plan import Plan
from bontot.roster import RosterTree
from bontot.rules import UnitYearResult
from bontot.service import EvaluationRun
from bontot.store import AssessmentRecord, RegistrationRecord
from bontot.vnformat import upper_vi

Review = Literal["so-ket", "tong-ket"]
REVIEWS: dict[str, str] = {"so-ket": "sơ kết", "tong-ket": "tổng kết"}
REGISTRATION = "dang-ky"  # the deadline of Mẫu 01-ĐK
MOVEMENT = '"chi bộ bốn tốt", "đảng bộ cơ sở bốn tốt"'
_NUMBER = re.compile(r"[0-9]{1,6}[A-Za-z]?")


@dataclass(frozen=True)
class DocumentRequest:
    """What to produce: one year's decisions, one review's papers, or one deadline's list.

    ``numbers`` gives document numbers the office assigned, keyed ``"<document id>/<committee
    code>"`` (or just the document id when one committee is asked for); every other number is
    left blank.  ``day`` dates every document (default: the plan's date for it).
    """

    year: int | None = None
    review: Review | None = None
    deadline: str | None = None  # "dang-ky" or a year, e.g. "2024"
    committees: tuple[str, ...] | None = None
    day: dt.date | None = None
    numbers: Mapping[str, str] = field(default_factory=dict)
    pdf: bool = True

    def __post_init__(self) -> None:
        asked = [x for x in (self.year, self.review, self.deadline) if x is not None]
        if len(asked) != 1:
            raise InputError(
                "Hãy chọn đúng một trong: --year NĂM (quyết định công nhận),"
                " --review so-ket|tong-ket (sơ kết, tổng kết), --deadline dang-ky|NĂM"
                " (danh sách đơn vị chưa nộp)."
            )
        if self.review is not None and self.review not in REVIEWS:
            raise InputError(f"--review phải là so-ket hoặc tong-ket, không phải {self.review!r}.")
        if self.deadline is not None and not (
            self.deadline == REGISTRATION or self.deadline.isdigit()
        ):
            raise InputError(
                f"--deadline phải là dang-ky (Mẫu 01-ĐK) hoặc một năm (Mẫu 02-TĐG),"
                f" không phải {self.deadline!r}."
            )
        for key, value in self.numbers.items():
            if not _NUMBER.fullmatch(str(value)):
                raise InputError(f"Số văn bản {key}={value!r} không hợp lệ (chỉ gồm chữ số).")

    @classmethod
    def resolve(cls, value: DocumentRequest | Mapping[str, Any]) -> DocumentRequest:
        return value if isinstance(value, DocumentRequest) else cls(**dict(value))

    @property
    def scope(self) -> str:
        """The output folder and the store's scope: "2024", "so-ket", "dang-ky" …"""
        return str(self.year or self.review or self.deadline)

    def number(self, document: str, committee: str) -> str | None:
        found = self.numbers.get(f"{document}/{committee}")
        if found is None and self.committees is not None and len(self.committees) == 1:
            found = self.numbers.get(document)
        return found


@dataclass(frozen=True)
class Facts:
    """Everything the documents read, gathered once per run."""

    plan: Plan
    tree: RosterTree
    run: EvaluationRun
    registrations: Mapping[str, RegistrationRecord]
    assessments: Mapping[tuple[str, int], AssessmentRecord]
    style: DocStyle

    def summary(self, committee: str) -> CommitteeSummary:
        for s in self.run.summaries:
            if s.committee.code == committee:
                return s
        raise InputError(f"'{committee}' không phải cấp ủy xét công nhận nào.")

    def result(self, code: str, year: int) -> UnitYearResult | None:
        return self.run.results.get(year, {}).get(code)

    def issuer(self, unit: Unit) -> Issuer:
        return issuer_of(self.tree, unit, self.plan.issuer.place)

    def plan_issuer(self) -> str:
        """ "Ban Thường vụ Tỉnh ủy Quảng Ngãi": who issued the movement's plan."""
        root = self.tree.root
        if root.issuer_name:
            return f"{STANDING} {prose_name(root)}"
        body = upper_vi(self.plan.issuer.committee).removeprefix(upper_vi(STANDING)).strip()
        return f"{STANDING} {organ_of(body)} {self.plan.province}"

    def parent_name(self, unit: Unit) -> str:
        return self.tree.unit(unit.parent_code).name if unit.parent_code else ""

    def review_years(self, review: str) -> tuple[int, ...]:
        """The years a review looks at that have been evaluated (the plan's list, as far as
        forms have come in)."""
        rules = self.plan.rewards.so_ket if review == "so-ket" else self.plan.rewards.tong_ket
        return tuple(y for y in rules.years if y in self.run.results)

    def four_good_years(self, code: str, years: Sequence[int]) -> list[int]:
        return [y for y in years if (r := self.result(code, y)) is not None and r.four_good]

    def period_label(self, review: str) -> str:
        """ "2022 - 2025": the stretch of the movement a review covers."""
        cal = self.plan.calendar.so_ket if review == "so-ket" else self.plan.calendar.tong_ket
        return f"{self.plan.period.first_year} - {cal.committees.year}"


def kind_label(unit: Unit) -> str:
    """ "Chi bộ" / "Chi bộ cơ sở" / "Đảng bộ cơ sở", the annexes' "Loại" column."""
    return unit.kind.label


GROUPS: tuple[tuple[str, tuple[UnitKind, ...]], ...] = (
    ("Đảng bộ cơ sở", (UnitKind.DANG_BO_CO_SO,)),
    ("Chi bộ cơ sở", (UnitKind.CHI_BO_CO_SO,)),
    ("Chi bộ trực thuộc đảng bộ cơ sở", (UnitKind.CHI_BO,)),
)


@dataclass(frozen=True)
class Document:
    """One document to write: its template, its values, its tables and charts.

    ``kind`` is the documents.md id; ``key`` is what the store keys it by (the kind, or
    ``giay-khen/<unit code>`` for one certificate of many); ``stem`` is its file name.
    """

    kind: str
    key: str
    template: str
    committee: Unit
    stem: str
    context: dict[str, Any]
    tables: tuple[Table, ...] = ()
    charts: Mapping[str, Chart] = field(default_factory=dict)
    title: str = ""
    batch: str | None = None  # certificates printed together share a batch name …
    merges: str | None = None  # … and this document's PDF is theirs, merged (not converted)
    warnings: tuple[str, ...] = ()

    def full_context(self) -> dict[str, Any]:
        ctx = dict(self.context)
        for table in self.tables:
            ctx[table.spec.key] = table.context()
        return ctx
