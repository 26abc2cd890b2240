"""Start and stop: an offline ``orchestra heartbeat`` against ``python -c "import smolagents"``.

Both run as fresh processes, interleaved, in one run, so the machine's state affects both alike.
Figures: each one's median wall, their ratio (target <= 3x), and the exit latency after the
result (from the beat summary's last line on stdout to the process's exit; target <= 0.5 s).
Each heartbeat gets an empty ``ORCHESTRA_HOME`` (a fresh store) and no API key, so it takes the
embedded defaults and the offline fallback, as the README's first command does.

Run: ``.venv/bin/python -m benchmarks.cli_start [--runs N]``; writes
``benchmarks/results/cli-start.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_RATIO = 3.0
TARGET_EXIT_S = 0.5


def _environment(home: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    env["ORCHESTRA_HOME"] = home
    return env


def baseline_once() -> float:
    """Wall seconds of a fresh interpreter importing smolagents."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import smolagents"], check=True)
    return time.perf_counter() - started


def heartbeat_once() -> tuple[float, float]:
    """Wall seconds of one offline heartbeat, and seconds from its last output line to its exit."""
    orchestra = str(Path(sys.executable).parent / "orchestra")
    with tempfile.TemporaryDirectory(prefix="cli-start-") as home:
        started = time.perf_counter()
        process = subprocess.Popen(
            [orchestra, "heartbeat", str(ROOT / "configs" / "thoughtseed.yaml")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_environment(home),
        )
        assert process.stdout is not None
        last_line = started
        for _line in process.stdout:
            last_line = time.perf_counter()
        code = process.wait()
        ended = time.perf_counter()
    if code != 0:
        raise RuntimeError(f"the heartbeat exited {code}")
    return ended - started, ended - last_line


def run(runs: int) -> dict[str, Any]:
    """Interleave ``runs`` of each and summarise."""
    baseline, walls, exits = [], [], []
    heartbeat_once()  # warm the disk cache and the store's migrations path once, unmeasured
    for _ in range(runs):
        baseline.append(baseline_once())
        wall, exit_after = heartbeat_once()
        walls.append(wall)
        exits.append(exit_after)
    ratio = statistics.median(walls) / statistics.median(baseline)
    return {
        "benchmark": "cli_start",
        "runs": runs,
        "import_smolagents_s": round(statistics.median(baseline), 3),
        "offline_heartbeat_s": round(statistics.median(walls), 3),
        "ratio": round(ratio, 2),
        "exit_after_result_s": {"p50": round(statistics.median(exits), 3), "max": round(max(exits), 3)},
        "targets": {
            "ratio <= 3x": ratio <= TARGET_RATIO,
            "exit after the result <= 0.5 s": max(exits) <= TARGET_EXIT_S,
        },
        "cpus": os.cpu_count(),
    }


def markdown(doc: dict[str, Any]) -> str:
    """The results as a table."""
    verdict = {True: "met", False: "missed"}
    lines = [
        f"# Start and stop ({doc['runs']} runs each, interleaved, {doc['cpus']} cores)",
        "",
        "| measurement | median |",
        "|---|---|",
        f"| `python -c \"import smolagents\"` | {doc['import_smolagents_s']} s |",
        f"| offline `orchestra heartbeat` (fresh store) | {doc['offline_heartbeat_s']} s |",
        f"| ratio | **{doc['ratio']}x** (target <= 3x: {verdict[doc['targets']['ratio <= 3x']]}) |",
        f"| exit after the result | {doc['exit_after_result_s']['p50']} s, at most "
        f"{doc['exit_after_result_s']['max']} s (target <= 0.5 s: "
        f"{verdict[doc['targets']['exit after the result <= 0.5 s']]}) |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, write the results, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cli_start", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args(argv)
    doc = run(args.runs)
    text = markdown(doc)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cli-start.json").write_text(json.dumps(doc, indent=2) + "\n")
    (RESULTS / "cli-start.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
