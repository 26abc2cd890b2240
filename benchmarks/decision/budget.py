"""The 5-second budget: the largest per-request ``base`` latency at which p95 still fits.

Method. The latency model charges every request ``base + prompt/prefill + completion/decode``
(:mod:`benchmarks.server.latency_model`). Along the critical path ``k`` requests run one after another, so a
cycle's wall time is ``k * base`` plus a part that does not depend on ``base`` (prefill, decode,
tools, framework overhead). From the measured p95 under a profile with base ``b``::

    independent = p95 - k * b
    budget      = (limit - independent) / k

Jitter scales ``base`` too (by at most ±jitter), which this ignores; the result is an estimate of
how slow a provider's fixed per-request latency may be before the scenario misses the limit.

When ``independent`` alone exceeds the limit (prefill and decode on the critical path take longer than
5 s whatever the provider's fixed latency), no base fits: the budget is None and the report gives the
shortfall ``independent - limit`` instead, which still ranks the scenarios by how close they come.
"""

from __future__ import annotations


def base_independent_s(p95_s: float, critical_calls: int, base_s: float) -> float:
    """The part of the p95 that does not depend on ``base``: ``p95 - k * base``.

    Args:
        p95_s: Measured p95 wall time of a cycle, in seconds.
        critical_calls: ``k``, model calls on the critical path.
        base_s: The ``base`` of the profile the p95 was measured under.

    Returns:
        Seconds of prefill, decode, tools and overhead along the critical path.
    """
    return p95_s - critical_calls * base_s


def budget_base_s(p95_s: float, critical_calls: int, base_s: float, limit_s: float = 5.0) -> float | None:
    """Solve ``independent + k * base <= limit`` for ``base``.

    Args:
        p95_s: Measured p95 wall time of a cycle, in seconds.
        critical_calls: ``k``, model calls on the critical path (sequential calls).
        base_s: The ``base`` of the profile the p95 was measured under.
        limit_s: The budget, 5 s for SC-003.

    Returns:
        The largest ``base`` in seconds (0 or more), or None when even ``base = 0`` misses the limit.

    Raises:
        ValueError: When ``critical_calls`` is not positive.
    """
    if critical_calls <= 0:
        raise ValueError(f"critical_calls must be > 0, got {critical_calls}")
    independent = base_independent_s(p95_s, critical_calls, base_s)
    if independent > limit_s:
        return None
    return (limit_s - independent) / critical_calls
