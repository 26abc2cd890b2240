"""Issue 12, item 13: the signature a code agent reads shows output schemas and nested argument fields."""

from __future__ import annotations

from orchestra.agents.prompts import PromptTool, schema_type
from orchestra.tools.mcp_bridge import BridgedTool


def test_item13_nested_argument_fields_in_the_signature(odd: dict[str, BridgedTool]) -> None:
    prompt = PromptTool(odd["create_entities"]).to_code_prompt()
    assert "entities: array[{name: string, entityType: string, observations?: array[string]}]" in prompt
    assert "entities: array)" not in prompt


def test_item13_output_schema_in_the_signature(odd: dict[str, BridgedTool]) -> None:
    prompt = PromptTool(odd["create_entities"]).to_code_prompt()
    assert ") -> dict:" in prompt and '"created"' in prompt and '"total"' in prompt
    assert odd["create_entities"](entities=[{"name": "a", "entityType": "t"}]) == {"created": ["a"], "total": 1}


def test_item13_wrapped_results_show_their_inner_type(odd: dict[str, BridgedTool]) -> None:
    prompt = PromptTool(odd["get_sum"]).to_code_prompt()
    assert "def get_sum(a: integer, b: integer) -> integer:" in prompt
    assert "structured output" not in prompt, "the agent gets the integer, not {'result': ...}"


def test_item13_schema_type_enums_unions_and_depth() -> None:
    assert schema_type({"enum": ["a", "b"]}) == '"a" | "b"'
    assert schema_type({"anyOf": [{"type": "string"}, {"type": "null"}]}) == "string | null"
    deep = {"type": "array", "items": {"type": "array", "items": {"type": "array", "items": {"type": "array"}}}}
    assert schema_type(deep) == "array[array[array[array]]]"
