"""How a cost grows with the size of the work, as a number rather than a reading of a chart.

Most costs here are affine: a fixed part (the root's prompt, a process's warm caches) plus a part
per unit of work (a tool's schema in every prompt, a layer's call). Cost per unit (``c(n) / n``)
falls as the fixed part is spread, so it would call every affine cost sub-linear and hide a real
super-linear part behind a large fixed one. The *marginal* cost does not: with sizes
``n_0 < n_1 < … < n_k`` the slope of each interval is ``(c(n_i) - c(n_{i-1})) / (n_i - n_{i-1})``,
and the growth ratio is the last interval's slope over the first's: about 1 when each extra unit
costs the same (linear), above 1 when later units cost more (super-linear: contention, quadratic
prompts), below 1 when they cost less (sub-linear, e.g. an index). A cost that barely moves across
the whole range is *flat*, whatever its slopes' noise. Three sizes at least are needed for a ratio.
The log-log slope between the smallest and the largest size is given too, as an overall exponent
(0 flat, 1 proportional).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

Verdict = Literal["super-linear", "linear", "sub-linear", "flat"]

TOLERANCE = 0.15
"""Ratios within ``1 ± TOLERANCE`` count as linear, and a cost that moves less than this fraction
over the whole range as flat: a few cycles per point carry that much noise."""


@dataclass(frozen=True, kw_only=True)
class Growth:
    """The growth of one cost across a curve's sizes."""

    metric: str
    """What grows, e.g. ``smolagents-flat: prompt tokens per cycle``."""
    unit: str
    """What a unit of work is, e.g. ``tool``."""
    sizes: tuple[int, ...]
    """The sizes, ascending."""
    costs: tuple[float, ...]
    """The cost at each size."""
    slopes: tuple[float, ...]
    """Marginal cost per unit over each interval between consecutive sizes."""
    ratio: float | None
    """Last slope over first slope; None with fewer than three sizes or a first slope not above 0."""
    exponent: float | None
    """Log-log slope between the smallest and the largest size; None when a cost is not positive."""
    verdict: Verdict | None
    """``flat`` when the cost moved less than :data:`TOLERANCE`, else from the ratio; None when
    neither can tell (two sizes of a moving cost, or a first slope not above 0)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: costs to six significant digits, slopes to four (they span µs to 100k tokens)."""
        data = asdict(self)
        data["sizes"] = list(self.sizes)
        data["costs"] = [_round(value, 6) for value in self.costs]
        data["slopes"] = [_round(value, 4) for value in self.slopes]
        for key in ("ratio", "exponent"):
            data[key] = None if data[key] is None else round(data[key], 3)
        return data


def growth(costs: Mapping[int, float], *, metric: str, unit: str) -> Growth:
    """How a cost grows: marginal cost per interval, their ratio, the exponent and a verdict.

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
    sizes = tuple(sorted(costs))
    values = tuple(float(costs[size]) for size in sizes)
    slopes = tuple((values[i] - values[i - 1]) / (sizes[i] - sizes[i - 1]) for i in range(1, len(sizes)))
    ratio = slopes[-1] / slopes[0] if len(slopes) >= 2 and slopes[0] > 0 else None
    first, last = values[0], values[-1]
    exponent = math.log(last / first) / math.log(sizes[-1] / sizes[0]) if first > 0 and last > 0 else None
    verdict: Verdict | None
    if first > 0 and abs(last - first) <= TOLERANCE * first:
        verdict = "flat"
    elif ratio is None:
        verdict = None
    elif ratio > 1 + TOLERANCE:
        verdict = "super-linear"
    elif ratio < 1 - TOLERANCE:
        verdict = "sub-linear"
    else:
        verdict = "linear"
    return Growth(
        metric=metric,
        unit=unit,
        sizes=sizes,
        costs=values,
        slopes=slopes,
        ratio=ratio,
        exponent=exponent,
        verdict=verdict,
    )


def _round(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


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


def growth_table(
    points: Mapping[str, Mapping[str, Mapping[str, Any]]],
    wanted: Iterable[tuple[str, str, str]],
    *,
    unit: str,
) -> list[dict[str, Any]]:
    """:func:`growth_across` for each ``(series, key, metric)``, where the curve has enough points.

    Args:
        points: The curve's points.
        wanted: Series, figure and the metric's name, in report order.
        unit: What one size step adds (``tool``, ``layer``, ...).

    Returns:
        Growth figures, JSON-ready.
    """
    found = [growth_across(points, series, key, metric=metric, unit=unit) for series, key, metric in wanted]
    return [item.to_dict() for item in found if item is not None]
