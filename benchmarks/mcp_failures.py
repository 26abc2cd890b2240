"""How fast the MCP bridge fails, degrades and comes back (issue 12's figures for the README).

Run from the repository root: ``.venv/bin/python -m benchmarks.mcp_failures [--repeats N]``.
Servers are the fixture in ``tests/fixture_mcp_odd.py``, started for real (stdio and HTTP).
Results: ``benchmarks/results/mcp-failures.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common.ports import free_port, wait_for_port
from orchestra.config import McpServerConfig
from orchestra.errors import ToolError
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection

ROOT = Path(__file__).resolve().parents[1]
ODD = ["python", "-m", "tests.fixture_mcp_odd"]
RESULTS = ROOT / "benchmarks" / "results"


def _startup_error_s(config: McpServerConfig) -> float:
    """Seconds from connect() to the error that says why the server is not there."""
    started = time.monotonic()
    try:
        McpConnection(config).connect().clear()
    except ToolError:
        return time.monotonic() - started
    raise RuntimeError(f"{config.label} started; it was meant to fail")


def _http_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, *ODD[1:], "--http", str(port)], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    if not wait_for_port(port, 20, process):
        raise RuntimeError("the HTTP fixture did not start")
    return process


def _bridged(config: McpServerConfig) -> tuple[McpConnection, BridgedTool]:
    connection = McpConnection(config)
    [tool] = [BridgedTool(tool, connection, None) for tool in connection.connect() if tool.name == "get_sum"]
    return connection, tool


def _stdio_degrade_and_reconnect(scratch: Path) -> tuple[float, float]:
    """Kill a stdio server; seconds to the degraded answer, then to the reconnected answer."""
    starts = scratch / f"starts-{time.monotonic_ns()}"
    connection, tool = _bridged(McpServerConfig(command=[*ODD, "--starts", str(starts)], cooldown_s=0))
    try:
        assert tool(a=1, b=1) == 2
        os.kill(int(starts.read_text().split()[0]), signal.SIGKILL)
        started = time.monotonic()
        degraded = tool(a=1, b=1)
        degrade_s = time.monotonic() - started
        assert isinstance(degraded, dict) and degraded["degraded"], degraded
        started = time.monotonic()
        assert tool(a=1, b=1) == 2
        return degrade_s, time.monotonic() - started
    finally:
        connection.close()


def _http_degrade_and_reconnect() -> tuple[float, float]:
    """Kill an HTTP server; seconds to the degraded answer, then (server restarted) to the real one."""
    port = free_port()
    process = _http_server(port)
    config = McpServerConfig(url=f"http://127.0.0.1:{port}/mcp", cooldown_s=0, call_timeout_s=10)
    connection, tool = _bridged(config)
    try:
        assert tool(a=1, b=1) == 2
        process.kill()
        process.wait()
        started = time.monotonic()
        degraded = tool(a=1, b=1)
        degrade_s = time.monotonic() - started
        assert isinstance(degraded, dict) and degraded["degraded"], degraded
        process = _http_server(port)
        started = time.monotonic()
        assert tool(a=1, b=1) == 2
        return degrade_s, time.monotonic() - started
    finally:
        connection.close()
        process.kill()
        process.wait()


def main() -> None:
    """Measure every figure ``--repeats`` times and write the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="orchestra-mcp-bench-"))
    not_executable = scratch / "server.sh"
    not_executable.write_text("#!/bin/sh\n")
    not_executable.chmod(0o644)
    http_port = free_port()
    http_process = _http_server(http_port)
    startup: dict[str, Callable[[], float]] = {
        "command not found": lambda: _startup_error_s(McpServerConfig(command=["no-such-mcp-server"])),
        "command not executable (mode 644)": lambda: _startup_error_s(
            McpServerConfig(command=[str(not_executable)])
        ),
        "server exits at start (its stderr quoted)": lambda: _startup_error_s(
            McpServerConfig(command=[*ODD, "--fail"], connect_timeout_s=15)
        ),
        "no handshake (connect_timeout_s: 2)": lambda: _startup_error_s(
            McpServerConfig(command=[*ODD, "--delay", "60"], connect_timeout_s=2)
        ),
        "HTTP connection refused": lambda: _startup_error_s(
            McpServerConfig(url=f"http://127.0.0.1:{free_port()}/mcp", connect_timeout_s=15)
        ),
        "HTTP 404 (wrong path)": lambda: _startup_error_s(
            McpServerConfig(url=f"http://127.0.0.1:{http_port}/wrong", connect_timeout_s=15)
        ),
    }
    rows: list[dict[str, Any]] = []
    try:
        for name, measure in startup.items():
            samples = [measure() for _ in range(args.repeats)]
            rows.append({"figure": f"startup: {name}", "kind": "time to a clear error", "samples_s": samples})
    finally:
        http_process.kill()
        http_process.wait()
    stdio = [_stdio_degrade_and_reconnect(scratch) for _ in range(args.repeats)]
    http = [_http_degrade_and_reconnect() for _ in range(args.repeats)]
    for figure, kind, samples in (
        ("stdio server killed", "time to degrade", [d for d, _ in stdio]),
        ("HTTP server killed", "time to degrade", [d for d, _ in http]),
        ("stdio server restarted by the bridge", "time to reconnect", [r for _, r in stdio]),
        ("HTTP server back on its port", "time to reconnect", [r for _, r in http]),
    ):
        rows.append({"figure": figure, "kind": kind, "samples_s": samples})
    for row in rows:
        row["median_ms"] = round(statistics.median(row["samples_s"]) * 1000, 1)
        row["max_ms"] = round(max(row["samples_s"]) * 1000, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mcp-failures.json").write_text(json.dumps({"repeats": args.repeats, "rows": rows}, indent=2))
    lines = ["| figure | measures | median ms | max ms |", "|---|---|---|---|"]
    lines += [f"| {r['figure']} | {r['kind']} | {r['median_ms']} | {r['max_ms']} |" for r in rows]
    table = "\n".join(lines)
    (RESULTS / "mcp-failures.md").write_text(f"{args.repeats} repetitions each\n\n{table}\n")
    print(table)


if __name__ == "__main__":
    main()
