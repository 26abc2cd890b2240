"""Metacognition as a control signal: a layer's reported confidence changes what the beat does.

The metacognitive layer ends its report with ``confidence: X``. A policy in the config
(``root.metacognition``) acts when X is below a threshold, at the moment the root receives that
report: ask a named layer again (its new report goes to the root with the first), switch the
root and the layers to a stronger profile for the rest of the beat, or make the beat rest. Each
time the policy fires, an event says what it saw and what it did, and the record keeps it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from orchestra.config.schema import MetacognitionConfig

_CONFIDENCE = re.compile(r"(?im)^[\W_]*confidence[\W_]*[:=]\s*(\d*\.?\d+)")


def reported_confidence(answer: Any) -> float | None:
    """The confidence a report states (its last ``confidence: X`` line, or a ``confidence`` key).

    Returns:
        X clipped to [0, 1], or None when the report states none.
    """
    if isinstance(answer, dict) and isinstance(answer.get("confidence"), int | float):
        value = float(answer["confidence"])
    else:
        found = _CONFIDENCE.findall(str(answer or ""))
        if not found:
            return None
        value = float(found[-1])
    return min(1.0, max(0.0, value))


@dataclass(kw_only=True)
class MetacognitionEvent:
    """One firing of the policy."""

    layer: str
    """The layer whose confidence triggered it."""
    confidence: float
    """What it reported."""
    below: float
    """The threshold."""
    then: str
    """requery, escalate or rest."""
    did: str
    """What happened, in words."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for records."""
        return asdict(self)


class MetacognitionPolicy:
    """Decides whether a report's confidence calls for the configured action."""

    def __init__(self, config: MetacognitionConfig) -> None:
        self.config = config

    def fires(self, layer: str, answer: Any) -> float | None:
        """The reported confidence when ``layer`` is the watched one and it is below the threshold."""
        if layer != self.config.layer:
            return None
        confidence = reported_confidence(answer)
        if confidence is None or confidence >= self.config.below:
            return None
        return confidence

    def event(self, confidence: float, did: str) -> MetacognitionEvent:
        """The record of one firing."""
        return MetacognitionEvent(
            layer=self.config.layer,
            confidence=confidence,
            below=self.config.below,
            then=self.config.then,
            did=did,
        )

    def requery_task(self, task: str, confidence: float) -> str:
        """The task of the layer asked again."""
        return (
            f"{task}\n\nThe {self.config.layer} layer's confidence in the current picture is {confidence:g} "
            f"(below {self.config.below:g}). Look again, more carefully, and say what is uncertain."
        )
