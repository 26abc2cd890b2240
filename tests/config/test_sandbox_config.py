"""The sandbox's config keys: defaults, bounds, the dangerous-import rule and what executors get."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog

from orchestra.agents import executors
from orchestra.agents.executors import build_executor, executor_kind, isolation_for, limits_of
from orchestra.config.references import dangerous_imports
from orchestra.errors import ConfigError
from orchestra.sandbox import GuardedExecutor, Limits, SandboxExecutor
from orchestra.sandbox import isolation as isolation_module
from tests.helpers import load

BODY_LINE = 6
"""The file line of a test config body's first line (tests.helpers.config_text adds five)."""


def line(n: int) -> str:
    """The location of the body's n-th line (1-based) in an error message."""
    return f"(test.yaml:{BODY_LINE + n - 1})"


@pytest.fixture
def fresh_isolation() -> Iterator[None]:
    """No isolation remembered from other tests, and none of this test's left for them."""
    executors._isolation.cache_clear()
    yield
    executors._isolation.cache_clear()


class TestDefaults:
    def test_new_keys(self) -> None:
        agents = load("").agents
        assert agents.executor == "sandbox"
        assert agents.isolation == "auto"
        assert agents.allow_dangerous_imports is False
        assert agents.limits.wall_s is None
        assert agents.limits.cpu_s == 60
        assert agents.limits.memory_mb == 512
        assert agents.limits.output_kb == 64

    def test_agents_executor_is_unset_per_agent(self) -> None:
        config = load("layers:\n  abstract: {}\n")
        assert config.root.executor is None
        assert config.layers["abstract"].executor is None
        assert executor_kind(config, None) == "sandbox"
        assert executor_kind(config, "abstract") == "sandbox"

    def test_per_agent_executor_overrides(self) -> None:
        config = load(
            "agents: {executor: local}\nroot: {executor: sandbox}\nlayers:\n  abstract: {}\n  perceptual: {executor: sandbox}\n"
        )
        assert executor_kind(config, None) == "sandbox"
        assert executor_kind(config, "abstract") == "local"
        assert executor_kind(config, "perceptual") == "sandbox"

    def test_limits_default_to_the_sandbox_defaults(self) -> None:
        limits = limits_of(load(""))
        assert limits == Limits(wall_s=30.0, cpu_s=60.0, memory_mb=512, output_kb=64)


class TestBounds:
    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("agents:\n  limits: {memory_mb: 16}\n", "agents.limits.memory_mb: must be >= 32"),
            ("agents:\n  limits: {memory_mb: 2000000}\n", "agents.limits.memory_mb: must be <= 1048576"),
            ("agents:\n  limits: {wall_s: 0}\n", "agents.limits.wall_s: must be > 0"),
            ("agents:\n  limits: {wall_s: 100000}\n", "agents.limits.wall_s: must be <= 86400"),
            ("agents:\n  limits: {cpu_s: 0}\n", "agents.limits.cpu_s: must be > 0"),
            ("agents:\n  limits: {cpu_s: 100000}\n", "agents.limits.cpu_s: must be <= 86400"),
            ("agents:\n  limits: {output_kb: 0}\n", "agents.limits.output_kb: must be >= 1"),
            ("agents:\n  limits: {output_kb: 70000}\n", "agents.limits.output_kb: must be <= 65536"),
            ("agents:\n  executor: docker\n", "agents.executor: must be one of 'sandbox' or 'local'"),
            (
                "agents:\n  isolation: firejail\n",
                "agents.isolation: must be one of 'auto', 'bubblewrap' or 'rlimits'",
            ),
            (
                "layers:\n  abstract: {executor: remote}\n",
                "layers.abstract.executor: must be one of 'sandbox' or 'local'",
            ),
            ("root: {executor: remote}\n", "root.executor: must be one of 'sandbox' or 'local'"),
        ],
    )
    def test_refused_with_key_and_line(self, body: str, message: str) -> None:
        with pytest.raises(ConfigError) as caught:
            load(body)
        text = str(caught.value)
        assert text.startswith(message)
        assert text.endswith(line(body.count("\n")))

    def test_unknown_limit_suggests(self) -> None:
        with pytest.raises(ConfigError, match=r"unknown key 'wal_s' \(did you mean 'wall_s'\?\)"):
            load("agents:\n  limits: {wal_s: 3}\n")

    def test_accepted_values(self) -> None:
        limits = load(
            "agents:\n  limits: {wall_s: 2.5, cpu_s: 5, memory_mb: 32, output_kb: 1}\n"
        ).agents.limits
        assert (limits.wall_s, limits.cpu_s, limits.memory_mb, limits.output_kb) == (2.5, 5, 32, 1)


