"""A side measured in an earlier run, read back from that run's JSON (``--reuse before=PATH``).

The before side is the expensive one (on this model every before beat runs to its deadline, and
its processes linger after it), and its code does not change: when only the after side changes,
its measurement can be repeated against the same before figures. The reused side keeps its own
records, summary inputs and server-log counts; the report says where they came from. Its beats are
parsed again from the saved stdout of each beat when the run's work directory is still there, so a
fix to the parser reaches an earlier measurement.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.real_model.cache_log import CacheStats
from benchmarks.real_model.records import BeatRecord, Process, RunRecord, first_json_object, parse_beat
from benchmarks.real_model.suite import DeadlineCheck, SideResult

T = TypeVar("T")


def _build(kind: type[T], data: dict[str, Any]) -> T:
    """``kind`` from its ``to_dict`` output: derived keys (``valid``, ``hit_rate`` ...) are dropped."""
    names = {field.name for field in dataclasses.fields(kind)}  # type: ignore[arg-type]
    return kind(**{key: value for key, value in data.items() if key in names})


def _beats(side: dict[str, Any]) -> list[BeatRecord]:
    """The side's beats, parsed again from the saved stdout where it is still there."""
    work = Path(side["work"])
    beats = []
    for stored in side["beats"]:
        raw = work / f"beat-{stored['index']}.stdout"
        record = _build(BeatRecord, stored)
        if raw.exists():
            process = Process(
                exit_code=stored["exit_code"],
                wall_s=stored["wall_s"],
                error=stored["error"],
                json_at_s=_json_at(stored),
            )
            server = _build(CacheStats, stored["server"]) if stored["server"] else None
            text = raw.read_text(encoding="utf-8")
            record = parse_beat(first_json_object(text), process, index=stored["index"], server=server)
        beats.append(record)
    return beats


def _json_at(stored: dict[str, Any]) -> float | None:
    after = stored.get("exit_after_json_s")
    return None if after is None else round(stored["wall_s"] - after, 3)


def _deadline(stored: dict[str, Any]) -> DeadlineCheck:
    """The deadline check; a process killed after its answer lived on at least until the kill."""
    check = _build(DeadlineCheck, stored)
    if check.exit_after_json_s is None and check.json_at_s is not None:
        check.exit_after_json_s = round(check.wall_s - check.json_at_s, 3)
    return check


def side_from_document(doc: dict[str, Any], name: str, *, source: str) -> SideResult:
    """Side ``name`` of a report document as a :class:`SideResult`.

    Args:
        doc: The JSON document an earlier run wrote.
        name: ``before`` or ``after``.
        source: Where it was read from (goes into the side's notes).

    Raises:
        KeyError: The document has no such side.
    """
    side = doc["sides"][name]
    summary = side["summary"]
    deadline = summary.get("deadline")
    return SideResult(
        side=name,
        checkout=side["checkout"],
        commit=side["commit"],
        knobs=side["knobs"],
        notes=[*side["notes"], f"measured earlier, reused from {source}"],
        config=side["config"],
        beats=_beats(side),
        runs=[_build(RunRecord, run) for run in side["runs"]],
        deadline=_deadline(deadline) if deadline else None,
        cache=_build(CacheStats, side["cache_whole_log"]),
        measured_cache=_build(CacheStats, summary["cache"]),
        seconds=float(side["seconds"]),
        work=side["work"],
    )


def reuse(spec: str) -> SideResult:
    """``NAME=PATH`` → side NAME of the report at PATH.

    Raises:
        ValueError: Not ``NAME=PATH``, or the report has no such side.
    """
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise ValueError(
            f"--reuse {spec!r}: expected SIDE=PATH, e.g. before=benchmarks/results/real-model.json"
        )
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if name not in doc.get("sides", {}):
        raise ValueError(f"--reuse {spec!r}: {path} has no side {name!r}")
    return side_from_document(doc, name, source=path)
