"""What a scale run measures: the sizes of each curve, the cycles per point and the latency profile.

The full plan is the issue's (37 → 100 → 200 tools, 3 → 5 → 9 layers, 1 → 8 → 32 minds, 1k → 10k
→ 100k memories) with five measured cycles per point after one warm-up: the curves are about how
figures move across sizes, which a handful of cycles shows. The quick plan keeps every code path
with tiny sizes and one cycle, so it checks the harness end to end in under a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from benchmarks.server.latency_model import LatencyProfile

CURVES: tuple[str, ...] = ("tools", "layers", "minds", "recall")
"""The curves, in report order."""


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Everything a scale run needs to know besides where to write."""

    profile: LatencyProfile
    """The model server's latency profile."""
    cycles: int
    """Measured cycles per point (rounds, for the minds curve)."""
    warmup: int
    """Unmeasured cycles (rounds) per point first."""
    tools: tuple[int, ...]
    """Bridged tools offered by the MCP server (at least 37)."""
    layers: tuple[int, ...]
    """Layers of the wide DAG (at least 2)."""
    minds: tuple[int, ...]
    """Minds deciding at once."""
    recall: tuple[int, ...]
    """Memories in the store."""
    bridge_repeats: int
    """Times the bridge import is timed per size."""
    recall_queries: int
    """``semantic_recall`` calls timed per size."""
    quick: bool = False
    """Recorded in the outputs."""
    curves: tuple[str, ...] = CURVES
    """Which curves to run."""


def make_plan(
    profile: LatencyProfile,
    *,
    quick: bool = False,
    cycles: int | None = None,
    warmup: int | None = None,
    curves: tuple[str, ...] = CURVES,
) -> Plan:
    """The full or quick plan, with optional overrides.

    Args:
        profile: The latency profile.
        quick: Tiny sizes, one cycle, no warm-up.
        cycles: Overrides the measured cycles per point.
        warmup: Overrides the warm-up cycles per point.
        curves: Subset of :data:`CURVES`.

    Returns:
        The plan.

    Raises:
        ValueError: An unknown curve.
    """
    unknown = set(curves) - set(CURVES)
    if unknown:
        raise ValueError(f"unknown curve(s) {sorted(unknown)}; valid: {', '.join(CURVES)}")
    if quick:
        plan = Plan(
            profile=profile,
            cycles=1,
            warmup=0,
            tools=(37, 50),
            layers=(2, 3),
            minds=(1, 2),
            recall=(200, 1_000),
            bridge_repeats=1,
            recall_queries=20,
            quick=True,
        )
    else:
        plan = Plan(
            profile=profile,
            cycles=5,
            warmup=1,
            tools=(37, 100, 200),
            layers=(3, 5, 9),
            minds=(1, 8, 32),
            recall=(1_000, 10_000, 100_000),
            bridge_repeats=3,
            recall_queries=200,
        )
    return replace(
        plan,
        cycles=plan.cycles if cycles is None else cycles,
        warmup=plan.warmup if warmup is None else warmup,
        curves=tuple(name for name in CURVES if name in curves),
    )
