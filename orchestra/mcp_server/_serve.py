"""Running the server: open the services, pick the transport, shut down on signals; the command line."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import anyio
import structlog

from orchestra.errors import OrchestraError, describe
from orchestra.mcp_server._tools import LOG_LEVELS, build_server, check_level
from orchestra.mcp_server._transports import (
    BodyGuard,
    Shutdown,
    bind,
    client_left,
    quiet_loggers,
    run_abandonable,
    serve_http,
    unbuffered_stdin,
)
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices
from orchestra.store.minds import MIND_ENV, check_mind

if TYPE_CHECKING:
    from orchestra.config import Config, McpServerConfig

log = structlog.get_logger("orchestra.mcp_server")

Transport = Literal["stdio", "http"]
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}


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
    stderr (structlog is configured here if the caller has not done it). Over HTTP the one
    line shown at the default level is ``mcp_server.listening`` with the URL (warning level,
    since quiet means warnings only), logged once the socket accepts connections.

    Args:
        transport: "stdio" (one client on stdin/stdout) or "http" (streamable HTTP at /mcp).
        settings: store, embeddings and sync; ``None`` uses the defaults.
        host: HTTP bind address.
        port: HTTP port, 0 to 65535 (0 picks a free one; the listening line names it).
        log_level: one of :data:`LOG_LEVELS`; "info" or "debug" shows per-request logs.
        heartbeat_config: when given, ``trigger_heartbeat`` runs a real beat of this config
            (its tools called in-process, on this server's store).

    Raises:
        ValueError: unknown transport or log level, port out of range.
        ConfigError: the HTTP address cannot be bound (port taken, not a local address).
        StoreError: the store cannot be opened.
    """
    if transport not in ("stdio", "http"):
        raise ValueError(f"unknown transport '{transport}'; valid: stdio, http")
    level = check_level(log_level)
    if not structlog.is_configured():
        from orchestra.logs import configure_logging

        configure_logging("console", log_level)
    quiet_loggers(level)
    with Shutdown().installed():
        try:
            sock = bind(host, port) if transport == "http" else None
            try:
                _serve_on(transport, sock, settings, host, port, log_level, heartbeat_config)
            finally:
                if sock is not None:
                    sock.close()
        except KeyboardInterrupt:
            pass


def _serve_on(
    transport: Transport,
    sock: Any,
    settings: ServicesSettings | None,
    host: str,
    port: int,
    log_level: str,
    heartbeat_config: Config | None,
) -> None:
    services = CognitiveServices.open(settings)
    self_url = f"http://{host}:{sock.getsockname()[1]}/mcp" if sock is not None else None
    store = services.store.location.handed_on
    runner = (
        HeartbeatRunner(heartbeat_config, store, self_url, services.store.mind) if heartbeat_config else None
    )
    if runner is not None:
        services.set_heartbeat_runner(runner)
    try:
        server = build_server(services, host=host, port=port, log_level=log_level)
        log.info("mcp_server.start", transport=transport)
        if transport == "stdio":

            def stdio() -> None:
                try:
                    anyio.run(server.run_stdio_async)
                except BaseException as error:
                    if not client_left(error):
                        raise
                    log.debug("mcp_server.client_left", error=describe(error))
                    _forget_stdout()

            with unbuffered_stdin():
                run_abandonable(stdio)
        else:

            def ready(url: str) -> None:
                log.warning("mcp_server.listening", url=url, transport="http")

            app = BodyGuard(server.streamable_http_app())
            anyio.run(serve_http, app, sock, log_level, ready)
    finally:
        if runner is not None:
            runner.close()
        services.close()
        log.info("mcp_server.stop", transport=transport)


