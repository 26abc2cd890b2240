"""DECIDE: the root CodeAgent with its layers, within the beat's deadline, or the fallback and why.

The root works on the heartbeat task; layers it did not brief get a layer task (the situation,
never the Decision format). Its final answer must be a checked Decision, or, with
``root.structured_decision``, its notes, from which one structured-output call writes the
Decision. When no language model can answer (only the offline policy is left), DECIDE stops at
once and says which models failed; past the deadline every agent is interrupted, in-flight
requests are cut off by the same deadline, and what each agent did until then stays in the
trace. In every case without a valid decision the procedural policy decides, and the reason is
recorded.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import structlog
from smolagents import Model

from orchestra.agents.hierarchy import ROOT_NAME, CycleResult, Hierarchy
from orchestra.agents.tool_calls import ToolCallLog
from orchestra.agents.trace import agent_execution
from orchestra.config import Config
from orchestra.heartbeat.decision import DECISION_FORMAT, Decision, PlannedAction, parse_decision
from orchestra.heartbeat.structured import NOTES_FORMAT, StructuredDecision, write_decision
from orchestra.models import FallbackModel
from orchestra.models.offline import OfflinePolicyModel
from orchestra.services.energy import ACTION_COSTS

log = structlog.get_logger(__name__)

GRACE_S = 2.0
"""After the deadline, how long DECIDE waits for interrupted agents to stop (their requests are
already bounded by the deadline), so their partial traces can be kept."""


@dataclass(kw_only=True)
class DecideOutcome:
    """What DECIDE produced for the rest of the beat."""

    decision: Decision | None
    """The model's decision, or None when the fallback must decide."""
    fallback_reason: str | None = None
    """Why there is no model decision."""
    cycle: CycleResult | None = None
    """The root's run, when it finished (also when it failed)."""
    trace: list[dict[str, Any]] = field(default_factory=list)
    """Every agent's steps and tool calls, also when the deadline cut the run short."""
    structured: StructuredDecision | None = None
    """The structured-output call, with ``root.structured_decision``."""
    seconds: float = 0.0
    """Wall time of DECIDE."""


