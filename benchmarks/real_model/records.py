"""One beat or one ``orchestra run`` as the harness records it, parsed from the CLI's JSON.

A beat's JSON is ``BeatResult.to_dict`` printed by ``orchestra heartbeat --json --trace``: the root's
steps and tokens come from the trace (the root's execution), the layers' from ``layers``, the
structured decision call's (``root.structured_decision``) from ``structured_decision``. DECIDE
seconds are the beat's ``decide_seconds`` when the checkout reports them, else the whole beat's
``seconds`` (observe, orient, act and record take milliseconds next to the model's seconds; the
record says which it used). A run's JSON is ``CycleResult.to_dict`` from ``orchestra run --json``.
The server's own view of the same process (prompt tokens it was sent, the cache's share) is added
from its log by the caller.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.real_model.cache_log import CacheStats

ROOT_STEP_TYPES = ("action", "final_answer")
"""Trace step types that are root model steps (``task`` and ``planning`` entries are not)."""

REASON_KINDS: tuple[tuple[str, str], ...] = (
    (r"passed its [\d.]+s deadline", "deadline passed"),
    (r"no language model answered", "no language model answered"),
    (r"the structured decision failed", "structured decision failed"),
    (r"not a valid decision", "invalid decision"),
    (r"step limit", "root hit its step limit"),
    (r"still running past its deadline", "previous decision still running"),
    (r"the root failed", "root failed"),
)
"""Fallback reason pattern → the short name the tables count (the full text stays in the JSON)."""


def reason_kind(reason: str | None) -> str | None:
    """The short name of a fallback reason (its first 60 characters when no pattern matches)."""
    if reason is None:
        return None
    for pattern, kind in REASON_KINDS:
        if re.search(pattern, reason):
            return kind
    return reason[:60]


def first_json_object(text: str) -> dict[str, Any] | None:
    """The first line of ``text`` that parses as a JSON object, or the whole text as one; else None."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                value = json.loads(stripped)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    try:
        whole = json.loads(text)
    except ValueError:
        return None
    return whole if isinstance(whole, dict) else None


@dataclass(kw_only=True)
class Process:
    """What the harness saw of one CLI process."""

    exit_code: int | None
    """None when the harness had to kill it."""
    wall_s: float
    error: str | None = None
    """The stderr tail of a process that failed, or why it was killed."""
    json_at_s: float | None = None
    """Seconds from the start to its JSON on stdout."""

    @property
    def exit_after_json_s(self) -> float | None:
        """Seconds it lived on after printing its answer (to its exit, or to the harness's kill)."""
        return None if self.json_at_s is None else round(self.wall_s - self.json_at_s, 3)


