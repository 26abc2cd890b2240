"""The scale curves' cycles: the shared cycle runner, judged by counting requests per agent.

The measuring is the decision benchmark's (:mod:`benchmarks.common.cycle`); the check differs
because the curves' script is stateless (:class:`~benchmarks.common.routes.StepRouter`): a cycle
passes when the root succeeded in exactly the scripted number of steps, no request failed, and
each agent made exactly the expected number of requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from benchmarks.common.cycle import CycleFailed, CycleSample, Judge, cycle_problems, measure_cycles
from benchmarks.common.routes import StepRouter
from benchmarks.common.scenario import RootRun, Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.texts import heartbeat_task
from benchmarks.scale.plan import Plan
from benchmarks.server.request_log import RequestRecord

ROOT_STEPS = 5
"""Every curve's root decides in five steps, like the decision benchmark's."""


def scripted_work(expected_calls: Mapping[str, int]) -> Judge:
    """The curves' judge: five root steps, and exactly ``expected_calls`` requests per agent.

    Args:
        expected_calls: Agent → requests it must have made.

    Returns:
        ``(sample, result) -> problems``.
    """
    expected = dict(sorted(expected_calls.items()))

    def judge(sample: CycleSample, result: RootRun) -> list[str]:
        problems = []
        if result.root_steps != ROOT_STEPS:
            problems.append(f"root took {result.root_steps} steps, not {ROOT_STEPS}")
        if sample.calls_by_agent != expected:
            problems.append(f"requests by agent {sample.calls_by_agent}, expected {dict(expected_calls)}")
        return problems

    return judge


def check(
    sample: CycleSample,
    result: RootRun,
    records: Sequence[RequestRecord],
    expected_calls: Mapping[str, int],
    *,
    label: str = "cycle",
) -> None:
    """Fail unless the cycle did exactly the scripted work (for cycles run outside :func:`run_point`).

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
    problems = cycle_problems(result, records) + scripted_work(expected_calls)(sample, result)
    if problems:
        raise CycleFailed(f"{label}: " + "; ".join(problems))


def run_point(
    build: Callable[[str, ToolTimer], Scenario],
    router: StepRouter,
    expected_calls: Mapping[str, int],
    plan: Plan,
    *,
    label: str,
) -> list[CycleSample]:
    """One point of a curve: the heartbeat decision, ``plan.warmup`` then ``plan.cycles`` checked cycles.

    Args:
        build: ``(api_base, timer) -> scenario``; the scenario must instrument its tools with ``timer``.
        router: The server's script.
        expected_calls: Agent → requests per cycle.
        plan: Cycles, warm-up and profile.
        label: Names the point in errors.

    Returns:
        One sample per measured cycle.

    Raises:
        CycleFailed: When a cycle deviates from the script.
    """
    return measure_cycles(
        build,
        router,
        heartbeat_task(),
        plan.profile,
        cycles=plan.cycles,
        warmup=plan.warmup,
        label=label,
        judge=scripted_work(expected_calls),
    )
