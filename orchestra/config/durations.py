"""Durations as researchers write them in a config or on the command line: ``1h``, ``5m``, ``30s``.

In the config room so ``heartbeat.every`` and ``heartbeat.jitter`` are checked when the config
loads (``validate`` refuses ``every: banana``), not when the scheduler first needs them.
"""

from __future__ import annotations

import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)?")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, None: 1.0}


def parse_duration(text: str) -> float:
    """Seconds in ``1h``, ``5m``, ``30s``, ``1h30m``, ``250ms`` or a plain number of seconds.

    Raises:
        ValueError: for anything else.
    """
    stripped = text.strip().lower()
    position, total = 0, 0.0
    for match in _DURATION.finditer(stripped):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not stripped or position != len(stripped):
        raise ValueError(f"invalid duration {text!r}; write e.g. 1h, 5m, 30s, 1h30m")
    return total
