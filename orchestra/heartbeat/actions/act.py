"""ACT: execute a heartbeat's decision through the cognitive services, within its energy.

With energy below ``rest_below`` (2) the beat rests and nothing else runs. Otherwise the plan
runs in order; the first action whose cost is more than the energy left is skipped together with
every later action, even cheaper ones. Energy is spent only when an action completes, so a failing
action (bad params or a service refusing) costs nothing and the walk goes on. Goal changes are
free and are applied after the actions, resting or not.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import structlog

from orchestra.errors import ServiceError
from orchestra.heartbeat.actions.registry import run_action
from orchestra.heartbeat.decision import Decision
from orchestra.services.energy import ACTION_COSTS
from orchestra.services.surface import CognitiveServices

log = structlog.get_logger(__name__)

OutcomeStatus = Literal["done", "skipped", "failed"]


@dataclass(kw_only=True)
class ActionOutcome:
    """What happened to one planned action (or to the rest a resting beat takes)."""

    action: str
    """The action's name, a key of the energy table."""
    params: dict[str, Any]
    """The params it was planned with."""
    reason: str
    """Why it was planned (from the decision), or why it was skipped."""
    cost: int
    """Energy spent on it: its table cost when done, 0 when skipped or failed."""
    status: OutcomeStatus
    """"done", "skipped" or "failed"."""
    result: Any = None
    """The handler's JSON-ready result when done."""
    error: str | None = None
    """Why it failed or was skipped."""
    seconds: float = 0.0
    """Wall time of the handler."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(kw_only=True)
class ActReport:
    """Everything ACT did in one beat, for RECORD."""

    energy_before: int
    """Energy when ACT started."""
    energy_after: int
    """Energy when ACT finished."""
    executed: list[ActionOutcome] = field(default_factory=list)
    """Actions that completed, in order."""
    skipped: list[ActionOutcome] = field(default_factory=list)
    """Actions not attempted (unaffordable, or the beat rested)."""
    failed: list[ActionOutcome] = field(default_factory=list)
    """Actions that raised; nothing was spent on them."""
    goal_changes: list[dict[str, Any]] = field(default_factory=list)
    """Each goal change with its result or error."""
    touched_goal_ids: list[str] = field(default_factory=list)
    """Goals read closely, created or changed by this beat, first touch first."""
    rested: bool = False
    """True when energy was below the rest threshold and the beat only rested."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


async def act(
    services: CognitiveServices, decision: Decision, *, beat: int, rest_below: int = 2
) -> ActReport:
    """Execute a decision's actions within the energy left, then apply its goal changes.

    Args:
        services: the services to act through.
        decision: the plan from DECIDE.
        beat: the heartbeat number (stamped on memories actions write, and logged).
        rest_below: with less energy than this the beat only rests.

    Returns:
        What ran, what was skipped or failed, the goal changes, and energy before and after.
    """
    energy = await services.energy.current()
    report = ActReport(energy_before=energy, energy_after=energy)
    touched: list[str] = []

    if energy < rest_below:
        report.rested = True
        why = f"resting: energy below {rest_below}"
        report.skipped = [_skipped(p.action, p.params, why) for p in decision.actions]
        report.executed.append(
            await _execute(services, "rest", {}, f"energy {energy} below {rest_below}", beat)
        )
    else:
        left = energy
        for index, planned in enumerate(decision.actions):
            cost = ACTION_COSTS[planned.action]
            if cost > left:
                why = f"unaffordable: costs {cost}, {left} left"
                report.skipped = [_skipped(p.action, p.params, why) for p in decision.actions[index:]]
                log.info("act.stopped", beat=beat, action=planned.action, cost=cost, left=left)
                break
            outcome = await _execute(services, planned.action, planned.params, planned.reason, beat, touched)
            if outcome.status == "failed":
                report.failed.append(outcome)
                continue
            try:
                left = await services.energy.spend(planned.action)
            except ServiceError as exc:
                # Another process spent the energy meanwhile: the work is done, unpaid.
                log.warning("act.spend_failed", beat=beat, action=planned.action, error=str(exc))
                outcome.cost = 0
                left = await services.energy.current()
            report.executed.append(outcome)

    for change in decision.goal_changes:
        entry: dict[str, Any] = change.model_dump()
        try:
            entry["result"] = await services.update_goal(change.goal_id, change.action, change.note)
            entry["status"] = "done"
            if change.goal_id not in touched:
                touched.append(change.goal_id)
        except ServiceError as exc:
            entry["status"], entry["error"] = "failed", str(exc)
            log.info("act.goal_change_failed", beat=beat, goal_id=change.goal_id, error=str(exc))
        report.goal_changes.append(entry)

    report.touched_goal_ids = touched
    report.energy_after = await services.energy.current()
    log.info(
        "act.done",
        beat=beat,
        energy_before=report.energy_before,
        energy_after=report.energy_after,
        executed=[o.action for o in report.executed],
        skipped=len(report.skipped),
        failed=[o.action for o in report.failed],
        rested=report.rested,
    )
    return report


def _skipped(action: str, params: dict[str, Any], why: str) -> ActionOutcome:
    return ActionOutcome(action=action, params=params, reason=why, cost=0, status="skipped", error=why)


async def _execute(
    services: CognitiveServices,
    action: str,
    params: dict[str, Any],
    reason: str,
    beat: int,
    touched: list[str] | None = None,
) -> ActionOutcome:
    """Run one handler; a raise becomes a failed outcome (cost 0), never an exception."""
    started = time.perf_counter()
    outcome = ActionOutcome(action=action, params=params, reason=reason, cost=0, status="done")
    try:
        result, goals = await run_action(services, action, params, beat=beat)
    except ServiceError as exc:
        outcome.status, outcome.error = "failed", str(exc)
        log.info("act.action_failed", beat=beat, action=action, error=str(exc))
    except Exception as exc:  # a handler bug must not end the beat; it is logged with its trace
        outcome.status, outcome.error = "failed", f"{type(exc).__name__}: {exc}"
        log.exception("act.action_crashed", beat=beat, action=action)
    else:
        outcome.result, outcome.cost = result, ACTION_COSTS[action]
        if touched is not None:
            touched.extend(g for g in goals if g not in touched)
    outcome.seconds = round(time.perf_counter() - started, 6)
    return outcome
