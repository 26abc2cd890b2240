"""What a run writes: the JSON document, the markdown tables and the chart, under one file stem."""

from __future__ import annotations

import dataclasses
import math
import os
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.decision.chart import breakdown_svg
from benchmarks.decision.targets import Target
from benchmarks.server.latency_model import LatencyProfile

METHOD = (
    "Each scenario runs its cycles against its own scripted model server (127.0.0.1, real HTTP through "
    "litellm) and its own seeded store. Wall time is measured around the root's run. Model time is the "
    "length of the union of the cycle's request intervals as the server recorded them (concurrent layer "
    "calls overlap and count once); tool time is measured by wrapping every tool's forward; overhead = "
    "wall - |model intervals U tool intervals|, split into the model client stack (time inside the "
    "models' generate calls but outside the server's intervals: smolagents' message building, litellm, "
    "the OpenAI SDK, httpx) and the framework (the rest: agent steps, prompt building, parsing, code "
    "execution, dispatch). Tokens are the server's usage counts. Budget: with k the model calls on the "
    "critical path (largest set of non-overlapping requests: concurrent calls of a DAG generation count "
    "once), p95 - k * base is the base-independent part, and the budget is the base at which p95 reaches "
    "5 s: (5 - (p95 - k * base)) / k; when p95 - k * base alone exceeds 5 s no base fits, and the "
    "shortfall (p95 - k * base - 5 s) is given instead. Cost at gpt-5-nano list prices ($0.05 / $0.40 "
    "per million input / output tokens)."
)


def profile_dict(profile: LatencyProfile) -> dict[str, Any]:
    """A profile as JSON-ready data (infinite rates become null).

    Args:
        profile: A latency profile.

    Returns:
        Its fields.
    """
    return {
        key: (None if isinstance(value, float) and math.isinf(value) else value)
        for key, value in dataclasses.asdict(profile).items()
    }


def machine() -> dict[str, Any]:
    """Where the benchmark ran.

    Returns:
        Python, CPU count, platform and the versions of the libraries on the path.
    """
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "smolagents": version("smolagents"),
        "litellm": version("litellm"),
    }


def document(
    profiles: dict[str, LatencyProfile],
    runs: dict[str, dict[str, dict[str, Any]]],
    targets: list[Target],
    *,
    cycles: int,
    warmup: int,
    quick: bool,
) -> dict[str, Any]:
    """The JSON document.

    Args:
        profiles: Profile key (``nano``, ``fast``) → the profile that ran under that key.
        runs: Profile key → scenario → summary.
        targets: Checked targets.
        cycles: Measured cycles per scenario.
        warmup: Warm-up cycles per scenario.
        quick: Whether this was a ``--quick`` run.

    Returns:
        ``profile`` (the nano run's), ``machine``, ``profiles``, ``scenarios`` (nano),
        ``scenarios_fast``, ``targets`` and the method.
    """
    nano = profiles.get("nano")
    return {
        "benchmark": "decision_latency (SC-003)",
        "quick": quick,
        "cycles": cycles,
        "warmup": warmup,
        "profile": profile_dict(nano) if nano else None,
        "machine": machine(),
        "profiles": {key: profile_dict(profile) for key, profile in profiles.items()},
        "scenarios": runs.get("nano"),
        "scenarios_fast": runs.get("fast"),
        "targets": [target.to_dict() for target in targets],
        "method": METHOD,
    }


_COLUMNS = (
    ("scenario", None),
    ("p50 s", "p50_s"),
    ("p95 s", "p95_s"),
    ("model crit. s", "critical_path_model_s"),
    ("tools ms", "tool_ms_p50"),
    ("overhead ms p50", "overhead_ms_p50"),
    ("client ms", "client_ms_p50"),
    ("framework ms", "framework_ms_p50"),
    ("LLM calls", "llm_calls"),
    ("crit. calls", "critical_path_calls"),
    ("prompt tok", "prompt_tokens"),
    ("compl. tok", "completion_tokens"),
    ("$ / 1k cycles", "cost_per_1000_cycles_usd"),
    ("budget base s", "budget_base_s"),
    ("shortfall s", "budget_shortfall_s"),
)


def markdown(
    profiles: dict[str, LatencyProfile],
    runs: dict[str, dict[str, dict[str, Any]]],
    targets: list[Target],
    note: str,
) -> str:
    """Tables per profile, then the targets.

    Args:
        profiles: Profile key → profile.
        runs: Profile key → scenario → summary.
        targets: Checked targets.
        note: A line about the run (cycles, quick mode).

    Returns:
        Markdown text.
    """
    lines = ["# Decision latency (SC-003)", "", note, ""]
    for key, scenarios in runs.items():
        profile = profiles[key]
        lines += [
            f"## `{key}` profile (base {profile.base_s} s, prefill {profile.prefill_tok_s} tok/s, "
            f"decode {profile.decode_tok_s} tok/s, jitter ±{profile.jitter_frac:.0%})",
            "",
            "| " + " | ".join(title for title, _ in _COLUMNS) + " |",
            "|" + "---|" * len(_COLUMNS),
        ]
        for scenario, summary in scenarios.items():
            cells = [scenario] + [_cell(summary[field]) for _, field in _COLUMNS[1:] if field]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Targets", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    for target in targets:
        met = "not run" if target.met is None else ("yes" if target.met else "NO")
        lines.append(f"| {target.name} | {target.goal} | {target.measured} | {met} |")
    lines += ["", "Method: " + METHOD, ""]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def write_outputs(results_dir: Path, stem: str, doc: dict[str, Any], text: str) -> list[Path]:
    """Write ``<stem>.json``, ``<stem>.md`` and ``<stem>.svg``.

    Args:
        results_dir: Directory to write into (created if missing).
        stem: File stem, ``latest`` or ``latest-quick``.
        doc: The JSON document.
        text: The markdown.

    Returns:
        The paths written.
    """
    import json

    results_dir.mkdir(parents=True, exist_ok=True)
    runs = {
        key: doc[field] for key, field in (("nano", "scenarios"), ("fast", "scenarios_fast")) if doc[field]
    }
    paths = [results_dir / f"{stem}.{suffix}" for suffix in ("json", "md", "svg")]
    paths[0].write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(text, encoding="utf-8")
    paths[2].write_text(breakdown_svg(runs, "Decision latency breakdown (mean per cycle)"), encoding="utf-8")
    return paths
