"""Cross-references a schema cannot check: profiles, fallbacks, layer names and descriptions."""

from __future__ import annotations

import keyword

from layers import KNOWN_LAYERS
from orchestra.config.schema import Config, resolve_layer
from orchestra.config.yaml_source import SourceMap
from orchestra.errors import unknown_name


def check_references(config: Config, source: SourceMap) -> None:
    """Raise a located ``ConfigError`` for the first name that points nowhere."""
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
