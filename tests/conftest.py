"""Test-wide guards: no network beyond loopback, no real credentials, a private data directory."""

from __future__ import annotations

import os

# Before anything imports litellm: read its bundled cost map instead of fetching it at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

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
