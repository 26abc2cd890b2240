"""The ThoughtSeed layers as data: each module gives a layer's role text and default tools.

A config that names a known layer but omits its description, instructions or tools gets
these defaults, so the shipped YAML stays short and researchers override only what they study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module


@dataclass(frozen=True, kw_only=True)
class LayerDefaults:
    """Role text and defaults for one layer."""

    name: str
    """The layer's name, a Python identifier (the root calls it by this name)."""
    description: str
    """What the root manager reads when deciding to call this layer."""
    instructions: str
    """Appended to the layer agent's system prompt."""
    tools: tuple[str, ...] = field(default_factory=tuple)
    """Tool names the layer gets when the config does not list its own."""
    max_steps: int = 5
    """Step limit when the config does not set one."""


KNOWN_LAYERS: tuple[str, ...] = ("sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive")
"""The five ThoughtSeed layers, bottom-up."""


def layer_defaults(name: str) -> LayerDefaults | None:
    """Defaults for a known layer (or the root, ``consciousness``), else None."""
    if name not in (*KNOWN_LAYERS, "consciousness"):
        return None
    module = import_module(f"layers.{name}")
    defaults: LayerDefaults = module.DEFAULTS
    return defaults
