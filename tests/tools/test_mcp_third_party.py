"""A third-party MCP server, bridged into a layer: @modelcontextprotocol/server-everything (npm).

``.ci/run`` installs it into a cache and exports ``ORCHESTRA_MCP_EVERYTHING``; elsewhere the
test looks in the same cache and skips, saying so, when the server is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import config_from_text
from orchestra.tools import load_tool_sources
from tests.helpers import ScriptedFactory, code, final

CACHED = Path.home() / ".cache" / "orchestra-ci" / "npm" / "node_modules" / ".bin" / "mcp-server-everything"
EVERYTHING = Path(os.environ.get("ORCHESTRA_MCP_EVERYTHING") or CACHED)

pytestmark = pytest.mark.skipif(
    not (EVERYTHING.is_file() and shutil.which("node")),
    reason=f"@modelcontextprotocol/server-everything is not installed at {EVERYTHING} (.ci/run installs it)",
)


def source(tools: str = "") -> str:
    return (
        "models:\n  default: {model: openai/test, api_key: test}\n"
        "tools:\n  sources:\n"
        f"    - mcp: {{name: everything, command: [{EVERYTHING}, stdio]{tools}}}\n"
    )


def test_every_tool_of_server_everything_imports_under_its_alias() -> None:
    with load_tool_sources(config_from_text(source())) as registry:
        names = registry.names()
        assert {"get_sum", "get_env", "echo", "get_tiny_image"} <= set(names)
        assert all(name.isidentifier() for name in names)
        assert registry.get("get-sum")(a=40, b=2) == "The sum of 40 and 2 is 42."


def test_server_everything_in_a_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    text = source(", tools: [get-sum, echo, get-env]") + (
        "layers:\n  perceptual: {tools: [get-sum, echo, get-env]}\n"
    )
    factory = ScriptedFactory(
        {
            "consciousness": [code("print(perceptual(task='Use the tools.'))"), final("ok")],
            "perceptual": [
                code("print(get_sum(a=40, b=2))\nprint(echo(message='42'))\nprint(get_env())"),
                final("done"),
            ],
        }
    )
    with build_hierarchy(config_from_text(text), model_factory=factory) as hierarchy:
        result = hierarchy.run("Go.")
    assert result.ok
    observation = factory.models["perceptual"].calls[1][-1]["content"]
    assert "The sum of 40 and 2 is 42." in observation
    assert "Echo: 42" in observation, "plain text stays text"
    env_text = observation[observation.index("{") : observation.rindex("}") + 1]
    env = json.loads(env_text)
    assert "OPENAI_API_KEY" not in env and "ORCHESTRA_STORE" not in env
    assert "PATH" in env
