"""How a cost grows with the size of the work, as a number rather than a reading of a chart.

For a cost ``c(n)`` measured at sizes ``n_small < n_large``, the cost per unit is ``c(n) / n`` and
the growth ratio is ``(c(n_large) / n_large) / (c(n_small) / n_small)``: about 1 when the cost grows
linearly, above 1 when each unit costs more as the work grows (super-linear), below 1 when a fixed
part is spread over more units (sub-linear, flat at the extreme). The log-log slope
``log(c_large / c_small) / log(n_large / n_small)`` says the same as an exponent (1 linear, 2
quadratic, 0 flat), which reads better when the sizes are far apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

Verdict = Literal["super-linear", "linear", "sub-linear"]

TOLERANCE = 0.15
"""Ratios within ``1 ± TOLERANCE`` count as linear: a few cycles per point carry that much noise."""


@dataclass(frozen=True, kw_only=True)
class Growth:
    """The growth of one cost between the smallest and the largest size."""

    metric: str
    """What grows, e.g. ``prompt_tokens`` of ``smolagents-flat``."""
    unit: str
    """What a unit of work is, e.g. ``tool``."""
    small: int
    """Smallest size."""
    large: int
    """Largest size."""
    per_unit_small: float
    """Cost per unit at the smallest size."""
    per_unit_large: float
    """Cost per unit at the largest size."""
    ratio: float | None
    """``per_unit_large / per_unit_small``; None when the small cost is zero."""
    exponent: float | None
    """Log-log slope between the two sizes; None when a cost is not positive."""
    verdict: Verdict | None
    """From the ratio and :data:`TOLERANCE`."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded."""
        data = asdict(self)
        for key in ("per_unit_small", "per_unit_large"):
            data[key] = _round(data[key])
        for key in ("ratio", "exponent"):
            data[key] = None if data[key] is None else round(data[key], 3)
        return data


def growth(costs: Mapping[int, float], *, metric: str, unit: str) -> Growth:
    """Compare the cost per unit at the largest size with that at the smallest.

    Args:
        costs: Size → total cost at that size (at least two sizes, all positive).
        metric: Label of the cost.
        unit: Label of a unit of size.

    Returns:
        The growth figures.

    Raises:
        ValueError: Fewer than two sizes, or a size that is not positive.
    """
    if len(costs) < 2:
        raise ValueError("growth needs costs at two sizes at least")
    if min(costs) <= 0:
        raise ValueError("sizes must be positive")
    small, large = min(costs), max(costs)
    low, high = costs[small] / small, costs[large] / large
    ratio = high / low if low else None
    exponent = (
        math.log(costs[large] / costs[small]) / math.log(large / small)
        if costs[small] > 0 and costs[large] > 0
        else None
    )
    verdict: Verdict | None = None
    if ratio is not None:
        verdict = (
            "super-linear" if ratio > 1 + TOLERANCE else "sub-linear" if ratio < 1 - TOLERANCE else "linear"
        )
    return Growth(
        metric=metric,
        unit=unit,
        small=small,
        large=large,
        per_unit_small=low,
        per_unit_large=high,
        ratio=ratio,
        exponent=exponent,
        verdict=verdict,
    )


def _round(value: float) -> float:
    """Four significant digits: per-unit costs range from microseconds to thousands of tokens."""
    return float(f"{value:.4g}")


def growth_across(
    points: Mapping[str, Mapping[str, Mapping[str, Any]]], series: str, key: str, *, metric: str, unit: str
) -> Growth | None:
    """:func:`growth` of one figure of one series over a curve's points.

    Args:
        points: Size (as a string, the JSON key) → series → figures.
        series: The series, e.g. ``orchestra-dag``.
        key: The figure, e.g. ``prompt_tokens``.
        metric: Label of the cost.
        unit: Label of a unit of size.

    Returns:
        The growth, or None with fewer than two sizes.
    """
    costs = {int(size): float(point[series][key]) for size, point in points.items() if series in point}
    return growth(costs, metric=metric, unit=unit) if len(costs) >= 2 else None
