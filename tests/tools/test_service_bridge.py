"""orchestra's own MCP server bridged into layers: fallbacks to in-process tools lose nothing."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import McpServerConfig, config_from_text
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from orchestra.tools import load_tool_sources
from orchestra.tools.mcp_bridge import BridgedTool
from tests.helpers import ScriptedFactory, code, final

SERVER = ["python", "-m", "orchestra.mcp_server", "--transport", "stdio"]


def children_running(module: str) -> list[int]:
    """PIDs of this process's children whose command line names ``module``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and module in cmdline:
            found.append(int(entry.name))
    return found


def config(store: Path, *, command: list[str] | None = None, cooldown: float = 60) -> str:
    server = command or SERVER
    return (
        "models:\n  default: {model: openai/test, api_key: test}\n"
        f"services: {{store_path: '{store}'}}\n"
        "tools:\n  sources:\n"
        f"    - mcp: {{name: orchestra, command: {server}, call_timeout_s: 5, cooldown_s: {cooldown}}}\n"
        "layers:\n  perceptual: {tools: [create_memory, semantic_recall]}\n"
    )


def stored_contents(store: Path) -> list[str]:
    services = CognitiveServices.open(ServicesSettings(store_path=str(store)))
    try:
        return [row[0] for row in services.store.query("SELECT content FROM memories WHERE mind = :mind ORDER BY created_at")]
    finally:
        services.close()


def test_all_tools_bridge_and_a_layer_uses_two_in_one_step(tmp_path: Path) -> None:
    store = tmp_path / "o.db"
    factory = ScriptedFactory(
        {
            "consciousness": [code("print(perceptual(task='Remember and recall.'))"), final("done")],
            "perceptual": [
                code(
                    "saved = create_memory(content='the heron waits at the estuary', importance=0.9)\n"
                    "found = semantic_recall(query='heron estuary', threshold=0.1)\n"
                    "print(saved['memory_id'] in found)"
                ),
                final("recalled"),
            ],
        }
    )
    with build_hierarchy(config_from_text(config(store)), model_factory=factory) as hierarchy:
        assert {name for name in hierarchy.registry.names()} >= set(TOOL_NAMES)
        assert all(hierarchy.registry.origin(name) == "mcp:orchestra" for name in TOOL_NAMES)
        # semantic_recall's data is for other clients; the agent gets its text, as in process.
        assert hierarchy.registry.get("semantic_recall").output_type == "string"
        result = hierarchy.run("Go.")
    assert result.ok
    assert "True" in factory.models["perceptual"].calls[1][-1]["content"]
    assert stored_contents(store) == ["the heron waits at the estuary"]


def test_killed_server_falls_back_in_process_and_loses_no_write(tmp_path: Path) -> None:
    store = tmp_path / "o.db"
    with load_tool_sources(config_from_text(config(store))) as registry:
        create = registry.get("create_memory")
        assert isinstance(create, BridgedTool)
        create(content="written over MCP")
        pids = children_running("orchestra.mcp_server")
        assert pids, "the stdio server runs as our child"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        started = time.monotonic()
        second = create(content="written while the server is dead")
        third = create(content="written with the breaker open")
        assert time.monotonic() - started < 6
        assert second["memory_id"] and third["memory_id"]
        assert create.connection.last_error is not None
    assert stored_contents(store) == [
        "written over MCP",
        "written while the server is dead",
        "written with the breaker open",
    ]


def test_unreachable_server_at_start_uses_in_process_tools(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "o.db"
    broken = ["python", "-c", "raise SystemExit('no server today')"]
    with load_tool_sources(config_from_text(config(store, command=broken))) as registry:
        assert set(registry.names()) == set(TOOL_NAMES)
        saved = registry.get("create_memory")(content="kept locally")
        assert registry.get("get_memory")(memory_id=saved["memory_id"])["content"] == "kept locally"


def test_required_server_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    from orchestra.errors import ToolError

    text = config(tmp_path / "o.db", command=["python", "-c", "raise SystemExit('no server today')"])
    text = text.replace("cooldown_s: 60}", "cooldown_s: 60, required: true}")
    with pytest.raises(ToolError, match="no server today"):
        load_tool_sources(config_from_text(text))


def test_in_process_services_source(tmp_path: Path) -> None:
    text = (
        "models:\n  default: {model: openai/test, api_key: test}\n"
        f"services: {{store_path: '{tmp_path / 'o.db'}'}}\n"
        "tools:\n  sources:\n    - services: in_process\n"
    )
    with load_tool_sources(config_from_text(text)) as registry:
        assert registry.origin("semantic_recall") == "services:in_process"
        energy = registry.get("get_energy_status")()
        assert energy["current_energy"] == energy["max_energy"] == 20


def test_mcp_config_needs_exactly_one_transport() -> None:
    with pytest.raises(ValueError):
        McpServerConfig(command=["x"], url="http://127.0.0.1:1/mcp")
