"""A store path that is wrong says so: no silent directories, no fresh store in the wrong place."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra.errors import StoreError
from orchestra.store.paths import resolve_store_path


def test_a_missing_directory_is_not_created(tmp_path: Path) -> None:
    typo = tmp_path / "stroe" / "orchestra.db"
    with pytest.raises(StoreError, match="does not exist"):
        resolve_store_path(typo)
    assert not typo.parent.exists()


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory; name the database file"):
        resolve_store_path(tmp_path)


def test_the_home_default_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORCHESTRA_STORE", raising=False)
    monkeypatch.setenv("ORCHESTRA_HOME", str(tmp_path / "home"))
    assert resolve_store_path() == (tmp_path / "home" / "orchestra.db").resolve()
    assert (tmp_path / "home").is_dir()
