"""Start stdio MCP servers the moment the config is known, while the rest of orchestra loads.

A server's own start (a fresh interpreter importing mcp and pydantic) takes about as long as
the CLI's imports of smolagents; run one after the other they doubled an offline beat's wall.
The CLI calls :func:`prestart` right after reading the config; the bridge's first connection
to the same command, environment and directory then adopts that process
(:func:`adopted_stdio`) instead of starting another. Anything about the command that differs
by then, and the prestarted process is stopped and a fresh one started: adoption never
changes what runs.

This module imports nothing heavy (no mcp, no smolagents): it runs before they are loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import structlog

from orchestra.config import Config, McpServerConfig, McpToolSource
from orchestra.errors import OrchestraError
from orchestra.tools.mcp_process import (
    McpConfigError,
    StderrTap,
    check_command,
    own_server_environment,
    server_command,
    server_environment,
)

log = structlog.get_logger(__name__)

MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longest JSON-RPC line read from an adopted server (the SDK's own client has no bound)."""

EXIT_GRACE_S = 2.0
"""How long a server gets to exit after its stdin closes before SIGTERM, then SIGKILL (the SDK's)."""

Key = tuple[tuple[str, ...], frozenset[tuple[str, str]], str | None]


@dataclass
class Prestarted:
    """A server process started ahead of its connection, and the tap on its stderr."""

    process: subprocess.Popen[bytes]
    tap: StderrTap


_waiting: dict[Key, Prestarted] = {}
_lock = threading.Lock()


def key_of(config: McpServerConfig, env: dict[str, str]) -> Key:
    """What must match for a connection to adopt a prestarted server: command, environment, cwd."""
    return tuple(server_command(config)), frozenset(env.items()), config.cwd


def prestart(config: Config) -> int:
    """Start every stdio server of ``config``'s tool sources now; returns how many started.

    A command that cannot run, or a store path that is wrong, is left for the bridge and the
    services, which report it with the config's key and line.
    """
    servers = _stdio_servers(config.tools.sources)
    try:
        own = own_server_environment(config) if servers else {}
    except (OrchestraError, OSError, ValueError) as error:
        log.debug("mcp_prestart_skipped", error=str(error))
        return 0
    started = 0
    for server in servers:
        env = server_environment(server, own)
        key = key_of(server, env)
        with _lock:
            if key in _waiting:
                continue
        try:
            check_command(server)
            tap = StderrTap(server.label)
            process = subprocess.Popen(
                server_command(server),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=tap.writer,
                env=env,
                cwd=server.cwd,
                start_new_session=True,  # as the SDK does: the bridge stops the server's group
            )
        except (McpConfigError, OSError) as error:
            log.debug("mcp_prestart_skipped", server=server.label, error=str(error))
            continue
        tap.started()
        with _lock:
            _waiting[key] = Prestarted(process, tap)
        started += 1
    return started


def take(key: Key) -> Prestarted | None:
    """The prestarted server for ``key``, still running, handed over once; else None."""
    with _lock:
        found = _waiting.pop(key, None)
    if found is not None and found.process.poll() is not None:
        return None  # it exited already; the bridge starts its own and reports what happens
    return found


def discard_all() -> None:
    """Stop every prestarted server no connection adopted (the run ended before it needed them)."""
    with _lock:
        left = list(_waiting.values())
        _waiting.clear()
    for prestarted in left:
        _stop(prestarted.process)


def _stdio_servers(sources: Iterable[Any]) -> list[McpServerConfig]:
    return [source.mcp for source in sources if isinstance(source, McpToolSource) and source.mcp.command]


def _stop(process: subprocess.Popen[bytes], *, close_pipes: bool = True) -> None:
    """Close stdin and reap; SIGTERM then SIGKILL the group of a server that stays.

    ``close_pipes=False`` when an event loop owns the pipes (it closes them itself).
    """
    for pipe in (process.stdin, process.stdout) if close_pipes else ():
        with contextlib.suppress(OSError):
            if pipe is not None:
                pipe.close()
    try:
        process.wait(timeout=EXIT_GRACE_S)
        return
    except subprocess.TimeoutExpired:
        pass
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sent)
        try:
            process.wait(timeout=EXIT_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.asynccontextmanager
async def adopted_stdio(process: subprocess.Popen[bytes]) -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's ``stdio_client`` streams over a process that is already running.

    Same framing (one JSON-RPC message per line) and the same shutdown (close stdin, wait
    ``EXIT_GRACE_S``, then SIGTERM and SIGKILL to the server's process group).
    """
    import anyio
    from mcp import types
    from mcp.shared.message import SessionMessage

    assert process.stdin is not None and process.stdout is not None
    incoming_writer, incoming = anyio.create_memory_object_stream[Any](0)
    outgoing, outgoing_reader = anyio.create_memory_object_stream[Any](0)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), process.stdout)
    stdin, _ = await loop.connect_write_pipe(asyncio.Protocol, process.stdin)

    async def read_lines() -> None:
        async with incoming_writer:
            while line := await reader.readline():
                if not line.strip():
                    continue
                try:
                    message = types.JSONRPCMessage.model_validate_json(line)
                except Exception as error:  # the SDK passes a bad line on as an exception too
                    await incoming_writer.send(error)
                    continue
                await incoming_writer.send(SessionMessage(message))

    async def write_lines() -> None:
        async with outgoing_reader:
            async for session_message in outgoing_reader:
                text = session_message.message.model_dump_json(by_alias=True, exclude_none=True)
                if not stdin.is_closing():
                    stdin.write(text.encode("utf-8") + b"\n")

    async with anyio.create_task_group() as group:
        group.start_soon(read_lines)
        group.start_soon(write_lines)
        try:
            yield incoming, outgoing
        finally:
            stdin.close()
            await anyio.to_thread.run_sync(lambda: _stop(process, close_pipes=False))
            group.cancel_scope.cancel()
            for stream in (incoming, outgoing, incoming_writer, outgoing_reader):
                await stream.aclose()
