"""How the server meets its clients: the HTTP socket and guard, stdio threads, signals, the JSON-RPC gate."""

from __future__ import annotations

import io
import json
import logging
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import FrameType
from typing import Any, get_args

import anyio
import structlog
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage
from mcp.types import (
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    ClientRequest,
    ErrorData,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCRequest,
)
from pydantic import ValidationError

from orchestra.errors import ConfigError

log = structlog.get_logger("orchestra.mcp_server")

ASGIApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[..., Awaitable[None]]], Awaitable[None]
]

_REQUESTS: dict[str, Any] = {
    get_args(model.model_fields["method"].annotation)[0]: model
    for model in get_args(ClientRequest.model_fields["root"].annotation)
}
"""Each JSON-RPC method a client may call (initialize, tools/call, ...) and its model; others: -32601."""

# ------------------------------------------------------------------------------ HTTP


def bind(host: str, port: int) -> socket.socket:
    """The HTTP socket, bound but not yet listening, so a taken port is one clear error before serving.

    Raises:
        ValueError: ``port`` is outside 0..65535 (0 picks a free port).
        ConfigError: the address cannot be bound (taken, not local, no permission).
    """
    if not 0 <= port <= 65535:
        raise ValueError(f"--port {port}: must be 0 to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as error:
        sock.close()
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigError(f"cannot listen on {host}:{port}: {reason.lower()}") from None
    sock.set_inheritable(True)
    return sock


class BodyGuard:
    """Answer a POST whose body is not UTF-8 or nests too deeply with HTTP 400, not the SDK's 500.

    The SDK's ``json.loads`` raises ``UnicodeDecodeError`` and ``RecursionError`` past its
    ``JSONDecodeError`` handler; both are the client's mistake. It also drops the second
    response the SDK tries to send when a client left mid-answer (uvicorn would log
    "Exception in ASGI application" for it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[..., Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _once(send)
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = _body_problem(body)
        if problem is not None:
            await _reject(send, problem)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _once(send: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """``send`` that ignores anything after the response completed (a client that already left)."""
    completed = False

    async def guarded(message: dict[str, Any]) -> None:
        nonlocal completed
        if completed:
            log.debug("mcp_server.late_response_dropped", type=message.get("type"))
            return
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            completed = True
        await send(message)

    return guarded


def _body_problem(body: bytes) -> str | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"Parse error: the body is not valid UTF-8 (byte {error.start})"
    try:
        json.loads(text)
    except RecursionError:
        return "Parse error: the JSON nests too deeply"
    except ValueError:
        return None  # malformed JSON: the SDK's own parse error (400) says where
    return None


async def _reject(send: Callable[..., Awaitable[None]], problem: str) -> None:
    payload = JSONRPCError(
        jsonrpc="2.0", id="server-error", error=ErrorData(code=PARSE_ERROR, message=problem)
    )
    body = payload.model_dump_json(by_alias=True, exclude_none=True).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def serve_http(app: ASGIApp, sock: socket.socket, level: str, on_ready: Callable[[str], None]) -> None:
    """Serve ``app`` on the bound ``sock`` with uvicorn, its logs through the root handler (stderr).

    ``on_ready`` gets the URL once uvicorn listens. Signals stay with :class:`Shutdown`, which
    was installed before the socket listened, so a SIGTERM is never lost to a swap of handlers.
    """
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # Shutdown owns SIGINT/SIGTERM and sets should_exit

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                host, port = sock.getsockname()[:2]
                on_ready(f"http://{f'[{host}]' if ':' in host else host}:{port}/mcp")

    config = uvicorn.Config(app, log_level=level.lower(), log_config=None)  # default config logs to stdout
    server = Server(config)
    with Shutdown.current().serving(server):
        await server.serve(sockets=[sock])


# ------------------------------------------------------------------------------ stdio


def run_abandonable(target: Callable[[], None]) -> None:
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
        thread.join(0.02)  # short: the client waits for this exit (a signal still lands between joins)
    if failure:
        raise failure[0]


@contextmanager
def unbuffered_stdin() -> Iterator[None]:
    """Let the stdio transport read fd 0 without the lock of ``sys.stdin``'s buffered reader.

    A read abandoned by :func:`run_abandonable` would otherwise hold that lock and
    abort the interpreter at exit ("could not acquire lock for <stdin>").
    """
    original = sys.stdin
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "rb", closefd=False), encoding="utf-8", errors="replace")
    try:
        yield
    finally:
        sys.stdin = original


# ------------------------------------------------------------------------------ signals


class Shutdown:
    """SIGINT/SIGTERM end the server like Ctrl-C: HTTP drains (uvicorn's should_exit), stdio interrupts.

    Installed first thing in ``serve``, before any socket listens or stdin is read, so a
    signal sent as soon as the server looks ready is always handled.
    """

    _current: Shutdown | None = None

    def __init__(self) -> None:
        self.http: Any = None
        """The uvicorn server being served, if any."""

    @classmethod
    def current(cls) -> Shutdown:
        """The installed handler (a detached one when not in the main thread)."""
        return cls._current or Shutdown()

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Own SIGINT and SIGTERM for the duration; restore the previous handlers after."""
        try:
            previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        except ValueError:  # not the main thread: leave signals alone
            yield
            return
        Shutdown._current = self
        try:
            yield
        finally:
            Shutdown._current = None
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextmanager
    def serving(self, server: Any) -> Iterator[None]:
        """Route signals to ``server.should_exit`` while it serves."""
        self.http = server
        try:
            yield
        finally:
            self.http = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.http is None:
            raise KeyboardInterrupt
        if self.http.should_exit:
            self.http.force_exit = True
        self.http.should_exit = True


# ------------------------------------------------------------------------------ JSON-RPC gate


@asynccontextmanager
async def gated(
    read: MemoryObjectReceiveStream[SessionMessage | Exception],
    write: MemoryObjectSendStream[SessionMessage],
) -> AsyncIterator[MemoryObjectReceiveStream[SessionMessage | Exception]]:
    """A read stream without the requests the SDK would mis-answer; those are answered here.

    The SDK answers an unknown method with -32602 and logs its whole pydantic error; here an
    unknown method is -32601 "Method not found" and malformed parameters -32602 with one line
    of reason, and nothing reaches stderr below debug level.
    """
    send, receive = anyio.create_memory_object_stream[SessionMessage | Exception](16)

    async def pump() -> None:
        async with send:
            try:
                async for message in read:
                    refusal = _refusal(message)
                    if refusal is None:
                        await send.send(message)
                    else:
                        await write.send(SessionMessage(message=JSONRPCMessage(refusal)))
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream):
                log.debug("mcp_server.client_left")

    async with anyio.create_task_group() as group:
        group.start_soon(pump)
        try:
            yield receive
        finally:
            group.cancel_scope.cancel()


def _refusal(message: SessionMessage | Exception) -> JSONRPCError | None:
    if isinstance(message, ValidationError):
        return _unparsable(message)
    if isinstance(message, Exception) or not isinstance(message.message.root, JSONRPCRequest):
        return None
    request = message.message.root
    model = _REQUESTS.get(request.method)
    if model is None:
        error = ErrorData(code=METHOD_NOT_FOUND, message=f"Method not found: {request.method}")
        return JSONRPCError(jsonrpc="2.0", id=request.id, error=error)
    try:
        model.model_validate(request.model_dump(by_alias=True, mode="json", exclude_none=True))
    except ValidationError as invalid:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'params'}: {item['msg']}"
            for item in invalid.errors()[:3]
        )
        error = ErrorData(code=INVALID_PARAMS, message=f"Invalid params for {request.method}: {reasons}")
        return JSONRPCError(jsonrpc="2.0", id=request.id, error=error)
    return None


