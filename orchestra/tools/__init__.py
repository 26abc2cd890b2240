"""Tool sources and the registry layers pick tools from by name."""

from orchestra.tools.registry import ToolRegistry
from orchestra.tools.sources import ToolContext, load_tool_sources

__all__ = ["ToolContext", "ToolRegistry", "load_tool_sources"]
