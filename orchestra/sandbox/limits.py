"""What one sandbox worker may use, and the OS limits that hold it to that.

The worker applies the limits to itself once its imports are done and before it reads any agent
code, soft and hard alike, so code that breaks out of the interpreter cannot raise them again.
"""

from __future__ import annotations

import resource
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Per-worker limits (``agents.limits`` in the config)."""

    wall_s: float | None = 30.0
    """Seconds one code step may run in the worker, not counting its tool and layer calls."""
    cpu_s: float = 60.0
    """CPU seconds one run's code may use (the worker serves one run)."""
    memory_mb: int = 512
    """Memory the code may add to the worker's own, in MiB (address space)."""
    output_kb: int = 64
    """What a step's printed output and result may hold before it reaches a prompt, in KiB."""
    processes: int = 16
    """Processes and threads the worker may have at once."""
    open_files: int = 64
    """Files and sockets the worker may have open at once."""
    scratch_mb: int = 64
    """Size of the worker's scratch directory and of any file it writes, in MiB."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for the worker's command line."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        """The inverse of :meth:`to_dict`."""
        return cls(**data)


def cut_output(text: str, limit_chars: int) -> str:
    """``text`` within ``limit_chars``, saying what was cut and which limit did it (the worker cuts
    what it sends, the host again what it takes: a worker may have escaped its interpreter)."""
    if len(text) <= limit_chars:
        return text
    cut = len(text) - limit_chars
    return text[:limit_chars] + f"\n[... {cut} more characters cut: agents.limits.output_kb]"


def _address_space_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply(limits: Limits) -> dict[str, int]:
    """Hold this process to ``limits`` from now on; returns the values set, by rlimit name.

    Address space and CPU are counted from what the process already uses, so the allowance is
    the code's own whatever the interpreter and its imports took.
    """
    used_cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used_cpu.ru_utime + used_cpu.ru_stime + limits.cpu_s) + 1
    values = {
        "RLIMIT_CPU": cpu,
        "RLIMIT_AS": _address_space_bytes() + limits.memory_mb * 1024 * 1024,
        "RLIMIT_NOFILE": limits.open_files,
        "RLIMIT_NPROC": limits.processes,
        "RLIMIT_FSIZE": limits.scratch_mb * 1024 * 1024,
        "RLIMIT_CORE": 0,
    }
    for name, value in values.items():
        # CPU: SIGXCPU (a named cause) at the soft limit, SIGKILL a second later if it is caught
        hard = value + 1 if name == "RLIMIT_CPU" else value
        resource.setrlimit(getattr(resource, name), (value, hard))
    return values