class TestDangerousImports:
    """Modules that reach the host are refused, with the key, the line and the rule."""

    def test_os_refused_with_sandboxed_agents(self) -> None:
        with pytest.raises(ConfigError) as caught:
            load("agents:\n  authorized_imports: [os]\n")
        message = str(caught.value)
        assert message.startswith("agents.authorized_imports[0]: 'os' reaches the host")
        assert "refused with sandboxed agents (root" in message
        assert "agents.executor: local everywhere" in message
        assert "agents.allow_dangerous_imports: true" in message
        assert message.endswith(line(2))

    def test_star_refused_the_same_way(self) -> None:
        with pytest.raises(ConfigError) as caught:
            load("agents:\n  authorized_imports:\n    - json\n    - '*'\n")
        message = str(caught.value)
        assert message.startswith("agents.authorized_imports[1]: '*' allows every module")
        assert "agents.allow_dangerous_imports: true" in message
        assert message.endswith(line(4))  # the item's own line

    @pytest.mark.parametrize("module", ["subprocess", "os.path", "sys", "socket", "ctypes", "importlib"])
    def test_other_dangerous_modules(self, module: str) -> None:
        with pytest.raises(
            ConfigError, match=rf"agents.authorized_imports\[0\]: '{module}' reaches the host"
        ):
            load(f"agents:\n  authorized_imports: [{module}]\n")

    def test_allowing_does_not_lift_the_rule_for_sandboxed_agents(self) -> None:
        with pytest.raises(ConfigError, match="refused with sandboxed agents"):
            load("agents:\n  allow_dangerous_imports: true\n  authorized_imports: [os]\n")

    def test_local_without_allowing_is_refused(self) -> None:
        with pytest.raises(ConfigError) as caught:
            load("agents:\n  executor: local\n  authorized_imports: [os]\n")
        message = str(caught.value)
        assert message.startswith("agents.authorized_imports[0]: 'os' reaches the host")
        assert "set agents.allow_dangerous_imports: true to allow it (trusted workloads only)" in message
        assert message.endswith(line(3))

    def test_local_and_allowed_is_accepted(self) -> None:
        config = load(
            "agents:\n  executor: local\n  allow_dangerous_imports: true\n  authorized_imports: [json, os, '*']\n"
        )
        assert config.agents.authorized_imports == ["json", "os", "*"]
        assert dangerous_imports(config) == ["os", "*"]

    def test_one_local_layer_among_sandboxed_agents_is_still_refused(self) -> None:
        body = (
            "agents:\n  allow_dangerous_imports: true\n  authorized_imports: [os]\n"
            "layers:\n  abstract: {executor: local}\n  perceptual: {}\n"
        )
        with pytest.raises(ConfigError) as caught:
            load(body)
        message = str(caught.value)
        assert "refused with sandboxed agents (root, layers.perceptual)" in message
        assert "layers.abstract" not in message

    def test_a_sandboxed_layer_among_local_agents_is_named(self) -> None:
        body = (
            "agents:\n  executor: local\n  allow_dangerous_imports: true\n  authorized_imports: [os]\n"
            "layers:\n  abstract: {}\n  perceptual: {executor: sandbox}\n"
        )
        with pytest.raises(ConfigError, match=r"refused with sandboxed agents \(layers.perceptual\)"):
            load(body)

    def test_every_code_agent_local_by_its_own_key_is_accepted(self) -> None:
        body = (
            "agents:\n  allow_dangerous_imports: true\n  authorized_imports: [os]\n"
            "root: {executor: local}\nlayers:\n  abstract: {executor: local}\n"
            "  perceptual: {kind: tool_calling}\n"
        )
        config = load(body)  # a tool-calling layer runs no code: it does not count
        assert executor_kind(config, None) == "local"
        assert config.agents.executor == "sandbox"

    def test_safe_default_imports_pass(self) -> None:
        config = load("agents:\n  authorized_imports: [json, math, re, collections, statistics]\n")
        assert dangerous_imports(config) == []

    @pytest.mark.parametrize("module", ["posix", "pickle", "asyncio"])
    def test_modules_that_reach_the_host_by_another_name_are_refused(self, module: str) -> None:
        with pytest.raises(ConfigError, match="reaches the host"):
            load(f"agents:\n  executor: local\n  authorized_imports: [{module}]\n")


