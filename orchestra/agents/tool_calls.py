"""Every tool call an agent makes, recorded with its inputs, output and timing.

A CodeAgent's memory records only the code it ran (as one ``python_interpreter`` call), not the
tool calls made inside that code. So tools are wrapped in ``TracedTool``, which appends a
``ToolCallRecord`` (tagged with the agent's step number) to a shared, thread-safe ``ToolCallLog``.
Values are kept JSON-able and bounded (``jsonable``), since tool outputs can be anything.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from smolagents import Tool

TEXT_LIMIT = 2000
"""Longest string (or repr, or JSON text) kept in a trace before it is cut short."""

_MAX_DEPTH = 20
"""Deeper nesting is kept as a repr: it also stops cycles in tool outputs."""


def truncate(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was dropped.

    Args:
        text: the text to shorten.
        limit: the most characters of ``text`` to keep.

    Returns:
        ``text`` unchanged if short enough, else its head and a note of the dropped length.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more chars]"


def _plain(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return truncate(str(value))
    if depth >= _MAX_DEPTH:
        return truncate(repr(value))
    if isinstance(value, dict):
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, depth + 1) for item in value]
    return truncate(repr(value))


def jsonable(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """``value`` as JSON-able data, with long strings, reprs and containers cut short.

    Args:
        value: any value a tool took or returned.
        limit: the longest string, repr or container JSON text to keep.

    Returns:
        Scalars unchanged; strings truncated; dicts and sequences converted item by item (and
        replaced by their truncated JSON text when that is longer than ``limit``); anything else
        as its truncated repr.
    """
    converted = _plain(value, 0)
    if isinstance(converted, dict | list):
        text = json.dumps(converted, ensure_ascii=False)
        if len(text) > limit:
            return truncate(text, limit)
    return converted


@dataclass(kw_only=True)
class ToolCallRecord:
    """One call of a traced tool."""

    agent: str
    """Name of the agent that made the call."""
    step: int | None
    """The agent's ``step_number`` when the call was made; None if it could not be read."""
    tool: str
    """Name of the tool called."""
    arguments: dict[str, Any]
    """Keyword arguments of the call, JSON-able (positional ones named after the tool's inputs)."""
    output: Any = None
    """What the tool returned, JSON-able and truncated; None when it raised."""
    error: str | None = None
    """``"ExceptionType: message"`` when the tool raised, else None."""
    seconds: float = 0.0
    """Wall-clock duration of the call."""
    started_at: float = 0.0
    """``time.time()`` when the call began."""

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-able dict."""
        return asdict(self)


class ToolCallLog:
    """Append-only, thread-safe list of tool call records shared by agents running in parallel."""

    def __init__(self) -> None:
        self._records: list[ToolCallRecord] = []
        self._lock = threading.Lock()

    def append(self, record: ToolCallRecord) -> None:
        """Add one record.

        Args:
            record: the finished call.
        """
        with self._lock:
            self._records.append(record)

    def records(self, agent: str | None = None) -> list[ToolCallRecord]:
        """A snapshot of the records, in append order.

        Args:
            agent: only this agent's records; all records when None.

        Returns:
            A new list; later appends do not change it.
        """
        with self._lock:
            snapshot = list(self._records)
        return snapshot if agent is None else [record for record in snapshot if record.agent == agent]

    def clear(self) -> None:
        """Drop every record (between heartbeats)."""
        with self._lock:
            self._records.clear()


class TracedTool(Tool):
    """A tool that behaves exactly like the one it wraps, and logs every call for one agent."""

    skip_forward_signature_validation = True

    def __init__(
        self,
        tool: Tool,
        *,
        agent_name: str,
        log: ToolCallLog,
        step_of: Callable[[], int | None],
    ) -> None:
        """Wrap ``tool`` for ``agent_name``.

        Args:
            tool: the tool to call.
            agent_name: the agent whose calls these are.
            log: where records go.
            step_of: returns the agent's current step number (read at call time).
        """
        self.name = tool.name
        self.description = tool.description
        self.inputs = tool.inputs
        self.output_type = tool.output_type
        self.output_schema = getattr(tool, "output_schema", None)
        self.wrapped = tool
        self.agent_name = agent_name
        self.log = log
        self.step_of = step_of
        super().__init__()

    def _arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        named = {**dict(zip(self.inputs, args, strict=False)), **kwargs}
        if len(args) > len(self.inputs):
            named["*args"] = list(args[len(self.inputs) :])
        return {key: jsonable(value) for key, value in named.items()}

    def _step(self) -> int | None:
        # A trace must never break the tool it observes: an unreadable step is recorded as None.
        try:
            return self.step_of()
        except Exception:
            return None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        record = ToolCallRecord(
            agent=self.agent_name,
            step=self._step(),
            tool=self.name,
            arguments=self._arguments(args, kwargs),
            started_at=time.time(),
        )
        began = time.perf_counter()
        try:
            output = self.wrapped(*args, **kwargs)
        except BaseException as error:
            record.seconds = time.perf_counter() - began
            record.error = truncate(f"{type(error).__name__}: {error}")
            self.log.append(record)
            raise
        record.seconds = time.perf_counter() - began
        record.output = jsonable(output)
        self.log.append(record)
        return output


def traced(
    tools: list[Tool],
    *,
    agent_name: str,
    log: ToolCallLog,
    step_of: Callable[[], int | None],
) -> list[Tool]:
    """Each tool wrapped in a ``TracedTool`` for one agent.

    Args:
        tools: the agent's tools.
        agent_name: the agent whose calls these are.
        log: where records go.
        step_of: returns the agent's current step number, e.g. ``lambda: agent.step_number``.

    Returns:
        The wrapped tools, in the same order.
    """
    return [TracedTool(tool, agent_name=agent_name, log=log, step_of=step_of) for tool in tools]
