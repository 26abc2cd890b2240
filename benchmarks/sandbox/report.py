"""What a run writes: the JSON document and the markdown, with the method and the target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.decision.targets import Target

STEP_TARGET_MS = 1.0
"""The sandbox may add at most this much to a code step's p50."""

METHOD = (
    "Per code step: a GuardedExecutor (in-process, smolagents' timeout thread off) and a SandboxExecutor "
    "(default limits, worker warm after the warm-up steps) take turns on the same snippet, local first on "
    "even steps and the sandbox first on odd ones; four snippets in turn, each calling one tool that "
    "returns a dict of a few hundred bytes (plain functions on the host, so neither executor pays for tool "
    "validation). Each step is timed with perf_counter around the executor call; both must give the same "
    "output. Added = sandbox percentile - local percentile (p50, p95); paired added = median of the "
    "per-step differences. Worker start, per mechanism: cold start = a new executor's constructor to its "
    "first step's answer with no zygote in the process (every zygote closed and "
    "orchestra.sandbox.process._zygotes emptied first: the process's imports and the bubblewrap probe "
    "stay paid), 'constructor' being the part until the zygote is up and the first fork requested; fork = "
    "end_run() (the used worker killed, a fresh one forked) followed at once by the next step, reported as "
    "end_run's own time, that first step (which waits for the new worker to be ready), the warm step after "
    "it, and added = end_run + first step - warm step per repetition; 'first step after pause' is the next "
    "step taken 0.1 s after end_run, as when a model call separates two runs. Restart after kill: a step "
    "'time.sleep(100)' under wall_s = 0.2 s; overrun = from the step's start to its InterpreterError, "
    "minus 0.2 s (the kill and the replacement's fork, which happen before the error is raised); recovery "
    "= from the error to the next step's answer (the new worker's readiness, tools, variables, the step); "
    "limit to answer = overrun + recovery, i.e. from the limit's expiry to the next answer. Decision: the "
    "decision benchmark's orchestra-dag scenario (benchmarks.decision) under the instant profile (free "
    "model replies), agents.executor local then sandbox in alternating rounds, each round a fresh model "
    "server, store and hierarchy after its warm-up cycles; the row is the decision benchmark's own "
    "summary (overhead = wall - |model U tools|, client = inside the models' generate, framework = the "
    "rest). Percentiles: median for p50, nearest rank for p95."
)


def step_targets(step_cost: dict[str, dict[str, Any]], mechanisms: tuple[str, ...]) -> list[Target]:
    """The per-step target for each mechanism (``met`` None for one that did not run)."""
    targets = []
    for mechanism in mechanisms:
        figures = step_cost.get(mechanism)
        added = None if figures is None else float(figures["added_ms_p50"])
        targets.append(
            Target(
                name=f"step_added_p50_{mechanism}",
                goal=f"sandbox ({mechanism}) adds <= {STEP_TARGET_MS:g} ms to a code step's p50",
                measured="not run" if added is None else f"{added:+.3f} ms",
                met=None if added is None else added <= STEP_TARGET_MS,
            )
        )
    return targets


def _verdict(met: bool | None) -> str:
    return "not run" if met is None else ("met" if met else "MISSED")


