"""Issue 10's targets, checked against the two sides' summaries: ratio after/before, met or missed.

A target with a missing figure (a side measured nothing of it) is ``met: None`` and says so; the
valid-decision target is absolute (after >= 80 %), the token and DECIDE targets are ratios to the
before side on the same model and server, the deadline target is absolute seconds on the after side.
Prompt tokens per beat are the server's count (every prompt token the model was sent during the
beat's process: root, layers, and a decision call outside the agents), the same instrument on both
sides; orchestra's own count is in the tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

VALID_RATE_MIN = 0.8
TOKENS_RATIO_MAX = 0.5
DECIDE_RATIO_MAX = 0.3
EXIT_AFTER_DEADLINE_MAX_S = 1.0


@dataclass(frozen=True, kw_only=True)
class Target:
    """One target: its goal, the two sides' figures, the ratio, and whether it was met."""

    name: str
    goal: str
    before: float | None
    after: float | None
    ratio: float | None
    """after / before, None when either is missing or before is 0."""
    met: bool | None
    """None when a figure is missing."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON file."""
        return asdict(self)

    @property
    def verdict(self) -> str:
        """met, missed or not measured."""
        return "not measured" if self.met is None else "met" if self.met else "missed"


def ratio(after: float | None, before: float | None) -> float | None:
    """``after / before`` rounded to 3 places; None when either is missing or ``before`` is 0."""
    if after is None or before is None or before == 0:
        return None
    return round(after / before, 3)


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def check_targets(before: dict[str, Any], after: dict[str, Any]) -> list[Target]:
    """The four targets from the two sides' summaries (:func:`benchmarks.real_model.summary.summarize`).

    Returns:
        valid decisions, prompt tokens per beat, DECIDE seconds, exit after the deadline; in that order.
    """
    b_beats, a_beats = before["beats"], after["beats"]
    valid_b, valid_a = b_beats["valid_rate"], a_beats["valid_rate"]
    tokens_b, tokens_a = b_beats["server_prompt_tokens_mean"], a_beats["server_prompt_tokens_mean"]
    decide_b, decide_a = b_beats["decide_s_mean"], a_beats["decide_s_mean"]
    tokens_ratio, decide_ratio = ratio(tokens_a, tokens_b), ratio(decide_a, decide_b)
    exit_b = (before.get("deadline") or {}).get("exit_after_json_s")
    exit_a = (after.get("deadline") or {}).get("exit_after_json_s")
    return [
        Target(
            name="valid-decisions",
            goal=f"valid decisions in >= {VALID_RATE_MIN:.0%} of beats with constrained decisions on",
            before=valid_b,
            after=valid_a,
            ratio=ratio(valid_a, valid_b),
            met=None if valid_a is None else valid_a >= VALID_RATE_MIN,
        ),
        Target(
            name="prompt-tokens",
            goal=f"prompt tokens per beat <= {TOKENS_RATIO_MAX}x before's on the same model",
            before=tokens_b,
            after=tokens_a,
            ratio=tokens_ratio,
            met=_at_most(tokens_ratio, TOKENS_RATIO_MAX),
        ),
        Target(
            name="decide-wall",
            goal=f"DECIDE seconds against the single-slot server <= {DECIDE_RATIO_MAX}x before's",
            before=decide_b,
            after=decide_a,
            ratio=decide_ratio,
            met=_at_most(decide_ratio, DECIDE_RATIO_MAX),
        ),
        Target(
            name="deadline-exit",
            goal=f"process exits within {EXIT_AFTER_DEADLINE_MAX_S:g} s of its deadline answer (after)",
            before=exit_b,
            after=exit_a,
            ratio=ratio(exit_a, exit_b),
            met=_at_most(exit_a, EXIT_AFTER_DEADLINE_MAX_S),
        ),
    ]
