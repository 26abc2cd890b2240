"""The MCP bridge: tools from any MCP server, with fallbacks when the server is not there (TR-003).

Tools are imported with smolagents' MCP adapter (mcpadapt, what ``ToolCollection.from_mcp`` and
``MCPClient`` run on, with ``structured_output=True``). Calls go through the adapter's session
with orchestra's own guard around them:

- every call has a hard timeout, so a dead or stuck server cannot hang a cycle;
- a transport failure opens a circuit breaker: for ``cooldown_s`` calls go straight to the
  fallback (the in-process tool of the same name, or a result marked ``degraded``) instead of
  paying the timeout again; after the cool-down the bridge reconnects and tries the server;
- an error *result* from the server (bad arguments, a failing service) is not a transport
  failure: it reaches the agent as an error with the server's message;
- a server that will not start is reported with its own error (its stderr), not a bare timeout.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import Any

import jsonschema
import structlog
from mcp import types
from mcpadapt.core import MCPAdapt
from mcpadapt.smolagents_adapter import SmolAgentsAdapter
from smolagents import Tool

from orchestra.config import McpServerConfig
from orchestra.errors import ToolError, describe
from orchestra.tools.service_tools import FunctionTool

log = structlog.get_logger(__name__)


class ToolCallFailed(ToolError):
    """The server answered with an error result: the tool ran and refused (not a transport failure)."""


def _stdio_parameters(config: McpServerConfig, env: dict[str, str]) -> Any:
    from mcp import StdioServerParameters

    assert config.command is not None
    command = [sys.executable if config.command[0] == "python" else config.command[0], *config.command[1:]]
    return StdioServerParameters(command=command[0], args=command[1:], env={**env, **config.env})


class McpConnection:
    """One MCP server: connect, list tools, call them, reconnect; thread-safe."""

    def __init__(self, config: McpServerConfig, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = env or {}
        self._adapt: Any = None
        self._sessions: dict[str, Any] = {}
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.down_since: float | None = None
        """``time.monotonic()`` of the last transport failure; None while healthy."""
        self.last_error: str | None = None
        """The last transport failure, for degraded results and logs."""

    @property
    def label(self) -> str:
        """How this server is named in logs and errors."""
        return self.config.label

    def connect(self) -> list[Tool]:
        """Start or reach the server and import its tools (smolagents ``Tool`` objects).

        Raises:
            ToolError: the server could not be reached; the message carries the server's own error.
        """
        params: Any
        if self.config.command is not None:
            params = _stdio_parameters(self.config, self.env)
        else:
            params = {"url": self.config.url, "transport": "streamable-http"}
        adapt = _ObservedAdapt(
            params,
            SmolAgentsAdapter(structured_output=True),
            connect_timeout=int(max(1, self.config.connect_timeout_s)),
            client_session_timeout_seconds=float(self.config.call_timeout_s),
        )
        try:
            adapt.start()
            tools = adapt.tools()
        except Exception as error:
            adapt.shutdown()
            raise ToolError(f"MCP server '{self.label}' did not start: {self._diagnose(error)}") from None
        wanted = set(self.config.tools) if self.config.tools is not None else None
        if wanted is not None:
            missing = wanted - {tool.name for tool in tools}
            if missing:
                adapt.shutdown()
                raise ToolError(f"MCP server '{self.label}' has no tools named {', '.join(sorted(missing))}")
            tools = [tool for tool in tools if tool.name in wanted]
        validators = _output_validators(adapt.mcp_tools[0])
        with self._lock:
            old, self._adapt = self._adapt, adapt
            self._sessions = {tool.name: adapt.sessions[0] for tool in tools}
            self._validators = validators
            self.down_since = None
        if old is not None:
            old.shutdown()
        return tools

    def _diagnose(self, error: BaseException) -> str:
        """The server's own words: for a stdio server, run it once more and read its stderr."""
        reason = describe(error)
        if self.config.command is None:
            return reason
        params = _stdio_parameters(self.config, self.env)
        try:
            probe = subprocess.run(
                [params.command, *params.args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=min(5.0, self.config.connect_timeout_s),
                env={**_base_environment(), **(params.env or {})},
            )
        except FileNotFoundError:
            return f"command not found: {params.command}"
        except subprocess.TimeoutExpired:
            return f"{reason} (the command runs but did not complete the MCP handshake)"
        tail = [line for line in probe.stderr.strip().splitlines() if line.strip()][-3:]
        said = " | ".join(tail) if tail else f"exited with status {probe.returncode} and printed nothing"
        return f"{reason}; the server said: {said}"

    def healthy(self) -> bool:
        """True while no transport failure is younger than the cool-down."""
        with self._lock:
            if self.down_since is None:
                return self._adapt is not None
            return False

    def due_for_retry(self) -> bool:
        """True once a failed server's cool-down has passed."""
        with self._lock:
            return self.down_since is None or time.monotonic() - self.down_since >= self.config.cooldown_s

    def mark_down(self, reason: str) -> None:
        """Open the breaker: calls use the fallback until the cool-down passes."""
        with self._lock:
            first = self.down_since is None
            self.down_since = time.monotonic()
            self.last_error = reason
        if first:
            log.warning("mcp_server_down", server=self.label, error=reason, cooldown_s=self.config.cooldown_s)

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call a tool on the server, bounded by ``call_timeout_s``.

        Raises:
            ToolCallFailed: the server ran the tool and returned an error result.
            ToolError: transport failure or timeout (the caller falls back).
        """
        with self._lock:
            adapt, session = self._adapt, self._sessions.get(name)
            validator = self._validators.get(name)
        if adapt is None or session is None:
            raise ToolError(f"MCP server '{self.label}' is not connected")
        # ClientSession.call_tool re-checks the output schema with jsonschema.validate on every call
        # (about half a millisecond); the same check runs here against a validator compiled once.
        request = types.ClientRequest(
            types.CallToolRequest(params=types.CallToolRequestParams(name=name, arguments=arguments))
        )
        future = asyncio.run_coroutine_threadsafe(
            session.send_request(
                request,
                types.CallToolResult,
                request_read_timeout_seconds=timedelta(seconds=self.config.call_timeout_s),
            ),
            adapt.loop,
        )
        try:
            result = future.result(timeout=self.config.call_timeout_s + 1)
        except FutureTimeout:
            future.cancel()
            raise ToolError(
                f"{name} on '{self.label}' timed out after {self.config.call_timeout_s:g}s"
            ) from None
        except Exception as error:
            raise ToolError(f"{name} on '{self.label}' failed: {describe(error)}") from None
        if validator is not None and not result.isError and result.structuredContent is not None:
            problem = next(iter(validator.iter_errors(result.structuredContent)), None)
            if problem is not None:
                raise ToolCallFailed(f"{name} returned output that breaks its schema: {problem.message}")
        return _unpack(name, result)

    def close(self) -> None:
        """Disconnect (and stop a stdio server)."""
        with self._lock:
            adapt, self._adapt = self._adapt, None
        if adapt is not None:
            adapt.shutdown()


def _output_validators(tools: list[types.Tool]) -> dict[str, Any]:
    """A compiled jsonschema validator per tool that declares an output schema."""
    validators = {}
    for tool in tools:
        if tool.outputSchema:
            validator_class = jsonschema.validators.validator_for(tool.outputSchema)
            validators[tool.name] = validator_class(tool.outputSchema)
    return validators


def _unpack(name: str, result: Any) -> Any:
    text = "\n".join(getattr(item, "text", "") for item in result.content or [])
    if result.isError:
        raise ToolCallFailed(text.strip() or f"{name} returned an error")
    structured = result.structuredContent
    if isinstance(structured, dict):
        # FastMCP wraps non-object results as {"result": value}; callers get the value itself.
        if set(structured) == {"result"}:
            return structured["result"]
        return structured
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return text


def _base_environment() -> dict[str, str]:
    from mcp.client.stdio import get_default_environment

    return get_default_environment()


class _ObservedAdapt(MCPAdapt):
    """MCPAdapt that fails as soon as its connection task dies, keeping the reason.

    MCPAdapt's own ``start`` waits the whole connect timeout even when the server died at once.
    """

    failure: BaseException | None = None

    def _run_loop(self) -> None:
        try:
            super()._run_loop()
        except BaseException as error:
            self.failure = error

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + self.connect_timeout
        while not self.ready.wait(timeout=0.05):
            if not self.thread.is_alive():
                raise self.failure or ConnectionError("the connection ended before the session was ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no MCP handshake within {self.connect_timeout}s")

    def shutdown(self) -> None:
        """Close without hanging on a dead loop; never raises into a cycle."""
        try:
            if self.task is not None and not self.task.done() and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.task.cancel)
            if self.thread.is_alive():
                self.thread.join(timeout=5)
            if not self.thread.is_alive() and not self.loop.is_closed():
                self.loop.close()
        except Exception as error:
            log.debug("mcp_close_failed", error=describe(error))


class BridgedTool(FunctionTool):
    """What a layer sees: the MCP tool's schema, with the breaker and fallback around its calls."""

    def __init__(self, remote: Tool, connection: McpConnection, fallback: Tool | None) -> None:
        self.connection = connection
        self.fallback = fallback
        self.remote_name = remote.name
        super().__init__(
            name=remote.name,
            description=remote.description,
            inputs=remote.inputs,
            output_type=remote.output_type,
            call=self._guarded_call,
        )

    def _guarded_call(self, **kwargs: Any) -> Any:
        connection = self.connection
        if not connection.healthy() and connection.due_for_retry():
            try:
                connection.connect()
                log.info("mcp_server_back", server=connection.label)
            except ToolError as error:
                connection.mark_down(str(error))
        if connection.healthy():
            try:
                return connection.call(self.remote_name, kwargs)
            except ToolCallFailed:
                raise
            except ToolError as error:
                connection.mark_down(str(error))
        return self._fall_back(kwargs)

    def _fall_back(self, kwargs: dict[str, Any]) -> Any:
        reason = self.connection.last_error or "server unavailable"
        if self.fallback is not None:
            log.info("mcp_fallback", tool=self.name, server=self.connection.label)
            return self.fallback(**kwargs)
        return {
            "degraded": True,
            "tool": self.name,
            "server": self.connection.label,
            "error": reason,
            "message": "the MCP server is unavailable and this tool has no local fallback; nothing was done",
        }
