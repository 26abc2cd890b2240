"""The config schema: one pydantic model per YAML section, unknown keys refused.

Sections are frozen once loaded, and each field's description becomes the JSON Schema that
``orchestra schema`` prints for editors. Loading, located errors and cross-reference checks live
beside this module (``loading.py``, ``translate.py``, ``references.py``).
"""

from __future__ import annotations

import keyword
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    Tag,
    model_validator,
)

from layers import KNOWN_LAYERS, LayerDefaults, layer_defaults
from orchestra.config.durations import parse_duration
from orchestra.config.yaml_source import SourceMap
from orchestra.errors import GraphError
from orchestra.graph import LayerGraph
from orchestra.services.settings import ServicesSettings

OFFLINE_MODEL_ID = "orchestra/offline"

MAX_STEPS = 1000
"""Most steps an agent may be given: beyond it a typo, not a plan."""


def _check_duration(text: str) -> str:
    parse_duration(text)  # ValueError: the located "invalid duration" message
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]
"""A duration such as ``1h``, ``30m``, ``45s``: checked when the config loads, not when first used."""


def _check_interval(text: str) -> str:
    if parse_duration(text) < 1:
        raise ValueError(f"'{text}': beats must be at least 1s apart")
    return text


Interval = Annotated[str, AfterValidator(_check_interval)]
"""A scheduler interval: a duration of at least one second."""


class StrictModel(BaseModel):
    """Base for config sections: unknown keys are errors, values are immutable after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelProfile(StrictModel):
    """A named way to reach a model: a litellm id plus limits and fallbacks."""

    model: str = Field(description="litellm model id, e.g. 'openai/gpt-5-nano', or 'orchestra/offline'.")
    temperature: float | None = Field(0.2, ge=0, le=2, description="Sampling temperature; null to omit.")
    max_tokens: int | None = Field(None, ge=1, description="Completion token cap per call; null for none.")
    max_reply_chars: int = Field(
        100_000,
        ge=100,
        le=10_000_000,
        description="Longest reply accepted; a longer one is refused as a model failure, never replayed.",
    )
    api_base: str | None = Field(
        None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1."
    )
    api_key: str | None = Field(None, description="API key; use ${ENV_VAR} to read it from the environment.")
    timeout_s: float = Field(30.0, gt=0, description="Seconds one model request may take.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries on rate limits and transient errors.")
    total_timeout_s: float = Field(
        60.0, gt=0, description="Seconds one generate call may spend in total, retries included."
    )
    cooldown_s: float = Field(
        30.0, ge=0, description="After a failure, skip this profile for this long when it has fallbacks."
    )
    fallbacks: list[str] = Field(
        default_factory=list, description="Profiles tried in order when this one fails."
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra litellm completion parameters, e.g. reasoning_effort. With an api_base, "
        "message content is sent as plain text (flatten_messages_as_text: true) unless set here.",
    )
    structured_output: Literal["json_schema", "json_object"] = Field(
        "json_schema",
        description="How this server takes a JSON schema for structured output: OpenAI's "
        "response_format json_schema (OpenAI, vLLM, Ollama, llama.cpp's server), or json_object with a "
        "schema (llama-cpp-python's server).",
    )
    max_concurrent: int | None = Field(
        None,
        ge=1,
        description="Requests this profile's server serves at once (1 for a single-slot local server): "
        "further requests queue, layers on it run one at a time, and the upstream prefetch is skipped "
        "when the root shares it; null means no limit.",
    )


AgentKind = Literal["code", "tool_calling"]


class MetacognitionConfig(StrictModel):
    """A policy on a layer's confidence: below a threshold, the beat does something about it."""

    layer: str = Field("metacognitive", description="The layer whose report carries 'confidence: X'.")
    below: float = Field(0.4, ge=0, le=1, description="Act when the reported confidence is below this.")
    then: Literal["requery", "escalate", "rest"] = Field(
        description="requery: ask a layer again; escalate: a stronger profile for the rest of the beat; "
        "rest: the beat rests instead of acting."
    )
    requery: str | None = Field(None, description="With then: requery, the layer asked again.")
    escalate_to: str | None = Field(
        None, description="With then: escalate, the model profile the root and later layers switch to."
    )


