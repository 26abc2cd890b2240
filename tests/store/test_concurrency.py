"""Several threads and another process updating one file lose no writes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from orchestra.store import Store

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
                    "INSERT INTO beliefs(id, domain, belief, confidence, created_at) VALUES (?, 'w', '{}', 0.5, 0)",
                    (f"{worker}-{i}",),
                )
    finally:
        store.close()


class TestConcurrentWriters:
    def test_threads_and_a_process_lose_nothing(self, tmp_path: Path) -> None:
        """Four threads and one spawned process increment one counter; every increment survives."""
        path = str(tmp_path / "shared.db")
        Store(path).close()
        ctx = multiprocessing.get_context("spawn")
        process = ctx.Process(target=_increment, args=(path, "proc", PER_WORKER))
        process.start()
        threads = [threading.Thread(target=_increment, args=(path, f"t{n}", PER_WORKER)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        process.join(60)
        assert process.exitcode == 0
        with Store(path) as store:
            assert store.get_state("counter") == 5 * PER_WORKER
            assert store.query_one("SELECT count(*) FROM beliefs")[0] == 5 * PER_WORKER
            assert store.query_one("PRAGMA integrity_check")[0] == "ok"
