"""The issue-13 corpus: ``orchestra validate`` on every malformed, careless or hostile config.

Each file in ``tests/config/corpus/`` runs as a fresh process (interpreter start and imports
included, as a user meets them), one after another. Each gets an empty ``ORCHESTRA_HOME`` and no
API key. Figures: how many files gave one located line (exit 2, one stderr line
``orchestra: error: ... (file:line)``), how many named the file only, how many gave something
else (a traceback, several lines, another exit code), listed; the median and slowest wall, and
which file was slowest; the in-process time of ``main()`` (imports at startup excluded); the
slowest run's peak RSS (``os.wait4``). ``--baseline REV`` runs the same corpus on the code of a
git revision too (``git archive`` of ``orchestra/`` and ``layers/``, this interpreter), for
the before/after figures.

Run: ``.venv/bin/python -m benchmarks.config_corpus [--baseline REV]``; writes
``benchmarks/results/config-corpus.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from benchmarks.common.cli_runs import offline_environment, publish

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "config" / "corpus"

_DRIVER = """
import json, sys, time
started = time.perf_counter()
from orchestra.cli import main
imported = time.perf_counter()
code = main(sys.argv[1:])
ended = time.perf_counter()
import orchestra
print("@@bench " + json.dumps({"main_s": ended - imported, "import_s": imported - started,
                               "code_from": orchestra.__file__}), flush=True)
