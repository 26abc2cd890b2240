"""Start and stop: an offline ``orchestra heartbeat`` against ``python -c "import smolagents"``.

Both run as fresh processes, interleaved, in one run, so the machine's state affects both alike.
Figures: each one's median wall, their ratio (target <= 3x), and the exit latency after the
result (from the beat summary's last line on stdout to the process's exit; target <= 0.5 s),
offline and after a hung model: a local OpenAI-compatible server that never answers, the
beat bounded by ``heartbeat.deadline_s``, so a worker thread is still blocked on its request
when the result is out.
Each heartbeat gets an empty ``ORCHESTRA_HOME`` (a fresh store) and no API key, so it takes the
embedded defaults and the offline fallback, as the README's first command does.

Run: ``.venv/bin/python -m benchmarks.cli_start [--runs N]``; writes
``benchmarks/results/cli-start.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common.cli_runs import offline_environment, publish

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 3.0
TARGET_EXIT_S = 0.5


def baseline_once() -> float:
    """Wall seconds of a fresh interpreter importing smolagents."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import smolagents"], check=True)
    return time.perf_counter() - started


HUNG_DEADLINE_S = 3.0
"""The beat's deadline when the model hangs: the result comes out then, and the exit is timed."""


def heartbeat_once(overrides: tuple[str, ...] = ()) -> tuple[float, float]:
    """Wall seconds of one heartbeat, and seconds from its last output line to its exit."""
    orchestra = str(Path(sys.executable).parent / "orchestra")
    sets = [word for override in overrides for word in ("--set", override)]
    with tempfile.TemporaryDirectory(prefix="cli-start-") as home:
        started = time.perf_counter()
        process = subprocess.Popen(
            [orchestra, "heartbeat", str(ROOT / "configs" / "thoughtseed.yaml"), *sets],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=offline_environment(home),
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


@contextlib.contextmanager
def hung_model() -> Iterator[str]:
    """An OpenAI-compatible base URL whose server accepts every connection and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])

    threading.Thread(target=accept, name="hung-model", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()
        for connection in held:
            connection.close()


def hung_model_exits(runs: int) -> tuple[list[float], list[float]]:
    """Per beat against a model that never answers: wall seconds, and exit seconds after the result."""
    walls, exits = [], []
    with hung_model() as base_url:
        overrides = (
            f"models.default.api_base={base_url}",
            "models.default.api_key=bench",
            "models.default.max_retries=0",
            f"heartbeat.deadline_s={HUNG_DEADLINE_S:g}",
        )
        for _ in range(runs):
            wall, exit_after = heartbeat_once(overrides)
            walls.append(wall)
            exits.append(exit_after)
    return walls, exits


def run(runs: int) -> dict[str, Any]:
    """Interleave ``runs`` of each and summarise."""
    baseline, walls, exits = [], [], []
    heartbeat_once()  # warm the disk cache and the store's migrations path once, unmeasured
    for _ in range(runs):
        baseline.append(baseline_once())
        wall, exit_after = heartbeat_once()
        walls.append(wall)
        exits.append(exit_after)
    hung_walls, hung_exits = hung_model_exits(max(1, runs // 2))
    ratio = statistics.median(walls) / statistics.median(baseline)
    return {
        "benchmark": "cli_start",
        "runs": runs,
        "import_smolagents_s": round(statistics.median(baseline), 3),
        "offline_heartbeat_s": round(statistics.median(walls), 3),
        "ratio": round(ratio, 2),
        "exit_after_result_s": {"p50": round(statistics.median(exits), 3), "max": round(max(exits), 3)},
        "hung_model": {
            "runs": len(hung_walls),
            "deadline_s": HUNG_DEADLINE_S,
            "heartbeat_s": round(statistics.median(hung_walls), 3),
            "exit_after_result_s": {
                "p50": round(statistics.median(hung_exits), 3),
                "max": round(max(hung_exits), 3),
            },
        },
        "targets": {
            "ratio <= 3x": ratio <= TARGET_RATIO,
            "exit after the result <= 0.5 s": max(exits) <= TARGET_EXIT_S,
            "exit after the result <= 0.5 s, hung model": max(hung_exits) <= TARGET_EXIT_S,
        },
        "cpus": os.cpu_count(),
    }


def markdown(doc: dict[str, Any]) -> str:
    """The results as a table."""
    verdict = {True: "met", False: "missed"}
    hung = doc["hung_model"]
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
        f"| hung model: `orchestra heartbeat`, deadline {hung['deadline_s']:g} s | {hung['heartbeat_s']} s |",
        f"| hung model: exit after the result | {hung['exit_after_result_s']['p50']} s, at most "
        f"{hung['exit_after_result_s']['max']} s (target <= 0.5 s: "
        f"{verdict[doc['targets']['exit after the result <= 0.5 s, hung model']]}) |",
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
    publish("cli-start", doc, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
