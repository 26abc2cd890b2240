"""A side's figures from its records: the numbers the tables show and the targets compare.

Means over the side's beats (or runs), medians beside them; a beat that did not complete still
counts in the valid-decision rate (as not valid) and in the time figures (its wall time was spent),
but has no tokens to add. Prompt tokens come two ways: orchestra's own count (root and layers, from
the beat's JSON) and the server's (every prompt token it was sent during the process, from its
log), which also sees calls orchestra's trace does not attribute to an agent.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from benchmarks.real_model.records import BeatRecord, RunRecord
from benchmarks.real_model.suite import SideResult


def mean(values: Sequence[float | int | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    present = [float(value) for value in values if value is not None]
    return round(statistics.fmean(present), 3) if present else None


def median(values: Sequence[float | int | None]) -> float | None:
    """The median of the values that are not None; None when there are none."""
    present = [float(value) for value in values if value is not None]
    return round(statistics.median(present), 3) if present else None


def rate(hits: int, total: int) -> float | None:
    """``hits / total`` rounded, None for an empty total."""
    return round(hits / total, 4) if total else None


def beat_summary(beats: Sequence[BeatRecord]) -> dict[str, Any]:
    """The beats' figures: valid-decision rate, fallback reasons, steps, tokens, DECIDE seconds."""
    valid = sum(1 for beat in beats if beat.valid)
    reasons = Counter(beat.reason_kind for beat in beats if not beat.valid)
    sources = sorted({beat.decide_source for beat in beats})
    return {
        "beats": len(beats),
        "valid": valid,
        "valid_rate": rate(valid, len(beats)),
        "fallback_reasons": dict(reasons.most_common()),
        "root_steps_mean": mean([beat.root_steps for beat in beats if beat.completed]),
        "prompt_tokens_mean": mean([beat.prompt_tokens for beat in beats if beat.completed]),
        "root_prompt_tokens_mean": mean([beat.root_prompt_tokens for beat in beats if beat.completed]),
        "layer_prompt_tokens_mean": mean([beat.layer_prompt_tokens for beat in beats if beat.completed]),
        "server_prompt_tokens_mean": mean([beat.server.get("prompt_tokens") for beat in beats]),
        "server_requests_mean": mean([beat.server.get("requests") for beat in beats]),
        "decide_s_mean": mean([beat.decide_s for beat in beats]),
        "decide_s_p50": median([beat.decide_s for beat in beats]),
        "decide_source": "+".join(sources) if sources else None,
        "wall_s_mean": mean([beat.wall_s for beat in beats]),
    }


def run_summary(runs: Sequence[RunRecord]) -> dict[str, Any]:
    """The runs' figures: how many answered, steps, tokens, seconds."""
    ok = sum(1 for run in runs if run.ok)
    return {
        "runs": len(runs),
        "ok": ok,
        "ok_rate": rate(ok, len(runs)),
        "root_steps_mean": mean([run.root_steps for run in runs]),
        "prompt_tokens_mean": mean([run.prompt_tokens for run in runs if run.exit_code is not None]),
        "server_prompt_tokens_mean": mean([run.server.get("prompt_tokens") for run in runs]),
        "seconds_mean": mean([run.seconds if run.seconds is not None else run.wall_s for run in runs]),
        "errors": dict(Counter((run.error or "")[:80] for run in runs if not run.ok).most_common()),
    }


def summarize(result: SideResult) -> dict[str, Any]:
    """A side's whole summary: beats, runs, deadline check and cache hit rates."""
    deadline = result.deadline
    return {
        "beats": beat_summary(result.beats),
        "runs": run_summary(result.runs),
        "deadline": deadline.to_dict() if deadline is not None else None,
        "cache_hit_rate": result.measured_cache.hit_rate and round(result.measured_cache.hit_rate, 4),
        "cache_hit_rate_whole_log": result.cache.hit_rate and round(result.cache.hit_rate, 4),
        "cache": result.measured_cache.to_dict(),
    }