class TestLimitsOf:
    """What the sandbox executor gets from a config."""

    def test_wall_s_falls_back_to_executor_timeout_s(self) -> None:
        assert limits_of(load("agents:\n  executor_timeout_s: 12\n")).wall_s == 12

    def test_wall_s_wins_over_executor_timeout_s(self) -> None:
        assert limits_of(load("agents:\n  executor_timeout_s: 12\n  limits: {wall_s: 3}\n")).wall_s == 3

    def test_no_timeout_at_all(self) -> None:
        assert limits_of(load("agents:\n  executor_timeout_s: null\n")).wall_s is None

    def test_the_other_limits_pass_through(self) -> None:
        limits = limits_of(load("agents:\n  limits: {cpu_s: 7, memory_mb: 100, output_kb: 2}\n"))
        assert (limits.cpu_s, limits.memory_mb, limits.output_kb) == (7, 100, 2)


class TestBuildExecutor:
    def test_local_is_a_guarded_executor(self) -> None:
        config = load("agents:\n  executor: local\n  limits: {output_kb: 2}\n")
        executor = build_executor(config, None, "root")
        assert isinstance(executor, GuardedExecutor)
        assert isinstance(executor.authorized_imports, tuple)
        assert executor.max_print_outputs_length == 2 * 1024

    def test_local_with_dangerous_imports_warns(self) -> None:
        config = load(
            "agents:\n  executor: local\n  allow_dangerous_imports: true\n  authorized_imports: [os]\n"
        )
        with structlog.testing.capture_logs() as logs:
            build_executor(config, None, "root")
        warnings = [entry for entry in logs if entry["event"] == "dangerous_imports_allowed"]
        assert warnings and warnings[0]["modules"] == "os"
        assert warnings[0]["log_level"] == "warning"

    def test_sandbox_is_a_sandbox_executor(self, fresh_isolation: None) -> None:
        config = load("agents:\n  isolation: rlimits\n  limits: {wall_s: 4, memory_mb: 100}\n")
        executor = build_executor(config, "abstract", "abstract")
        try:
            assert isinstance(executor, SandboxExecutor)
            assert executor.limits.wall_s == 4
            assert executor.limits.memory_mb == 100
            assert executor.isolation.mechanism == "rlimits"
            assert executor.agent == "abstract"
        finally:
            executor.cleanup()  # type: ignore[attr-defined]


class TestIsolationFor:
    def test_required_bubblewrap_missing_is_a_located_config_error(
        self, monkeypatch: pytest.MonkeyPatch, fresh_isolation: None
    ) -> None:
        monkeypatch.setattr(isolation_module.shutil, "which", lambda name: None)
        with pytest.raises(ConfigError) as caught:
            isolation_for(load("agents:\n  isolation: bubblewrap\n"))
        message = str(caught.value)
        assert message.startswith(
            "agents.isolation: bubblewrap cannot be used here: bubblewrap is not installed"
        )
        assert message.endswith(line(2))

    def test_missing_protections_are_warned_about(
        self, monkeypatch: pytest.MonkeyPatch, fresh_isolation: None
    ) -> None:
        monkeypatch.setattr(isolation_module.shutil, "which", lambda name: None)
        with structlog.testing.capture_logs() as logs:
            chosen = isolation_for(load(""))
        assert chosen.mechanism == "rlimits"
        warnings = [entry for entry in logs if entry["event"] == "sandbox_protections_off"]
        assert len(warnings) == 1
        assert warnings[0]["off"] == ", ".join(chosen.off)
        assert "not installed" in warnings[0]["reason"]