ExecutorKind = Literal["sandbox", "local"]

EXECUTOR_FIELD_DESCRIPTION = "Where this agent's code runs; omitted means agents.executor."


class RootConfig(StrictModel):
    """The root manager, "consciousness": a CodeAgent whose managed agents are the layers."""

    model: str = Field("default", description="Model profile name.")
    executor: ExecutorKind | None = Field(None, description=EXECUTOR_FIELD_DESCRIPTION)
    max_steps: StrictInt = Field(10, ge=1, le=MAX_STEPS, description="Step limit of the root agent.")
    instructions: str | None = Field(None, description="Appended to the root's system prompt.")
    tools: list[str] = Field(default_factory=list, description="Tool names the root may call directly.")
    max_memory_steps: int | None = Field(
        None, ge=1, description="Steps the root's prompt replays; omitted means agents.max_memory_steps."
    )
    metacognition: MetacognitionConfig | None = Field(
        None, description="What the root does when a layer (the metacognitive one) reports low confidence."
    )
    structured_decision: bool = Field(
        False,
        description="In a heartbeat the root finishes with its notes, and the Decision is then written by "
        "one structured-output call to the root's model, under a JSON schema of what exists now.",
    )


class LayerConfig(StrictModel):
    """One ThoughtSeed layer agent. Omitted text and tools come from ``layers/<name>.py``."""

    kind: AgentKind = Field("code", description="'code' (CodeAgent) or 'tool_calling' (ToolCallingAgent).")
    model: str = Field("default", description="Model profile name.")
    executor: ExecutorKind | None = Field(None, description=EXECUTOR_FIELD_DESCRIPTION)
    tools: list[str] | None = Field(None, description="Tool names; omitted means the layer's defaults.")
    max_steps: StrictInt | None = Field(
        None, ge=1, le=MAX_STEPS, description="Step limit; omitted means the layer's default."
    )
    description: str | None = Field(None, description="What the root reads when choosing to call this layer.")
    instructions: str | None = Field(None, description="Appended to the layer's system prompt.")
    max_memory_steps: int | None = Field(
        None, ge=1, description="Steps the layer's prompt replays; omitted means agents.max_memory_steps."
    )


def _parse_edge(value: Any) -> Any:
    if isinstance(value, str):
        parts = [part.strip() for part in value.split("->")]
        if len(parts) != 2 or not all(parts):
            raise ValueError("an edge is written 'source -> target'")
        return tuple(parts)
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError("an edge is written [source, target]")
        return tuple(value)
    raise ValueError("an edge is written 'source -> target' or [source, target]")


Edge = Annotated[tuple[str, str], BeforeValidator(_parse_edge)]


class GraphConfig(StrictModel):
    """Which layer feeds which (bottom-up, one cycle) and which modulates which (top-down, next cycle)."""

    feeds: list[Edge] = Field(default_factory=list, description="Bottom-up edges; must form a DAG.")
    modulates: list[Edge] = Field(
        default_factory=list, description="Top-down edges: the source's last report is a prior next cycle."
    )


def _check_module_path(path: str) -> str:
    """An absolute dotted module path: import_module raises TypeError on '.x' and ValueError on ''."""
    if not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(
            f"'{path}' is not a module path; write it dotted and absolute, e.g. orchestra.tools.builtin"
        )
    return path


ModulePath = Annotated[str, AfterValidator(_check_module_path)]


class PythonToolSource(StrictModel):
    """In-process tools from a Python module exposing ``provide_tools(context) -> list[Tool]``."""

    python: ModulePath = Field(description="Importable module path, e.g. 'orchestra.tools.builtin'.")


class ServicesToolSource(StrictModel):
    """The 37 cognitive-service tools, called in-process through one background event loop."""

    services: Literal["in_process"] = Field(description="'in_process': call the services directly.")
    timeout_s: float = Field(10.0, gt=0, description="Seconds one tool call may take.")


