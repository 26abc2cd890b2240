"""Issue 12, item 14: prefix and rename per server, headers for a url, cwd for a command, located duplicates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from orchestra.config import config_from_text
from orchestra.errors import ToolError
from orchestra.tools import load_tool_sources

ROOT = Path(__file__).resolve().parents[2]
MODELS = "models:\n  default: {model: openai/test, api_key: test}\n"
ODD = "[python, -m, tests.fixture_mcp_odd]"



def test_item14_prefix_and_rename_let_two_servers_share_tool_names() -> None:
    text = MODELS + (
        "tools:\n  sources:\n"
        f"    - mcp: {{name: one, command: {ODD}, tools: [get-sum, echo]}}\n"
        f"    - mcp: {{name: two, command: {ODD}, tools: [get-sum, echo], prefix: two_, "
        "rename: {echo: parrot}}\n"
    )
    with load_tool_sources(config_from_text(text)) as registry:
        assert set(registry.names()) == {"get_sum", "echo", "two_get_sum", "parrot"}
        assert registry.get("two_get_sum")(a=1, b=2) == 3
        assert registry.get("parrot")(text="hi") == "hi"
        assert registry.origin("parrot") == "mcp:two"


def test_item14_duplicate_tool_error_has_file_and_line() -> None:
    text = MODELS + (
        "tools:\n  sources:\n"
        f"    - mcp: {{name: one, command: {ODD}, tools: [echo]}}\n"
        f"    - mcp: {{name: two, command: {ODD}, tools: [echo]}}\n"
    )
    with pytest.raises(ToolError, match=r"tool 'echo' is provided twice: by mcp:one and by mcp:two \(.*:6\)"):
        load_tool_sources(config_from_text(text))


def test_item14_headers_for_a_url_source_from_env(
    http_odd: tuple[str, subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = http_odd
    monkeypatch.setenv("ODD_TOKEN", "s3cret")
    text = MODELS + (
        "tools:\n  sources:\n"
        f"    - mcp: {{name: odd, url: '{url}', headers: {{Authorization: 'Bearer ${{ODD_TOKEN}}'}}}}\n"
    )
    with load_tool_sources(config_from_text(text)) as registry:
        assert json.loads(registry.get("whoami")())["authorization"] == "Bearer s3cret"


def test_item14_cwd_for_a_command_source(tmp_path: Path) -> None:
    text = MODELS + (
        "tools:\n  sources:\n"
        f"    - mcp: {{name: odd, command: [python, -m, tests.fixture_mcp_odd], cwd: '{tmp_path}', "
        f"env: {{PYTHONPATH: '{ROOT}'}}}}\n"
    )
    with load_tool_sources(config_from_text(text)) as registry:
        assert json.loads(registry.get("whoami")())["cwd"] == str(tmp_path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{command: [x], headers: {A: b}}", "headers apply to a url source only"),
        ("{url: 'http://127.0.0.1:1/mcp', cwd: /tmp}", "cwd applies to a command source only"),
        ("{command: [x], rename: {a: not-ok}}", "rename targets must be Python identifiers"),
        ("{command: [x], prefix: 9x}", "must start a Python identifier"),
    ],
)
def test_item14_config_checks(entry: str, message: str) -> None:
    from orchestra.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        config_from_text(MODELS + f"tools:\n  sources:\n    - mcp: {entry}\n")
