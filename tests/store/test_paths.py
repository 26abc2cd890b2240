"""Where the store file lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra.store import paths
from orchestra.store.paths import resolve_store_path


class TestResolveStorePath:
    def test_explicit_path_wins_over_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An explicit argument beats ORCHESTRA_HOME."""
        monkeypatch.setenv("ORCHESTRA_HOME", str(tmp_path / "home"))
        (tmp_path / "x").mkdir()
        assert resolve_store_path(tmp_path / "x" / "my.db") == (tmp_path / "x" / "my.db").resolve()

    def test_orchestra_home(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """ORCHESTRA_HOME/orchestra.db when no path is given."""
        monkeypatch.setenv("ORCHESTRA_HOME", str(tmp_path / "home"))
        assert resolve_store_path(None) == (tmp_path / "home" / "orchestra.db").resolve()

    def test_platform_data_dir(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without either, the platform's user data directory."""
        monkeypatch.delenv("ORCHESTRA_HOME", raising=False)
        monkeypatch.setattr(paths.platformdirs, "user_data_dir", lambda name: str(tmp_path / "pd" / name))
        assert resolve_store_path(None) == (tmp_path / "pd" / "orchestra" / "orchestra.db").resolve()
