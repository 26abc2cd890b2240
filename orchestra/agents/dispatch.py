"""DAG-aware dispatch: when the root calls a layer, its upstream layers run first.

Within one cycle every layer runs at most once. Calling a layer schedules each of its ancestors
that has not started yet; each scheduled layer waits only for its own feeders, so the layers of a
topological generation run concurrently (each on its own agent instance: one instance shared by
parallel calls mixes state, smolagents #1781). The called layer gets its feeders' reports as
context and its modulators' reports from earlier cycles as priors. A failed layer reaches the
caller as ``LayerFailedError``, never as an ordinary answer.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog
from smolagents import MultiStepAgent
from smolagents.agents import populate_template
from smolagents.memory import ActionStep

from orchestra.agents.budget import RunBudget, partial_report
from orchestra.agents.metacognition import MetacognitionEvent, MetacognitionPolicy
from orchestra.errors import LayerFailedError, describe
from orchestra.graph import LayerGraph

log = structlog.get_logger(__name__)


@dataclass(kw_only=True)
class LayerResult:
    """One layer's run within a cycle."""

    layer: str
    """Layer name."""
    ok: bool
    """False when the layer raised or hit its step limit."""
    answer: str | None
    """The layer's final answer (None when it failed)."""
    error: str | None
    """Why it failed (None when ok)."""
    steps: int
    """Action steps the layer took."""
    input_tokens: int
    """Prompt tokens over all its model calls."""
    output_tokens: int
    """Completion tokens over all its model calls."""
    seconds: float
    """Wall time of the run."""
    started_at: float
    """``time.monotonic()`` when it started (for overlap analysis)."""
    ended_at: float
    """``time.monotonic()`` when it ended."""
    requested_by: str
    """``root`` when the root called it, else ``upstream:<layer>`` that needed it."""
    partial: bool = False
    """True when it ran out of its budget and ``answer`` is a partial report."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output and records."""
        return {
            "layer": self.layer,
            "ok": self.ok,
            "answer": self.answer,
            "error": self.error,
            "steps": self.steps,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "seconds": round(self.seconds, 4),
            "requested_by": self.requested_by,
            "partial": self.partial,
        }


@dataclass(kw_only=True)
class _Cycle:
    task: str
    priors: dict[str, dict[str, str]]
    deadline: float | None = None
    layer_budget_s: float | None = None
    futures: dict[str, Future[LayerResult]] = field(default_factory=dict)
    extra: list[LayerResult] = field(default_factory=list)
    """Runs beyond the one per layer: layers the metacognition policy asked again."""
    checked: set[str] = field(default_factory=set)
    """Layers whose report the policy has looked at (once per cycle)."""
    reported: dict[str, str | None] = field(default_factory=dict)
    """What the root receives for those layers (a requery appends to the report)."""
    lock: threading.Lock = field(default_factory=threading.Lock)


