"""What one code step is here: small snippets that each call one tool returning a dict.

The snippets look like an agent's steps (call a cognitive-service tool, pick a field, compute a
little), so a step pays what a real one pays on the boundary: the call's round trip to the host
and a dict of a few hundred bytes coming back as JSON. The tools are plain functions, so neither
executor pays for tool validation the other skips.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smolagents.default_tools import FinalAnswerTool
from smolagents.local_python_executor import PythonExecutor

from orchestra.sandbox import GuardedExecutor, Isolation, Limits, SandboxExecutor

IMPORTS = ("json", "math", "time")
"""The executors' authorized imports (``time`` for the step that overruns its limit)."""

SNIPPETS: tuple[str, ...] = (
    "r = recall(query='x')\nn = len(r['items'])\nn",
    "r = recall(query='deadline', limit=3)\nbest = max(r['items'], key=lambda m: m['score'])\nbest['id']",
    "status = get_energy_status()\nlevel = status['level']\nround(level * 100)",
    "r = recall(query='garden')\ntexts = [m['content'][:20] for m in r['items']]\n"
    "print(len(texts))\nlen(texts)",
)
"""The measured steps, taken in turn."""

OVERRUN = "import time\ntime.sleep(100)"
"""A step that runs past any time limit the benchmark sets."""


def recall(query: str, limit: int = 5) -> dict[str, Any]:
    """A ``semantic_recall``-shaped answer: ``limit`` memories with ids, text and scores."""
    items = [
        {
            "id": f"m{index}",
            "content": f"memory {index} about {query}: the heron stood in the river at first light",
            "score": round(1.0 - index / 10, 2),
        }
        for index in range(limit)
    ]
    return {"query": query, "items": items, "method": "offline"}


def get_energy_status() -> dict[str, Any]:
    """A ``get_energy_status``-shaped answer."""
    return {"level": 0.72, "mode": "focused", "budget_left": 12, "recharging": False}


def tools() -> dict[str, Callable[..., Any]]:
    """The tools every executor gets."""
    return {"recall": recall, "get_energy_status": get_energy_status, "final_answer": FinalAnswerTool()}


def prepared(executor: PythonExecutor) -> PythonExecutor:
    """``executor`` with the tools and no variables, as an agent run starts it."""
    executor.send_variables({})
    executor.send_tools(tools())
    return executor


def local_executor(limits: Limits) -> PythonExecutor:
    """The in-process baseline: orchestra's guarded interpreter, without smolagents' timeout thread."""
    return prepared(
        GuardedExecutor(IMPORTS, max_print_outputs_length=limits.output_kb * 1024, timeout_seconds=None)
    )


def sandbox_executor(isolation: Isolation, limits: Limits) -> SandboxExecutor:
    """A sandbox executor with its worker forking (the first step waits for it to be ready)."""
    executor = SandboxExecutor(IMPORTS, limits=limits, isolation=isolation)
    prepared(executor)
    return executor
