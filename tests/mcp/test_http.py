"""Over streamable HTTP at /mcp, through smolagents: SC-002, a representative set of calls, quiet, clean exit."""

from __future__ import annotations

import asyncio
import inspect
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from tests.mcp.cases import INVALID, VALID, Tools, ok, parameter_names, refused, unique
from tests.mcp.servers import http_server, smolagents_tools, write_config

# Object, list, text and object-or-null results; writes and reads; ids from earlier calls.
VALID_SUBSET = (
    "create_memory",
    "search_memories",
    "get_memory",
    "semantic_recall",
    "update_belief",
    "get_active_basins",
    "sync_now",
    "run_prediction_competition",
    "get_models_by_winners",
)
# Unknown enum value, missing argument, wrong type, unknown id, unexpected argument.
INVALID_SUBSET = ("create_memory", "get_memory", "resume_sync", "get_mental_model", "trigger_heartbeat")


class Served(NamedTuple):
    """A running HTTP server and where its store and stderr are."""

    url: str
    store: Path
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One HTTP server for the module, with a remote store so sync_now really pushes."""
    directory = tmp_path_factory.mktemp("http")
    store, log = directory / "orchestra.db", directory / "server.log"
    config = write_config(directory, directory / "remote.db")
    with http_server(store, directory / "home", log, ["--config", str(config)]) as (url, _process):
        yield Served(url, store, log)


@pytest.fixture(scope="module")
def tools(served: Served) -> Iterator[Tools]:
    with smolagents_tools({"url": served.url, "transport": "streamable-http"}) as loaded:
        yield loaded


class TestImport:
    """SC-002 over HTTP: exactly the 37 tools, inputs equal to the method parameters."""

    def test_exactly_the_37_tools(self, tools: Tools) -> None:
        """The names are TOOL_NAMES in the reference's order."""
        assert list(tools) == list(TOOL_NAMES)

    def test_inputs_match_the_methods(self, tools: Tools) -> None:
        """Every tool's inputs are its method's parameters, in order, with the method's defaults."""
        for name in TOOL_NAMES:
            assert list(tools[name].inputs) == parameter_names(name), name
            signature = inspect.signature(getattr(CognitiveServices, name))
            for parameter, spec in tools[name].inputs.items():
                default = signature.parameters[parameter].default
                assert spec.get("default", inspect.Parameter.empty) == default, (name, parameter)


class TestCalls:
    """A representative subset of valid and invalid calls behaves as over stdio."""

    @pytest.mark.parametrize("name", VALID_SUBSET)
    def test_valid_call(self, tools: Tools, name: str) -> None:
        """A valid call returns the computed result."""
        VALID[name](tools)

    @pytest.mark.parametrize("name", INVALID_SUBSET)
    def test_invalid_call_names_the_problem(self, tools: Tools, name: str) -> None:
        """A bad call is an error naming the problem, and the server keeps serving."""
        arguments, expected = INVALID[name]
        assert expected in refused(tools, name, **arguments)
        assert ok(tools, "get_sync_status")["remote_configured"] is True

    def test_written_through_http_recalled_in_process(self, tools: Tools, served: Served) -> None:
        """A memory created over HTTP is recalled by an in-process CognitiveServices on the same file."""
        store = served.store
        word = unique("plover")
        created = ok(tools, "create_memory", content=f"A {word} runs along the shore")

        async def recall() -> str:
            async with CognitiveServices.open(ServicesSettings(store_path=str(store))) as services:
                return await services.semantic_recall(word, threshold=0.0)

        assert created["memory_id"] in asyncio.run(recall())


class TestQuiet:
    """Nothing on stdout, no per-request INFO logs on stderr at the default level."""

    def test_no_output_after_many_requests(self, tools: Tools, served: Served) -> None:
        """Dozens of requests later the server has written nothing to stdout and no INFO lines."""
        ok(tools, "get_energy_status")
        log = served.log
        assert log.with_suffix(".out").read_text() == ""
        stderr = log.read_text()
        assert "INFO" not in stderr and "Processing request" not in stderr and "HTTP/1.1" not in stderr
        assert [line for line in stderr.splitlines() if "mcp_server.listening" not in line] == []


class TestShutdown:
    """Ctrl-C and SIGTERM stop the HTTP server cleanly: exit code 0, no traceback, store closed."""

    @pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
    def test_signal_exits_cleanly(self, tmp_path: Path, sig: signal.Signals) -> None:
        """The process ends by itself within 10 s with status 0; stderr holds only the listening line."""
        log = tmp_path / "server.log"
        with http_server(tmp_path / "orchestra.db", tmp_path / "home", log) as (url, process):
            process.send_signal(sig)
            assert process.wait(timeout=10) == 0
        assert "Traceback" not in log.read_text()
        lines = log.read_text().splitlines()
        assert len(lines) == 1 and "mcp_server.listening" in lines[0] and url in lines[0], lines
