"""Issue 12, item 6: plain text reaches the agent as text; only declared output is JSON-decoded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestra.config import McpServerConfig
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection


@pytest.fixture(scope="module")
def odd() -> Iterator[dict[str, BridgedTool]]:
    connection = McpConnection(McpServerConfig(command=["python", "-m", "tests.fixture_mcp_odd"]))
    try:
        yield {tool.name: BridgedTool(tool, connection, None) for tool in connection.connect()}
    finally:
        connection.close()


@pytest.mark.parametrize("text", ["42", "null", "true", "NaN", '"x"', "[1, 2]", '{"a": 1}', "plain words"])
def test_item6_plain_text_is_not_json_decoded(odd: dict[str, BridgedTool], text: str) -> None:
    answer = odd["echo"](text=text)
    assert answer == text and isinstance(answer, str)


def test_item6_declared_output_is_decoded(odd: dict[str, BridgedTool]) -> None:
    answer = odd["get_sum"](a=2, b=3)
    assert answer == 5 and isinstance(answer, int)
