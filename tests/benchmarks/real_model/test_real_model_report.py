"""Targets (ratio after/before, met or missed), summaries and the written report, on synthetic records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.real_model.cache_log import CacheStats
from benchmarks.real_model.records import BeatRecord, RunRecord
from benchmarks.real_model.report import document, markdown, write_outputs
from benchmarks.real_model.suite import DeadlineCheck, Plan, SideResult
from benchmarks.real_model.summary import beat_summary, mean, summarize
from benchmarks.real_model.targets import check_targets, ratio


def _beat(index: int, *, valid: bool, tokens: int, decide: float, reason: str | None = None) -> BeatRecord:
    return BeatRecord(
        index=index,
        completed=True,
        fallback=not valid,
        fallback_reason=None if valid else reason,
        root_steps=3,
        root_prompt_tokens=tokens // 2,
        layer_prompt_tokens=tokens - tokens // 2,
        decision_prompt_tokens=0,
        completion_tokens=100,
        decide_s=decide,
        decide_source="seconds",
        beat_s=decide,
        wall_s=decide + 2,
        exit_code=0,
        actions=["rest"],
        server=CacheStats(
            requests=4, hit_tokens=tokens // 4, evaluated_tokens=tokens - tokens // 4
        ).to_dict(),
    )


def _side(name: str, beats: list[BeatRecord], exit_after: float) -> SideResult:
    runs = [
        RunRecord(
            index=0,
            ok=True,
            root_steps=2,
            prompt_tokens=3000,
            completion_tokens=50,
            seconds=40.0,
            wall_s=42.0,
            exit_code=0,
            server=CacheStats(requests=3, evaluated_tokens=3000).to_dict(),
        )
    ]
    measured = CacheStats()
    for beat in beats:
        measured = measured + CacheStats(
            hit_tokens=beat.server["hit_tokens"], evaluated_tokens=beat.server["evaluated_tokens"]
        )
    return SideResult(
        side=name,
        checkout=f"/work/{name}",
        commit="abc1234",
        knobs={"models.default.model": "openai/smollm2"},
        notes=[],
        config={"version": 1},
        beats=beats,
        runs=runs,
        deadline=DeadlineCheck(
            deadline_s=15.0,
            json_at_s=20.0,
            exit_after_json_s=exit_after,
            wall_s=20.0 + exit_after,
            exit_code=0,
            fallback_reason="DECIDE passed its 15s deadline; the root was interrupted",
        ),
        cache=measured,
        measured_cache=measured,
    )


BEFORE = _side(
    "before",
    [
        _beat(
            i,
            valid=False,
            tokens=20_000,
            decide=300.0,
            reason="the root's answer was not a valid decision: x",
        )
        for i in range(4)
    ],
    exit_after=40.0,
)
AFTER = _side(
    "after",
    [
        _beat(0, valid=True, tokens=6000, decide=60.0),
        _beat(1, valid=True, tokens=8000, decide=80.0),
        _beat(2, valid=True, tokens=8000, decide=70.0),
        _beat(
            3,
            valid=False,
            tokens=8000,
            decide=110.0,
            reason="DECIDE passed its 600s deadline; the root was interrupted",
        ),
    ],
    exit_after=0.4,
)


def test_ratio() -> None:
    """after / before; None when a figure is missing or before is zero."""
    assert ratio(30.0, 100.0) == 0.3
    assert ratio(None, 1.0) is None and ratio(1.0, None) is None and ratio(1.0, 0.0) is None


def test_summary_figures() -> None:
    """Valid rate, reasons counted by kind, means over the beats."""
    summary = beat_summary(AFTER.beats)
    assert summary["valid_rate"] == 0.75
    assert summary["fallback_reasons"] == {"deadline passed": 1}
    assert summary["decide_s_mean"] == 80.0
    assert summary["decide_s_p50"] == 75.0
    assert summary["server_prompt_tokens_mean"] == 7500.0
    assert summary["prompt_tokens_mean"] == 7500.0
    assert mean([None, None]) is None


def test_targets_met_and_missed() -> None:
    """75 % valid misses 80 %; tokens 0.375x meets 0.5x; DECIDE 0.267x meets 0.3x; exit 0.4 s meets 1 s."""
    targets = {target.name: target for target in check_targets(summarize(BEFORE), summarize(AFTER))}
    assert list(targets) == ["valid-decisions", "prompt-tokens", "decide-wall", "deadline-exit"]
    assert targets["valid-decisions"].met is False
    assert targets["valid-decisions"].after == 0.75
    assert targets["valid-decisions"].ratio is None  # before is 0 %
    assert targets["prompt-tokens"].ratio == 0.375 and targets["prompt-tokens"].met is True
    assert targets["decide-wall"].ratio == pytest.approx(0.267) and targets["decide-wall"].met is True
    assert targets["deadline-exit"].after == 0.4 and targets["deadline-exit"].met is True
    assert targets["deadline-exit"].ratio == 0.01


def test_missing_figures_are_not_measured() -> None:
    """With no beats and no deadline check a target is neither met nor missed."""
    empty = SideResult(side="after", checkout="/x", commit=None, knobs={}, notes=[], config={})
    targets = check_targets(summarize(BEFORE), summarize(empty))
    assert [target.met for target in targets] == [None, None, None, None]
    assert targets[0].verdict == "not measured"


def _doc() -> dict[str, Any]:
    return document(Plan(beats=4, runs=1), {"before": BEFORE, "after": AFTER}, quick=False, seconds=1234.0)


def test_markdown_has_both_tables_and_the_targets() -> None:
    """A table per side, the comparison with after/before, and one verdict line per target."""
    text = markdown(_doc())
    assert "## before (/work/before @ abc1234)" in text
    assert "## after (/work/after @ abc1234)" in text
    assert "| valid-decision rate | 0% | 75% |" in text
    assert "| DECIDE s (mean) | 300.00 | 80.00 | 0.27 |" in text
    assert "invalid decision x4" in text
    assert "**valid-decisions**" in text and ": **missed**" in text
    assert "**decide-wall**" in text and ": **met**" in text
    assert "Deadline check (deadline_s 15): JSON after 20.00 s, exit 0.40 s later" in text


def test_written_files_render_the_same_from_json(tmp_path: Path) -> None:
    """The JSON round-trips: re-rendering the markdown from the file gives the same text."""
    doc = _doc()
    text = markdown(doc)
    json_path, md_path = write_outputs(tmp_path / "out" / "real-model", doc, text)
    assert md_path.read_text(encoding="utf-8") == text
    loaded = json.loads(json_path.read_text(encoding="utf-8"))
    assert markdown(loaded) == text
    assert loaded["targets"][2]["name"] == "decide-wall"
    assert loaded["sides"]["after"]["beats"][0]["valid"] is True


def test_a_reused_side_reads_back_as_measured(tmp_path: Path) -> None:
    """A side read back from a report's JSON has the same records, and renders the same tables."""
    from benchmarks.real_model.reuse import reuse

    doc = _doc()
    json_path, _ = write_outputs(tmp_path / "real-model", doc, markdown(doc))
    before = reuse(f"before={json_path}")
    assert before.beats == BEFORE.beats
    assert before.runs == BEFORE.runs
    assert before.deadline == BEFORE.deadline
    assert before.measured_cache == BEFORE.measured_cache
    assert before.notes[-1].startswith("measured earlier, reused from")
    again = document(Plan(beats=4, runs=1), {"before": before, "after": AFTER}, quick=False, seconds=1234.0)
    assert again["targets"] == doc["targets"]
    with pytest.raises(ValueError, match="no side"):
        reuse(f"middle={json_path}")
    with pytest.raises(ValueError, match="SIDE=PATH"):
        reuse("before")