def _step_table(step_cost: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| mechanism | steps | local p50 ms | local p95 ms | sandbox p50 ms | sandbox p95 ms | added p50 ms "
        "| added p95 ms | paired added p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mechanism, figures in step_cost.items():
        local, sandbox = figures["local"], figures["sandbox"]
        lines.append(
            f"| {mechanism} | {figures['steps']} | {local['p50_ms']} | {local['p95_ms']} "
            f"| {sandbox['p50_ms']} | {sandbox['p95_ms']} | {figures['added_ms_p50']:+} "
            f"| {figures['added_ms_p95']:+} | {figures['paired_added_ms_p50']:+} |"
        )
    return lines


_START_ROWS = (
    ("cold start: constructor (zygote up, fork requested)", "cold_start", "construct"),
    ("cold start: to first answer", "cold_start", "to_first_answer"),
    ("fork: end_run()", "fork", "end_run"),
    ("fork: next step right after", "fork", "first_step"),
    ("fork: warm step after that", "fork", "warm_step"),
    ("fork: added (end_run + next - warm)", "fork", "added"),
    ("fork: next step 0.1 s after end_run", "fork", "first_step_after_pause"),
    ("restart: overrun past the 0.2 s limit", "restart_after_kill", "overrun"),
    ("restart: error to next answer", "restart_after_kill", "recovery"),
    ("restart: limit to next answer", "restart_after_kill", "limit_to_answer"),
)


def _start_table(worker_start: dict[str, dict[str, Any]]) -> list[str]:
    mechanisms = list(worker_start)
    head = " | ".join(f"{mechanism} p50 ms | {mechanism} p95 ms" for mechanism in mechanisms)
    lines = [f"| measurement | {head} |", "|---|" + "---|---|" * len(mechanisms)]
    for title, group, field in _START_ROWS:
        cells = []
        for mechanism in mechanisms:
            figures = worker_start[mechanism][group][field]
            cells += [str(figures["p50_ms"]), str(figures["p95_ms"])]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return lines


def _decision_table(decision: dict[str, Any]) -> list[str]:
    lines = [
        "| executor | cycles | p50 s | p95 s | overhead ms p50 | overhead ms p95 | client ms p50 "
        "| framework ms p50 | tools ms p50 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for executor, row in decision["rows"].items():
        lines.append(
            f"| {executor} | {row['cycles']} | {row['p50_s']} | {row['p95_s']} | {row['overhead_ms_p50']} "
            f"| {row['overhead_ms_p95']} | {row['client_ms_p50']} | {row['framework_ms_p50']} "
            f"| {row['tool_ms_p50']} |"
        )
    added = decision["added"]
    lines.append(
        f"| sandbox - local | | | | {added['overhead_ms_p50']:+} | {added['overhead_ms_p95']:+} | "
        f"| {added['framework_ms_p50']:+} | |"
    )
    return lines


def markdown(doc: dict[str, Any]) -> str:
    """The document as markdown: one table per part, the targets, the notes, the method.

    Args:
        doc: From :func:`benchmarks.sandbox_cost.run_benchmark`.

    Returns:
        Markdown text.
    """
    sizes = doc["sizes"]
    lines = ["# Sandbox cost", "", doc["note"], ""]
    lines += [f"## Per code step, warm worker ({sizes['steps']} steps per executor, interleaved)", ""]
    lines += _step_table(doc["step_cost"]) if doc["step_cost"] else ["Not run."]
    lines += ["", f"## Worker start ({sizes['repetitions']} repetitions)", ""]
    lines += _start_table(doc["worker_start"]) if doc["worker_start"] else ["Not run."]
    decision = doc["decision"]
    lines += ["", "## Decision benchmark with the sandbox on", ""]
    if "rows" in decision:
        lines += [
            f"`{decision['scenario']}`, `{decision['profile']}` profile, sandbox isolation "
            f"`{decision['mechanism']}`, {decision['rounds']} round(s) of {decision['cycles_per_round']} "
            f"cycles per executor after {decision['warmup']} warm-up cycle(s) each.",
            "",
            *_decision_table(decision),
        ]
    else:
        lines.append(f"Not run: {decision['not_run']}")
    lines += ["", "## Targets", "", "| target | goal | measured | verdict |", "|---|---|---|---|"]
    for target in doc["targets"]:
        lines.append(
            f"| {target['name']} | {target['goal']} | {target['measured']} | {_verdict(target['met'])} |"
        )
    if doc["notes"]:
        lines += ["", "## Notes", "", *(f"- {note}" for note in doc["notes"])]
    lines += ["", "Method: " + doc["method"], ""]
    return "\n".join(lines)


def write_outputs(results_dir: Path, stem: str, doc: dict[str, Any], text: str) -> list[Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` into ``results_dir`` (created if missing)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    paths = [results_dir / f"{stem}.json", results_dir / f"{stem}.md"]
    paths[0].write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(text, encoding="utf-8")
    return paths
