"""Run the scale curves and write their outputs: ``python -m benchmarks.decision_latency --scale``.

Also ``python -m benchmarks.scale`` with more options (``--profile``, ``--curves``, ``--rerender``).
Before the first curve of a full run, one unmeasured instant-profile cycle of each kind of scenario pays the
process's one-time costs (imports, litellm's client, template compilation), so the first point of
the first curve is not the only one to carry them; a quick run skips it to stay under a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported

import structlog

from benchmarks.common.cycle import measure_cycles
from benchmarks.common.scenario import Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import OrchestraScenario, smolagents_flat
from benchmarks.decision.store import seed_store
from benchmarks.decision.texts import heartbeat_task
from benchmarks.scale import layers_curve, minds_curve, recall_curve, tools_curve
from benchmarks.scale.config import scale_config
from benchmarks.scale.cycle import scripted_work
from benchmarks.scale.decision_script import decision_calls, decision_router
from benchmarks.scale.plan import CURVES, Plan, make_plan
from benchmarks.scale.report import METHOD, chart, document, markdown, write_outputs
from benchmarks.scale.spec import CurveSpec
from benchmarks.server.latency_model import FAST, INSTANT, PROFILES, LatencyProfile

RESULTS = Path(__file__).resolve().parents[1] / "results"

RUNNERS: dict[str, tuple[Callable[[Plan], dict[str, Any]], CurveSpec]] = {
    "tools": (tools_curve.run_tools, tools_curve.SPEC),
    "layers": (layers_curve.run_layers, layers_curve.SPEC),
    "minds": (minds_curve.run_minds, minds_curve.SPEC),
    "recall": (recall_curve.run_recall, recall_curve.SPEC),
}
"""Curve name → (runner, presentation)."""

GROWTH: dict[str, Callable[[dict[str, dict[str, Any]]], list[dict[str, Any]]]] = {
    "tools": tools_curve.tools_growth,
    "layers": layers_curve.layers_growth,
    "minds": minds_curve.minds_growth,
    "recall": recall_curve.recall_growth,
}
"""Curve name → its growth figures from its points (re-rendering recomputes them)."""

log = structlog.get_logger(__name__)


def warm_up() -> None:
    """One unmeasured instant-profile cycle of orchestra's DAG and of a plain smolagents agent."""
    with tempfile.TemporaryDirectory(prefix="scale-warmup-") as directory:
        store = seed_store(Path(directory) / "store.db")
        for scenario in ("orchestra-dag", "smolagents-flat"):

            def build(api_base: str, timer: ToolTimer, scenario: str = scenario) -> Scenario:
                config = scale_config(api_base, store)
                if scenario == "orchestra-dag":
                    return OrchestraScenario(config, timer)
                return smolagents_flat(config, api_base, timer)

            measure_cycles(
                build,
                decision_router(scenario),
                heartbeat_task(),
                INSTANT,
                cycles=0,
                warmup=1,
                judge=scripted_work(decision_calls(scenario)),
            )


def run_scale(
    *,
    quick: bool = False,
    profile: LatencyProfile = FAST,
    cycles: int | None = None,
    warmup: int | None = None,
    results: Path = RESULTS,
    curves: Sequence[str] = CURVES,
) -> tuple[dict[str, Any], str]:
    """Run the curves, write ``scale[-quick].{json,md}`` and a chart per curve.

    Args:
        quick: Tiny sizes, one cycle per point, no warm-up cycles (under a minute).
        profile: The model server's latency profile.
        cycles: Measured cycles (rounds) per point; 5 by default, 1 quick.
        warmup: Warm-up cycles per point; 1 by default, 0 quick.
        results: Output directory.
        curves: Which curves.

    Returns:
        The JSON document and the markdown.
    """
    plan = make_plan(profile, quick=quick, cycles=cycles, warmup=warmup, curves=tuple(curves))
    if not quick:
        warm_up()
    return run_plan(plan, results, "scale-quick" if quick else "scale")


def run_plan(plan: Plan, results: Path, stem: str) -> tuple[dict[str, Any], str]:
    """Run a plan's curves and write ``<stem>.{json,md}`` and ``<stem>-<curve>.svg``.

    Args:
        plan: Sizes, cycles, profile and curves (tests pass tiny instant-profile plans).
        results: Output directory.
        stem: File stem.

    Returns:
        The JSON document and the markdown.
    """
    measured: dict[str, dict[str, Any]] = {}
    for name in plan.curves:
        started = time.monotonic()
        measured[name] = RUNNERS[name][0](plan)
        log.info("scale_curve_measured", curve=name, seconds=round(time.monotonic() - started, 1))
    specs = {name: spec for name, (_, spec) in RUNNERS.items()}
    doc = document(plan, measured)
    text = markdown(doc, specs, stem)
    charts = {name: chart(specs[name], curve) for name, curve in measured.items()}
    write_outputs(results, stem, doc, text, charts)
    return doc, text


def rerender(results: Path, stem: str) -> tuple[dict[str, Any], str]:
    """Rewrite ``<stem>.{json,md}`` and the charts from ``<stem>.json``: growth recomputed, nothing measured.

    Presentation and growth arithmetic can change without another run of the curves.

    Args:
        results: The directory holding ``<stem>.json``.
        stem: ``scale`` or ``scale-quick``.

    Returns:
        The JSON document and the markdown.

    Raises:
        FileNotFoundError: No ``<stem>.json`` there.
    """
    path = results / f"{stem}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no scale results to re-render; run the curves first")
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for name, curve in doc["curves"].items():
        curve["growth"] = GROWTH[name](curve["points"])
    doc["method"] = METHOD
    specs = {name: spec for name, (_, spec) in RUNNERS.items()}
    text = markdown(doc, specs, stem)
    charts = {name: chart(specs[name], curve) for name, curve in doc["curves"].items()}
    write_outputs(results, stem, doc, text, charts)
    return doc, text


def report_run(*, quick: bool, results: Path, started: float, text: str) -> None:
    """Print the markdown and where it went."""
    stem = "scale-quick" if quick else "scale"
    print(text)
    print(f"Wrote {results}/{stem}.json, .md and {stem}-<curve>.svg in {time.monotonic() - started:.0f} s.")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.scale``: the curves with every option.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0.
    """
    from orchestra.logs import configure_logging

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one cycle per point (under a minute)"
    )
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), default="fast", help="latency profile (default fast)"
    )
    parser.add_argument(
        "--curves", nargs="+", choices=CURVES, default=list(CURVES), help="which curves (default all)"
    )
    parser.add_argument(
        "--cycles", type=int, default=None, help="measured cycles per point (default 5; quick 1)"
    )
    parser.add_argument(
        "--warmup", type=int, default=None, help="warm-up cycles per point (default 1; quick 0)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="output directory")
    parser.add_argument(
        "--rerender",
        action="store_true",
        help="rewrite the report and charts from the last run's JSON (growth recomputed, nothing measured)",
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    configure_logging("console", args.log_level)
    started = time.monotonic()
    if args.rerender:
        try:
            _, text = rerender(args.results, "scale-quick" if args.quick else "scale")
        except FileNotFoundError as error:
            parser.exit(2, f"error: {error}\n")
        report_run(quick=args.quick, results=args.results, started=started, text=text)
        return 0
    _, text = run_scale(
        quick=args.quick,
        profile=PROFILES[args.profile],
        cycles=args.cycles,
        warmup=args.warmup,
        results=args.results,
        curves=args.curves,
    )
    report_run(quick=args.quick, results=args.results, started=started, text=text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
