"""The four ways to make the same decision: orchestra (DAG, chain) and plain smolagents (managed, flat).

Every scenario's agents reach the model server through litellm over HTTP, call real in-process
cognitive-service tools on their own seeded store, and have their tool calls timed. The layer agents
of the three hierarchical scenarios share names, descriptions, instructions, tools and step limits,
all read from the shipped ``configs/thoughtseed.yaml``; only the orchestration around them differs.

Plain smolagents agents run with ``verbosity_level=OFF`` like orchestra's, so neither pays for
console rendering; otherwise they use smolagents' defaults (prompts, executor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from smolagents import CodeAgent, LiteLLMModel, LogLevel, Tool
from smolagents.memory import ActionStep

from benchmarks.common.scenario import RootRun, Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.texts import FLAT_INSTRUCTIONS, LAYERS, ROOT_TOOLS
from layers import layer_defaults
from orchestra.agents.hierarchy import Hierarchy
from orchestra.config import Config, load_config
from orchestra.errors import describe
from orchestra.heartbeat.decision import check_decision
from orchestra.tools import load_tool_sources

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

SCENARIOS: tuple[str, ...] = ("orchestra-dag", "orchestra-chain", "smolagents-managed", "smolagents-flat")
"""Scenario names, in report order."""

HIERARCHICAL: tuple[str, ...] = SCENARIOS[:3]
"""The scenarios with layer agents."""

MODEL_ID = "openai/bench"
"""litellm model id every agent uses (any ``openai/`` id reaches the server's ``api_base``)."""
API_KEY = "bench"
TEMPERATURE = 0.2
"""The shipped configs' temperature, given to the plain smolagents models too."""


def bench_config(
    yaml_name: str, api_base: str, store_path: Path, overrides: Sequence[str] = ()
) -> Config:
    """A shipped config with models pointed at the server, in-process tools and the seeded store.

    Args:
        yaml_name: ``thoughtseed.yaml`` or ``chain.yaml``.
        api_base: The model server's base URL.
        store_path: The scenario's seeded store.
        overrides: More ``--set`` overrides, applied last (``agents.executor=local``).

    Returns:
        The loaded config (``--set``-style overrides on the shipped file).
    """
    settings = [
        f"models.default.model={MODEL_ID}",
        f"models.default.api_base={api_base}",
        f"models.default.api_key={API_KEY}",
        "models.default.fallbacks=[]",
        "tools.sources=[{python: orchestra.tools.builtin}, {services: in_process}]",
        f"services.store_path='{store_path}'",
        f"root.tools=[{', '.join(ROOT_TOOLS)}]",
        *overrides,
    ]
    return load_config(CONFIGS / yaml_name, settings)


class OrchestraScenario:
    """orchestra's :class:`~orchestra.agents.hierarchy.Hierarchy` on one of the shipped graphs."""

    def __init__(self, config: Config, timer: ToolTimer) -> None:
        """Build the hierarchy with its tools instrumented.

        Args:
            config: From :func:`bench_config`.
            timer: Records every tool call.
        """
        self._registry = load_tool_sources(config)
        timer.instrument(self._registry.get(name) for name in self._registry.names())
        self.hierarchy = Hierarchy(config, registry=self._registry, root_checks=[check_decision])

    def run(self, task: str) -> RootRun:
        """Run one cycle through ``Hierarchy.run``."""
        result = self.hierarchy.run(task)
        return RootRun(
            ok=result.ok,
            answer=result.answer,
            error=result.error,
            root_steps=result.root_steps,
            client_prompt_tokens=result.input_tokens,
            client_completion_tokens=result.output_tokens,
        )

    def close(self) -> None:
        """Close the hierarchy, then the tool sources it was given."""
        self.hierarchy.close()
        self._registry.close()


class SmolagentsScenario:
    """A plain smolagents root ``CodeAgent``, with or without managed layer agents."""

    def __init__(self, root: CodeAgent, close: Callable[[], None]) -> None:
        """Wrap a built root.

        Args:
            root: The root agent.
            close: Releases the tools' store and loop.
        """
        self.root = root
        self._close = close

    def run(self, task: str) -> RootRun:
        """Run one cycle through ``root.run``."""
        try:
            answer = self.root.run(task, reset=True)
            error = None
        except Exception as failure:
            answer, error = None, describe(failure)
        steps = [step for step in self.root.memory.steps if isinstance(step, ActionStep)]
        if (
            error is None
            and steps
            and steps[-1].error is not None
            and "max steps" in str(steps[-1].error).lower()
        ):
            error = f"root hit its step limit ({self.root.max_steps} steps)"
        agents = [self.root, *self.root.managed_agents.values()]
        usage = [agent.monitor.get_total_token_counts() for agent in agents]
        return RootRun(
            ok=error is None,
            answer=answer if error is None else None,
            error=error,
            root_steps=len(steps),
            client_prompt_tokens=sum(tokens.input_tokens for tokens in usage),
            client_completion_tokens=sum(tokens.output_tokens for tokens in usage),
        )

    def close(self) -> None:
        """Release the tools' store and background loop."""
        self._close()


def _plain_tools(config: Config, timer: ToolTimer) -> tuple[dict[str, Tool], Callable[[], None]]:
    """The same tools orchestra's registry holds (built-in plus the 37 services), instrumented."""
    registry = load_tool_sources(config)
    tools = {name: registry.get(name) for name in registry.names()}
    timer.instrument(tools.values())
    return tools, registry.close


def _model(api_base: str) -> LiteLLMModel:
    return LiteLLMModel(model_id=MODEL_ID, api_base=api_base, api_key=API_KEY, temperature=TEMPERATURE)


def smolagents_managed(
    config: Config, api_base: str, timer: ToolTimer, layers: Sequence[str] = LAYERS
) -> SmolagentsScenario:
    """A root CodeAgent whose ``managed_agents`` are plain CodeAgent layers (the five by default).

    Args:
        config: The DAG config, read for each layer's description, instructions, tools and steps.
        api_base: The model server's base URL.
        timer: Records every tool call.
        layers: Which of the config's layers, in order (the scale curves' wide DAG passes its own).

    Returns:
        The scenario.
    """
    tools, close = _plain_tools(config, timer)
    layer_agents = []
    for name in layers:
        layer = config.layer(name)
        layer_agents.append(
            CodeAgent(
                tools=[tools[tool] for tool in layer.tools],
                model=_model(api_base),
                name=name,
                description=layer.description,
                instructions=layer.instructions,
                max_steps=layer.max_steps,
                verbosity_level=LogLevel.OFF,
            )
        )
    root_defaults = layer_defaults("consciousness")
    root = CodeAgent(
        tools=[tools[tool] for tool in ROOT_TOOLS],
        model=_model(api_base),
        managed_agents=layer_agents,
        instructions=root_defaults.instructions if root_defaults else None,
        max_steps=config.root.max_steps,
        verbosity_level=LogLevel.OFF,
        final_answer_checks=[check_decision],
    )
    return SmolagentsScenario(root, close)


def smolagents_flat(config: Config, api_base: str, timer: ToolTimer) -> SmolagentsScenario:
    """One CodeAgent with every tool (the 37 services plus ``observe_environment``) and no layers.

    Args:
        config: Read for the tool sources and the root's step limit.
        api_base: The model server's base URL.
        timer: Records every tool call.

    Returns:
        The scenario.
    """
    tools, close = _plain_tools(config, timer)
    root = CodeAgent(
        tools=list(tools.values()),
        model=_model(api_base),
        instructions=FLAT_INSTRUCTIONS,
        max_steps=config.root.max_steps,
        verbosity_level=LogLevel.OFF,
        final_answer_checks=[check_decision],
    )
    return SmolagentsScenario(root, close)


def build_scenario(
    name: str, *, api_base: str, store_path: Path, timer: ToolTimer, overrides: Sequence[str] = ()
) -> Scenario:
    """Build a scenario by name.

    Args:
        name: One of :data:`SCENARIOS`.
        api_base: The model server's base URL.
        store_path: A seeded store for this scenario alone.
        timer: Records every tool call.
        overrides: More ``--set`` overrides of the config (``agents.executor=local``: where orchestra's
            agent code runs; plain smolagents keeps its own executor).

    Returns:
        The scenario, ready to run cycles.

    Raises:
        ValueError: For an unknown name.
    """
    if name == "orchestra-dag":
        return OrchestraScenario(bench_config("thoughtseed.yaml", api_base, store_path, overrides), timer)
    if name == "orchestra-chain":
        return OrchestraScenario(bench_config("chain.yaml", api_base, store_path, overrides), timer)
    config = bench_config("thoughtseed.yaml", api_base, store_path, overrides)
    if name == "smolagents-managed":
        return smolagents_managed(config, api_base, timer)
    if name == "smolagents-flat":
        return smolagents_flat(config, api_base, timer)
    raise ValueError(f"unknown scenario {name!r}; valid: {', '.join(SCENARIOS)}")
