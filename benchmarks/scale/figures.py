"""One point of a curve from its measured cycles: the figures every curve reports.

Kept small on purpose: latency p50/p95, the overhead as the decision benchmark defines it, model and
tool time, LLM calls and tokens per cycle. Curve-specific figures are added by each curve.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks.common.cycle import CycleSample
from benchmarks.decision.summary import percentile


def point_figures(samples: Sequence[CycleSample]) -> dict[str, Any]:
    """The common figures of one point.

    Args:
        samples: Measured cycles (at least one).

    Returns:
        JSON-ready figures: seconds rounded to the millisecond, overhead and tool time in
        milliseconds, counts as medians and tokens as means per cycle.
    """
    wall = [sample.wall_s for sample in samples]
    overhead = [sample.overhead_s for sample in samples]
    return {
        "cycles": len(samples),
        "p50_s": round(percentile(wall, 0.5), 3),
        "p95_s": round(percentile(wall, 0.95), 3),
        "overhead_ms_p50": round(percentile(overhead, 0.5) * 1000, 1),
        "overhead_ms_p95": round(percentile(overhead, 0.95) * 1000, 1),
        "model_critical_s_p50": round(percentile([s.model_critical_s for s in samples], 0.5), 3),
        "tool_ms_p50": round(percentile([s.tool_s for s in samples], 0.5) * 1000, 1),
        "llm_calls": round(statistics.median(sample.llm_calls for sample in samples)),
        "critical_path_calls": round(statistics.median(sample.critical_calls for sample in samples)),
        "prompt_tokens": round(statistics.fmean(sample.prompt_tokens for sample in samples)),
        "completion_tokens": round(statistics.fmean(sample.completion_tokens for sample in samples)),
        "tool_calls_per_cycle": round(statistics.median(len(sample.tool_calls) for sample in samples)),
        "calls_by_agent": dict(samples[-1].calls_by_agent),
        "prompt_tokens_by_agent": {
            agent: round(statistics.fmean(sample.prompt_tokens_by_agent.get(agent, 0) for sample in samples))
            for agent in samples[-1].prompt_tokens_by_agent
        },
    }