@dataclass(kw_only=True)
class BeatRecord:
    """One heartbeat: was its decision the model's, and what did it cost."""

    index: int
    completed: bool
    fallback: bool
    fallback_reason: str | None
    root_steps: int
    root_prompt_tokens: int
    layer_prompt_tokens: int
    decision_prompt_tokens: int
    """The structured-output call that wrote the decision (``root.structured_decision``), else 0."""
    completion_tokens: int
    decide_s: float | None
    decide_source: str
    """``decide_seconds`` or ``seconds`` (the beat's, when the checkout has no DECIDE figure)."""
    beat_s: float | None
    wall_s: float
    exit_code: int | None
    exit_after_json_s: float | None = None
    """How long the process lived on after printing the beat (it should exit at once)."""
    actions: list[str] = field(default_factory=list)
    layers_ok: int = 0
    layers_run: int = 0
    error: str | None = None
    server: dict[str, Any] = field(default_factory=dict)
    """The server log's view of this process (:meth:`CacheStats.to_dict`)."""

    @property
    def valid(self) -> bool:
        """The decision was the model's: the beat completed and did not fall back."""
        return self.completed and not self.fallback

    @property
    def prompt_tokens(self) -> int:
        """Root, layers and the structured decision call."""
        return self.root_prompt_tokens + self.layer_prompt_tokens + self.decision_prompt_tokens

    @property
    def reason_kind(self) -> str | None:
        """The fallback reason's short name (None when the decision was valid)."""
        if not self.completed:
            return "beat did not complete"
        return reason_kind(self.fallback_reason) if self.fallback else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the derived figures."""
        return {
            **asdict(self),
            "valid": self.valid,
            "prompt_tokens": self.prompt_tokens,
            "reason_kind": self.reason_kind,
        }


@dataclass(kw_only=True)
class RunRecord:
    """One ``orchestra run``: did the root answer, in how many steps, at what cost."""

    index: int
    ok: bool
    root_steps: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float | None
    wall_s: float
    exit_code: int | None
    error: str | None = None
    layers_run: int = 0
    server: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


def _root_execution(trace: list[dict[str, Any]]) -> dict[str, Any] | None:
    for execution in trace:
        if execution.get("agent") == "consciousness":
            return execution
    return trace[0] if trace else None


def parse_beat(
    data: dict[str, Any] | None, process: Process, *, index: int, server: CacheStats | None = None
) -> BeatRecord:
    """A beat's record from its JSON (None when the process printed none).

    Args:
        data: ``BeatResult.to_dict`` with its ``trace``.
        process: Exit code, wall time and error of the process.
        index: The beat's number in the side's series (0-based).
        server: The server log's stats over the process's lifetime.
    """
    served = server.to_dict() if server is not None else {}
    if data is None:
        return BeatRecord(
            index=index,
            completed=False,
            fallback=False,
            fallback_reason=None,
            root_steps=0,
            root_prompt_tokens=0,
            layer_prompt_tokens=0,
            decision_prompt_tokens=0,
            completion_tokens=0,
            decide_s=None,
            decide_source="none",
            beat_s=None,
            wall_s=process.wall_s,
            exit_code=process.exit_code,
            error=process.error or "no JSON on stdout",
            server=served,
        )
    trace = data.get("trace") or []
    root = _root_execution(trace) or {}
    layers = data.get("layers") or []
    root_steps = sum(1 for step in root.get("steps", []) if step.get("type") in ROOT_STEP_TYPES)
    has_decide = data.get("decide_seconds") is not None
    decision = data.get("decision") or {}
    structured = data.get("structured_decision") or {}
    return BeatRecord(
        index=index,
        # Killed by the harness after printing (exit code None) still completed the beat: its
        # record is in the journal; the process's failure to exit is shown in exit_after_json_s.
        completed=data.get("status") == "completed" and process.exit_code in (0, None),
        fallback=bool(data.get("fallback")),
        fallback_reason=data.get("fallback_reason"),
        root_steps=root_steps,
        root_prompt_tokens=int(root.get("input_tokens") or 0),
        layer_prompt_tokens=sum(int(layer.get("input_tokens") or 0) for layer in layers),
        decision_prompt_tokens=int(structured.get("input_tokens") or 0),
        completion_tokens=int(root.get("output_tokens") or 0)
        + sum(int(layer.get("output_tokens") or 0) for layer in layers)
        + int(structured.get("output_tokens") or 0),
        decide_s=float(data["decide_seconds"] if has_decide else data.get("seconds") or 0.0),
        decide_source="decide_seconds" if has_decide else "seconds",
        beat_s=float(data.get("seconds") or 0.0),
        wall_s=process.wall_s,
        exit_code=process.exit_code,
        exit_after_json_s=process.exit_after_json_s,
        actions=[str(action.get("action")) for action in decision.get("actions") or []],
        layers_ok=sum(1 for layer in layers if layer.get("ok")),
        layers_run=len(layers),
        error=process.error,
        server=served,
    )


def parse_run(
    data: dict[str, Any] | None, process: Process, *, index: int, server: CacheStats | None = None
) -> RunRecord:
    """A run's record from ``orchestra run --json`` (None when the process printed none)."""
    served = server.to_dict() if server is not None else {}
    if data is None:
        return RunRecord(
            index=index,
            ok=False,
            root_steps=0,
            prompt_tokens=0,
            completion_tokens=0,
            seconds=None,
            wall_s=process.wall_s,
            exit_code=process.exit_code,
            error=process.error or "no JSON on stdout",
            server=served,
        )
    return RunRecord(
        index=index,
        ok=bool(data.get("ok")),
        root_steps=int(data.get("root_steps") or 0),
        prompt_tokens=int(data.get("input_tokens") or 0),
        completion_tokens=int(data.get("output_tokens") or 0),
        seconds=float(data.get("seconds") or 0.0),
        wall_s=process.wall_s,
        exit_code=process.exit_code,
        error=data.get("error") or process.error,
        layers_run=len(data.get("layers") or []),
        server=served,
    )
