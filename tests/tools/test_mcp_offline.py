"""Issue 12, item 15: the offline policy with bridged tools: failures visible, the others' results kept."""

from __future__ import annotations

import pytest

from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import config_from_text

ODD = "[python, -m, tests.fixture_mcp_odd]"


@pytest.mark.parametrize("prompts", ["default", "compact"])
def test_item15_one_failing_tool_keeps_the_others_and_free_text_gets_the_task(prompts: str) -> None:
    text = (
        "models:\n  default: {model: orchestra/offline}\n"
        f"agents: {{layer_prompts: {prompts}}}\n"
        "layers:\n  perceptual: {tools: [refuse, echo]}\n"
        "graph:\n  feeds: []\n"
        "tools:\n  sources:\n"
        f"    - mcp: {{name: odd, command: {ODD}, tools: [refuse, echo]}}\n"
    )
    config = config_from_text(text)
    with build_hierarchy(config) as hierarchy:
        result = hierarchy.run("Find the red door.")
    [perceptual] = [layer for layer in result.layers if layer.layer == "perceptual"]
    answer = perceptual.answer or ""
    assert "## echo\nFind the red door." in answer or "echo Find the red door." in " ".join(answer.split()), answer
    assert "You are 'perceptual'" not in answer and "Task from your manager" not in answer
    assert "FAILED calls: refuse:" in answer and "refused: Find the red door." in answer, (
        "the failure is named, not hidden"
    )
