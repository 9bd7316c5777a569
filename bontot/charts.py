"""Bar charts for the reports, drawn with matplotlib into PNG bytes.

A :class:`Chart` is plain data (it is part of a report's inputs hash); :func:`render_png` draws it
with the object API (no pyplot state, the Agg canvas), in DejaVu Sans, which has every Vietnamese
letter, and labels numbers the Vietnamese way ("85,0 %", "1.234").  PNG metadata is left out and
the drawing is fixed, so the same chart gives the same bytes and a re-run can say "không đổi".
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from bontot.vnformat import decimal, number


class Ratio(Protocol):
    """A count out of a count (``bontot.documents.tables.Share``): drawn as a percentage."""

    @property
    def num(self) -> int: ...

    @property
    def den(self) -> int: ...


Value = Ratio | int

FONT = "DejaVu Sans"  # ships with matplotlib, so the diacritics never fall back to boxes
# Grey-blue tones that stay apart when printed in black and white.
COLOURS = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f")


@dataclass(frozen=True)
class Chart:
    """Grouped bars: one group per category, one bar per series."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[Value, ...]], ...]
    y_label: str = ""
    width_mm: float = 160
    height_mm: float = 85

    def __post_init__(self) -> None:
        for name, values in self.series:
            if len(values) != len(self.categories):
                raise ValueError(
                    f"series {name!r}: {len(values)} values, not {len(self.categories)}"
                )

    @property
    def percent(self) -> bool:
        return any(not isinstance(v, int) for _, values in self.series for v in values)

    def json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "categories": list(self.categories),
            "series": [[name, [str(v) for v in values]] for name, values in self.series],
            "y_label": self.y_label,
            "size": [self.width_mm, self.height_mm],
        }


def _value(v: Value) -> float:
    if isinstance(v, int):
        return float(v)
    return 100 * v.num / v.den if v.den else 0.0


def _label(v: Value) -> str:
    if isinstance(v, int):
        return number(v)
    return f"{decimal(100 * v.num / v.den, 1)} %" if v.den else ""


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def render_png(chart: Chart, dpi: int = 150) -> bytes:
    """The chart as PNG bytes (deterministic for one matplotlib version)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    settings = {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT],
        "font.size": 9,
        "axes.titlesize": 10,
        "svg.hashsalt": "bontot",
        "path.simplify": False,
    }
    with rc_context(cast(Any, settings)):
        fig = Figure(figsize=(chart.width_mm / 25.4, chart.height_mm / 25.4), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        n = max(1, len(chart.series))
        width = 0.8 / n
        xs = range(len(chart.categories))
        top = 0.0
        for i, (name, values) in enumerate(chart.series):
            heights = [_value(v) for v in values]
            top = max([top, *heights])
            offsets = [x - 0.4 + width * (i + 0.5) for x in xs]
            bars = ax.bar(offsets, heights, width * 0.92, label=_wrap(name, 32),
                          color=COLOURS[i % len(COLOURS)])  # fmt: skip
            ax.bar_label(bars, labels=[_label(v) for v in values], fontsize=6.5, padding=1.5)
        ax.set_xticks(list(xs))
        # about 2 mm a character at 9 pt, over the plot's three quarters of the width
        wrap = max(8, int(chart.width_mm * 0.75 / max(1, len(chart.categories)) / 2.0))
        ticks = [_wrap(c, wrap) for c in chart.categories]
        ax.set_xticklabels(ticks)
        if chart.percent:
            ax.set_ylim(0, 110)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} %"))
        else:
            ax.set_ylim(0, max(1.0, top) * 1.15)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(int(round(v)))))
        ax.set_ylabel(chart.y_label)
        ax.set_title(chart.title)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        # Fixed margins (no layout engine: it costs half a second a chart): room under the
        # axes for the tick labels' lines and the legend's rows, in figure fractions.
        line = 11 / 72 / (chart.height_mm / 25.4)  # one 9 pt line
        tick_lines = max(t.count("\n") + 1 for t in ticks) if ticks else 1
        legend_rows = 0
        if len(chart.series) > 1:
            ncol = min(4 if max(len(n) for n, _ in chart.series) < 25 else 3, len(chart.series))
            legend_rows = -(-len(chart.series) // ncol) * max(
                _wrap(n, 32).count("\n") + 1 for n, _ in chart.series
            )
            fig.legend(loc="lower center", ncol=ncol, frameon=False, fontsize=8)
        bottom = line * (tick_lines + 1.2 + legend_rows * 1.1)
        left = 0.8 / (chart.width_mm / 25.4)  # the y axis' label and its "100 %" ticks
        fig.subplots_adjust(left=left, right=0.98, top=1 - 2.2 * line, bottom=bottom)
        buf = io.BytesIO()
        canvas.print_png(buf, metadata={"Software": None})
    return buf.getvalue()


def share_chart(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[Ratio]]]
) -> Chart:
    return Chart(title, tuple(categories), tuple((n, tuple(v)) for n, v in series), "Tỷ lệ")


def count_chart(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Chart:
    return Chart(
        title, tuple(categories), tuple((n, tuple(v)) for n, v in series), "Số tổ chức đảng"
    )