sys.exit(code)
"""
"""Runs ``main()`` and reports, on its last stdout line, its own time and which orchestra ran."""


def _environment(home: str, code: Path) -> dict[str, str]:
    env = offline_environment(home)
    env = {key: value for key, value in env.items() if not key.startswith("ORCHESTRA_CORPUS_UNSET_")}
    env["PYTHONPATH"] = str(code)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


def validate_once(entry: Path, code: Path) -> dict[str, Any]:
    """One fresh ``orchestra validate`` on ``entry`` with the orchestra in ``code``: outcome and cost."""
    with tempfile.TemporaryDirectory(prefix="config-corpus-") as home, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _DRIVER, "validate", str(entry)],
            stdout=out,
            stderr=err,
            cwd=home,  # not ROOT: '' on sys.path must not import this checkout's orchestra
            env=_environment(home, code),
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    bench: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith("@@bench "):
            bench = json.loads(line.removeprefix("@@bench "))
    if bench and not bench["code_from"].startswith(str(code)):
        raise RuntimeError(f"ran {bench['code_from']}, not the orchestra in {code}")
    return {
        "file": entry.name,
        "exit": process.returncode,
        "outcome": classify(entry, process.returncode, stderr),
        "stderr": stderr[:300],
        "wall_s": wall,
        "main_s": bench.get("main_s"),
        "max_rss_mib": usage.ru_maxrss / 1024,
    }


def classify(entry: Path, code: int, stderr: str) -> str:
    """``located``, ``file only`` or what else went wrong."""
    lines = stderr.splitlines()
    if code != 2:
        return f"exit {code}"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr" + (" (a traceback)" if "Traceback" in stderr else "")
    if not lines[0].startswith("orchestra: error: "):
        return "not an orchestra error line"
    if re.search(rf"\({re.escape(str(entry))}:\d+\)", lines[0]):
        return "located"
    if f"({entry})" in lines[0]:
        return "file only"
    return "neither file nor line"


def run_corpus(code: Path) -> dict[str, Any]:
    """The corpus on the orchestra in ``code``, summarised."""
    entries = sorted(CORPUS.iterdir())
    validate_once(entries[0], code)  # warm the disk cache once, unmeasured
    runs = [validate_once(entry, code) for entry in entries]
    slowest = max(runs, key=lambda run: run["wall_s"])
    slowest_main = max(runs, key=lambda run: run["main_s"] or 0.0)
    mains = [run["main_s"] for run in runs if run["main_s"] is not None]
    return {
        "files": len(runs),
        "located": sum(run["outcome"] == "located" for run in runs),
        "file_only": [run["file"] for run in runs if run["outcome"] == "file only"],
        "other": [
            {"file": run["file"], "outcome": run["outcome"], "stderr": run["stderr"]}
            for run in runs
            if run["outcome"] not in ("located", "file only")
        ],
        "wall_s": {"median": round(statistics.median(run["wall_s"] for run in runs), 3)},
        "slowest": {
            "file": slowest["file"],
            "wall_s": round(slowest["wall_s"], 3),
            "main_s": None if slowest["main_s"] is None else round(slowest["main_s"], 3),
            "max_rss_mib": round(slowest["max_rss_mib"], 1),
        },
        "main_s": {
            "median": round(statistics.median(mains), 3) if mains else None,
            "max": round(slowest_main["main_s"] or 0.0, 3),
            "max_file": slowest_main["file"],
        },
        "runs": [
            {key: round(value, 4) if isinstance(value, float) else value for key, value in run.items()}
            for run in runs
        ],
    }


def baseline_code(revision: str, into: Path) -> str:
    """Extract ``orchestra/`` and ``layers/`` of ``revision`` into ``into``; its full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", revision], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", commit, "orchestra", "layers"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def run(baseline: str | None) -> dict[str, Any]:
    """The corpus on this checkout and, with ``baseline``, on that revision."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    doc: dict[str, Any] = {"benchmark": "config_corpus", "cpus": os.cpu_count(), "after": {"code": head}}
    if baseline is not None:
        with tempfile.TemporaryDirectory(prefix="config-corpus-baseline-") as tree:
            commit = baseline_code(baseline, Path(tree))
            doc["before"] = {"code": commit[:7], **run_corpus(Path(tree))}
    doc["after"].update(run_corpus(ROOT))
    return doc


def markdown(doc: dict[str, Any]) -> str:
    """The results as a table, before and after when there is a before."""
    columns = [name for name in ("before", "after") if name in doc]

    def row(label: str, value: Any) -> str:
        return f"| {label} | " + " | ".join(str(value(doc[name])) for name in columns) + " |"

    lines = [
        f"# `orchestra validate` on the issue-13 corpus ({doc['after']['files']} configs, "
        f"a fresh process each, {doc['cpus']} cores)",
        "",
        "| | " + " | ".join(f"{name} ({doc[name]['code']})" for name in columns) + " |",
        "|---|" + "---|" * len(columns),
        row("one located line (`file:line`)", lambda part: f"**{part['located']}** of {part['files']}"),
        row("the file only", lambda part: len(part["file_only"])),
        row("something else", lambda part: len(part["other"])),
        row("median validate wall", lambda part: f"{part['wall_s']['median']} s"),
        row(
            "slowest validate wall",
            lambda part: f"{part['slowest']['wall_s']} s (`{part['slowest']['file']}`)",
        ),
        row("slowest's peak RSS", lambda part: f"{part['slowest']['max_rss_mib']} MiB"),
        row("`main()` in-process, median", lambda part: f"{part['main_s']['median']} s"),
        row(
            "`main()` in-process, slowest",
            lambda part: f"{part['main_s']['max']} s (`{part['main_s']['max_file']}`)",
        ),
    ]
    for name in columns:
        part = doc[name]
        if part["file_only"]:
            lines += ["", f"File only, {name}: " + ", ".join(f"`{file}`" for file in part["file_only"])]
        if part["other"]:
            lines += ["", f"Something else, {name}:", ""]
            lines += [
                f"- `{other['file']}`: {other['outcome']}: `{other['stderr'].strip().splitlines()[-1][:160]}`"
                if other["stderr"].strip()
                else f"- `{other['file']}`: {other['outcome']}"
                for other in part["other"]
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, write the results, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.config_corpus", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--baseline", metavar="REV", help="also run the corpus on this git revision's code")
    args = parser.parse_args(argv)
    doc = run(args.baseline)
    publish("config-corpus", doc, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
