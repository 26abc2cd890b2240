"""Keep beating: every interval plus jitter, never right after a user session, stop cleanly.

The first Ctrl-C (or SIGTERM) lets the current beat finish and then exits; pausing is read
from the store at every beat, so ``pause_heartbeat`` over MCP reaches a running scheduler.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import structlog

from orchestra.config.durations import parse_duration as parse_duration  # re-exported: its old home
from orchestra.heartbeat.beat import BeatResult, Heartbeat

log = structlog.get_logger(__name__)



def next_beat_delay(
    every_s: float,
    jitter_s: float,
    *,
    seconds_since_user: float | None,
    cooldown_s: float,
    rng: random.Random,
) -> float:
    """Seconds to wait: interval plus jitter, stretched to honour the cool-down after a user session."""
    delay = every_s + rng.uniform(0, jitter_s)
    if seconds_since_user is not None:
        delay = max(delay, cooldown_s - seconds_since_user)
    return delay


def run_schedule(
    heartbeat: Heartbeat,
    *,
    every_s: float,
    jitter_s: float,
    cooldown_s: float,
    stop: threading.Event,
    on_beat: Callable[[BeatResult], None],
    on_wait: Callable[[float], None] | None = None,
    max_beats: int | None = None,
    seed: int | None = None,
) -> int:
    """Beat until ``stop`` is set (or ``max_beats``); returns the number of beats run.

    ``on_wait(seconds)`` is told each wait before it starts (the CLI says when the next beat is).
    """
    rng = random.Random(seed)
    beats = 0
    while not stop.is_set():
        result = heartbeat.beat()
        on_beat(result)
        beats += 1
        if max_beats is not None and beats >= max_beats:
            break
        since_user = result.observation.get("seconds_since_user") if result.observation else None
        delay = next_beat_delay(
            every_s, jitter_s, seconds_since_user=since_user, cooldown_s=cooldown_s, rng=rng
        )
        log.info("next_beat", in_s=round(delay, 1), at=time.time() + delay)
        if on_wait is not None:
            on_wait(delay)
        stop.wait(delay)
    return beats