def _unparsable(error: ValidationError) -> JSONRPCError:
    """The answer to a stdio line the SDK could not parse (it would log it and send "Internal Server Error").

    pydantic's JSON parser refuses a lone surrogate escape (``"\\ud800"``) that ``json`` accepts;
    such a request gets an invalid-params error on its own id, anything else a parse error.
    """
    raw = error.errors()[0].get("input") if error.errors() else None
    log.debug("mcp_server.unparsable_message", error=str(error).splitlines()[-2:])
    try:
        request = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        request = None
    request_id = request.get("id") if isinstance(request, dict) else None
    if isinstance(request_id, str | int) and not isinstance(request_id, bool):
        problem = "a string holds a lone surrogate (e.g. \\ud800); strings must be valid Unicode"
        return JSONRPCError(
            jsonrpc="2.0", id=request_id, error=ErrorData(code=INVALID_PARAMS, message=problem)
        )
    detail = error.errors()[0]["msg"] if error.errors() else "not JSON-RPC"
    return JSONRPCError(
        jsonrpc="2.0", id="server-error", error=ErrorData(code=PARSE_ERROR, message=f"Parse error: {detail}")
    )


class _DropUnlisted(logging.Filter):
    """Drop the SDK's "Tool 'x' not listed" warning: the client gets a clean "Unknown tool" error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not listed, no validation will be performed" not in record.getMessage()


CLIENT_LEFT: tuple[type[BaseException], ...] = (
    anyio.ClosedResourceError,
    anyio.BrokenResourceError,
    anyio.EndOfStream,
    BrokenPipeError,
    ConnectionResetError,
)
"""What a transport raises when the client went away mid-conversation: not the server's failure."""


def client_left(error: BaseException) -> bool:
    """Whether ``error`` (or every leaf of an exception group) means only that the client went away."""
    if isinstance(error, BaseExceptionGroup):
        return all(client_left(inner) for inner in error.exceptions)
    return isinstance(error, CLIENT_LEFT)


class _DropClientLeft(logging.Filter):
    """Drop the SDK's tracebacks for a client that disconnected (kept at debug level)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not client_left(error):
            return True
        if logging.getLogger("mcp").isEnabledFor(logging.DEBUG):
            record.exc_info, record.exc_text = None, None
            record.msg, record.args, record.levelno, record.levelname = "client left", (), 10, "DEBUG"
            return True
        return False


def quiet_loggers(level: str) -> None:
    """Hold the mcp and uvicorn loggers at ``level``: no per-request INFO, no client-left tracebacks.

    Filters act only on records logged to their own logger, so they go on every mcp, uvicorn
    and starlette logger that exists once the SDK is imported (and on root, which mcp's
    session logs to directly).
    """
    for name in ("mcp", "uvicorn", "uvicorn.error", "uvicorn.access", "sse_starlette"):
        logging.getLogger(name).setLevel(level)
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if name.split(".")[0] in {"mcp", "uvicorn", "sse_starlette", "starlette"}
    ]
    for logger in [logging.getLogger(), *map(logging.getLogger, names)]:
        for kind in (_DropUnlisted, _DropClientLeft):
            if not any(isinstance(existing, kind) for existing in logger.filters):
                logger.addFilter(kind())
