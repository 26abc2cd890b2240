"""benchmarks/store_backends.py runs end to end on a tiny store and reports what the README quotes."""

from __future__ import annotations

import pytest

from benchmarks import store_backends
from orchestra.store.sqlite_driver import vector_problem


def test_a_tiny_run_covers_both_backends_every_method_and_the_writers(request: pytest.FixtureRequest) -> None:
    cluster = request.getfixturevalue("pgvector_postgres")
    report = store_backends.run([300], queries=3, calls=20, writes=2, cluster=cluster)
    for backend, native in (("sqlite", "sqlite_vec"), ("postgresql", "pgvector_hnsw")):
        section = report[backend]
        assert set(section["round_trip"]) == {"in_process", "mcp_stdio"}
        figures = section["recall"]["300"]
        assert figures["offline"]["method"] in ("fts5_bm25", "postgres_fts")
        expected = native if backend == "postgresql" or vector_problem() is None else "numpy_exact"
        assert figures[native]["index"] == expected and figures["numpy_exact"]["index"] == "numpy_exact"
        assert figures["pure_python_cache"]["p50_ms"] > 0
        assert section["writes"]["one_mind"]["writes"] == section["writes"]["eight_minds"]["writes"] == 16
    table = store_backends.markdown(report)
    assert "faster than the pure-Python cache" in table and "| postgresql | recall 300, pgvector_hnsw |" in table
