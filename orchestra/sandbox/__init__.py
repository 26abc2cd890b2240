"""Where agent code runs: a sandbox worker process by default, or a guarded in-process interpreter.

- :mod:`~orchestra.sandbox.executor`: :class:`SandboxExecutor`, the host side of a worker;
- :mod:`~orchestra.sandbox.process`: one worker process (start, talk, kill);
- :mod:`~orchestra.sandbox.worker`: the worker's own loop (``python -m orchestra.sandbox.worker``);
- :mod:`~orchestra.sandbox.isolation`: bubblewrap, or OS limits only, and what each protects;
- :mod:`~orchestra.sandbox.limits`: the limits and the rlimits that enforce them;
- :mod:`~orchestra.sandbox.guard`: smolagents' interpreter with its known holes closed;
- :mod:`~orchestra.sandbox.protocol`: the JSON frames between the two.
"""

from orchestra.sandbox.executor import SandboxExecutor
from orchestra.sandbox.guard import GuardedExecutor
from orchestra.sandbox.isolation import PROTECTIONS, Isolation, IsolationUnavailable, choose
from orchestra.sandbox.limits import Limits
from orchestra.sandbox.process import close_all

__all__ = [
    "PROTECTIONS",
    "GuardedExecutor",
    "Isolation",
    "IsolationUnavailable",
    "Limits",
    "SandboxExecutor",
    "choose",
    "close_all",
]
