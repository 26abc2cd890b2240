"""Tool sources: where the registry's tools come from.

A Python source is a module exposing ``provide_tools(context) -> Iterable[Tool]``. The context
carries what a source may need to build its tools (the config now; services and MCP sessions
join it in later layers of the stack), so sources never reach for globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from orchestra.config import Config, PythonToolSource
from orchestra.errors import ToolError
from orchestra.tools.registry import ToolRegistry


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """What a tool source is given when asked for its tools."""

    config: Config
    """The loaded configuration."""


def load_tool_sources(config: Config) -> ToolRegistry:
    """Build the registry from every configured source, in order.

    Raises:
        ToolError: a source cannot be imported, has no ``provide_tools``, or repeats a name.
    """
    registry = ToolRegistry()
    context = ToolContext(config=config)
    for index, source in enumerate(config.tools.sources):
        key_path = f"tools.sources[{index}]"
        where = config.source.where(key_path)
        if isinstance(source, PythonToolSource):
            registry.register_all(
                _python_tools(source, context, key_path, where), source=f"python:{source.python}"
            )
    return registry


def _python_tools(source: PythonToolSource, context: ToolContext, key_path: str, where: str) -> list:
    try:
        module = import_module(source.python)
    except ImportError as exc:
        raise ToolError(
            f"{key_path}: cannot import tool module '{source.python}': {exc} {where}".rstrip()
        ) from None
    provide = getattr(module, "provide_tools", None)
    if not callable(provide):
        raise ToolError(
            f"{key_path}: module '{source.python}' has no provide_tools(context) function {where}".rstrip()
        )
    return list(provide(context))
