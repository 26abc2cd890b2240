"""Scripts: how the model server chooses the reply text for a request.

A script sees the messages the server received and returns the reply. Queues replay fixed texts in
order; routers answer by who is asking, which multi-agent benchmarks need because requests from
different agents interleave unpredictably.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

Messages = list[dict[str, Any]]
"""Chat messages as received in the request body (OpenAI format)."""


class ScriptExhausted(RuntimeError):
    """Raised when a script has no reply left; the server turns it into a 500 with this message."""


@runtime_checkable
class Script(Protocol):
    """Anything that picks a reply for a request."""

    def reply(self, messages: Messages) -> str:
        """Return the reply text for the given request messages.

        Args:
            messages: The ``messages`` array of the chat-completions request.

        Returns:
            The full reply text (before stop sequences are applied).
        """
        ...


class QueueScript:
    """Replays texts first in, first out, regardless of the request; thread-safe.

    Args:
        texts: Replies in the order they should be served.
        name: Label used in the exhaustion message, to tell queues apart.
    """

    def __init__(self, texts: Iterable[str], name: str = "queue") -> None:
        self._texts: deque[str] = deque(texts)
        self._name = name
        self._served = 0
        self._lock = threading.Lock()

    def reply(self, messages: Messages) -> str:
        """Pop the next text.

        Args:
            messages: Ignored; a queue does not look at the request.

        Returns:
            The next scripted text.

        Raises:
            ScriptExhausted: When every text has been served.
        """
        with self._lock:
            if not self._texts:
                raise ScriptExhausted(
                    f"script {self._name!r} exhausted: all {self._served} replies already served"
                )
            self._served += 1
            return self._texts.popleft()

    def push(self, *texts: str) -> None:
        """Append more replies, e.g. between phases of a test.

        Args:
            texts: Replies to serve after the ones already queued.
        """
        with self._lock:
            self._texts.extend(texts)

    @property
    def remaining(self) -> int:
        """Replies not yet served."""
        with self._lock:
            return len(self._texts)


class RouterScript:
    """Delegates the choice to a callable, for benchmarks that answer by inspecting the request.

    Args:
        route: ``(messages) -> reply``; may raise :class:`ScriptExhausted`.
    """

    def __init__(self, route: Callable[[Messages], str]) -> None:
        self._route = route

    def reply(self, messages: Messages) -> str:
        """Call the router.

        Args:
            messages: The request's messages.

        Returns:
            Whatever the router returns.
        """
        return self._route(messages)


class RoutedScript:
    """Maps a marker substring to its own queue of replies, so each agent gets its own script.

    The marker is looked for in the system message(s); if no route matches there, in the first user
    message. Routes are tried in insertion order, so put more specific markers first.

    Args:
        routes: Marker substring -> replies for requests carrying that marker.
        default: Replies for requests matching no marker; without it such requests fail with 500.
    """

    def __init__(self, routes: Mapping[str, Sequence[str]], default: Sequence[str] | None = None) -> None:
        self._queues = {marker: QueueScript(texts, name=marker) for marker, texts in routes.items()}
        self._default = QueueScript(default, name="<default>") if default is not None else None

    def reply(self, messages: Messages) -> str:
        """Pick the queue by marker and pop its next reply.

        Args:
            messages: The request's messages.

        Returns:
            The next reply of the matching route.

        Raises:
            ScriptExhausted: When no route matches and there is no default, or the queue is empty.
        """
        return self._queue_for(messages).reply(messages)

    def queue(self, marker: str) -> QueueScript:
        """The queue behind a marker, to push replies or check how many remain.

        Args:
            marker: A marker given at construction.

        Returns:
            Its queue.
        """
        return self._queues[marker]

    def _queue_for(self, messages: Messages) -> QueueScript:
        system = " ".join(message_text(m) for m in messages if m.get("role") in ("system", "developer"))
        first_user = next((message_text(m) for m in messages if m.get("role") == "user"), "")
        for haystack in (system, first_user):
            for marker, queue in self._queues.items():
                if marker in haystack:
                    return queue
        if self._default is not None:
            return self._default
        raise ScriptExhausted(f"no route matches the request; markers: {sorted(self._queues)}")


def message_text(message: Mapping[str, Any]) -> str:
    """Flatten a message's content (a string or a list of typed parts) into plain text.

    Args:
        message: One OpenAI-format message.

    Returns:
        The concatenated text parts; non-text parts are skipped.
    """
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def as_script(script: Script | Sequence[str] | Callable[[Messages], str]) -> Script:
    """Accept the convenient forms: a script, a list of texts (a queue), or a router callable.

    Args:
        script: What the caller passed to the server.

    Returns:
        A :class:`Script`.
    """
    if isinstance(script, Script):
        return script
    if isinstance(script, str):
        raise TypeError("pass a list of replies, not a single string")
    if callable(script):
        return RouterScript(script)
    return QueueScript(script)
