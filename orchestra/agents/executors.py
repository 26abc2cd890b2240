"""Each code agent's executor, as the config says: a sandbox worker, or guarded and in-process.

One place decides it so the root and every code layer get the same treatment: the isolation is
chosen once per process (bubblewrap is probed once) and the protections it lacks are logged as a
warning when the first hierarchy is built, never silently dropped.
"""

from __future__ import annotations

import functools
from typing import Any

import structlog
from smolagents import MultiStepAgent
from smolagents.local_python_executor import PythonExecutor

from orchestra.config import Config
from orchestra.config.references import code_executors, dangerous_imports, executor_of
from orchestra.errors import ConfigError
from orchestra.sandbox import (
    GuardedExecutor,
    Isolation,
    IsolationUnavailable,
    Limits,
    SandboxExecutor,
    choose,
)
from orchestra.sandbox.process import WorkerFailure, zygote_for

log = structlog.get_logger(__name__)


def limits_of(config: Config) -> Limits:
    """The sandbox limits a config sets (``agents.limits``; ``wall_s`` defaults to
    ``agents.executor_timeout_s``)."""
    limits = config.agents.limits
    wall = limits.wall_s if limits.wall_s is not None else config.agents.executor_timeout_s
    return Limits(wall_s=wall, cpu_s=limits.cpu_s, memory_mb=limits.memory_mb, output_kb=limits.output_kb)


@functools.lru_cache(maxsize=8)
def _isolation(mode: str, limits: Limits) -> Isolation:
    isolation = choose(mode, limits)  # type: ignore[arg-type]
    if isolation.off:
        log.warning(
            "sandbox_protections_off",
            mechanism=isolation.mechanism,
            off=", ".join(isolation.off),
            reason=isolation.reason,
        )
    return isolation


def isolation_for(config: Config) -> Isolation:
    """The isolation sandbox workers of this config get.

    Raises:
        ConfigError: ``agents.isolation: bubblewrap`` and bubblewrap cannot start here.
    """
    try:
        return _isolation(config.agents.isolation, limits_of(config))
    except IsolationUnavailable as missing:
        raise config.source.error(
            "agents.isolation", f"bubblewrap cannot be used here: {missing}", ConfigError
        ) from None


def executor_kind(config: Config, agent: str | None) -> str:
    """``sandbox`` or ``local`` for the root (``agent`` None) or a layer, defaults applied."""
    return executor_of(config, agent)


def build_executor(config: Config, agent: str | None, name: str) -> PythonExecutor:
    """The executor of one code agent (the root when ``agent`` is None)."""
    limits = limits_of(config)
    imports = list(config.agents.authorized_imports)
    if executor_kind(config, agent) == "local":
        risky = dangerous_imports(config)
        if risky:
            log.warning("dangerous_imports_allowed", agent=name, modules=", ".join(risky))
        return GuardedExecutor(
            imports, max_print_outputs_length=limits.output_kb * 1024, timeout_seconds=limits.wall_s
        )
    return SandboxExecutor(imports, limits=limits, isolation=isolation_for(config), agent=name)


def prestart(config: Config) -> None:
    """Start the sandbox now, when a config's agents will use it: its interpreter imports while
    the tool sources connect, instead of when the first code step waits for it."""
    if any(kind == "sandbox" for kind in code_executors(config).values()):
        try:
            zygote_for(isolation_for(config))
        except WorkerFailure as failure:  # the first step will say it again, located there
            log.warning("sandbox_unavailable", error=str(failure))


def bound_code_by_deadline(agent: MultiStepAgent, deadline: float | None) -> None:
    """No code step of ``agent`` runs past ``deadline`` (a sandboxed one is killed there)."""
    executor: Any = getattr(agent, "python_executor", None)
    if isinstance(executor, SandboxExecutor):
        executor.deadline = deadline


def end_run(agent: MultiStepAgent) -> None:
    """The agent's run is over: a sandboxed agent's worker (and its variables) goes."""
    executor: Any = getattr(agent, "python_executor", None)
    if isinstance(executor, SandboxExecutor):
        executor.end_run()
