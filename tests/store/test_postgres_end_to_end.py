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
