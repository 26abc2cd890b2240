"""A beat's and a run's record from the CLI's JSON (fixtures shaped like BeatResult.to_dict)."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from benchmarks.real_model.cache_log import CacheStats
from benchmarks.real_model.records import Process, first_json_object, parse_beat, parse_run, reason_kind


def _step(number: int, kind: str, tokens: int) -> dict[str, Any]:
    return {
        "step": number,
        "type": kind,
        "model_output": "Thought: ...",
        "code": "x = 1",
        "tool_calls": [],
        "observation": None,
        "error": None,
        "seconds": 1.0,
        "input_tokens": tokens,
        "output_tokens": 10,
    }


def _layer(name: str, tokens: int, ok: bool = True) -> dict[str, Any]:
    return {
        "layer": name,
        "ok": ok,
        "answer": "report" if ok else None,
        "error": None if ok else "hit its step limit",
        "steps": 1,
        "input_tokens": tokens,
        "output_tokens": 20,
        "seconds": 4.0,
        "started_at": 1.0,
        "ended_at": 5.0,
        "requested_by": "root",
    }


BEAT: dict[str, Any] = {
    "beat": 3,
    "status": "completed",
    "decision": {
        "reasoning": "Reflect on the goal.",
        "emotional_state": 0.1,
        "confidence": 0.6,
        "focus_goal_id": None,
        "actions": [{"action": "reflect", "params": {}, "reason": "r"}, {"action": "rest", "params": {}}],
        "goal_changes": [],
    },
    "actions": {"executed": [], "skipped": [], "failed": []},
    "tools_used": ["recall"],
    "energy": {"before": 20, "after": 18, "regenerated_to": 20},
    "layers": [_layer("perceptual", 900), _layer("abstract", 1100, ok=False)],
    "fallback": False,
    "fallback_reason": None,
    "seconds": 95.5,
    "narrative": "Beat 3: ...",
    "observation": {"beat": 3},
    "recovered": [],
    "trace": [
        {
            "agent": "consciousness",
            "kind": "code",
            "ok": True,
            "steps": [_step(0, "task", 0), _step(1, "action", 1500), _step(2, "final_answer", 1700)],
            "seconds": 60.0,
            "input_tokens": 3200,
            "output_tokens": 200,
            "error": None,
            "unattributed_tool_calls": [],
        },
        {
            "agent": "perceptual",
            "kind": "code",
            "ok": True,
            "steps": [_step(1, "final_answer", 900)],
            "seconds": 4.0,
            "input_tokens": 900,
            "output_tokens": 20,
            "error": None,
            "unattributed_tool_calls": [],
        },
    ],
}
OK = Process(exit_code=0, wall_s=99.0)


def test_valid_beat() -> None:
    """Root steps are the root's action steps; prompt tokens are the root's plus the layers'."""
    record = parse_beat(
        BEAT, OK, index=0, server=CacheStats(requests=5, hit_tokens=100, evaluated_tokens=300)
    )
    assert record.valid
    assert record.root_steps == 2
    assert record.root_prompt_tokens == 3200
    assert record.layer_prompt_tokens == 2000
    assert record.prompt_tokens == 5200
    assert record.completion_tokens == 200 + 40
    assert (record.layers_run, record.layers_ok) == (2, 1)
    assert record.actions == ["reflect", "rest"]
    assert record.decide_s == 95.5
    assert record.decide_source == "seconds"
    assert record.reason_kind is None
    assert record.server["prompt_tokens"] == 400
    assert record.to_dict()["valid"] is True


def test_decide_seconds_win_over_the_beat_seconds() -> None:
    """A checkout that reports decide_seconds is measured by them; its structured call's tokens count."""
    structured = {"ok": True, "error": None, "seconds": 9.0, "input_tokens": 800, "output_tokens": 90}
    data = {**deepcopy(BEAT), "decide_seconds": 80.25, "structured_decision": structured}
    record = parse_beat(data, OK, index=1)
    assert record.decide_s == 80.25
    assert record.decide_source == "decide_seconds"
    assert record.beat_s == 95.5
    assert record.decision_prompt_tokens == 800
    assert record.prompt_tokens == 3200 + 2000 + 800
    assert record.completion_tokens == 200 + 40 + 90


