"""Which isolation mechanisms can run here, and why one cannot."""

from __future__ import annotations

from dataclasses import dataclass

from orchestra.sandbox import Isolation, Limits, choose

MECHANISMS = ("bubblewrap", "rlimits")
"""Every isolation mechanism, in report order."""


@dataclass(frozen=True)
class Availability:
    """One mechanism here: its isolation when it can run, else why not."""

    mechanism: str
    isolation: Isolation | None
    reason: str | None = None


def availability(mechanism: str, limits: Limits) -> Availability:
    """Whether ``mechanism`` can run here under ``limits``.

    Args:
        mechanism: ``bubblewrap`` or ``rlimits``.
        limits: The limits its workers get (bubblewrap's command line depends on them).

    Returns:
        The availability; rlimits always runs.
    """
    if mechanism == "rlimits":
        return Availability(mechanism, choose("rlimits", limits))
    isolation = choose("auto", limits)
    if isolation.mechanism != "bubblewrap":
        return Availability(mechanism, None, isolation.reason or "bubblewrap is not available")
    return Availability(mechanism, isolation)
