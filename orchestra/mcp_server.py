"""The cognitive services as an MCP server: the 37 tools over stdio or streamable HTTP.

Any MCP client (orchestra's own bridge, smolagents' ``ToolCollection.from_mcp``, an IDE)
gets the same tools the hierarchy calls in process, over one shared SQLite store (WAL
mode, so several servers and processes may open it at once).

What a client receives for a successful call (``structuredContent``; the single text
content item carries the same value, as JSON or as the plain string):

* a tool returning an object (``dict``), e.g. ``create_memory``: that object itself;
* any other tool is wrapped the way FastMCP wraps non-object results, ``{"result": value}``:
  a list (``search_memories``, ``get_active_basins``, ``get_models_by_winners``), text
  (``semantic_recall``) and object-or-null (``get_memory``).

A failed call is an error result, ``isError: true``, with one text item naming the tool
and the problem, and the server keeps serving:

* the service refused: ``Error executing tool create_memory: invalid memory_type 'dream';
  valid values: episodic, semantic, procedural, strategic`` (the ``ServiceError`` message);
* a missing or mistyped argument: ``... invalid arguments: content: Field required``;
* an argument the tool does not have: ``... unexpected argument(s) 'memory_types'; valid: ...``;
* a bug: ``... internal error: KeyError: 'x'`` (the traceback goes to the server's stderr log).

smolagents' MCP adapter does not raise on error results: its tool returns that text.

Run it as ``python -m orchestra.mcp_server --transport stdio|http`` (HTTP serves
``http://127.0.0.1:8765/mcp``), or call :func:`serve`, which ``orchestra mcp serve`` does.
"""

from __future__ import annotations

import argparse
import inspect
import io
import json
import logging
import re
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_origin

import anyio
import structlog

if TYPE_CHECKING:
    from orchestra.config import Config
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import CallToolResult, ContentBlock, TextContent
from pydantic import Field, ValidationError

from orchestra.errors import OrchestraError, ServiceError, describe
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices

log = structlog.get_logger(__name__)

Transport = Literal["stdio", "http"]
LOG_LEVELS: tuple[str, ...] = ("debug", "info", "warning", "error", "critical")
"""Accepted ``log_level`` values; below ``warning`` the per-request logs of mcp and uvicorn show."""

_INSTRUCTIONS = (
    "orchestra's cognitive services: memories and semantic recall, beliefs and coherence, "
    "attractor basins, thoughtseed competitions, journeys, goals and energy, the heartbeat, "
    "mental models and their predictions, and sync of memories to a remote store."
)
_ARG_LINE = re.compile(r"^(\w+):\s*(.*)$")


def build_server(
    services: CognitiveServices,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "warning",
) -> FastMCP:
    """Register the 37 tools of ``services`` on a FastMCP server (HTTP endpoint ``/mcp``).

    Each tool's input schema comes from the method's signature (with the docstring's
    ``Args`` as per-argument descriptions) and its description is the whole docstring.

    Args:
        services: open services; the server calls them, the caller closes them.
        host: address HTTP binds to; loopback by default (DNS-rebinding protection on).
        port: HTTP port.
        log_level: level for the mcp and uvicorn loggers; see :data:`LOG_LEVELS`.

    Returns:
        The server, not yet running: ``serve`` runs it, tests may use it in memory.

    Raises:
        ValueError: ``log_level`` is not one of :data:`LOG_LEVELS`.
    """
    level = _check_level(log_level)
    server = _CognitiveMCP(
        "orchestra",
        instructions=_INSTRUCTIONS,
        host=host,
        port=port,
        log_level=level,  # checked against LOG_LEVELS above
        streamable_http_path="/mcp",
    )
    for name in TOOL_NAMES:
        server.add_service_tool(name, getattr(services, name))
    return server


def serve(
    transport: Transport,
    *,
    settings: ServicesSettings | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "warning",
    heartbeat_config: Config | None = None,
) -> None:
    """Open the services, serve them until the client leaves or Ctrl-C / SIGTERM, then close.

    Nothing is written to stdout except, for stdio, the protocol itself; logs go to
    stderr (structlog is configured here if the caller has not done it).

    Args:
        transport: "stdio" (one client on stdin/stdout) or "http" (streamable HTTP at /mcp).
        settings: store, embeddings and sync; ``None`` uses the defaults.
        host: HTTP bind address.
        port: HTTP port.
        log_level: one of :data:`LOG_LEVELS`; "info" or "debug" shows per-request logs.
        heartbeat_config: when given, ``trigger_heartbeat`` runs a real beat of this config
            (its tools called in-process, on this server's store).

    Raises:
        ValueError: unknown transport or log level.
        StoreError: the store cannot be opened.
    """
    if transport not in ("stdio", "http"):
        raise ValueError(f"unknown transport '{transport}'; valid: stdio, http")
    level = _check_level(log_level)
    if not structlog.is_configured():
        from orchestra.logs import configure_logging

        configure_logging("console", log_level)
    services = CognitiveServices.open(settings)
    runner = HeartbeatRunner(heartbeat_config, services.store.path) if heartbeat_config else None
    if runner is not None:
        services.set_heartbeat_runner(runner)
    try:
        server = build_server(services, host=host, port=port, log_level=log_level)
        _quiet_loggers(level)
        log.info(
            "mcp_server.start", transport=transport, url=_url(host, port) if transport == "http" else None
        )
        with _sigterm_exits():
            try:
                if transport == "stdio":
                    with _unbuffered_stdin():
                        _run_abandonable(lambda: anyio.run(server.run_stdio_async))
                else:
                    anyio.run(_serve_http, server, level)
            except KeyboardInterrupt:
                pass
    finally:
        if runner is not None:
            runner.close()
        services.close()
        log.info("mcp_server.stop", transport=transport)


