"""The full execution trace of an agent run: every step, every tool call, timed and counted.

smolagents keeps each agent's steps in ``agent.memory.steps``; the tool calls made inside a code
step are in the shared ``ToolCallLog`` (:mod:`orchestra.agents.tool_calls`). ``agent_execution``
joins memory and log into one JSON-able ``AgentExecution`` with an ``ExecutionStep`` per memory
step.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from smolagents import CodeAgent, MultiStepAgent
from smolagents.memory import ActionStep, FinalAnswerStep, MemoryStep, PlanningStep, TaskStep, ToolCall

from orchestra.agents.tool_calls import ToolCallLog, ToolCallRecord, jsonable, truncate

StepType = Literal["action", "planning", "final_answer", "task"]
AgentKind = Literal["code", "tool_calling"]


@dataclass(kw_only=True)
class ExecutionStep:
    """One step of an agent's run, as recorded in its memory plus the tool calls made during it."""

    step: int
    """The agent's step number (planning: of the action it precedes; task: 0)."""
    type: StepType
    """``final_answer`` marks the action step that ended the run."""
    model_output: str | None = None
    """What the model replied (the plan, for planning steps)."""
    code: str | None = None
    """The code a CodeAgent ran in this step."""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """Calls made in this step: ``{"tool", "arguments", "output", "error", "seconds"}`` each."""
    observation: str | None = None
    """What the agent was shown after acting (the task text, for task steps); truncated."""
    error: str | None = None
    """The step's error, if it failed."""
    seconds: float = 0.0
    """Duration of the step; 0 when unknown."""
    input_tokens: int = 0
    """Prompt tokens spent; 0 when unknown."""
    output_tokens: int = 0
    """Completion tokens spent; 0 when unknown."""

    def to_dict(self) -> dict[str, Any]:
        """The step as a JSON-able dict."""
        return asdict(self)


@dataclass(kw_only=True)
class AgentExecution:
    """Everything one agent did in a heartbeat."""

    agent: str
    """The agent's name."""
    kind: AgentKind
    """``code`` for a CodeAgent, ``tool_calling`` otherwise."""
    ok: bool = True
    """False when the run raised or was judged a failure by the caller."""
    steps: list[ExecutionStep] = field(default_factory=list)
    """The steps in memory order."""
    seconds: float = 0.0
    """Sum of the steps' durations."""
    input_tokens: int = 0
    """Sum of the steps' prompt tokens."""
    output_tokens: int = 0
    """Sum of the steps' completion tokens."""
    error: str | None = None
    """Why the run failed, if it did."""
    unattributed_tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """Logged calls that match no step in memory (e.g. made outside a run); kept, not lost."""

    def to_dict(self) -> dict[str, Any]:
        """The execution as a JSON-able dict."""
        return asdict(self)