class Decider:
    """Runs DECIDE for one heartbeat: the hierarchy on its own thread, bounded by the deadline."""

    def __init__(self, config: Config, hierarchy: Hierarchy, tool_log: ToolCallLog) -> None:
        self.config = config
        self.hierarchy = hierarchy
        self.tool_log = tool_log
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orchestra-decide")
        self._pending: Future[CycleResult] | None = None
        root_model = hierarchy.root.model
        if isinstance(root_model, FallbackModel):
            root_model.language_only = True  # the offline policy cannot write a decision

    def decide(
        self, observation: dict[str, Any], orientation: dict[str, Any], energy: int, goal_ids: list[str]
    ) -> DecideOutcome:
        """Run DECIDE once.

        Args:
            observation: OBSERVE's snapshot.
            orientation: ORIENT's goals, memories and last narrative.
            energy: the energy left.
            goal_ids: the open goals (the only ids a structured decision may name).
        """
        started = time.monotonic()
        outcome = self._decide(observation, orientation, energy, goal_ids)
        outcome.seconds = time.monotonic() - started
        return outcome

    def _decide(
        self, observation: dict[str, Any], orientation: dict[str, Any], energy: int, goal_ids: list[str]
    ) -> DecideOutcome:
        heartbeat = self.config.heartbeat
        if energy < heartbeat.rest_below:
            rest = Decision(
                reasoning=f"Energy {energy} is below {heartbeat.rest_below}: resting this beat.",
                emotional_state=0.0,
                confidence=1.0,
                actions=[PlannedAction(action="rest", reason="energy too low")],
            )
            return DecideOutcome(decision=rest)
        if isinstance(self.hierarchy.root.model, OfflinePolicyModel):
            return DecideOutcome(
                decision=None,
                fallback_reason="no language model answered (the root's profile is the offline policy)",
            )
        if self._pending is not None and not self._pending.done():
            return DecideOutcome(
                decision=None,
                fallback_reason="the previous beat's decision is still running past its deadline",
            )
        structured = self.config.root.structured_decision
        task = decide_task(observation, orientation, energy, heartbeat.instructions, structured=structured)
        answers_before = _answers(self.hierarchy.root.model)
        deadline_s = heartbeat.deadline_s
        future = self._thread.submit(
            self.hierarchy.run, task, layer_task=layer_task(observation, orientation), deadline_s=deadline_s
        )
        self._pending = future
        try:
            cycle = future.result(timeout=deadline_s)
        except FutureTimeout:
            return self._past_deadline(future, deadline_s)
        trace = self.trace(cycle)
        resting = _metacognitive_rest(cycle)
        if resting is not None:
            return DecideOutcome(decision=resting, cycle=cycle, trace=trace)
        if _no_language_model_answered(self.hierarchy.root.model, answers_before):
            reason = "no language model answered " + _model_failures(self.hierarchy.root.model)
            return DecideOutcome(decision=None, fallback_reason=reason, cycle=cycle, trace=trace)
        if structured:
            return self._structured(cycle, trace, observation, orientation, energy, goal_ids)
        if not cycle.ok:
            return DecideOutcome(
                decision=None, fallback_reason=f"the root failed: {cycle.error}", cycle=cycle, trace=trace
            )
        try:
            return DecideOutcome(decision=parse_decision(cycle.answer), cycle=cycle, trace=trace)
        except ValueError as invalid:
            reason = f"the root's answer was not a valid decision: {invalid}"
            return DecideOutcome(decision=None, fallback_reason=reason, cycle=cycle, trace=trace)

    def _structured(
        self,
        cycle: CycleResult,
        trace: list[dict[str, Any]],
        observation: dict[str, Any],
        orientation: dict[str, Any],
        energy: int,
        goal_ids: list[str],
    ) -> DecideOutcome:
        """Write the Decision from the root's notes (or, when it failed, from how far it got)."""
        if cycle.ok:
            notes = str(cycle.answer)
        else:
            notes = f"(the root did not finish: {cycle.error}; decide from the situation)"
        situation = "\n\n".join([*situation_paragraphs(observation, orientation), _energy_line(energy)])
        written = write_decision(self.hierarchy.root_model(cycle), situation, notes, goal_ids)
        if written.decision is None:
            reason = f"the structured decision failed: {written.error}"
            return DecideOutcome(
                decision=None, fallback_reason=reason, cycle=cycle, trace=trace, structured=written
            )
        return DecideOutcome(decision=written.decision, cycle=cycle, trace=trace, structured=written)

    def _past_deadline(self, future: Future[CycleResult], deadline_s: float) -> DecideOutcome:
        """Interrupt every agent, give them a moment to stop, and keep what they did."""
        self.hierarchy.root.interrupt()
        for agent in self.hierarchy.layers.values():
            agent.interrupt()
        reason = f"DECIDE passed its {deadline_s:g}s deadline; the root was interrupted"
        try:
            cycle: CycleResult | None = future.result(timeout=GRACE_S)
        except FutureTimeout:
            cycle = None
        trace = self.trace(cycle) if cycle is not None else self._live_trace(reason)
        return DecideOutcome(decision=None, fallback_reason=reason, cycle=cycle, trace=trace)

    def trace(self, cycle: CycleResult) -> list[dict[str, Any]]:
        """Every agent of the cycle as an execution record: steps, code, tool calls, tokens."""
        executions = [
            agent_execution(
                self.hierarchy.root, name=ROOT_NAME, log=self.tool_log, ok=cycle.ok, error=cycle.error
            )
        ]
        latest = {layer.layer: layer for layer in cycle.layers}  # a layer asked again: its last run
        for layer in latest.values():
            agent = self.hierarchy.layers[layer.layer]
            executions.append(
                agent_execution(agent, name=layer.layer, log=self.tool_log, ok=layer.ok, error=layer.error)
            )
        return [execution.to_dict() for execution in executions]

    def _live_trace(self, reason: str) -> list[dict[str, Any]]:
        """The agents' records as they stand, for a run that has not stopped yet."""
        agents = [(ROOT_NAME, self.hierarchy.root), *self.hierarchy.layers.items()]
        return [
            agent_execution(agent, name=name, log=self.tool_log, ok=False, error=reason).to_dict()
            for name, agent in agents
            if agent.memory.steps
        ]

    def close(self) -> None:
        """Stop the decide thread (a run past its deadline is not waited for)."""
        self._thread.shutdown(wait=False, cancel_futures=True)


