"""The heartbeat: one beat is initialize → observe → orient → DECIDE → act → record.

``beat`` runs the six phases, ``decision`` is what DECIDE must produce, ``actions`` executes it
within the energy left, ``procedural`` decides when no model can, ``scheduler`` beats on a clock.
"""

from orchestra.heartbeat.actions import ActReport, act
from orchestra.heartbeat.beat import SERVICE_TIMEOUT_S, BeatResult, Heartbeat
from orchestra.heartbeat.decision import (
    DECISION_FORMAT,
    Decision,
    GoalChange,
    PlannedAction,
    check_decision,
    parse_decision,
)
from orchestra.heartbeat.procedural import procedural_decision
from orchestra.heartbeat.scheduler import next_beat_delay, parse_duration, run_schedule

__all__ = [
    "DECISION_FORMAT",
    "SERVICE_TIMEOUT_S",
    "ActReport",
    "BeatResult",
    "Decision",
    "GoalChange",
    "Heartbeat",
    "PlannedAction",
    "act",
    "check_decision",
    "next_beat_delay",
    "parse_decision",
    "parse_duration",
    "procedural_decision",
    "run_schedule",
]