def _forget_stdout() -> None:
    """Point fd 1 at /dev/null once the reader left, so the exit-time flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


class HeartbeatRunner:
    """What ``trigger_heartbeat`` runs: one beat of a config, built on first use and reused.

    The beat's tools are called in-process on the server's own store (a server must not start
    another copy of itself over stdio to serve its own heartbeat). Only the sources that point
    back at orchestra's own server are replaced by the in-process services; other MCP servers
    stay, so layers that use their tools still get them.
    """

    def __init__(
        self, config: Config, store: str, self_url: str | None = None, mind: str | None = None
    ) -> None:
        from orchestra.config import McpToolSource, ServicesToolSource, ToolsConfig, ToolSource

        sources: list[ToolSource] = [
            source
            for source in config.tools.sources
            if not isinstance(source, ServicesToolSource)
            and not (isinstance(source, McpToolSource) and points_back(source.mcp, self_url))
        ]
        sources.append(ServicesToolSource(services="in_process"))
        self.config = config.model_copy(
            update={
                "tools": ToolsConfig(sources=sources),
                "services": config.services.with_store(store).model_copy(
                    update={"mind": mind or config.services.mind}
                ),
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


def points_back(server: McpServerConfig, self_url: str | None) -> bool:
    """Whether ``server`` is orchestra's own cognitive-services server (a command) or this one (a URL).

    Such a source would serve the same 37 tools the in-process services already give the beat.
    """
    if server.command is not None:
        words = [Path(word).name for word in server.command]
        runs_module = "orchestra.mcp_server" in words
        runs_cli = any(
            word.startswith("orchestra") and words[i + 1 : i + 3] == ["mcp", "serve"]
            for i, word in enumerate(words)
        )
        return runs_module or runs_cli
    if server.url is None or self_url is None:
        return False
    theirs, ours = urlsplit(server.url), urlsplit(self_url)
    same_host = theirs.hostname == ours.hostname or {theirs.hostname, ours.hostname} <= _LOOPBACK
    return same_host and theirs.port == ours.port and theirs.path.rstrip("/") == ours.path.rstrip("/")


# ------------------------------------------------------------------------------ command line


def serve_options(
    transport: Transport,
    *,
    config_path: str | None,
    store: str | None,
    mind: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "warning",
) -> None:
    """:func:`serve` from command-line options: ``config_path``'s services (and heartbeat), ``store``
    and ``mind`` on top.

    Raises:
        ConfigError: the config file is invalid.
    """
    from orchestra.config import load_config

    config = load_config(config_path) if config_path else None
    settings = config.services if config else ServicesSettings()
    settings = settings.with_store(store or None)
    mind = mind or os.environ.get(MIND_ENV)  # --mind, else the mind orchestra handed to its own server
    if mind:
        settings = settings.model_copy(update={"mind": check_mind(mind)})
    serve(transport, settings=settings, host=host, port=port, log_level=log_level, heartbeat_config=config)


def serve_parsed(args: argparse.Namespace) -> None:
    """:func:`serve_options` from parsed ``--transport/--config/--store/--host/--port/--log-level``."""
    serve_options(
        args.transport,
        config_path=args.config,
        store=args.store,
        mind=getattr(args, "mind", None),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m orchestra.mcp_server``: parse options, :func:`serve`, return the exit code."""
    args = _parser().parse_args(argv)
    from orchestra.logs import configure_logging

    configure_logging(args.log_format, args.log_level)
    try:
        serve_parsed(args)
    except (OrchestraError, ValueError) as error:
        print(f"orchestra.mcp_server: error: {error}", file=sys.stderr)
        return error.exit_code if isinstance(error, OrchestraError) else 2
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestra.mcp_server",
        description="Serve orchestra's 37 cognitive tools over MCP (stdio, or streamable HTTP at /mcp).",
    )
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="default: stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (default: 8765; 0: any free port)")
    parser.add_argument("--config", help="orchestra YAML config whose services section to use")
    parser.add_argument(
        "--store",
        help="the store: sqlite:///file.db, postgresql://..., or a SQLite path (overrides the config)",
    )
    parser.add_argument("--mind", help="whose rows the tools read and write (overrides services.mind)")
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, default="warning", help="stderr log level (default: warning)"
    )
    parser.add_argument(
        "--log-format", choices=["console", "json"], default="console", help="stderr log rendering"
    )
    return parser
