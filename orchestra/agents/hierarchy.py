"""The ThoughtSeed hierarchy: layer agents under a root CodeAgent, built once from a config.

The root ("consciousness") is a smolagents ``CodeAgent`` whose ``managed_agents`` are the layer
agents. The layer agents are ordinary ``CodeAgent``/``ToolCallingAgent`` instances except for two
things: calling one from the root goes through the :class:`~orchestra.agents.dispatch.Dispatcher` (so
upstream layers run first, concurrently, once per cycle), and hitting the step limit raises
instead of asking the model for a best-effort answer that would look like success.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import structlog
from smolagents import ChatMessage, CodeAgent, LogLevel, Model, MultiStepAgent, Tool, ToolCallingAgent
from smolagents.memory import ActionStep

from layers import layer_defaults
from orchestra.agents.budget import RunBudget
from orchestra.agents.context import bound_step_error, replay
from orchestra.agents.dispatch import Dispatcher, LayerResult
from orchestra.agents.executors import bound_code_by_deadline, build_executor, end_run, prestart
from orchestra.agents.metacognition import MetacognitionEvent, MetacognitionPolicy
from orchestra.agents.prompts import code_agent_templates, code_system_prompt
from orchestra.agents.tool_calls import ToolCallLog, traced
from orchestra.config import Config
from orchestra.config.references import ROOT_NAME as ROOT_NAME  # re-exported: the root's name
from orchestra.errors import ConfigError, LayerFailedError, describe
from orchestra.graph import LayerGraph
from orchestra.models import AgentSpec, FallbackModel, ModelFactory, ProfileModelFactory, bound_by_deadline
from orchestra.models.profiles import profile_slots
from orchestra.tools import ToolRegistry, load_tool_sources

log = structlog.get_logger(__name__)



class _PromptMixin:
    """What every orchestra agent's prompt does differently from smolagents' default.

    The system prompt is rendered once per tool set (smolagents re-renders Jinja on every run),
    with each argument documented once (:class:`~orchestra.agents.prompts.PromptTool`); the prompt
    replays at most ``memory_window`` action steps; a failed step's error quotes at most
    ``error_excerpt_chars`` of the failed text (:mod:`orchestra.agents.context`).
    """

    _prompt_key: tuple[Any, ...] | None = None
    _prompt_text: str = ""
    memory_window: int | None = None
    error_excerpt_chars: int = 400
    run_budget: RunBudget | None = None
    """The limits of the current run, set by the dispatcher (:mod:`orchestra.agents.budget`)."""
    memory: Any

    def initialize_system_prompt(self) -> str:
        key = (
            tuple(getattr(self, "tools", {}).items()),
            tuple(getattr(self, "managed_agents", {}).items()),
            getattr(self, "instructions", None),
            id(getattr(self, "prompt_templates", None)),
        )
        if key != self._prompt_key:
            if isinstance(self, CodeAgent):
                self._prompt_text = code_system_prompt(self)
            else:
                self._prompt_text = super().initialize_system_prompt()  # type: ignore[misc]
            self._prompt_key = key
        return self._prompt_text

    def write_memory_to_messages(self, summary_mode: bool = False) -> list[ChatMessage]:
        system = self.memory.system_prompt.to_messages(summary_mode=summary_mode)
        return replay(system, self.memory.steps, self.memory_window, summary_mode=summary_mode)

    def run(self, task: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().run(task, *args, **kwargs)  # type: ignore[misc]
        finally:
            if not kwargs.get("stream"):
                end_run(self)

    def _finalize_step(self, memory_step: Any) -> None:
        if isinstance(memory_step, ActionStep):
            bound_step_error(memory_step, self.error_excerpt_chars)
        super()._finalize_step(memory_step)  # type: ignore[misc]
        if isinstance(memory_step, ActionStep) and self.run_budget is not None:
            self.run_budget.after_step(self)


class RootStepLimitError(Exception):
    """The root used its last step without a final answer; the message says what went wrong last."""


class RootCodeAgent(_PromptMixin, CodeAgent):
    """The root manager: a CodeAgent with orchestra's prompt handling.

    At its step limit it stops: smolagents would make one more model call for a best-effort
    answer that a cycle cannot use (a heartbeat needs a checked Decision), paying a whole
    request for nothing.
    """

    def _handle_max_steps_reached(self, task: str) -> Any:
        actions = [step for step in self.memory.steps if isinstance(step, ActionStep)]
        last_error = next((step.error for step in reversed(actions) if step.error is not None), None)
        empty = sum(1 for step in actions if not str(step.model_output or "").strip())
        reason = f"root hit its step limit ({self.max_steps} steps)"
        if actions and empty == len(actions):
            reason += f": the model returned empty replies ({empty} of {len(actions)} steps)"
        elif empty:
            reason += f": no step called final_answer ({empty} of {len(actions)} replies were empty)"
        else:
            reason += ": no step called final_answer"
        if last_error is not None:
            reason += f"; last error: {describe(last_error)}"
        raise RootStepLimitError(reason)


class _LayerAgentMixin(_PromptMixin):
    """Routes manager calls through the dispatcher and turns the step limit into a failure."""

    dispatcher: Dispatcher | None = None
    name: str
    max_steps: int

    def __call__(self, task: str, additional_args: dict[str, Any] | None = None, **kwargs: Any) -> str:
        if self.dispatcher is None:
            return super().__call__(task, additional_args=additional_args, **kwargs)  # type: ignore[misc]
        if additional_args:
            task = f"{task}\n\nAdditional arguments from your manager: {additional_args!r}"
        return self.dispatcher.call(self.name, task)

    def _handle_max_steps_reached(self, task: str) -> Any:
        raise LayerFailedError(
            self.name, f"hit its step limit ({self.max_steps} steps) without a final answer"
        )


class LayerCodeAgent(_LayerAgentMixin, CodeAgent):
    """A layer that acts by writing code."""


class LayerToolCallingAgent(_LayerAgentMixin, ToolCallingAgent):
    """A layer that acts by JSON tool calls."""


@dataclass(kw_only=True)
class CycleResult:
    """Everything one root run produced, for printing, recording and benchmarking."""

    task: str
    """The task the root was given."""
    ok: bool
    """False when the root raised (its model chain failed) or hit its step limit."""
    answer: Any
    """The root's final answer (None when not ok)."""
    error: str | None
    """Why the root failed."""
    root_steps: int
    """The root's action steps."""
    input_tokens: int
    """Prompt tokens of the root and every layer."""
    output_tokens: int
    """Completion tokens of the root and every layer."""
    seconds: float
    """Wall time of the cycle."""
    layers: list[LayerResult] = field(default_factory=list)
    """Each layer that ran, in start order."""
    metacognition: list[MetacognitionEvent] = field(default_factory=list)
    """What the metacognition policy did in this cycle."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` output."""
        return {
            "task": self.task,
            "ok": self.ok,
            "answer": self.answer
            if isinstance(self.answer, str | int | float | dict | list | None)
            else str(self.answer),
            "error": self.error,
            "root_steps": self.root_steps,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "seconds": round(self.seconds, 4),
            "layers": [layer.to_dict() for layer in self.layers],
            "metacognition": [event.to_dict() for event in self.metacognition],
        }


