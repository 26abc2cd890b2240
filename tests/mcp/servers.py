"""Start orchestra's MCP server as a real subprocess (stdio or HTTP) for the tests in this package."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters
from smolagents import Tool, ToolCollection

from benchmarks.common.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "orchestra.mcp_server"]
CLI_SERVE = [sys.executable, "-m", "orchestra.cli", "--log-format", "json", "mcp", "serve"]
"""``orchestra --log-format json mcp serve``: the CLI's face of the same server."""


def server_env(home: Path) -> dict[str, str]:
    """The test's environment for a server process: no API keys, a private home, no cost-map fetch."""
    env = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    env.pop("OPENAI_BASE_URL", None)
    env.update(ORCHESTRA_HOME=str(home), LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONUNBUFFERED="1")
    return env


def write_config(directory: Path, remote: Path) -> Path:
    """An orchestra config whose services section names a remote store, so sync tools can push."""
    config = directory / "orchestra.yaml"
    config.write_text(f"services:\n  sync:\n    remote_path: {remote}\n", encoding="utf-8")
    return config


def stdio_params(store: Path, home: Path, extra: Sequence[str] = ()) -> StdioServerParameters:
    """Parameters that start ``python -m orchestra.mcp_server --transport stdio`` on ``store``."""
    return StdioServerParameters(
        command=SERVER[0],
        args=[*SERVER[1:], "--transport", "stdio", "--store", str(store), *extra],
        env=server_env(home),
        cwd=ROOT,
    )


@contextmanager
def http_server(
    store: Path, home: Path, log: Path, extra: Sequence[str] = (), command: Sequence[str] = SERVER
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run the HTTP server until ``/mcp`` accepts connections (at most 20 s); stop it afterwards.

    Ready means the port accepts connections and the server logged ``mcp_server.listening``
    (its signal handlers are installed before that). Yields the endpoint URL and the process;
    stdout and stderr go to ``log`` and ``log.out``.
    """
    port = free_port()
    with open(log, "wb") as stderr, open(log.with_suffix(".out"), "wb") as stdout:
        process = subprocess.Popen(
            [*command, "--transport", "http", "--port", str(port), "--store", str(store), *extra],
            cwd=ROOT,
            env=server_env(home),
            stdout=stdout,
            stderr=stderr,
        )
    try:
        if not (wait_for_port(port, 20, process) and wait_for_text(log, "mcp_server.listening", 10)):
            state = (
                f"exited with {process.returncode}"
                if process.poll() is not None
                else "did not listen in 20 s"
            )
            raise RuntimeError(f"server {state}: {log.read_text()}")
        yield f"http://127.0.0.1:{port}/mcp", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for_text(path: Path, text: str, timeout_s: float) -> bool:
    """Wait until ``path`` contains ``text`` (the server's readiness line); False after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


@contextmanager
def smolagents_tools(params: StdioServerParameters | dict[str, Any]) -> Iterator[dict[str, Tool]]:
    """The server's tools as smolagents tools, by name, with structured output."""
    with ToolCollection.from_mcp(params, trust_remote_code=True, structured_output=True) as collection:
        yield {tool.name: tool for tool in collection.tools}
