"""Persistence: one database (a SQLite file, or PostgreSQL when minds share one), migrated on open."""

from orchestra.store.database import Session, Store
from orchestra.store.location import StoreLocation, resolve_store
from orchestra.store.migrations import LATEST_VERSION, MIGRATIONS
from orchestra.store.minds import DEFAULT_MIND, check_mind
from orchestra.store.paths import resolve_store_path
from orchestra.store.results import Record

__all__ = [
    "DEFAULT_MIND",
    "LATEST_VERSION",
    "MIGRATIONS",
    "Record",
    "Session",
    "Store",
    "StoreLocation",
    "check_mind",
    "resolve_store",
    "resolve_store_path",
]
