"""Issue 12, starting the server: bad ports are one error line, and ``--config`` heartbeats keep foreign tools."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import ClientSession

from orchestra.config import config_from_text
from orchestra.mcp_server import HeartbeatRunner
from tests.mcp.servers import ROOT, SERVER, server_env, stdio_params
from tests.mcp.test_protocol import with_session

CLI = [sys.executable, "-m", "orchestra.cli", "mcp", "serve"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def start(command: list[str], tmp_path: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "--transport", "http", "--port", str(port), "--store", str(tmp_path / "orchestra.db")],
        cwd=ROOT,
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


class TestPorts:
    @pytest.mark.parametrize(("command", "prefix"), [(CLI, "orchestra"), (SERVER, "orchestra.mcp_server")])
    def test_taken_port_is_one_error_line_exit_2(
        self, tmp_path: Path, taken_port: int, command: list[str], prefix: str
    ) -> None:
        """Was exit 3 and a uvicorn line; now one ``error:`` line naming the address, exit 2, no store."""
        done = start(command, tmp_path, taken_port)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [
            f"{prefix}: error: cannot listen on 127.0.0.1:{taken_port}: address already in use"
        ]
        assert not (tmp_path / "orchestra.db").exists(), "nothing is opened before the port is bound"

    @pytest.mark.parametrize(("command", "prefix"), [(CLI, "orchestra"), (SERVER, "orchestra.mcp_server")])
    def test_port_99999_is_one_error_line_exit_2(
        self, tmp_path: Path, command: list[str], prefix: str
    ) -> None:
        """Was a 40-line OverflowError traceback."""
        done = start(command, tmp_path, 99999)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [f"{prefix}: error: --port 99999: must be 0 to 65535"]


FOREIGN = "mcp: {name: fixture, command: [python, -m, tests.fixture_mcp_server, stdio]}"
SELF_STDIO = "mcp: {name: self, command: [python, -m, orchestra.mcp_server, --transport, stdio]}"
SELF_CLI = "mcp: {name: cli, command: [orchestra, mcp, serve]}"
SELF_HTTP = "mcp: {name: here, url: 'http://localhost:8765/mcp'}"
ELSEWHERE_HTTP = "mcp: {name: there, url: 'http://127.0.0.1:9999/mcp', tools: [add]}"


def heartbeat_config(*sources: str) -> str:
    """A config whose perceptual layer uses the fixture server's ``add``; offline model, no keys."""
    listed = "".join(f"    - {source}\n" for source in sources)
    return (
        "models:\n  default: {model: orchestra/offline}\n"
        "layers:\n  perceptual: {tools: [add]}\n"
        "tools:\n  sources:\n    - python: orchestra.tools.builtin\n" + listed
    )


class TestHeartbeatRunner:
    def test_runner_drops_only_the_source_that_points_back(self, tmp_path: Path) -> None:
        """Orchestra's own server (module, CLI, or this URL) goes; other MCP servers stay."""
        config = config_from_text(heartbeat_config(FOREIGN, SELF_STDIO, SELF_CLI, SELF_HTTP, ELSEWHERE_HTTP))
        runner = HeartbeatRunner(config, tmp_path / "orchestra.db", "http://127.0.0.1:8765/mcp")
        kept = [
            source.mcp.name if hasattr(source, "mcp") else type(source).__name__
            for source in runner.config.tools.sources
        ]
        assert kept == ["PythonToolSource", "fixture", "there", "ServicesToolSource"]

    def test_trigger_heartbeat_works_when_layers_use_other_mcp_servers(self, tmp_path: Path) -> None:
        """``mcp serve --config C`` where a layer uses a foreign server's tool: the beat runs (it failed:
        every ``mcp`` source was dropped, so ``add`` was unknown)."""
        config = tmp_path / "orchestra.yaml"
        config.write_text(heartbeat_config(FOREIGN, SELF_STDIO), encoding="utf-8")
        params = stdio_params(tmp_path / "orchestra.db", tmp_path / "home", ["--config", str(config)])

        async def body(session: ClientSession) -> tuple[bool, object]:
            result = await session.call_tool("trigger_heartbeat", {})
            return result.isError is True, result.structuredContent or result.content

        failed, answer = with_session(params, tmp_path / "stderr.log", body)
        assert not failed, answer
        assert isinstance(answer, dict) and answer["status"] == "completed", answer
