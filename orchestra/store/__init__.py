"""Persistence: one SQLite file in WAL mode, migrated on open."""

from orchestra.store.database import Store
from orchestra.store.migrations import LATEST_VERSION, MIGRATIONS
from orchestra.store.paths import resolve_store_path

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Store", "resolve_store_path"]
