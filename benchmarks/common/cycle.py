"""The one cycle runner both suites use: run a decision cycle, check it did the scripted work, decompose it.

Model time is the union of the cycle's request intervals as the server recorded them (same clock as
the wall time, ``time.monotonic()``), tool time comes from the :class:`ToolTimer`, and overhead is
what is left of the wall time once the union of both is taken out. Client-side model work (litellm
building the request, parsing the reply) therefore counts as overhead; when the run times the
models' ``generate`` (:class:`ModelTimer`), it is split out as ``client_s``, leaving ``framework_s``
for the agents' steps, code execution and dispatch.

What differs between the suites is a parameter: the :class:`CycleScript` (per-cycle queues or a
stateless step router), what else a cycle must satisfy (``judge``), and whether clients are timed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from benchmarks.common.intervals import Interval, sequential_count, union_length
from benchmarks.common.model_timer import ModelTimer
from benchmarks.common.scenario import RootRun, Scenario
from benchmarks.common.tool_timer import ToolCall, ToolTimer
from benchmarks.server.latency_model import LatencyProfile
from benchmarks.server.model_server import ModelServer
from benchmarks.server.reply_scripts import Messages
from benchmarks.server.request_log import RequestRecord


class CycleFailed(RuntimeError):
    """A cycle did not do the scripted work (a root failure, a failed request, unused or missing replies)."""


@dataclass(frozen=True, kw_only=True)
class CycleSample:
    """One measured cycle, decomposed."""

    wall_s: float
    """Wall time of the whole decision."""
    model_critical_s: float
    """Length of the union of the cycle's model-request intervals (server side)."""
    tool_s: float
    """Sum of the tool calls' durations."""
    tool_critical_s: float
    """Tool time not overlapped by any model request (what tools add to the wall time)."""
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
    client_s: float = 0.0
    """Part of the overhead spent inside the models' ``generate`` but outside the server's intervals
    (0 when the run did not time the clients)."""
    client_prompt_tokens: int = 0
    """Prompt tokens as the agents' clients counted them (should equal ``prompt_tokens``)."""
    client_completion_tokens: int = 0
    """Completion tokens as the agents' clients counted them (should equal ``completion_tokens``)."""
    calls_by_agent: dict[str, int] = field(default_factory=dict)
    """Requests per agent (``root`` or a layer name), found by system-prompt marker, sorted by agent."""
    prompt_tokens_by_agent: dict[str, int] = field(default_factory=dict)
    """Prompt tokens per agent over the cycle (the wide DAG's sink grows with its feeders)."""
    tool_calls: list[str] = field(default_factory=list)
    """Names of the tools called, in completion order."""

    @property
    def framework_s(self) -> float:
        """The rest of the overhead: ``wall - |generate U model U tools|``."""
        return self.overhead_s - self.client_s


class CycleScript(Protocol):
    """The model server's script, as the runner needs it: it also names agents and judges a cycle."""

    def reply(self, messages: Messages) -> str:
        """The reply to one request."""
        ...

    def agent_of(self, messages: Messages) -> str | None:
        """The agent that sent a request, else None."""
        ...

    def start_cycle(self) -> None:
        """Prepare the next cycle's replies."""
        ...

    def end_cycle(self) -> list[str]:
        """What the script saw go wrong in the cycle just run (and reset for the next one)."""
        ...


Judge = Callable[[CycleSample, RootRun], list[str]]
"""``(sample, result) -> problems``: what else a suite requires of a cycle."""


def decompose(
    result: RootRun,
    wall_s: float,
    records: Sequence[RequestRecord],
    calls: Sequence[ToolCall],
    agent_of: Callable[[Messages], str | None],
    generates: Sequence[Interval] = (),
) -> CycleSample:
    """One cycle's figures from its wall time, its requests, its tool calls and its clients' calls.

    Args:
        result: What the root returned.
        wall_s: Wall time of the cycle.
        records: The cycle's requests (only this cycle's, only this mind's).
        calls: The cycle's tool calls.
        agent_of: Names the agent of a request from its messages.
        generates: The clients' ``generate`` intervals; without them ``client_s`` is 0.

    Returns:
        The sample.
    """
    model = [(record.start, record.end) for record in records]
    tools = [(call.start, call.end) for call in calls]
    model_s = union_length(model)
    covered = union_length(model + tools)
    covered_by_clients = union_length(model + tools + list(generates))
    calls_by_agent: dict[str, int] = {}
    tokens_by_agent: dict[str, int] = {}
    for record in records:
        agent = agent_of(record.messages) or "unknown"
        calls_by_agent[agent] = calls_by_agent.get(agent, 0) + 1
        tokens_by_agent[agent] = tokens_by_agent.get(agent, 0) + record.prompt_tokens
    return CycleSample(
        wall_s=wall_s,
        model_critical_s=model_s,
        tool_s=sum(end - start for start, end in tools),
        tool_critical_s=covered - model_s,
        overhead_s=wall_s - covered,
        client_s=covered_by_clients - covered,
        llm_calls=len(records),
        critical_calls=sequential_count(model),
        prompt_tokens=sum(record.prompt_tokens for record in records),
        completion_tokens=sum(record.completion_tokens for record in records),
        root_steps=result.root_steps,
        client_prompt_tokens=result.client_prompt_tokens,
        client_completion_tokens=result.client_completion_tokens,
        calls_by_agent=dict(sorted(calls_by_agent.items())),
        prompt_tokens_by_agent=dict(sorted(tokens_by_agent.items())),
        tool_calls=[call.name for call in calls],
    )