class McpServerConfig(StrictModel):
    """How to reach one MCP server: a stdio command or a streamable-HTTP URL (exactly one)."""

    name: str | None = Field(None, description="Label in logs and errors; defaults to the command or URL.")
    command: list[str] | None = Field(
        None,
        description="Command and arguments of a stdio server; a first word 'python' means this interpreter.",
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment a stdio server gets besides PATH, HOME and locale (nothing else is passed).",
    )
    cwd: str | None = Field(None, description="Working directory of a stdio server; default: orchestra's.")
    url: str | None = Field(None, description="Streamable-HTTP endpoint, e.g. http://127.0.0.1:8765/mcp.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="HTTP headers for a url source, e.g. {Authorization: 'Bearer ${TOKEN}'}.",
    )
    prefix: str = Field(
        "", description="Put before every tool's name (mem_ → mem_create_entities), so two servers coexist."
    )
    rename: dict[str, str] = Field(
        default_factory=dict, description="The server's tool name → what agents call it (beats prefix)."
    )
    tools: list[str] | None = Field(
        None, description="Import only these tools (the server's names or their aliases); omitted means all."
    )
    connect_timeout_s: float = Field(15.0, gt=0, description="Seconds to wait for the server at start.")
    call_timeout_s: float = Field(10.0, gt=0, description="Seconds one tool call may take.")
    fallback: Literal["in_process", "degraded"] = Field(
        "in_process",
        description="When the server is down: call the in-process tool of the same name, or return a "
        "result marked degraded.",
    )
    cooldown_s: float = Field(
        15.0, ge=0, description="After a failure, skip the server this long before retrying."
    )
    required: bool = Field(
        False, description="Fail at start when the server cannot be reached (default: fall back and say so)."
    )

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of command (stdio) or url (streamable HTTP)")
        if self.command is not None and not self.command:
            raise ValueError("command must name a program")
        if self.headers and self.url is None:
            raise ValueError("headers apply to a url source only")
        if self.cwd is not None and self.command is None:
            raise ValueError("cwd applies to a command source only")
        if self.prefix and not f"{self.prefix}x".isidentifier():
            raise ValueError(f"prefix '{self.prefix}' must start a Python identifier (letters, digits, _)")
        bad = [name for name in self.rename.values() if not name.isidentifier() or keyword.iskeyword(name)]
        if bad:
            raise ValueError(f"rename targets must be Python identifiers: {', '.join(bad)}")
        return self

    @property
    def label(self) -> str:
        """How logs and errors name this server."""
        return self.name or (" ".join(self.command) if self.command else str(self.url))


class McpToolSource(StrictModel):
    """Tools from an MCP server, bridged with smolagents' MCP client."""

    mcp: McpServerConfig = Field(description="The server.")


TOOL_SOURCE_TAGS: dict[str, type[StrictModel]] = {
    "python-source": PythonToolSource,
    "services-source": ServicesToolSource,
    "mcp-source": McpToolSource,
}


def _tool_source_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return next(tag for tag, cls in TOOL_SOURCE_TAGS.items() if isinstance(value, cls))
    if isinstance(value, dict):
        for key, tag in (("python", "python-source"), ("services", "services-source"), ("mcp", "mcp-source")):
            if key in value:
                return tag
    return None


ToolSource = Annotated[
    Annotated[PythonToolSource, Tag("python-source")]
    | Annotated[ServicesToolSource, Tag("services-source")]
    | Annotated[McpToolSource, Tag("mcp-source")],
    Discriminator(
        _tool_source_tag,
        custom_error_type="tool_source",
        custom_error_message="a tool source has one of the keys python, services or mcp",
    ),
]


class ToolsConfig(StrictModel):
    """Where tools come from; layers pick them by name."""

    sources: list[ToolSource] = Field(
        default_factory=lambda: list[ToolSource](
            [PythonToolSource(python="orchestra.tools.builtin"), ServicesToolSource(services="in_process")]
        ),
        description="Tool sources, searched in order; a name provided twice is an error. The default "
        "gives the built-in layers their tools: the built-in tools and the 37 services in-process.",
    )


DEFAULT_IMPORTS = ["json", "datetime", "math", "re", "collections", "itertools", "statistics", "time"]

