"""Run one scenario under one latency profile: warm-up, then measured cycles, each decomposed.

Each cycle gets its replies pushed onto the server's per-agent queues just before it starts, and
must consume them all: an agent that took more or fewer steps than scripted fails the run rather
than being measured. Model time comes from the server's own request records (same clock as the
wall time, ``time.monotonic()``), tool time from the :class:`ToolTimer`, and overhead is what is
left of the wall time once the union of both is taken out. Client-side model work (litellm building
the request, parsing the reply) therefore counts as overhead; the :class:`ModelTimer` splits it out as
``client_s``, leaving ``framework_s`` for the agents' steps, code execution and dispatch.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from benchmarks.common.intervals import sequential_count, union_length
from benchmarks.common.model_timer import ModelTimer
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import RootRun, build_scenario
from benchmarks.decision.store import seed_store
from benchmarks.decision.texts import (
    DAG_STEP_1,
    FLAT_STEP_1,
    LAYER_MARKERS,
    LAYERS,
    MANAGED_STEP_1,
    ROOT_MARKER,
    heartbeat_task,
    layer_reply,
    root_replies,
)
from benchmarks.server.latency_model import LatencyProfile
from benchmarks.server.model_server import ModelServer
from benchmarks.server.reply_scripts import RoutedScript, message_text
from benchmarks.server.request_log import RequestRecord

log = structlog.get_logger(__name__)

ROOT_AGENT = "root"


class CycleFailed(RuntimeError):
    """A cycle did not do the scripted work (an error, a failed request, unused or missing replies)."""


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
    client_s: float
    """Part of the overhead spent inside the models' ``generate`` but outside the server's intervals."""
    framework_s: float
    """The rest of the overhead: ``wall - |generate U model U tools|``."""
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
    client_prompt_tokens: int
    """Prompt tokens as the agents' clients counted them (should equal ``prompt_tokens``)."""
    client_completion_tokens: int
    """Completion tokens as the agents' clients counted them (should equal ``completion_tokens``)."""
    calls_by_agent: dict[str, int] = field(default_factory=dict)
    """Requests per agent (``root`` or a layer name), found by system-prompt marker."""
    tool_calls: list[str] = field(default_factory=list)
    """Names of the tools called, in completion order."""


def replies_for(scenario: str) -> dict[str, list[str]]:
    """The replies one cycle of ``scenario`` consumes, by route marker.

    Args:
        scenario: A scenario name.

    Returns:
        Marker → replies; layers get one reply each, the flat scenario has no layer routes.
    """
    step_1 = {"smolagents-managed": MANAGED_STEP_1, "smolagents-flat": FLAT_STEP_1}.get(scenario, DAG_STEP_1)
    replies = {ROOT_MARKER: root_replies(step_1)}
    if scenario != "smolagents-flat":
        replies |= {LAYER_MARKERS[name]: [layer_reply(name)] for name in LAYERS}
    return replies


def agent_of(record: RequestRecord) -> str:
    """Which agent sent a request: ``root`` or a layer name (by the marker in its system prompt).

    Args:
        record: A server request record.

    Returns:
        The agent, or ``unknown``.
    """
    system = " ".join(message_text(m) for m in record.messages if m.get("role") in ("system", "developer"))
    if ROOT_MARKER in system:
        return ROOT_AGENT
    return next((name for name, marker in LAYER_MARKERS.items() if marker in system), "unknown")


def run_scenario(
    scenario: str, profile: LatencyProfile, *, cycles: int, warmup: int, seed: int = 0
) -> list[CycleSample]:
    """Run ``warmup + cycles`` cycles of a scenario against a fresh server and store.

    Args:
        scenario: A scenario name.
        profile: The server's latency profile.
        cycles: Measured cycles.
        warmup: Unmeasured cycles first (imports, connections, caches).
        seed: Seed of the server's jitter.

    Returns:
        One sample per measured cycle.

    Raises:
        CycleFailed: When any cycle deviates from the script.
    """
    per_cycle = replies_for(scenario)
    script = RoutedScript({marker: [] for marker in per_cycle})
    task = heartbeat_task()
    samples: list[CycleSample] = []
    with tempfile.TemporaryDirectory(prefix="decision-bench-") as directory:
        store = seed_store(Path(directory) / "store.db")
        with ModelServer(script, profile, seed=seed, model_name="bench") as server:
            timer, model_timer = ToolTimer(), ModelTimer()
            built = build_scenario(scenario, api_base=server.base_url, store_path=store, timer=timer)
            try:
                with model_timer.timing():
                    for index in range(warmup + cycles):
                        sample = _cycle(built.run, task, server, script, per_cycle, timer, model_timer)
                        if index >= warmup:
                            samples.append(sample)
            finally:
                built.close()
    log.info("scenario_measured", scenario=scenario, profile=profile.name, cycles=len(samples))
    return samples


def _cycle(
    run: Callable[[str], RootRun],
    task: str,
    server: ModelServer,
    script: RoutedScript,
    per_cycle: dict[str, list[str]],
    timer: ToolTimer,
    model_timer: ModelTimer,
) -> CycleSample:
    for marker, replies in per_cycle.items():
        script.queue(marker).push(*replies)
    server.reset_log()
    timer.take()
    model_timer.take()
    started = time.monotonic()
    result = run(task)
    wall = time.monotonic() - started
    records, calls, generates = server.requests, timer.take(), model_timer.take()
    left = {marker: script.queue(marker).remaining for marker in per_cycle}
    failed = [record for record in records if record.status != 200]
    if not result.ok or failed or any(left.values()):
        for marker in per_cycle:  # drop what this cycle left, so the next one starts clean
            while script.queue(marker).remaining:
                script.queue(marker).reply([])
        raise CycleFailed(
            f"error={result.error!r}, failed requests={[r.error for r in failed]}, unused replies={left}"
        )
    model = [(record.start, record.end) for record in records]
    tools = [(call.start, call.end) for call in calls]
    model_s = union_length(model)
    covered = union_length(model + tools)
    covered_by_clients = union_length(model + tools + generates)
    return CycleSample(
        wall_s=wall,
        model_critical_s=model_s,
        tool_s=sum(end - start for start, end in tools),
        tool_critical_s=covered - model_s,
        overhead_s=wall - covered,
        client_s=covered_by_clients - covered,
        framework_s=wall - covered_by_clients,
        llm_calls=len(records),
        critical_calls=sequential_count(model),
        prompt_tokens=sum(record.prompt_tokens for record in records),
        completion_tokens=sum(record.completion_tokens for record in records),
        root_steps=result.root_steps,
        client_prompt_tokens=result.client_prompt_tokens,
        client_completion_tokens=result.client_completion_tokens,
        calls_by_agent=dict(Counter(agent_of(record) for record in records)),
        tool_calls=[call.name for call in calls],
    )
