"""Issue 12, schemas other clients can use: enums, bounds, annotations, output schemas, short descriptions.

Read through the SDK's stdio client (what an inspector lists); the in-process server for a result
that does not fit its schema.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.types import Tool

from orchestra.mcp_server import build_server
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from orchestra.services.vocabulary import GOAL_ACTIONS, LAYERS, MEMORY_TYPES, MODEL_DOMAINS
from tests.mcp.servers import stdio_params
from tests.mcp.test_protocol import with_session


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Tool]:
    """tools/list of a real stdio server, by name."""
    directory = tmp_path_factory.mktemp("schemas")

    async def body(session: ClientSession) -> list[Tool]:
        return (await session.list_tools()).tools

    tools = with_session(
        stdio_params(directory / "orchestra.db", directory / "home"), directory / "err", body
    )
    return {tool.name: tool for tool in tools}


def prop(tools: dict[str, Tool], tool: str, name: str) -> dict[str, Any]:
    """One input property; the non-null branch of an optional one."""
    schema = dict(tools[tool].inputSchema["properties"][name])
    branches = [branch for branch in schema.get("anyOf", []) if branch.get("type") != "null"]
    return dict(branches[0]) if branches else schema


class TestEnums:
    @pytest.mark.parametrize(
        ("tool", "name", "values"),
        [
            ("create_memory", "memory_type", MEMORY_TYPES),
            ("search_memories", "memory_type", MEMORY_TYPES),
            ("create_thoughtseed", "layer", LAYERS),
            ("run_prediction_competition", "layer", LAYERS),
            ("get_models_by_winners", "layer", LAYERS),
            ("update_goal", "action", GOAL_ACTIONS),
            ("create_mental_model", "domain", MODEL_DOMAINS),
            ("list_mental_models", "domain", MODEL_DOMAINS),
            ("create_goal", "priority", ("active", "queued", "backburner")),
            ("list_mental_models", "status", ("draft", "active", "deprecated")),
        ],
    )
    def test_closed_vocabularies_are_enums(
        self, listed: dict[str, Tool], tool: str, name: str, values: Any
    ) -> None:
        """A client can offer the valid values instead of reading them out of a sentence."""
        assert prop(listed, tool, name)["enum"] == list(values)

    def test_memory_types_items_are_an_enum(self, listed: dict[str, Tool]) -> None:
        """``semantic_recall.memory_types`` is a non-empty array of memory types."""
        schema = prop(listed, "semantic_recall", "memory_types")
        assert schema["items"]["enum"] == list(MEMORY_TYPES) and schema["minItems"] == 1

    def test_belief_domain_is_free_not_the_model_domains(self, listed: dict[str, Tool]) -> None:
        """``update_belief.domain`` takes any lower-case identifier ("other" too): a pattern, not an enum."""
        schema = prop(listed, "update_belief", "domain")
        assert "enum" not in schema and schema["pattern"] == "^[a-z][a-z0-9_]*$"


class TestBounds:
    @pytest.mark.parametrize(
        ("tool", "name", "bounds"),
        [
            ("create_memory", "importance", {"minimum": 0.0, "maximum": 1.0}),
            ("search_memories", "threshold", {"minimum": 0.0, "maximum": 1.0}),
            ("search_memories", "limit", {"minimum": 1, "maximum": 1000}),
            ("update_belief", "confidence", {"minimum": 0.0, "maximum": 1.0}),
            ("activate_basin", "strength", {"exclusiveMinimum": 0.0, "maximum": 1.0}),
            ("semantic_recall", "top_k", {"minimum": 1, "maximum": 100}),
            ("sync_now", "batch_size", {"minimum": 1, "maximum": 10000}),
            ("list_mental_models", "offset", {"minimum": 0}),
        ],
    )
    def test_bounded_numbers_carry_minimum_and_maximum(
        self, listed: dict[str, Tool], tool: str, name: str, bounds: dict[str, float]
    ) -> None:
        """The ranges the services check are in the schema."""
        schema = prop(listed, tool, name)
        assert {key: schema[key] for key in bounds} == bounds


class TestAnnotationsAndDescriptions:
    def test_every_tool_is_annotated(self, listed: dict[str, Tool]) -> None:
        """readOnlyHint on all; reads are read-only, writes say whether they destroy or repeat safely."""
        annotations = {name: tool.annotations for name, tool in listed.items()}
        assert all(a is not None and a.readOnlyHint is not None for a in annotations.values())
        for read in ("get_memory", "search_memories", "semantic_recall", "list_goals", "get_energy_status"):
            hint = annotations[read]
            assert hint is not None and hint.readOnlyHint is True, read
        revise = annotations["revise_mental_model"]
        assert revise is not None and revise.readOnlyHint is False and revise.destructiveHint is True
        create = annotations["create_memory"]
        assert create is not None and create.destructiveHint is False and create.idempotentHint is False
        pause = annotations["pause_sync"]
        assert pause is not None and pause.idempotentHint is True
        sync = annotations["sync_now"]
        assert sync is not None and sync.openWorldHint is True

    def test_descriptions_do_not_repeat_the_args_block(self, listed: dict[str, Tool]) -> None:
        """Every property carries its own description, so the tool description is the prose alone."""
        for name, tool in listed.items():
            assert "Args:" not in (tool.description or ""), name
            for parameter, schema in tool.inputSchema.get("properties", {}).items():
                assert schema.get("description"), (name, parameter)


class TestOutputSchemas:
    @pytest.mark.parametrize("name", ["create_memory", "get_memory", "search_memories"])
    def test_object_results_have_real_output_schemas(self, listed: dict[str, Tool], name: str) -> None:
        """Not just ``{"type": "object"}``: the fields a client may rely on."""
        schema = listed[name].outputSchema
        assert schema is not None and "memory_id" in str(schema)

    def test_semantic_recall_returns_its_memories_as_data(self, tmp_path: Path) -> None:
        """Each memory with id, score and type, the method named; the text block is the prompt text."""

        async def body(session: ClientSession) -> tuple[str, Any, str]:
            created = await session.call_tool(
                "create_memory", {"content": "the heron waits at the estuary", "importance": 0.9}
            )
            recalled = await session.call_tool("semantic_recall", {"query": "heron estuary", "threshold": 0.1})
            text = recalled.content[0].text  # type: ignore[union-attr]
            return str((created.structuredContent or {})["memory_id"]), recalled.structuredContent, text

        memory_id, data, text = with_session(
            stdio_params(tmp_path / "orchestra.db", tmp_path / "home"), tmp_path / "err", body
        )
        assert data["method"] == "fts5_bm25"
        assert data["fallback_reason"] == "no embeddings provider configured"
        [memory] = data["memories"]
        assert memory["memory_id"] == memory_id
        assert memory["memory_type"] == "semantic"
        assert memory["similarity"] == 1.0 and memory["score"] == pytest.approx(0.95)
        assert data["result"] == text
        assert text.startswith("[recall method=fts5_bm25 results=1") and f"id={memory_id}" in text

    def test_every_tool_is_listed(self, listed: dict[str, Tool]) -> None:
        """The schema work lost no tool."""
        assert list(listed) == list(TOOL_NAMES)


class TestResultValidation:
    def test_result_off_its_schema_is_an_internal_error_not_invalid_arguments(self, tmp_path: Path) -> None:
        """Now that results have real schemas, a service returning the wrong shape is the server's bug."""
        from mcp.server.fastmcp.exceptions import ToolError

        async def run() -> str:
            async with CognitiveServices.open(
                ServicesSettings(store_path=str(tmp_path / "o.db"))
            ) as services:

                async def wrong(*args: object) -> dict[str, object]:
                    return {"memory_id": 1}

                services.memory.create = wrong  # type: ignore[method-assign,assignment]
                with pytest.raises(ToolError) as caught:
                    await build_server(services).call_tool("create_memory", {"content": "x"})
                return str(caught.value)

        assert asyncio.run(run()) == "Error executing tool create_memory: internal error: result invalid"
