"""The HTTP side of the bridge: refused connections and HTTP statuses seen as they happen.

The SDK's streamable-HTTP client loses a refused POST in a task group and turns a 404 into
"Session terminated", so the bridge would learn of either only from its own timeout. A thin
httpx transport notes each POST's transport error or error status, and the bridge fails the
pending call with it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from orchestra.errors import describe


class TransportWatch:
    """The last HTTP failure of a connection, with when it happened; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failure: tuple[float, str, bool] | None = None

    def note(self, message: str, *, delivered: bool) -> None:
        """Record a failure; ``delivered`` says whether the server may have acted on the request."""
        with self._lock:
            self._failure = (time.monotonic(), message, delivered)

    def since(self, started: float) -> tuple[str, bool] | None:
        """The failure noted at or after ``started`` (a ``time.monotonic()``), if any."""
        with self._lock:
            if self._failure is None or self._failure[0] < started:
                return None
            return self._failure[1], self._failure[2]


class _WatchedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that tells the watch about every failed POST."""

    def __init__(self, watch: TransportWatch) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._watch = watch

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.ConnectError as error:
            if request.method == "POST":
                self._watch.note(f"connection refused at {request.url} ({describe(error)})", delivered=False)
            raise
        except httpx.TransportError as error:
            if request.method == "POST":
                self._watch.note(f"{describe(error)} at {request.url}", delivered=True)
            raise
        if request.method == "POST" and response.status_code >= 400:
            reason = response.reason_phrase or httpx.codes.get_reason_phrase(response.status_code)
            self._watch.note(
                f"HTTP {response.status_code} {reason} from {request.url}",
                delivered=response.status_code >= 500,
            )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def client_factory(watch: TransportWatch) -> Callable[..., httpx.AsyncClient]:
    """An ``httpx_client_factory`` for the SDK whose clients report to ``watch``."""

    def factory(
        headers: dict[str, str] | None = None, timeout: httpx.Timeout | None = None, auth: Any = None
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            headers=headers,
            timeout=timeout or httpx.Timeout(30.0, read=300.0),
            auth=auth,
            transport=_WatchedTransport(watch),
        )

    return factory
