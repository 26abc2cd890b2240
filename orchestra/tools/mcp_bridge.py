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
import keyword
import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import structlog
from mcp import ClientSession, types
from mcp.shared.exceptions import McpError
from mcpadapt.core import MCPAdapt
from mcpadapt.smolagents_adapter import SmolAgentsAdapter
from smolagents import Tool

from orchestra.config import McpServerConfig
from orchestra.errors import ToolError, describe
from orchestra.services.vocabulary import MCP_VALUE_KEY
from orchestra.tools.mcp_content import ToolCallFailed, unpack
from orchestra.tools.mcp_http import TransportWatch, client_factory
from orchestra.tools.mcp_prestart import Prestarted, adopted_stdio, key_of, take
from orchestra.tools.mcp_process import (
    McpConfigError,
    StderrTap,
    check_command,
    server_command,
    server_environment,
)
from orchestra.tools.service_tools import FunctionTool

log = structlog.get_logger(__name__)

__all__ = ["BridgedTool", "CallOutcomeUnknown", "CallTimedOut", "McpConnection", "ToolCallFailed", "stand_in"]


class CallOutcomeUnknown(ToolError):
    """The call was sent and no answer came back (the server died, the link broke): it may have run."""


class CallTimedOut(CallOutcomeUnknown):
    """The call got no answer within ``call_timeout_s``: that call's failure, not the server's."""


def _stdio_parameters(config: McpServerConfig, env: dict[str, str]) -> Any:
    from mcp import StdioServerParameters

    command = server_command(config)
    return StdioServerParameters(command=command[0], args=command[1:], env=env, cwd=config.cwd)


_POLL_S = 0.01
"""How often a waiting call looks at the HTTP watch: a refused POST is reported within this."""


