"""What a scale run writes: ``<stem>.json``, ``<stem>.md`` and one ``<stem>-<curve>.svg`` per curve."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.decision.report import machine as decision_machine
from benchmarks.decision.report import profile_dict
from benchmarks.scale.linechart import Series, line_chart
from benchmarks.scale.plan import Plan
from benchmarks.scale.spec import CurveSpec, Table

METHOD = (
    "Every point runs the decision benchmark's five-step heartbeat decision (root step 1 consults the "
    "layers, steps 2-4 call semantic_recall, get_energy_status and list_goals, step 5 returns the Decision) "
    "through litellm over real HTTP against the scripted model server on 127.0.0.1, which answers each "
    "agent by the marker in its system prompt and its step number. A cycle counts only if the root "
    "succeeded in exactly five steps, no request failed and every agent made exactly its scripted "
    "requests. Overhead is the decision benchmark's: wall - |model request intervals U tool call "
    "intervals| (client HTTP work, prompt building, parsing, code execution, dispatch). Tokens are the "
    "server's counts. tools: orchestra's MCP server plus generated filler tools (2-3 typed parameters, "
    "a docstring each) over stdio, bridged by orchestra's mcp tool source; orchestra's agents take the "
    "tools they name, the flat agent takes them all. layers: k - 1 feeder layers feed one sink; "
    "orchestra's root calls the sink (the feeders start while its first call is in flight), plain "
    "smolagents' root calls every layer in turn. minds: M orchestra hierarchies, each with its own store, "
    "model id and tool timer, decide at the same moment on threads of one process against one server "
    "(which runs in that process too, so its work competes for the same CPUs). recall: the store topped up "
    "with generated memories in bulk; recall timed directly (offline method), then the decision run on it. "
    "Growth: the marginal cost per unit over each interval between consecutive sizes; ratio = the last "
    "interval's over the first's, above 1.15 super-linear, below 0.85 sub-linear (three sizes needed); a "
    "cost that moves less than 15 % over the whole range is flat; exponent = log-log slope between the "
    "smallest and the largest size."
)


def machine() -> dict[str, Any]:
    """Where the run happened: the decision benchmark's record plus the MCP library's version."""
    return {**decision_machine(), "mcp": version("mcp")}


def document(plan: Plan, curves: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON document.

    Args:
        plan: What was run.
        curves: Curve name → ``sizes``, ``points`` (size → series → figures) and ``growth``.

    Returns:
        ``profile``, ``machine``, ``curves`` and how the run was made.
    """
    return {
        "benchmark": "scale curves (issue 5)",
        "quick": plan.quick,
        "cycles": plan.cycles,
        "warmup": plan.warmup,
        "profile": profile_dict(plan.profile),
        "machine": machine(),
        "curves": dict(curves),
        "method": METHOD,
    }


def chart(spec: CurveSpec, curve: Mapping[str, Any]) -> str:
    """The curve's SVG: one line per :class:`~benchmarks.scale.spec.Line` of its spec.

    Args:
        spec: The curve's presentation.
        curve: Its results.

    Returns:
        A standalone SVG document.
    """
    sizes = [str(size) for size in curve["sizes"]]
    series = []
    for line in spec.lines:
        values = []
        for size in sizes:
            figure = curve["points"].get(size, {}).get(line.series, {}).get(line.key)
            values.append(None if figure is None else float(figure) * line.scale)
        series.append(Series(name=line.label, values=tuple(values), dashed=line.dashed))
    return line_chart(
        spec.title, [f"{int(size):,}" for size in sizes], series, x_title=spec.x_title, y_title=spec.y_title
    )


def _table(table: Table, curve: Mapping[str, Any], unit: str) -> list[str]:
    headers = [unit, "series", *(column.header for column in table.columns)]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for size in curve["sizes"]:
        point = curve["points"].get(str(size), {})
        for series in table.series:
            if series not in point:
                continue
            cells = [_cell(point[series].get(column.key)) for column in table.columns]
            lines.append(f"| {size:,} | {series} | " + " | ".join(cells) + " |")
    return [*([table.caption, ""] if table.caption else []), *lines, ""]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _growth_table(growth: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| cost | per | cost at each size | marginal cost per unit, each interval | ratio (last / first) "
        "| exponent | growth |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in growth:
        pairs = zip(item["costs"], item["sizes"], strict=True)
        costs = " → ".join(f"{cost:g} ({size:,})" for cost, size in pairs)
        slopes = " → ".join(f"{slope:g}" for slope in item["slopes"])
        lines.append(
            f"| {item['metric']} | {item['unit']} | {costs} | {slopes} | {_cell(item['ratio'])} | "
            f"{_cell(item['exponent'])} | {_cell(item['verdict'])} |"
        )
    return [*lines, ""]


def markdown(doc: Mapping[str, Any], specs: Mapping[str, CurveSpec], stem: str) -> str:
    """The markdown report: a table (or two) and a growth table per curve, then the method.

    Args:
        doc: From :func:`document`.
        specs: Curve name → its presentation.
        stem: File stem, to link the charts.

    Returns:
        The markdown text.
    """
    profile = doc["profile"]
    out = [
        "# Scale curves",
        "",
        f"Profile `{profile['name']}` (base {profile['base_s']} s, prefill {profile['prefill_tok_s']} tok/s, "
        f"decode {profile['decode_tok_s']} tok/s, jitter ±{round(profile['jitter_frac'] * 100)}%); "
        f"{doc['cycles']} measured cycle(s) per point after {doc['warmup']} warm-up; "
        f"{doc['machine']['cpus']} CPUs, Python {doc['machine']['python']}"
        + ("; QUICK run: tiny sizes, too few cycles for stable figures." if doc["quick"] else "."),
        "",
    ]
    superlinear, unjudged = [], 0
    for name, curve in doc["curves"].items():
        spec = specs[name]
        out += [f"## {name}: {spec.title}", "", f"![{name}]({stem}-{name}.svg)", ""]
        for table in spec.tables:
            out += _table(table, curve, spec.size_header)
        out += ["Growth per " + curve["unit"] + ":", "", *_growth_table(curve["growth"])]
        superlinear += [
            f"{name}: {item['metric']} (marginal cost per {item['unit']} x{item['ratio']} from the first "
            "interval to the last)"
            for item in curve["growth"]
            if item["verdict"] == "super-linear"
        ]
        unjudged += sum(1 for item in curve["growth"] if item["verdict"] is None)
    if not superlinear:
        superlinear = ["none: no marginal cost grew by more than 15 % from the first interval to the last"]
    if unjudged:
        superlinear.append(
            f"not judged: {unjudged} cost(s) (only two sizes, or a first interval in which the cost fell)"
        )
    out += [
        "## Super-linear growth",
        "",
        *[f"- {item}" for item in superlinear],
        "",
        f"Method: {doc['method']}",
        "",
    ]
    return "\n".join(out)


def write_outputs(
    directory: Path, stem: str, doc: Mapping[str, Any], text: str, charts: Mapping[str, str]
) -> list[Path]:
    """Write ``<stem>.json``, ``<stem>.md`` and ``<stem>-<curve>.svg``.

    Args:
        directory: Created if missing.
        stem: ``scale`` or ``scale-quick``.
        doc: The JSON document.
        text: The markdown.
        charts: Curve name → SVG.

    Returns:
        The paths written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / f"{stem}.json", directory / f"{stem}.md"]
    written[0].write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    written[1].write_text(text, encoding="utf-8")
    for name, svg in charts.items():
        path = directory / f"{stem}-{name}.svg"
        path.write_text(svg, encoding="utf-8")
        written.append(path)
    return written
