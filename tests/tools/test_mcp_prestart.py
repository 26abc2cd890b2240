"""Issue 13, start fast: stdio servers start while orchestra loads, and the bridge adopts them.

Adoption must never change what runs: the same command, environment and directory, or a fresh
start; a prestarted server nobody adopts is stopped; an adopted one is reaped on close.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra.cli import main
from orchestra.config import config_from_text
from orchestra.tools import load_tool_sources
from orchestra.tools.mcp_prestart import _waiting, discard_all, prestart
from tests.tools.test_service_bridge import children_running, config, stored_contents

MODULE = "orchestra.mcp_server"


def prestarted_pids() -> list[int]:
    return [waiting.process.pid for waiting in _waiting.values()]


def test_prestarted_server_is_adopted_not_started_twice(tmp_path: Path) -> None:
    store = tmp_path / "o.db"
    loaded = config_from_text(config(store))
    assert prestart(loaded) == 1
    [pid] = prestarted_pids()
    with load_tool_sources(loaded) as registry:
        assert registry.origin("create_memory") == "mcp:orchestra"
        saved = registry.get("create_memory")(content="the heron waits", importance=0.9)
        assert isinstance(saved, dict) and saved["memory_id"]
        assert children_running(MODULE) == [pid]  # the prestarted one, and no second server
        assert not _waiting
    assert children_running(MODULE) == []  # reaped on close
    assert stored_contents(store) == ["the heron waits"]


def test_a_changed_environment_is_not_adopted(tmp_path: Path) -> None:
    """A server prestarted for one store is not handed to a connection for another."""
    prestart(config_from_text(config(tmp_path / "first.db")))
    [first] = prestarted_pids()
    other = config_from_text(config(tmp_path / "second.db"))
    try:
        with load_tool_sources(other) as registry:
            registry.get("create_memory")(content="in the second store")
            running = children_running(MODULE)
            assert first in running and len(running) == 2
    finally:
        discard_all()
    assert children_running(MODULE) == []
    assert stored_contents(tmp_path / "second.db") == ["in the second store"]
    assert stored_contents(tmp_path / "first.db") == []


def test_unadopted_servers_are_stopped(tmp_path: Path) -> None:
    prestart(config_from_text(config(tmp_path / "o.db")))
    [waiting] = list(_waiting.values())
    assert children_running(MODULE) == [waiting.process.pid]
    discard_all()
    assert children_running(MODULE) == [] and not _waiting
    assert waiting.process.returncode is not None  # reaped, not left a zombie


def test_a_prestarted_server_that_exited_is_not_adopted(tmp_path: Path) -> None:
    """A server that died before the connection is started afresh, and its failure reported as usual."""
    command = ["python", "-c", "import sys; sys.stderr.write('broken server\\n'); sys.exit(3)"]
    loaded = config_from_text(config(tmp_path / "o.db", command=command).replace(
        "call_timeout_s: 5", "call_timeout_s: 5, required: true"
    ))
    prestart(loaded)
    [waiting] = list(_waiting.values())
    waiting.process.wait(timeout=10)
    try:
        load_tool_sources(loaded)
    except Exception as error:
        assert "broken server" in str(error)
    else:
        raise AssertionError("a required server that exits must be an error")
    finally:
        discard_all()


def test_validate_prestarts_and_leaves_no_server(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(config(tmp_path / "o.db"))
    assert main(["validate", str(path)]) == 0
    assert children_running(MODULE) == [] and not _waiting


def test_a_wrong_store_path_is_still_blamed_on_its_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Prestarting needs the store path for orchestra's own server; a wrong one is left to the
    services, which name the key (it was an unlocated exit 1 when prestart raised it first)."""
    path = tmp_path / "c.yaml"
    path.write_text(config(tmp_path / "missing" / "o.db"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("orchestra: error: services.store_path: store path ")
    assert "does not exist" in err and not _waiting
