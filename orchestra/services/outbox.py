"""The sync outbox: every memory write leaves an entry here in the same transaction.

Because the entry is written inside the memory's own transaction, a memory can never
exist locally without its pending sync record, whatever happens to the remote.
"""

from __future__ import annotations

from typing import Any

from orchestra.services._common import dumps, loads
from orchestra.store import Session, Store


def enqueue(conn: Session, *, op: str, payload: dict[str, Any], at: float) -> None:
    """Queue a memory change; call inside the transaction that made it."""
    conn.execute(
        "INSERT INTO sync_outbox(mind, memory_id, op, payload, created_at) VALUES (:mind, ?, ?, ?, ?)",
        (payload["id"], op, dumps(payload), at),
    )


def pending(store: Store, limit: int) -> list[dict[str, Any]]:
    """The oldest ``limit`` unsynced entries, as remote records."""
    rows = store.query(
        "SELECT seq, memory_id, op, payload, created_at FROM sync_outbox "
        "WHERE mind = :mind AND synced_at IS NULL ORDER BY seq LIMIT ?",
        (limit,),
    )
    return [
        {
            "seq": row["seq"],
            "memory_id": row["memory_id"],
            "op": row["op"],
            "payload": loads(row["payload"], {}),
            "created_at": row["created_at"],
        }
        for row in rows
    ]


def mark_synced(store: Store, seqs: list[int], at: float) -> None:
    """Record that these entries reached the remote."""
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE sync_outbox SET synced_at = ? WHERE mind = :mind AND seq = ?", [(at, s) for s in seqs]
        )


def count_pending(store: Store) -> int:
    """Number of entries not yet pushed."""
    row = store.query_one("SELECT count(*) FROM sync_outbox WHERE mind = :mind AND synced_at IS NULL")
    return int(row[0]) if row else 0


def oldest_pending(store: Store) -> float | None:
    """Creation time of the oldest unpushed entry."""
    row = store.query_one("SELECT min(created_at) FROM sync_outbox WHERE mind = :mind AND synced_at IS NULL")
    return None if row is None or row[0] is None else float(row[0])


def deletions_since(store: Store, since: float) -> list[str]:
    """Ids of memories deleted at or after ``since``, newest first."""
    rows = store.query(
        "SELECT memory_id FROM sync_outbox WHERE mind = :mind AND op = 'delete' AND created_at "
        ">= ? ORDER BY seq DESC",
        (since,),
    )
    return [row[0] for row in rows]


def prune(store: Store, older_than: float) -> int:
    """Drop pushed entries older than ``older_than``; pending ones are never dropped."""
    with store.transaction() as conn:
        return conn.execute(
            "DELETE FROM sync_outbox WHERE mind = :mind AND synced_at IS NOT NULL AND created_at < ?",
            (older_than,),
        ).rowcount
