"""The odd fixture MCP server (hyphenated names, plain-text numbers, images...), bridged or over HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.common.ports import free_port, wait_for_port
from orchestra.config import McpServerConfig
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def odd() -> Iterator[dict[str, BridgedTool]]:
    """Its tools over stdio, by name, for a whole test module."""
    connection = McpConnection(McpServerConfig(command=["python", "-m", "tests.fixture_mcp_odd"]))
    try:
        yield {tool.name: BridgedTool(tool, connection, None) for tool in connection.connect()}
    finally:
        connection.close()


@pytest.fixture
def http_odd() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """It, serving streamable HTTP on a free port: its URL and its process (a test may kill it)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fixture_mcp_odd", "--http", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert wait_for_port(port, 20, process)
    yield f"http://127.0.0.1:{port}/mcp", process
    process.kill()
    process.wait()
