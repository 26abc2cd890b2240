"""build_server and serve in process: schemas and descriptions from the methods, error wrapping, checks."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import CallToolResult

from orchestra.mcp_server import build_server, serve
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices


@pytest.fixture
def services(tmp_path: Path) -> Iterator[CognitiveServices]:
    opened = CognitiveServices.open(ServicesSettings(store_path=str(tmp_path / "orchestra.db")))
    yield opened
    opened.close()


class TestRegistration:
    """Every tool's schema and description come from its CognitiveServices method."""

    def test_descriptions_and_argument_docs(self, services: CognitiveServices) -> None:
        """The description is the docstring without ``Args``; each argument carries its line from ``Args``."""
        listed = asyncio.run(build_server(services).list_tools())
        assert [tool.name for tool in listed] == list(TOOL_NAMES)
        by_name = {tool.name: tool for tool in listed}
        docstring = inspect.getdoc(CognitiveServices.semantic_recall) or ""
        assert by_name["semantic_recall"].description == docstring.split("\n\nArgs:")[0]
        assert not any("Args:" in (tool.description or "") for tool in listed)
        properties = by_name["semantic_recall"].inputSchema["properties"]
        assert properties["top_k"]["description"] == "maximum memories, 1 to 100."
        assert properties["memory_types"]["description"].startswith('subset of "episodic"')
        templates = by_name["create_mental_model"].inputSchema["properties"]["prediction_templates"]
        assert templates["description"].endswith(
            '"{key}" placeholders are filled from the prediction context.'
        )
        assert by_name["create_memory"].inputSchema["required"] == ["content"]

    def test_output_schemas_follow_fastmcp_wrapping(self, services: CognitiveServices) -> None:
        """Object tools describe an object; list, text and optional results sit under ``result``."""
        schemas = {tool.name: tool.outputSchema for tool in asyncio.run(build_server(services).list_tools())}
        assert schemas["create_memory"] is not None and schemas["create_memory"]["type"] == "object"
        assert "memory_id" in schemas["create_memory"]["properties"]
        for name in ("search_memories", "get_memory", "get_active_basins"):
            schema = schemas[name]
            assert schema is not None and schema["required"] == ["result"], name
        recall = schemas["semantic_recall"]
        assert recall is not None and recall["x-orchestra-value"] == "result"
        assert recall["required"] == ["result", "method", "index", "fallback_reason", "memories"]


class TestErrors:
    """Failures become ToolError messages (isError results) naming the tool and the problem."""

    def test_unexpected_exception_is_reported_without_traceback(self, services: CognitiveServices) -> None:
        """A bug in a service surfaces as 'internal error: Type: message', not a stack trace."""

        async def broken() -> dict[str, object]:
            raise KeyError("current_energy")

        services.energy.status = broken  # type: ignore[method-assign]
        server = build_server(services)
        with pytest.raises(ToolError) as caught:
            asyncio.run(server.call_tool("get_energy_status", {}))
        assert (
            str(caught.value)
            == "Error executing tool get_energy_status: internal error: KeyError: 'current_energy'"
        )

    def test_unknown_argument_lists_the_valid_ones(self, services: CognitiveServices) -> None:
        """A misspelt argument is refused rather than silently ignored."""
        server = build_server(services)
        with pytest.raises(ToolError, match=r"unexpected argument\(s\) 'memory_types'; valid: query, limit"):
            asyncio.run(server.call_tool("search_memories", {"query": "x", "memory_types": ["semantic"]}))

    def test_valid_call_returns_one_text_item(self, services: CognitiveServices) -> None:
        """In process too, a null result is one 'null' text item plus ``{"result": null}``."""
        result = asyncio.run(build_server(services).call_tool("get_memory", {"memory_id": "absent"}))
        assert isinstance(result, CallToolResult)
        assert result.structuredContent == {"result": None} and len(result.content) == 1


class TestChecks:
    """Bad options fail before anything is opened or bound."""

    def test_unknown_log_level(self, services: CognitiveServices) -> None:
        with pytest.raises(ValueError, match="unknown log level 'loud'"):
            build_server(services, log_level="loud")

    def test_unknown_transport(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="unknown transport 'sse'; valid: stdio, http"):
            serve("sse", settings=ServicesSettings(store_path=str(tmp_path / "x.db")))  # type: ignore[arg-type]
        assert not (tmp_path / "x.db").exists()

    def test_http_defaults_to_loopback_at_mcp(self, services: CognitiveServices) -> None:
        """The streamable-HTTP endpoint is /mcp on 127.0.0.1:8765 unless told otherwise."""
        server = build_server(services)
        assert (server.settings.host, server.settings.port) == ("127.0.0.1", 8765)
        assert server.settings.streamable_http_path == "/mcp"
