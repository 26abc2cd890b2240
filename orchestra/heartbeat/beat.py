"""The heartbeat: initialize → observe → orient → DECIDE (the root CodeAgent) → act → record.

One :class:`Heartbeat` owns the hierarchy (built once), the services and the journal. A beat is
journaled as ``running`` before it does anything and ``completed`` with its full record after
everything it learned is in the store; a beat still ``running`` at the next start was cut short
(crash, kill) and is marked ``aborted``. DECIDE (:mod:`orchestra.heartbeat.decide`) is the root
CodeAgent with the layers, ending in a checked :class:`~orchestra.heartbeat.decision.Decision`
or, with ``root.structured_decision``, in notes a structured call turns into one. Without a valid
decision (no language model, an invalid answer, the deadline) the legacy procedural policy
decides and the record says ``fallback: true`` and why.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from orchestra.agents.executors import prestart
from orchestra.agents.hierarchy import Hierarchy
from orchestra.agents.tool_calls import ToolCallLog, truncate
from orchestra.config import Config
from orchestra.heartbeat.actions import ActReport, act
from orchestra.heartbeat.decide import Decider
from orchestra.heartbeat.decision import (
    Decision,
    check_decision,
)
from orchestra.heartbeat.procedural import procedural_decision
from orchestra.models import ModelFactory
from orchestra.services.surface import CognitiveServices
from orchestra.store.dialect_sql import json_is_true
from orchestra.tools.sources import ToolContext, load_tool_sources

log = structlog.get_logger(__name__)

SERVICE_TIMEOUT_S = 30.0
"""Bound on any one service call the heartbeat itself makes."""


MAX_RECORD_CHARS = 256 * 1024
"""Largest journal record of one beat; past it, its longest texts are cut and the cut is said."""


def bounded_record(record: dict[str, Any], limit: int = MAX_RECORD_CHARS) -> str:
    """``record`` as JSON of at most about ``limit`` characters: its strings are cut (each says how
    much it lost), shorter until it fits, so one runaway field cannot make a beat's row huge."""
    text = json.dumps(record, default=str)
    keep = 4096
    while len(text) > limit and keep >= 64:
        cut = _cut_strings(record, keep)
        cut["record_cut"] = f"the record held {len(json.dumps(record, default=str)):,} characters; texts cut"
        text = json.dumps(cut, default=str)
        keep //= 4
    if len(text) > limit:
        return json.dumps({"beat": record.get("beat"), "record_cut": "the record was too large to keep"})
    return text


def _cut_strings(value: Any, keep: int) -> Any:
    if isinstance(value, str):
        return truncate(value, keep)
    if isinstance(value, dict):
        return {key: _cut_strings(item, keep) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_cut_strings(item, keep) for item in value]
    return value


@dataclass(kw_only=True)
class BeatResult:
    """What one beat did; ``to_dict`` is the ``--json`` output and the journal record."""

    beat: int | None
    status: str
    """completed, paused."""
    decision: dict[str, Any] | None = None
    actions: dict[str, Any] = field(default_factory=dict)
    tools_used: list[str] = field(default_factory=list)
    energy: dict[str, int | None] = field(default_factory=dict)
    layers: list[dict[str, Any]] = field(default_factory=list)
    fallback: bool = False
    fallback_reason: str | None = None
    seconds: float = 0.0
    narrative: str | None = None
    observation: dict[str, Any] = field(default_factory=dict)
    trace: list[dict[str, Any]] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    """Beats found cut short (still 'running') and marked aborted at this start."""
    decide_seconds: float = 0.0
    """Wall time of DECIDE (the root, its layers and a structured decision call)."""
    structured_decision: dict[str, Any] | None = None
    """The structured-output call that wrote the decision, with ``root.structured_decision``."""
    metacognition: list[dict[str, Any]] = field(default_factory=list)
    """What the metacognition policy did (``root.metacognition``)."""
    store: str | None = None
    """The store the beat read and wrote: a file, or a URL without its password (a typo shows)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data, JSON-ready."""
        return {
            "beat": self.beat,
            "status": self.status,
            "store": self.store,
            "decision": self.decision,
            "actions": self.actions,
            "tools_used": self.tools_used,
            "energy": self.energy,
            "layers": self.layers,
            "fallback": self.fallback,
            "fallback_reason": self.fallback_reason,
            "seconds": round(self.seconds, 4),
            "narrative": self.narrative,
            "observation": self.observation,
            "recovered": self.recovered,
            "decide_seconds": round(self.decide_seconds, 4),
            "structured_decision": self.structured_decision,
            "metacognition": self.metacognition,
            "trace": self.trace,
        }


