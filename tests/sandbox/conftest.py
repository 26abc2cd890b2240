"""Sandbox fixtures: each isolation mechanism, skipped where it cannot run (failed where it must).

``bubblewrap`` skips with the reason bubblewrap cannot start here, unless
``ORCHESTRA_REQUIRE_BUBBLEWRAP=1`` (CI), where a missing bubblewrap is a failure: the containment
tests must not pass by being skipped. ``isolation`` runs a test once per mechanism.
"""

from __future__ import annotations

import os

import pytest

from orchestra.sandbox import Isolation, Limits, SandboxExecutor, choose

REQUIRE_BUBBLEWRAP = "ORCHESTRA_REQUIRE_BUBBLEWRAP"


def _runs(isolation: Isolation) -> Isolation:
    """``isolation`` once a worker has run a step under it; else one clear failure for every test."""
    executor: SandboxExecutor | None = None
    try:
        executor = SandboxExecutor((), limits=Limits(wall_s=30), isolation=isolation, agent="smoke")
        executor.send_tools({})
        executor.send_variables({})
        assert executor("1 + 1").output == 2
    except Exception as failure:
        pytest.fail(f"no sandbox worker runs under {isolation.mechanism}: {failure}", pytrace=False)
    finally:
        if executor is not None:
            executor.cleanup()
    return isolation


@pytest.fixture(scope="session")
def bubblewrap() -> Isolation:
    """bubblewrap isolation, or a skip (a failure under ORCHESTRA_REQUIRE_BUBBLEWRAP=1)."""
    isolation = choose("auto", Limits())
    if isolation.mechanism != "bubblewrap":
        reason = " ".join(f"bubblewrap cannot run here: {isolation.reason}".split())
        if os.environ.get(REQUIRE_BUBBLEWRAP) == "1":
            pytest.fail(f"{reason} ({REQUIRE_BUBBLEWRAP}=1)", pytrace=False)
        pytest.skip(reason)
    return _runs(isolation)


@pytest.fixture(scope="session")
def rlimits() -> Isolation:
    """OS limits only (always available on Linux)."""
    return _runs(choose("rlimits", Limits()))


@pytest.fixture(scope="session", params=["bubblewrap", "rlimits"])
def isolation(request: pytest.FixtureRequest) -> Isolation:
    """Each mechanism in turn."""
    return request.getfixturevalue(request.param)
