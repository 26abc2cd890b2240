"""HTTP request handler of the scripted model server: parses requests and writes OpenAI responses.

It runs on the server's handler threads (one per connection), so everything it touches on the shared
:class:`ServerContext` is thread-safe. Waits go through the context's stop event so that stopping the
server abandons in-flight requests at once instead of finishing their simulated latency.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

from benchmarks.server.fault_injection import Fault, FaultPlan
from benchmarks.server.latency_model import JitterSource, LatencyProfile
from benchmarks.server.openai_format import (
    apply_stop,
    chunk_body,
    completion_body,
    count_prompt_tokens,
    count_text_tokens,
    error_body,
    new_completion_id,
    prompt_token_ids,
    split_for_stream,
    sse_event,
    usage_chunk_body,
)
from benchmarks.server.reply_scripts import Script
from benchmarks.server.request_checks import context_overflow, list_content_refusal
from benchmarks.server.request_log import RequestLog, RequestRecord
from benchmarks.server.slots import Lease, SlotScheduler

log = structlog.get_logger(__name__)

CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
MODELS_PATHS = frozenset({"/v1/models", "/models"})


class ServerStopped(Exception):
    """The server is stopping; the in-flight request is abandoned and its connection dropped."""


@dataclass
class ServerContext:
    """Shared state of one model server, read by every handler thread.

    ``refuse_list_content``, ``context_tokens`` and ``slots`` are the local-server modes described on
    :class:`~benchmarks.server.model_server.ModelServer`.
    """

    script: Script
    profile: LatencyProfile
    jitter: JitterSource
    model_name: str
    faults: FaultPlan = field(default_factory=FaultPlan)
    log: RequestLog = field(default_factory=RequestLog)
    stopping: threading.Event = field(default_factory=threading.Event)
    refuse_list_content: bool = False
    context_tokens: int | None = None
    slots: SlotScheduler = field(default_factory=SlotScheduler)

    def sleep_until(self, deadline: float) -> None:
        """Wait until ``deadline`` (monotonic), unless the server stops first.

        Raises:
            ServerStopped: When the server is stopping.
        """
        remaining = deadline - time.monotonic()
        if (remaining > 0 and self.stopping.wait(remaining)) or self.stopping.is_set():
            raise ServerStopped


@dataclass(frozen=True)
class _Usage:
    """Token counts of one reply; ``reported`` says whether the body carries ``cached_tokens``."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    reported: bool

    @property
    def fields(self) -> tuple[int, int, int | None]:
        """Arguments of the body builders: prompt, completion, and cached tokens (None: not reported)."""
        return self.prompt_tokens, self.completion_tokens, self.cached_tokens if self.reported else None


class TrackingHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server that can cut every open connection, so stop() also ends keep-alive ones."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # benchmarks open many connections at once; the default backlog of 5 drops SYNs

    def __init__(self, address: tuple[str, int], context: ServerContext) -> None:
        self.context = context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, ChatCompletionsHandler)

    def track(self, conn: socket.socket, open_: bool) -> None:
        """Register (or forget) a live connection socket."""
        with self._connections_lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def drop_connections(self) -> None:
        """Shut down every live connection; blocked reads and writes on them fail immediately."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class ChatCompletionsHandler(BaseHTTPRequestHandler):
    """Serves ``POST /v1/chat/completions`` and ``GET /v1/models`` (also without ``/v1``)."""

    protocol_version = "HTTP/1.1"  # keep-alive, like real providers; streams use chunked encoding
    disable_nagle_algorithm = True  # small SSE chunks must leave at once, not wait for delayed ACKs
    server: TrackingHTTPServer
    timeout = 60  # idle keep-alive connections are closed after this
    _recorded = False  # whether the current request is already in the log

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("model_server.http", message=format % args)

    # --- GET -----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path not in MODELS_PATHS:
            self._send_json(404, error_body(f"unknown path {path}", "invalid_request_error"))
            return
        model = {
            "id": self.server.context.model_name,
            "object": "model",
            "created": 0,
            "owned_by": "benchmarks",
        }
        self._send_json(200, {"object": "list", "data": [model]})

    # --- POST ----------------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        start = time.monotonic()
        if path not in CHAT_PATHS:
            self._send_json(404, error_body(f"unknown path {path}", "invalid_request_error"))
            return
        try:
            request = json.loads(raw or b"null")
            if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
                raise ValueError("body must be a JSON object with a 'messages' list")
        except ValueError as exc:
            self._send_json(400, error_body(f"invalid request: {exc}", "invalid_request_error"))
            return
        self._recorded = False
        try:
            self._complete(request, start)
        except ServerStopped:
            self._record(request, start, status=0, error="server stopped")
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            if not self._recorded:  # a failure after the record was written leaves the record as is
                self._record(request, start, status=499, error="client closed the connection")
            self.close_connection = True

    def _complete(self, request: dict[str, Any], start: float) -> None:
        """Refuse what the server's modes refuse, then wait for a slot and serve the request on it."""
        ctx = self.server.context
        messages: list[dict[str, Any]] = request["messages"]
        fault, extra_delay = ctx.faults.take()
        if fault is not None:
            ctx.sleep_until(start + extra_delay)
            self._record(request, start, status=fault.status, error=fault.message)
            self._send_fault(fault)
            return
        refusal = list_content_refusal(messages) if ctx.refuse_list_content else None
        if refusal is not None:  # llama-cpp-python: a pydantic validation error, answered as a 500
            self._record(request, start, status=500, error=refusal)
            self._send_json(500, error_body(refusal, "internal_server_error"))
            return
        prompt_tokens = count_prompt_tokens(messages, request.get("tools"))
        overflow = (
            context_overflow(prompt_tokens, request, ctx.context_tokens)
            if ctx.context_tokens is not None
            else None
        )
        if overflow is not None:
            self._record(request, start, status=400, error=overflow, prompt_tokens=prompt_tokens)
            self._send_json(400, error_body(overflow, "invalid_request_error"))
            return
        ids = prompt_token_ids(messages, request.get("tools")) if ctx.slots.caches_prompts else []
        lease = ctx.slots.acquire(ids, arrived=start)
        if lease is None:
            raise ServerStopped
        try:
            self._serve(request, start, prompt_tokens, lease, extra_delay)
        finally:
            ctx.slots.release(lease)

    def _serve(
        self, request: dict[str, Any], start: float, prompt_tokens: int, lease: Lease, extra_delay: float
    ) -> None:
        """Generate the scripted reply on the lease's slot: prefill of the uncached prompt, then decode."""
        ctx = self.server.context
        cached = min(lease.cached_tokens, prompt_tokens)  # the token list may run past the count
        try:
            full_text = ctx.script.reply(request["messages"])
        except Exception as exc:  # exhausted queue or a failing router: report it the way a server would
            message = f"model_server script error: {exc}"
            log.warning("model_server.script_error", error=str(exc))
            self._record(
                request, start, status=500, error=message, prompt_tokens=prompt_tokens, served=lease.served_at
            )
            self._send_json(500, error_body(message, "server_error", code="script_error"))
            return
        text, _ = apply_stop(full_text, request.get("stop"))
        completion_tokens = count_text_tokens(text)
        factor = ctx.jitter.factor()
        ttft = ctx.profile.ttft_s(prompt_tokens, cached) * factor + extra_delay
        decode = ctx.profile.decode_s(completion_tokens) * factor
        usage = _Usage(prompt_tokens, completion_tokens, cached, reported=ctx.slots.caches_prompts)
        if request.get("stream"):
            self._stream(request, start, text, usage, lease.served_at + ttft, decode, lease.served_at)
        else:
            ctx.sleep_until(lease.served_at + ttft + decode)
            self._record(
                request,
                start,
                200,
                reply=text,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cached_tokens=cached,
                served=lease.served_at,
            )
            body = completion_body(new_completion_id(), self._model(request), text, *usage.fields)
            self._send_json(200, body)

    def _stream(
        self,
        request: dict[str, Any],
        start: float,
        text: str,
        usage: _Usage,
        first_token_at: float,
        decode_s: float,
        served: float,
    ) -> None:
        """Send the reply as SSE chunks: the first at ``first_token_at``, the rest spread over decode.

        The request is recorded just before the final write, so a client that has read the whole
        stream always finds its record in the log.
        """
        ctx = self.server.context
        completion_id, model = new_completion_id(), self._model(request)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        pieces = list(split_for_stream(text))
        sent_chars, first_sent = 0, None
        for i, piece in enumerate(pieces):
            ctx.sleep_until(first_token_at + decode_s * sent_chars / len(text))
            delta: dict[str, Any] = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
            self._write_chunk(sse_event(chunk_body(completion_id, model, delta)))
            first_sent = first_sent or time.monotonic()
            sent_chars += len(piece)
        ctx.sleep_until(first_token_at + decode_s)
        tail = [chunk_body(completion_id, model, {}, finish_reason="stop")]
        if not pieces:
            tail.insert(0, chunk_body(completion_id, model, {"role": "assistant", "content": ""}))
        if (request.get("stream_options") or {}).get("include_usage"):
            tail.append(usage_chunk_body(completion_id, model, *usage.fields))
        final = b"".join(sse_event(chunk) for chunk in tail) + sse_event("[DONE]")
        self._record(
            request,
            start,
            200,
            reply=text,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached_tokens=usage.cached_tokens,
            first_token=first_sent,
            served=served,
        )
        self.wfile.write(self._chunk(final) + self._chunk(b""))  # zero-length chunk ends the body
        self.wfile.flush()

    # --- helpers -------------------------------------------------------------------------------

    def _model(self, request: dict[str, Any]) -> str:
        return str(request.get("model") or self.server.context.model_name)

    @staticmethod
    def _chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(self._chunk(data))
        self.wfile.flush()

    def _send_json(
        self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
    ) -> None:
        payload = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _send_fault(self, fault: Fault) -> None:
        headers: dict[str, str] = {}
        if fault.retry_after_s is not None:
            headers["Retry-After"] = f"{fault.retry_after_s:g}"
            headers["retry-after-ms"] = str(int(fault.retry_after_s * 1000))
        self._send_json(fault.status, fault.body, headers)

    def _record(
        self,
        request: dict[str, Any],
        start: float,
        status: int,
        *,
        reply: str = "",
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        first_token: float | None = None,
        error: str | None = None,
        cached_tokens: int = 0,
        served: float | None = None,
    ) -> None:
        record = RequestRecord(
            model=str(request.get("model", "")),
            messages=request["messages"],
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            start=start,
            end=time.monotonic(),
            reply=reply,
            streamed=bool(request.get("stream")),
            status=status,
            first_token=first_token,
            error=error,
            cached_tokens=cached_tokens,
            served=served,
        )
        self.server.context.log.append(record)
        self._recorded = True
        log.debug(
            "model_server.request",
            status=status,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cached_tokens=cached_tokens,
            duration_s=round(record.duration_s, 4),
        )