def situation_paragraphs(observation: dict[str, Any], orientation: dict[str, Any]) -> list[str]:
    """What OBSERVE and ORIENT found: the paragraphs the root's and the layers' tasks open with."""
    return [
        f"Observation: {json.dumps(observation, default=str)}",
        f"Goals: {json.dumps(orientation['goals'], default=str)[:3000]}",
        f"Recent memories: {json.dumps(orientation['recent_memories'])[:2000]}",
        f"Identity: {json.dumps(orientation['identity_memories'])[:1000]}",
        f"Last beat: {orientation['last_narrative'] or '(none)'}",
    ]


def _energy_line(energy: int) -> str:
    costs = ", ".join(f"{action}={cost}" for action, cost in ACTION_COSTS.items())
    return f"Energy: {energy}. Action costs: {costs}."


def decide_task(
    observation: dict[str, Any],
    orientation: dict[str, Any],
    energy: int,
    instructions: str | None,
    *,
    structured: bool = False,
) -> str:
    """The root's task: the situation, the energy and costs, and what it must finish with."""
    parts = [
        "Heartbeat: decide what this mind does now.",
        *situation_paragraphs(observation, orientation),
        _energy_line(energy),
        NOTES_FORMAT if structured else DECISION_FORMAT,
    ]
    if instructions:
        parts.append(instructions)
    return "\n\n".join(parts)


def layer_task(observation: dict[str, Any], orientation: dict[str, Any]) -> str:
    """A layer's task in a beat: the situation to report on from its own role, no Decision format."""
    return "\n\n".join(
        [
            "Heartbeat: report on the mind's current situation from your layer's point of view; "
            "the root decides what to do with your report.",
            *situation_paragraphs(observation, orientation),
        ]
    )


def _metacognitive_rest(cycle: CycleResult) -> Decision | None:
    """The rest decision when the metacognition policy said the beat should rest, else None."""
    event = next((event for event in cycle.metacognition if event.then == "rest"), None)
    if event is None:
        return None
    return Decision(
        reasoning=f"Metacognition: {event.layer} reported confidence {event.confidence:g}, below "
        f"{event.below:g}, so this beat rests instead of acting on an untrusted picture.",
        emotional_state=0.0,
        confidence=event.confidence,
        actions=[PlannedAction(action="rest", reason="low metacognitive confidence")],
    )


def _answers(model: Model) -> dict[str, int]:
    return dict(model.answered_by) if isinstance(model, FallbackModel) else {}


def _no_language_model_answered(model: Model, before: dict[str, int]) -> bool:
    """True when no language model of the root's chain answered in this run (at most the offline
    policy did, or the chain stopped before it)."""
    if isinstance(model, OfflinePolicyModel):
        return True
    if not isinstance(model, FallbackModel):
        return False
    offline = {health.name for health, link in model.chain if isinstance(link, OfflinePolicyModel)}
    new = {name: count - before.get(name, 0) for name, count in model.answered_by.items()}
    used = {name for name, count in new.items() if count > 0}
    return used <= offline and any(health.last_error for health, _ in model.chain)


def _model_failures(model: Model) -> str:
    if not isinstance(model, FallbackModel):
        return "(the offline policy cannot write decisions)"
    failures = [f"{health.name}: {health.last_error}" for health, _ in model.chain if health.last_error]
    return f"({'; '.join(failures)})" if failures else "(the offline policy cannot write decisions)"
