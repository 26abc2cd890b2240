"""Several threads and another process updating one store lose no writes: a SQLite file and PostgreSQL."""

from __future__ import annotations

from orchestra.store import Store
from tests.helpers import race_threads_and_a_process

PER_WORKER = 60


def _increment(path: str, worker: str, count: int) -> None:
    """Read-modify-write a shared counter and insert a row per step; lost updates would show."""
    store = Store(path)
    try:
        for i in range(count):
            with store.transaction() as conn:
                value = store.get_state("counter", 0, conn)
                store.set_state("counter", value + 1, conn)
                conn.execute(
                    "INSERT INTO beliefs(mind, id, domain, belief, confidence, created_at) VALUES (:mind, ?, 'w', '{}', 0.5, 0)",
                    (f"{worker}-{i}",),
                )
    finally:
        store.close()


class TestConcurrentWriters:
    def test_threads_and_a_process_lose_nothing(self, store_url: str) -> None:
        """Four threads and one spawned process increment one counter; every increment survives."""
        path = store_url
        Store(path).close()
        exitcode = race_threads_and_a_process(
            _increment, lambda worker: (path, worker, PER_WORKER), threads=4
        )
        assert exitcode == 0
        with Store(path) as store:
            assert store.get_state("counter") == 5 * PER_WORKER
            assert store.query_one("SELECT count(*) FROM beliefs WHERE mind = :mind")[0] == 5 * PER_WORKER
            if store.dialect == "sqlite":
                assert store.query_one("PRAGMA integrity_check")[0] == "ok"