class HeartbeatRunner:
    """What ``trigger_heartbeat`` runs: one beat of a config, built on first use and reused.

    The beat's tools are called in-process on the server's own store (a server must not start
    another copy of itself over stdio to serve its own heartbeat).
    """

    def __init__(self, config: Config, store_path: Path) -> None:
        from orchestra.config import PythonToolSource, ServicesToolSource, ToolsConfig, ToolSource

        sources: list[ToolSource] = [
            source for source in config.tools.sources if isinstance(source, PythonToolSource)
        ]
        sources.append(ServicesToolSource(services="in_process"))
        self.config = config.model_copy(
            update={
                "tools": ToolsConfig(sources=sources),
                "services": config.services.model_copy(update={"store_path": str(store_path)}),
            }
        )
        self.config._source = config.source
        self._heartbeat: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        from orchestra.heartbeat import Heartbeat

        with self._lock:
            if self._heartbeat is None:
                self._heartbeat = Heartbeat(self.config)
            result = self._heartbeat.beat().to_dict()
        result.pop("trace", None)
        return dict(result)

    def close(self) -> None:
        """Close the heartbeat's agents and services."""
        with self._lock:
            if self._heartbeat is not None:
                self._heartbeat.close()
                self._heartbeat = None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m orchestra.mcp_server``: parse options, :func:`serve`, return the exit code."""
    args = _parser().parse_args(argv)
    from orchestra.logs import configure_logging

    configure_logging("console", args.log_level)
    try:
        serve_parsed(args)
    except OrchestraError as error:
        print(f"orchestra.mcp_server: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


# ------------------------------------------------------------------------------------- tools


class _CognitiveMCP(FastMCP):
    """FastMCP that refuses unknown arguments and reports bad ones in one line each.

    FastMCP ignores extra arguments, so a misspelt optional argument (``memory_types`` for
    ``memory_type``) would silently do the wrong thing; here it is an error naming the valid ones.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameters: dict[str, tuple[str, ...]] = {}
        """Parameter names of each service tool, in signature order."""

    def add_service_tool(self, name: str, method: Callable[..., Awaitable[Any]]) -> None:
        """Register a service method as a structured tool described by its whole docstring."""
        self.parameters[name] = tuple(inspect.signature(method).parameters)
        description = inspect.getdoc(method) or name
        self.add_tool(_as_tool(name, method), name=name, description=description, structured_output=True)

    async def call_tool(
        self, name: str, arguments: dict[str, Any]
    ) -> Sequence[ContentBlock] | dict[str, Any]:
        """Call a tool; a pydantic argument error becomes ``invalid arguments: content: Field required``."""
        known = self.parameters.get(name)
        unknown = sorted(set(arguments) - set(known)) if known is not None else []
        if known is not None and unknown:
            valid = ", ".join(known) if known else "none; it takes no arguments"
            raise ToolError(
                f"Error executing tool {name}: unexpected argument(s) {', '.join(map(repr, unknown))}; "
                f"valid: {valid}"
            )
        try:
            return await super().call_tool(name, arguments)
        except ToolError as error:
            if isinstance(error.__cause__, ValidationError):
                raise ToolError(
                    f"Error executing tool {name}: invalid arguments: {_brief(error.__cause__)}"
                ) from None
            raise


