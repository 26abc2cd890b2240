"""The schema as an ordered list of steps, applied according to ``PRAGMA user_version``.

Step *n* (1-based) moves a database from version ``n - 1`` to ``n``. Steps are never
edited once released: a change to the schema is a new step at the end, so a database
written by any earlier orchestra upgrades in place when it is opened.

Times are stored as Unix seconds (REAL); JSON columns hold text.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

V1_CORE = """
CREATE TABLE memories (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    memory_type TEXT NOT NULL,
    importance REAL NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    project_id TEXT,
    session_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    embedding BLOB,
    embedding_model TEXT
);
CREATE INDEX idx_memories_type ON memories(memory_type);
CREATE INDEX idx_memories_created ON memories(created_at);

CREATE TABLE sync_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    memory_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    synced_at REAL
);
CREATE INDEX idx_outbox_pending ON sync_outbox(synced_at, seq);
CREATE INDEX idx_outbox_op_time ON sync_outbox(op, created_at);

CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
);

CREATE TABLE beliefs (
    id TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    belief TEXT NOT NULL,
    confidence REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_beliefs_domain ON beliefs(domain, created_at);

CREATE TABLE basins (
    id TEXT PRIMARY KEY,
    activation REAL NOT NULL DEFAULT 0,
    strength REAL NOT NULL DEFAULT 1.0,
    activation_count INTEGER NOT NULL DEFAULT 0,
    inhibited INTEGER NOT NULL DEFAULT 0,
    last_activated REAL,
    created_at REAL NOT NULL
);

CREATE TABLE thoughtseeds (
    id TEXT PRIMARY KEY,
    layer TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'general',
    neuronal_packet TEXT NOT NULL,
    memory_id TEXT,
    model_id TEXT,
    prediction_id TEXT,
    activation REAL NOT NULL,
    status TEXT NOT NULL,
    competition_id TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX idx_seeds_layer ON thoughtseeds(layer, kind, status);

CREATE TABLE competitions (
    id TEXT PRIMARY KEY,
    layer TEXT NOT NULL,
    kind TEXT NOT NULL,
    winner_id TEXT,
    winner_model_id TEXT,
    participants INTEGER NOT NULL,
    energy REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_competitions_model ON competitions(winner_model_id, layer);

CREATE TABLE journeys (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE journey_sessions (
    id TEXT PRIMARY KEY,
    journey_id TEXT NOT NULL REFERENCES journeys(id),
    summary TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    started_at REAL NOT NULL,
    ended_at REAL
);
CREATE INDEX idx_sessions_journey ON journey_sessions(journey_id, started_at);
CREATE TABLE journey_documents (
    id TEXT PRIMARY KEY,
    journey_id TEXT NOT NULL REFERENCES journeys(id),
    document_type TEXT NOT NULL,
    title TEXT,
    content TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE INDEX idx_documents_journey ON journey_documents(journey_id, created_at);

CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT,
    priority TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    progress TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    closed_at REAL
);
CREATE INDEX idx_goals_priority ON goals(status, priority, updated_at);

CREATE TABLE heartbeats (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    finished_at REAL NOT NULL,
    energy_before REAL,
    energy_after REAL,
    actions TEXT NOT NULL DEFAULT '[]',
    narrative TEXT
);

CREATE TABLE mental_models (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    domain TEXT NOT NULL,
    description TEXT,
    basin_ids TEXT NOT NULL,
    prediction_templates TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    revision_needed INTEGER NOT NULL DEFAULT 0,
    structure_since REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX idx_models_domain ON mental_models(domain, status);
CREATE TABLE predictions (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES mental_models(id),
    context TEXT NOT NULL,
    prediction TEXT NOT NULL,
    confidence REAL NOT NULL,
    inference_state_id TEXT,
    thoughtseed_id TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    resolved_at REAL,
    observation TEXT,
    error REAL
);
CREATE INDEX idx_predictions_model ON predictions(model_id, created_at);
CREATE INDEX idx_predictions_resolved ON predictions(resolved_at);
CREATE TABLE model_revisions (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES mental_models(id),
    trigger_description TEXT NOT NULL,
    added_basins TEXT NOT NULL,
    removed_basins TEXT NOT NULL,
    accuracy_before REAL,
    accuracy_after REAL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_revisions_model ON model_revisions(model_id, created_at);
"""

# Version 2: the offline text index. An external-content FTS5 table kept in step with
# ``memories`` by triggers, so no write path can forget to index; rebuilt from rows a
# version-1 database already holds.
V2_FTS = """
CREATE VIRTUAL TABLE memories_fts USING fts5(
    content, content='memories', content_rowid='rowid', tokenize='unicode61'
);
CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'row');
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER memories_au AFTER UPDATE OF content ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO memories_fts(rowid, content) VALUES (new.rowid, new.content);
END;
INSERT INTO memories_fts(memories_fts) VALUES ('rebuild');
"""

# Version 3: filters used by recall (project / session scoping).
V3_SCOPES = """
CREATE INDEX idx_memories_project ON memories(project_id);
CREATE INDEX idx_memories_session ON memories(session_id);
"""

# Version 4: the heartbeat journal. A beat is written as 'running' before it does anything,
# then 'completed' with its full record; a row still 'running' at the next start was
# interrupted (crash, kill) and is marked 'aborted'.
V4_BEAT_JOURNAL = """
CREATE TABLE beat_journal (
    beat INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    record TEXT,
    note TEXT
);
CREATE INDEX idx_beat_journal_status ON beat_journal(status);
"""

MIGRATIONS: tuple[str, ...] = (V1_CORE, V2_FTS, V3_SCOPES, V4_BEAT_JOURNAL)
"""Ordered schema steps; index ``i`` takes the database to version ``i + 1``."""

LATEST_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def apply_migrations(
    conn: sqlite3.Connection, current: int, target: int, steps: Sequence[str] = MIGRATIONS
) -> int:
    """Run steps ``current+1 .. target`` on a connection already inside a transaction.

    ``executescript`` would commit the caller's transaction, so statements run one by one
    and the caller's ``BEGIN IMMEDIATE`` keeps the whole upgrade atomic.

    Args:
        conn: an open connection, inside a write transaction.
        current: the database's ``user_version``.
        target: the version to reach (at most ``len(steps)``).
        steps: the migration list (tests pass a prefix to build old databases).

    Returns:
        The new version.
    """
    for version in range(current + 1, target + 1):
        for statement in _statements(steps[version - 1]):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(version)}")
    return target


def stored_version(path: Path) -> int:
    """The schema version of the store file at ``path`` without migrating it (0: no file yet)."""
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
