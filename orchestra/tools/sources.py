"""Tool sources: where the registry's tools come from.

- ``python: module`` — a module exposing ``provide_tools(context) -> Iterable[Tool]``;
- ``services: in_process`` — the 37 cognitive-service tools, called in this process;
- ``mcp: {command | url}`` — any MCP server's tools through the bridge, falling back to the
  in-process tool of the same name (or a degraded result) while the server is unreachable.

The :class:`ToolContext` carries what sources share (one services instance, one background
loop) and everything that must be closed when the registry is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

import structlog
from smolagents import Tool

from orchestra.config import Config, McpToolSource, PythonToolSource, ServicesToolSource
from orchestra.errors import ConfigError, OrchestraError, StoreError, ToolError
from orchestra.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from orchestra.services.surface import CognitiveServices
    from orchestra.tools.background_loop import BackgroundLoop
    from orchestra.tools.mcp_bridge import McpConnection

log = structlog.get_logger(__name__)

IN_PROCESS_TIMEOUT_S = 10.0
"""Timeout of in-process service calls made as an MCP fallback."""


class ToolContext:
    """What a tool source is given: the config, and lazily opened shared resources."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._services: CognitiveServices | None = None
        self._loop: BackgroundLoop | None = None
        self._lock = threading.Lock()
        self.closers: list[Callable[[], None]] = []
        """Called in reverse order when the registry closes."""

    def services(self) -> CognitiveServices:
        """The cognitive services over the config's store, opened on first use."""
        with self._lock:
            if self._services is None:
                from orchestra.services.surface import CognitiveServices

                try:
                    self._services = CognitiveServices.open(self.config.services)
                except StoreError as failure:
                    raise self._located(failure) from None
                self.closers.append(self._services.close)
            return self._services

    def loop(self) -> BackgroundLoop:
        """The background event loop for async calls, started on first use."""
        with self._lock:
            if self._loop is None:
                from orchestra.tools.background_loop import BackgroundLoop

                self._loop = BackgroundLoop()
                self.closers.append(self._loop.close)
            return self._loop

    def service_tools(self, timeout_s: float = IN_PROCESS_TIMEOUT_S) -> list[Tool]:
        """The 37 in-process service tools."""
        from orchestra.tools.service_tools import service_tools

        return service_tools(self.services(), self.loop(), timeout_s)

    def server_environment(self) -> dict[str, str]:
        """What orchestra's own stdio server gets besides the minimal environment: this store's path."""
        from orchestra.tools.mcp_process import own_server_environment

        try:
            return own_server_environment(self.config)
        except StoreError as failure:
            raise self._located(failure) from None

    def _located(self, failure: StoreError) -> OrchestraError:
        """A store error of an explicit ``services.store`` (or ``store_path``), blamed on its key and line."""
        services = self.config.services
        if services.named_store is None:
            return failure
        key = "services.store" if services.store is not None else "services.store_path"
        return self.config.source.error(key, str(failure), ConfigError)

    def close(self) -> None:
        """Close everything the sources opened, newest first."""
        while self.closers:
            closer = self.closers.pop()
            try:
                closer()
            except Exception as error:  # one failing close must not keep the rest open
                log.warning("tool_source_close_failed", error=str(error))


def load_tool_sources(config: Config, context: ToolContext | None = None) -> ToolRegistry:
    """Build the registry from every configured source, in order.

    Args:
        config: the loaded config.
        context: shared resources to build on (the heartbeat passes its own, so its services
            and the tools' in-process fallbacks are one instance); closed with the registry.

    Raises:
        ToolError: a source cannot be imported, repeats a name, or a required MCP server is down.
    """
    context = context or ToolContext(config)
    registry = ToolRegistry(on_close=context.close)
    unnamed_down: list[tuple[McpToolSource, McpConnection]] = []
    try:
        for index, source in enumerate(config.tools.sources):
            key_path = f"tools.sources[{index}]"
            where = config.source.where(key_path)
            if isinstance(source, PythonToolSource):
                tools = _python_tools(source, context, key_path, where)
                registry.register_all(tools, source=f"python:{source.python}", where=where)
            elif isinstance(source, ServicesToolSource):
                registry.register_all(
                    context.service_tools(source.timeout_s), source="services:in_process", where=where
                )
            elif isinstance(source, McpToolSource):
                tools, connection = _mcp_tools(source, context, key_path, where)
                if connection is not None:
                    unnamed_down.append((source, connection))
                registry.register_all(tools, source=f"mcp:{source.mcp.label}", where=where)
        if unnamed_down:
            _stand_ins_for_wanted(config, registry, unnamed_down)
    except BaseException:
        registry.close()
        raise
    return registry