def _brief(error: ValidationError) -> str:
    """``arg: problem; arg: problem`` without pydantic's model name, input echo and help URL."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'arguments'}: {item['msg']}"
        for item in error.errors()
    )


def _as_tool(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[CallToolResult]]:
    """Wrap a service method so FastMCP sees its schema but the client always gets one content item.

    FastMCP turns an empty list or ``None`` into *no* content, which smolagents' MCP
    adapter rejects ("returned an empty content"); returning the ``CallToolResult``
    ourselves keeps one JSON text item while FastMCP still derives and checks the output
    schema from the ``Annotated`` return type.
    """
    signature = inspect.signature(method, eval_str=True)
    returns = signature.return_annotation
    wrap = get_origin(returns) is not dict  # FastMCP's rule: only a plain dict is an object result
    arg_docs = _arg_docs(inspect.getdoc(method) or "")
    parameters = [
        parameter.replace(
            annotation=Annotated[parameter.annotation, Field(description=arg_docs[parameter.name])]
        )
        if parameter.name in arg_docs
        else parameter
        for parameter in signature.parameters.values()
    ]

    async def call(**arguments: Any) -> CallToolResult:
        try:
            value = await method(**arguments)
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        except ServiceError:
            raise  # already a message for the caller; FastMCP prefixes the tool name
        except Exception as error:
            log.error("mcp_server.tool_failed", tool=name, error=describe(error), exc_info=True)
            raise ServiceError(f"internal error: {describe(error)}") from error
        structured = {"result": value} if wrap else value
        return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=structured)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=Annotated[CallToolResult, returns]
    )
    return call


def _arg_docs(doc: str) -> dict[str, str]:
    """The ``Args:`` section of a Google docstring as name -> description (continuations joined)."""
    docs: dict[str, str] = {}
    current: str | None = None
    in_args = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped == "Args:":
            in_args = True
            continue
        if not in_args:
            continue
        if not line.startswith(" ") and stripped:
            break  # the next section (Returns:, Raises:) or prose
        match = _ARG_LINE.match(stripped)
        if match and line.startswith("    ") and not line.startswith("     "):
            current = match.group(1)
            docs[current] = match.group(2)
        elif current and stripped:
            docs[current] += " " + stripped
    return docs


# ------------------------------------------------------------------------------ transports


async def _serve_http(server: FastMCP, level: str) -> None:
    """Serve streamable HTTP with uvicorn logging through the root handler (stderr), never stdout."""
    import uvicorn

    config = uvicorn.Config(
        server.streamable_http_app(),
        host=server.settings.host,
        port=server.settings.port,
        log_level=level.lower(),
        log_config=None,  # uvicorn's default config sends access logs to stdout
    )
    await uvicorn.Server(config).serve()


def _run_abandonable(target: Callable[[], None]) -> None:
    """Run ``target`` in a daemon thread that Ctrl-C abandons instead of waiting for.

    The stdio transport reads stdin in a worker thread that no cancellation can wake, so
    run in the main thread a Ctrl-C would hang until the client wrote or closed stdin.
    Worker threads started from a daemon thread are daemons too, so the process can end.
    """
    failure: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as error:  # handed to the main thread below
            failure.append(error)

    thread = threading.Thread(target=run, name="orchestra-mcp-stdio", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
    if failure:
        raise failure[0]


@contextmanager
def _unbuffered_stdin() -> Iterator[None]:
    """Let the stdio transport read fd 0 without the lock of ``sys.stdin``'s buffered reader.

    A read abandoned by :func:`_run_abandonable` would otherwise hold that lock and
    abort the interpreter at exit ("could not acquire lock for <stdin>").
    """
    original = sys.stdin
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "rb", closefd=False), encoding="utf-8", errors="replace")
    try:
        yield
    finally:
        sys.stdin = original


def _quiet_loggers(level: str) -> None:
    """Hold the mcp and uvicorn loggers at ``level``: no per-request INFO unless asked for."""
    for name in ("mcp", "uvicorn", "uvicorn.error", "uvicorn.access", "sse_starlette"):
        logging.getLogger(name).setLevel(level)


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """Make SIGTERM end the server like Ctrl-C, so the store is closed on the way out."""
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _check_level(log_level: str) -> str:
    if log_level.lower() not in LOG_LEVELS:
        raise ValueError(f"unknown log level '{log_level}'; valid: {', '.join(LOG_LEVELS)}")
    return log_level.upper()


def _url(host: str, port: int) -> str:
    return f"http://{host}:{port}/mcp"


# ------------------------------------------------------------------------------------- CLI


def serve_options(
    transport: Transport,
    *,
    config_path: str | None,
    store: str | None,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "warning",
) -> None:
    """:func:`serve` from command-line options: ``config_path``'s services (and heartbeat), ``store`` on top.

    Raises:
        ConfigError: the config file is invalid.
    """
    from orchestra.config import load_config

    config = load_config(config_path) if config_path else None
    settings = config.services if config else ServicesSettings()
    if store:
        settings = settings.model_copy(update={"store_path": store})
    serve(transport, settings=settings, host=host, port=port, log_level=log_level, heartbeat_config=config)


def serve_parsed(args: argparse.Namespace) -> None:
    """:func:`serve_options` from parsed ``--transport/--config/--store/--host/--port/--log-level``."""
    serve_options(
        args.transport,
        config_path=args.config,
        store=args.store,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestra.mcp_server",
        description="Serve orchestra's 37 cognitive tools over MCP (stdio, or streamable HTTP at /mcp).",
    )
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="default: stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (default: 8765)")
    parser.add_argument("--config", help="orchestra YAML config whose services section to use")
    parser.add_argument("--store", help="SQLite store path (overrides the config)")
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, default="warning", help="stderr log level (default: warning)"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
