"""The YAML configuration: schema, loading, ``${ENV}`` interpolation and ``--set`` overrides.

``from_file → from_text → from_dict``: each step adds what it knows (file name, line map) so that
every error names the file, the line and the key path, and lists the valid choices for unknown
names. Cross-references (model profiles, graph endpoints) are checked here too, so a config that
loads is a config that builds.
"""

from __future__ import annotations

import difflib
import keyword
import os
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from layers import KNOWN_LAYERS, LayerDefaults, layer_defaults
from orchestra.errors import ConfigError
from orchestra.services.settings import ServicesSettings
from orchestra.yaml_source import SourceMap, join_path, parse_yaml

OFFLINE_MODEL_ID = "orchestra/offline"
"""The litellm-free model id of the deterministic offline policy model."""


class StrictModel(BaseModel):
    """Base for config sections: unknown keys are errors, values are immutable after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelProfile(StrictModel):
    """A named way to reach a model: a litellm id plus limits and fallbacks."""

    model: str = Field(description="litellm model id, e.g. 'openai/gpt-5-nano', or 'orchestra/offline'.")
    temperature: float | None = Field(0.2, ge=0, le=2, description="Sampling temperature; null to omit.")
    max_tokens: int | None = Field(None, ge=1, description="Completion token cap per call; null for none.")
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
        default_factory=dict, description="Extra litellm completion parameters, e.g. reasoning_effort."
    )


AgentKind = Literal["code", "tool_calling"]


class RootConfig(StrictModel):
    """The root manager, "consciousness": a CodeAgent whose managed agents are the layers."""

    model: str = Field("default", description="Model profile name.")
    max_steps: int = Field(10, ge=1, description="Step limit of the root agent.")
    instructions: str | None = Field(None, description="Appended to the root's system prompt.")
    tools: list[str] = Field(default_factory=list, description="Tool names the root may call directly.")


class LayerConfig(StrictModel):
    """One ThoughtSeed layer agent. Omitted text and tools come from ``layers/<name>.py``."""

    kind: AgentKind = Field("code", description="'code' (CodeAgent) or 'tool_calling' (ToolCallingAgent).")
    model: str = Field("default", description="Model profile name.")
    tools: list[str] | None = Field(None, description="Tool names; omitted means the layer's defaults.")
    max_steps: int | None = Field(None, ge=1, description="Step limit; omitted means the layer's default.")
    description: str | None = Field(None, description="What the root reads when choosing to call this layer.")
    instructions: str | None = Field(None, description="Appended to the layer's system prompt.")


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


class PythonToolSource(StrictModel):
    """In-process tools from a Python module exposing ``provide_tools(context) -> list[Tool]``."""

    python: str = Field(description="Importable module path, e.g. 'orchestra.tools.builtin'.")


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
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment for a stdio server.")
    url: str | None = Field(None, description="Streamable-HTTP endpoint, e.g. http://127.0.0.1:8765/mcp.")
    tools: list[str] | None = Field(None, description="Import only these tools; omitted means all.")
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
        default_factory=lambda: list[ToolSource]([PythonToolSource(python="orchestra.tools.builtin")]),
        description="Tool sources, searched in order; a name provided twice is an error.",
    )


DEFAULT_IMPORTS = ["json", "datetime", "math", "re", "collections", "itertools", "statistics", "time"]


class AgentsConfig(StrictModel):
    """Settings shared by every agent in the hierarchy."""

    authorized_imports: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IMPORTS), description="Modules agent code may import."
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
    prefetch_upstream: bool = Field(
        False,
        description="At the start of a cycle, run the layers upstream of the DAG's sinks while the root's "
        "first model call is in flight (same work, earlier; use when the root always consults the layers).",
    )


class HeartbeatConfig(StrictModel):
    """The heartbeat cycle: its deadline, energy rule and schedule."""

    deadline_s: float = Field(30.0, gt=0, description="Seconds DECIDE may take before the fallback decides.")
    rest_below: int = Field(2, ge=0, description="With less energy than this, the beat rests.")
    predicting_models: int = Field(3, ge=0, description="Mental models asked for predictions in OBSERVE.")
    resolve_predictions: int = Field(10, ge=0, description="Pending predictions resolved in ORIENT.")
    every: str = Field("1h", description="Interval of the scheduler (--every), e.g. 1h, 30m, 45s.")
    jitter: str = Field("5m", description="Random extra delay, 0 to this, added to each interval.")
    cooldown_after_user: str = Field("30m", description="No beat sooner than this after a user session ends.")
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


# ---------------------------------------------------------------------------------------- loading


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Load and validate a config file, applying ``--set key.path=value`` overrides.

    Raises:
        ConfigError: naming file, line and key path for anything wrong.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", file=file) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", file=file) from None
    return config_from_text(text, file=file, overrides=overrides)


def config_from_text(text: str, *, file: str = "<string>", overrides: list[str] | None = None) -> Config:
    """Parse YAML text into a validated config (see :func:`load_config`)."""
    data, source = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ConfigError(
            "the config must be a mapping of sections (models, root, layers, ...)", file=file, line=1
        )
    return config_from_dict(data, source=source, overrides=overrides)


def config_from_dict(
    data: dict[str, Any], *, source: SourceMap | None = None, overrides: list[str] | None = None
) -> Config:
    """Validate plain data into a config; the last step of every load."""
    source = source or SourceMap(file="<dict>")
    data = _interpolate_env(data, "", source)
    for expression in overrides or []:
        apply_override(data, expression, source)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, source) from None
    config._source = source
    _check_references(config, source)
    from orchestra.graph import LayerGraph  # graph imports config; checked here so a loaded config builds

    LayerGraph.from_config(config)
    return config


_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _interpolate_env(value: Any, path: str, source: SourceMap) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}``; a value that is only an unset ``${VAR}`` becomes null."""
    if isinstance(value, dict):
        return {key: _interpolate_env(item, join_path(path, key), source) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate_env(item, join_path(path, index), source) for index, item in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _ENV_PATTERN.fullmatch(value)
    if whole and whole.group(2) is None and whole.group(1) not in os.environ:
        return None

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise source.error(path, f"environment variable {name} is not set (write ${{{name}:-default}})")

    return _ENV_PATTERN.sub(substitute, value)


_OVERRIDE_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def apply_override(data: dict[str, Any], expression: str, source: SourceMap) -> None:
    """Apply one ``key.path=value`` override in place; the value is parsed as YAML.

    Raises:
        ConfigError: when the expression is malformed or walks into a non-mapping.
    """
    origin = f"--set {expression}"
    key_path, sep, raw_value = expression.partition("=")
    key_path = key_path.strip()
    if not sep or not key_path:
        raise ConfigError("an override is written key.path=value", file=origin)
    parts: list[str | int] = []
    for match in _OVERRIDE_PART.finditer(key_path):
        if match.group(1) is not None:
            parts.append(int(match.group(1)) if match.group(1).isdigit() else match.group(1))
        else:
            parts.append(int(match.group(2)))
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else None
    except yaml.YAMLError:
        value = raw_value
    node: Any = data
    walked = ""
    for part in parts[:-1]:
        walked = join_path(walked, part)
        if isinstance(node, dict):
            node = node.setdefault(str(part), {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            raise ConfigError(f"cannot set inside a {type(node).__name__}", key_path=walked, file=origin)
    last = parts[-1]
    if isinstance(node, dict):
        node[str(last)] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    else:
        raise ConfigError(f"cannot set inside a {type(node).__name__}", key_path=key_path, file=origin)
    normalized = ""
    for part in parts:
        normalized = join_path(normalized, part)
    source.origins[normalized] = origin


# ------------------------------------------------------------------------------- error translation


def _translate(exc: ValidationError, source: SourceMap) -> ConfigError:
    errors = exc.errors(include_url=False)
    rendered = [_render_error(error, source) for error in errors]
    first = rendered[0]
    if len(rendered) > 1:
        first.more = [str(other) for other in rendered[1:]]
    return first


def _render_error(error: Any, source: SourceMap) -> ConfigError:
    raw_loc = list(error["loc"])
    loc = [
        part for part in raw_loc if not (isinstance(part, str) and (part in TOOL_SOURCE_TAGS or "[" in part))
    ]
    key_path = ""
    for part in loc:
        key_path = join_path(key_path, part)
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        valid = sorted(_fields_at(raw_loc[:-1]))
        message = f"unknown key{_suggest(str(loc[-1]), valid)}; valid keys: {', '.join(valid)}"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "greater_than_equal":
        message = f"must be >= {ctx['ge']}"
    elif kind == "greater_than":
        message = f"must be > {ctx['gt']}"
    elif kind == "less_than_equal":
        message = f"must be <= {ctx['le']}"
    elif kind == "literal_error":
        message = f"must be one of {ctx['expected']}"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif kind == "tool_source":
        message = error["msg"]
    else:
        message = f"{error['msg'][:1].lower()}{error['msg'][1:]} (got {error.get('input')!r})"
    return source.error(key_path, message)


def _fields_at(loc: list[Any]) -> list[str]:
    """Valid keys of the section at ``loc``, walking the schema through dicts and lists."""
    annotation: Any = Config
    for part in loc:
        if isinstance(part, str) and part in TOOL_SOURCE_TAGS:
            annotation = TOOL_SOURCE_TAGS[part]
            continue
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``X | None`` and ``Annotated`` so the schema walk sees the section type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        else:
            return annotation


def _suggest(name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return f" '{name}' (did you mean '{close[0]}'?)" if close else f" '{name}'"


def unknown_name(kind: str, name: str, valid: list[str]) -> str:
    """Message for an unknown name that lists the valid choices, with a suggestion."""
    return f"unknown {kind}{_suggest(name, valid)}; valid: {', '.join(valid) or '(none)'}"


# ------------------------------------------------------------------------------ reference checks


def _check_references(config: Config, source: SourceMap) -> None:
    profiles = list(config.models)
    for name, profile in config.models.items():
        for index, fallback in enumerate(profile.fallbacks):
            if fallback not in config.models:
                raise source.error(
                    f"models.{name}.fallbacks[{index}]", unknown_name("model profile", fallback, profiles)
                )
            if fallback == name:
                raise source.error(
                    f"models.{name}.fallbacks[{index}]", "a profile cannot fall back to itself"
                )
    if config.root.model not in config.models:
        raise source.error("root.model", unknown_name("model profile", config.root.model, profiles))
    if not config.layers:
        raise source.error("layers", "at least one layer is required")
    for name, layer in config.layers.items():
        if not name.isidentifier() or keyword.iskeyword(name):
            raise source.error(
                f"layers.{name}", "a layer name must be a Python identifier (the root calls it)"
            )
        if layer.model not in config.models:
            raise source.error(f"layers.{name}.model", unknown_name("model profile", layer.model, profiles))
        resolved = resolve_layer(name, layer)
        if not resolved.description:
            known = ", ".join(KNOWN_LAYERS)
            raise source.error(
                f"layers.{name}.description",
                f"required for a layer without built-in defaults (built-in layers: {known})",
            )
