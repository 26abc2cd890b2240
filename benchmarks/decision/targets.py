"""The issue's targets, checked against the summaries; a target whose profile did not run is "not run"."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.decision.scenarios import HIERARCHICAL

Summaries = dict[str, dict[str, Any]]
"""Scenario name → figures from :func:`benchmarks.decision.summary.summarize`."""


@dataclass(frozen=True, kw_only=True)
class Target:
    """One target and whether it was met."""

    name: str
    """Short identifier."""
    goal: str
    """What must hold, in words."""
    measured: str
    """What was measured, in words ("not run" when its profile was skipped)."""
    met: bool | None
    """None when the profile it needs did not run."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON file."""
        return asdict(self)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def check_targets(nano: Summaries | None, fast: Summaries | None) -> list[Target]:
    """Evaluate every target of SC-003 and the comparison with plain smolagents.

    Args:
        nano: Summaries under the ``nano`` profile, or None when it did not run.
        fast: Summaries under the ``fast`` profile, or None.

    Returns:
        The targets, in the issue's order.
    """
    targets: list[Target] = []
    if fast is not None:
        p95 = fast["orchestra-dag"]["p95_s"]
        targets.append(
            Target(name="SC-003", goal="orchestra-dag p95 < 5 s (fast)", measured=f"{p95} s", met=p95 < 5.0)
        )
    else:
        targets.append(
            Target(name="SC-003", goal="orchestra-dag p95 < 5 s (fast)", measured="not run", met=None)
        )
    goals = [
        ("speedup", "orchestra-dag p50 >= 1.3x faster than smolagents-managed (nano)"),
        ("budget", "orchestra-dag budget the largest of the three hierarchical scenarios (nano)"),
        ("overhead", "orchestra-dag overhead p50 <= 0.5x smolagents-managed's (nano)"),
        ("wall-vs-model", "orchestra-dag wall within 5 % of its critical-path model time (nano, p50)"),
        ("tokens", "orchestra-dag prompt tokens per cycle <= 0.5x smolagents-flat's (nano)"),
    ]
    if nano is None:
        return targets + [Target(name=name, goal=goal, measured="not run", met=None) for name, goal in goals]
    dag, managed, flat = nano["orchestra-dag"], nano["smolagents-managed"], nano["smolagents-flat"]
    speedup = _ratio(managed["p50_s"], dag["p50_s"])
    budgets = {name: nano[name]["budget_base_s"] for name in HIERARCHICAL}
    best = max(budgets, key=lambda name: budgets[name] if budgets[name] is not None else -1.0)
    overhead = _ratio(dag["overhead_ms_p50"], managed["overhead_ms_p50"])
    over_model = dag["wall_over_model_pct_p50"]
    tokens = _ratio(dag["prompt_tokens"], flat["prompt_tokens"])
    measured = [
        (f"{speedup:.2f}x ({dag['p50_s']} s vs {managed['p50_s']} s)", speedup >= 1.3),
        (
            ", ".join(f"{name} {value} s" for name, value in budgets.items()),
            best == "orchestra-dag" and budgets["orchestra-dag"] is not None,
        ),
        (
            f"{overhead:.2f}x ({dag['overhead_ms_p50']} ms vs {managed['overhead_ms_p50']} ms)",
            overhead <= 0.5,
        ),
        (f"+{over_model} %", over_model is not None and over_model <= 5.0),
        (f"{tokens:.2f}x ({dag['prompt_tokens']} vs {flat['prompt_tokens']})", tokens <= 0.5),
    ]
    return targets + [
        Target(name=name, goal=goal, measured=value, met=met)
        for (name, goal), (value, met) in zip(goals, measured, strict=True)
    ]
