"""The decision benchmark's DAG with its agent code in-process and in the sandbox.

Runs ``orchestra-dag`` (:mod:`benchmarks.decision`) under the ``instant`` latency profile, where
model replies cost nothing, so what is left of a cycle is the framework's own time and the
sandbox's share of it shows. The two executors take turns by rounds, each round a fresh server,
store and hierarchy, and the figures are the decision benchmark's own (:func:`summarize`).
"""

from __future__ import annotations

import structlog

from benchmarks.common.cycle import CycleSample
from benchmarks.decision.runner import run_scenario
from benchmarks.decision.summary import summarize
from benchmarks.server.latency_model import INSTANT

log = structlog.get_logger(__name__)

SCENARIO = "orchestra-dag"
EXECUTORS = ("local", "sandbox")
ROW = (
    "p50_s",
    "p95_s",
    "overhead_ms_p50",
    "overhead_ms_p95",
    "client_ms_p50",
    "framework_ms_p50",
    "tool_ms_p50",
    "llm_calls",
    "tool_calls_per_cycle",
)
"""The fields of the decision benchmark's summary reported here."""
ADDED = ("overhead_ms_p50", "overhead_ms_p95", "framework_ms_p50")
"""The fields whose sandbox - local difference is reported."""


def decision_overhead(*, mechanism: str, cycles: int, rounds: int, warmup: int) -> dict[str, object]:
    """The DAG's overhead row with each executor, and what the sandbox adds to it.

    Args:
        mechanism: ``agents.isolation`` of the sandbox runs (``bubblewrap`` or ``rlimits``).
        cycles: Measured cycles per executor and round.
        rounds: Rounds; each runs both executors, in alternating order.
        warmup: Unmeasured cycles at the start of each run.

    Returns:
        ``rows`` (executor → the summary's :data:`ROW` fields over all its cycles) and ``added``
        (sandbox - local of the :data:`ADDED` fields, ms).
    """
    samples: dict[str, list[CycleSample]] = {executor: [] for executor in EXECUTORS}
    for round_index in range(rounds):
        order = EXECUTORS if round_index % 2 == 0 else tuple(reversed(EXECUTORS))
        for executor in order:
            overrides = [f"agents.executor={executor}", f"agents.isolation={mechanism}"]
            samples[executor] += run_scenario(
                SCENARIO, INSTANT, cycles=cycles, warmup=warmup, overrides=overrides
            )
    rows = {}
    for executor, measured in samples.items():
        summary = summarize(measured, INSTANT)
        rows[executor] = {field: summary[field] for field in ROW} | {"cycles": len(measured)}
    added = {field: round(rows["sandbox"][field] - rows["local"][field], 1) for field in ADDED}
    log.info("decision_overhead_measured", mechanism=mechanism, cycles=cycles * rounds)
    return {
        "scenario": SCENARIO,
        "profile": INSTANT.name,
        "mechanism": mechanism,
        "cycles_per_round": cycles,
        "rounds": rounds,
        "warmup": warmup,
        "rows": rows,
        "added": added,
    }