def _python_tools(source: PythonToolSource, context: ToolContext, key_path: str, where: str) -> list[Tool]:
    try:
        module = import_module(source.python)
    except ImportError as exc:
        raise ToolError(f"{key_path}: cannot import tool module '{source.python}': {exc} {where}") from None
    provide = getattr(module, "provide_tools", None)
    if not callable(provide):
        raise ToolError(
            f"{key_path}: module '{source.python}' has no provide_tools(context) function {where}"
        )
    return list(provide(context))


def _mcp_tools(
    source: McpToolSource, context: ToolContext, key_path: str, where: str
) -> tuple[list[Tool], McpConnection | None]:
    """The source's bridged tools; with a down server and no ``tools:`` list, also its connection.

    A down server with ``required: false`` still yields tools: orchestra's own server its
    in-process twins, any other server degraded stand-ins for the names the config gives it.
    """
    from orchestra.services.surface import TOOL_NAMES
    from orchestra.tools.mcp_bridge import BridgedTool, McpConnection, stand_in
    from orchestra.tools.mcp_process import McpConfigError, is_orchestra_server

    config = source.mcp
    own = is_orchestra_server(config)
    connection = McpConnection(config, env=context.server_environment())
    context.closers.append(connection.close)
    local: dict[str, Tool] = {}

    def local_tools() -> dict[str, Tool]:
        if not local and own and config.fallback == "in_process":
            local.update({tool.name: tool for tool in context.service_tools()})
        return local

    try:
        remote = connection.connect()
    except McpConfigError as error:
        raise ToolError(f"{key_path}.mcp: {error} {where}") from None
    except ToolError as error:
        if config.required:
            raise ToolError(f"{key_path}: {error} {where}") from None
        connection.mark_down(str(error))
        if own:
            known = [name for name in (config.tools or TOOL_NAMES) if name in TOOL_NAMES]
            twins = local_tools()
            if twins:
                log.warning("mcp_using_in_process_tools", server=config.label, tools=len(known))
                return [BridgedTool(twins[name], connection, twins[name]) for name in known], None
            return [stand_in(name, connection) for name in known], None
        if config.tools is None:
            return [], connection
        log.warning("mcp_using_stand_ins", server=config.label, tools=list(config.tools))
        return [stand_in(name, connection) for name in config.tools], None
    return [BridgedTool(tool, connection, local_tools().get(tool.name)) for tool in remote], None


def _stand_ins_for_wanted(
    config: Config, registry: ToolRegistry, down: list[tuple[McpToolSource, McpConnection]]
) -> None:
    """Names the agents want that no source provided: stand-ins on the first down server without ``tools:``.

    Which server would have had them is unknowable while it is down; with one such server (the
    usual case) the guess is right, and the warning names the server either way.
    """
    from orchestra.tools.mcp_bridge import alias_of, stand_in

    provided = set(registry.names())
    wanted: dict[str, str] = {}  # alias -> the name the config gives
    for names in config.tool_wants().values():
        for name in names:
            if registry.resolve(name) not in provided:
                wanted.setdefault(name if name.isidentifier() else alias_of(name), name)
    for source, connection in down:
        if not wanted:
            log.warning("mcp_server_down_no_tools_named", server=source.mcp.label)
            continue
        log.warning("mcp_using_stand_ins", server=source.mcp.label, tools=sorted(wanted.values()))
        registry.register_all(
            [stand_in(name, connection) for name in wanted.values()], source=f"mcp:{source.mcp.label}"
        )
        wanted = {}
