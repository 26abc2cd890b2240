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
