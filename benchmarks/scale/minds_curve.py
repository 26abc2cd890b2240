"""Curve 3: 1 → 8 → 32 minds deciding at the same moment, each with its own store and hierarchy.

A deployment may run many minds in one process (one per user, say). Each mind here is a full
orchestra hierarchy over its own seeded store; all of them run one decision cycle at once, on
threads, against one model server, for a few rounds. The server answers from a stateless router
(:class:`~benchmarks.common.routes.StepRouter`), because per-agent reply queues cannot tell
concurrent minds apart. Each mind's model id is its own (``bench-mind-<i>``), which the server logs
with every request, so each mind's cycle is decomposed from its own requests and its own tool timer.

After the run every store must hold exactly the memories its own mind wrote (one per round, from
the root's last step) and no other's: a mind that decided on the wrong store fails the curve.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import structlog

from benchmarks.common.cycle import CycleFailed, CycleSample, decompose
from benchmarks.common.scenario import RootRun
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import OrchestraScenario
from benchmarks.decision.store import MEMORIES, seed_store
from benchmarks.decision.summary import percentile
from benchmarks.decision.texts import heartbeat_task
from benchmarks.scale.config import scale_config
from benchmarks.scale.cycle import check
from benchmarks.scale.decision_script import decision_calls, decision_router
from benchmarks.scale.figures import point_figures
from benchmarks.scale.growth import growth
from benchmarks.scale.plan import Plan
from benchmarks.scale.spec import Column, CurveSpec, Line, Table
from benchmarks.server.model_server import ModelServer

log = structlog.get_logger(__name__)

SERIES = "orchestra-dag"

SPEC = CurveSpec(
    name="minds",
    title="Per-mind decision latency with minds deciding concurrently",
    size_header="minds",
    x_title="minds deciding at once (threads in one process)",
    y_title="seconds",
    tables=(
        Table(
            series=(SERIES,),
            columns=(
                Column("p50 s per mind", "p50_s"),
                Column("p95 s per mind", "p95_s"),
                Column("overhead ms p50", "overhead_ms_p50"),
                Column("round s p50", "round_s_p50"),
                Column("decisions / s", "decisions_per_s"),
                Column("LLM calls / mind", "llm_calls"),
                Column("prompt tok / mind", "prompt_tokens"),
                Column("memories written / mind", "memories_written"),
            ),
            caption="A round is every mind deciding once, all started together; decisions per second "
            "is minds / round wall time (p50 over rounds).",
        ),
    ),
    lines=(
        Line(label="p50 per mind", series=SERIES, key="p50_s"),
        Line(label="p95 per mind", series=SERIES, key="p95_s"),
        Line(label="overhead p50 per mind", series=SERIES, key="overhead_ms_p50", scale=0.001, dashed=True),
        Line(label="round wall / minds", series=SERIES, key="seconds_per_decision", dashed=True),
    ),
)

SEEDED_MEMORIES = len(MEMORIES)
"""Memories :func:`~benchmarks.decision.store.seed_store` writes."""


def mind_model(index: int) -> str:
    """The litellm model id of mind ``index`` (the server logs it as ``bench-mind-<index>``)."""
    return f"openai/bench-mind-{index}"


def memory_count(store: Path) -> int:
    """Rows in a store's ``memories`` table."""
    with sqlite3.connect(store) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM memories").fetchone()[0])


class Mind:
    """One mind: its store, its tool timer and its orchestra hierarchy."""

    def __init__(self, index: int, api_base: str, directory: Path) -> None:
        """Seed its store and build its hierarchy.

        Args:
            index: Its number (names its store and its model id).
            api_base: The shared model server.
            directory: Where its store goes.
        """
        self.index = index
        self.model = mind_model(index).removeprefix("openai/")
        self.store = seed_store(directory / f"mind-{index}.db")
        self.timer = ToolTimer()
        config = scale_config(
            api_base,
            self.store,
            model_id=mind_model(index),
            sources=[{"python": "benchmarks.scale.own_tools"}, {"services": "in_process"}],
        )
        self.scenario = OrchestraScenario(config, self.timer)
        self.result: RootRun | None = None
        self.started = self.ended = 0.0

    def decide(self, task: str, gate: threading.Barrier) -> None:
        """Wait for every mind, then run one cycle (on the caller's thread)."""
        gate.wait()
        self.started = time.monotonic()
        try:
            self.result = self.scenario.run(task)
        finally:
            self.ended = time.monotonic()


