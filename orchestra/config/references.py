"""Cross-references a schema cannot check: profiles, fallbacks, layer names and descriptions."""

from __future__ import annotations

import difflib
import keyword

from layers import KNOWN_LAYERS
from orchestra.config.schema import DANGEROUS_IMPORTS, Config, ExecutorKind, resolve_layer
from orchestra.config.yaml_source import SourceMap
from orchestra.errors import unknown_name

MAX_LAYERS = 64
"""Most layers a config may declare."""
ROOT_NAME = "consciousness"
"""The root agent's name (the hierarchy's ``ROOT_NAME``), which no layer may take."""


def check_references(config: Config, source: SourceMap) -> None:
    """Raise a located ``ConfigError`` for the first name that points nowhere."""
    profiles = list(config.models)
    if not profiles:  # else the error would blame root.model, a key the file may not even have
        raise source.error("models", "at least one model profile is required")
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
    if len(config.layers) > MAX_LAYERS:
        raise source.error(
            "layers",
            f"{len(config.layers):,} layers; a hierarchy may have {MAX_LAYERS} (each one is an agent, "
            "with its own model calls and worker every cycle)",
        )
    for index, tool in enumerate(config.root.tools):
        if tool in config.layers:
            raise source.error(
                f"root.tools[{index}]", f"tool '{tool}' has the same name as a layer; rename the layer"
            )
    if ROOT_NAME in config.layers:
        raise source.error(
            f"layers.{ROOT_NAME}", f"'{ROOT_NAME}' is the root's own name; name the layer otherwise"
        )
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
            close = difflib.get_close_matches(name, [*KNOWN_LAYERS, *config.layers.keys() - {name}], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise source.error(
                f"layers.{name}.description",
                f"required for a layer without built-in defaults (built-in layers: {known}){hint}",
            )
    _check_imports(config, source)
    policy = config.root.metacognition
    if policy is not None:
        layers = list(config.layers)
        if policy.layer not in config.layers:
            raise source.error("root.metacognition.layer", unknown_name("layer", policy.layer, layers))
        if policy.then == "requery":
            if policy.requery is None:
                raise source.error("root.metacognition.requery", "then: requery needs the layer to ask again")
            if policy.requery not in config.layers:
                raise source.error(
                    "root.metacognition.requery", unknown_name("layer", policy.requery, layers)
                )
        if policy.then == "escalate":
            if policy.escalate_to is None:
                raise source.error("root.metacognition.escalate_to", "then: escalate needs a model profile")
            if policy.escalate_to not in config.models:
                raise source.error(
                    "root.metacognition.escalate_to",
                    unknown_name("model profile", policy.escalate_to, profiles),
                )


def dangerous_imports(config: Config) -> list[str]:
    """The authorized imports that reach the host from in-process code ('*' included)."""
    return [
        module
        for module in config.agents.authorized_imports
        if module == "*" or module.split(".")[0] in DANGEROUS_IMPORTS
    ]


def executor_of(config: Config, layer: str | None) -> ExecutorKind:
    """``sandbox`` or ``local`` for the root (``layer`` None) or a layer, defaults applied."""
    own = config.root.executor if layer is None else config.layers[layer].executor
    return own or config.agents.executor


def code_executors(config: Config) -> dict[str, ExecutorKind]:
    """Each code agent's executor by key path (``root``, ``layers.abstract``), defaults applied."""
    executors = {"root": executor_of(config, None)}
    for name, layer in config.layers.items():
        if layer.kind == "code":
            executors[f"layers.{name}"] = executor_of(config, name)
    return executors


def _check_imports(config: Config, source: SourceMap) -> None:
    """Refuse imports that reach the host unless every code agent runs in-process and they are allowed."""
    imports = config.agents.authorized_imports
    for index, module in enumerate(imports):
        if module not in dangerous_imports(config):
            continue
        sandboxed = [path for path, kind in code_executors(config).items() if kind == "sandbox"]
        what = "'*' allows every module" if module == "*" else f"'{module}' reaches the host"
        if sandboxed:
            raise source.error(
                f"agents.authorized_imports[{index}]",
                f"{what}; it is refused with sandboxed agents ({', '.join(sandboxed)}): set "
                "agents.executor: local everywhere and agents.allow_dangerous_imports: true to run "
                "such code in-process, on trusted workloads only",
            )
        if not config.agents.allow_dangerous_imports:
            raise source.error(
                f"agents.authorized_imports[{index}]",
                f"{what}; set agents.allow_dangerous_imports: true to allow it (trusted workloads only)",
            )
