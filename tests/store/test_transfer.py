"""Issue 14, moving a mind: ``orchestra store export`` then ``import`` loses no row, between SQLite and
PostgreSQL in either direction and between minds of one store, and refuses bad files whole."""

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
from orchestra.store.transfer import (
    TABLES,
    columns_of,
    export_lines,
    export_to,
    exported_condition,
    import_from,
)
from tests.conftest import fresh_database


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


async def fill(url: str) -> dict[str, str]:
    """A mind that used every kind of row: memories with vectors, goals, beliefs, models, journeys."""
    store = Store(url)
    services = CognitiveServices(store, ServicesSettings(store=url), provider=HashEmbeddings())
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
        await services.semantic_recall("heron")  # builds a vector index (derived: not exported)
        return {"memory_id": memory["memory_id"]}
    finally:
        services.close()


def rows(url: str, mind: str = "default") -> dict[str, list[tuple[Any, ...]]]:
    """Every exported column of every row of one mind, in export order (what a move must keep)."""
    with Store(url, mind=mind) as store:
        columns = columns_of(store)
        return {
            table: [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in store.query(
                    f"SELECT {', '.join(columns[table])} FROM {table} WHERE {exported_condition(table)} ORDER BY {order}"
                )
            ]
            for table, order in TABLES
        }


