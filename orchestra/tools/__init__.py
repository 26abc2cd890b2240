"""Tool sources and the registry layers pick tools from by name.

The names are loaded on first use (PEP 562): ``orchestra.tools.mcp_prestart`` runs before
smolagents is imported, and importing it must not import smolagents through this package.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestra.tools.registry import ToolRegistry
    from orchestra.tools.sources import ToolContext, load_tool_sources

__all__ = ["ToolContext", "ToolRegistry", "load_tool_sources"]

_HOMES = {"ToolRegistry": "registry", "ToolContext": "sources", "load_tool_sources": "sources"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'orchestra.tools' has no attribute {name!r}")
    return getattr(import_module(f"orchestra.tools.{_HOMES[name]}"), name)
