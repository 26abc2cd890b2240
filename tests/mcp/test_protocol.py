"""The raw MCP protocol over stdio: error results carry the service's message, result shapes, quiet stderr."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

from orchestra.errors import ServiceError
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from tests.mcp.servers import ROOT, SERVER, server_env, stdio_params

T = TypeVar("T")


def with_session(
    params: StdioServerParameters, errlog: Path, body: Callable[[ClientSession], Awaitable[T]]
) -> T:
    """Start the server, run ``body`` on an initialized session, stop the server; stderr to ``errlog``."""

    async def run() -> T:
        with open(errlog, "w") as stderr:
            async with (
                stdio_client(params, errlog=stderr) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                return await body(session)

    return asyncio.run(run())


def text_of(result: CallToolResult) -> str:
    """The single text item of a result (the server always sends exactly one)."""
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent), result.content
    return result.content[0].text


def service_message(store: Path, name: str, **arguments: Any) -> str:
    """What the service itself says when called in process with these arguments."""

    async def call() -> str:
        async with CognitiveServices.open(ServicesSettings(store_path=str(store))) as services:
            with pytest.raises(ServiceError) as caught:
                await getattr(services, name)(**arguments)
            return str(caught.value)

    return asyncio.run(call())


class TestErrorsAndShapes:
    """One server session: bad calls are isError results with the service's words, then good calls work."""

    def test_session(self, tmp_path: Path) -> None:
        """Errors, then every result shape, then a stderr free of INFO request logs."""
        store, errlog = tmp_path / "orchestra.db", tmp_path / "stderr.log"

        async def body(session: ClientSession) -> dict[str, CallToolResult]:
            listed = (await session.list_tools()).tools
            assert [tool.name for tool in listed] == list(TOOL_NAMES)
            assert all(tool.outputSchema for tool in listed)
            calls: dict[str, tuple[str, dict[str, Any]]] = {
                "bad_type": ("create_memory", {"content": "x", "memory_type": "dream"}),
                "bad_id": ("get_mental_model", {"model_id": "no-such-model"}),
                "missing": ("create_goal", {}),
                "unknown_tool": ("no_such_tool", {}),
                "dict": ("create_memory", {"content": "Wrens sing loudly", "importance": 0.4}),
                "list": ("search_memories", {"query": "wrens", "threshold": 0.0}),
                "empty_list": ("get_active_basins", {}),
                "text": ("semantic_recall", {"query": "wrens", "threshold": 0.0}),
                "none": ("get_memory", {"memory_id": "no-such-memory"}),
                "large": ("create_memory", {"content": "long " * 40_000}),
            }
            return {key: await session.call_tool(name, arguments) for key, (name, arguments) in calls.items()}

        results = with_session(stdio_params(store, tmp_path / "home"), errlog, body)

        expected = service_message(store, "create_memory", content="x", memory_type="dream")
        assert results["bad_type"].isError is True
        assert text_of(results["bad_type"]) == f"Error executing tool create_memory: {expected}"
        assert results["bad_id"].isError is True
        assert text_of(results["bad_id"]) == (
            "Error executing tool get_mental_model: no mental model with id 'no-such-model'"
        )
        assert (
            text_of(results["missing"])
            == "Error executing tool create_goal: invalid arguments: title: Field required"
        )
        assert results["unknown_tool"].isError is True and "no_such_tool" in text_of(results["unknown_tool"])
        assert all(results[key].structuredContent is None for key in ("bad_type", "bad_id", "missing"))

        created = results["dict"]
        assert created.isError is False and isinstance(created.structuredContent, dict)
        assert created.structuredContent["importance"] == 0.4
        assert json.loads(text_of(created)) == created.structuredContent
        hits = results["list"].structuredContent
        assert hits is not None and [hit["memory_id"] for hit in hits["result"]] == [
            created.structuredContent["memory_id"]
        ]
        assert json.loads(text_of(results["list"])) == hits["result"]
        assert (
            results["empty_list"].structuredContent == {"result": []}
            and text_of(results["empty_list"]) == "[]"
        )
        recall = results["text"].structuredContent
        assert recall is not None and text_of(results["text"]) == recall["result"]
        assert "Wrens sing loudly" in recall["result"]
        assert results["none"].structuredContent == {"result": None} and text_of(results["none"]) == "null"

        assert results["large"].isError is False, "a 200 kB request line is read whole"

        stderr = errlog.read_text()
        assert "INFO" not in stderr and "Processing request" not in stderr, stderr
        assert "Traceback" not in stderr, stderr

    def test_log_level_info_shows_request_logs(self, tmp_path: Path) -> None:
        """--log-level info is how to see the per-request logs the default hides."""
        errlog = tmp_path / "stderr.log"
        params = stdio_params(tmp_path / "orchestra.db", tmp_path / "home", ["--log-level", "info"])

        async def body(session: ClientSession) -> bool:
            return (await session.call_tool("get_energy_status", {})).isError

        assert with_session(params, errlog, body) is False
        assert "Processing request of type CallToolRequest" in errlog.read_text()


class TestShutdown:
    """A stdio server ends promptly with status 0 on Ctrl-C, SIGTERM or end of input."""

    @pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "EOF"])
    def test_exits_cleanly(self, tmp_path: Path, how: str) -> None:
        """Even while blocked reading stdin, the process ends within 10 s, silent, status 0."""
        process = subprocess.Popen(
            [*SERVER, "--transport", "stdio", "--store", str(tmp_path / "orchestra.db")],
            cwd=ROOT,
            env=server_env(tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            # Let it start and block on stdin: it opens its store once started (a fixed sleep
            # raced the startup on a loaded machine, and a Ctrl-C during imports is not the case here).
            deadline = time.monotonic() + 30
            while not (tmp_path / "orchestra.db").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
            assert process.stdin is not None
            if how == "EOF":
                process.stdin.close()
            else:
                process.send_signal(getattr(signal, how))
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.stdout is not None and process.stderr is not None
        assert (process.returncode, process.stdout.read(), process.stderr.read()) == (0, b"", b"")


class TestCommandLine:
    """``python -m orchestra.mcp_server`` parses its options and reports bad ones."""

    def test_help_exits_zero(self) -> None:
        """--help lists the transport, port, config and store options."""
        done = subprocess.run([*SERVER, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0
        for option in ("--transport", "--port", "--host", "--config", "--store", "--log-level"):
            assert option in done.stdout

    def test_missing_config_is_a_config_error(self, tmp_path: Path) -> None:
        """A config file that does not exist exits 2 with the reason on stderr and nothing on stdout."""
        done = subprocess.run(
            [*SERVER, "--transport", "stdio", "--config", str(tmp_path / "absent.yaml")],
            cwd=ROOT,
            env=server_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2 and done.stdout == ""
        assert "config file not found" in done.stderr and "absent.yaml" in done.stderr