class Dispatcher:
    """Runs layer agents for the root, upstream first, memoized per cycle."""

    def __init__(
        self,
        graph: LayerGraph,
        agents: dict[str, MultiStepAgent],
        max_parallel: int | None = None,
        *,
        run_slots: dict[str, threading.Semaphore] | None = None,
        layer_budget_s: float | None = None,
        layer_max_tokens: int | None = None,
        policy: MetacognitionPolicy | None = None,
        escalate: Callable[[str], None] | None = None,
    ) -> None:
        """Dispatch for one hierarchy.

        Args:
            graph: the layer DAG.
            agents: layer name → its agent.
            max_parallel: layers run at once; all of a generation when None.
            run_slots: layer → a semaphore it holds for its whole run. Layers on a profile whose
                server serves few requests at once share one, so they run one after another and
                each keeps the server's prompt cache for its own steps instead of interleaving.
            layer_budget_s: seconds one layer run may take (within the cycle's deadline).
            layer_max_tokens: tokens one layer run may spend.
            policy: what to do when the watched layer reports low confidence.
            escalate: switches the hierarchy to a profile (the policy's ``escalate``).
        """
        self.policy = policy
        self.escalate = escalate
        self.events: list[MetacognitionEvent] = []
        """What the policy did in the current (or last) cycle."""
        self.layer_budget_s = layer_budget_s
        self.layer_max_tokens = layer_max_tokens
        self.graph = graph
        self.agents = agents
        self.run_slots = dict(run_slots or {})
        workers = max_parallel or max(1, len(agents))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orchestra-layer")
        self._cycle: _Cycle | None = None
        self.last_reports: dict[str, str] = {}
        """Each layer's most recent successful report, across cycles (the source of priors)."""

    # ------------------------------------------------------------------ cycle lifecycle

    def begin_cycle(
        self, task: str, *, deadline: float | None = None, layer_budget_s: float | None = None
    ) -> None:
        """Start a cycle: forget this cycle's memo, compute priors from earlier cycles' reports.

        Args:
            task: what layers run for when the root did not write their task itself (the
                prefetched sweep, and the ancestors of a layer the root calls): a layer task,
                never the root's own instructions (a heartbeat's Decision format is the root's).
            deadline: ``time.monotonic()`` every layer run of this cycle must end by.
            layer_budget_s: seconds one layer run may take in this cycle (else the dispatcher's own).
        """
        priors = {
            layer: {
                source: self.last_reports[source]
                for source in self.graph.modulators(layer)
                if source in self.last_reports
            }
            for layer in self.graph.layers
        }
        self.events = []
        self._cycle = _Cycle(
            task=task, priors=priors, deadline=deadline, layer_budget_s=layer_budget_s or self.layer_budget_s
        )

    def end_cycle(self) -> list[LayerResult]:
        """Finish the cycle: wait for stragglers, remember reports for next cycle's priors."""
        cycle = self._require_cycle()
        with cycle.lock:
            futures = dict(cycle.futures)
        results = [future.result() for future in futures.values()] + list(cycle.extra)
        for result in results:
            if result.ok and result.answer is not None:
                self.last_reports[result.layer] = result.answer
        self._cycle = None
        return sorted(results, key=lambda result: result.started_at)

    def close(self) -> None:
        """Stop the worker threads, without waiting for one still blocked on a model request.

        Such a thread belongs to a layer run already reported (failed at its deadline); waiting
        would hold the caller until the request's own timeout (30 s by default) although the
        result is out. Its late reply can do nothing: its executor refuses code past the deadline.
        """
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ dispatch

    def prefetch(self, layers: list[str]) -> None:
        """Start these layers' upstream sweeps now (e.g. while the root's first model call runs)."""
        cycle = self._require_cycle()
        for layer in layers:
            for ancestor in self._ancestors_in_order(layer):
                self._schedule(cycle, ancestor, requested_by=f"upstream:{layer}")

    def call(self, layer: str, task: str) -> str:
        """Run ``layer`` for the root's ``task`` (or reuse this cycle's report) and return its report.

        Raises:
            LayerFailedError: the layer raised or hit its step limit.
        """
        cycle = self._require_cycle()
        for ancestor in self._ancestors_in_order(layer):
            self._schedule(cycle, ancestor, requested_by=f"upstream:{layer}")
        with cycle.lock:
            future = cycle.futures.get(layer)
            owner = future is None
            if owner:
                future = Future()
                future.set_running_or_notify_cancel()
                cycle.futures[layer] = future
        assert future is not None
        if owner:
            future.set_result(self._run_layer(cycle, layer, task, requested_by="root"))
        result = future.result()
        if not result.ok:
            raise LayerFailedError(layer, result.error or "unknown error")
        agent = self.agents[layer]
        answer = result.answer
        if self.policy is not None:
            with cycle.lock:
                first = layer not in cycle.checked
                cycle.checked.add(layer)
            if first:
                cycle.reported[layer] = self._apply_policy(cycle, layer, task, answer)
            answer = cycle.reported.get(layer, answer)
        return populate_template(
            agent.prompt_templates["managed_agent"]["report"],
            variables={"name": layer, "final_answer": answer},
        )

    def _apply_policy(self, cycle: _Cycle, layer: str, task: str, answer: str | None) -> str | None:
        """Act on a low confidence in ``layer``'s report; returns the report the root receives."""
        assert self.policy is not None
        confidence = self.policy.fires(layer, answer)
        if confidence is None:
            return answer
        config = self.policy.config
        if config.then == "requery" and config.requery is not None:
            again = self._run_layer(
                cycle, config.requery, self.policy.requery_task(cycle.task, confidence), "metacognition"
            )
            cycle.extra.append(again)
            body = again.answer if again.ok else f"(FAILED: {again.error})"
            did = f"asked {config.requery} again ({'ok' if again.ok else 'failed'})"
            answer = (
                f"{answer}\n\n{config.requery}, asked again because confidence was {confidence:g}:\n{body}"
            )
        elif config.then == "escalate" and config.escalate_to is not None and self.escalate is not None:
            self.escalate(config.escalate_to)
            did = f"switched to profile {config.escalate_to} for the rest of the beat"
        else:
            did = "the beat rests instead of acting"
        event = self.policy.event(confidence, did)
        self.events.append(event)
        log.info("metacognition_policy", **event.to_dict())
        return answer

    def _ancestors_in_order(self, layer: str) -> list[str]:
        upstream = self.graph.upstream(layer)
        return [name for generation in self.graph.generations() for name in generation if name in upstream]

    def _schedule(self, cycle: _Cycle, layer: str, requested_by: str) -> None:
        with cycle.lock:
            if layer in cycle.futures:
                return
            cycle.futures[layer] = self._pool.submit(self._run_layer, cycle, layer, cycle.task, requested_by)

    def _require_cycle(self) -> _Cycle:
        if self._cycle is None:
            raise RuntimeError("no cycle in progress: call begin_cycle() first (Hierarchy.run does)")
        return self._cycle

    # ------------------------------------------------------------------ running one layer

    def _run_layer(self, cycle: _Cycle, layer: str, task: str, requested_by: str) -> LayerResult:
        feeders = {}
        for feeder in self.graph.feeders(layer):
            with cycle.lock:
                future = cycle.futures.get(feeder)
            if future is not None:
                feeders[feeder] = future.result()
        agent = self.agents[layer]
        full_task = populate_template(
            agent.prompt_templates["managed_agent"]["task"],
            variables={"name": layer, "task": _with_context(task, feeders, cycle.priors.get(layer, {}))},
        )
        started = time.monotonic()
        log.debug("layer_started", layer=layer, requested_by=requested_by, feeders=list(feeders))
        answer: str | None = None
        error: str | None = None
        slot = self.run_slots.get(layer) or contextlib.nullcontext()
        with slot:
            started = time.monotonic()
            budget = RunBudget.of(
                cycle_deadline=cycle.deadline, seconds=cycle.layer_budget_s, max_tokens=self.layer_max_tokens
            )
            budget.watch(agent)
            try:
                answer = str(agent.run(full_task, reset=True))
            except LayerFailedError as failure:
                error = failure.reason
            except Exception as failure:
                error = describe(failure)
            finally:
                budget.release(agent)
        if budget.exhausted is not None:
            answer, error = partial_report(agent, budget.exhausted), None
        ended = time.monotonic()
        steps = [step for step in agent.memory.steps if isinstance(step, ActionStep)]
        tokens = agent.monitor.get_total_token_counts()
        result = LayerResult(
            layer=layer,
            ok=error is None,
            answer=answer,
            error=error,
            steps=len(steps),
            input_tokens=tokens.input_tokens,
            output_tokens=tokens.output_tokens,
            seconds=ended - started,
            started_at=started,
            ended_at=ended,
            requested_by=requested_by,
            partial=budget.exhausted is not None,
        )
        log.debug("layer_finished", layer=layer, ok=result.ok, seconds=round(result.seconds, 3), error=error)
        return result


def _with_context(task: str, feeders: dict[str, LayerResult], priors: dict[str, str]) -> str:
    parts = [task.strip()]
    if feeders:
        parts.append("Reports from the layers that feed you (this cycle):")
        for name, result in feeders.items():
            body = result.answer if result.ok else f"(FAILED: {result.error})"
            parts.append(f"### {name}\n{body}")
    if priors:
        parts.append("Priors from higher layers (their last report, from an earlier cycle):")
        parts += [f"### {name}\n{report}" for name, report in priors.items()]
    return "\n\n".join(parts)