def url_of(backend: str, name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.db')}"
    return fresh_database(request.getfixturevalue("postgres"))


@pytest.fixture
def exported(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    import asyncio

    source = f"sqlite:///{tmp_path / 'source.db'}"
    ids = asyncio.run(fill(source))
    dump = tmp_path / "mind.jsonl"
    with Store(source) as store, dump.open("w", encoding="utf-8") as out:
        export_to(store, out)
    return source, dump, ids


async def _recall(url: str, mind: str, provider: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    services = CognitiveServices(
        Store(url, mind=mind), ServicesSettings(store=url, mind=mind), provider=provider
    )
    try:
        offline = await services.search_memories("heron estuary", threshold=0.0)
        return offline, (await services.recall.recall("heron estuary", threshold=0.0)).data()
    finally:
        services.close()


@pytest.mark.parametrize(
    ("source_backend", "target_backend"), [("sqlite", "postgresql"), ("postgresql", "sqlite")]
)
def test_a_mind_moves_between_backends_losing_no_row(
    source_backend: str, target_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """SQLite to PostgreSQL and back: every row kept, and both recall methods work on arrival."""
    import asyncio

    source = url_of(source_backend, "source", tmp_path, request)
    target = url_of(target_backend, "target", tmp_path, request)
    ids = asyncio.run(fill(source))
    dump = tmp_path / "mind.jsonl"
    with Store(source) as store, dump.open("w", encoding="utf-8") as out:
        export_to(store, out)
    with Store(target) as store, dump.open(encoding="utf-8") as lines:
        loaded = import_from(store, lines, source=str(dump))
    before, after = rows(source), rows(target)
    assert after == before
    for table in ("memories", "goals", "beliefs", "basins", "thoughtseeds", "mental_models", "predictions"):
        assert before[table], f"the fixture wrote no {table}"
    assert loaded["memories"] == 2
    assert any(isinstance(value, bytes) for row in before["memories"] for value in row), "no vector blob"
    offline, embedded = asyncio.run(_recall(target, "default", HashEmbeddings()))
    assert offline and offline[0]["memory_id"] == ids["memory_id"]  # text index rebuilt on arrival
    assert embedded["method"] == "embeddings" and embedded["index"]  # vector index caught up
    assert embedded["memories"][0]["memory_id"] == ids["memory_id"]


def test_a_copy_into_another_mind_of_the_same_store_is_separate(
    exported: tuple[str, Path, dict[str, str]],
) -> None:
    """Importing into a second mind of the source store copies it; the two never see each other."""
    import asyncio

    source, dump, _ = exported
    with Store(source, mind="twin") as store, dump.open(encoding="utf-8") as lines:
        import_from(store, lines)
    assert rows(source, "twin") == rows(source, "default")
    with Store(source, mind="twin") as twin:
        twin.execute("DELETE FROM goals WHERE mind = :mind")
    assert rows(source, "twin")["goals"] == [] and rows(source, "default")["goals"]
    offline, _ = asyncio.run(_recall(source, "twin", None))
    assert len(offline) == 1  # the twin's own heron memory, not the original's as well


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
        (
            lambda lines: [*lines[:2], '{"table": "kv", "row": {"key": "x", "mind": "other"}}', *lines[2:]],
            ":3: table kv has no column(s) mind",
        ),
        (lambda lines: lines[:-1], "are not the header's counts"),
        (
            lambda lines: [*lines[:2], '{"table": "kv", "row": {"key": "k", "value": {"$bytes": "!!"}}}'],
            ":3:",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_nothing_is_written(
    exported: tuple[str, Path, dict[str, str]], tmp_path: Path, mangle: Any, message: str
) -> None:
    _, dump, _ = exported
    target = tmp_path / "target.db"
    with Store(target) as store:
        with pytest.raises(StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
            import_from(store, mangle(_lines(dump)), source="mind.jsonl")
        assert all(not store.query(f"SELECT 1 FROM {t} WHERE mind = :mind LIMIT 1") for t, _ in TABLES)


def test_import_refuses_a_mind_that_holds_rows(exported: tuple[str, Path, dict[str, str]]) -> None:
    source, dump, _ = exported
    before = rows(source)
    with Store(source) as store, pytest.raises(StoreError, match="already holds rows"):
        import_from(store, _lines(dump))
    assert rows(source) == before


def test_export_is_one_snapshot_with_counts(exported: tuple[str, Path, dict[str, str]]) -> None:
    source, _, _ = exported
    with Store(source) as store:
        lines = list(export_lines(store))
    header = json.loads(lines[0])
    assert header["format"] == "orchestra-store-export" and header["schema_version"] == store.schema_version
    assert header["mind"] == "default"
    assert sum(header["tables"].values()) == len(lines) - 1
    assert "memories_fts" not in header["tables"]  # derived: rebuilt on import, not copied
    assert not any('"seq"' in line or '"mind"' in line for line in lines[1:])  # assigned by the target


def test_the_cli_moves_a_mind_to_postgresql(
    exported: tuple[str, Path, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    source, _, _ = exported
    dump, target = tmp_path / "cli.jsonl", fresh_database(request.getfixturevalue("postgres"))
    assert main(["store", "export", "--store", source, "-o", str(dump)]) == 0
    assert main(["store", "import", str(dump), "--store", target]) == 0
    assert rows(target) == rows(source)
    assert main(["store", "import", str(dump), "--store", target, "--mind", "copy"]) == 0
    assert rows(target, "copy") == rows(source)
    assert main(["store", "info", "--store", target]) == 0
    out = capsys.readouterr().out
    assert "(PostgreSQL, " in out and "mind default" in out and "mind copy" in out and "memories" in out
    assert main(["store", "import", str(dump), "--store", target]) == 1
    assert "already holds rows" in capsys.readouterr().err


def test_the_cli_describes_a_sqlite_store(
    exported: tuple[str, Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    source, _, _ = exported
    assert main(["store", "info", "--store", source]) == 0
    out = capsys.readouterr().out
    assert f"store: {source.removeprefix('sqlite:///')} (SQLite, " in out and "mind default" in out


def test_migrate_reports_the_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orchestra.store.migrations import LATEST_VERSION, MIGRATIONS

    old = tmp_path / "old.db"
    Store(old, migrations=MIGRATIONS[:2]).close()
    assert main(["store", "migrate", "--store", str(old)]) == 0
    assert f"schema version 2 -> {LATEST_VERSION}" in capsys.readouterr().out


def test_stdin_import(exported: tuple[str, Path, dict[str, str]], tmp_path: Path, monkeypatch: Any) -> None:
    source, dump, _ = exported
    target = f"sqlite:///{tmp_path / 'stdin.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO(dump.read_text(encoding="utf-8")))
    assert main(["store", "import", "-", "--store", target]) == 0
    assert rows(target) == rows(source)


def test_the_cli_names_the_bad_line_of_a_file(
    exported: tuple[str, Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, dump, _ = exported
    lines = _lines(dump)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:2], "{not json", *lines[2:]]) + "\n", encoding="utf-8")
    assert main(["store", "import", str(bad), "--store", f"sqlite:///{tmp_path / 't.db'}"]) == 1
    assert f"{bad}:3: not JSON" in capsys.readouterr().err
