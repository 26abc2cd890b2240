"""The YAML configuration: schema, loading, ``${ENV}``, ``--set``, and errors with file and line.

``load_config(path)`` is the way in; everything it returns has been checked (schema, references,
the layer graph), so a config that loads is a config that builds.
"""

from orchestra.config.loading import apply_override, config_from_dict, config_from_text, load_config
from orchestra.config.schema import (
    OFFLINE_MODEL_ID,
    AgentKind,
    AgentsConfig,
    Config,
    GraphConfig,
    HeartbeatConfig,
    LayerConfig,
    McpServerConfig,
    McpToolSource,
    ModelProfile,
    PythonToolSource,
    ResolvedLayer,
    RootConfig,
    ServicesToolSource,
    ToolsConfig,
    ToolSource,
    resolve_layer,
)
from orchestra.config.yaml_source import SourceMap

__all__ = [
    "OFFLINE_MODEL_ID",
    "AgentKind",
    "AgentsConfig",
    "Config",
    "GraphConfig",
    "HeartbeatConfig",
    "LayerConfig",
    "McpServerConfig",
    "McpToolSource",
    "ModelProfile",
    "PythonToolSource",
    "ResolvedLayer",
    "RootConfig",
    "ServicesToolSource",
    "SourceMap",
    "ToolSource",
    "ToolsConfig",
    "apply_override",
    "config_from_dict",
    "config_from_text",
    "load_config",
    "resolve_layer",
]