DANGEROUS_IMPORTS = (
    "os", "posix", "nt", "subprocess", "socket", "ssl", "ctypes", "cffi", "importlib", "sys",
    "builtins", "io", "_io", "multiprocessing", "concurrent", "asyncio", "threading", "_thread",
    "pathlib", "shutil", "tempfile", "glob", "fileinput", "pty", "fcntl", "mmap", "resource",
    "signal", "gc", "inspect", "code", "codeop", "runpy", "pdb", "pickle", "_pickle", "shelve",
    "marshal", "dill", "cloudpickle", "zipimport", "pkgutil", "urllib", "http", "ftplib",
    "smtplib", "webbrowser", "xmlrpc",
)
"""Modules that reach the host from in-process agent code (processes, files, the network, the
interpreter, or unpickling, which runs any callable); refused unless explicitly allowed."""


class LimitsConfig(StrictModel):
    """What one sandboxed agent's code may use (``agents.executor: sandbox``)."""

    wall_s: float | None = Field(
        None,
        gt=0,
        le=86_400,
        description="Seconds one code step may run, its tool and layer calls not counted; past it the "
        "worker is killed and the step fails. Omitted means agents.executor_timeout_s.",
    )
    cpu_s: float = Field(60.0, gt=0, le=86_400, description="CPU seconds one agent run's code may use.")
    memory_mb: int = Field(
        512, ge=32, le=1_048_576, description="Memory one agent's code may allocate, in MiB."
    )
    output_kb: int = Field(
        64, ge=1, le=65_536, description="What one step may print or return before it is cut, in KiB."
    )


class AgentsConfig(StrictModel):
    """Settings shared by every agent in the hierarchy."""

    authorized_imports: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IMPORTS), description="Modules agent code may import."
    )
    executor: ExecutorKind = Field(
        "sandbox",
        description="Where agent code runs: 'sandbox' (a worker process with no secrets, no network and "
        "OS limits, killed at its time limit) or 'local' (in this process, for trusted workloads).",
    )
    isolation: Literal["auto", "bubblewrap", "rlimits"] = Field(
        "auto",
        description="How sandbox workers are isolated: bubblewrap namespaces where they can start (auto), "
        "always (bubblewrap: refuse to run without), or OS limits only (rlimits).",
    )
    limits: LimitsConfig = Field(default_factory=LimitsConfig, description="Limits of sandboxed agent code.")
    allow_dangerous_imports: bool = Field(
        False,
        description="Let authorized_imports name modules that reach the host (os, subprocess, sys...) or "
        "'*'; only with executor: local everywhere, and warned about.",
    )
    executor_timeout_s: float | None = Field(
        30.0, gt=0, description="Seconds one code step may run; null disables the timeout thread."
    )
    max_parallel_layers: int | None = Field(
        None, ge=1, description="Layers run at once within a generation; null means all of them."
    )
    layer_prompts: Literal["default", "compact"] = Field(
        "default",
        description="Layer agents' system prompt: smolagents' own, or compact (no worked examples).",
    )
    root_prompt: Literal["default", "compact"] = Field(
        "default", description="The root's system prompt: smolagents' own, or compact (no worked examples)."
    )
    max_memory_steps: int | None = Field(
        None,
        ge=1,
        description="Action steps an agent's prompt replays (the task always stays); null replays all. "
        "Keeps a long run inside a small model's context.",
    )
    error_excerpt_chars: int = Field(
        400,
        ge=80,
        le=100_000,
        description="Longest excerpt of a failed step's text that its error quotes back to the model.",
    )
    layer_deadline_s: float | None = Field(
        None,
        gt=0,
        le=86_400,
        description="Seconds one layer run may take; past it the layer returns a partial report.",
    )
    layer_deadline_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="In a heartbeat: the share of DECIDE's deadline one layer run may take (the rest is "
        "the root's); overrides layer_deadline_s there.",
    )
    layer_max_tokens: int | None = Field(
        None, ge=1, description="Prompt plus completion tokens one layer run may spend before it reports."
    )
    structured_code_steps: bool = Field(
        False,
        description="Code agents answer each step as JSON (thought, code) under smolagents' structured "
        "output; for providers that take OpenAI's json_schema response_format.",
    )
    prefetch_upstream: bool = Field(
        False,
        description="At the start of a cycle, run the layers upstream of the DAG's sinks while the root's "
        "first model call is in flight (same work, earlier; use when the root always consults the layers).",
    )


