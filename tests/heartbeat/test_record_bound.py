"""A beat's journal record is bounded: a runaway text is cut, and the cut is said."""

from __future__ import annotations

import json

from orchestra.heartbeat.beat import MAX_RECORD_CHARS, bounded_record


def test_a_small_record_is_kept_whole() -> None:
    record = {"beat": 3, "decision": {"reasoning": "short"}}
    assert json.loads(bounded_record(record)) == record


def test_a_runaway_text_is_cut_and_the_cut_is_said() -> None:
    record = {"beat": 4, "decision": {"reasoning": "x" * 10_000_000}, "actions": [{"name": "rest"}]}
    text = bounded_record(record)
    assert len(text) <= MAX_RECORD_CHARS
    kept = json.loads(text)
    assert kept["beat"] == 4
    assert kept["actions"] == [{"name": "rest"}]
    assert "more chars]" in kept["decision"]["reasoning"]
    assert kept["record_cut"].startswith("the record held 10,000,")
