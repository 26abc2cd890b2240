"""orchestra: code-first cognitive agents on smolagents, one agent per ThoughtSeed layer.

The public API is importable from here (``from orchestra import load_config, build_hierarchy``);
names load on first use, so ``import orchestra`` stays fast and needs no network.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# litellm fetches its model cost map from the network at import unless told otherwise;
# orchestra must import offline, so this is set before anything can import litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import structlog

from orchestra import _moved
from orchestra.errors import (
    BudgetError,
    ConfigError,
    GraphError,
    LayerFailedError,
    ModelError,
    OrchestraError,
    ServiceError,
    StoreError,
    ToolError,
    UnknownToolError,
)
from orchestra.logs import configure_logging
from orchestra.version import __version__

if not structlog.is_configured():
    # Quiet by default (warnings and errors, to stderr); an application that configures
    # structlog itself, before or after this import, wins.
    configure_logging(stdlib=False)

_moved.install()

_LAZY: dict[str, str] = {
    "Config": "orchestra.config",
    "load_config": "orchestra.config",
    "config_from_text": "orchestra.config",
    "config_from_dict": "orchestra.config",
    "LayerGraph": "orchestra.graph",
    "AgentSpec": "orchestra.models",
    "ModelFactory": "orchestra.models",
    "ProfileModelFactory": "orchestra.models",
    "ScriptedModel": "orchestra.models",
    "FunctionModel": "orchestra.models",
    "OfflinePolicyModel": "orchestra.models",
    "ToolRegistry": "orchestra.tools",
    "load_tool_sources": "orchestra.tools",
    "Hierarchy": "orchestra.agents",
    "CycleResult": "orchestra.agents",
    "build_hierarchy": "orchestra.agents",
    "Heartbeat": "orchestra.heartbeat",
    "BeatResult": "orchestra.heartbeat",
    "Decision": "orchestra.heartbeat",
    "CognitiveServices": "orchestra.services",
    "ServicesSettings": "orchestra.services",
    "Store": "orchestra.store",
}
"""Public name → the package that defines it, imported when the name is first used."""

if TYPE_CHECKING:
    from orchestra.agents import CycleResult, Hierarchy, build_hierarchy
    from orchestra.config import Config, config_from_dict, config_from_text, load_config
    from orchestra.graph import LayerGraph
    from orchestra.heartbeat import BeatResult, Decision, Heartbeat
    from orchestra.models import (
        AgentSpec,
        FunctionModel,
        ModelFactory,
        OfflinePolicyModel,
        ProfileModelFactory,
        ScriptedModel,
    )
    from orchestra.services import CognitiveServices, ServicesSettings
    from orchestra.store import Store
    from orchestra.tools import ToolRegistry, load_tool_sources

__all__ = [
    "AgentSpec",
    "BeatResult",
    "BudgetError",
    "CognitiveServices",
    "Config",
    "ConfigError",
    "CycleResult",
    "Decision",
    "FunctionModel",
    "GraphError",
    "Heartbeat",
    "Hierarchy",
    "LayerFailedError",
    "LayerGraph",
    "ModelError",
    "ModelFactory",
    "OfflinePolicyModel",
    "OrchestraError",
    "ProfileModelFactory",
    "ScriptedModel",
    "ServiceError",
    "ServicesSettings",
    "Store",
    "StoreError",
    "ToolError",
    "ToolRegistry",
    "UnknownToolError",
    "__version__",
    "build_hierarchy",
    "config_from_dict",
    "config_from_text",
    "configure_logging",
    "load_config",
    "load_tool_sources",
]


def __getattr__(name: str) -> Any:
    """Import a public name's package on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'orchestra' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