class Hierarchy:
    """Root manager plus layer agents, built once and reused for every cycle."""

    def __init__(
        self,
        config: Config,
        *,
        model_factory: ModelFactory | None = None,
        registry: ToolRegistry | None = None,
        verbosity: LogLevel = LogLevel.OFF,
        tool_log: ToolCallLog | None = None,
        root_checks: list[Callable[..., bool]] | None = None,
    ) -> None:
        """Build every agent the config describes.

        Args:
            config: a loaded config.
            model_factory: builds each agent's model; defaults to the config's profiles.
            registry: tools to pick from; defaults to the config's tool sources.
            verbosity: smolagents' console output; off by default (orchestra logs through structlog).
            tool_log: when given, every tool call of every agent is recorded in it (for traces).
            root_checks: smolagents ``final_answer_checks`` for the root (the heartbeat's Decision).

        Raises:
            UnknownToolError: a layer or the root names tools no source provides (all listed).
            ConfigError: a layer's name collides with a tool it could be called beside.
        """
        self.config = config
        prestart(config)
        self.graph: LayerGraph = config.layer_graph()
        self._owns_registry = registry is None
        self.registry = registry or load_tool_sources(config)
        self.tool_log = tool_log
        self._root_checks = list(root_checks or [])
        try:
            self._build(config, model_factory, verbosity)
        except BaseException:
            if self._owns_registry:
                self.registry.close()
            raise

    def _build(self, config: Config, model_factory: ModelFactory | None, verbosity: LogLevel) -> None:
        make_model = model_factory or ProfileModelFactory(config)
        self._make_model = make_model
        self._specs: dict[str, AgentSpec] = {}
        self._escalated: dict[tuple[str, str], Model] = {}
        self._original_models: dict[str, Model] = {}
        self._deadline: float | None = None
        chosen = self.registry.select(config.tool_wants(), config.source)
        self._check_names(chosen["root.tools"])

        self.layers: dict[str, MultiStepAgent] = {}
        for name in config.layers:
            layer = config.layer(name)
            tools = self._traced(name, chosen[f"layers.{name}.tools"])
            spec = AgentSpec(
                name=name, profile=layer.model, tools=tuple(tools), tool_calling=layer.kind == "tool_calling"
            )
            self.layers[name] = self._build_layer(
                layer.kind,
                name,
                tools,
                self._remember(spec, make_model(spec)),
                layer.max_steps,
                layer.description,
                layer.instructions,
                verbosity,
            )

        self.dispatcher = Dispatcher(
            self.graph,
            self.layers,
            config.agents.max_parallel_layers,
            run_slots=self._run_slots(config),
            layer_budget_s=config.agents.layer_deadline_s,
            layer_max_tokens=config.agents.layer_max_tokens,
            policy=MetacognitionPolicy(config.root.metacognition) if config.root.metacognition else None,
            escalate=self._escalate,
        )
        for name, agent in self.layers.items():
            agent.dispatcher = self.dispatcher
            agent.memory_window = config.layers[name].max_memory_steps or config.agents.max_memory_steps
            agent.error_excerpt_chars = config.agents.error_excerpt_chars

        root_tools = self._traced(ROOT_NAME, chosen["root.tools"])
        root_spec = AgentSpec(
            name=ROOT_NAME,
            profile=config.root.model,
            tools=tuple(root_tools),
            layers=tuple(self.graph.sinks()),
        )
        root_defaults = layer_defaults(ROOT_NAME)
        self.root = RootCodeAgent(
            tools=root_tools,
            prompt_templates=code_agent_templates(
                config.agents.root_prompt, structured=config.agents.structured_code_steps
            ),
            use_structured_outputs_internally=config.agents.structured_code_steps,
            model=self._remember(root_spec, make_model(root_spec)),
            managed_agents=list(self.layers.values()),
            max_steps=config.root.max_steps,
            instructions=config.root.instructions or (root_defaults.instructions if root_defaults else None),
            additional_authorized_imports=list(config.agents.authorized_imports),
            executor=build_executor(config, None, ROOT_NAME),
            verbosity_level=verbosity,
            final_answer_checks=self._root_checks,
            name=None,
        )
        self.root.memory_window = config.root.max_memory_steps or config.agents.max_memory_steps
        self.root.error_excerpt_chars = config.agents.error_excerpt_chars

    def _remember(self, spec: AgentSpec, model: Model) -> Model:
        self._specs[spec.name] = spec
        return model

    def _agents(self) -> dict[str, MultiStepAgent]:
        return {ROOT_NAME: self.root, **self.layers}

    def _escalate(self, profile: str) -> None:
        """Switch the root and every layer to ``profile`` until the cycle ends (the policy's escalate)."""
        for name, agent in self._agents().items():
            key = (name, profile)
            if key not in self._escalated:
                stronger = self._make_model(replace(self._specs[name], profile=profile))
                if isinstance(stronger, FallbackModel) and isinstance(agent.model, FallbackModel):
                    stronger.language_only = agent.model.language_only
                self._escalated[key] = stronger
            self._original_models.setdefault(name, agent.model)
            agent.model = self._escalated[key]
            bound_by_deadline(agent.model, self._deadline)
        log.info("escalated", profile=profile)

    def root_model(self, cycle: CycleResult) -> Model:
        """The root's model for what is left of the beat after ``cycle``: the stronger profile when the
        metacognition policy escalated in it, else the root's own."""
        for event in cycle.metacognition:
            if event.then == "escalate" and self.config.root.metacognition is not None:
                profile = self.config.root.metacognition.escalate_to or ""
                return self._escalated.get((ROOT_NAME, profile), self.root.model)
        return self.root.model

    def _restore_models(self) -> None:
        for name, model in self._original_models.items():
            self._agents()[name].model = model
        self._original_models.clear()

    @staticmethod
    def _run_slots(config: Config) -> dict[str, threading.Semaphore]:
        """Layer → the run slot of its profile, for profiles that declare ``max_concurrent``.

        Slots of their own, not the profile's request slots: a layer holds its run slot while
        its requests take request slots, so sharing one semaphore would deadlock at 1.
        """
        per_profile = profile_slots(config)
        return {
            name: per_profile[layer.model]
            for name, layer in config.layers.items()
            if layer.model in per_profile
        }

    def prefetches(self) -> bool:
        """Whether a cycle starts the upstream sweep early: configured, and the root does not share a
        limited server with the layers (interleaving them there would only evict its prompt cache)."""
        if not self.config.agents.prefetch_upstream:
            return False
        root_profile = self.config.models[self.config.root.model]
        shared = any(layer.model == self.config.root.model for layer in self.config.layers.values())
        return not (root_profile.max_concurrent is not None and shared)

    def _traced(self, agent_name: str, tools: list[Tool]) -> list[Tool]:
        if self.tool_log is None:
            return tools
        return traced(
            tools, agent_name=agent_name, log=self.tool_log, step_of=lambda: self._step_of(agent_name)
        )

    def _step_of(self, agent_name: str) -> int | None:
        agent = self.root if agent_name == ROOT_NAME else self.layers.get(agent_name)
        return getattr(agent, "step_number", None)

    def _build_layer(
        self,
        kind: str,
        name: str,
        tools: list[Tool],
        model: Model,
        max_steps: int,
        description: str,
        instructions: str,
        verbosity: LogLevel,
    ) -> MultiStepAgent:
        common: dict[str, Any] = {
            "tools": tools,
            "model": model,
            "max_steps": max_steps,
            "name": name,
            "description": description,
            "instructions": instructions,
            "verbosity_level": verbosity,
        }
        if kind == "tool_calling":
            return LayerToolCallingAgent(**common)
        return LayerCodeAgent(
            **common,
            prompt_templates=code_agent_templates(
                self.config.agents.layer_prompts, structured=self.config.agents.structured_code_steps
            ),
            use_structured_outputs_internally=self.config.agents.structured_code_steps,
            additional_authorized_imports=list(self.config.agents.authorized_imports),
            executor=build_executor(self.config, name, name),
        )

    def _check_names(self, root_tools: list[Tool]) -> None:
        for tool in root_tools:
            if tool.name in self.config.layers:
                raise self.config.source.error(
                    "root.tools",
                    f"tool '{tool.name}' has the same name as a layer; rename the layer",
                    ConfigError,
                )

    def run(
        self, task: str, *, layer_task: str | None = None, deadline_s: float | None = None
    ) -> CycleResult:
        """Run one cycle: the root works on ``task``, calling layers through the DAG.

        Args:
            task: the root's task.
            layer_task: what layers the root did not brief itself work on (the prefetched sweep
                and the ancestors of a layer it calls); ``task`` when omitted. The heartbeat
                passes the situation without the root's Decision format.
            deadline_s: seconds the whole cycle may take: no model request of the root or a layer
                runs past it, and ``agents.layer_deadline_share`` of it bounds each layer run.
        """
        started = time.monotonic()
        deadline = started + deadline_s if deadline_s is not None else None
        share = self.config.agents.layer_deadline_share
        self.dispatcher.begin_cycle(
            task if layer_task is None else layer_task,
            deadline=deadline,
            layer_budget_s=share * deadline_s if share is not None and deadline_s is not None else None,
        )
        self._deadline = deadline
        bound_by_deadline(self.root.model, deadline)
        bound_code_by_deadline(self.root, deadline)
        if self.prefetches():
            self.dispatcher.prefetch(self.graph.sinks())
        answer: Any = None
        error: str | None = None
        try:
            answer = self.root.run(task, reset=True)
        except RootStepLimitError as limit:
            error = str(limit)
        except Exception as failure:
            error = describe(failure)
        finally:
            layers = self.dispatcher.end_cycle()
            events = list(self.dispatcher.events)
            self._restore_models()
            bound_by_deadline(self.root.model, None)
            bound_code_by_deadline(self.root, None)
        root_tokens = self.root.monitor.get_total_token_counts()
        root_steps = sum(1 for step in self.root.memory.steps if isinstance(step, ActionStep))
        result = CycleResult(
            task=task,
            ok=error is None,
            answer=answer if error is None else None,
            error=error,
            root_steps=root_steps,
            input_tokens=root_tokens.input_tokens + sum(layer.input_tokens for layer in layers),
            output_tokens=root_tokens.output_tokens + sum(layer.output_tokens for layer in layers),
            seconds=time.monotonic() - started,
            layers=layers,
            metacognition=events,
        )
        log.info("cycle_finished", ok=result.ok, seconds=round(result.seconds, 3), layers=len(layers))
        return result

    def close(self) -> None:
        """Release worker threads, executors and the tool sources this hierarchy opened."""
        self.dispatcher.close()
        if self._owns_registry:
            self.registry.close()
        for agent in [self.root, *self.layers.values()]:
            cleanup = getattr(agent, "cleanup", None)
            if callable(cleanup):
                cleanup()

    def __enter__(self) -> Hierarchy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_hierarchy(config: Config, **kwargs: Any) -> Hierarchy:
    """Build the hierarchy a config describes (see :class:`Hierarchy`)."""
    return Hierarchy(config, **kwargs)