class Heartbeat:
    """Runs beats against one config: agents, tools and store are built once and reused."""

    def __init__(self, config: Config, *, model_factory: ModelFactory | None = None) -> None:
        """Build the hierarchy and open the services; recover beats a crash left running.

        Args:
            config: a loaded config (its ``heartbeat`` section sets deadline and energy rule).
            model_factory: overrides the models (tests script them).
        """
        self.config = config
        prestart(config)
        self.context = ToolContext(config)
        self.services: CognitiveServices = self.context.services()
        self.tool_log = ToolCallLog()
        registry = load_tool_sources(config, context=self.context)
        try:
            self.hierarchy = Hierarchy(
                config,
                model_factory=model_factory,
                registry=registry,
                tool_log=self.tool_log,
                root_checks=[] if config.root.structured_decision else [check_decision],
            )
        except BaseException:
            registry.close()
            raise
        self.registry = registry
        self.decider = Decider(config, self.hierarchy, self.tool_log)
        self._recovered = self._recover()

    # ------------------------------------------------------------------------------ helpers

    def _run(self, coroutine: Any) -> Any:
        return self.context.loop().run(coroutine, SERVICE_TIMEOUT_S, what="heartbeat service call")

    def _recover(self) -> list[int]:
        """Mark beats left 'running' by a crash as aborted; their writes stay, nothing is redone."""
        with self.services.store.transaction() as conn:
            rows = conn.execute(
                "SELECT beat FROM beat_journal WHERE mind = :mind AND status = 'running'"
            ).fetchall()
            conn.execute(
                "UPDATE beat_journal SET status = 'aborted', finished_at = ?, "
                "note = 'interrupted before it finished; found at the next start' WHERE mind = "
                ":mind AND status = 'running'",
                (time.time(),),
            )
        aborted = [int(row[0]) for row in rows]
        if aborted:
            log.warning("heartbeat_recovered", aborted_beats=aborted)
        return aborted

    # ------------------------------------------------------------------------------ the beat

    def beat(self) -> BeatResult:
        """Run one beat through all six phases and return what it did."""
        started = time.monotonic()
        # 1. initialize
        if self._run(self.services.heartbeat.is_paused()):
            status = self._run(self.services.get_heartbeat_status())
            return BeatResult(
                beat=None,
                status="paused",
                fallback_reason=status.get("pause_reason"),
                store=self.services.store.location.shown,
            )
        wall_start = time.time()
        with self.services.store.transaction() as conn:
            beat = int(
                conn.execute(
                    "INSERT INTO beat_journal(mind, status, started_at) VALUES (:mind, "
                    "'running', ?) RETURNING beat",
                    (wall_start,),
                ).fetchone()[0]
            )
        energy_now = self._run(self.services.energy.regenerate())
        self.tool_log.clear()
        # 2. observe
        observation, recent = self._observe(beat, energy_now)
        # 3. orient
        orientation = self._orient(observation, recent)
        # 4. decide
        goal_ids = [goal["goal_id"] for goal in orientation["goals"].get("goals", [])]
        decided = self.decider.decide(observation, orientation, energy_now, goal_ids)
        fallback_reason = decided.fallback_reason
        decision = decided.decision or self._fallback(fallback_reason or "no decision")
        cycle = decided.cycle
        # 5. act
        report: ActReport = self._run(
            act(self.services, decision, beat=beat, rest_below=self.config.heartbeat.rest_below)
        )
        # 6. record
        result = BeatResult(
            beat=beat,
            status="completed",
            store=self.services.store.location.shown,
            decision=decision.model_dump(),
            actions=report.to_dict(),
            tools_used=sorted({record.tool for record in self.tool_log.records()}),
            energy={
                "before": report.energy_before,
                "after": report.energy_after,
                "regenerated_to": energy_now,
            },
            layers=[layer.to_dict() for layer in cycle.layers] if cycle else [],
            fallback=fallback_reason is not None,
            fallback_reason=fallback_reason,
            observation=observation,
            trace=decided.trace,
            decide_seconds=decided.seconds,
            structured_decision=decided.structured.to_dict() if decided.structured else None,
            metacognition=[event.to_dict() for event in cycle.metacognition] if cycle else [],
            recovered=self._recovered,
        )
        self._recovered = []
        result.narrative = _narrative(beat, decision, report, fallback_reason)
        result.seconds = time.monotonic() - started
        self._record(result, wall_start, report)
        return result

    def _observe(self, beat: int, energy: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The snapshot, and the last 24 h of memories (newest first) that ORIENT reuses."""
        services = self.services
        counts = self._run(services.goals.counts())
        recent = self._run(services.memory.recent(24.0, 100))
        last_user = services.store.query_one(
            "SELECT max(coalesce(ended_at, started_at)) FROM journey_sessions WHERE mind = :mind"
        )
        since_user = time.time() - float(last_user[0]) if last_user and last_user[0] else None
        snapshot: dict[str, Any] = {
            "beat": beat,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "energy": energy,
            "goal_counts": counts,
            "memories_last_24h": len(recent),
            "user_present": since_user is not None and since_user < 15 * 60,
            "seconds_since_user": round(since_user) if since_user is not None else None,
        }
        predictions = []
        limit = self.config.heartbeat.predicting_models
        if limit:
            listed = self._run(services.list_mental_models(limit=50))["models"]
            usable = [model for model in listed if model["status"] != "deprecated"][:limit]
            for model in usable:
                try:
                    predictions.append(
                        self._run(services.generate_prediction(model["model_id"], {"snapshot": snapshot}))
                    )
                except Exception as error:  # one model's failure must not stop the beat
                    log.info("prediction_failed", model=model.get("model_id"), error=str(error))
        snapshot["predictions"] = len(predictions)
        return snapshot, recent

    def _orient(self, observation: dict[str, Any], recent: list[dict[str, Any]]) -> dict[str, Any]:
        services = self.services
        goals = self._run(services.list_goals(limit=10))
        resolved = []
        for prediction in self._run(
            services.mental_models.pending_predictions(self.config.heartbeat.resolve_predictions)
        ):
            error = _prediction_error(prediction, observation)
            try:
                resolved.append(
                    self._run(
                        services.mental_models.resolve_prediction(
                            prediction["prediction_id"], observation, error
                        )
                    )
                )
            except Exception as failure:
                log.info(
                    "prediction_not_resolved", prediction=prediction.get("prediction_id"), error=str(failure)
                )
        identity = services.store.query(
            f"SELECT content FROM memories WHERE mind = :mind AND "
            f"{json_is_true(services.store.dialect, 'metadata', 'identity')} "
            "ORDER BY importance DESC, created_at DESC LIMIT 5"
        )
        last = services.store.query_one(
            "SELECT narrative FROM heartbeats WHERE mind = :mind ORDER BY seq DESC LIMIT 1"
        )
        return {
            "goals": goals,
            "resolved_predictions": len(resolved),
            "recent_memories": [memory["content"] for memory in recent[:10]],
            "identity_memories": [row[0] for row in identity],
            "last_narrative": last[0] if last else None,
        }

    # ------------------------------------------------------------------------------ record

    def _record(self, result: BeatResult, wall_start: float, report: ActReport) -> None:
        services = self.services
        executed = [outcome.to_dict() for outcome in report.executed]
        self._run(
            services.heartbeat.record_beat(
                started_at=wall_start,
                finished_at=time.time(),
                energy_before=report.energy_before,
                energy_after=report.energy_after,
                actions=executed,
                narrative=result.narrative,
            )
        )
        self._run(
            services.create_memory(
                result.narrative or "",
                memory_type="episodic",
                importance=0.3,
                metadata={"kind": "heartbeat", "beat": result.beat, "fallback": result.fallback},
            )
        )
        for goal_id in report.touched_goal_ids:
            try:
                self._run(
                    services.update_goal(goal_id, "add_progress", note=f"touched by beat {result.beat}")
                )
            except Exception as error:
                log.info("goal_touch_failed", goal=goal_id, error=str(error))
        with services.store.transaction() as conn:
            conn.execute(
                "UPDATE beat_journal SET status = 'completed', finished_at = ?, record = ? "
                "WHERE mind = :mind AND beat = ?",
                (time.time(), bounded_record(result.to_dict()), result.beat),
            )

    def _fallback(self, reason: str) -> Decision:
        log.warning("decide_fallback", reason=reason)
        decision: Decision = self._run(procedural_decision(self.services, reason=reason))
        return decision

    def close(self) -> None:
        """Stop the decide thread, agents, tool sources and services."""
        self.decider.close()
        self.hierarchy.close()
        self.registry.close()

    def __enter__(self) -> Heartbeat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _prediction_error(prediction: dict[str, Any], observation: dict[str, Any]) -> float:
    """How far the observed snapshot is from the one the prediction was made on (0..1).

    Each numeric field the two snapshots share contributes its relative change; a prediction
    made on an identical world has error 0.
    """
    made_on = (prediction.get("context") or {}).get("snapshot") or {}
    diffs = []
    for key, value in observation.items():
        before = made_on.get(key)
        if isinstance(value, int | float) and isinstance(before, int | float) and key not in ("beat",):
            scale = max(abs(value), abs(before), 1.0)
            diffs.append(min(1.0, abs(value - before) / scale))
    return round(sum(diffs) / len(diffs), 4) if diffs else 0.5


def _narrative(beat: int, decision: Decision, report: ActReport, fallback_reason: str | None) -> str:
    done = ", ".join(outcome.action for outcome in report.executed) or "nothing"
    skipped = ", ".join(f"{outcome.action} ({outcome.reason})" for outcome in report.skipped)
    text = f"Beat {beat}: {decision.reasoning.strip()[:300]} Did: {done}."
    if skipped:
        text += f" Skipped: {skipped}."
    text += f" Energy {report.energy_before} -> {report.energy_after}."
    if fallback_reason:
        text += f" Decided by the procedural fallback because {fallback_reason}."
    return text
