"""Memory and store growth under a hostile model: every reply is 10 MB of text.

One ``orchestra heartbeat`` against a local OpenAI-compatible server whose every reply is
``--reply-mb`` megabytes, beside an offline heartbeat measured in the same run (the baseline).
Figures: each one's peak resident memory (``wait4``'s ``ru_maxrss`` of the process itself),
the beat's wall, the store's size after the beat and its largest beat record. Before issue 13
the same replies took 2.4 GB, sent a 105 MB request and wrote a 294 MB journal row; the
profile's ``max_reply_chars`` (100,000 by default) now refuses such a reply as a model failure.

Run: ``.venv/bin/python -m benchmarks.hostile_reply [--reply-mb N]``; writes
``benchmarks/results/hostile-reply.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common.cli_runs import offline_environment, publish
from benchmarks.server.model_server import ModelServer

ROOT = Path(__file__).resolve().parents[1]


def beat(overrides: tuple[str, ...]) -> dict[str, Any]:
    """One heartbeat in a fresh process and store: peak RSS, wall, store size, largest record."""
    orchestra = str(Path(sys.executable).parent / "orchestra")
    sets = [word for override in overrides for word in ("--set", override)]
    with tempfile.TemporaryDirectory(prefix="hostile-reply-") as home:
        started = time.perf_counter()
        process = subprocess.Popen(
            [orchestra, "heartbeat", str(ROOT / "configs" / "thoughtseed.yaml"), "--json", *sets],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=offline_environment(home),
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"the heartbeat exited {process.returncode}")
        store = Path(home) / "orchestra.db"
        with sqlite3.connect(store) as connection:
            largest = connection.execute("SELECT max(length(record)) FROM beat_journal").fetchone()[0]
        size = sum(path.stat().st_size for path in Path(home).glob("orchestra.db*"))
    result = json.loads(output)
    return {
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
        "wall_s": round(wall, 2),
        "store_mb": round(size / 2**20, 2),
        "largest_record_kb": round((largest or 0) / 1024, 1),
        "fallback_reason": result.get("fallback_reason"),
    }


def run(reply_mb: float) -> dict[str, Any]:
    """The offline baseline, then the hostile beat, in one run."""
    baseline = beat(())
    huge = "x" * int(reply_mb * 2**20)
    with ModelServer(lambda messages: huge) as server:
        hostile = beat(
            (
                f"models.default.api_base={server.base_url}",
                "models.default.api_key=bench",
                "models.default.max_retries=0",
            )
        )
        requests = server.requests
    return {
        "benchmark": "hostile_reply",
        "reply_mb": reply_mb,
        "offline": baseline,
        "hostile": hostile,
        "requests": len(requests),
        "largest_request_kb": round(
            max((len(json.dumps(r.messages)) for r in requests), default=0) / 1024, 1
        ),
        "peak_rss_ratio": round(hostile["peak_rss_mb"] / baseline["peak_rss_mb"], 2),
        "cpus": os.cpu_count(),
    }


def markdown(doc: dict[str, Any]) -> str:
    """The results as a table."""
    offline, hostile = doc["offline"], doc["hostile"]
    lines = [
        f"# A hostile model: every reply {doc['reply_mb']:g} MB ({doc['cpus']} cores)",
        "",
        "| measurement | offline beat | hostile beat |",
        "|---|---|---|",
        f"| peak resident memory | {offline['peak_rss_mb']} MB | {hostile['peak_rss_mb']} MB "
        f"(**{doc['peak_rss_ratio']}x**) |",
        f"| wall | {offline['wall_s']} s | {hostile['wall_s']} s |",
        f"| store after the beat | {offline['store_mb']} MB | {hostile['store_mb']} MB |",
        f"| largest beat record | {offline['largest_record_kb']} KB | {hostile['largest_record_kb']} KB |",
        f"| model requests, largest | - | {doc['requests']}, {doc['largest_request_kb']} KB |",
        "",
        f"Fallback reason of the hostile beat: {hostile['fallback_reason']}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, write the results, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hostile_reply", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--reply-mb", type=float, default=10.0, help="size of every reply (default 10)")
    args = parser.parse_args(argv)
    doc = run(args.reply_mb)
    publish("hostile-reply", doc, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
