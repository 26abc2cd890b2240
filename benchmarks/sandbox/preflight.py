"""Which isolation mechanisms can run from here, and why one cannot.

The zygote is started as ``python -I -m orchestra.sandbox.zygote``: isolated mode ignores
``PYTHONPATH`` and the working directory, so it imports whichever orchestra the interpreter has
installed, while bubblewrap binds only the package *this* process imported. From a checkout that is
not the installed one (a git worktree run with ``PYTHONPATH``, or from its root) the two differ:
under bubblewrap the zygote then finds no orchestra at all and every worker fails; without it the
workers silently run the installed copy's code. The benchmark says so instead of measuring that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orchestra
from orchestra.sandbox import Isolation, Limits, choose

MECHANISMS = ("bubblewrap", "rlimits")
"""Every isolation mechanism, in report order."""


@dataclass(frozen=True)
class Availability:
    """One mechanism here: its isolation when it can run, else why not."""

    mechanism: str
    isolation: Isolation | None
    reason: str | None = None


def host_orchestra() -> str:
    """The orchestra package directory this process imported."""
    return os.path.realpath(Path(orchestra.__file__).parent)


def worker_orchestra() -> str | None:
    """The orchestra package directory an isolated interpreter (``python -I``) imports, else None."""
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as scratch:
        done = subprocess.run(
            [sys.executable, "-I", "-c", "import orchestra; print(orchestra.__file__)"],
            capture_output=True,
            text=True,
            cwd=scratch,
            timeout=60,
            check=False,
        )
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return os.path.realpath(Path(done.stdout.strip()).parent)


def mismatch() -> str | None:
    """Why workers would not run this process's orchestra, else None."""
    host, worker = host_orchestra(), worker_orchestra()
    if worker == host:
        return None
    return (
        f"the zygote (python -I) imports orchestra from {worker or 'nowhere'}, this process from {host} "
        "(run from the installed checkout)"
    )


def availability(mechanism: str, limits: Limits, skew: str | None) -> Availability:
    """Whether ``mechanism`` can run here under ``limits``.

    Args:
        mechanism: ``bubblewrap`` or ``rlimits``.
        limits: The limits its workers get (bubblewrap's command line depends on them).
        skew: :func:`mismatch`'s answer, asked once.

    Returns:
        The availability; rlimits always runs (with the installed copy's code when ``skew``).
    """
    if mechanism == "rlimits":
        return Availability(mechanism, choose("rlimits", limits))
    isolation = choose("auto", limits)
    if isolation.mechanism != "bubblewrap":
        return Availability(mechanism, None, isolation.reason or "bubblewrap is not available")
    if skew is not None:
        return Availability(mechanism, None, f"bubblewrap's zygote cannot start: {skew}")
    return Availability(mechanism, isolation)
