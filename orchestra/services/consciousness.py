"""Consciousness: active-inference metrics and coherence, derived from stored state.

Evidence is the last ``WINDOW`` resolved predictions (errors e_i in 0..1), the latest
belief per domain, and the basin landscape. Every metric carries a weak prior worth
one observation, so it is defined (and moves with evidence) from the first call:

* prediction_error = (sum e_i + 0.5) / (n + 1)
* surprise = (sum -ln(max(1 - e_i, 0.01)) + ln 2) / (n + 1)  (nats; ln 2 = a coin flip)
* precision = 1 - 4 var, var = (n var_sample + 1/12) / (n + 1)  (1 = errors perfectly
  consistent; 1/12 is the variance of a uniform error)
* complexity = mean binary entropy H(confidence) of the latest belief per domain
  (ln 2 with no beliefs); free_energy = surprise + complexity
* spatial coherence = focus x peak: focus = 1 - normalised entropy of current basin
  activations (> 0.05), peak = the highest activation; 0 with no activation
* temporal coherence = smoothed mean stability of consecutive beliefs in a domain,
  stability = (1 - |confidence change|) x Jaccard overlap of the belief's key/values
* causal coherence = (predictions with error < 0.5 + 0.5) / (n + 1)
* consciousness_level = mean of the three coherences; label low < 0.4 <= moderate < 0.7 <= high
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, check_object, check_unit, dumps, iso, loads, new_id, now
from orchestra.services.basins import LIVE_STATES, BasinService
from orchestra.services.thoughtseeds import seed_view
from orchestra.store import Store

WINDOW = 50
_DOMAIN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _entropy(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def _items(belief: dict[str, Any]) -> set[str]:
    return {f"{k}={json.dumps(v, sort_keys=True)}" for k, v in belief.items()}


class ConsciousnessService:
    """Beliefs and the metrics computed over predictions, beliefs and basins.

    Args:
        store: the migrated store.
        basins: the basin service (landscape for spatial coherence).
    """

    def __init__(self, store: Store, basins: BasinService) -> None:
        self.store = store
        self.basins = basins

    async def update_belief(
        self, domain: str, belief: dict[str, Any], confidence: float = 0.5
    ) -> dict[str, Any]:
        """Record a belief in a domain; returns how it changed from the previous one.

        Raises:
            ServiceError: domain not a lower-case identifier, empty belief, confidence outside 0..1.
        """
        if not isinstance(domain, str) or not _DOMAIN.match(domain):
            raise ServiceError(
                "domain must be a lower-case identifier such as 'self', "
                f"'world', 'other' or 'user', got {domain!r}"
            )
        body = check_object("belief", belief)
        if not body:
            raise ServiceError("belief must be a non-empty JSON object")
        conf = check_unit("confidence", confidence)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                previous = conn.execute(
                    "SELECT * FROM beliefs WHERE mind = :mind AND domain = ? ORDER BY "
                    "created_at DESC, seq DESC LIMIT 1",
                    (domain,),
                ).fetchone()
                belief_id, at = new_id(), now()
                conn.execute(
                    "INSERT INTO beliefs(mind, id, domain, belief, confidence, created_at) "
                    "VALUES (:mind, ?, ?, ?, ?, ?)",
                    (belief_id, domain, dumps(body), conf, at),
                )
                count = conn.execute(
                    "SELECT count(*) FROM beliefs WHERE mind = :mind AND domain = ?", (domain,)
                ).fetchone()[0]
            stability = None
            if previous is not None:
                before, after = _items(loads(previous["belief"], {})), _items(body)
                overlap = len(before & after) / len(before | after) if before | after else 1.0
                stability = round((1 - abs(conf - previous["confidence"])) * overlap, 4)
            return {
                "belief_id": belief_id,
                "domain": domain,
                "belief": body,
                "confidence": conf,
                "previous_confidence": previous["confidence"] if previous else None,
                "stability": stability,
                "beliefs_in_domain": int(count),
                "created_at": iso(at),
            }

        return await blocking(write)

    def _errors(self) -> list[float]:
        rows = self.store.query(
            "SELECT error FROM predictions WHERE mind = :mind AND resolved_at IS NOT NULL "
            "ORDER BY resolved_at DESC LIMIT ?",
            (WINDOW,),
        )
        return [float(r[0]) for r in rows]

    def _coherence(self, errors: list[float], basins: list[dict[str, Any]]) -> dict[str, Any]:
        levels = [b["activation"] for b in basins if b["state"] != "inhibited" and b["activation"] > 0.05]
        if not levels:
            spatial = 0.0
        elif len(levels) == 1:
            spatial = levels[0]
        else:
            total = sum(levels)
            h = -sum((x / total) * math.log(x / total) for x in levels)
            spatial = (1 - h / math.log(len(levels))) * max(levels)
        stabilities: list[float] = []
        for (domain,) in self.store.query("SELECT DISTINCT domain FROM beliefs WHERE mind = :mind"):
            rows = self.store.query(
                "SELECT belief, confidence FROM beliefs WHERE mind = :mind AND domain = ? "
                "ORDER BY created_at DESC, seq DESC LIMIT 10",
                (domain,),
            )
            for newer, older in itertools.pairwise(rows):
                a, b = _items(loads(newer["belief"], {})), _items(loads(older["belief"], {}))
                overlap = len(a & b) / len(a | b) if a | b else 1.0
                stabilities.append((1 - abs(newer["confidence"] - older["confidence"])) * overlap)
        temporal = (sum(stabilities) + 0.5) / (len(stabilities) + 1)
        causal = (sum(1 for e in errors if e < 0.5) + 0.5) / (len(errors) + 1)
        level = (spatial + temporal + causal) / 3
        label = "high" if level >= 0.7 else "moderate" if level >= 0.4 else "low"
        return {
            "spatial_coherence": round(spatial, 4),
            "temporal_coherence": round(temporal, 4),
            "causal_coherence": round(causal, 4),
            "consciousness_level": round(level, 4),
            "consciousness_label": label,
            "evidence": {
                "active_basin_count": len(levels),
                "belief_transitions": len(stabilities),
                "resolved_predictions": len(errors),
            },
        }

    async def assess_coherence(self) -> dict[str, Any]:
        """Spatial, temporal and causal coherence and the derived consciousness level."""

        def read() -> dict[str, Any]:
            return self._coherence(self._errors(), self.basins.snapshot())

        return await blocking(read)

    async def state(self) -> dict[str, Any]:
        """Active-inference metrics, coherence, active basins and the workspace's dominant seed."""
        return await blocking(self._state)

    def _state(self) -> dict[str, Any]:
        errors = self._errors()
        n = len(errors)
        mean = sum(errors) / n if n else 0.0
        var_sample = sum((e - mean) ** 2 for e in errors) / n if n else 0.0
        variance = (n * var_sample + 1 / 12) / (n + 1)
        prediction_error = (sum(errors) + 0.5) / (n + 1)
        surprise = (sum(-math.log(max(1 - e, 0.01)) for e in errors) + math.log(2)) / (n + 1)
        latest = self.store.query(
            "SELECT b.domain, b.confidence FROM beliefs b WHERE b.mind = :mind AND b.seq = "
            "(SELECT b2.seq FROM beliefs b2 WHERE b2.mind = :mind AND b2.domain = b.domain "
            "ORDER BY b2.created_at DESC, b2.seq DESC LIMIT 1)"
        )
        complexity = sum(_entropy(r["confidence"]) for r in latest) / len(latest) if latest else math.log(2)
        basins = self.basins.snapshot()
        winner = self.store.query_one(
            "SELECT t.* FROM competitions c JOIN thoughtseeds t ON t.mind = c.mind AND t.id = c.winner_id "
            "WHERE c.mind = :mind ORDER BY c.created_at DESC LIMIT 1"
        )
        return {
            "prediction_error": round(prediction_error, 4),
            "surprise": round(surprise, 4),
            "precision": round(max(0.0, min(1.0, 1 - 4 * variance)), 4),
            "free_energy": round(surprise + complexity, 4),
            "complexity": round(complexity, 4),
            "coherence": self._coherence(errors, basins),
            "active_basins": [b for b in basins if b["state"] in LIVE_STATES][:10],
            "dominant_thoughtseed": seed_view(winner) if winner is not None else None,
            "beliefs": {r["domain"]: r["confidence"] for r in latest},
            "evidence": {"resolved_predictions": n, "belief_domains": len(latest), "basins": len(basins)},
        }
