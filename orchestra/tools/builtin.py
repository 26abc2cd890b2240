"""Built-in in-process tools that need no services: the sensorimotor layer's view of its machine."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from smolagents import Tool, tool

from orchestra.tools.sources import ToolContext

_STARTED = time.monotonic()


@tool
def observe_environment() -> dict:
    """Read the environment right now: local and UTC time, weekday, machine load and memory.

    Returns:
        dict: utc and local ISO times, weekday, hour, load averages per core, available memory in MiB
        (when the OS reports it), and seconds since this process started.
    """
    now = datetime.now(UTC)
    local = now.astimezone()
    cores = os.cpu_count() or 1
    try:
        load1, load5, _ = os.getloadavg()
    except OSError:
        load1 = load5 = float("nan")
    return {
        "utc": now.isoformat(timespec="seconds"),
        "local": local.isoformat(timespec="seconds"),
        "weekday": local.strftime("%A"),
        "hour": local.hour,
        "cores": cores,
        "load_per_core_1m": round(load1 / cores, 3),
        "load_per_core_5m": round(load5 / cores, 3),
        "memory_available_mib": _available_memory_mib(),
        "platform": platform.system(),
        "uptime_s": round(time.monotonic() - _STARTED, 1),
    }


def _available_memory_mib() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def provide_tools(context: ToolContext) -> Iterable[Tool]:
    """The built-in tools."""
    return [observe_environment]
