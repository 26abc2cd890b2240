"""Issue 12, items 2-5 and 11: how a stdio MCP server is started, and what happens when it will not."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from orchestra.config import McpServerConfig, config_from_text
from orchestra.errors import ToolError
from orchestra.tools import load_tool_sources
from orchestra.tools.mcp_bridge import McpConnection

ODD = ["python", "-m", "tests.fixture_mcp_odd"]
MODELS = "models:\n  default: {model: openai/test, api_key: test}\n"


def flow(words: list[str]) -> str:
    """A YAML flow list of plain words."""
    return "[" + ", ".join(words) + "]"


def test_item2_foreign_server_down_at_start_degrades_named_tools_and_retries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    down = tmp_path / "down"
    down.touch()
    command = [*ODD, "--fail-while", str(down)]
    text = MODELS + (
        "layers:\n  perceptual: {tools: [get-sum]}\n"
        "tools:\n  sources:\n"
        f"    - mcp: {{name: odd, command: {flow(command)}, cooldown_s: 0.5}}\n"
    )
    config = config_from_text(text)
    with load_tool_sources(config) as registry:
        chosen = registry.select(config.tool_wants(), config.source)
        [tool] = chosen["layers.perceptual.tools"]
        assert tool.name == "get_sum"
        result = tool(a=1, b=2)
        assert result["degraded"] is True and "odd" in result["server"]
        assert "create_memory" not in registry.names(), "only orchestra's own server has in-process twins"
        down.unlink()
        time.sleep(0.6)
        assert tool(a=1, b=2) == 3, "after cooldown_s the bridge retries and reaches the server"
    err = capsys.readouterr().err
    assert "mcp_server_down" in err and "mcp_using_stand_ins" in err


def test_item2_source_tools_list_names_the_stand_ins(tmp_path: Path) -> None:
    command = [*ODD, "--fail"]
    text = MODELS + (
        "tools:\n  sources:\n    - python: orchestra.tools.builtin\n"
        f"    - mcp: {{name: odd, command: {flow(command)}, tools: [get-sum, echo]}}\n"
    )
    with load_tool_sources(config_from_text(text)) as registry:
        assert {"get_sum", "echo"} <= set(registry.names())
        assert registry.get("echo")(text="x")["degraded"] is True


@pytest.mark.parametrize("kind", ["mode-644 script", "directory"])
def test_item3_non_executable_command_is_a_located_config_error(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "server"
    if kind == "directory":
        target.mkdir()
    else:
        target.write_text("#!/bin/sh\nexit 0\n")
        target.chmod(0o644)
    text = MODELS + f"tools:\n  sources:\n    - mcp: {{name: odd, command: [{target}]}}\n"
    started = time.monotonic()
    with pytest.raises(ToolError, match=r"tools.sources\[0\].mcp: command .*(not executable|directory).*:5\)"):
        load_tool_sources(config_from_text(text))
    assert time.monotonic() - started < 2


def test_item4_connect_timeout_bounds_the_handshake_not_call_timeout() -> None:
    slow = McpServerConfig(command=[*ODD, "--delay", "2.5"], call_timeout_s=0.5, connect_timeout_s=20)
    connection = McpConnection(slow)
    try:
        assert {tool.name for tool in connection.connect()} >= {"get_sum"}
    finally:
        connection.close()
    started = time.monotonic()
    with pytest.raises(ToolError, match="connect_timeout_s=1"):
        McpConnection(McpServerConfig(command=[*ODD, "--delay", "30"], connect_timeout_s=1)).connect()
    assert time.monotonic() - started < 4


def test_item5_failed_start_quotes_stderr_of_the_only_attempt(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from orchestra.logs import configure_logging

    starts = tmp_path / "starts"
    config = McpServerConfig(command=[*ODD, "--fail", "--starts", str(starts)], connect_timeout_s=20)
    started = time.monotonic()
    configure_logging(level="debug", stdlib=False)
    try:
        with capture_logs() as logs, pytest.raises(ToolError, match="permission denied"):
            McpConnection(config).connect()
    finally:
        configure_logging(stdlib=False)
    assert time.monotonic() - started < 5
    assert len(starts.read_text().splitlines()) == 1, "the server command is started once"
    assert "odd server: starting" not in capfd.readouterr().err, "no raw server stderr on the terminal"
    lines = [entry["line"] for entry in logs if entry["event"] == "mcp_server_stderr"]
    assert "odd server: starting" in lines
    assert all(entry["log_level"] == "debug" for entry in logs if entry["event"] == "mcp_server_stderr")


def test_item11_stdio_servers_get_a_minimal_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    store = tmp_path / "o.db"
    text = MODELS + (
        f"services: {{store_path: '{store}'}}\n"
        "tools:\n  sources:\n"
        f"    - mcp: {{name: odd, command: {flow(ODD)}, env: {{GIVEN_TOKEN: t0k}}}}\n"
    )
    with load_tool_sources(config_from_text(text)) as registry:
        env = json.loads(registry.get("environment")())
    assert "OPENAI_API_KEY" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert "ORCHESTRA_STORE" not in env, "a foreign server does not get the store path"
    assert env["GIVEN_TOKEN"] == "t0k", "what env: names is given"
    assert env["PATH"] == os.environ["PATH"] and env["HOME"] == os.environ["HOME"]
    assert env["LC_ALL"] == "C.UTF-8"


def test_item11_orchestras_own_server_gets_the_store_path_and_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestra.store.paths import STORE_ENV
    from orchestra.tools.sources import ToolContext

    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    store = tmp_path / "o.db"
    config = config_from_text(MODELS + f"services: {{store_path: '{store}'}}\n")
    own = McpConnection(
        McpServerConfig(command=["python", "-m", "orchestra.mcp_server", "--transport", "stdio"]),
        env=ToolContext(config).server_environment(),
    )
    foreign = McpConnection(McpServerConfig(command=ODD), env=ToolContext(config).server_environment())
    assert own.env[STORE_ENV] == str(store) and "OPENAI_API_KEY" not in own.env
    assert STORE_ENV not in foreign.env and "OPENAI_API_KEY" not in foreign.env