def _call_dict(record: ToolCallRecord) -> dict[str, Any]:
    return {
        "tool": record.tool,
        "arguments": record.arguments,
        "output": record.output,
        "error": record.error,
        "seconds": record.seconds,
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(jsonable(value), ensure_ascii=False)


def _seconds(step: ActionStep | PlanningStep) -> float:
    duration = step.timing.duration
    return float(duration) if duration is not None and duration >= 0 else 0.0


def _tokens(step: ActionStep | PlanningStep) -> tuple[int, int]:
    usage = step.token_usage
    if usage is None:
        return 0, 0
    return int(usage.input_tokens or 0), int(usage.output_tokens or 0)


def _owner(record: ToolCallRecord, actions: list[ActionStep]) -> ActionStep | None:
    """The action step a record belongs to: same step number, and (across runs) the right time."""
    candidates = [step for step in actions if step.step_number == record.step]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    # Memory kept over several runs repeats step numbers: the latest step begun before the call.
    begun = [step for step in candidates if step.timing.start_time <= record.started_at]
    return begun[-1] if begun else candidates[0]


def _step_tool_calls(
    step: ActionStep, records: list[ToolCallRecord], kind: AgentKind
) -> list[dict[str, Any]]:
    """The step's calls: logged records, joined with a ToolCallingAgent step's own tool calls."""
    ordered = sorted(records, key=lambda record: record.started_at)
    if kind == "code":
        return [_call_dict(record) for record in ordered]
    own: list[ToolCall] = list(step.tool_calls or [])
    unused = list(ordered)
    calls: list[dict[str, Any]] = []
    for tool_call in own:
        arguments = jsonable(tool_call.arguments)
        match = next(
            (r for r in unused if r.tool == tool_call.name and r.arguments == arguments),
            None,
        ) or next((r for r in unused if r.tool == tool_call.name), None)
        if match is not None:
            unused.remove(match)
            calls.append(_call_dict(match))
            continue
        # Untraced (e.g. the built-in final_answer): a lone call's result is the step's observation.
        alone = len(own) == 1
        calls.append(
            {
                "tool": tool_call.name,
                "arguments": arguments if isinstance(arguments, dict) else {"input": arguments},
                "output": truncate(step.observations) if alone and step.observations is not None else None,
                "error": truncate(str(step.error)) if alone and step.error is not None else None,
                "seconds": None,
            }
        )
    calls.extend(_call_dict(record) for record in unused)
    return calls


def _action(step: ActionStep, records: list[ToolCallRecord], kind: AgentKind) -> ExecutionStep:
    input_tokens, output_tokens = _tokens(step)
    return ExecutionStep(
        step=step.step_number,
        type="final_answer" if step.is_final_answer else "action",
        model_output=_text(step.model_output),
        code=step.code_action,
        tool_calls=_step_tool_calls(step, records, kind),
        observation=truncate(step.observations) if step.observations is not None else None,
        error=str(step.error) if step.error is not None else None,
        seconds=_seconds(step),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )


def _next_action_number(steps: list[MemoryStep], index: int) -> int:
    for later in steps[index + 1 :]:
        if isinstance(later, ActionStep):
            return later.step_number
        if isinstance(later, TaskStep):
            break
    earlier = [step.step_number for step in steps[:index] if isinstance(step, ActionStep)]
    return earlier[-1] + 1 if earlier else 1


def agent_execution(
    agent: MultiStepAgent,
    *,
    name: str,
    log: ToolCallLog,
    ok: bool = True,
    error: str | None = None,
) -> AgentExecution:
    """The trace of ``agent``'s run: its memory steps joined with its logged tool calls.

    Safe right after ``agent.run(...)`` returns or raises: steps are read from a snapshot of
    memory, and missing timings or token counts count as zero.

    Args:
        agent: the agent that ran.
        name: its name, as given to ``traced`` (the log's ``agent`` field).
        log: the shared tool call log.
        ok: whether the run succeeded.
        error: why it failed, if it did.

    Returns:
        One ``ExecutionStep`` per memory step, with totals.
    """
    kind: AgentKind = "code" if isinstance(agent, CodeAgent) else "tool_calling"
    steps: list[MemoryStep] = list(agent.memory.steps)
    actions = [step for step in steps if isinstance(step, ActionStep)]
    by_step: dict[int, list[ToolCallRecord]] = {id(step): [] for step in actions}
    unattributed: list[ToolCallRecord] = []
    for record in log.records(name):
        owner = _owner(record, actions)
        if owner is None:
            unattributed.append(record)
        else:
            by_step[id(owner)].append(record)

    execution = AgentExecution(agent=name, kind=kind, ok=ok, error=error)
    for index, step in enumerate(steps):
        if isinstance(step, ActionStep):
            execution.steps.append(_action(step, by_step[id(step)], kind))
        elif isinstance(step, PlanningStep):
            input_tokens, output_tokens = _tokens(step)
            execution.steps.append(
                ExecutionStep(
                    step=_next_action_number(steps, index),
                    type="planning",
                    model_output=step.plan,
                    seconds=_seconds(step),
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                )
            )
        elif isinstance(step, TaskStep):
            execution.steps.append(ExecutionStep(step=0, type="task", observation=truncate(step.task)))
        elif isinstance(step, FinalAnswerStep):
            previous = execution.steps[-1].step if execution.steps else 0
            execution.steps.append(
                ExecutionStep(
                    step=previous, type="final_answer", observation=truncate(_text(step.output) or "")
                )
            )
    execution.unattributed_tool_calls = [
        _call_dict(record) | {"step": record.step} for record in unattributed
    ]
    execution.seconds = sum(step.seconds for step in execution.steps)
    execution.input_tokens = sum(step.input_tokens for step in execution.steps)
    execution.output_tokens = sum(step.output_tokens for step in execution.steps)
    return execution
