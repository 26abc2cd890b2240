"""Schema versions: fresh databases, upgrades, and refusing newer files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from orchestra.errors import StoreError
from orchestra.store import LATEST_VERSION, MIGRATIONS, Store


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


class TestMigrations:
    def test_fresh_database_reaches_latest(self, tmp_path: Path) -> None:
        """A new file gets every step, WAL mode and the FTS index."""
        with Store(tmp_path / "s.db") as store:
            assert store.schema_version == LATEST_VERSION == len(MIGRATIONS)
            assert store.query_one("PRAGMA journal_mode")[0] == "wal"
            assert int(store.query_one("PRAGMA busy_timeout")[0]) > 0
            names = {r[0] for r in store.query("SELECT name FROM sqlite_master")}
        assert {"memories", "memories_fts", "sync_outbox", "mental_models"} <= names
        assert _version(tmp_path / "s.db") == LATEST_VERSION

    def test_upgrade_from_v1_indexes_existing_memories(self, tmp_path: Path) -> None:
        """A version-1 file with a memory is upgraded in place and the memory becomes searchable."""
        path = tmp_path / "old.db"
        with Store(path, migrations=MIGRATIONS[:1]) as old:
            assert old.schema_version == 1
        with sqlite3.connect(path) as conn:  # a version-1 file has no minds yet
            conn.execute(
                "INSERT INTO memories(id, content, memory_type, importance, created_at, updated_at) "
                "VALUES ('m1', 'zebras graze at dawn', 'semantic', 0.5, 0, 0)"
            )
        assert _version(path) == 1
        with Store(path) as store:
            assert store.schema_version == LATEST_VERSION
            hits = store.query("SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'zebras'")
            assert len(hits) == 1
            assert store.query("SELECT mind, id FROM memories WHERE mind = :mind")[0][:] == ("default", "m1")
        assert _version(path) == LATEST_VERSION

    def test_newer_database_is_refused(self, tmp_path: Path) -> None:
        """A file from a newer orchestra raises StoreError naming both versions."""
        path = tmp_path / "new.db"
        Store(path).close()
        with sqlite3.connect(path) as conn:
            conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
        with pytest.raises(
            StoreError, match=rf"schema version {LATEST_VERSION + 5}.*up to version {LATEST_VERSION}"
        ):
            Store(path)

    def test_failed_transaction_rolls_back(self, tmp_path: Path) -> None:
        """An error inside a write block leaves nothing behind."""
        with Store(tmp_path / "s.db") as store:
            with pytest.raises(RuntimeError), store.transaction() as conn:
                conn.execute("INSERT INTO kv(mind, key, value, updated_at) VALUES (:mind, 'a', '1', 0)")
                raise RuntimeError("boom")
            assert store.get_state("a") is None
            with pytest.raises(StoreError), store.transaction() as conn:
                conn.execute("INSERT INTO no_such_table VALUES (1)")

    def test_closed_store_refuses_use(self, tmp_path: Path) -> None:
        """After close(), any query raises StoreError."""
        store = Store(tmp_path / "s.db")
        store.close()
        with pytest.raises(StoreError, match="closed"):
            store.query("SELECT 1")


def test_a_version_4_file_upgrades_with_every_row_in_the_default_mind(tmp_path: Path) -> None:
    """Rows written before minds existed (parents and children alike) become mind 'default', intact."""
    path = tmp_path / "v4.db"
    Store(path, migrations=MIGRATIONS[:4]).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO kv(key, value, updated_at) VALUES ('energy', '{\"current\": 7}', 0)")
        conn.execute("INSERT INTO journeys(id, device_id, created_at, updated_at) VALUES ('j1', 'd1', 0, 0)")
        conn.execute(
            "INSERT INTO journey_sessions(id, journey_id, summary, started_at) VALUES ('s1', 'j1', 'hello', 0)"
        )
        conn.execute(
            "INSERT INTO mental_models(id, name, domain, basin_ids, status, structure_since, created_at, "
            "updated_at) VALUES ('mm', 'n', 'world', '[]', 'draft', 0, 0, 0)"
        )
        conn.execute(
            "INSERT INTO predictions(id, model_id, context, prediction, confidence, created_at, expires_at) "
            "VALUES ('p1', 'mm', '{}', '{}', 0.5, 0, 1)"
        )
        conn.execute("INSERT INTO beat_journal(status, started_at) VALUES ('completed', 0)")
        conn.execute(
            "INSERT INTO memories(id, content, memory_type, importance, created_at, updated_at) "
            "VALUES ('m1', 'old memory about herons', 'semantic', 0.5, 0, 0)"
        )
    with Store(path) as store:
        assert store.schema_version == LATEST_VERSION
        assert store.get_state("energy") == {"current": 7}
        assert store.query_one("SELECT summary FROM journey_sessions WHERE mind = :mind")[0] == "hello"
        assert store.query_one("SELECT model_id FROM predictions WHERE mind = :mind")[0] == "mm"
        assert store.query_one("SELECT beat, status FROM beat_journal WHERE mind = :mind")[:] == (1, "completed")
        assert store.query("PRAGMA foreign_key_check") == []
        hits = store.query(
            "SELECT m.id FROM memories_fts CROSS JOIN memories m ON m.seq = memories_fts.rowid "
            "WHERE memories_fts MATCH 'herons' AND m.mind = :mind"
        )
        assert [row[0] for row in hits] == ["m1"]
        assert store.for_mind("other").get_state("energy") is None
