"""Per-scenario figures from measured cycles: percentiles, decomposition, tokens, cost, budget."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.common.cycle import CycleSample
from benchmarks.decision.budget import base_independent_s, budget_base_s
from benchmarks.server.latency_model import LatencyProfile

PRICE_INPUT_PER_M = 0.05
"""gpt-5-nano list price, USD per million input tokens."""
PRICE_OUTPUT_PER_M = 0.40
"""gpt-5-nano list price, USD per million output tokens."""
BUDGET_LIMIT_S = 5.0
"""SC-003: a decision within 5 seconds."""


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile used across orchestra's benchmarks.

    Args:
        samples: Values (at least one).
        fraction: 0.5 for the median, 0.95 for p95.

    Returns:
        The median for 0.5 (interpolated), else the value at rank ``round(fraction * (n - 1))``.
    """
    if fraction == 0.5:
        return float(statistics.median(samples))
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cost_per_1000_cycles(prompt_tokens: float, completion_tokens: float) -> float:
    """USD for 1,000 cycles at gpt-5-nano list prices.

    Args:
        prompt_tokens: Prompt tokens per cycle.
        completion_tokens: Completion tokens per cycle.

    Returns:
        Dollars.
    """
    return 1000 * (prompt_tokens * PRICE_INPUT_PER_M + completion_tokens * PRICE_OUTPUT_PER_M) / 1e6


def summarize(samples: list[CycleSample], profile: LatencyProfile) -> dict[str, Any]:
    """The figures the report shows for one scenario under one profile.

    Args:
        samples: Measured cycles (at least one).
        profile: The profile they ran under (its ``base_s`` feeds the budget).

    Returns:
        JSON-ready figures: seconds rounded to the millisecond, tokens per cycle as means.
    """
    wall = [sample.wall_s for sample in samples]
    overhead = [sample.overhead_s for sample in samples]
    p95 = percentile(wall, 0.95)
    critical_calls = round(statistics.median(sample.critical_calls for sample in samples))
    prompt = statistics.fmean(sample.prompt_tokens for sample in samples)
    completion = statistics.fmean(sample.completion_tokens for sample in samples)
    budget = budget_base_s(p95, critical_calls, profile.base_s, BUDGET_LIMIT_S)
    independent = base_independent_s(p95, critical_calls, profile.base_s)
    ratio = [sample.wall_s / sample.model_critical_s - 1 for sample in samples if sample.model_critical_s > 0]
    return {
        "cycles": len(samples),
        "p50_s": round(percentile(wall, 0.5), 3),
        "p95_s": round(p95, 3),
        "mean_s": round(statistics.fmean(wall), 3),
        "overhead_ms_p50": round(percentile(overhead, 0.5) * 1000, 1),
        "overhead_ms_p95": round(percentile(overhead, 0.95) * 1000, 1),
        "client_ms_p50": round(percentile([s.client_s for s in samples], 0.5) * 1000, 1),
        "framework_ms_p50": round(percentile([s.framework_s for s in samples], 0.5) * 1000, 1),
        "critical_path_model_s": round(percentile([s.model_critical_s for s in samples], 0.5), 3),
        "tool_ms_p50": round(percentile([s.tool_s for s in samples], 0.5) * 1000, 1),
        "tool_critical_ms_p50": round(percentile([s.tool_critical_s for s in samples], 0.5) * 1000, 1),
        "wall_over_model_pct_p50": round(percentile(ratio, 0.5) * 100, 1) if ratio else None,
        "breakdown_mean_s": {
            "model_critical_path": round(statistics.fmean(s.model_critical_s for s in samples), 4),
            "tools": round(statistics.fmean(s.tool_critical_s for s in samples), 4),
            "overhead": round(statistics.fmean(overhead), 4),
            "overhead_client": round(statistics.fmean(s.client_s for s in samples), 4),
            "overhead_framework": round(statistics.fmean(s.framework_s for s in samples), 4),
        },
        "llm_calls": round(statistics.median(sample.llm_calls for sample in samples)),
        "critical_path_calls": critical_calls,
        "root_steps": round(statistics.median(sample.root_steps for sample in samples)),
        "prompt_tokens": round(prompt),
        "completion_tokens": round(completion),
        "cost_per_1000_cycles_usd": round(cost_per_1000_cycles(prompt, completion), 4),
        "budget_base_s": round(budget, 3) if budget is not None else None,
        "base_independent_s": round(independent, 3),
        "budget_shortfall_s": round(max(0.0, independent - BUDGET_LIMIT_S), 3),
        "calls_by_agent": dict(sorted(samples[-1].calls_by_agent.items())),
        "tool_calls_per_cycle": len(samples[-1].tool_calls),
    }
