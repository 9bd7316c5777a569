"""The layout of Party documents (Hướng dẫn 36-HD/VPTW) as one validated settings model.

Every size, margin and spacing a generated document uses comes from here
(``plans/styles/van-ban-hd36.yaml``), never from the code that builds the document: Quy định
399-QĐ/TW of 09/01/2026 may change the format, and then only that file changes.
``load_style`` reads and validates the file and raises :class:`~bontot.errors.PlanError` with
every problem in Vietnamese; ``DocStyle.resolve`` accepts a style, a dict or None (the shipped
file), for callers at the edge.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bontot.errors import PlanError
from bontot.plan import PLANS_DIR
from bontot.plan import _describe as _describe_error  # one Vietnamese wording for both files

Mm = Annotated[float, Field(ge=0, le=500)]
Pt = Annotated[float, Field(ge=4, le=72)]
Spacing = Annotated[float, Field(ge=0, le=72)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextSpec(_Strict):
    """How one kind of text looks: size and emphasis (the font is the document's)."""

    size_pt: Pt
    bold: bool = False
    italic: bool = False
    underline: bool = False


class Margins(_Strict):
    top_mm: Mm
    bottom_mm: Mm
    left_mm: Mm
    right_mm: Mm


class PageSpec(_Strict):
    width_mm: Mm
    height_mm: Mm
    orientation: Literal["portrait", "landscape"]
    margins: Margins
    header_distance_mm: Mm
    footer_distance_mm: Mm

    def size(self, landscape: bool | None = None) -> tuple[float, float]:
        """(width, height) in mm, turned for landscape (the default: ``orientation``)."""
        short, long = sorted((self.width_mm, self.height_mm))
        wide = self.orientation == "landscape" if landscape is None else landscape
        return (long, short) if wide else (short, long)

    def text_width(self, landscape: bool | None = None) -> float:
        return self.size(landscape)[0] - self.margins.left_mm - self.margins.right_mm


class BodySpec(_Strict):
    size_pt: Pt
    line_spacing_pt: Pt  # exact
    space_before_pt: Spacing
    space_after_pt: Spacing
    first_line_indent_mm: Mm


class HeaderSpec(_Strict):
    left_width_mm: Mm
    right_width_mm: Mm
    superior: TextSpec
    issuer: TextSpec
    star: str
    number: TextSpec
    number_prefix: str
    number_blank: str
    national_name: str = Field(min_length=1)
    national: TextSpec
    place_date: TextSpec
    space_after_pt: Spacing


class TitleSpec(_Strict):
    kind: TextSpec
    summary: TextSpec
    rule: str
    space_before_pt: Spacing
    space_after_pt: Spacing


class SignatureSpec(_Strict):
    left_width_mm: Mm
    right_width_mm: Mm
    date_line: TextSpec
    on_behalf: TextSpec
    title: TextSpec
    signer: TextSpec
    space_mm: Mm


class RecipientsSpec(_Strict):
    heading_text: str = Field(min_length=1)
    heading: TextSpec
    item: TextSpec
    line_spacing_pt: Pt


class PageNumberSpec(_Strict):
    size_pt: Pt
    position: Literal["footer", "header"]
    alignment: Literal["center", "right"]


class TableSpec(_Strict):
    size_pt: Pt
    line_spacing_pt: Pt
    space_pt: Spacing
    border_pt: Annotated[float, Field(ge=0.25, le=6)]
    row_min_height_mm: Mm


class FormSpec(_Strict):
    code: TextSpec
    qr_size_mm: Annotated[float, Field(ge=12, le=60)]  # below ~12 mm a phone camera struggles
    label_width_mm: Mm
    value_width_mm: Mm
    section: TextSpec
    sub_label_indent_mm: Mm
    checkbox_font: str = Field(min_length=1)
    checkbox_size_pt: Pt
    checkbox_gap: str
    free_text_min_height_mm: Mm
    signature_right_mm: Mm
    blank: str = Field(min_length=1)
    header_blank: str = Field(min_length=1)
    date_line: str = Field(pattern=r"^.+, ngày .+ tháng .+ năm .+$")


class DocStyle(_Strict):
    """The whole layout; see plans/styles/van-ban-hd36.yaml for what each value means."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    font: str = Field(min_length=1)
    language: str = Field(pattern=r"^[a-z]{2}-[A-Z]{2}$")
    page: PageSpec
    body: BodySpec
    header: HeaderSpec
    title: TitleSpec
    signature: SignatureSpec
    recipients: RecipientsSpec
    page_number: PageNumberSpec
    table: TableSpec
    form: FormSpec

    @model_validator(mode="after")
    def _fits(self) -> DocStyle:
        page = self.page
        width = page.text_width(landscape=False)  # the narrower text width bounds every column
        if width < 50:
            raise ValueError(f"lề trái và lề phải quá rộng: chỉ còn {width:g} mm cho chữ")
        if page.margins.top_mm + page.margins.bottom_mm > page.size(False)[1] - 50:
            raise ValueError("lề trên và lề dưới quá rộng so với khổ giấy")
        for name, parts in (
            ("header", (self.header.left_width_mm, self.header.right_width_mm)),
            ("signature", (self.signature.left_width_mm, self.signature.right_width_mm)),
            ("form", (self.form.label_width_mm, self.form.value_width_mm)),
            ("form.signature_right_mm", (self.form.signature_right_mm,)),
        ):
            if sum(parts) > width + 0.01:
                raise ValueError(
                    f"{name}: hai cột rộng {sum(parts):g} mm, vượt bề rộng dòng chữ {width:g} mm"
                )
        for name, spacing, size in (
            ("body", self.body.line_spacing_pt, self.body.size_pt),
            ("table", self.table.line_spacing_pt, self.table.size_pt),
        ):
            if spacing < size:
                raise ValueError(
                    f"{name}.line_spacing_pt ({spacing:g}) nhỏ hơn cỡ chữ ({size:g}): chữ sẽ bị cắt"
                )
        return self

    @classmethod
    def resolve(cls, value: DocStyle | dict[str, Any] | None = None) -> DocStyle:
        """The style itself, a dict validated, or the shipped style for None."""
        if value is None:
            return load_style()
        if isinstance(value, DocStyle):
            return value
        return parse_style(value)


def default_style_path() -> Path:
    # A folder of its own: every YAML directly in plans/ is a plan (tests/test_plan.py).
    return PLANS_DIR / "styles" / "van-ban-hd36.yaml"


def parse_style(data: Any, source: str = "<style>") -> DocStyle:
    """Validate already-loaded style data; PlanError names each key and its problem."""
    if not isinstance(data, dict):
        raise PlanError(source, ["(gốc): tệp phải là một bảng khóa: giá trị (YAML mapping)"])
    try:
        return DocStyle.model_validate(data)
    except ValidationError as exc:
        raise PlanError(source, [_describe(e) for e in exc.errors()]) from None


def _describe(err: Any) -> str:
    if err["type"] in ("float_parsing", "float_type", "finite_number"):
        key = ".".join(str(p) for p in err["loc"])
        return f"{key}: phải là một số (đang là {err.get('input')!r})"
    return _describe_error(err)


def load_style(path: str | Path | None = None) -> DocStyle:
    """Read and validate a style file (default: plans/styles/van-ban-hd36.yaml)."""
    return _load(str(Path(path).resolve()) if path else str(default_style_path()))


@lru_cache(maxsize=8)
def _load(path: str) -> DocStyle:
    # Cached: a batch of forms asks for the same style hundreds of times; the model is frozen.
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(path, ["không tìm thấy tệp"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(path, [f"không đọc được tệp ({exc.__class__.__name__})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        raise PlanError(path, [f"không đúng cú pháp YAML{where}"]) from None
    return parse_style(data, path)