class McpConnection:
    """One MCP server: connect, list tools, call them, reconnect; thread-safe."""

    def __init__(self, config: McpServerConfig, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = server_environment(config, env or {})
        """The whole environment a stdio server gets (see :func:`server_environment`)."""
        self._adapt: Any = None
        self._sessions: dict[str, Any] = {}
        self._validators: dict[str, Any] = {}
        self._value_keys: dict[str, str] = {}
        """Tools whose output schema names the property the agent gets (``x-orchestra-value``)."""
        self._lock = threading.Lock()
        self.scratch = Path(tempfile.gettempdir()) / f"orchestra-mcp-{os.getpid()}-{id(self):x}"
        """Where images and audio from this server's results are written (removed on close)."""
        self.watch = TransportWatch()
        """HTTP failures as they happen (stdio servers report theirs through the closed pipe)."""
        self.remote_names: dict[str, str] = {}
        """Alias (what agents call) → the server's own name, for every imported tool."""
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
            McpConfigError: the command cannot run, or ``tools:`` names tools the server lacks.
            ToolError: the server could not be reached; the message carries the server's own error.
        """
        params: Any
        tap: StderrTap | None = None
        prestarted: Prestarted | None = None
        if self.config.command is not None:
            check_command(self.config)
            params = _stdio_parameters(self.config, self.env)
            prestarted = take(key_of(self.config, self.env))
            if prestarted is not None:
                log.debug("mcp_server_adopted", server=self.label, pid=prestarted.process.pid)
            tap = prestarted.tap if prestarted is not None else StderrTap(self.label)
        else:
            params = {"url": self.config.url, "headers": dict(self.config.headers)}
        adapt = _ObservedAdapt(params, tap, self.config.connect_timeout_s, self.watch, prestarted)
        try:
            adapt.start()
        except Exception as error:
            # Stopping a stuck server takes the SDK's grace period (2 s); the error need not wait for it.
            threading.Thread(target=adapt.shutdown, name=f"mcp-stop-{self.label}", daemon=True).start()
            raise ToolError(f"MCP server '{self.label}' did not start: {_diagnose(error, tap)}") from None
        adapter = SmolAgentsAdapter(structured_output=True)
        listed: list[types.Tool] = adapt.mcp_tools[0]
        tools = {tool.name: adapter.adapt(_never_called, tool) for tool in listed}
        unknown = [name for name in self.config.rename if name not in tools]
        if unknown:
            adapt.shutdown()
            raise McpConfigError(
                f"rename names tools MCP server '{self.label}' does not have: {', '.join(unknown)}"
            )
        for name, tool in tools.items():
            tool.name = self.alias_for(name)
        aliases = {name: tool.name for name, tool in tools.items()}
        if self.config.tools is not None:
            by_either = {alias: name for name, alias in aliases.items()}
            by_either.update({name: name for name in aliases})
            missing = [name for name in self.config.tools if name not in by_either]
            if missing:
                adapt.shutdown()
                raise McpConfigError(
                    f"MCP server '{self.label}' has no tools named {', '.join(missing)}; "
                    f"it has: {', '.join(sorted(tools)) or 'none'}"
                )
            wanted = {by_either[name] for name in self.config.tools}
            tools = {name: tool for name, tool in tools.items() if name in wanted}
        validators = _output_validators(listed)
        value_keys = {tool.name: key for tool in listed if (key := value_key_of(tool.outputSchema))}
        with self._lock:
            old, self._adapt = self._adapt, adapt
            self._sessions = {name: adapt.sessions[0] for name in tools}
            self._sessions.update({tool.name: adapt.sessions[0] for tool in tools.values()})
            self.remote_names = {tool.name: name for name, tool in tools.items()}
            self._validators = validators
            self._value_keys = value_keys
            self.down_since = None
        if old is not None:
            old.shutdown()
        return list(tools.values())

    def alias_for(self, name: str) -> str:
        """What agents call the server's tool ``name``: its ``rename``, else ``prefix`` + its alias.

        A name that already is an alias (a layer's list naming a stand-in) is kept as it is.
        """
        if name in self.config.rename:
            return self.config.rename[name]
        prefixed = bool(self.config.prefix) and name.startswith(self.config.prefix)
        if prefixed or name in self.config.rename.values():
            return name
        return self.config.prefix + alias_of(name)

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
        """Call a tool on the server by the server's own name, bounded by ``call_timeout_s``.

        Raises:
            ToolCallFailed: the server ran the tool and returned an error result.
            ToolError: transport failure or timeout (the caller falls back).
        """
        with self._lock:
            adapt, session = self._adapt, self._sessions.get(name)
            validator = self._validators.get(name)
        if adapt is None:
            raise ToolError(f"MCP server '{self.label}' is not connected")
        if session is None:
            raise ToolCallFailed(f"MCP server '{self.label}' has no tool named {name}")
        # ClientSession.call_tool re-checks the output schema with jsonschema.validate on every call
        # (about half a millisecond); the same check runs here against a validator compiled once.
        request = types.ClientRequest(
            types.CallToolRequest(params=types.CallToolRequestParams(name=name, arguments=arguments))
        )
        sent = time.monotonic()
        future = asyncio.run_coroutine_threadsafe(
            session.send_request(
                request,
                types.CallToolResult,
                request_read_timeout_seconds=timedelta(seconds=self.config.call_timeout_s),
            ),
            adapt.loop,
        )
        result = self._wait(future, adapt, _call_text(name, arguments), sent)
        if validator is not None and not result.isError and result.structuredContent is not None:
            problem = next(iter(validator.iter_errors(result.structuredContent)), None)
            if problem is not None:
                raise ToolCallFailed(f"{name} returned output that breaks its schema: {problem.message}")
        return unpack(
            name,
            result,
            declares_output=validator is not None,
            scratch=self.scratch,
            value_key=self._value_keys.get(name),
        )

    def _wait(self, future: Any, adapt: _ObservedAdapt, call: str, sent: float) -> Any:
        """The call's result, or the error that says what is known about its outcome.

        Raises:
            CallTimedOut: no answer within ``call_timeout_s`` (the breaker stays closed).
            CallOutcomeUnknown: the connection broke after the call was sent.
            ToolError: the call never reached the server (refused, 4xx, a server already dead).
        """
        deadline = sent + self.config.call_timeout_s + 1
        where = f"{call} on '{self.label}'"
        while True:
            try:
                return future.result(timeout=_POLL_S)
            except FutureTimeout:
                failure = self.watch.since(sent)
                if failure is not None:
                    future.cancel()
                    message, delivered = failure
                    raise (CallOutcomeUnknown if delivered else ToolError)(f"{where}: {message}") from None
                if time.monotonic() > deadline:
                    future.cancel()
                    raise CallTimedOut(f"{where} timed out after {self.config.call_timeout_s:g}s") from None
            except Exception as error:
                if isinstance(error, McpError) and error.error.code == httpx.codes.REQUEST_TIMEOUT:
                    raise CallTimedOut(f"{where} timed out after {self.config.call_timeout_s:g}s") from None
                failure = self.watch.since(sent)
                if failure is not None:
                    message, delivered = failure
                    raise (CallOutcomeUnknown if delivered else ToolError)(f"{where}: {message}") from None
                died = adapt.tap.closed_at if adapt.tap is not None else None
                if died is not None and died < sent:
                    raise ToolError(f"{where} failed: the server had exited ({describe(error)})") from None
                raise CallOutcomeUnknown(f"{where} failed mid-call: {describe(error)}") from None

    def answers_ping(self) -> bool:
        """True when the current session answers an MCP ping within a moment."""
        with self._lock:
            adapt = self._adapt
        if adapt is None or not adapt.sessions or adapt.gone():
            return False
        started = time.monotonic()
        deadline = started + min(2.0, self.config.call_timeout_s)
        future = asyncio.run_coroutine_threadsafe(adapt.sessions[0].send_ping(), adapt.loop)
        while time.monotonic() < deadline and self.watch.since(started) is None:
            try:
                future.result(timeout=_POLL_S)
            except FutureTimeout:
                continue
            except Exception:
                return False
            return self.watch.since(started) is None
        future.cancel()
        return False

    def revive(self) -> None:
        """After the cool-down: keep a session that still answers a ping, else reconnect.

        Raises:
            ToolError: the server is still unreachable.
        """
        if self.answers_ping():
            with self._lock:
                self.down_since = None
            return
        self.connect()

    def close(self) -> None:
        """Disconnect (and stop a stdio server)."""
        with self._lock:
            adapt, self._adapt = self._adapt, None
        if adapt is not None:
            adapt.shutdown()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _call_text(name: str, arguments: dict[str, Any]) -> str:
    """The call as the agent would write it, for messages: ``stall(seconds=10)``."""
    shown = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    if len(shown) > 200:
        shown = shown[:200] + "..."
    return f"{name}({shown})"


def _never_called(arguments: dict[str, Any] | None) -> Any:
    """The adapter's call hook: calls go through :meth:`McpConnection.call`, never through it."""
    raise RuntimeError("bridged tools are called through McpConnection.call")


def _diagnose(error: BaseException, tap: StderrTap | None) -> str:
    """The failure with the server's own words: the stderr of this very attempt (no second start)."""
    reason = describe(error)
    if isinstance(error, TimeoutError):
        reason = f"{reason} (the server did not complete the MCP handshake)"
    if tap is None:
        return reason
    said = tap.said(wait_s=0.1 if isinstance(error, TimeoutError) else 1.0)
    return f"{reason}; the server said: {said}" if said else f"{reason}; the server printed nothing on stderr"


def _output_validators(tools: list[types.Tool]) -> dict[str, Any]:
    """A compiled jsonschema validator per tool that declares an output schema."""
    validators = {}
    for tool in tools:
        if tool.outputSchema:
            validator_class = jsonschema.validators.validator_for(tool.outputSchema)
            validators[tool.name] = validator_class(tool.outputSchema)
    return validators


class _ObservedAdapt(MCPAdapt):
    """MCPAdapt with orchestra's connection: stderr to a tap, the handshake bounded by connect_timeout_s.

    MCPAdapt's own ``start`` waits the whole connect timeout even when the server died at once,
    and bounds ``initialize`` by the call timeout.
    """

    failure: BaseException | None = None

    def __init__(
        self,
        params: Any,
        tap: StderrTap | None,
        connect_timeout_s: float,
        watch: TransportWatch,
        prestarted: Prestarted | None = None,
    ) -> None:
        super().__init__(params, SmolAgentsAdapter(structured_output=True), connect_timeout=30)
        self.tap = tap
        self.watch = watch
        self.params: Any = params
        self.connect_timeout_s = connect_timeout_s
        self.prestarted = prestarted
        """A server the CLI started while orchestra loaded (``mcp_prestart``), adopted, not started again."""

    def _client(self) -> Any:
        from mcp.client.stdio import stdio_client
        from mcp.client.streamable_http import streamablehttp_client

        params = self.params
        if self.prestarted is not None:
            return adopted_stdio(self.prestarted.process)
        if self.tap is not None:
            assert self.tap.writer is not None
            return stdio_client(params, errlog=self.tap.writer)  # type: ignore[arg-type]  # a text file
        return streamablehttp_client(
            params["url"], headers=params["headers"] or None, httpx_client_factory=client_factory(self.watch)
        )

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def setup() -> None:
            async with AsyncExitStack() as stack:
                try:
                    read, write, *_ = await stack.enter_async_context(self._client())
                finally:
                    if self.tap is not None:
                        self.tap.started()
                session = await stack.enter_async_context(
                    ClientSession(read, write, timedelta(seconds=self.connect_timeout_s))
                )
                await session.initialize()
                listed = (await session.list_tools()).tools
                self.sessions, self.mcp_tools = [session], [listed]
                self.ready.set()
                await asyncio.Event().wait()

        task = self.loop.create_task(setup())
        self.task = task  # type: ignore[assignment]  # mcpadapt annotates it as None
        try:
            self.loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass
        except BaseException as error:
            self.failure = error

    def gone(self) -> bool:
        """True when no ping could reach the same server: its process exited, the link ended, or
        its port refused a connection (whatever answers there now is a new server)."""
        if self.tap is not None and self.tap.closed_at is not None:
            return True
        if self.task is None or self.task.done():
            return True
        last = self.watch.since(0.0)
        return last is not None and not last[1]

    def start(self) -> None:
        self.thread.start()
        started = time.monotonic()
        deadline = started + self.connect_timeout_s
        while not self.ready.wait(timeout=_POLL_S):
            failure = self.watch.since(started)
            if failure is not None:
                raise ConnectionError(failure[0])
            if not self.thread.is_alive():
                raise self.failure or ConnectionError("the connection ended before the session was ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no MCP handshake within connect_timeout_s={self.connect_timeout_s:g}s")

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

    def __init__(
        self, remote: Tool, connection: McpConnection, fallback: Tool | None, remote_name: str | None = None
    ) -> None:
        self.connection = connection
        self.fallback = fallback
        self.remote_name = remote_name or connection.remote_names.get(remote.name, remote.name)
        """The server's own name for the tool (``get-sum``), which may differ from the alias (``get_sum``)."""
        output_type, self.output_schema = _declared_output(getattr(remote, "output_schema", None))
        super().__init__(
            name=remote.name,
            description=remote.description,
            inputs=remote.inputs,
            output_type=output_type or remote.output_type,
            call=self._guarded_call,
        )

    def _guarded_call(self, **kwargs: Any) -> Any:
        connection = self.connection
        if not connection.healthy() and connection.due_for_retry():
            try:
                connection.revive()
                log.info("mcp_server_back", server=connection.label)
            except ToolError as error:
                connection.mark_down(str(error))
        if connection.healthy():
            try:
                return connection.call(connection.remote_names.get(self.name, self.remote_name), kwargs)
            except ToolCallFailed:
                raise
            except CallTimedOut as error:
                return self._unknown(kwargs, str(error))
            except CallOutcomeUnknown as error:
                connection.mark_down(str(error))
                return self._unknown(kwargs, str(error))
            except ToolError as error:
                connection.mark_down(str(error))
        return self._fall_back(kwargs)

    def _unknown(self, kwargs: dict[str, Any], reason: str) -> dict[str, Any]:
        """The call went out and no answer came back: say so, and never run it a second time here."""
        call = _call_text(self.remote_name, kwargs)
        return {
            "degraded": True,
            "outcome": "unknown",
            "tool": self.name,
            "call": call,
            "server": self.connection.label,
            "error": reason,
            "message": f"{call} was sent to MCP server '{self.connection.label}' and no answer came back; "
            "its outcome is unknown (the server may have done the work): check before repeating it",
        }

    def _fall_back(self, kwargs: dict[str, Any]) -> Any:
        reason = self.connection.last_error or "server unavailable"
        if self.fallback is not None:
            log.info("mcp_fallback", tool=self.name, server=self.connection.label)
            return self.fallback(**kwargs)
        return {
            "degraded": True,
            "outcome": "not_done",
            "tool": self.name,
            "call": _call_text(self.remote_name, kwargs),
            "server": self.connection.label,
            "error": reason,
            "message": "the MCP server is unavailable and this tool has no local fallback; the call was "
            "not sent and nothing was done",
        }


_OUTPUT_TYPES = {"string", "boolean", "integer", "number", "array", "object", "null"}


def _declared_output(schema: Any) -> tuple[str | None, dict[str, Any] | None]:
    """The output type and schema the prompt shows, as the agent will get the value.

    FastMCP wraps a non-object result as ``{"result": value}`` and the bridge unwraps it, so such
    a tool shows its inner type (``-> integer``), not a dict with one key; so does the property
    an output schema names with ``x-orchestra-value``.
    """
    if not isinstance(schema, dict):
        return None, None
    properties = schema.get("properties")
    key = value_key_of(schema)
    if isinstance(properties, dict) and (set(properties) == {"result"} or key in properties):
        inner = properties[key or "result"]
        kind = inner.get("type") if isinstance(inner, dict) else None
        return (kind if isinstance(kind, str) and kind in _OUTPUT_TYPES else "any"), None
    return "object", schema


def value_key_of(schema: Any) -> str | None:
    """The property an output schema names as the agent's value (``MCP_VALUE_KEY``), if any."""
    key = schema.get(MCP_VALUE_KEY) if isinstance(schema, dict) else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return key if isinstance(key, str) and isinstance(properties, dict) and key in properties else None


def stand_in(name: str, connection: McpConnection) -> BridgedTool:
    """A degraded stand-in for a tool of a server that was down at startup: the layer still gets it.

    Calls return a degraded result until the cool-down passes and the server answers; then they
    reach the server under its own name.
    """
    alias = connection.alias_for(name)
    placeholder = FunctionTool(
        name=alias,
        description=f"'{name}' from MCP server '{connection.label}', which was down at startup; "
        "until it is back, calls return a result marked degraded.",
        inputs={},
        output_type="object",
        call=_never_called,
    )
    return BridgedTool(placeholder, connection, None, remote_name=name)


def alias_of(name: str) -> str:
    """The Python identifier agents call a server's tool by, since they call tools as functions.

    Every character that cannot be in an identifier becomes ``_`` (``get-sum`` → ``get_sum``,
    ``search.nodes`` → ``search_nodes``); a leading digit gets a ``_`` before it, a keyword one after.
    """
    alias = re.sub(r"\W", "_", name) or "_"
    if alias[0].isdigit():
        alias = f"_{alias}"
    return f"{alias}_" if keyword.iskeyword(alias) else alias
