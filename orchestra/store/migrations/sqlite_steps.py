"""The SQLite schema as ordered steps, applied according to ``PRAGMA user_version``.

Step *n* (1-based) moves a database from version ``n - 1`` to ``n``. Steps are never
edited once released: a change to the schema is a new step at the end, so a database
written by any earlier orchestra upgrades in place when it is opened.

Times are stored as Unix seconds (REAL); JSON columns hold text.
"""

from __future__ import annotations

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


# Version 5: minds share a database, not tables. Every row belongs to a mind (``mind``, default
# 'default'); keys become (mind, id) so one mind's copy may keep another's ids. Tables whose rows
# are ordered by insertion get an explicit ``seq`` (the old rowid, so order is kept), the column
# PostgreSQL has too. Tables are rebuilt (SQLite cannot change a primary key in place) with
# foreign keys off for the step (see ``apply``); the text index is rebuilt over ``seq``.
V5_MINDS = """
DROP TRIGGER memories_ai;
DROP TRIGGER memories_ad;
DROP TRIGGER memories_au;
DROP TABLE memories_vocab;
DROP TABLE memories_fts;

CREATE TABLE n_memories (
    seq INTEGER PRIMARY KEY,
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    content TEXT NOT NULL,
    memory_type TEXT NOT NULL,
    importance REAL NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    project_id TEXT,
    session_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    embedding BLOB,
    embedding_model TEXT,
    UNIQUE (mind, id)
);
INSERT INTO n_memories(seq, id, content, memory_type, importance, metadata, project_id, session_id,
                       created_at, updated_at, embedding, embedding_model)
    SELECT rowid, id, content, memory_type, importance, metadata, project_id, session_id,
           created_at, updated_at, embedding, embedding_model FROM memories;

CREATE TABLE n_sync_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mind TEXT NOT NULL DEFAULT 'default',
    memory_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    synced_at REAL
);
INSERT INTO n_sync_outbox(seq, memory_id, op, payload, created_at, synced_at)
    SELECT seq, memory_id, op, payload, created_at, synced_at FROM sync_outbox;

CREATE TABLE n_kv (
    mind TEXT NOT NULL DEFAULT 'default',
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (mind, key)
);
INSERT INTO n_kv(key, value, updated_at) SELECT key, value, updated_at FROM kv;

CREATE TABLE n_beliefs (
    seq INTEGER PRIMARY KEY,
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    domain TEXT NOT NULL,
    belief TEXT NOT NULL,
    confidence REAL NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (mind, id)
);
INSERT INTO n_beliefs(seq, id, domain, belief, confidence, created_at)
    SELECT rowid, id, domain, belief, confidence, created_at FROM beliefs;

CREATE TABLE n_basins (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    activation REAL NOT NULL DEFAULT 0,
    strength REAL NOT NULL DEFAULT 1.0,
    activation_count INTEGER NOT NULL DEFAULT 0,
    inhibited INTEGER NOT NULL DEFAULT 0,
    last_activated REAL,
    created_at REAL NOT NULL,
    PRIMARY KEY (mind, id)
);
INSERT INTO n_basins(id, activation, strength, activation_count, inhibited, last_activated, created_at)
    SELECT id, activation, strength, activation_count, inhibited, last_activated, created_at FROM basins;

CREATE TABLE n_thoughtseeds (
    seq INTEGER PRIMARY KEY,
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    layer TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'general',
    neuronal_packet TEXT NOT NULL,
    memory_id TEXT,
    model_id TEXT,
    prediction_id TEXT,
    activation REAL NOT NULL,
    status TEXT NOT NULL,
    competition_id TEXT,
    created_at REAL NOT NULL,
    UNIQUE (mind, id)
);
INSERT INTO n_thoughtseeds(seq, id, layer, kind, neuronal_packet, memory_id, model_id, prediction_id,
                           activation, status, competition_id, created_at)
    SELECT rowid, id, layer, kind, neuronal_packet, memory_id, model_id, prediction_id,
           activation, status, competition_id, created_at FROM thoughtseeds;

CREATE TABLE n_competitions (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    layer TEXT NOT NULL,
    kind TEXT NOT NULL,
    winner_id TEXT,
    winner_model_id TEXT,
    participants INTEGER NOT NULL,
    energy REAL NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (mind, id)
);
INSERT INTO n_competitions(id, layer, kind, winner_id, winner_model_id, participants, energy, created_at)
    SELECT id, layer, kind, winner_id, winner_model_id, participants, energy, created_at FROM competitions;

CREATE TABLE n_journeys (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (mind, id),
    UNIQUE (mind, device_id)
);
INSERT INTO n_journeys(id, device_id, created_at, updated_at)
    SELECT id, device_id, created_at, updated_at FROM journeys;

CREATE TABLE n_journey_sessions (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    journey_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    started_at REAL NOT NULL,
    ended_at REAL,
    PRIMARY KEY (mind, id),
    FOREIGN KEY (mind, journey_id) REFERENCES journeys(mind, id)
);
INSERT INTO n_journey_sessions(id, journey_id, summary, metadata, started_at, ended_at)
    SELECT id, journey_id, summary, metadata, started_at, ended_at FROM journey_sessions;

CREATE TABLE n_journey_documents (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    journey_id TEXT NOT NULL,
    document_type TEXT NOT NULL,
    title TEXT,
    content TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    PRIMARY KEY (mind, id),
    FOREIGN KEY (mind, journey_id) REFERENCES journeys(mind, id)
);
INSERT INTO n_journey_documents(id, journey_id, document_type, title, content, metadata, created_at)
    SELECT id, journey_id, document_type, title, content, metadata, created_at FROM journey_documents;

CREATE TABLE n_goals (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    priority TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    progress TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    closed_at REAL,
    PRIMARY KEY (mind, id)
);
INSERT INTO n_goals(id, title, description, priority, source, status, progress, created_at,
                    updated_at, closed_at)
    SELECT id, title, description, priority, source, status, progress, created_at,
           updated_at, closed_at FROM goals;

CREATE TABLE n_heartbeats (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mind TEXT NOT NULL DEFAULT 'default',
    started_at REAL NOT NULL,
    finished_at REAL NOT NULL,
    energy_before REAL,
    energy_after REAL,
    actions TEXT NOT NULL DEFAULT '[]',
    narrative TEXT
);
INSERT INTO n_heartbeats(seq, started_at, finished_at, energy_before, energy_after, actions, narrative)
    SELECT seq, started_at, finished_at, energy_before, energy_after, actions, narrative FROM heartbeats;

CREATE TABLE n_mental_models (
    seq INTEGER PRIMARY KEY,
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    domain TEXT NOT NULL,
    description TEXT,
    basin_ids TEXT NOT NULL,
    prediction_templates TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    revision_needed INTEGER NOT NULL DEFAULT 0,
    structure_since REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (mind, id)
);
INSERT INTO n_mental_models(seq, id, name, domain, description, basin_ids, prediction_templates,
                            status, revision_needed, structure_since, created_at, updated_at)
    SELECT rowid, id, name, domain, description, basin_ids, prediction_templates,
           status, revision_needed, structure_since, created_at, updated_at FROM mental_models;

CREATE TABLE n_predictions (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    context TEXT NOT NULL,
    prediction TEXT NOT NULL,
    confidence REAL NOT NULL,
    inference_state_id TEXT,
    thoughtseed_id TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    resolved_at REAL,
    observation TEXT,
    error REAL,
    PRIMARY KEY (mind, id),
    FOREIGN KEY (mind, model_id) REFERENCES mental_models(mind, id)
);
INSERT INTO n_predictions(id, model_id, context, prediction, confidence, inference_state_id,
                          thoughtseed_id, created_at, expires_at, resolved_at, observation, error)
    SELECT id, model_id, context, prediction, confidence, inference_state_id,
           thoughtseed_id, created_at, expires_at, resolved_at, observation, error FROM predictions;

CREATE TABLE n_model_revisions (
    mind TEXT NOT NULL DEFAULT 'default',
    id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    trigger_description TEXT NOT NULL,
    added_basins TEXT NOT NULL,
    removed_basins TEXT NOT NULL,
    accuracy_before REAL,
    accuracy_after REAL,
    created_at REAL NOT NULL,
    PRIMARY KEY (mind, id),
    FOREIGN KEY (mind, model_id) REFERENCES mental_models(mind, id)
);
INSERT INTO n_model_revisions(id, model_id, trigger_description, added_basins, removed_basins,
                              accuracy_before, accuracy_after, created_at)
    SELECT id, model_id, trigger_description, added_basins, removed_basins,
           accuracy_before, accuracy_after, created_at FROM model_revisions;

CREATE TABLE n_beat_journal (
    beat INTEGER PRIMARY KEY AUTOINCREMENT,
    mind TEXT NOT NULL DEFAULT 'default',
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    record TEXT,
    note TEXT
);
INSERT INTO n_beat_journal(beat, status, started_at, finished_at, record, note)
    SELECT beat, status, started_at, finished_at, record, note FROM beat_journal;

DROP TABLE model_revisions;
DROP TABLE predictions;
DROP TABLE mental_models;
DROP TABLE journey_documents;
DROP TABLE journey_sessions;
DROP TABLE journeys;
DROP TABLE memories;
DROP TABLE sync_outbox;
DROP TABLE kv;
DROP TABLE beliefs;
DROP TABLE basins;
DROP TABLE thoughtseeds;
DROP TABLE competitions;
DROP TABLE goals;
DROP TABLE heartbeats;
DROP TABLE beat_journal;

ALTER TABLE n_memories RENAME TO memories;
ALTER TABLE n_sync_outbox RENAME TO sync_outbox;
ALTER TABLE n_kv RENAME TO kv;
ALTER TABLE n_beliefs RENAME TO beliefs;
ALTER TABLE n_basins RENAME TO basins;
ALTER TABLE n_thoughtseeds RENAME TO thoughtseeds;
ALTER TABLE n_competitions RENAME TO competitions;
ALTER TABLE n_journeys RENAME TO journeys;
ALTER TABLE n_journey_sessions RENAME TO journey_sessions;
ALTER TABLE n_journey_documents RENAME TO journey_documents;
ALTER TABLE n_goals RENAME TO goals;
ALTER TABLE n_heartbeats RENAME TO heartbeats;
ALTER TABLE n_mental_models RENAME TO mental_models;
ALTER TABLE n_predictions RENAME TO predictions;
ALTER TABLE n_model_revisions RENAME TO model_revisions;
ALTER TABLE n_beat_journal RENAME TO beat_journal;

CREATE INDEX idx_memories_type ON memories(mind, memory_type);
CREATE INDEX idx_memories_created ON memories(mind, created_at);
CREATE INDEX idx_memories_project ON memories(mind, project_id);
CREATE INDEX idx_memories_session ON memories(mind, session_id);
CREATE INDEX idx_memories_embedding ON memories(mind, embedding_model, seq);
CREATE INDEX idx_outbox_pending ON sync_outbox(mind, synced_at, seq);
CREATE INDEX idx_outbox_op_time ON sync_outbox(mind, op, created_at);
CREATE INDEX idx_beliefs_domain ON beliefs(mind, domain, created_at);
CREATE INDEX idx_seeds_layer ON thoughtseeds(mind, layer, kind, status);
CREATE INDEX idx_competitions_model ON competitions(mind, winner_model_id, layer);
CREATE INDEX idx_sessions_journey ON journey_sessions(mind, journey_id, started_at);
CREATE INDEX idx_documents_journey ON journey_documents(mind, journey_id, created_at);
CREATE INDEX idx_goals_priority ON goals(mind, status, priority, updated_at);
CREATE INDEX idx_heartbeats_mind ON heartbeats(mind, seq);
CREATE INDEX idx_models_domain ON mental_models(mind, domain, status);
CREATE INDEX idx_predictions_model ON predictions(mind, model_id, created_at);
CREATE INDEX idx_predictions_resolved ON predictions(mind, resolved_at);
CREATE INDEX idx_revisions_model ON model_revisions(mind, model_id, created_at);
CREATE INDEX idx_beat_journal_status ON beat_journal(mind, status);

CREATE VIRTUAL TABLE memories_fts USING fts5(
    content, content='memories', content_rowid='seq', tokenize='unicode61'
);
CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'row');
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts(rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
CREATE TRIGGER memories_au AFTER UPDATE OF content ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    INSERT INTO memories_fts(rowid, content) VALUES (new.seq, new.content);
END;
INSERT INTO memories_fts(memories_fts) VALUES ('rebuild');
"""

STEPS: tuple[str, ...] = (V1_CORE, V2_FTS, V3_SCOPES, V4_BEAT_JOURNAL, V5_MINDS)
"""Ordered SQLite steps; index ``i`` takes the database to version ``i + 1``."""
