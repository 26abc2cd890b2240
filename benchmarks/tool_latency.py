"""Tool-call round trips and recall latency: what a layer pays per tool call, and recall at scale.

Measures, through the same tool objects the layers use:

- round trip of one cheap service tool (``get_energy_status``) in-process, over MCP stdio and over
  MCP streamable HTTP (orchestra's own server, started here);
- ``semantic_recall`` with the offline method (SQLite FTS5/BM25) at 1k, 10k and 100k memories.

Targets (issue 3): stdio round trip p50 <= 2 ms; recall p95 <= 50 ms at 100k memories.

Run: ``.venv/bin/python -m benchmarks.tool_latency [--quick]``; writes
``benchmarks/results/tools.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from benchmarks.common.ports import free_port, wait_for_port
from benchmarks.common.zipf_memories import ZipfWords, insert_memories, time_recalls_on
from orchestra.config import McpServerConfig
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices
from orchestra.tools.background_loop import BackgroundLoop
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection
from orchestra.tools.service_tools import service_tools

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95_index = min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[p95_index] * 1000, 3),
    }


def time_calls(call: Callable[[], Any], count: int, warmup: int = 20) -> dict[str, float]:
    """Time ``count`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return {**percentiles(samples), "calls": count}


def round_trips(store: Path, count: int) -> dict[str, dict[str, float]]:
    """``get_energy_status`` through in-process, stdio and HTTP tool objects."""
    results: dict[str, dict[str, float]] = {}
    services = CognitiveServices.open(ServicesSettings(store_path=str(store)))
    loop = BackgroundLoop()
    local = {tool.name: tool for tool in service_tools(services, loop, 10.0)}
    results["in_process"] = time_calls(lambda: local["get_energy_status"](), count)

    server = [sys.executable, "-m", "orchestra.mcp_server", "--store", str(store)]
    stdio = McpConnection(McpServerConfig(command=[*server, "--transport", "stdio"]))
    tools = {tool.name: BridgedTool(tool, stdio, None) for tool in stdio.connect()}
    results["mcp_stdio"] = time_calls(lambda: tools["get_energy_status"](), count)
    stdio.close()

    port = free_port()
    process = subprocess.Popen(
        [*server, "--transport", "http", "--port", str(port)], cwd=ROOT, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, 30, process)
        http = McpConnection(McpServerConfig(url=f"http://127.0.0.1:{port}/mcp"))
        remote = {tool.name: BridgedTool(tool, http, None) for tool in http.connect()}
        results["mcp_http"] = time_calls(lambda: remote["get_energy_status"](), count)
        http.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    loop.close()
    services.close()
    return results


def recall_at_scale(sizes: list[int], queries: int) -> dict[str, dict[str, float]]:
    """Offline ``semantic_recall`` latency on stores of each size (bulk-loaded, Zipf-worded text)."""
    rng = random.Random(7)  # one generator across sizes, memories then queries, as the committed figures drew
    results: dict[str, dict[str, float]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as directory:
            services = CognitiveServices.open(ServicesSettings(store_path=str(Path(directory) / "recall.db")))
            rows = [(f"m{i}", _WORDS.text(rng, 12, 40), "semantic", rng.random()) for i in range(size)]
            load_s = insert_memories(services, rows)
            texts = [_WORDS.text(rng, 3, 7) for _ in range(queries)]
            samples = asyncio.run(time_recalls_on(services, texts))
            services.close()
        results[str(size)] = {**percentiles(samples), "queries": queries, "load_s": round(load_s, 2)}
    return results


_STEMS = (
    "goal",
    "plan",
    "memory",
    "heron",
    "river",
    "light",
    "focus",
    "energy",
    "user",
    "session",
    "model",
    "predict",
    "basin",
    "seed",
    "layer",
    "signal",
    "pattern",
    "concept",
    "reason",
    "reflect",
    "revise",
    "belief",
    "world",
    "self",
    "task",
    "note",
    "code",
    "test",
    "build",
    "deploy",
    "error",
    "morning",
    "evening",
    "quiet",
    "noise",
    "music",
    "paper",
    "draft",
    "review",
    "meeting",
    "friend",
    "project",
    "deadline",
    "budget",
    "garden",
    "rain",
    "coffee",
    "travel",
    "train",
    "city",
    "forest",
    "ocean",
    "mountain",
    "letter",
    "email",
    "call",
    "question",
    "answer",
    "idea",
    "story",
)

_WORDS = ZipfWords(_STEMS, ("", "s", "ing", "ed", "er"))
"""The recall benchmark's vocabulary (its own, not the scale curves': its figures were drawn from it)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and no 100k store (about 20 s)")
    args = parser.parse_args(argv)
    calls = 200 if args.quick else 1000
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory() as directory:
        trips = round_trips(Path(directory) / "tools.db", calls)
    recall = recall_at_scale(sizes, 50 if args.quick else 200)
    report = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "round_trip": trips,
        "semantic_recall_offline": recall,
        "targets": {"stdio_p50_ms": 2.0, "recall_p95_ms_at_100k": 50.0},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("tools-quick.json" if args.quick else "tools.json")).write_text(
        json.dumps(report, indent=2) + "\n"
    )
    print("| measurement | p50 ms | p95 ms |\n|---|---|---|")
    for name, figures in trips.items():
        print(f"| round trip, {name} | {figures['p50_ms']} | {figures['p95_ms']} |")
    for size, figures in recall.items():
        print(f"| semantic_recall, {int(size):,} memories | {figures['p50_ms']} | {figures['p95_ms']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
