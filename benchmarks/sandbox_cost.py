"""What the sandbox costs: per code step over in-process, per worker start, on the decision benchmark.

Measures, for each isolation mechanism that can run here (bubblewrap, rlimits): the time a warm
sandbox worker adds to a small code step that calls one tool (target: <= 1 ms at p50), the zygote's
cold start, a fork from it and the restart after a step is killed at its limit; then the decision
benchmark's DAG under the instant profile with agent code in-process and in the sandbox. See
:mod:`benchmarks.sandbox` for the parts and :data:`benchmarks.sandbox.report.METHOD` for how each
figure is computed.

Run: ``.venv/bin/python -m benchmarks.sandbox_cost [--quick]``. Writes
``benchmarks/results/sandbox.{json,md}`` (``sandbox-quick.*`` with ``--quick``) and prints the
markdown.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported

import structlog

from benchmarks.common.cycle import CycleFailed
from benchmarks.decision.report import machine
from benchmarks.sandbox.decision_overhead import decision_overhead
from benchmarks.sandbox.preflight import MECHANISMS, availability
from benchmarks.sandbox.report import METHOD, markdown, step_targets, write_outputs
from benchmarks.sandbox.startup import worker_start
from benchmarks.sandbox.step_cost import step_cost
from orchestra.logs import configure_logging
from orchestra.sandbox import Limits

RESULTS = Path(__file__).resolve().parent / "results"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Sizes:
    """How much of each part a run measures."""

    steps: int
    """Measured code steps per executor and mechanism."""
    warmup_steps: int
    """Unmeasured steps per executor first."""
    repetitions: int
    """Cold starts, forks and kills per mechanism."""
    cycles: int
    """Decision cycles per executor and round."""
    rounds: int
    """Decision rounds (each runs both executors)."""
    decision_warmup: int = 1
    """Unmeasured decision cycles at the start of each run."""


FULL = Sizes(steps=300, warmup_steps=30, repetitions=30, cycles=10, rounds=3)
QUICK = Sizes(steps=30, warmup_steps=10, repetitions=5, cycles=5, rounds=1)


def _bubblewrap_version() -> str | None:
    executable = shutil.which("bwrap")
    if executable is None:
        return None
    done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10, check=False)
    return done.stdout.strip() or None


def run_benchmark(
    sizes: Sizes, *, results_dir: Path, stem: str, quick: bool = False
) -> tuple[dict[str, Any], str]:
    """Measure every part on every mechanism that can run here, and write the results.

    Args:
        sizes: How much to measure.
        results_dir: Where ``<stem>.json`` and ``<stem>.md`` go.
        stem: File stem (``sandbox`` or ``sandbox-quick``).
        quick: Recorded in the document and the note.

    Returns:
        The JSON document and its markdown.
    """
    limits = Limits()
    notes: list[str] = []
    available = {}
    for mechanism in MECHANISMS:
        found = availability(mechanism, limits)
        if found.isolation is None:
            notes.append(f"{mechanism} not run: {found.reason}.")
        else:
            available[mechanism] = found.isolation
    steps, starts = {}, {}
    for mechanism, isolation in available.items():
        steps[mechanism] = step_cost(isolation, limits, steps=sizes.steps, warmup=sizes.warmup_steps)
    for mechanism, isolation in available.items():
        starts[mechanism] = worker_start(isolation, limits, sizes.repetitions)
    decision: dict[str, Any]
    if not available:
        decision = {"not_run": "no isolation mechanism can run here"}
    else:
        try:
            decision = decision_overhead(
                mechanism=next(iter(available)),
                cycles=sizes.cycles,
                rounds=sizes.rounds,
                warmup=sizes.decision_warmup,
            )
        except CycleFailed as failure:
            decision = {"not_run": f"a cycle failed: {failure}"}
            notes.append(f"decision benchmark not run: {failure}.")
    if "rows" in decision:
        notes.append(
            "Under the instant profile a run's end (end_run: kill and fork each agent's worker) and the "
            "next run's first steps follow with no model time between them to hide the fork in, so the "
            "decision figures are the sandbox's worst case per cycle."
        )
    targets = step_targets(steps, MECHANISMS)
    note = (
        f"{sizes.steps} interleaved steps per executor after {sizes.warmup_steps} warm-up steps; "
        f"{sizes.repetitions} repetitions of each worker start; {sizes.rounds} round(s) of {sizes.cycles} "
        "decision cycles per executor"
        + ("; QUICK run: too few samples for a stable p95" if quick else "")
        + "."
    )
    doc = {
        "benchmark": "sandbox_cost",
        "quick": quick,
        "sizes": asdict(sizes),
        "note": note,
        "machine": machine()
        | {"bubblewrap": _bubblewrap_version()},
        "limits": limits.to_dict(),
        "mechanisms": {mechanism: mechanism in available for mechanism in MECHANISMS},
        "step_cost": steps,
        "worker_start": starts,
        "decision": decision,
        "targets": [target.to_dict() for target in targets],
        "notes": notes,
        "method": METHOD,
    }
    text = markdown(doc)
    write_outputs(results_dir, stem, doc, text)
    return doc, text


def main(argv: list[str] | None = None) -> int:
    """The command line: run, write, print the markdown.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0 (a missed target is reported, not an error).
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sandbox_cost", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK.steps} steps, {QUICK.repetitions} repetitions, {QUICK.cycles} decision cycles per "
        "executor (about a minute); writes sandbox-quick.*",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="output directory")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    configure_logging("console", args.log_level)
    stem = "sandbox-quick" if args.quick else "sandbox"
    started = time.monotonic()
    _, text = run_benchmark(
        QUICK if args.quick else FULL, results_dir=args.results, stem=stem, quick=args.quick
    )
    print(text)
    print(f"Wrote {args.results}/{stem}.json, .md in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
