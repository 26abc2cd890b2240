"""A ``python:`` tool source giving each registry its own copy of orchestra's built-in tools.

``orchestra.tools.builtin`` hands every registry the same ``observe_environment`` object. The minds
curve times each mind's tool calls with that mind's own timer, which instruments tools in place;
with one shared object every mind's calls would land in the last mind's timer. A shallow copy per
registry behaves the same and keeps the timers apart.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from smolagents import Tool

from orchestra.tools import builtin
from orchestra.tools.sources import ToolContext


def provide_tools(context: ToolContext) -> Iterable[Tool]:
    """Copies of the built-in tools, one set per call (per registry)."""
    return [copy.copy(tool) for tool in builtin.provide_tools(context)]