def test_a_reused_side_is_parsed_again_from_its_saved_output(tmp_path: Path) -> None:
    """Where the side's work directory still has a beat's stdout, the record is parsed from it anew."""
    from benchmarks.real_model.reuse import reuse

    doc = _doc()
    work = tmp_path / "work"
    work.mkdir()
    doc["sides"]["before"]["work"] = str(work)
    stored = doc["sides"]["before"]["beats"][0]
    stored.update(completed=False, exit_code=None, error="killed after 600 s")  # an older parser's verdict
    beat = {
        "status": "completed",
        "fallback": True,
        "fallback_reason": "DECIDE passed its 300s deadline; x",
        "seconds": 300.0,
        "layers": [],
        "trace": [],
        "decision": {"actions": []},
    }
    (work / "beat-0.stdout").write_text(json.dumps(beat) + "\n", encoding="utf-8")
    json_path, _ = write_outputs(tmp_path / "real-model", doc, markdown(doc))
    before = reuse(f"before={json_path}")
    assert before.beats[0].completed
    assert before.beats[0].reason_kind == "deadline passed"
    assert before.beats[0].server == stored["server"]
    assert before.beats[1] == BEFORE.beats[1]  # no saved output: kept as stored


def test_a_reused_deadline_check_killed_after_its_answer_is_a_lower_bound(tmp_path: Path) -> None:
    """An earlier run stored no exit figure for a killed deadline beat: it lived at least until the kill."""
    from benchmarks.real_model.reuse import reuse

    doc = _doc()
    doc["sides"]["before"]["summary"]["deadline"].update(
        exit_after_json_s=None, exit_code=None, wall_s=315.0, json_at_s=21.5, error="killed after 315 s"
    )
    json_path, _ = write_outputs(tmp_path / "real-model", doc, markdown(doc))
    before = reuse(f"before={json_path}")
    assert before.deadline is not None and before.deadline.exit_after_json_s == 293.5
    again = document(Plan(beats=4, runs=1), {"before": before, "after": AFTER}, quick=False, seconds=1.0)
    assert "exit not before the kill, at least 293.50 s later" in markdown(again)
