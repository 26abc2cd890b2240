"""What a code step costs in the sandbox over the same step in-process, with a warm worker.

The two executors take turns on the same snippet (local first on even steps, the sandbox first on
odd ones), so load from elsewhere on the machine and the interpreter's own drift land on both.
Every pair must give the same output: a step that failed or answered differently would be
measuring something else.
"""

from __future__ import annotations

import statistics
import time

import structlog
from smolagents.local_python_executor import PythonExecutor

from benchmarks.sandbox.steps import SNIPPETS, local_executor, sandbox_executor
from benchmarks.sandbox.timing import ms, summary_ms
from orchestra.sandbox import Isolation, Limits

log = structlog.get_logger(__name__)


class StepMismatch(RuntimeError):
    """The two executors answered one snippet differently."""


def _timed(executor: PythonExecutor, code: str) -> tuple[float, object]:
    started = time.perf_counter()
    output = executor(code).output
    return time.perf_counter() - started, output


def step_cost(isolation: Isolation, limits: Limits, *, steps: int, warmup: int) -> dict[str, object]:
    """p50 and p95 of a code step in each executor, and what the sandbox adds.

    Args:
        isolation: The sandbox's mechanism.
        limits: The sandbox's limits (and the local executor's output cap).
        steps: Measured steps per executor.
        warmup: Unmeasured steps per executor first (the worker's start, first-call caches).

    Returns:
        ``local`` and ``sandbox`` summaries, ``added_ms_p50`` / ``added_ms_p95`` (sandbox - local
        of each percentile) and ``paired_added_ms_p50`` (median of the per-pair differences).

    Raises:
        StepMismatch: When a pair's outputs differ.
    """
    local, sandbox = local_executor(limits), sandbox_executor(isolation, limits)
    times: dict[str, list[float]] = {"local": [], "sandbox": []}
    try:
        for index in range(warmup + steps):
            code = SNIPPETS[index % len(SNIPPETS)]
            order = [("local", local), ("sandbox", sandbox)]
            if index % 2:
                order.reverse()
            outputs = {}
            for name, executor in order:
                elapsed, outputs[name] = _timed(executor, code)
                if index >= warmup:
                    times[name].append(elapsed)
            if outputs["local"] != outputs["sandbox"]:
                raise StepMismatch(
                    f"{code!r}: local gave {outputs['local']!r}, sandbox {outputs['sandbox']!r}"
                )
    finally:
        sandbox.cleanup()
    local_ms, sandbox_ms = summary_ms(times["local"]), summary_ms(times["sandbox"])
    paired = [box - here for here, box in zip(times["local"], times["sandbox"], strict=True)]
    log.info("step_cost_measured", mechanism=isolation.mechanism, steps=steps)
    return {
        "mechanism": isolation.mechanism,
        "steps": steps,
        "warmup": warmup,
        "local": local_ms,
        "sandbox": sandbox_ms,
        "added_ms_p50": round(sandbox_ms["p50_ms"] - local_ms["p50_ms"], 3),
        "added_ms_p95": round(sandbox_ms["p95_ms"] - local_ms["p95_ms"], 3),
        "paired_added_ms_p50": ms(statistics.median(paired)),
    }