class HeartbeatConfig(StrictModel):
    """The heartbeat cycle: its deadline, energy rule and schedule."""

    deadline_s: float = Field(
        30.0,
        gt=0,
        le=86_400,
        allow_inf_nan=False,
        description="Seconds DECIDE may take before the fallback decides (at most a day).",
    )
    rest_below: StrictInt = Field(2, ge=0, le=1000, description="With less energy than this, the beat rests.")
    decision_reserve: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="With root.structured_decision: the share of the deadline kept for the structured "
        "call, so a root that runs out of time still leaves a decision; the root and layers get the rest.",
    )
    predicting_models: StrictInt = Field(
        3, ge=0, le=1000, description="Mental models asked for predictions in OBSERVE."
    )
    resolve_predictions: StrictInt = Field(
        10, ge=0, le=100_000, description="Pending predictions resolved in ORIENT."
    )
    every: Interval = Field(
        "1h", description="Interval of the scheduler (`--every` without a value), e.g. 1h, 30m, 45s."
    )
    jitter: Duration = Field("5m", description="Random extra delay, 0 to this, added to each interval.")
    cooldown_after_user: Duration = Field(
        "30m", description="No beat sooner than this after a user session ends."
    )
    instructions: str | None = Field(None, description="Extra text for the root's heartbeat task.")


def _default_layers() -> dict[str, LayerConfig]:
    return {name: LayerConfig() for name in KNOWN_LAYERS}


class Config(StrictModel):
    """A whole orchestra configuration."""

    version: Literal[1] = Field(1, description="Config format version.")
    models: dict[str, ModelProfile] = Field(
        default_factory=lambda: {"default": ModelProfile(model="openai/gpt-5-nano")},
        description="Named model profiles.",
    )
    root: RootConfig = Field(default_factory=RootConfig, description="The root manager.")
    layers: dict[str, LayerConfig] = Field(
        default_factory=_default_layers,
        description="Layer agents by name; the five ThoughtSeed layers by default.",
    )
    graph: GraphConfig = Field(default_factory=GraphConfig, description="The layer DAG.")
    tools: ToolsConfig = Field(default_factory=ToolsConfig, description="Tool sources.")
    agents: AgentsConfig = Field(default_factory=AgentsConfig, description="Shared agent settings.")
    heartbeat: HeartbeatConfig = Field(default_factory=HeartbeatConfig, description="The heartbeat cycle.")
    services: ServicesSettings = Field(
        default_factory=ServicesSettings,
        description="Store, recall embeddings and sync of the cognitive services.",
    )

    _source: SourceMap = SourceMap(file="<defaults>")

    @property
    def source(self) -> SourceMap:
        """Where each key came from, for errors raised after loading."""
        return self._source

    def layer_graph(self) -> LayerGraph:
        """The validated layer DAG of this config.

        Raises:
            GraphError: unknown endpoint, self-loop or a feeds cycle, located in the file.
        """
        try:
            return LayerGraph.build(list(self.layers), feeds=self.graph.feeds, modulates=self.graph.modulates)
        except GraphError as error:
            raise self.source.error(error.key_path or "graph", error.message, GraphError) from None

    def layer(self, name: str) -> ResolvedLayer:
        """The layer ``name`` with defaults from ``layers/`` filled in."""
        return resolve_layer(name, self.layers[name])

    def tool_wants(self) -> dict[str, tuple[str, ...]]:
        """Every tool list by key path (``layers.abstract.tools``, ``root.tools``), defaults applied."""
        wanted = {f"layers.{name}.tools": self.layer(name).tools for name in self.layers}
        wanted["root.tools"] = tuple(self.root.tools)
        return wanted


class ResolvedLayer(BaseModel):
    """A layer with every field concrete, ready to become an agent."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: AgentKind
    model: str
    tools: tuple[str, ...]
    max_steps: int
    description: str
    instructions: str


def resolve_layer(name: str, layer: LayerConfig) -> ResolvedLayer:
    """Fill a layer's omitted fields from its ``layers/`` defaults."""
    defaults = layer_defaults(name) or LayerDefaults(name=name, description="", instructions="")
    return ResolvedLayer(
        name=name,
        kind=layer.kind,
        model=layer.model,
        tools=tuple(layer.tools if layer.tools is not None else defaults.tools),
        max_steps=layer.max_steps or defaults.max_steps,
        description=layer.description or defaults.description,
        instructions=layer.instructions or defaults.instructions,
    )
