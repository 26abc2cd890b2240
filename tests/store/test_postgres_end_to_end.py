"""Issue 14: the heartbeat and orchestra's MCP server behave the same on PostgreSQL - a beat through
the default config (the 37 tools over MCP stdio, served by a child process on the same database)
writes its journal, its record and its memories into the right mind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestra.cli import main
from orchestra.store import Store
from tests.conftest import fresh_database

DEFAULT = str(Path(__file__).resolve().parent.parent.parent / "configs/thoughtseed.yaml")


def test_a_heartbeat_on_postgresql_over_mcp_stdio(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # the offline fallback decides
    url = fresh_database(request.getfixturevalue("postgres"))
    assert main(["heartbeat", DEFAULT, "--json", "--store", url, "--mind", "alpha"]) == 0
    beat = json.loads(capsys.readouterr().out)
    assert beat["status"] == "completed" and beat["store"].startswith("postgresql://")
    assert beat["tools_used"], "the beat called the cognitive tools"
    with Store(url, mind="alpha") as alpha:
        journal = alpha.query("SELECT status, record FROM beat_journal WHERE mind = :mind")
        assert [row["status"] for row in journal] == ["completed"]
        assert json.loads(journal[0]["record"])["beat"] == beat["beat"]
        assert alpha.query_one("SELECT count(*) FROM heartbeats WHERE mind = :mind")[0] == 1
        assert alpha.get_state("energy") is not None  # charged and regenerated in alpha's rows
    with Store(url) as default:  # nothing leaked into the default mind
        assert default.query_one("SELECT count(*) FROM beat_journal WHERE mind = :mind")[0] == 0
        assert default.get_state("energy") is None
    assert main(["store", "info", "--store", url, "--mind", "alpha"]) == 0
    assert "mind alpha" in capsys.readouterr().out


def test_the_mcp_server_serves_one_mind_of_a_postgresql_store(request: pytest.FixtureRequest) -> None:
    """``orchestra mcp serve --store URL --mind NAME``: the 37 tools over stdio, on that mind's rows only."""
    import sys

    from orchestra.config import McpServerConfig
    from orchestra.tools.mcp_bridge import BridgedTool, McpConnection

    url = fresh_database(request.getfixturevalue("postgres"))
    server = [sys.executable, "-m", "orchestra.mcp_server", "--store", url, "--mind", "beta"]
    connection = McpConnection(McpServerConfig(command=server))
    try:
        tools = {tool.name: BridgedTool(tool, connection, None) for tool in connection.connect()}
        assert len(tools) == 37
        tools["create_memory"](content="served over stdio from postgres")
        recalled = tools["semantic_recall"](query="served stdio postgres", threshold=0.0)
    finally:
        connection.close()
    assert "method=postgres_fts" in str(recalled)
    with Store(url, mind="beta") as beta, Store(url) as default:
        assert (
            beta.query_one("SELECT content FROM memories WHERE mind = :mind")[0]
            == "served over stdio from postgres"
        )
        assert default.query_one("SELECT count(*) FROM memories WHERE mind = :mind")[0] == 0


def test_an_invalid_mind_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from orchestra.mcp_server import main as serve_main

    assert serve_main(["--store", str(tmp_path / "s.db"), "--mind", "../x"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("orchestra.mcp_server: error: invalid mind '../x'") and "\n" not in err