def run_round(
    minds: list[Mind], server: ModelServer, task: str, expected: dict[str, int]
) -> tuple[float, list[CycleSample]]:
    """Every mind decides once, all at the same moment.

    Args:
        minds: The minds.
        server: Their shared model server.
        task: The task each is given.
        expected: Requests per agent each mind's cycle must make.

    Returns:
        The round's wall time (first start to last end) and each mind's sample.

    Raises:
        CycleFailed: A mind's cycle deviated from the script.
    """
    server.reset_log()
    for mind in minds:
        mind.timer.take()
        mind.result = None
    gate = threading.Barrier(len(minds))
    threads = [
        threading.Thread(target=mind.decide, args=(task, gate), name=f"mind-{mind.index}") for mind in minds
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = server.requests
    router = decision_router(SERIES, remember=True)
    samples = []
    for mind in minds:
        if mind.result is None:
            raise CycleFailed(f"mind {mind.index} raised instead of returning a result")
        own = [record for record in records if record.model == mind.model]
        sample = decompose(mind.result, mind.ended - mind.started, own, mind.timer.take(), router.agent_of)
        check(sample, mind.result, own, expected, label=f"mind {mind.index} of {len(minds)}")
        samples.append(sample)
    calls = {mind.index: sorted(sample.tool_calls) for mind, sample in zip(minds, samples, strict=True)}
    if any(made != calls[minds[0].index] for made in calls.values()):
        raise CycleFailed(
            f"minds made different tool calls (a shared tool timed for the wrong mind?): {calls}"
        )
    return max(m.ended for m in minds) - min(m.started for m in minds), samples


def measure_minds_point(count: int, plan: Plan) -> dict[str, Any]:
    """``count`` minds, ``plan.warmup + plan.cycles`` rounds.

    Args:
        count: Minds deciding at once.
        plan: Rounds (``cycles``), warm-up rounds and profile.

    Returns:
        Per-mind figures over every measured mind-cycle, plus round time, throughput and the
        memories each mind wrote to its own store.

    Raises:
        CycleFailed: A cycle deviated, or a store holds other than its own mind's memories.
    """
    rounds, warmup = plan.cycles, plan.warmup
    task, expected = heartbeat_task(), decision_calls(SERIES)
    samples: list[CycleSample] = []
    round_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="scale-minds-") as directory:
        with ModelServer(decision_router(SERIES, remember=True), plan.profile, model_name="bench") as server:
            minds: list[Mind] = []
            try:
                for index in range(count):
                    minds.append(Mind(index, server.base_url, Path(directory)))
                for number in range(warmup + rounds):
                    wall, round_samples = run_round(minds, server, task, expected)
                    if number >= warmup:
                        round_s.append(wall)
                        samples += round_samples
            finally:
                for mind in minds:
                    mind.scenario.close()
        written = [memory_count(mind.store) - SEEDED_MEMORIES for mind in minds]
    if any(added != warmup + rounds for added in written):
        raise CycleFailed(
            f"memories written per mind {written}; each mind should have written {warmup + rounds}"
        )
    figures = point_figures(samples)
    round_p50 = percentile(round_s, 0.5)
    figures.update(
        {
            "minds": count,
            "rounds": rounds,
            "round_s_p50": round(round_p50, 3),
            "seconds_per_decision": round(round_p50 / count, 3),
            "decisions_per_s": round(statistics.median(count / wall for wall in round_s), 2),
            "memories_written": written[0],
            "memories_written_by_mind": written,
        }
    )
    return figures


def run_minds(plan: Plan) -> dict[str, Any]:
    """The whole curve.

    Args:
        plan: Sizes, rounds, profile.

    Returns:
        ``sizes``, ``points`` (size → ``orchestra-dag`` → figures) and ``growth``.
    """
    points: dict[str, dict[str, Any]] = {}
    for count in plan.minds:
        points[str(count)] = {SERIES: measure_minds_point(count, plan)}
        log.info("scale_point", curve="minds", size=count, p50_s=points[str(count)][SERIES]["p50_s"])
    return {"unit": "mind", "sizes": list(plan.minds), "points": points, "growth": minds_growth(points)}


def minds_growth(points: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per mind (one decision each): round wall time, total overhead, and each mind's own latency.

    The round time and the overhead summed over the minds are total costs of ``M`` decisions; each
    mind's p50 is already a per-decision figure, so its total is ``p50 * M``.

    Args:
        points: The curve's points.

    Returns:
        Growth figures, JSON-ready.
    """
    if len(points) < 2:
        return []
    figures = {int(size): point[SERIES] for size, point in points.items()}
    totals = {
        "round wall s (M decisions)": {m: f["round_s_p50"] for m, f in figures.items()},
        "overhead ms p50 x M": {m: f["overhead_ms_p50"] * m for m, f in figures.items()},
        "per-mind decision p50 s x M": {m: f["p50_s"] * m for m, f in figures.items()},
    }
    return [growth(costs, metric=metric, unit="mind").to_dict() for metric, costs in totals.items()]
