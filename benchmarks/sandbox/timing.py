"""Percentiles in milliseconds, the same nearest-rank rule as the decision benchmark's."""

from __future__ import annotations

from benchmarks.decision.summary import percentile


def ms(seconds: float) -> float:
    """Seconds as milliseconds, to the microsecond."""
    return round(seconds * 1000, 3)


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds, and their count.

    Args:
        samples: Durations in seconds (at least one).

    Returns:
        ``{"p50_ms", "p95_ms", "n"}``.
    """
    return {
        "p50_ms": ms(percentile(samples, 0.5)),
        "p95_ms": ms(percentile(samples, 0.95)),
        "n": len(samples),
    }
