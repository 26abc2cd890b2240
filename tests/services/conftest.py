"""Fixtures for service tests: a store and a remote in the test's own directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestra.services import CognitiveServices, ServicesSettings, SyncSettings


@pytest.fixture
def remote_dir(tmp_path: Path) -> Path:
    """Directory of the remote store; removing it takes the remote down."""
    directory = tmp_path / "remote"
    directory.mkdir()
    return directory


@pytest.fixture
def settings(store_url: str, remote_dir: Path) -> ServicesSettings:
    """Small batches and a low destruction threshold so tests stay short; on SQLite and on PostgreSQL."""
    return ServicesSettings(
        store=store_url,
        sync=SyncSettings(
            remote_path=str(remote_dir / "remote.db"),
            batch_size=3,
            destruction_threshold=3,
            destruction_window_s=60,
        ),
    )


@pytest.fixture
def services(settings: ServicesSettings) -> Iterator[CognitiveServices]:
    """Services over a fresh store (offline recall)."""
    svc = CognitiveServices.open(settings)
    yield svc
    svc.close()
