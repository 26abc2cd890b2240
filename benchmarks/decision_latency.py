"""SC-003 decision latency: orchestra's DAG and chain against plain smolagents, same work, real HTTP.

Four scenarios make the same heartbeat decision in a five-step root loop (step 1 consults the
layers, steps 2-4 call ``semantic_recall``, ``get_energy_status`` and ``list_goals``, step 5 returns
the Decision) through litellm against the scripted model server, under the ``nano`` and ``fast``
latency profiles. See :mod:`benchmarks.decision` for the parts and
:data:`benchmarks.decision.report.METHOD` for how each figure is computed.

Run: ``.venv/bin/python -m benchmarks.decision_latency [--quick] [--cycles N] [--executor local]``
(orchestra's agent code runs in the sandbox by default, as users get it). Writes
``benchmarks/results/latest.{json,md,svg}`` (``latest-quick.*`` with ``--quick``) and prints the
tables and the targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported

import structlog

from benchmarks.decision.report import document, markdown, write_outputs
from benchmarks.decision.runner import run_scenario
from benchmarks.decision.scenarios import SCENARIOS
from benchmarks.decision.summary import summarize
from benchmarks.decision.targets import Target, check_targets
from benchmarks.server.latency_model import FAST, INSTANT, NANO, LatencyProfile
from orchestra.logs import configure_logging

RESULTS = Path(__file__).resolve().parent / "results"
QUICK_CYCLES, QUICK_WARMUP = 2, 0
EXECUTORS = ("sandbox", "local")
"""Where orchestra's agent code may run (``agents.executor``); the first is the default."""

log = structlog.get_logger(__name__)


def run_benchmark(
    profiles: dict[str, LatencyProfile],
    *,
    cycles: int,
    warmup: int,
    results_dir: Path,
    stem: str = "latest",
    quick: bool = False,
    scenarios: tuple[str, ...] = SCENARIOS,
    executor: str = EXECUTORS[0],
) -> tuple[dict[str, Any], str, list[Target]]:
    """Run every scenario under every profile and write the results.

    Args:
        profiles: Profile key (``nano``, ``fast``) → profile to run under that key (tests run
            ``INSTANT`` under both keys).
        cycles: Measured cycles per scenario and profile.
        warmup: Unmeasured cycles before them.
        results_dir: Where ``<stem>.json``, ``.md`` and ``.svg`` go.
        stem: File stem.
        quick: Recorded in the document and the note.
        scenarios: Which scenarios (all four by default; the targets need all four).
        executor: ``agents.executor`` of the orchestra scenarios (plain smolagents keeps its own).

    Returns:
        The JSON document, the markdown and the checked targets.
    """
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    overrides = [f"agents.executor={executor}"]
    for scenario in scenarios:  # imports, litellm's client, first-call caches: paid once, unmeasured
        run_scenario(scenario, INSTANT, cycles=0, warmup=1, overrides=overrides)
    for key, profile in profiles.items():
        runs[key] = {}
        for scenario in scenarios:
            started = time.monotonic()
            samples = run_scenario(scenario, profile, cycles=cycles, warmup=warmup, overrides=overrides)
            runs[key][scenario] = summarize(samples, profile)
            log.info("measured", profile=key, scenario=scenario, seconds=round(time.monotonic() - started, 1))
    complete = set(scenarios) == set(SCENARIOS)
    targets = check_targets(runs.get("nano") if complete else None, runs.get("fast") if complete else None)
    skipped = [key for key in ("nano", "fast") if key not in profiles]
    note = (
        f"{cycles} measured cycles per scenario and profile after one unmeasured instant-profile cycle per "
        f"scenario and {warmup} warm-up cycle(s) under the profile; orchestra's agent code in the "
        f"{executor} executor"
        + (
            f"; QUICK run: {', '.join(skipped)} profile not run, too few cycles for a stable p95"
            if quick
            else ""
        )
        + "."
    )
    doc = document(profiles, runs, targets, cycles=cycles, warmup=warmup, quick=quick)
    doc["executor"] = executor
    text = markdown(profiles, runs, targets, note)
    write_outputs(results_dir, stem, doc, text)
    return doc, text, targets


def main(argv: list[str] | None = None) -> int:
    """The command line: run, write, print the tables and the targets.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0 (targets missed are reported, not an error).
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.decision_latency", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"fast profile only, {QUICK_CYCLES} cycles, no per-profile warm-up (under a minute); "
        "writes latest-quick.*",
    )
    parser.add_argument("--cycles", type=int, default=None, help="measured cycles (default 30; quick 2)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="warm-up cycles per scenario and profile (default 2; quick 0)",
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=EXECUTORS[0],
        help="where orchestra's agent code runs (agents.executor; default sandbox, what users get)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="output directory")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="run the scale curves instead (tools, layers, minds, recall; fast profile; see "
        "benchmarks.scale); writes scale.* (scale-quick.* with --quick)",
    )
    args = parser.parse_args(argv)
    configure_logging("console", args.log_level)
    if args.scale:
        from benchmarks.scale.cli import report_run, run_scale

        started = time.monotonic()
        _, text = run_scale(quick=args.quick, cycles=args.cycles, warmup=args.warmup, results=args.results)
        report_run(quick=args.quick, results=args.results, started=started, text=text)
        return 0
    profiles = {"fast": FAST} if args.quick else {"nano": NANO, "fast": FAST}
    cycles = args.cycles or (QUICK_CYCLES if args.quick else 30)
    warmup = args.warmup if args.warmup is not None else (QUICK_WARMUP if args.quick else 2)
    started = time.monotonic()
    _, text, targets = run_benchmark(
        profiles,
        cycles=cycles,
        warmup=warmup,
        results_dir=args.results,
        stem="latest-quick" if args.quick else "latest",
        quick=args.quick,
        executor=args.executor,
    )
    print(text)
    print("Targets:")
    for target in targets:
        verdict = "not run" if target.met is None else ("MET" if target.met else "MISSED")
        print(f"  [{verdict}] {target.name}: {target.goal} -> {target.measured}")
    stem = "latest-quick" if args.quick else "latest"
    print(f"Wrote {args.results}/{stem}.json, .md, .svg in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
