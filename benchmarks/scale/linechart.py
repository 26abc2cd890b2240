"""A hand-written SVG line chart: sizes along x (categorical), one polyline per series.

Like :mod:`benchmarks.decision.chart`, no plotting library: a few lines, markers, ticks and labels
are all a curve needs, and the output stays a small, diffable, standalone SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLOURS: tuple[str, ...] = ("#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#76b7b2", "#b07aa1", "#9c755f")
"""Series colours, in order (Tableau 10)."""

_W, _H = 760, 420
_LEFT, _RIGHT, _TOP, _BOTTOM = 80, 230, 50, 60


@dataclass(frozen=True, kw_only=True)
class Series:
    """One line of the chart."""

    name: str
    """Legend label."""
    values: tuple[float | None, ...]
    """One value per x label; None leaves a gap (the point was not run)."""
    dashed: bool = False
    """Draw dashed, e.g. for an overhead beside the latency it belongs to."""


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``.

    Args:
        top: The largest value to show.
        count: About how many intervals.

    Returns:
        Ticks starting at 0, evenly spaced by 1, 2 or 5 times a power of ten.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-12:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def line_chart(
    title: str, x_labels: Sequence[str], series: Sequence[Series], *, x_title: str, y_title: str
) -> str:
    """Render the chart.

    Args:
        title: Heading.
        x_labels: The sizes, in order.
        series: The lines; each has one value per x label.
        x_title: Axis title under the x axis.
        y_title: Axis title beside the y axis (its unit).

    Returns:
        A standalone SVG document with one ``<polyline>`` per series.

    Raises:
        ValueError: A series with a different number of values than labels.
    """
    for line in series:
        if len(line.values) != len(x_labels):
            raise ValueError(f"series {line.name!r} has {len(line.values)} values for {len(x_labels)} sizes")
    values = [value for line in series for value in line.values if value is not None]
    ticks = nice_ticks(max(values, default=0.0))
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x_at(index: int) -> float:
        return _LEFT + plot_w * (index + 0.5) / max(1, len(x_labels))

    def y_at(value: float) -> float:
        return _TOP + plot_h * (1 - value / ticks[-1])

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{_W}" height="{_H}" fill="white"/>',
        f'<text x="{_W / 2:.0f}" y="24" text-anchor="middle" font-size="15" font-weight="bold">'
        f"{escape(title)}</text>",
    ]
    for tick in ticks:
        y = y_at(tick)
        out.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for index, label in enumerate(x_labels):
        x = x_at(index)
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP + plot_h}" x2="{x:.1f}" y2="{_TOP + plot_h + 5}" stroke="#333"/>'
        )
        out.append(f'<text x="{x:.1f}" y="{_TOP + plot_h + 20}" text-anchor="middle">{escape(label)}</text>')
    out += [
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + plot_h}" stroke="#333"/>',
        f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{_LEFT + plot_w}" y2="{_TOP + plot_h}" stroke="#333"/>',
        f'<text x="{_LEFT + plot_w / 2:.0f}" y="{_H - 16}" text-anchor="middle">{escape(x_title)}</text>',
        f'<text x="18" y="{_TOP + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 18 {_TOP + plot_h / 2:.0f})">{escape(y_title)}</text>',
    ]
    for number, line in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [(x_at(i), y_at(v)) for i, v in enumerate(line.values) if v is not None]
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}">'
            f"<title>{escape(line.name)}</title></polyline>"
        )
        for (x, y), value in zip(points, [v for v in line.values if v is not None], strict=True):
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(line.name)}: '
                f"{value:g}</title></circle>"
            )
        legend_y = _TOP + 10 + 20 * number
        legend_x = _LEFT + plot_w + 16
        out.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 24}" y2="{legend_y}" stroke="{colour}" '
            f'stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{legend_x + 30}" y="{legend_y + 4}">{escape(line.name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
