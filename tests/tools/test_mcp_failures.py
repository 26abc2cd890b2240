"""Issue 12, items 8-10: what a failed call says, how fast, and what it does to the breaker."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from orchestra.config import McpServerConfig
from orchestra.errors import ToolError
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection

ODD = ["python", "-m", "tests.fixture_mcp_odd"]


def bridged(config: McpServerConfig) -> tuple[McpConnection, dict[str, BridgedTool]]:
    connection = McpConnection(config)
    return connection, {tool.name: BridgedTool(tool, connection, None) for tool in connection.connect()}



def test_item8_kill_during_a_call_says_outcome_unknown_and_names_the_call(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    connection, tools = bridged(McpServerConfig(command=[*ODD, "--starts", str(starts)], cooldown_s=60))
    try:
        pid = int(starts.read_text().split()[0])
        threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
        result = tools["sleep"](seconds=5)
        assert result["degraded"] is True and result["outcome"] == "unknown"
        assert result["call"] == "sleep(seconds=5)"
        assert "sleep(seconds=5)" in result["message"] and "outcome is unknown" in result["message"]
        assert "nothing was done" not in result["message"]
        later = tools["count"]()
        assert later["outcome"] == "not_done" and "nothing was done" in later["message"], (
            "a call never sent (breaker open) may say nothing was done"
        )
    finally:
        connection.close()


def test_item8_timeout_says_outcome_unknown() -> None:
    connection, tools = bridged(McpServerConfig(command=ODD, call_timeout_s=0.5))
    try:
        result = tools["sleep"](seconds=3)
        assert result["outcome"] == "unknown" and "timed out after 0.5s" in result["error"]
    finally:
        connection.close()


def test_item9_refused_connection_is_reported_at_once(http_odd: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, process = http_odd
    connection, tools = bridged(McpServerConfig(url=url, call_timeout_s=10, cooldown_s=60))
    try:
        assert tools["get_sum"](a=1, b=1) == 2
        process.kill()
        process.wait()
        started = time.monotonic()
        result = tools["get_sum"](a=1, b=1)
        assert time.monotonic() - started < 1.5, "a refused connection is known at once, not at the timeout"
        assert "connection refused" in result["error"] and "timed out" not in result["error"]
        assert result["outcome"] == "not_done"
    finally:
        connection.close()


def test_item9_http_status_is_reported_as_it_is(http_odd: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = http_odd
    started = time.monotonic()
    with pytest.raises(ToolError, match="HTTP 404 Not Found") as caught:
        McpConnection(McpServerConfig(url=url.replace("/mcp", "/wrong"), connect_timeout_s=10)).connect()
    assert "Session terminated" not in str(caught.value)
    assert time.monotonic() - started < 2


def test_item10_a_call_timeout_fails_that_call_only() -> None:
    connection, tools = bridged(McpServerConfig(command=ODD, call_timeout_s=0.5, cooldown_s=60))
    try:
        assert tools["count"]() == 1
        assert tools["sleep"](seconds=2)["outcome"] == "unknown"
        assert connection.healthy(), "a slow call does not open the breaker"
        started = time.monotonic()
        assert tools["get_sum"](a=2, b=2) == 4
        assert time.monotonic() - started < 2
    finally:
        connection.close()


def test_item10_reconnect_keeps_a_server_that_answers_a_ping() -> None:
    connection, tools = bridged(McpServerConfig(command=ODD, cooldown_s=0.2))
    try:
        assert tools["count"]() == 1
        connection.mark_down("a transient transport failure")
        time.sleep(0.3)
        answer: Any = tools["count"]()
        assert answer == 2, "the server kept its in-memory state: it was not restarted"
    finally:
        connection.close()


def test_item10_reconnect_restarts_a_dead_server(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    connection, tools = bridged(McpServerConfig(command=[*ODD, "--starts", str(starts)], cooldown_s=0.2))
    try:
        assert tools["count"]() == 1
        os.kill(int(starts.read_text().split()[0]), signal.SIGKILL)
        time.sleep(0.2)
        assert tools["count"]()["degraded"] is True
        time.sleep(0.3)
        assert tools["count"]() == 1, "a fresh server after the cool-down"
        assert len(starts.read_text().split()) == 2
    finally:
        connection.close()
