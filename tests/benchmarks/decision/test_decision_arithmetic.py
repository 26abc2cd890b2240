"""The decision benchmark's arithmetic on synthetic numbers: intervals, critical path, budget, cost."""

from __future__ import annotations

import pytest

from benchmarks.common.intervals import merge, sequential_count, union_length
from benchmarks.decision.budget import base_independent_s, budget_base_s
from benchmarks.decision.scenarios import HIERARCHICAL
from benchmarks.decision.summary import cost_per_1000_cycles, percentile
from benchmarks.decision.targets import budget_verdict


class TestIntervals:
    """Union length and sequential-call count over request intervals."""

    def test_merge_joins_overlapping_and_touching_intervals(self) -> None:
        """Overlapping and touching intervals merge; empty ones are dropped."""
        assert merge([(3.0, 4.0), (0.0, 1.0), (0.5, 2.0), (2.0, 2.5), (5.0, 5.0)]) == [(0.0, 2.5), (3.0, 4.0)]

    def test_union_counts_concurrent_calls_once(self) -> None:
        """Two concurrent 1 s calls cover 1 s of wall time, not 2."""
        assert union_length([(0.0, 1.0), (0.0, 1.0)]) == pytest.approx(1.0)
        assert union_length([(0.0, 1.0), (0.5, 1.5), (2.0, 3.0)]) == pytest.approx(2.5)
        assert union_length([]) == 0.0

    def test_dag_shaped_cycle(self) -> None:
        """Root, two generations of two concurrent layers, the sink, four more root steps: 8 in a row."""
        root_1 = [(0.0, 1.0)]
        gen_1 = [(1.1, 2.0), (1.1, 2.2)]
        gen_2 = [(2.3, 3.0), (2.25, 3.1)]
        sink = [(3.2, 4.0)]
        root_rest = [(4.1, 5.0), (5.1, 6.0), (6.1, 7.0), (7.1, 8.0)]
        intervals = root_1 + gen_1 + gen_2 + sink + root_rest
        assert sequential_count(intervals) == 8
        assert union_length(intervals) == pytest.approx(1.0 + 1.1 + 0.85 + 0.8 + 3.6)

    def test_chain_counts_every_call(self) -> None:
        """Ten calls one after another are ten calls on the critical path."""
        assert sequential_count([(i, i + 0.9) for i in range(10)]) == 10

    def test_prefetch_overlapping_the_root_counts_once(self) -> None:
        """Layers started while the root's first call is in flight share its slot."""
        assert sequential_count([(0.0, 0.5), (0.0, 0.53), (0.01, 0.52), (0.6, 1.0)]) == 2


class TestBudget:
    """The largest base latency at which p95 fits the limit."""

    def test_solves_for_base(self) -> None:
        """p95 4 s with 8 calls at base 0.5 s: 0 s independent, so base may grow to 5/8 s."""
        assert budget_base_s(4.0, 8, 0.5) == pytest.approx(0.625)

    def test_independent_part_kept(self) -> None:
        """p95 6 s, 10 calls at 0.5 s: 1 s independent leaves 4 s for 10 calls."""
        assert budget_base_s(6.0, 10, 0.5) == pytest.approx(0.4)

    def test_none_when_even_zero_base_misses(self) -> None:
        """An independent part above the limit has no budget."""
        assert budget_base_s(7.0, 5, 0.2) is None

    def test_rejects_no_calls(self) -> None:
        """Without model calls on the critical path there is nothing to solve."""
        with pytest.raises(ValueError):
            budget_base_s(1.0, 0, 0.5)

    def test_independent_part(self) -> None:
        """p95 7 s with 5 calls at base 0.2 s: 6 s do not depend on the base."""
        assert base_independent_s(7.0, 5, 0.2) == pytest.approx(6.0)


def _summaries(
    budgets: dict[str, float | None], shortfalls: dict[str, float]
) -> dict[str, dict[str, object]]:
    return {
        name: {"budget_base_s": budgets[name], "budget_shortfall_s": shortfalls[name]}
        for name in HIERARCHICAL
    }


class TestBudgetVerdict:
    """The DAG must have the largest budget; a scenario without one ranks below any with one."""

    def test_largest_budget_wins(self) -> None:
        budgets = {"orchestra-dag": 0.26, "orchestra-chain": 0.11, "smolagents-managed": None}
        text, met = budget_verdict(_summaries(budgets, dict.fromkeys(HIERARCHICAL, 0.0)))
        assert met and "smolagents-managed none" in text

    def test_a_larger_competitor_fails_it(self) -> None:
        budgets = {"orchestra-dag": None, "orchestra-chain": 0.11, "smolagents-managed": None}
        assert budget_verdict(_summaries(budgets, dict.fromkeys(HIERARCHICAL, 0.0)))[1] is False

    def test_no_budget_anywhere_is_missed_and_ranked_by_shortfall(self) -> None:
        shortfalls = {"orchestra-dag": 4.1, "orchestra-chain": 7.0, "smolagents-managed": 12.5}
        text, met = budget_verdict(_summaries(dict.fromkeys(HIERARCHICAL), shortfalls))
        assert met is False
        assert "no base fits" in text and "closest: orchestra-dag" in text


class TestSummaryHelpers:
    """Percentiles and cost."""

    def test_percentiles(self) -> None:
        """p50 is the median; p95 is the nearest rank."""
        samples = [float(i) for i in range(1, 21)]
        assert percentile(samples, 0.5) == pytest.approx(10.5)
        assert percentile(samples, 0.95) == 19.0

    def test_cost_at_nano_prices(self) -> None:
        """1,000 cycles of 20k prompt and 1k completion tokens: $1.00 + $0.40."""
        assert cost_per_1000_cycles(20_000, 1_000) == pytest.approx(1.40)
