"""How a curve is shown: its tables and chart lines, as data the report renders generically.

Each curve module returns its points (size → series → figures) and a :class:`CurveSpec` saying
which figures go in which table column and which become chart lines, so the markdown, the JSON and
the SVG of all four curves come from one renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One table column: a header and the figure it shows."""

    header: str
    key: str


@dataclass(frozen=True, kw_only=True)
class Table:
    """One markdown table: a row per size and series."""

    series: tuple[str, ...]
    """Series shown, in row order within a size."""
    columns: tuple[Column, ...]
    caption: str = ""


@dataclass(frozen=True, kw_only=True)
class Line:
    """One chart line: a figure of one series across sizes."""

    label: str
    series: str
    key: str
    scale: float = 1.0
    """Multiplies the figure (e.g. 0.001 to draw milliseconds on a seconds axis)."""
    dashed: bool = False


@dataclass(frozen=True, kw_only=True)
class CurveSpec:
    """A curve's presentation."""

    name: str
    """``tools``, ``layers``, ``minds`` or ``recall`` (also the chart's file suffix)."""
    title: str
    size_header: str
    """Header of the tables' size column, e.g. ``tools``."""
    x_title: str
    y_title: str
    tables: tuple[Table, ...]
    lines: tuple[Line, ...]


LATENCY_COLUMNS: tuple[Column, ...] = (
    Column("p50 s", "p50_s"),
    Column("p95 s", "p95_s"),
    Column("overhead ms p50", "overhead_ms_p50"),
    Column("LLM calls", "llm_calls"),
)
"""The first columns of a curve that compares scenarios."""


def latency_lines(series: Sequence[str]) -> tuple[Line, ...]:
    """Each scenario's p50, then each one's overhead (dashed; milliseconds drawn on the seconds axis).

    Args:
        series: The scenarios, in legend order.

    Returns:
        The chart lines.
    """
    p50 = [Line(label=f"{name} p50", series=name, key="p50_s") for name in series]
    overhead = [
        Line(label=f"{name} overhead", series=name, key="overhead_ms_p50", scale=0.001, dashed=True)
        for name in series
    ]
    return (*p50, *overhead)
