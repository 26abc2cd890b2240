"""Issue 14: one store layer over SQLite and PostgreSQL - naming, pooling, per-mind write locks, and
connections lost mid-call (a read is retried once, a write is reported and never half-applied)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from orchestra.errors import StoreError
from orchestra.store import Store, resolve_store
from orchestra.store.location import POSTGRESQL, SQLITE
from tests.conftest import fresh_database


class TestLocations:
    def test_sqlite_forms(self, tmp_path: Path) -> None:
        for named in (str(tmp_path / "a.db"), f"sqlite:///{tmp_path / 'a.db'}"):
            location = resolve_store(named)
            assert location.dialect == SQLITE and location.path == tmp_path / "a.db"
            assert location.shown == str(tmp_path / "a.db")

    def test_postgresql_forms_hide_the_password(self) -> None:
        for scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            location = resolve_store(f"{scheme}://me:s3cret@db.example:5433/minds")
            assert location.dialect == POSTGRESQL and location.path is None
            assert location.url.drivername == "postgresql+psycopg"
            assert "s3cret" not in location.shown and location.shown.startswith("postgresql://me:***@")
            assert "s3cret" in location.handed_on  # only to orchestra's own server process

    @pytest.mark.parametrize(
        ("named", "message"),
        [
            ("mysql://x/y", "unknown scheme 'mysql'"),
            ("sqlite://relative.db", "three slashes"),
            ("postgresql://me@host:5432", "names no database"),
            ("postgresql://me@host:notaport/db", "malformed"),
        ],
    )
    def test_bad_urls_say_what_is_wrong(self, named: str, message: str) -> None:
        with pytest.raises(StoreError, match=message):
            resolve_store(named)

    def test_the_environment_may_name_a_url(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ORCHESTRA_STORE", "postgresql://u@h:1/d")
        assert resolve_store(None).dialect == POSTGRESQL

    def test_an_unreachable_server_is_one_clear_error(self) -> None:
        with pytest.raises(StoreError, match=r"cannot open store postgresql://nobody@127\.0\.0\.1:9/none"):
            Store("postgresql://nobody@127.0.0.1:9/none", busy_timeout_s=2)

    def test_an_invalid_mind_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(StoreError, match="invalid mind"):
            Store(tmp_path / "s.db", mind="../etc")


def _backend_pids(url: str) -> list[int]:
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return [
                int(row[0])
                for row in conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND application_name = 'orchestra'"
                    )
                )
            ]
    finally:
        engine.dispose()


def _terminate(url: str, pids: list[int]) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        engine.dispose()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    return fresh_database(request.getfixturevalue("postgres"))


class TestPostgreSQL:
    def test_a_read_whose_connection_dies_is_retried_once(self, pg_url: str, caplog: Any) -> None:
        with Store(pg_url) as store:
            store.set_state("x", 1)
            found: list[Any] = []

            def slow_read() -> None:
                found.append(store.query("SELECT pg_sleep(0.6), 42")[0][1])

            reader = threading.Thread(target=slow_read)
            reader.start()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                busy = [pid for pid in _backend_pids(pg_url)]
                if busy:
                    break
                time.sleep(0.02)
            time.sleep(0.2)  # the read is inside pg_sleep now
            _terminate(pg_url, _backend_pids(pg_url))
            reader.join(10)
            assert found == [42]  # answered by the retry on a fresh connection
            assert store.get_state("x") == 1

    def test_a_write_whose_connection_dies_is_reported_and_not_applied(self, pg_url: str) -> None:
        with Store(pg_url) as store:
            lost = pytest.raises(StoreError, match="lost mid-transaction; the server rolled it back")
            with lost, store.transaction() as session:
                store.set_state("half", "written", session)
                _terminate(pg_url, _backend_pids(pg_url))
                session.execute("INSERT INTO kv(mind, key, value, updated_at) VALUES (:mind, 'b', '1', 0)")
            assert store.get_state("half") is None and store.get_state("b") is None
            store.set_state("after", True)  # the pool replaced the dead connection
            assert store.get_state("after") is True

    def test_pooled_connections_the_server_dropped_are_replaced(self, pg_url: str) -> None:
        """A restart or an idle timeout kills pooled connections: the next write and read still work."""
        with Store(pg_url) as store:
            store.set_state("before", 1)
            assert store.get_state("before") == 1
            _terminate(pg_url, _backend_pids(pg_url))  # every idle connection in the pool is now dead
            store.set_state("after", 2)  # replaced at its begin, before the block ran
            _terminate(pg_url, _backend_pids(pg_url))
            assert store.get_state("after") == 2  # a read is retried once

    def test_writers_of_different_minds_do_not_wait_for_each_other(self, pg_url: str) -> None:
        """The write lock is per mind: bob writes while alice holds hers; a second alice waits."""
        with Store(pg_url, mind="alice") as alice:
            bob, alice_again = alice.for_mind("bob"), Store(pg_url, mind="alice")
            holding, release = threading.Event(), threading.Event()
            done: dict[str, float] = {}

            def hold() -> None:
                with alice.transaction() as session:
                    alice.set_state("k", "alice", session)
                    holding.set()
                    release.wait(10)

            def write(store: Store, name: str) -> None:
                store.set_state("k", name)
                done[name] = time.monotonic()

            holder = threading.Thread(target=hold)
            holder.start()
            assert holding.wait(10)
            writers = [
                threading.Thread(target=write, args=(bob, "bob")),
                threading.Thread(target=write, args=(alice_again, "alice2")),
            ]
            for writer in writers:
                writer.start()
            writers[0].join(10)
            assert "bob" in done and "alice2" not in done  # bob finished; alice's second writer waits
            released = time.monotonic()
            release.set()
            holder.join(10)
            writers[1].join(10)
            assert done["alice2"] >= released
            assert alice.get_state("k") == "alice2" and bob.get_state("k") == "bob"
            alice_again.close()

    def test_connections_are_pooled(self, pg_url: str) -> None:
        with Store(pg_url) as store:
            for _ in range(50):
                store.query("SELECT 1")
            assert len(_backend_pids(pg_url)) <= 2  # reused, not one per call


def test_both_backends_read_rows_by_name_and_position(store_url: str) -> None:
    with Store(store_url) as store:
        store.set_state("a", {"b": 1})
        row = store.query_one("SELECT key, value FROM kv WHERE mind = :mind AND key = ?", ("a",))
        assert row["key"] == row[0] == "a" and dict(row) == {"key": "a", "value": '{"b": 1}'}
        assert store.execute("DELETE FROM kv WHERE mind = :mind AND key = ?", ("a",)) == 1
