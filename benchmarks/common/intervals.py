"""Interval arithmetic for the critical path: how much of a cycle model calls and tools cover.

Layer calls of one DAG generation run concurrently, so summing request durations would count the
same wall time twice; the length of the union counts it once. The number of model calls on the
critical path is the largest set of pairwise disjoint request intervals (calls that had to follow
one another), which counts one call per generation of concurrent layers.
"""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[float, float]
"""``(start, end)`` in ``time.monotonic()`` seconds."""


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping (or touching) intervals.

    Args:
        intervals: Any intervals, in any order; empty ones (end <= start) are dropped.

    Returns:
        Disjoint intervals, sorted by start.
    """
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def union_length(intervals: Iterable[Interval]) -> float:
    """Seconds covered by at least one interval.

    Args:
        intervals: Any intervals.

    Returns:
        The length of their union.
    """
    return sum(end - start for start, end in merge(intervals))


def sequential_count(intervals: Iterable[Interval]) -> int:
    """The largest number of pairwise disjoint intervals: calls that ran one after another.

    Greedy by earliest end, which is optimal for interval scheduling. Two calls that overlap at all
    (concurrent layers of a generation) count once.

    Args:
        intervals: Request intervals of one cycle.

    Returns:
        How many model calls lie on the critical path.
    """
    count, last_end = 0, float("-inf")
    for start, end in sorted(intervals, key=lambda interval: interval[1]):
        if start >= last_end:
            count, last_end = count + 1, end
    return count
