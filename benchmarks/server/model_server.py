"""A local OpenAI-compatible chat-completions server that replays scripted replies under a latency model.

Tests point litellm (and smolagents' ``LiteLLMModel``) at it so the real HTTP path runs without
network; benchmarks use it as a reproducible stand-in for a hosted model (see
:mod:`benchmarks.server.latency_model` for the profiles and their assumptions).

Usage::

    with ModelServer(["Hello!"], profile=FAST) as server:
        litellm.completion(model="openai/any", api_base=server.base_url, api_key="x", messages=[...])

CLI::

    python -m benchmarks.server.model_server --profile nano --port 8000 --replies replies.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import structlog

from benchmarks.server.fault_injection import Fault, default_fault_body
from benchmarks.server.http_handler import ServerContext, TrackingHTTPServer
from benchmarks.server.latency_model import INSTANT, PROFILES, JitterSource, LatencyProfile
from benchmarks.server.openai_format import warm_up_tokenizer
from benchmarks.server.reply_scripts import Messages, QueueScript, RoutedScript, Script, as_script
from benchmarks.server.request_log import RequestRecord
from benchmarks.server.slots import SlotScheduler

log = structlog.get_logger(__name__)


class ModelServer:
    """Scripted OpenAI-compatible server on a background thread; concurrent requests run concurrently.

    Args:
        script: A :class:`~benchmarks.server.reply_scripts.Script`, a list of replies (served FIFO),
            or a router callable ``(messages) -> reply``.
        profile: Latency model; :data:`~benchmarks.server.latency_model.INSTANT` by default.
        host: Interface to bind; loopback by default so nothing is exposed.
        port: Port to bind; 0 picks a free one (read it back from :attr:`port`).
        seed: Seed of the latency jitter, so runs are reproducible.
        model_name: Name listed by ``GET /v1/models`` and echoed when a request omits ``model``.
        refuse_list_content: Like llama-cpp-python's server, refuse a request with any message whose
            ``content`` is a list of parts: HTTP 500 with a pydantic-style validation error naming
            each such message (see :mod:`benchmarks.server.request_checks`). The refusal is recorded
            and consumes no scripted reply.
        context_tokens: A context window: a request whose prompt tokens plus ``max_completion_tokens``
            (or ``max_tokens``; 0 if absent) exceed it gets HTTP 400 ``Requested tokens (n) exceed
            context window of N``; recorded, no reply consumed.
        slots: Serve at most this many requests at once, like llama.cpp's ``--parallel``; the rest
            wait in FIFO order and the wait counts in their latency. Each slot keeps a prompt cache,
            whose shared prefix costs no prefill and is reported as
            ``usage.prompt_tokens_details.cached_tokens`` (see :mod:`benchmarks.server.slots`).
            None (the default): no limit and no prompt cache.

    The modes apply in this order: injected faults, list-content refusal, context window, slot.
    Refused requests never take a slot.
    """

    def __init__(
        self,
        script: Script | Sequence[str] | Callable[[Messages], str],
        profile: LatencyProfile = INSTANT,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        model_name: str = "scripted-model",
        refuse_list_content: bool = False,
        context_tokens: int | None = None,
        slots: int | None = None,
    ) -> None:
        if context_tokens is not None and context_tokens < 1:
            raise ValueError(f"context_tokens must be >= 1, got {context_tokens}")
        self._context = ServerContext(
            script=as_script(script),
            profile=profile,
            jitter=JitterSource(profile.jitter_frac, seed),
            model_name=model_name,
            refuse_list_content=refuse_list_content,
            context_tokens=context_tokens,
            slots=SlotScheduler(slots),
        )
        self._address = (host, port)
        self._httpd: TrackingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the port and serve on a daemon thread.

        Returns:
            The server, so ``server = ModelServer(...).start()`` reads naturally.

        Raises:
            RuntimeError: If already started (a stopped server cannot be restarted; make a new one).
        """
        if self._httpd is not None:
            raise RuntimeError("ModelServer already started")
        warm_up_tokenizer()  # loading the tokenizer takes ~0.3 s; keep it out of the first request's latency
        self._httpd = TrackingHTTPServer(self._address, self._context)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="model-server", daemon=True
        )
        self._thread.start()
        log.info("model_server.started", base_url=self.base_url, profile=self.profile.name)
        return self

    def stop(self) -> None:
        """Stop promptly: abandon in-flight requests, drop open connections and free the port.

        New connections are refused afterwards. Safe to call more than once.
        """
        httpd = self._httpd
        if httpd is None or self._context.stopping.is_set():
            return
        self._context.stopping.set()
        self._context.slots.close()  # requests waiting for a slot are abandoned too
        httpd.shutdown()
        httpd.server_close()
        httpd.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        log.info("model_server.stopped", requests=len(self._context.log.snapshot()))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return self._httpd is not None and not self._context.stopping.is_set()

    # --- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with ``port=0``)."""
        if self._httpd is None:
            raise RuntimeError("ModelServer not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self._address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI base URL to pass as ``api_base``, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    # --- configuration and inspection --------------------------------------------------------

    @property
    def profile(self) -> LatencyProfile:
        """The latency profile in use."""
        return self._context.profile

    @property
    def script(self) -> Script:
        """The script choosing replies (e.g. to push more replies onto a queue)."""
        return self._context.script

    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot of every request handled so far, in completion order (a copy; safe to iterate)."""
        return self._context.log.snapshot()

    def reset_log(self) -> None:
        """Forget recorded requests, e.g. between a warm-up and the measured run.

        :attr:`max_in_flight` restarts from the requests being served now; the slots' prompt caches
        stay warm.
        """
        self._context.log.clear()
        self._context.slots.reset_peak()

    @property
    def slots(self) -> int | None:
        """How many requests are served at once; None when unlimited."""
        return self._context.slots.slots

    @property
    def context_tokens(self) -> int | None:
        """The context window; None when unlimited."""
        return self._context.context_tokens

    @property
    def in_flight(self) -> int:
        """Chat requests being served right now."""
        return self._context.slots.in_flight

    @property
    def queued(self) -> int:
        """Chat requests waiting for a free slot right now (always 0 without ``slots``)."""
        return self._context.slots.queued

    @property
    def max_in_flight(self) -> int:
        """The most chat requests ever served at once (waiting for a slot and refusals not counted)."""
        return self._context.slots.max_in_flight

    @property
    def cache_hit_rate(self) -> float:
        """Share of prompt tokens served from slot caches: sum of cached over sum of prompt tokens.

        Over the successful (HTTP 200) requests in :attr:`requests`; 0.0 when there are none (or
        they had no prompt tokens).
        """
        served = [r for r in self._context.log.snapshot() if r.status == 200]
        prompt = sum(r.prompt_tokens for r in served)
        return sum(r.cached_tokens for r in served) / prompt if prompt else 0.0

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        retry_after_s: float | None = None,
        body: dict[str, Any] | str | None = None,
    ) -> None:
        """Make the next ``n`` chat requests fail without consuming the script.

        Args:
            n: How many requests fail.
            status: HTTP status, e.g. 429 (rate limit) or 500.
            retry_after_s: Sets ``Retry-After`` (and ``retry-after-ms``) headers when given.
            body: Response body; an OpenAI-style error matching ``status`` by default.
        """
        fault = Fault(
            status=status,
            body=body if body is not None else default_fault_body(status),
            retry_after_s=retry_after_s,
        )
        self._context.faults.fail(n, fault)

    def delay_next(self, n: int, seconds: float) -> None:
        """Add ``seconds`` before the first token of the next ``n`` chat requests (e.g. to trip timeouts).

        Args:
            n: How many requests are delayed.
            seconds: Extra delay each, on top of the latency model.
        """
        self._context.faults.delay(n, seconds)


def load_replies(path: Path) -> Script:
    """Read a replies file for the CLI.

    Args:
        path: JSON file holding either a list of strings (one FIFO queue) or an object mapping a
            system-prompt marker to its list of replies (key ``"*"``: replies for unmatched requests).

    Returns:
        The script.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list) and all(isinstance(t, str) for t in data):
        return QueueScript(data)
    if isinstance(data, dict):
        default = data.pop("*", None)
        return RoutedScript(data, default=default)
    raise ValueError(f"{path}: expected a list of strings or an object of marker -> list of strings")


def main(argv: Sequence[str] | None = None) -> None:
    """Serve scripted replies by hand until interrupted.

    Args:
        argv: Command-line arguments (defaults to ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.server.model_server", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="nano")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--replies", type=Path, required=True, help="JSON list of replies (or marker -> list)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slots", type=int, default=None, help="serve this many requests at once")
    parser.add_argument("--context-tokens", type=int, default=None, help="context window in tokens")
    parser.add_argument(
        "--refuse-list-content", action="store_true", help="refuse list contents as llama-cpp-python does"
    )
    args = parser.parse_args(argv)
    # Entry point only: logs go to stderr at INFO so stdout carries just the URL for scripts to read.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
    server = ModelServer(
        load_replies(args.replies),
        PROFILES[args.profile],
        host=args.host,
        port=args.port,
        seed=args.seed,
        refuse_list_content=args.refuse_list_content,
        context_tokens=args.context_tokens,
        slots=args.slots,
    )
    with server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
