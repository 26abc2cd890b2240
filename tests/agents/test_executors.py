"""Each code agent's executor from the config, and what is said at startup about it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from structlog.testing import capture_logs

import orchestra.sandbox.isolation as isolation_module
from orchestra.agents import executors
from orchestra.errors import ConfigError
from orchestra.sandbox import GuardedExecutor, SandboxExecutor
from tests.helpers import load


@pytest.fixture(autouse=True)
def fresh_choice() -> Iterator[None]:
    executors._isolation.cache_clear()
    isolation_module._probe.cache_clear()
    yield
    executors._isolation.cache_clear()
    isolation_module._probe.cache_clear()


def test_protections_that_are_off_are_said_at_startup() -> None:
    config = load("agents:\n  isolation: rlimits\n")
    with capture_logs() as logs:
        executor = executors.build_executor(config, None, "consciousness")
    try:
        assert isinstance(executor, SandboxExecutor)
        warning = next(entry for entry in logs if entry["event"] == "sandbox_protections_off")
        assert warning["log_level"] == "warning"
        assert "network" in warning["off"] and "filesystem" in warning["off"]
    finally:
        executor.cleanup()


def test_bubblewrap_required_but_missing_is_a_located_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation_module.shutil, "which", lambda name: None)
    config = load("agents:\n  isolation: bubblewrap\n")
    with pytest.raises(ConfigError) as caught:
        executors.build_executor(config, None, "consciousness")
    assert str(caught.value).startswith("agents.isolation: bubblewrap cannot be used here")
    assert "apt-get install bubblewrap" in str(caught.value)
    assert "(test.yaml:" in str(caught.value)


def test_local_executor_with_dangerous_imports_is_warned_about() -> None:
    config = load(
        "agents:\n  executor: local\n  allow_dangerous_imports: true\n  authorized_imports: [json, os]\n"
    )
    with capture_logs() as logs:
        executor = executors.build_executor(config, None, "consciousness")
    assert isinstance(executor, GuardedExecutor)
    warning = next(entry for entry in logs if entry["event"] == "dangerous_imports_allowed")
    assert warning["modules"] == "os"


def test_a_layer_may_run_locally_while_the_root_is_sandboxed() -> None:
    config = load("layers:\n  probe: {description: Probes., executor: local}\n")
    assert executors.executor_kind(config, "probe") == "local"
    assert executors.executor_kind(config, None) == "sandbox"
