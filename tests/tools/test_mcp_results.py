"""Issue 12, item 6: plain text reaches the agent as text; only declared output is JSON-decoded."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra.tools.mcp_bridge import BridgedTool


@pytest.mark.parametrize("text", ["42", "null", "true", "NaN", '"x"', "[1, 2]", '{"a": 1}', "plain words"])
def test_item6_plain_text_is_not_json_decoded(odd: dict[str, BridgedTool], text: str) -> None:
    answer = odd["echo"](text=text)
    assert answer == text and isinstance(answer, str)


def test_item6_declared_output_is_decoded(odd: dict[str, BridgedTool]) -> None:
    answer = odd["get_sum"](a=2, b=3)
    assert answer == 5 and isinstance(answer, int)


def test_item7_non_text_content_is_kept_as_typed_values(odd: dict[str, BridgedTool]) -> None:
    parts = odd["media"]()
    assert parts[0] == "here are 2 resource links"
    image = parts[1]
    assert image["type"] == "image" and image["mime_type"] == "image/png"
    data = Path(image["path"]).read_bytes()
    assert data.startswith(b"\x89PNG") and image["size_bytes"] == len(data)
    links = [part for part in parts if isinstance(part, dict) and part["type"] == "resource_link"]
    assert [link["uri"] for link in links] == ["file:///data/a.txt", "file:///data/b.txt"]
    assert [link["name"] for link in links] == ["a.txt", "b.txt"]
    [embedded] = [part for part in parts if isinstance(part, dict) and part["type"] == "resource"]
    assert embedded["uri"] == "memo://note" and embedded["text"] == "note body"
