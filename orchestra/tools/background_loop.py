"""One background event loop for the async services, shared by every synchronous tool call.

smolagents tools are synchronous and may be called from several layer threads at once; the
services are async. Rather than ``asyncio.run`` per call (a new loop each time) or
``nest_asyncio`` (patching the running loop), every call is submitted to one loop on a daemon
thread and waited for with a timeout, so no tool call can hang a cycle (TR-002).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from orchestra.errors import ToolError

T = TypeVar("T")


class BackgroundLoop:
    """An asyncio loop on its own daemon thread; ``run`` submits a coroutine and waits, bounded."""

    def __init__(self, name: str = "orchestra-async") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop, for code that must schedule on it directly."""
        return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T], timeout_s: float, what: str = "call") -> T:
        """Run ``coroutine`` on the loop and return its result.

        Raises:
            ToolError: it did not finish within ``timeout_s`` (it is cancelled), or the loop is closed.
        """
        if self._loop.is_closed():
            coroutine.close()
            raise ToolError(f"{what}: the background loop is closed")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout_s)
        except FutureTimeout:
            future.cancel()
            raise ToolError(f"{what} timed out after {timeout_s:g}s") from None

    def close(self) -> None:
        """Stop the loop and its thread."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()
