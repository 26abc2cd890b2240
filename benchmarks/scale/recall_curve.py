"""Curve 4: 1k → 10k → 100k memories: ``semantic_recall`` itself, and the decision that calls it.

Recall is timed directly (offline method, SQLite FTS5/BM25, as the default config uses) over many
queries, and the orchestra-dag decision is run on the same store: three of its tool calls are
recalls (two in the layers, one at the root), so a slower recall shows up as tool time on the
decision's critical path, not as overhead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import structlog

from benchmarks.common.scenario import Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import OrchestraScenario
from benchmarks.decision.store import MEMORIES, seed_store
from benchmarks.decision.summary import percentile
from benchmarks.scale.bulk import add_memories, recall_queries, time_recalls
from benchmarks.scale.config import scale_config
from benchmarks.scale.cycle import run_point
from benchmarks.scale.decision_script import decision_calls, decision_router
from benchmarks.scale.figures import point_figures
from benchmarks.scale.growth import growth_table
from benchmarks.scale.plan import Plan
from benchmarks.scale.spec import Column, CurveSpec, Line, Table

log = structlog.get_logger(__name__)

SERIES = "orchestra-dag"

SPEC = CurveSpec(
    name="recall",
    title="semantic_recall and the decision as the store grows",
    size_header="memories",
    x_title="memories in the store",
    y_title="milliseconds",
    tables=(
        Table(
            series=(SERIES,),
            columns=(
                Column("recall ms p50", "recall_ms_p50"),
                Column("recall ms p95", "recall_ms_p95"),
                Column("decision p50 s", "p50_s"),
                Column("decision p95 s", "p95_s"),
                Column("tool ms p50", "tool_ms_p50"),
                Column("overhead ms p50", "overhead_ms_p50"),
                Column("LLM calls", "llm_calls"),
                Column("prompt tok / cycle", "prompt_tokens"),
                Column("load s", "load_s"),
            ),
            caption="Recall: offline method (FTS5/BM25), top 5, no threshold, Zipf-worded queries. Tool ms: "
            "all of the decision's tool calls, three of them recalls.",
        ),
    ),
    lines=(
        Line(label="recall p50", series=SERIES, key="recall_ms_p50"),
        Line(label="recall p95", series=SERIES, key="recall_ms_p95"),
        Line(label="decision tool time p50", series=SERIES, key="tool_ms_p50", dashed=True),
        Line(label="decision overhead p50", series=SERIES, key="overhead_ms_p50", dashed=True),
    ),
)


def big_store(path: Path, memories: int) -> tuple[Path, float]:
    """The decision's seeded store topped up to ``memories`` memories.

    Args:
        path: The file to create.
        memories: Memories in all (at least the seeded ones).

    Returns:
        The store and the seconds the bulk insert took.
    """
    store = seed_store(path)
    return store, add_memories(store, max(0, memories - len(MEMORIES)))


def measure_recall_point(memories: int, plan: Plan) -> dict[str, Any]:
    """Recall latency and the decision on a store of ``memories`` memories.

    Args:
        memories: Memories in the store.
        plan: Queries, cycles, warm-up and profile.

    Returns:
        The decision's figures plus recall p50/p95 (ms), the queries timed and the load time.
    """
    with tempfile.TemporaryDirectory(prefix="scale-recall-") as directory:
        store, load_s = big_store(Path(directory) / "store.db", memories)
        recalls = time_recalls(store, recall_queries(plan.recall_queries))

        def build(api_base: str, timer: ToolTimer) -> Scenario:
            return OrchestraScenario(scale_config(api_base, store), timer)

        samples = run_point(
            build,
            decision_router(SERIES),
            decision_calls(SERIES),
            plan,
            label=f"{SERIES} over {memories} memories",
        )
    figures = point_figures(samples)
    figures.update(
        {
            "memories": memories,
            "recall_ms_p50": round(percentile(recalls, 0.5) * 1000, 3),
            "recall_ms_p95": round(percentile(recalls, 0.95) * 1000, 3),
            "recall_queries": len(recalls),
            "load_s": round(load_s, 2),
        }
    )
    return figures


def run_recall(plan: Plan) -> dict[str, Any]:
    """The whole curve.

    Args:
        plan: Sizes, queries, cycles, profile.

    Returns:
        ``sizes``, ``points`` (size → ``orchestra-dag`` → figures) and ``growth``.
    """
    points: dict[str, dict[str, Any]] = {}
    for memories in plan.recall:
        points[str(memories)] = {SERIES: measure_recall_point(memories, plan)}
        log.info(
            "scale_point",
            curve="recall",
            size=memories,
            recall_ms_p50=points[str(memories)][SERIES]["recall_ms_p50"],
        )
    return {"unit": "memory", "sizes": list(plan.recall), "points": points, "growth": recall_growth(points)}


def recall_growth(points: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per memory: recall p50 and p95, the decision's tool time and its overhead.

    Args:
        points: The curve's points.

    Returns:
        Growth figures, JSON-ready.
    """
    wanted = (
        (SERIES, "recall_ms_p50", "recall ms p50"),
        (SERIES, "recall_ms_p95", "recall ms p95"),
        (SERIES, "tool_ms_p50", "decision tool ms p50"),
        (SERIES, "overhead_ms_p50", "decision overhead ms p50"),
    )
    return growth_table(points, wanted, unit="memory")
