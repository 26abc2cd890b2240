"""Issue 12, item 1: tools whose names are not Python identifiers are called by the server's name."""

from __future__ import annotations

import pytest

from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import McpServerConfig, config_from_text
from orchestra.errors import ToolError
from orchestra.tools import load_tool_sources
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection, alias_of
from tests.helpers import ScriptedFactory, code, final

ODD = ["python", "-m", "tests.fixture_mcp_odd"]
MODELS = "models:\n  default: {model: openai/test, api_key: test}\n"


def test_item1_alias_rule() -> None:
    assert alias_of("get-sum") == "get_sum"
    assert alias_of("search.nodes") == "search_nodes"
    assert alias_of("2fa") == "_2fa"
    assert alias_of("class") == "class_"
    assert alias_of("plain") == "plain"


def test_item1_non_identifier_names_are_called_by_the_servers_own_name() -> None:
    connection = McpConnection(McpServerConfig(command=ODD))
    try:
        tools = {tool.name: BridgedTool(tool, connection, None) for tool in connection.connect()}
        assert {"get_sum", "search_nodes"} <= set(tools)
        assert tools["get_sum"].remote_name == "get-sum"
        assert tools["get_sum"](a=40, b=2) == 42, "the server must be asked for get-sum, not get_sum"
        assert tools["search_nodes"](query="x") == "found: x"
    finally:
        connection.close()


def test_item1_output_validator_applies_under_the_servers_name() -> None:
    connection = McpConnection(McpServerConfig(command=ODD))
    try:
        connection.connect()
        assert "get-sum" in connection._validators
    finally:
        connection.close()


def test_item1_source_tools_accept_the_servers_names_without_a_false_down_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = MODELS + (
        "tools:\n  sources:\n"
        f"    - mcp: {{name: odd, command: {ODD}, tools: [get-sum, search_nodes]}}\n".replace("'", "")
    )
    with load_tool_sources(config_from_text(text)) as registry:
        assert set(registry.names()) == {"get_sum", "search_nodes"}
        assert registry.get("get-sum")(a=1, b=2) == 3, "the registry finds a tool by the server's name too"
    assert "mcp_server_down" not in capsys.readouterr().err


def test_item1_unknown_name_in_source_tools_is_a_located_config_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = MODELS + "tools:\n  sources:\n" + f"    - mcp: {{name: odd, command: {ODD}, tools: [get-sun]}}\n"
    with pytest.raises(ToolError, match=r"tools.sources\[0\].mcp: .*no tools named get-sun.*:5\)"):
        load_tool_sources(config_from_text(text.replace("'", "")))
    assert "mcp_server_down" not in capsys.readouterr().err


def test_item1_layers_list_the_servers_names_and_call_the_alias() -> None:
    text = MODELS + (
        "layers:\n  perceptual: {tools: [get-sum, search.nodes]}\n"
        "tools:\n  sources:\n"
        "    - mcp: {name: odd, command: [python, -m, tests.fixture_mcp_odd]}\n"
    )
    factory = ScriptedFactory(
        {
            "consciousness": [code("print(perceptual(task='Compute.'))"), final("ok")],
            "perceptual": [
                code("print(get_sum(a=40, b=2), search_nodes(query='q'))"),
                final("done"),
            ],
        }
    )
    with build_hierarchy(config_from_text(text), model_factory=factory) as hierarchy:
        result = hierarchy.run("Go.")
    assert result.ok
    observation = factory.models["perceptual"].calls[1][-1]["content"]
    assert "42 found: q" in observation
