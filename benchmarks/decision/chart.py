"""A hand-written SVG of the latency breakdown: one stacked bar per scenario and profile.

Segments are the mean seconds per cycle of critical-path model time, tool time not hidden behind a
model call, and framework overhead; together they make the mean wall time. No plotting library is
installed, and a few rectangles do not need one.
"""

from __future__ import annotations

from html import escape
from typing import Any

SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("model_critical_path", "model (critical path)", "#4e79a7"),
    ("tools", "tools", "#59a14f"),
    ("overhead", "framework overhead", "#e15759"),
)
"""Breakdown key, legend label and colour of each bar segment."""

_LABEL_W, _BAR_W, _ROW_H, _TOP = 230, 560, 26, 56


def breakdown_svg(runs: dict[str, dict[str, dict[str, Any]]], title: str) -> str:
    """Render the chart.

    Args:
        runs: Profile name → scenario name → summary (with ``breakdown_mean_s``).
        title: Heading drawn at the top.

    Returns:
        A standalone SVG document.
    """
    rows = [
        (f"{scenario} ({profile})", summary["breakdown_mean_s"])
        for profile, scenarios in runs.items()
        for scenario, summary in scenarios.items()
    ]
    longest = max((sum(parts.values()) for _, parts in rows), default=0.0) or 1.0
    scale = _BAR_W / longest
    height = _TOP + _ROW_H * len(rows) + 40
    width = _LABEL_W + _BAR_W + 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    legend_x = 10
    for _, label, colour in SEGMENTS:
        out.append(f'<rect x="{legend_x}" y="30" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 16}" y="40">{escape(label)}</text>')
        legend_x += 30 + 7 * len(label)
    for index, (label, parts) in enumerate(rows):
        y = _TOP + index * _ROW_H
        out.append(f'<text x="10" y="{y + 15}">{escape(label)}</text>')
        x = float(_LABEL_W)
        for key, name, colour in SEGMENTS:
            w = max(0.0, parts[key]) * scale
            out.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{_ROW_H - 6}" fill="{colour}">'
                f"<title>{escape(name)}: {parts[key] * 1000:.1f} ms</title></rect>"
            )
            x += w
        total = sum(parts.values())
        out.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{total:.2f} s</text>')
    axis_y = _TOP + _ROW_H * len(rows) + 10
    out.append(
        f'<text x="{_LABEL_W}" y="{axis_y + 14}" fill="#555">mean seconds per decision; '
        "bars of one profile share the scale of the longest bar</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
