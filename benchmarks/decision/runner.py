"""Run one scenario under one latency profile: warm-up, then measured cycles, each decomposed.

Each cycle gets its replies pushed onto the server's per-agent queues just before it starts
(:class:`~benchmarks.common.routes.QueuedRoutes`), and must consume them all: an agent that took
more or fewer steps than scripted fails the run rather than being measured. The measuring itself
is the shared cycle runner's (:mod:`benchmarks.common.cycle`), with the clients' ``generate``
timed so the overhead splits into the model client stack and the framework.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import structlog

from benchmarks.common.cycle import CycleSample, measure_cycles
from benchmarks.common.routes import QueuedRoutes
from benchmarks.common.scenario import Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import build_scenario
from benchmarks.decision.store import seed_store
from benchmarks.decision.texts import decision_routes, heartbeat_task
from benchmarks.server.latency_model import LatencyProfile

log = structlog.get_logger(__name__)


def replies_for(scenario: str) -> dict[str, list[str]]:
    """The replies one cycle of ``scenario`` consumes, by route marker.

    Args:
        scenario: A scenario name.

    Returns:
        Marker → replies; layers get one reply each, the flat scenario has no layer routes.
    """
    return {route.marker: list(route.replies) for route in decision_routes(scenario)}


def run_scenario(
    scenario: str,
    profile: LatencyProfile,
    *,
    cycles: int,
    warmup: int,
    seed: int = 0,
    overrides: Sequence[str] = (),
) -> list[CycleSample]:
    """Run ``warmup + cycles`` cycles of a scenario against a fresh server and store.

    Args:
        scenario: A scenario name.
        profile: The server's latency profile.
        cycles: Measured cycles.
        warmup: Unmeasured cycles first (imports, connections, caches).
        seed: Seed of the server's jitter.
        overrides: More ``--set`` overrides of the scenario's config (``agents.executor=local``).

    Returns:
        One sample per measured cycle.

    Raises:
        CycleFailed: When any cycle deviates from the script.
    """
    with tempfile.TemporaryDirectory(prefix="decision-bench-") as directory:
        store = seed_store(Path(directory) / "store.db")

        def build(api_base: str, timer: ToolTimer) -> Scenario:
            return build_scenario(
                scenario, api_base=api_base, store_path=store, timer=timer, overrides=overrides
            )

        samples = measure_cycles(
            build,
            QueuedRoutes(decision_routes(scenario)),
            heartbeat_task(),
            profile,
            cycles=cycles,
            warmup=warmup,
            seed=seed,
            label=scenario,
            time_clients=True,
        )
    log.info("scenario_measured", scenario=scenario, profile=profile.name, cycles=len(samples))
    return samples