def test_fallback_beat_is_not_valid() -> None:
    """A completed beat that fell back is not a valid decision; its reason gets a short name."""
    data = deepcopy(BEAT)
    data["fallback"] = True
    data["fallback_reason"] = "the root's answer was not a valid decision: confidence: must be <= 1"
    record = parse_beat(data, OK, index=2)
    assert record.completed and not record.valid
    assert record.reason_kind == "invalid decision"


def test_beat_without_json_did_not_complete() -> None:
    """A killed process leaves no JSON: not completed, no tokens, the kill reason kept."""
    record = parse_beat(None, Process(exit_code=None, wall_s=900.0, error="killed after 900 s"), index=4)
    assert not record.completed and not record.valid
    assert record.prompt_tokens == 0
    assert record.decide_s is None
    assert record.reason_kind == "beat did not complete"
    assert record.error == "killed after 900 s"


def test_beat_with_a_failed_exit_is_not_completed() -> None:
    """JSON on stdout but a non-zero exit: the beat does not count as completed."""
    record = parse_beat(BEAT, Process(exit_code=1, wall_s=5.0, error="exit 1: boom"), index=0)
    assert not record.completed and not record.valid


def test_beat_killed_after_its_json_completed_but_lingered() -> None:
    """The beat printed its record, then the process hung until the harness killed it."""
    data = {**deepcopy(BEAT), "fallback": True, "fallback_reason": "DECIDE passed its 300s deadline; x"}
    process = Process(exit_code=None, wall_s=600.0, error="killed after 600 s", json_at_s=305.5)
    record = parse_beat(data, process, index=0)
    assert record.completed and not record.valid
    assert record.reason_kind == "deadline passed"
    assert record.exit_after_json_s == 294.5


def test_reason_kinds() -> None:
    """Each known fallback reason gets its short name; others keep their first 60 characters."""
    assert reason_kind("DECIDE passed its 600s deadline; the root was interrupted") == "deadline passed"
    assert reason_kind("no language model answered (default: boom)") == "no language model answered"
    assert reason_kind("the structured decision failed: ModelError: x") == "structured decision failed"
    assert reason_kind("the root failed: hit its step limit (10 steps)") == "root hit its step limit"
    assert reason_kind("the root failed: ContextWindowExceeded") == "root failed"
    assert reason_kind("x" * 100) == "x" * 60
    assert reason_kind(None) is None


def test_run_record() -> None:
    """``orchestra run --json``: ok, root steps, tokens and seconds."""
    data = {
        "task": "t",
        "ok": True,
        "answer": "a",
        "error": None,
        "root_steps": 3,
        "input_tokens": 7000,
        "output_tokens": 300,
        "seconds": 120.5,
        "layers": [_layer("perceptual", 900)],
    }
    run = parse_run(data, OK, index=0)
    assert (run.ok, run.root_steps, run.prompt_tokens, run.seconds, run.layers_run) == (
        True,
        3,
        7000,
        120.5,
        1,
    )
    failed = parse_run(None, Process(exit_code=1, wall_s=3.0, error="exit 1: x"), index=1)
    assert not failed.ok and failed.error == "exit 1: x"


def test_first_json_object_skips_other_lines() -> None:
    """The JSON line is found among other output; indented multi-line JSON parses whole; junk is None."""
    assert first_json_object("warning\n" + json.dumps({"a": 1}) + "\n") == {"a": 1}
    assert first_json_object(json.dumps({"b": [1, 2]}, indent=2)) == {"b": [1, 2]}
    assert first_json_object("no json here") is None
