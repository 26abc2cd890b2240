"""Orchestra driven only through its CLI, in a subprocess per beat or run, against a given checkout.

So "before" and "after" are two checkouts measured by the same harness: the process runs
``python -m orchestra.cli`` with its working directory and ``PYTHONPATH`` set to the checkout, a
fresh ``ORCHESTRA_HOME`` per side, and no API keys in its environment (nothing but the local server
can answer). Every process is bounded: it is killed, with its process group (the MCP server it
started too), when it overruns its timeout or when the harness is interrupted. stdout is read line
by line as it comes, so the moment the beat's JSON appears is known (the deadline check measures
from there to the exit).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

SECRET_MARKERS = ("API_KEY", "_TOKEN", "SECRET", "ACCESS_KEY")
"""Environment variables whose names contain one of these are not passed to orchestra."""

STDERR_TAIL = 2000
"""Characters of stderr kept for a process that failed."""


def orchestra_env(checkout: Path, home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of an orchestra process: ``base`` less secrets, the checkout first on the path.

    Args:
        checkout: The orchestra checkout to import.
        home: ``ORCHESTRA_HOME``: the side's store.
        base: The environment to start from (``os.environ`` by default).
    """
    source = dict(os.environ if base is None else base)
    env = {key: value for key, value in source.items() if not any(mark in key for mark in SECRET_MARKERS)}
    env.pop("VIRTUAL_ENV", None)
    env.update(
        {
            "PYTHONPATH": str(checkout),
            "ORCHESTRA_HOME": str(home),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # litellm would fetch its price list at import
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass(kw_only=True)
class CliResult:
    """What one CLI process did."""

    exit_code: int | None
    """None when it was killed."""
    stdout: str
    stderr: str
    wall_s: float
    json_at_s: float | None
    """Seconds from the start to the first stdout line that opens a JSON object."""
    killed: str | None = None
    """Why the harness killed it."""

    @property
    def exit_after_json_s(self) -> float | None:
        """Seconds from the JSON on stdout to the process's exit (to the kill: a lower bound)."""
        return None if self.json_at_s is None else self.wall_s - self.json_at_s

    def error(self) -> str | None:
        """Why it failed (kill reason or stderr tail), None when it exited 0."""
        if self.killed:
            return self.killed
        if self.exit_code == 0:
            return None
        return f"exit {self.exit_code}: {self.stderr[-STDERR_TAIL:].strip()}"


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def run_cli(
    python: Path,
    checkout: Path,
    arguments: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout_s: float,
    stderr_path: Path,
) -> CliResult:
    """Run ``python -m orchestra.cli ARGUMENTS`` in ``checkout`` and wait for it, at most ``timeout_s``.

    Args:
        python: The interpreter with orchestra's dependencies.
        checkout: Working directory (its code is imported through ``PYTHONPATH`` in ``env``).
        arguments: The CLI's arguments.
        env: The process's whole environment (:func:`orchestra_env`).
        timeout_s: Longest wall time; then the process group is killed.
        stderr_path: Where its stderr goes (kept for the post-mortem).

    Returns:
        Exit code, output and timings.
    """
    command = [str(python), "-m", "orchestra.cli", *arguments]
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    json_at: list[float] = []
    started = time.monotonic()
    with stderr_path.open("w", encoding="utf-8") as stderr_sink:
        process = subprocess.Popen(
            command,
            cwd=checkout,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_sink,
            text=True,
            start_new_session=True,
        )

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if not json_at and line.lstrip().startswith("{"):
                    json_at.append(time.monotonic() - started)
                lines.append(line)

        reader = threading.Thread(target=read, name="orchestra-stdout", daemon=True)
        reader.start()
        killed = None
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            killed = f"killed after {timeout_s:g} s"
            log.warning("orchestra_process_killed", arguments=list(arguments)[:2], timeout_s=timeout_s)
            _kill_group(process)
        except BaseException:  # Ctrl-C, errors: never leave orchestra (or its MCP server) running
            _kill_group(process)
            raise
        wall = time.monotonic() - started
        reader.join(timeout=5)
    return CliResult(
        exit_code=None if killed else process.returncode,
        stdout="".join(lines),
        stderr=stderr_path.read_text(encoding="utf-8", errors="replace"),
        wall_s=wall,
        json_at_s=json_at[0] if json_at else None,
        killed=killed,
    )
