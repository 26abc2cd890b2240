"""The MCP bridge against a foreign MCP server: import, errors, timeouts, breaker, fallbacks."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.common.ports import free_port, wait_for_port
from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import McpServerConfig
from orchestra.errors import ToolError
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection, ToolCallFailed
from tests.helpers import ScriptedFactory, code, final

ROOT = Path(__file__).resolve().parents[2]
STDIO = ["python", "-m", "tests.fixture_mcp_server", "stdio"]


@pytest.fixture
def http_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fixture_mcp_server", "http", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, 20, process)
    yield f"http://127.0.0.1:{port}/mcp", process
    process.kill()
    process.wait()


def bridged(config: McpServerConfig) -> tuple[McpConnection, dict[str, BridgedTool]]:
    connection = McpConnection(config)
    tools = connection.connect()
    return connection, {tool.name: BridgedTool(tool, connection, None) for tool in tools}


class TestStdio:
    """A stdio server's tools import, answer, and refuse with the server's own message."""

    def test_calls_and_error_results(self) -> None:
        connection, tools = bridged(McpServerConfig(command=STDIO))
        try:
            assert set(tools) == {"add", "shout", "stall"}
            assert tools["add"](a=2, b=3) == 5
            assert tools["shout"](text="hi") == {"text": "HI", "length": 2}
            with pytest.raises(ToolCallFailed, match="text must not be empty"):
                tools["shout"](text="")
            assert tools["add"](a=1, b=1) == 2, "an error result does not open the breaker"
        finally:
            connection.close()

    def test_timeout_degrades_without_hanging_and_keeps_the_breaker_closed(self) -> None:
        connection, tools = bridged(McpServerConfig(command=STDIO, call_timeout_s=1.0, cooldown_s=60))
        try:
            started = time.monotonic()
            result = tools["stall"](seconds=10)
            assert time.monotonic() - started < 3
            assert result["degraded"] is True and result["outcome"] == "unknown"
            assert "timed out" in result["error"].lower()
            assert connection.healthy(), "a slow call is that call's failure (issue 12, item 10)"
        finally:
            connection.close()

    def test_startup_failure_reports_the_servers_own_error(self) -> None:
        command = [
            "python",
            "-c",
            "import sys; sys.stderr.write('config broken: key foo missing\\n'); sys.exit(3)",
        ]
        started = time.monotonic()
        with pytest.raises(ToolError, match="config broken: key foo missing"):
            McpConnection(McpServerConfig(command=command, connect_timeout_s=20)).connect()
        assert time.monotonic() - started < 10, "a dead server must not cost the whole connect timeout"

    def test_missing_command(self) -> None:
        with pytest.raises(ToolError, match="command not found|No such file"):
            McpConnection(McpServerConfig(command=["no-such-mcp-server-binary"])).connect()


class TestHttp:
    """Streamable HTTP: connect, survive a killed server, reconnect when it is back."""

    def test_connection_refused_is_fast_and_clear(self) -> None:
        started = time.monotonic()
        with pytest.raises(ToolError, match="did not start: .*(ConnectError|connect)"):
            McpConnection(McpServerConfig(url=f"http://127.0.0.1:{free_port()}/mcp")).connect()
        assert time.monotonic() - started < 5

    def test_killed_server_degrades_then_reconnects(
        self, http_server: tuple[str, subprocess.Popen[bytes]]
    ) -> None:
        url, process = http_server
        connection, tools = bridged(McpServerConfig(url=url, call_timeout_s=2, cooldown_s=0.5))
        try:
            assert tools["add"](a=20, b=22) == 42
            process.kill()
            process.wait()
            result = tools["add"](a=1, b=1)
            assert result["degraded"] is True
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            revived = subprocess.Popen(
                [sys.executable, "-m", "tests.fixture_mcp_server", "http", str(port)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                deadline = time.monotonic() + 20
                answer: object = None
                while time.monotonic() < deadline:
                    time.sleep(0.6)
                    answer = tools["add"](a=2, b=2)
                    if answer == 4:
                        break
                assert answer == 4, "the bridge reconnects once the server is back"
            finally:
                revived.kill()
                revived.wait()
        finally:
            connection.close()


def test_foreign_tools_reach_a_layer_by_name() -> None:
    """Any spec-compliant server's tools can be given to a layer in the YAML; two in one code step."""
    body = (
        "layers:\n  perceptual: {tools: [add, shout]}\n"
        "tools:\n  sources:\n"
        "    - mcp: {name: fixture, command: [python, -m, tests.fixture_mcp_server, stdio]}\n"
    )
    text = "models:\n  default: {model: openai/test, api_key: test}\n" + body
    from orchestra.config import config_from_text

    factory = ScriptedFactory(
        {
            "consciousness": [code("print(perceptual(task='Compute.'))"), final("ok")],
            "perceptual": [
                code("total = add(a=40, b=2)\nloud = shout(text='calm')\nprint(total, loud['text'])"),
                final("42 CALM"),
            ],
        }
    )
    with build_hierarchy(config_from_text(text), model_factory=factory) as hierarchy:
        assert hierarchy.registry.origin("add") == "mcp:fixture"
        result = hierarchy.run("Go.")
    assert result.ok
    observation = factory.models["perceptual"].calls[1][-1]["content"]
    assert "42 CALM" in observation
    assert result.layers[0].answer == "42 CALM"
