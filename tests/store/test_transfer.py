"""Issue 14, moving a mind: ``orchestra store export`` then ``import`` loses no row, and refuses bad files whole."""

from __future__ import annotations

import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from orchestra.cli import main
from orchestra.errors import StoreError
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices
from orchestra.store import Store
from orchestra.store.transfer import data_tables, export_lines, export_to, import_from


class HashEmbeddings:
    """A deterministic local embedding: each word hashed into 16 dimensions (no model, no network)."""

    model = "test/hash-16"

    def available(self) -> bool:
        return True

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            vector = [0.0] * 16
            for word in text.lower().split():
                vector[hashlib.sha256(word.encode()).digest()[0] % 16] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            vectors.append([x / norm for x in vector])
        return vectors


async def fill(path: Path) -> dict[str, str]:
    """A mind that used every kind of row: memories with vectors, goals, beliefs, models, journeys."""
    store = Store(path)
    services = CognitiveServices(store, ServicesSettings(store_path=str(path)), provider=HashEmbeddings())
    try:
        memory = await services.create_memory("the heron waits at the estuary at dawn", importance=0.9)
        await services.create_memory("tides carry sediment into the delta", memory_type="episodic")
        goal = await services.create_goal("watch the estuary", description="every morning")
        await services.update_goal(goal["goal_id"], "add_progress", note="saw the heron")
        await services.update_belief("birds", {"heron": "patient"}, confidence=0.8)
        await services.activate_basin("estuary", 0.7)
        await services.create_thoughtseed("perceptual", {"seen": "heron"}, memory_id=memory["memory_id"])
        model = await services.create_mental_model(
            "heron habits", "world", ["estuary"], prediction_templates=["the heron returns at {time}"]
        )
        await services.generate_prediction(model["model_id"], {"time": "dawn"})
        journey = await services.get_or_create_journey("device-1")
        await services.add_document_to_journey(journey["journey_id"], "note", title="t", content="c")
        return {"memory_id": memory["memory_id"]}
    finally:
        services.close()


def rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with Store(path) as store:
        return {
            table: [tuple(row) for row in store.query(f'SELECT * FROM "{table}" ORDER BY rowid')]
            for table in data_tables(store)
        }


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    import asyncio

    source = tmp_path / "source.db"
    ids = asyncio.run(fill(source))
    dump = tmp_path / "mind.jsonl"
    with Store(source) as store, dump.open("w", encoding="utf-8") as out:
        export_to(store, out)
    return source, dump, ids


def test_round_trip_keeps_every_row_and_recall_works(
    exported: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    import asyncio

    source, dump, ids = exported
    target = tmp_path / "target.db"
    with Store(target) as store, dump.open(encoding="utf-8") as lines:
        loaded = import_from(store, lines, source=str(dump))
    before, after = rows(source), rows(target)
    assert after == before
    for table in ("memories", "goals", "beliefs", "basins", "thoughtseeds", "mental_models", "predictions"):
        assert before[table], f"the fixture wrote no {table}"
    assert loaded["memories"] == 2
    embedded = [row for row in before["memories"] if any(isinstance(value, bytes) for value in row)]
    assert embedded, "no memory carried a vector blob"

    async def recall() -> list[dict[str, Any]]:
        services = CognitiveServices.open(ServicesSettings(store_path=str(target)))
        try:
            return await services.search_memories("heron estuary", threshold=0.0)
        finally:
            services.close()

    hits = asyncio.run(recall())  # the full-text index was rebuilt by the triggers on import
    assert hits and hits[0]["memory_id"] == ids["memory_id"]


def _lines(dump: Path) -> list[str]:
    return dump.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda lines: ["{}", *lines[1:]], "not an orchestra store export"),
        (
            lambda lines: [json.dumps({**json.loads(lines[0]), "schema_version": 99}), *lines[1:]],
            "exported at schema version 99",
        ),
        (lambda lines: [*lines[:2], "{not json", *lines[2:]], ":3: not JSON"),
        (lambda lines: [*lines[:2], '{"table": "secrets", "row": {}}', *lines[2:]], ":3: expected"),
        (
            lambda lines: [*lines[:2], '{"table": "kv", "row": {"key": "x", "owner": 1}}', *lines[2:]],
            ":3: table kv has no column(s) owner",
        ),
        (lambda lines: lines[:-1], "are not the header's counts"),
        (
            lambda lines: [*lines[:2], '{"table": "kv", "row": {"key": "k", "value": {"$bytes": "!!"}}}'],
            ":3:",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_nothing_is_written(
    exported: tuple[Path, Path, dict[str, str]], tmp_path: Path, mangle: Any, message: str
) -> None:
    _, dump, _ = exported
    target = tmp_path / "target.db"
    with Store(target) as store:
        with pytest.raises(StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
            import_from(store, mangle(_lines(dump)), source="mind.jsonl")
        assert all(not store.query(f'SELECT 1 FROM "{t}" LIMIT 1') for t in data_tables(store))


def test_import_refuses_a_store_that_holds_rows(exported: tuple[Path, Path, dict[str, str]]) -> None:
    source, dump, _ = exported
    before = rows(source)
    with Store(source) as store, pytest.raises(StoreError, match="already holds rows"):
        import_from(store, _lines(dump))
    assert rows(source) == before


def test_export_is_one_snapshot_with_counts(exported: tuple[Path, Path, dict[str, str]]) -> None:
    source, _, _ = exported
    with Store(source) as store:
        lines = list(export_lines(store))
    header = json.loads(lines[0])
    assert header["format"] == "orchestra-store-export" and header["schema_version"] == store.schema_version
    assert sum(header["tables"].values()) == len(lines) - 1
    assert "memories_fts" not in header["tables"]  # derived: rebuilt on import, not copied


def test_the_cli_moves_a_mind(
    exported: tuple[Path, Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, _, _ = exported
    dump, target = tmp_path / "cli.jsonl", tmp_path / "cli.db"
    assert main(["store", "export", "--store", str(source), "-o", str(dump)]) == 0
    assert main(["store", "import", str(dump), "--store", str(target)]) == 0
    assert rows(target) == rows(source)
    assert main(["store", "info", "--store", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"store: {target} (SQLite, schema version" in out and "memories" in out
    assert main(["store", "import", str(dump), "--store", str(target)]) == 2
    assert "exists; import into a new store path" in capsys.readouterr().err


def test_migrate_reports_the_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orchestra.store.migrations import LATEST_VERSION, MIGRATIONS

    old = tmp_path / "old.db"
    Store(old, migrations=MIGRATIONS[:2]).close()
    assert main(["store", "migrate", "--store", str(old)]) == 0
    assert f"schema version 2 -> {LATEST_VERSION}" in capsys.readouterr().out


def test_stdin_import(exported: tuple[Path, Path, dict[str, str]], tmp_path: Path, monkeypatch: Any) -> None:
    source, dump, _ = exported
    target = tmp_path / "stdin.db"
    monkeypatch.setattr("sys.stdin", io.StringIO(dump.read_text(encoding="utf-8")))
    assert main(["store", "import", "-", "--store", str(target)]) == 0
    assert rows(target) == rows(source)
