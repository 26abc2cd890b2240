"""The Decision format the root is shown: its worked example is itself a valid decision."""

from __future__ import annotations

import ast

from orchestra.heartbeat.decision import DECISION_FORMAT, parse_decision


def test_worked_example_is_a_valid_decision() -> None:
    """The example in DECISION_FORMAT parses, so a model that copies it writes a decision that passes."""
    example = DECISION_FORMAT.split("Example:\n", 1)[1].strip()
    assert example.startswith("final_answer(") and example.endswith(")")
    value = ast.literal_eval(example[len("final_answer(") : -1])
    decision = parse_decision(value)
    assert [action.action for action in decision.actions] == ["recall", "remember"]
