"""Fixtures for heartbeat tests: services over a store and a remote in the test's own directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestra.services import CognitiveServices, ServicesSettings, SyncSettings


@pytest.fixture
def services(tmp_path: Path) -> Iterator[CognitiveServices]:
    """Services over a fresh store with a local remote (offline recall)."""
    svc = CognitiveServices.open(
        ServicesSettings(
            store_path=str(tmp_path / "o.db"), sync=SyncSettings(remote_path=str(tmp_path / "remote.db"))
        )
    )
    yield svc
    svc.close()