def cycle_problems(result: RootRun, records: Sequence[RequestRecord]) -> list[str]:
    """What every suite refuses in a cycle: a failed root, a failed request.

    Args:
        result: What the root returned.
        records: The cycle's requests.

    Returns:
        The problems, empty when there are none.
    """
    problems = []
    if not result.ok:
        problems.append(f"root failed: {result.error}")
    failed = [record.error for record in records if record.status != 200]
    if failed:
        problems.append(f"failed requests: {failed}")
    return problems


def measure_cycle(
    scenario: Scenario,
    task: str,
    server: ModelServer,
    script: CycleScript,
    timer: ToolTimer,
    model_timer: ModelTimer,
    *,
    judge: Judge | None = None,
    label: str = "cycle",
) -> CycleSample:
    """Run one cycle of a built scenario and return it decomposed, or fail it.

    Args:
        scenario: The scenario, built against ``server``.
        task: The root's task.
        server: The model server serving ``script``.
        script: Prepares the cycle's replies and reports what it saw go wrong.
        timer: Times the scenario's tools.
        model_timer: Times the clients' ``generate`` (only while its ``timing`` block is active).
        judge: What else the cycle must satisfy.
        label: Names the cycle in the error.

    Returns:
        The sample.

    Raises:
        CycleFailed: The cycle deviated from the script.
    """
    script.start_cycle()
    server.reset_log()
    timer.take()
    model_timer.take()
    started = time.monotonic()
    result = scenario.run(task)
    wall = time.monotonic() - started
    records, calls, generates = server.requests, timer.take(), model_timer.take()
    problems = cycle_problems(result, records) + script.end_cycle()
    sample = decompose(result, wall, records, calls, script.agent_of, generates)
    if judge is not None:
        problems += judge(sample, result)
    if problems:
        raise CycleFailed(f"{label}: " + "; ".join(problems))
    return sample


def measure_cycles(
    build: Callable[[str, ToolTimer], Scenario],
    script: CycleScript,
    task: str,
    profile: LatencyProfile,
    *,
    cycles: int,
    warmup: int,
    seed: int = 0,
    label: str = "scenario",
    judge: Judge | None = None,
    time_clients: bool = False,
) -> list[CycleSample]:
    """Build a scenario against a fresh model server and measure ``cycles`` checked cycles.

    Args:
        build: ``(api_base, timer) -> scenario``; the scenario must instrument its tools with ``timer``.
        script: The server's script.
        task: The root's task.
        profile: The server's latency profile.
        cycles: Measured cycles.
        warmup: Unmeasured (but checked) cycles first: imports, connections, caches.
        seed: The server's jitter seed.
        label: Names the scenario in errors.
        judge: What else each cycle must satisfy.
        time_clients: Time every ``LiteLLMModel.generate`` to split the overhead into client and framework.

    Returns:
        One sample per measured cycle.

    Raises:
        CycleFailed: When a cycle deviates from the script.
    """
    samples = []
    with ModelServer(script, profile, seed=seed, model_name="bench") as server:
        timer, model_timer = ToolTimer(), ModelTimer()
        scenario = build(server.base_url, timer)
        try:
            with model_timer.timing() if time_clients else contextlib.nullcontext():
                for index in range(warmup + cycles):
                    sample = measure_cycle(
                        scenario,
                        task,
                        server,
                        script,
                        timer,
                        model_timer,
                        judge=judge,
                        label=f"{label}, cycle {index + 1}",
                    )
                    if index >= warmup:
                        samples.append(sample)
        finally:
            scenario.close()
    return samples
