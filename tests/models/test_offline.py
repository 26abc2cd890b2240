"""The offline policy drives real agents; importing orchestra never touches the network."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from orchestra.agents.hierarchy import build_hierarchy
from tests import fixture_tools
from tests.helpers import load

OFFLINE = "models:\n  default: {model: orchestra/offline}\n"


def test_offline_policy_calls_tools_in_code_and_tool_calling_layers() -> None:
    fixture_tools.NOTES.clear()
    body = (
        "layers:\n"
        "  perceptual: {kind: tool_calling, tools: [count_words]}\n"
        "  abstract: {tools: [remember]}\n"
        "graph:\n  feeds: [perceptual -> abstract]\n"
    )
    config = load(body, overrides=["models.default.model=orchestra/offline", "models.default.api_key=null"])
    with build_hierarchy(config) as hierarchy:
        result = hierarchy.run("Count these five words please")
    assert result.ok, result.error
    perceptual, abstract = result.layers
    assert perceptual.ok and abstract.ok
    assert perceptual.steps == 2, "one tool call, then the final answer"
    assert "5" in (perceptual.answer or "")
    assert abstract.steps == 2
    assert len(fixture_tools.NOTES) == 1, "the abstract layer's remember tool really ran"
    assert "offline policy, consciousness" in str(result.answer)
    assert result.input_tokens == 0, "the offline policy spends no tokens and says so"


def test_import_needs_no_network() -> None:
    """litellm reads its bundled cost map: importing orchestra's model layer opens no socket."""
    script = textwrap.dedent(
        """
        import socket
        def refuse(*args, **kwargs):
            raise SystemExit("network touched during import")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import orchestra.models, orchestra.agents.hierarchy
        import litellm
        assert litellm.model_cost, "cost map must be loaded from the package"
        print("ok")
        """
    )
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "ok"
