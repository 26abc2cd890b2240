"""How a sandbox worker is started: inside bubblewrap where it can run, else as a bare process.

bubblewrap (Debian's ``bubblewrap``, the sandbox under Flatpak) gives the worker new user, PID,
network, IPC and UTS namespaces, an empty root with only the system's and Python's files bound
read-only, a small tmpfs as its scratch directory, no capabilities and no environment. Where it
is missing or cannot start (macOS, a container without user namespaces) the worker still runs out
of process with a clean environment, a scratch directory and OS limits, and the protections that
are off are said at startup (:attr:`Isolation.off`), never silently.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import structlog

from orchestra.sandbox import seccomp
from orchestra.sandbox.limits import Limits

log = structlog.get_logger(__name__)

IsolationMode = Literal["auto", "bubblewrap", "rlimits"]

SCRATCH = "/scratch"
"""The worker's working directory inside bubblewrap."""

PROTECTIONS = {
    "environment": "no environment variables of the host (API keys, store path)",
    "rlimits": "memory, CPU, processes, open files and file size are limited",
    "kill": "the worker's whole process tree is killed at its timeout",
    "network": "no network: a namespace of its own with nothing in it",
    "filesystem": "only the system's and Python's files, read-only; scratch is a small tmpfs",
    "processes": "no other process is visible or signalable (PID namespace)",
    "privileges": "no capabilities, no new user namespaces",
    "user": "an unprivileged user: cannot signal or write what belongs to the host's user",
    "no_fork": "no new processes or threads (a seccomp filter)",
}
"""Each protection the executor can give, and what it means."""


class IsolationUnavailable(Exception):
    """``agents.isolation: bubblewrap`` was asked for and bubblewrap cannot start here."""


@dataclass(frozen=True)
class Isolation:
    """The mechanism chosen for this process's workers and what it protects."""

    mechanism: Literal["bubblewrap", "rlimits"]
    prefix: tuple[str, ...] = ()
    """Command words before the worker's own (bubblewrap and its options)."""
    reason: str | None = None
    """Why bubblewrap is not used, when it is not."""
    on: tuple[str, ...] = field(default=("environment", "rlimits", "kill"))
    """Protections given; see :data:`PROTECTIONS`."""

    @property
    def off(self) -> tuple[str, ...]:
        """Protections this mechanism does not give (see :data:`PROTECTIONS`)."""
        return tuple(name for name in PROTECTIONS if name not in self.on)


def _python_paths() -> list[str]:
    """Directories the worker's interpreter needs: Python itself, the environment, orchestra."""
    paths = {
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.prefix),
        os.path.realpath(os.path.dirname(sys.executable)),
        str(Path(__file__).resolve().parents[1]),  # the orchestra package
    }
    system = ("/usr/",)
    return sorted(path for path in paths if not path.startswith(system) and os.path.isdir(path))


def bubblewrap_prefix(executable: str, limits: Limits) -> tuple[str, ...]:
    """bubblewrap's command line for one worker (see the module docstring for what it does)."""
    words = [
        executable,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--hostname",
        "sandbox",
    ]
    # the tmpfs mounts first: a later one would hide the binds below it (a checkout under /tmp)
    scratch_bytes = str(limits.scratch_mb * 1024 * 1024)
    words += ["--proc", "/proc", "--dev", "/dev"]
    words += ["--size", scratch_bytes, "--tmpfs", "/tmp", "--size", scratch_bytes, "--tmpfs", SCRATCH]
    words += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            words += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            words += ["--ro-bind", top, top]
    for path in _python_paths():
        words += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        words += ["--ro-bind-try", path, path]
    words += ["--chdir", SCRATCH, "--clearenv"]
    for name, value in worker_environment(SCRATCH).items():
        words += ["--setenv", name, value]
    return (*words, "--")


def worker_environment(home: str) -> dict[str, str]:
    """The whole environment a worker gets: nothing of the host's."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }


@functools.lru_cache(maxsize=8)
def _probe(executable: str, limits: Limits) -> str | None:
    """None when bubblewrap starts this Python with the worker's options and it sees this
    orchestra, else why not."""
    # Python starts and sees this orchestra's files (a bind that failed would hide them); importing
    # them would cost as much as the zygote's own start, which follows
    zygote = str(Path(__file__).resolve().parent / "zygote.py")
    check = "import os, sys; sys.exit(0 if os.path.isfile(sys.argv[1]) else 3)"
    command = [*bubblewrap_prefix(executable, limits), sys.executable, "-I", "-S", "-c", check, zygote]
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as failure:
        return f"bubblewrap did not start: {failure}"
    if done.returncode == 3:
        return "bubblewrap started, but this orchestra's files were not visible inside it"
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        return f"bubblewrap failed: {said[-1] if said else f'exit code {done.returncode}'}"
    return None


def choose(mode: IsolationMode, limits: Limits) -> Isolation:
    """The isolation for workers under ``limits``: bubblewrap when it can start (``auto``), always
    (``bubblewrap``, else :class:`IsolationUnavailable`), or never (``rlimits``)."""
    if mode == "rlimits":
        return _bare("agents.isolation is rlimits")
    reason: str | None
    if not sys.platform.startswith("linux"):
        reason = f"bubblewrap needs Linux (this is {sys.platform})"
    elif (executable := shutil.which("bwrap")) is None:
        reason = "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    else:
        reason = _probe(executable, limits)
        if reason is None:
            on = tuple(name for name in PROTECTIONS if name != "no_fork" or seccomp.supported())
            return Isolation("bubblewrap", prefix=bubblewrap_prefix(executable, limits), on=on)
    if mode == "bubblewrap":
        raise IsolationUnavailable(reason or "bubblewrap did not start")
    return _bare(reason)


def _bare(reason: str | None) -> Isolation:
    """A bare worker: started as root it becomes nobody (:mod:`~orchestra.sandbox.zygote`)."""
    on = (
        "environment",
        "rlimits",
        "kill",
        *(("user",) if os.getuid() == 0 else ()),
        *(("no_fork",) if seccomp.supported() else ()),
    )
    return Isolation("rlimits", reason=reason, on=on)
