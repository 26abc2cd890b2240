"""Measure decision cycles against a :class:`StepRouter`: check each did the scripted work, decompose it.

The decomposition is the decision benchmark's (:mod:`benchmarks.decision.runner`): model time is the
union of the cycle's request intervals as the server recorded them, tool time comes from the
:class:`~benchmarks.common.tool_timer.ToolTimer`, and overhead is what is left of the wall time
once the union of both is taken out. The check differs because the script is stateless: a cycle
passes when the root succeeded in exactly the scripted number of steps, no request failed, and each
agent made exactly the expected number of requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from benchmarks.common.intervals import sequential_count, union_length
from benchmarks.common.routes import StepRouter
from benchmarks.common.tool_timer import ToolCall, ToolTimer
from benchmarks.decision.scenarios import RootRun, Scenario
from benchmarks.server.latency_model import LatencyProfile
from benchmarks.server.model_server import ModelServer
from benchmarks.server.request_log import RequestRecord

ROOT_STEPS = 5
"""Every curve's root decides in five steps, like the decision benchmark's."""


class CycleFailed(RuntimeError):
    """A cycle did not do the scripted work (a root failure, a failed request, a wrong request count)."""


@dataclass(frozen=True, kw_only=True)
class ScaleSample:
    """One measured cycle, decomposed as the decision benchmark decomposes its cycles."""

    wall_s: float
    """Wall time of the whole decision."""
    model_critical_s: float
    """Length of the union of the cycle's model-request intervals (server side)."""
    tool_s: float
    """Sum of the tool calls' durations."""
    tool_critical_s: float
    """Tool time not overlapped by any model request."""
    overhead_s: float
    """``wall - |model U tools|``: the framework's own time, client HTTP work included."""
    llm_calls: int
    """Chat-completion requests."""
    critical_calls: int
    """Model calls on the critical path (concurrent calls count once)."""
    prompt_tokens: int
    """Sum of the server's prompt-token counts."""
    completion_tokens: int
    """Sum of the server's completion-token counts."""
    root_steps: int
    """The root's action steps."""
    calls_by_agent: dict[str, int] = field(default_factory=dict)
    """Requests per agent (``root`` or a layer name)."""
    prompt_tokens_by_agent: dict[str, int] = field(default_factory=dict)
    """Prompt tokens per agent over the cycle (the wide DAG's sink grows with its feeders)."""
    tool_calls: list[str] = field(default_factory=list)
    """Names of the tools called, in completion order."""


def decompose(
    result: RootRun,
    wall_s: float,
    records: Sequence[RequestRecord],
    calls: Sequence[ToolCall],
    router: StepRouter,
) -> ScaleSample:
    """One cycle's figures from its wall time, its requests and its tool calls.

    Args:
        result: What the root returned.
        wall_s: Wall time of the cycle.
        records: The cycle's requests (only this cycle's, only this mind's).
        calls: The cycle's tool calls.
        router: Names the agent of each request.

    Returns:
        The sample (same fields and definitions as the decision benchmark's).
    """
    model = [(record.start, record.end) for record in records]
    tools = [(call.start, call.end) for call in calls]
    model_s = union_length(model)
    covered = union_length(model + tools)
    by_agent: dict[str, int] = {}
    for record in records:
        agent = router.agent_of(record.messages) or "unknown"
        by_agent[agent] = by_agent.get(agent, 0) + record.prompt_tokens
    return ScaleSample(
        wall_s=wall_s,
        model_critical_s=model_s,
        tool_s=sum(end - start for start, end in tools),
        tool_critical_s=covered - model_s,
        overhead_s=wall_s - covered,
        llm_calls=len(records),
        critical_calls=sequential_count(model),
        prompt_tokens=sum(record.prompt_tokens for record in records),
        completion_tokens=sum(record.completion_tokens for record in records),
        root_steps=result.root_steps,
        calls_by_agent=router.calls_by_agent(records),
        prompt_tokens_by_agent=dict(sorted(by_agent.items())),
        tool_calls=[call.name for call in calls],
    )


def check(
    sample: ScaleSample,
    result: RootRun,
    records: Sequence[RequestRecord],
    expected_calls: Mapping[str, int],
    *,
    label: str = "cycle",
) -> None:
    """Fail unless the cycle did exactly the scripted work.

    Args:
        sample: The decomposed cycle.
        result: What the root returned.
        records: The cycle's requests.
        expected_calls: Agent → requests it must have made.
        label: Names the cycle (a mind, a size) in the error.

    Raises:
        CycleFailed: The root failed or took another number of steps, a request failed, or an agent
            made more or fewer requests than scripted.
    """
    failed = [record.error for record in records if record.status != 200]
    problems = []
    if not result.ok:
        problems.append(f"root failed: {result.error}")
    if result.root_steps != ROOT_STEPS:
        problems.append(f"root took {result.root_steps} steps, not {ROOT_STEPS}")
    if failed:
        problems.append(f"failed requests: {failed}")
    if sample.calls_by_agent != dict(sorted(expected_calls.items())):
        problems.append(f"requests by agent {sample.calls_by_agent}, expected {dict(expected_calls)}")
    if problems:
        raise CycleFailed(f"{label}: " + "; ".join(problems))


def run_cycles(
    build: Callable[[str, ToolTimer], Scenario],
    router: StepRouter,
    expected_calls: Mapping[str, int],
    task: str,
    profile: LatencyProfile,
    *,
    cycles: int,
    warmup: int,
    seed: int = 0,
    label: str = "scenario",
) -> list[ScaleSample]:
    """Build a scenario against a fresh model server and measure ``cycles`` checked cycles.

    Args:
        build: ``(api_base, timer) -> scenario``; the scenario must instrument its tools with ``timer``.
        router: The server's script.
        expected_calls: Agent → requests per cycle.
        task: The root's task.
        profile: The server's latency profile.
        cycles: Measured cycles.
        warmup: Unmeasured (but checked) cycles first.
        seed: The server's jitter seed.
        label: Names the scenario in errors.

    Returns:
        One sample per measured cycle.

    Raises:
        CycleFailed: When a cycle deviates from the script.
    """
    samples = []
    with ModelServer(router, profile, seed=seed, model_name="bench") as server:
        timer = ToolTimer()
        scenario = build(server.base_url, timer)
        try:
            for index in range(warmup + cycles):
                server.reset_log()
                timer.take()
                started = time.monotonic()
                result = scenario.run(task)
                wall = time.monotonic() - started
                records = server.requests
                sample = decompose(result, wall, records, timer.take(), router)
                check(sample, result, records, expected_calls, label=f"{label}, cycle {index + 1}")
                if index >= warmup:
                    samples.append(sample)
        finally:
            scenario.close()
    return samples
