"""Over stdio, through smolagents: all 37 tools import (SC-002), answer, refuse, and share the store."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from tests.mcp.cases import INVALID, VALID, Tools, ok, parameter_names, refused, unique, unwrap
from tests.mcp.servers import smolagents_tools, stdio_params, write_config


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stdio") / "orchestra.db"


@pytest.fixture(scope="module")
def tools(store: Path) -> Iterator[Tools]:
    """One stdio server for the module, with a remote store so the sync tools really push."""
    config = write_config(store.parent, store.parent / "remote.db")
    params = stdio_params(store, store.parent / "home", ["--config", str(config)])
    with smolagents_tools(params) as loaded:
        yield loaded


def in_process(store: Path) -> CognitiveServices:
    return CognitiveServices.open(ServicesSettings(store_path=str(store)))


class TestImport:
    """SC-002: ToolCollection.from_mcp over stdio yields exactly the 37 tools with the methods' inputs."""

    def test_exactly_the_37_tools_in_reference_order(self, tools: Tools) -> None:
        """The names are TOOL_NAMES, nothing more, nothing less, in the reference's order."""
        assert list(tools) == list(TOOL_NAMES)

    @pytest.mark.parametrize("name", TOOL_NAMES)
    def test_inputs_match_the_method(self, tools: Tools, name: str) -> None:
        """Each input is a method parameter, documented from the docstring (not repeated in the description)."""
        signature = inspect.signature(getattr(CognitiveServices, name))
        inputs = tools[name].inputs
        assert list(inputs) == parameter_names(name)
        for parameter, spec in inputs.items():
            default = signature.parameters[parameter].default
            assert spec["description"] and spec["description"] != "see tool description"
            if default is inspect.Parameter.empty:
                assert "default" not in spec, parameter
            else:
                assert spec["default"] == default, parameter
        prose = (inspect.getdoc(getattr(CognitiveServices, name)) or "").split("\n\nArgs:")[0]
        assert tools[name].description.startswith(prose) and "Args:" not in tools[name].description


class TestCalls:
    """Every tool once with valid arguments and once with invalid ones; the server keeps serving."""

    def test_every_tool_has_both_cases(self) -> None:
        """The scenario tables cover the whole surface."""
        assert set(VALID) == set(INVALID) == set(TOOL_NAMES)

    @pytest.mark.parametrize("name", TOOL_NAMES)
    def test_valid_call(self, tools: Tools, name: str) -> None:
        """A valid call returns the computed result, a dict for object tools."""
        VALID[name](tools)

    @pytest.mark.parametrize("name", TOOL_NAMES)
    def test_invalid_call_names_the_problem(self, tools: Tools, name: str) -> None:
        """A bad argument (unknown value, missing, wrong type, unknown id) is an error naming it."""
        arguments, expected = INVALID[name]
        assert expected in refused(tools, name, **arguments)
        assert ok(tools, "get_energy_status")["max_energy"] == 20, "the server still answers"


class TestSharedStore:
    """The server and an in-process CognitiveServices on the same SQLite file see each other's writes."""

    def test_written_through_mcp_recalled_in_process(self, tools: Tools, store: Path) -> None:
        """A memory created over MCP is found by get_memory and semantic_recall in this process."""
        word = unique("lapwing")
        created = ok(tools, "create_memory", content=f"A {word} calls over the marsh", importance=0.9)

        async def recall() -> tuple[dict[str, object] | None, str]:
            async with in_process(store) as services:
                memory = await services.get_memory(created["memory_id"])
                return memory, await services.semantic_recall(word, threshold=0.0)

        memory, text = asyncio.run(recall())
        assert memory is not None and memory["content"] == f"A {word} calls over the marsh"
        assert created["memory_id"] in text

    def test_written_in_process_found_through_mcp(self, tools: Tools, store: Path) -> None:
        """A memory created in this process is returned by get_memory and search_memories over MCP."""
        word = unique("curlew")

        async def create() -> str:
            async with in_process(store) as services:
                created = await services.create_memory(f"The {word} probes the mud", "episodic", 0.7)
                return str(created["memory_id"])

        memory_id = asyncio.run(create())
        assert unwrap(tools, "get_memory", memory_id=memory_id)["content"] == f"The {word} probes the mud"
        hits = unwrap(tools, "search_memories", query=word, threshold=0.0)
        assert [hit["memory_id"] for hit in hits] == [memory_id]
